"""autograd-core: reverse-mode automatic differentiation with a PyTorch-style Tensor.

    import autograd_core as ac
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad          # tensor([2., 4.])
"""
from .tensor import Tensor
from .tensor_type import is_tensor
from .creation import (tensor, as_tensor, from_numpy, zeros, ones, full, empty, arange,
                       linspace, eye, rand, randn, randint, zeros_like, ones_like, full_like,
                       rand_like, randn_like, empty_like)
from .generator import (Generator, default_generator, manual_seed, seed, initial_seed,
                        get_rng_state, set_rng_state)
from .creation import randperm, normal, numel
from .size import Size
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from .engine import grad, backward
from .anomaly import detect_anomaly, AnomalyError
from .function import Function, SavedTensorError
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from .kernels.blas import set_num_threads, get_num_threads
from .kernels.buffers import empty_cache
from . import functional
from .dtypes import (float16, float32, float64, int8, int16, int32, int64, uint8, bool_,
                     get_default_dtype, set_default_dtype)
from .ops import REGISTRY as OPS
from .ops import arith as _arith, elementwise as _elementwise, reduce as _reduce
from .ops import shape as _shape, index as _index, linalg as _linalg, compare as _compare
from .ops import nnops as _nnops  # noqa: F401  (registers the fused nn primitives)


def _export_functions(*families):
    # The families' functions (exp, cat, where, ...) become autograd_core.<name>; their
    # primitive classes and Tensor-method mixins stay in autograd_core.ops.<family>.
    # A function whose public name is a Python builtin (sum, max, pow, ...) is defined
    # in its family under another name and listed in the family's PUBLIC_NAMES, so no
    # module in ops/ shadows a builtin.
    names = []
    for fam in families:
        for name in fam.__all__:
            obj = getattr(fam, name)
            if not isinstance(obj, type) and not name.startswith("_"):
                globals()[name] = obj
                names.append(name)
        for name, obj in getattr(fam, "PUBLIC_NAMES", {}).items():
            globals()[name] = obj
            names.append(name)
    return names


_FUNCTIONS = _export_functions(_arith, _elementwise, _reduce, _shape, _index, _linalg, _compare)
# -- tensor ops and sampling (issues 15/17) --
from .ops import sampling as _sampling, rounddiv as _rounddiv, scan as _scan  # noqa: E402
from .ops import sort as _sort, truth as _truth, special as _special  # noqa: E402
from .ops import matrix as _matrix, einsum as _einsum  # noqa: E402
_FUNCTIONS += _export_functions(_sampling, _rounddiv, _scan, _sort, _truth, _special, _matrix,
                                _einsum)

__version__ = "0.1.0"


def __getattr__(name):
    # `autograd_core.data` / `.viz` load on first use: viz pulls in graphviz and data
    # reads a file, and `import autograd_core` should stay fast.
    if name in ("data", "viz"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'autograd_core' has no attribute {name!r}")
