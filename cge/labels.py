"""Labelled data: dicts keyed by SAM labels (tuples for 2-D) <-> xarray.

Dimension names follow the kind of the labels: ``act``, ``com``, ``fac``,
``inst`` ... A 2-D item such as QF(f, a) becomes a DataArray with dims
(``fac``, ``act``) and NaN where the pair does not exist.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

def to_dataarray(name: str, values: dict, dims: tuple[str, ...] | None = None) -> xr.DataArray:
    """A DataArray from ``{label: v}``, ``{(l1, l2): v}`` or ``{"": v}`` (a scalar)."""
    keys = list(values)
    if keys == [""] or not keys and dims == ():
        return xr.DataArray(float(values.get("", np.nan)), name=name)
    if not keys:
        return xr.DataArray(np.array([], dtype=float), dims=(dims or (f"{name}_dim",))[:1], name=name)
    if not isinstance(keys[0], tuple):
        dim = (dims or (f"{name}_dim",))[0]
        return xr.DataArray(np.array([values[k] for k in keys], dtype=float), coords={dim: keys},
                            dims=(dim,), name=name)
    n = len(keys[0])
    dims = dims or tuple(f"{name}_dim{k}" for k in range(n))
    axes = [list(dict.fromkeys(k[d] for k in keys)) for d in range(n)]
    data = np.full([len(ax) for ax in axes], np.nan)
    pos = [{lab: j for j, lab in enumerate(ax)} for ax in axes]
    for k, v in values.items():
        data[tuple(pos[d][k[d]] for d in range(n))] = v
    return xr.DataArray(data, coords={dims[d]: axes[d] for d in range(n)}, dims=dims, name=name)


def label(name: str, index) -> str:
    """``QF[labr,a_nag]`` for a tuple index, ``QA[a_agr]`` for a label, ``EXR`` for a scalar."""
    if index in ("", None):
        return name
    return f"{name}[{','.join(index) if isinstance(index, tuple) else index}]"
