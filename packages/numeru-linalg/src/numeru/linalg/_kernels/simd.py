"""Explicit vectors and stack scratch for Numba kernels.

Numba runs LLVM without its SLP vectoriser, so code that does the same thing to a handful of
values side by side stays scalar, and the loop vectoriser only helps long loops. ``Lanes`` is a
Numba type held in one LLVM vector (``<8 x double>`` is two AVX2 registers): the intrinsics
below load and store ``count`` contiguous elements of an array and do lane-wise arithmetic,
comparisons and selects on them, each lane rounding exactly as the scalar operation would (no
fused multiply-add, no fast-math). ``stack_empty`` gives a kernel a scratch array on its stack:
LLVM then knows it aliases nothing else, and no allocation happens per call.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model


class Lanes(types.Type):
    """``count`` values of ``dtype`` in one LLVM vector."""

    def __init__(self, dtype: Any, count: int) -> None:
        self.dtype = dtype
        self.count = count
        super().__init__(name=f"Lanes({dtype}, {count})")


@register_model(Lanes)
class _LanesModel(models.PrimitiveModel):
    def __init__(self, dmm: Any, fe_type: Lanes) -> None:
        elem = dmm.lookup(fe_type.dtype).get_value_type()
        super().__init__(dmm, fe_type, ir.VectorType(elem, fe_type.count))


@intrinsic
def stack_empty(typingctx, count, dtype):
    """A pointer to ``count`` (a compile-time constant) uninitialised elements of ``dtype`` in
    the calling function's stack frame (wrap it with ``numba.carray``)."""
    if not isinstance(count, types.IntegerLiteral) or not isinstance(dtype, types.DType):
        return None
    size, elem = count.literal_value, dtype.dtype

    def codegen(context, builder, sig, args):
        return cgutils.alloca_once(builder, context.get_data_type(elem), size=size)

    return types.CPointer(elem)(count, dtype), codegen


def _vector_ptr(context, builder, aryty, ary, offset, lanes):
    data = context.make_array(aryty)(context, builder, ary).data
    return builder.bitcast(builder.gep(data, [offset]), context.get_value_type(lanes).as_pointer())


def _align(context, lanes):
    return context.get_abi_sizeof(context.get_data_type(lanes.dtype))


@intrinsic
def load(typingctx, ary, offset, count):
    """``ary.flat[offset : offset + count]`` of a contiguous array (``count`` a constant).
    Unchecked: the caller keeps the range inside the array."""
    if not isinstance(ary, types.Array) or not isinstance(count, types.IntegerLiteral):
        return None
    lanes = Lanes(ary.dtype, count.literal_value)

    def codegen(context, builder, sig, args):
        ptr = _vector_ptr(context, builder, sig.args[0], args[0], args[1], lanes)
        return builder.load(ptr, align=_align(context, lanes))

    return lanes(ary, offset, count), codegen


@intrinsic
def store(typingctx, ary, offset, vec):
    """``ary.flat[offset : offset + vec.count] = vec`` (unchecked, as ``load``)."""
    if not (isinstance(ary, types.Array) and isinstance(vec, Lanes) and vec.dtype == ary.dtype):
        return None

    def codegen(context, builder, sig, args):
        ptr = _vector_ptr(context, builder, sig.args[0], args[0], args[1], vec)
        builder.store(args[2], ptr, align=_align(context, vec))
        return context.get_dummy_value()

    return types.none(ary, offset, vec), codegen


@intrinsic
def gather(typingctx, ary, offset, stride, count):
    """``ary.flat[offset + lane * stride]`` for each lane < ``count`` (a constant) of a
    C-contiguous array: one value from each of ``count`` matrices (unchecked, as ``load``)."""
    if not (
        isinstance(ary, types.Array)
        and ary.layout == "C"
        and isinstance(count, types.IntegerLiteral)
    ):
        return None
    lanes = Lanes(ary.dtype, count.literal_value)

    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        vec = ir.Constant(context.get_value_type(lanes), ir.Undefined)
        for lane in range(lanes.count):
            where = builder.add(args[1], builder.mul(args[2], ir.Constant(args[2].type, lane)))
            value = builder.load(builder.gep(data, [where]))
            vec = builder.insert_element(vec, value, ir.Constant(ir.IntType(32), lane))
        return vec

    return lanes(ary, offset, stride, count), codegen


@intrinsic
def scatter(typingctx, ary, offset, stride, vec):
    """``ary.flat[offset + lane * stride] = vec[lane]`` for every lane (the inverse of
    ``gather``; C-contiguous, unchecked)."""
    if not (
        isinstance(ary, types.Array)
        and ary.layout == "C"
        and isinstance(vec, Lanes)
        and vec.dtype == ary.dtype
    ):
        return None

    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        for lane in range(vec.count):
            where = builder.add(args[1], builder.mul(args[2], ir.Constant(args[2].type, lane)))
            value = builder.extract_element(args[3], ir.Constant(ir.IntType(32), lane))
            builder.store(value, builder.gep(data, [where]))
        return context.get_dummy_value()

    return types.none(ary, offset, stride, vec), codegen


def _broadcast(context, builder, lanes, value):
    vec = ir.Constant(context.get_value_type(lanes), ir.Undefined)
    vec = builder.insert_element(vec, value, ir.Constant(ir.IntType(32), 0))
    zeros = ir.Constant(ir.VectorType(ir.IntType(32), lanes.count), [0] * lanes.count)
    return builder.shuffle_vector(vec, vec, zeros)


@intrinsic
def fill(typingctx, like, value):
    """``like``'s type with every lane ``value`` (converted to ``like.dtype``)."""
    if not isinstance(like, Lanes):
        return None

    def codegen(context, builder, sig, args):
        scalar = context.cast(builder, args[1], sig.args[1], like.dtype)
        return _broadcast(context, builder, like, scalar)

    return like(like, value), codegen


@intrinsic
def fill_index(typingctx, like, value):
    """An int64 vector as wide as ``like``, every lane ``value`` (row indices, per lane)."""
    if not isinstance(like, Lanes):
        return None
    out = Lanes(types.int64, like.count)

    def codegen(context, builder, sig, args):
        scalar = context.cast(builder, args[1], sig.args[1], types.int64)
        return _broadcast(context, builder, out, scalar)

    return out(like, value), codegen


def _float_binary(name: str) -> Any:
    @intrinsic
    def op(typingctx, a, b):
        if not (isinstance(a, Lanes) and a == b and isinstance(a.dtype, types.Float)):
            return None

        def codegen(context, builder, sig, args):
            return getattr(builder, name)(args[0], args[1])

        return a(a, b), codegen

    return op


sub = _float_binary("fsub")
mul = _float_binary("fmul")
div = _float_binary("fdiv")


@intrinsic
def absolute(typingctx, a):
    if not (isinstance(a, Lanes) and isinstance(a.dtype, types.Float)):
        return None

    def codegen(context, builder, sig, args):
        vty = args[0].type
        bits = 64 if isinstance(vty.element, ir.DoubleType) else 32
        fabs = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vty, [vty]), f"llvm.fabs.v{vty.count}f{bits}"
        )
        return builder.call(fabs, [args[0]])

    return a(a), codegen


@intrinsic
def neg(typingctx, a):
    if not (isinstance(a, Lanes) and isinstance(a.dtype, types.Float)):
        return None

    def codegen(context, builder, sig, args):
        return builder.fneg(args[0])

    return a(a), codegen


def _compare(op: str) -> Any:
    @intrinsic
    def cmp(typingctx, a, b):
        if not (isinstance(a, Lanes) and a == b):
            return None
        mask = Lanes(types.boolean, a.count)

        def codegen(context, builder, sig, args):
            if isinstance(a.dtype, types.Float):
                return builder.fcmp_ordered(op, args[0], args[1])  # False where a NaN is
            return builder.icmp_signed(op, args[0], args[1])

        return mask(a, b), codegen

    return cmp


greater = _compare(">")
equal = _compare("==")


@intrinsic
def both(typingctx, a, b):
    """Lane-wise ``a and b`` of two masks."""
    if not (isinstance(a, Lanes) and a == b and a.dtype == types.boolean):
        return None

    def codegen(context, builder, sig, args):
        return builder.and_(args[0], args[1])

    return a(a, b), codegen


@intrinsic
def select(typingctx, mask, a, b):
    """Lane-wise ``a if mask else b``."""
    if not (
        isinstance(mask, Lanes)
        and mask.dtype == types.boolean
        and isinstance(a, Lanes)
        and a == b
        and mask.count == a.count
    ):
        return None

    def codegen(context, builder, sig, args):
        return builder.select(args[0], args[1], args[2])

    return a(mask, a, b), codegen
