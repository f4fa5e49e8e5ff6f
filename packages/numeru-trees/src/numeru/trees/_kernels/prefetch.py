"""A software prefetch hint for Numba kernels (LLVM's ``llvm.prefetch``).

Deep tree nodes own rows scattered over the whole data set: each row read is a cache miss,
and a row's work is too long for the CPU to run ahead to the next row's loads on its own.
Asking for the row a few iterations ahead keeps several misses in flight (XGBoost's
histogram kernel does the same). A prefetch is only a hint: it never faults, even on an
address outside the array, and changes no result.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, array, index):  # pragma: no cover - compiled
    """Hint that ``array.flat[index]`` will be read soon (C-contiguous arrays)."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        address = builder.bitcast(builder.gep(ary.data, [args[1]]), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [address.type, i32, i32, i32])
        # the intrinsic's name carries the pointer type: "p0" with LLVM's opaque pointers
        # (llvmlite >= 0.44), "p0i8" with the typed pointers of older releases
        suffix = "p0" if str(address.type) == "ptr" else "p0i8"
        fn = cgutils.get_or_insert_function(builder.module, fnty, f"llvm.prefetch.{suffix}")
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(fn, [address, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen
