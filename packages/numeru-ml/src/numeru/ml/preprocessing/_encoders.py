"""Categorical encoders: ``OneHotEncoder`` and ``LabelEncoder``.

Categories are the sorted unique values of each column (numbers or strings), as in
scikit-learn. Missing values are categories of their own, placed after the others as
scikit-learn does: NaN in float columns; ``None`` and NaN in object columns (``None`` before
NaN). ``OneHotEncoder`` returns a scipy.sparse CSR matrix by default
(``sparse_output=True``, as scikit-learn; scipy comes with numeru-linalg) or a dense NumPy
array. Supported: ``drop`` (None, "first", "if_binary" or one category per feature) and
``handle_unknown`` ("error" or "ignore": an unknown category encodes as all zeros).
Infrequent-category grouping (``min_frequency`` / ``max_categories``) is not implemented.
"""

from __future__ import annotations

import numpy as np

from numeru.core.errors import ShapeError, ValidationError, expected
from numeru.core.estimator import BaseEstimator, TransformerMixin, check_is_fitted, to_numpy

from .._classic_utils import check_choice


def _as_2d_objects(X, name="X"):
    A = X if isinstance(X, np.ndarray) else (np.asarray(X) if isinstance(X, (list, tuple))
                                             else to_numpy(X))
    if A.ndim != 2:
        raise expected(name, "a 2-D array (n_samples, n_features)", f"shape {A.shape}",
                       error=ShapeError)
    if A.shape[0] == 0:
        raise expected(name, "at least 1 sample", f"shape {A.shape}")
    if A.dtype.kind in "fc" and np.isinf(A).any():  # NaN is a category, infinity is refused
        raise expected(name, "finite values or NaN (as scikit-learn)", "infinity")
    return A


_PRESENT, _NONE, _NAN = 0, 1, 2


def _missing(value):
    """0 for a value, 1 for ``None``, 2 for NaN (a float or NumPy floating NaN)."""
    if value is None:
        return _NONE
    if isinstance(value, (float, np.floating)) and value != value:
        return _NAN
    return _PRESENT


def _plain(value):
    """A NumPy scalar as the Python value (error messages show ``nan``, not ``np.float64``)."""
    return value.item() if isinstance(value, np.generic) else value


def _missing_codes(values):
    """``_missing`` of each element of a 1-D array."""
    if values.dtype.kind == "f":
        return np.where(np.isnan(values), _NAN, _PRESENT).astype(np.int8)
    if values.dtype.kind == "O":
        return np.fromiter((_missing(v) for v in values.tolist()), np.int8, values.shape[0])
    return np.zeros(values.shape[0], np.int8)


def _unique(col):
    """Sorted categories of a column, missing values last (``None``, then NaN), as sklearn."""
    if col.dtype.kind != "O":
        return np.unique(col)  # NumPy keeps one NaN, sorted last
    codes = _missing_codes(col)
    present = np.unique(col[codes == _PRESENT])
    extra = [v for code, v in ((_NONE, None), (_NAN, np.nan)) if (codes == code).any()]
    return np.concatenate([present, np.array(extra, dtype=object)]) if extra else present


def _column(A, j):
    col = A[:, j]
    if col.dtype.kind == "O":
        values = [v for v in col.tolist() if not _missing(v)]
        # Object columns keep their values (and categories_ stays object), as scikit-learn.
        if all(isinstance(v, str) for v in values) or all(
                isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                for v in values):
            return col
        raise expected("X", f"values of one kind in column {j} (all numbers or all strings)",
                       "mixed values", error=ValidationError)
    return col


def _positions(cats, col):
    """Index of each value of ``col`` in ``cats`` and whether it is there at all.

    ``cats`` keeps the user's order (string categories given through ``categories=`` need not
    be sorted, as in scikit-learn), so the search goes through a sorting permutation. Missing
    values (``None``, NaN) match the category of the same kind: NaN never equals itself, and
    ``None`` cannot be ordered among strings or numbers.
    """
    n = col.shape[0]
    pos, known = np.zeros(n, np.int64), np.zeros(n, bool)
    if cats.size == 0:
        return pos, known
    cat_codes, col_codes = _missing_codes(cats), _missing_codes(col)
    present = np.flatnonzero(cat_codes == _PRESENT)
    rows = col_codes == _PRESENT
    if present.size and rows.any():
        values, wanted = cats[present], col[rows]
        order = np.argsort(values, kind="stable")
        at = np.clip(np.searchsorted(values, wanted, sorter=order), 0, values.size - 1)
        found = order[at]
        pos[rows] = present[found]
        known[rows] = values[found] == wanted
    for code in (_NONE, _NAN):
        hit = np.flatnonzero(cat_codes == code)
        if hit.size:
            rows = col_codes == code
            pos[rows] = hit[0]
            known[rows] = True
    return pos, known


def _given_categories(given, col, j):
    """The user's categories of feature ``j``, checked as scikit-learn checks them."""
    raw = list(given)
    if col.dtype.kind in "OU":  # object categories for text columns, as scikit-learn
        cats = np.empty(len(raw), dtype=object)  # (None/NaN kept as they are beside strings)
        cats[:] = raw
    else:
        cats = np.asarray(raw)
    codes = _missing_codes(cats)
    if (codes[:-1] == _NAN).any():
        raise expected("categories", f"NaN only as the last category of feature {j}", raw)
    if cats.dtype.kind not in "USO":
        values = cats[:-1] if codes.size and codes[-1] == _NAN else cats
        if not np.all(np.diff(values) > 0):
            raise expected("categories", f"sorted unique values for feature {j}", raw)
    return cats


class OneHotEncoder(TransformerMixin, BaseEstimator):
    """Encode each categorical column as one indicator column per category."""

    def __init__(self, *, categories="auto", drop=None, sparse_output=True,
                 dtype=np.float64, handle_unknown="error"):
        self.categories = categories
        self.drop = drop
        self.sparse_output = sparse_output
        self.dtype = dtype
        self.handle_unknown = handle_unknown

    def fit(self, X, y=None):
        check_choice("handle_unknown", self.handle_unknown, ("error", "ignore"))
        A = _as_2d_objects(X)
        n_features = A.shape[1]
        if self.categories != "auto":
            if len(self.categories) != n_features:
                raise expected("categories", f"{n_features} lists (one per feature)",
                               len(self.categories))
        cats = []
        for j in range(n_features):
            col = _column(A, j)
            if self.categories == "auto":
                cats.append(_unique(col))
            else:
                given = _given_categories(self.categories[j], col, j)
                unknown = ~_positions(given, col)[1]
                if unknown.any() and self.handle_unknown == "error":
                    raise expected("X", f"categories among {given.tolist()} in column {j}",
                                   _plain(col[unknown][0]), error=ValidationError)
                cats.append(given)
        self.categories_ = cats
        self.n_features_in_ = n_features
        self.drop_idx_ = self._drop_indices()
        return self

    def _drop_indices(self):
        if self.drop is None:
            return None
        if isinstance(self.drop, str):
            check_choice("drop", self.drop, ("first", "if_binary"))
            if self.drop == "first":
                return np.zeros(len(self.categories_), np.int64)
            return np.array([0 if c.size == 2 else -1 for c in self.categories_], np.int64)
        drop = list(self.drop)
        if len(drop) != len(self.categories_):
            raise expected("drop", f"{len(self.categories_)} categories (one per feature)",
                           len(drop))
        out = []
        for j, (value, cats) in enumerate(zip(drop, self.categories_, strict=True)):
            if value is None:
                out.append(-1)
                continue
            code = _missing(value)
            hit = np.flatnonzero(_missing_codes(cats) == code if code else cats == value)
            if hit.size == 0:
                raise expected("drop", f"a category of feature {j} ({cats.tolist()})", value)
            out.append(int(hit[0]))
        return np.array(out, np.int64)

    def _kept(self, j):
        n = self.categories_[j].size
        keep = np.ones(n, bool)
        if self.drop_idx_ is not None and self.drop_idx_[j] >= 0:
            keep[self.drop_idx_[j]] = False
        return keep

    def transform(self, X):
        check_is_fitted(self)
        A = _as_2d_objects(X)
        if A.shape[1] != self.n_features_in_:
            raise expected("X", f"{self.n_features_in_} features (as in fit)",
                           f"{A.shape[1]} features", error=ShapeError)
        n = A.shape[0]
        rows, cols = [], []
        offset = 0
        for j, cats in enumerate(self.categories_):
            col = _column(A, j)
            pos, known = _positions(cats, col)
            if not known.all() and self.handle_unknown == "error":
                raise expected("X", f"categories seen in fit for column {j}",
                               _plain(col[~known][0]), error=ValidationError)
            keep = self._kept(j)
            new_index = np.cumsum(keep) - 1
            use = known & keep[pos]
            rows.append(np.flatnonzero(use))
            cols.append(offset + new_index[pos[use]])
            offset += int(keep.sum())
        r = np.concatenate(rows)
        c = np.concatenate(cols)
        if self.sparse_output:
            from scipy.sparse import csr_matrix

            out = csr_matrix((np.ones(r.size, dtype=self.dtype), (r, c)), shape=(n, offset))
            out.sort_indices()
            return out
        dense = np.zeros((n, offset), dtype=self.dtype)
        dense[r, c] = 1
        return dense

    def inverse_transform(self, X):
        check_is_fitted(self)
        D = X.toarray() if hasattr(X, "toarray") else np.asarray(to_numpy(X))
        n = D.shape[0]
        columns = []
        offset = 0
        for j, cats in enumerate(self.categories_):
            keep = self._kept(j)
            width = int(keep.sum())
            block = D[:, offset:offset + width]
            offset += width
            kept_cats = cats[keep]
            hot = block.argmax(axis=1) if width else np.zeros(n, np.int64)
            has = block.max(axis=1) > 0 if width else np.zeros(n, bool)
            col = np.empty(n, dtype=object)
            col[has] = kept_cats[hot[has]]
            if (~has).any():
                if self.drop_idx_ is not None and self.drop_idx_[j] >= 0:
                    col[~has] = cats[self.drop_idx_[j]]
                else:
                    col[~has] = None
            columns.append(col)
        out = np.stack(columns, axis=1)
        try:
            common = np.result_type(*[c.dtype for c in self.categories_])
            if all(c is not None for c in out.ravel()):
                return out.astype(common)
        except TypeError:
            pass
        return out

    # .nmr stores numbers and strings, not object arrays of numbers or of None/NaN: save such
    # categories as arrays of their present values, with a code per category for the missing
    # ones (1: None, 2: NaN), and restore the object dtype on load.
    def _nmr_state(self):
        state = super()._nmr_state()
        fitted = dict(state["fitted"])
        if "categories_" in fitted:
            cats, boxed, missing = [], [], []
            for c in fitted["categories_"]:
                codes = _missing_codes(c) if c.dtype == object else np.zeros(c.size, np.int8)
                values = [v for v, code in zip(c.tolist(), codes.tolist(), strict=True)
                          if not code]
                is_boxed = c.dtype == object and not all(isinstance(v, str) for v in values)
                if is_boxed or codes.any():
                    c = np.asarray(values) if is_boxed else np.asarray(values, dtype=object)
                cats.append(c)
                boxed.append(bool(c.dtype == object or is_boxed))  # object dtype comes back
                missing.append(codes)
            fitted["categories_"] = cats
            fitted["object_categories_"] = boxed
            if any(codes.any() for codes in missing):
                fitted["missing_categories_"] = missing
        state["fitted"] = fitted
        return state

    @classmethod
    def _nmr_from_state(cls, state):
        encoder = super()._nmr_from_state(state)
        boxed = encoder.__dict__.pop("object_categories_", None)
        missing = encoder.__dict__.pop("missing_categories_", None)
        if boxed is not None:
            restored = []
            for j, (c, b) in enumerate(zip(encoder.categories_, boxed, strict=True)):
                codes = None if missing is None else np.asarray(missing[j])
                if codes is not None and codes.any():
                    full = np.empty(codes.size, dtype=object)
                    present = iter(c.tolist())
                    for i, code in enumerate(codes.tolist()):
                        full[i] = next(present) if code == _PRESENT else \
                            (None if code == _NONE else np.nan)
                    restored.append(full)
                else:
                    restored.append(np.asarray(c.tolist(), dtype=object) if b else c)
            encoder.categories_ = restored
        return encoder

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        names = input_features if input_features is not None else \
            [f"x{j}" for j in range(self.n_features_in_)]
        out = []
        for j, cats in enumerate(self.categories_):
            keep = self._kept(j)
            out.extend(f"{names[j]}_{c}" for c in cats[keep].tolist())
        return np.asarray(out, dtype=object)


class LabelEncoder(TransformerMixin, BaseEstimator):
    """Encode target labels as integers 0 .. n_classes - 1 (sorted label order)."""

    def fit(self, y):
        self.classes_ = np.unique(self._labels(y))
        return self

    def fit_transform(self, y):
        labels = self._labels(y)
        self.classes_, codes = np.unique(labels, return_inverse=True)
        return codes.reshape(-1).astype(np.int64)

    def transform(self, y):
        check_is_fitted(self)
        labels = self._labels(y)
        if labels.size == 0:
            return np.zeros(0, np.int64)
        pos = np.clip(np.searchsorted(self.classes_, labels), 0, self.classes_.size - 1)
        unknown = self.classes_[pos] != labels
        if unknown.any():
            raise expected("y", f"labels seen in fit ({self.classes_.tolist()})",
                           labels[unknown][0], error=ValidationError)
        return pos.astype(np.int64)

    def inverse_transform(self, y):
        check_is_fitted(self)
        codes = np.asarray(to_numpy(y) if not isinstance(y, (list, tuple)) else y)
        if codes.size and (codes.min() < 0 or codes.max() >= self.classes_.size):
            raise expected("y", f"codes in [0, {self.classes_.size - 1}]",
                           int(codes.max() if codes.max() >= self.classes_.size else codes.min()))
        return self.classes_[codes.astype(np.int64)]

    @staticmethod
    def _labels(y):
        a = np.asarray(y) if isinstance(y, (list, tuple)) else to_numpy(y)
        if a.ndim == 2 and a.shape[1] == 1:
            a = a.ravel()
        if a.ndim != 1:
            raise expected("y", "a 1-D array of labels", f"shape {a.shape}", error=ShapeError)
        return a
