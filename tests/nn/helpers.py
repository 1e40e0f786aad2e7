"""Shared test helpers: gradcheck a module's input and parameters in float64, and copy
weights into / compare with a PyTorch twin."""
import numpy as np

import autograd_core as ac
from autograd_core import gradcheck


def leaf64(a):
    return ac.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def gradcheck_module(module, x, extra=()):
    """gradcheck of module(x, *extra) with respect to x and every parameter (float64)."""
    module.double()
    params = tuple(module.parameters())
    inputs = (x,) + params + tuple(extra)

    def f(x, *rest):
        return module(x, *rest[len(params):])

    return gradcheck(f, inputs)


def copy_to_torch(torch, ours, theirs):
    """Copy parameters and buffers of ``ours`` into the PyTorch module ``theirs`` by name."""
    sd = {k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(sd)
    return theirs


def assert_close(ours, theirs, rtol=1e-5, atol=1e-6, msg=""):
    """``ours``: an autograd_core Tensor or array; ``theirs``: a torch tensor or array."""
    a = ours.numpy() if isinstance(ours, ac.Tensor) else ours
    b = theirs if isinstance(theirs, np.ndarray) else theirs.detach().numpy()
    np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                               rtol=rtol, atol=atol, err_msg=msg)
