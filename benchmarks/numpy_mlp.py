"""The MLP training step written by hand in vectorized numpy: the course's manual
backprop, the same computation as ``nn.Sequential(Linear, BatchNorm1d, ReLU, Dropout,
Linear, BatchNorm1d, ReLU, Dropout, Linear)`` + ``CrossEntropyLoss`` + ``Adam``.

Shapes: x (B, 784) float32, labels (B,) int64; weights W_l (out, in), biases (out,),
batch-norm weight/bias (out,). Batch norm in training mode (batch statistics, biased
variance for normalising, unbiased for the running variance, momentum 0.1, eps 1e-5),
inverted dropout, mean cross-entropy, and Adam as ``torch.optim.Adam`` computes it
(L2 ``weight_decay`` added to the gradient; ``p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)``).
Temporaries are reused through ``out=`` where that is natural, as a careful
hand-written implementation would.
"""
import numpy as np

__all__ = ["NumpyMLP"]


class NumpyMLP:
    """``params``: arrays in ``model.parameters()`` order (W1, b1, g1, be1, W2, b2, g2,
    be2, ..., W_last, b_last); they are copied."""

    def __init__(self, params, dropout=0.2, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=1e-4, bn_eps=1e-5, momentum=0.1, seed=0):
        self.params = [np.array(p, dtype=np.float32) for p in params]
        self.n_hidden = (len(self.params) - 2) // 4
        self.p = float(dropout)
        self.lr, (self.b1, self.b2), self.eps, self.wd = lr, betas, eps, weight_decay
        self.bn_eps, self.momentum = bn_eps, momentum
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0
        self.running = [(np.zeros(self.params[4 * i].shape[0], np.float32),
                         np.ones(self.params[4 * i].shape[0], np.float32))
                        for i in range(self.n_hidden)]
        self.rng = np.random.default_rng(seed)

    def step(self, x, y):
        """One training step on batch ``x`` (B, in), ``y`` (B,); returns the loss."""
        P = self.params
        B = x.shape[0]
        scale = np.float32(1.0 / (1.0 - self.p)) if self.p > 0 else None
        cache = []
        a = x
        for i in range(self.n_hidden):  # Linear -> BatchNorm1d -> ReLU -> Dropout
            W, b, g, be = P[4 * i:4 * i + 4]
            h = a @ W.T
            h += b
            mu = h.mean(axis=0)
            h -= mu  # h is now centred
            var = np.einsum("ij,ij->j", h, h) / B
            invstd = (1.0 / np.sqrt(var + self.bn_eps)).astype(np.float32)
            rm, rv = self.running[i]
            rm *= 1 - self.momentum
            rm += self.momentum * mu
            rv *= 1 - self.momentum
            rv += (self.momentum * B / (B - 1)) * var
            xhat = h
            xhat *= invstd
            z = xhat * g
            z += be
            np.maximum(z, 0, out=z)
            mask = None
            if scale is not None:
                mask = self.rng.random(z.shape, dtype=np.float32) >= self.p
                z *= mask
                z *= scale
            cache.append((a, xhat, invstd, z, mask))
            a = z
        W, b = P[-2:]
        logits = a @ W.T
        logits += b
        # cross-entropy: stable log-softmax; its gradient is softmax - onehot
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(B)
        loss = float(np.mean(np.log(s[:, 0]) - logits[rows, y]))
        d = e
        d /= s
        d[rows, y] -= 1
        d /= B
        grads = [None] * len(P)
        grads[-2] = d.T @ a
        grads[-1] = d.sum(axis=0)
        for i in reversed(range(self.n_hidden)):
            a_in, xhat, invstd, z, mask = cache[i]
            W_next = P[4 * i + 4]
            da = d @ W_next
            if mask is not None:
                da *= mask
                da *= scale
            da *= z > 0  # relu backward (z is the post-relu output)
            g = P[4 * i + 2]
            grads[4 * i + 2] = np.einsum("ij,ij->j", da, xhat)
            grads[4 * i + 3] = da.sum(axis=0)
            dxhat = da
            dxhat *= g
            # batch-norm backward: invstd/B * (B*dxhat - sum(dxhat) - xhat*sum(dxhat*xhat))
            s1 = dxhat.sum(axis=0)
            s2 = np.einsum("ij,ij->j", dxhat, xhat)
            dh = dxhat
            dh -= s1 / B
            dh -= xhat * (s2 / B)
            dh *= invstd
            grads[4 * i] = dh.T @ a_in
            grads[4 * i + 1] = dh.sum(axis=0)
            d = dh
        self._adam(grads)
        return loss

    def _adam(self, grads):
        self.t += 1
        bc1 = 1 - self.b1 ** self.t
        bc2 = 1 - self.b2 ** self.t
        step_size = np.float32(self.lr / bc1)
        inv_sqrt_bc2 = np.float32(1.0 / np.sqrt(bc2))
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if self.wd:
                g = g + np.float32(self.wd) * p
            m *= self.b1
            m += np.float32(1 - self.b1) * g
            v *= self.b2
            g *= g
            v += np.float32(1 - self.b2) * g
            denom = np.sqrt(v)
            denom *= inv_sqrt_bc2
            denom += np.float32(self.eps)
            np.divide(m, denom, out=denom)
            denom *= step_size
            p -= denom
