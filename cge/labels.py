"""Labelled data: dicts keyed by SAM labels (tuples for 2-D) -> one xarray Dataset.

An *item* is ``(values, dims)`` or ``(values, dims, attrs)``: values as
``{label: v}``, ``{(l1, l2): v}`` or ``{"": v}`` (a scalar), dims naming the
coordinates of the index (``act``, ``com``, ``fac``, ``inst`` ...). A 2-D item
such as QF(f, a) becomes an array over (``fac``, ``act``) with NaN where the
pair does not exist. All items share coordinates, built once, so the Dataset is
made in one step without alignment.
"""

from __future__ import annotations

import numpy as np
import xarray as xr


def label(name: str, index) -> str:
    """``QF[labr,a_nag]`` for a tuple index, ``QA[a_agr]`` for a label, ``EXR`` for a scalar."""
    if index in ("", None):
        return name
    return f"{name}[{','.join(index) if isinstance(index, tuple) else index}]"


def _dims_of(name: str, values: dict, dims) -> tuple[str, ...]:
    keys = list(values)
    if keys == [""]:
        return ()
    if not keys:
        return (f"{name}_dim",)   # an empty item gets a dimension of its own
    n = len(keys[0]) if isinstance(keys[0], tuple) else 1
    return tuple(dims) if dims else tuple(f"{name}_dim{k}" for k in range(n))


def to_dataset(items: dict[str, tuple], attrs: dict | None = None) -> xr.Dataset:
    """One Dataset from named items (see the module docstring)."""
    shapes, coords = {}, {}
    for name, (values, dims, *_) in items.items():
        d = _dims_of(name, values, dims)
        shapes[name] = d
        for k in values:
            for dim, lab in zip(d, k if isinstance(k, tuple) else (k,)):
                coords.setdefault(dim, {}).setdefault(lab, None)
    pos = {dim: {lab: j for j, lab in enumerate(labs)} for dim, labs in coords.items()}
    data = {}
    for name, (values, _, *extra) in items.items():
        d = shapes[name]
        arr = np.full([len(pos.get(dim, ())) for dim in d], np.nan)
        for k, v in values.items():
            if d:
                arr[tuple(pos[dim][lab] for dim, lab in zip(d, k if isinstance(k, tuple) else (k,)))] = v
            else:
                arr = np.array(float(v))
        data[name] = (d, arr, extra[0] if extra else {})
    return xr.Dataset(data, coords={dim: list(labs) for dim, labs in coords.items()}, attrs=attrs or {})
