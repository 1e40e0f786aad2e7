"""Special functions on arrays: erf, erfc, erfinv (``kernels/special.py``)."""
from ..kernels import special as K
from .namespace import ARRAYS, IGNORE

define = ARRAYS.define

define("erf", K.erf)
define("erfc", K.erfc)
define("erfinv", K.erfinv, errors=IGNORE)
