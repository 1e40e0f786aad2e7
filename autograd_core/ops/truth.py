"""Truth reductions: ``all`` and ``any`` over dims (bool results, not differentiable),
and the histograms ``histc`` / ``histogram`` (counts, not differentiable)."""
from ..backend import ARRAYS as _ARRAYS
from ..function import Primitive
from ._dims import dim_args, reduce_dims, tensor_arg
from .minmax import return_types
from .registry import register

__all__ = ["All", "Any", "TruthMethods", "histc", "histogram"]


@register("all", "reduce")
class All(Primitive):
    """Whether every entry over ``dims`` is nonzero (bool)."""

    differentiable = False
    stores_attributes = False

    def forward(self, F, a, dims, keepdim):
        return F.all(a, dims=dims, keepdim=keepdim)


@register("any", "reduce")
class Any(All):
    """Whether some entry over ``dims`` is nonzero (bool)."""

    def forward(self, F, a, dims, keepdim):
        return F.any(a, dims=dims, keepdim=keepdim)


def _bins_arg(op, bins):
    if isinstance(bins, bool) or not hasattr(bins, "__index__"):
        raise TypeError(f"{op}: bins must be an int, got {type(bins).__name__}")
    bins = bins.__index__()
    if bins <= 0:
        raise ValueError(f"{op}: bins must be > 0, but got {bins}")
    return bins


class TruthMethods:
    """Tensor all/any/histc/histogram."""

    __slots__ = ()

    def _truth(self, op, cls, dim, keepdim, axis, keepdims):
        dim, keepdim = dim_args(op, dim, keepdim, axis, keepdims)
        return self._apply(cls, self, dims=reduce_dims(op, dim, self.ndim), keepdim=keepdim)

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where every entry over ``dim`` (int, tuple or None: all) is nonzero."""
        return self._truth("all", All, dim, keepdim, axis, keepdims)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where some entry over ``dim`` (int, tuple or None: all) is nonzero."""
        return self._truth("any", Any, dim, keepdim, axis, keepdims)

    def _floating_input(self, op):
        if self.dtype.kind != "f":
            raise TypeError(f"{op}: input must be a floating point tensor, got dtype {self.dtype}")

    def histc(self, bins=100, min=0, max=0):  # noqa: A002  (PyTorch's parameter names)
        """Counts of self's entries in ``bins`` equal bins over [min, max] (both 0: the
        data's range), in self's dtype; entries outside are ignored."""
        self._floating_input("histc")
        bins = _bins_arg("histc", bins)
        lo, hi = float(min), float(max)
        if lo > hi:
            raise ValueError(f"histc: max must be larger than min, got min={min}, max={max}")
        if lo == hi:
            lo, hi = self._finite_range("histc")
        if lo == hi:  # PyTorch widens a zero-width range by one on each side
            lo, hi = lo - 1, hi + 1
        return self._make(self._hist(bins, lo, hi)[0])

    def _finite_range(self, op):
        lo, hi = _ARRAYS.finite_range(self._data)
        if lo != lo or hi != hi or abs(lo) == float("inf") or abs(hi) == float("inf"):
            raise ValueError(f"{op}: range of [{lo}, {hi}] is not finite")
        return lo, hi

    def _hist(self, bins, lo, hi, weight=None, density=False):
        w = None if weight is None else self._to_tensor(weight)._data
        if w is not None and w.shape != self.shape:
            raise ValueError(f"histogram: weight of shape {tuple(w.shape)} must have the "
                             f"input's shape {tuple(self.shape)}")
        return _ARRAYS.histogram(self._data, bins, lo, hi, w, density)

    def histogram(self, bins, *, range=None, weight=None, density=False):  # noqa: A002
        """(hist, bin_edges): counts (or, with ``density``, densities) of self's entries
        in ``bins`` equal bins over ``range`` (default: the data's range), or over the
        edges of a 1-d tensor ``bins``; in self's dtype."""
        self._floating_input("histogram")
        if hasattr(bins, "_data"):
            edges = bins._data
            if edges.ndim != 1 or edges.shape[0] < 2:
                raise ValueError(f"histogram: bins tensor must be 1-d with at least 2 edges, "
                                 f"got shape {tuple(edges.shape)}")
            hist, e = self._hist(edges, None, None, weight, density)
        else:
            bins = _bins_arg("histogram", bins)
            if range is None:
                lo, hi = self._finite_range("histogram")
            else:
                lo, hi = float(range[0]), float(range[1])
                if lo > hi:
                    raise ValueError(f"histogram: min must not exceed max, got range={range}")
            if lo == hi:
                lo, hi = lo - 0.5, hi + 0.5
            hist, e = self._hist(bins, lo, hi, weight, density)
        return return_types.histogram(self._make(hist), self._make(e))


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """See ``Tensor.histc``."""
    return tensor_arg("histc", input).histc(bins, min, max)


def histogram(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """See ``Tensor.histogram``."""
    return tensor_arg("histogram", input).histogram(bins, range=range, weight=weight,
                                                    density=density)


def reduce_all(input, dim=None, keepdim=False, **kwargs):
    """``autograd_core.all``: see ``Tensor.all``."""
    return tensor_arg("all", input).all(dim, keepdim, **kwargs)


def reduce_any(input, dim=None, keepdim=False, **kwargs):
    """``autograd_core.any``: see ``Tensor.any``."""
    return tensor_arg("any", input).any(dim, keepdim, **kwargs)


PUBLIC_NAMES = {"all": reduce_all, "any": reduce_any}
