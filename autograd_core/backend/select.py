"""Selecting elements: where, clamp, maximum/minimum."""
import numpy as np

from .namespace import ARRAYS

define = ARRAYS.define

define("where", np.where)
