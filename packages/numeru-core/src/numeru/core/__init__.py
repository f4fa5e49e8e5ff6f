"""numeru.core: the Tensor, its Array API namespace, devices, plugins and the shared services.

``import numeru.core as nm``. This module is the Array API namespace of numeru Tensors
(``x.__array_namespace__()`` returns it); it only re-exports, the code lives in the modules.
"""

from . import (
    dispatch,
    errors,
    random,  # nm.random: Philox4x32-10 generators
)
from ._version import __version__
from .creation import (
    arange,
    asarray,
    astype,
    empty,
    empty_like,
    eye,
    from_dlpack,
    full,
    full_like,
    linspace,
    meshgrid,
    ones,
    ones_like,
    tril,
    triu,
    zeros,
    zeros_like,
)
from .devices import Device, device, get_default_device
from .dtypes import (
    bfloat16,
    can_cast,
    complex64,
    complex128,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    isdtype,
    result_type,
    set_default_dtype,
    uint8,
    uint16,
    uint32,
    uint64,
)
from .dtypes import (
    bool_ as bool,
)
from .elementwise import *  # noqa: F403 - the elementwise functions, listed in its __all__
from .elementwise import reciprocal, round
from .indexing import masked_fill
from .linalg_functions import matmul, tensordot, vecdot
from .manipulation import (
    broadcast_arrays,
    broadcast_shapes,
    broadcast_to,
    concat,
    diff,
    expand_dims,
    flip,
    matrix_transpose,
    moveaxis,
    permute_dims,
    repeat,
    reshape,
    roll,
    squeeze,
    stack,
    take,
    take_along_axis,
    tile,
    unstack,
)
from .namespace_info import __array_namespace_info__
from .nmr import load, save  # .nmr artifacts: nm.save(obj, path), nm.load(path)
from .parallel import get_num_threads, parallel_map, set_num_threads, threads
from .plugins import build, registry
from .searching import argmax, argmin, argsort, count_nonzero, nonzero, searchsorted, sort, where
from .sets import isin, unique_all, unique_counts, unique_inverse, unique_values
from .statistics import (
    all,
    any,
    cumulative_prod,
    cumulative_sum,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from .tensor import Tensor

__array_api_version__ = "2023.12"

e = 2.718281828459045
inf = float("inf")
nan = float("nan")
newaxis = None
pi = 3.141592653589793

from . import tensor_methods as _tensor_methods  # noqa: E402 - needs the namespace modules above

_tensor_methods.install(Tensor)


def __getattr__(name: str) -> object:
    # nm.onnx (ONNX export) is imported on first use: `import numeru.core` stays as fast as it
    # was, and the onnx package itself is imported only when a model is exported.
    if name == "onnx":
        import importlib

        return importlib.import_module(".onnx", __name__)
    raise AttributeError(f"module 'numeru.core' has no attribute {name!r}")
