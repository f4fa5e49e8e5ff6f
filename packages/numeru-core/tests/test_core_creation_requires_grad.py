"""Creation functions take ``requires_grad=`` (numeru-core stores the flag; numeru-dl uses it)."""

import pytest

import numeru.core as nm
from numeru.core.errors import DTypeError

MAKERS = {
    "empty": lambda **kw: nm.empty((2, 3), **kw),
    "zeros": lambda **kw: nm.zeros((2, 3), **kw),
    "ones": lambda **kw: nm.ones((2, 3), **kw),
    "full": lambda **kw: nm.full((2, 3), 1.5, **kw),
    "empty_like": lambda **kw: nm.empty_like(nm.ones(3), **kw),
    "zeros_like": lambda **kw: nm.zeros_like(nm.ones(3), **kw),
    "ones_like": lambda **kw: nm.ones_like(nm.ones(3), **kw),
    "full_like": lambda **kw: nm.full_like(nm.ones(3), 2.0, **kw),
    "arange": lambda **kw: nm.arange(0.0, 3.0, **kw),
    "linspace": lambda **kw: nm.linspace(0.0, 1.0, 5, **kw),
    "eye": lambda **kw: nm.eye(3, **kw),
    "asarray": lambda **kw: nm.asarray([1.0, 2.0], **kw),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_requires_grad_flag(name):
    assert MAKERS[name](requires_grad=True).requires_grad is True
    assert MAKERS[name]().requires_grad is False


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(DTypeError, match="requires_grad"):
        nm.zeros((2,), dtype=nm.int64, requires_grad=True)
