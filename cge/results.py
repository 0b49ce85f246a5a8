"""Results: every variable as an xarray Dataset, plus the reports of spec §8.

Coordinates are SAM labels. Dimension names: ``act``, ``com``, ``fac``,
``inst`` (households, enterprises, gov, row), ``payer`` (the paying
institution of a transfer), ``node`` (value-added nest nodes), ``outlet``.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import xarray as xr
from pyomo.environ import Var, value

from .labels import to_dataset

# Dimension names of each variable's index (by the Pyomo set it is declared over).
SET_DIMS = {"A": ("act",), "C": ("com",), "CM": ("com",), "CE": ("com",), "CD": ("com",),
            "F": ("fac",), "H": ("inst",), "I": ("inst",), "IG": ("inst",), "WR": ("inst",), "CA": ("com", "act"),
            "CH": ("com", "inst"), "CG": ("com",), "CI": ("com",), "FA": ("fac", "act"),
            "IF": ("inst", "fac"), "II": ("inst", "payer"), "N": ("act", "node")}

def variables(m) -> dict[str, dict]:
    """Current values of every model variable, as ``{name: {label or tuple or '': value}}``."""
    out = {}
    for var in m.component_objects(Var, descend_into=True):
        if var.is_indexed():
            out[var.name] = {k: float(v.value) for k, v in var.items()}
        else:
            out[var.name] = {"": float(var.value)}
    return out


def variable_dims(m) -> dict[str, tuple[str, ...]]:
    """Dimension names of every variable, from the set it is declared over."""
    return {var.name: SET_DIMS.get(var.index_set().name, ()) if var.is_indexed() else ()
            for var in m.component_objects(Var, descend_into=True)}


# --- spec §8 reports ----------------------------------------------------------------

def utility(cal, QH: dict, h: str) -> float:
    """U_h = Π_c (QH_ch − γ_ch)^β_ch."""
    beta, gamma = cal.par["beta"], cal.par["gamma"]
    return math.prod((QH[c, h2] - gamma[c, h2]) ** beta[c, h2] for (c, h2) in beta if h2 == h)


def equivalent_variation(cal, QH: dict) -> dict[str, float]:
    """EV_h = E_h(PQ0, U1) − E_h(PQ0, U0), E(P, U) = Σ P γ + U Π (P/β)^β, PQ0 = 1."""
    beta = cal.par["beta"]
    out = {}
    for h in cal.sets.H:
        factor = math.prod((1 / beta[c, h2]) ** beta[c, h2] for (c, h2) in beta if h2 == h)
        out[h] = (utility(cal, QH, h) - utility(cal, cal.bench["QH"], h)) * factor
    return out


def real_gdp(cal, v: dict) -> float:
    """Σ_c (Σ_h QH + QG + QINV) + Σ_c QE − Σ_c pwm0·QM, at benchmark prices."""
    pwm0 = cal.par["pwm0"]
    return (sum(v["QH"].values()) + sum(v["QG"].values()) + sum(v["QINV"].values())
            + sum(v["QE"].values()) - sum(pwm0[c] * q for c, q in v["QM"].items()))


def disposable_per_capita(cal, v: dict, h: str) -> float:
    """((1 − ty_h)·YI_h − Σ_i TRII_ih) / pop_h."""
    ty = cal.par["ty0"][h] + v["DTY"][""] * cal.par["ty01"][h]
    paid = sum(x for (i, j), x in v["TRII"].items() if j == h)
    return ((1 - ty) * v["YI"][h] - paid) / cal.population[h]


def physical(cal, v: dict, closure) -> dict[str, dict[str, float]]:
    """Persons (labour) or area (land) per use: non-home uses scale with QF; home holds the rest.

    Unemployed persons ``headcount·(1 − QFS/QFS0)`` appear under the key
    ``unemployed`` for factors with the unemployment closure.
    """
    out = {}
    for f, sat in cal.satellite.items():
        uses = {}
        for a, p0 in sat.per_use.items():
            if a != sat.home:
                uses[a] = p0 * v["QF"][f, a] / cal.bench["QF"][f, a]
        unemployed = 0.0
        if f in closure.unemployment:
            unemployed = sat.headcount * (1 - v["QFS"][f] / cal.bench["QFS"][f])
            uses["unemployed"] = unemployed
        if sat.home is not None:
            uses[sat.home] = sat.headcount - sum(x for a, x in uses.items() if a != "unemployed") - unemployed
        out[f] = uses
    return out


def reports(m, v: dict | None = None) -> dict[str, tuple]:
    """The reports of spec §8 at the model's current values, as labelled items."""
    cal = m.cal
    v = variables(m) if v is None else v
    ev = equivalent_variation(cal, v["QH"])
    gdp, gdp0 = real_gdp(cal, v), real_gdp(cal, cal.bench)
    items = {
        "EV": (ev, ("inst",)),
        "EV_pct": ({h: 100 * ev[h] / cal.bench["EH"][h] for h in ev}, ("inst",)),
        "GDP_real": ({"": gdp}, ()),
        "GDP_real_pct": ({"": 100 * (gdp / gdp0 - 1)}, ()),
        "WFU": ({(f, a): v["WFA"][f, a] * (1 + m.tw[f, a].value) for f, a in m.FA}, ("fac", "act")),
    }
    if cal.urban and cal.rural:
        ratio = disposable_per_capita(cal, v, cal.urban) / disposable_per_capita(cal, v, cal.rural)
        ratio0 = disposable_per_capita(cal, cal.bench, cal.urban) / disposable_per_capita(cal, cal.bench, cal.rural)
        items["income_ratio"] = ({"": ratio}, ())
        items["income_ratio0"] = ({"": ratio0}, ())
    phys = physical(cal, v, m.closure)
    if phys:
        flat = {(f, a): x for f, uses in phys.items() for a, x in uses.items()}
        base = physical(cal, cal.bench, m.closure)
        flat0 = {(f, a): x for f, uses in base.items() for a, x in uses.items()}
        units = {"units": json.dumps({f: sat.unit for f, sat in cal.satellite.items()})}
        items["physical"] = (flat, ("fac", "use"), units)
        items["physical_change"] = ({k: flat[k] - flat0.get(k, 0.0) for k in flat}, ("fac", "use"), units)
    return items


def capture(m) -> dict[str, tuple]:
    """Every variable and report at the current solution, as labelled items (cheap)."""
    v = variables(m)
    dims = variable_dims(m)
    return {**{name: (vals, dims[name]) for name, vals in v.items()}, **reports(m, v)}


def invalid_reasons(m, tol: float = 1e-9) -> list[str]:
    """Why a solution is not a result: a wage floor that does not bind (spec §4), or a
    household below its LES subsistence quantities (utility and EV undefined)."""
    out = []
    for h in m.H:
        committed = sum(value(m.PQ[c] * m.gamma[c, h2]) for c, h2 in m.CH if h2 == h)
        if value(m.EH[h]) <= committed:
            out.append(f"household {h} spends {value(m.EH[h]):.6g}, not more than the cost of its LES "
                       f"subsistence quantities {committed:.6g}: its utility is undefined")
    for f in m.closure.unemployment:
        if value(m.QFS[f]) > value(m.QFS0[f]) * (1 + tol):
            out.append(f"negative unemployment of {f} (QFS {value(m.QFS[f]):.6g} > endowment "
                       f"{value(m.QFS0[f]):.6g}): the wage floor does not bind")
    return out


def result_dataset(m) -> xr.Dataset:
    """Variables and reports in one Dataset."""
    return to_dataset(capture(m))


def welfare_table(ds: xr.Dataset) -> pd.DataFrame:
    """EV by household (money and % of benchmark consumption), one row per household."""
    frame = pd.DataFrame({"EV": ds["EV"].to_series(), "EV_pct": ds["EV_pct"].to_series()})
    return frame.dropna()


__all__ = ["variables", "capture", "reports", "result_dataset", "welfare_table",
           "equivalent_variation", "real_gdp", "invalid_reasons"]
