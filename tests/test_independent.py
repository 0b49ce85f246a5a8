"""The package against an independent implementation of the spec (tests/spec_model.py).

Both solve the same scenarios; every common variable and report must agree by
the spec's rule (§9): |a − b| ≤ 1e-6·max(|a|, |b|) + ε, with ε = 1e-12·(SAM
total) for money and quantities and ε = 1e-9 for prices, rates and shares
(DTY, DMPS and WALRAS / SAM total by ε alone).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import xarray as xr
from spec_model import PRICES, Closure, SpecModel

from cge.api import Model
from cge.errors import SolveError

# Every variable and report the comparison must cover (a guard against comparing nothing).
COVERED = ["QA", "PA", "QVA", "PVA", "QINTA", "PINTA", "QINT", "QF", "WFA", "WF", "QFS", "YF", "QX", "PX",
           "QE", "PE", "QD", "PDS", "QM", "PM", "QQ", "PQ", "YIF", "YI", "YW", "TRII", "EH", "QH", "QG",
           "QINV", "YG", "EG", "GSAV", "FSAV", "DTY", "DMPS", "EXR", "CPI", "GADJ", "IADJ", "WALRAS", "EV",
           "GDP_real", "income_ratio", "physical", "WFU", "PN", "QN", "EV_pct", "GDP_real_pct",
           "income_ratio0", "physical_change"]
CLOSURES = {
    "default": {},
    "gsav_free+investment_driven+fixed_exchange": {"government": "gsav_free", "savings": "investment_driven",
                                                   "foreign": "fixed_exchange"},
    "unemployment(labu)": {"unemployment": ["labu"]},
}
CAPITAL_SUBSIDY = {"synthetic": -0.2, "china2020": -0.3}


def scenarios(calibration: str) -> dict[str, list[tuple]]:
    """name -> shocks (item, index, operation, value)."""
    return {
        "benchmark": [],
        "hukou tw(labr,a_nag)=0": [("tw", ("labr", "a_nag"), "to", 0.0)],
        "land tw(ccl,a_nag)=0": [("tw", ("ccl", "a_nag"), "to", 0.0)],
        "capital tw(cap,a_agr) more negative": [("tw", ("cap", "a_agr"), "to", CAPITAL_SUBSIDY[calibration])],
        "tfp(a_agr)*1.05": [("tfp", "a_agr", "scale", 1.05)],
        "qfsbar(labr)*0.9": [("qfsbar", "labr", "scale", 0.9)],
        "tariffs tm*0.5": [("tm", None, "scale", 0.5)],
        "hukou raised tw(labr,a_nag)=0.4": [("tw", ("labr", "a_nag"), "to", 0.4)],
    }


# Every scenario under the default closure; hukou removal under the other closures; under
# unemployment of labu also a raised hukou wedge, where the wage floor does not bind (invalid).
CASES = [(cal, closure, scen) for cal in ("synthetic", "china2020") for closure in CLOSURES
         for scen in scenarios(cal)
         if (closure == "default" and "raised" not in scen) or scen.startswith("hukou tw")
         or (closure.startswith("unemployment") and "raised" in scen)]


@cache
def package_model(calibration: str, closure: str) -> Model:
    return Model(calibration, closure={**CLOSURES[closure], "numeraire": "CPI"})


@cache
def spec_model(calibration: str, closure: str) -> SpecModel:
    c = CLOSURES[closure]
    return SpecModel(calibration, Closure(**{**c, "unemployment": tuple(c.get("unemployment", ()))}))


def solve_both(calibration: str, closure: str, scenario: str):
    """(spec results or invalid reasons, package dataset or SolveError) for one scenario."""
    pkg, mine = package_model(calibration, closure), spec_model(calibration, closure)
    shock_both(pkg, mine, scenarios(calibration)[scenario])
    return solve_pair(pkg, mine, scenario)


def shock_both(pkg: Model, mine: SpecModel, shocks: list[tuple]) -> None:
    """Both models back to the benchmark, then the shocks (item, index, operation, value)."""
    pkg.reset()
    mine.reset()
    for item, index, op, value in shocks:
        pkg.set(item, index, **{op: value})
        mine.set(item, index, **{op: value})


def solve_pair(pkg: Model, mine: SpecModel, scenario: str):
    """(spec results, package dataset or its SolveError) at the parameters in force."""
    ours = mine.solve()
    try:
        theirs = pkg.solve(scenario).dataset
    except SolveError as exc:
        theirs = exc
    return ours, theirs


def epsilon(name: str, total: float) -> tuple[float, float]:
    """(relative tolerance, absolute ε) of the spec's agreement rule for a variable."""
    if name in ("DTY", "DMPS"):
        return 0.0, 1e-9
    if name == "WALRAS":
        return 0.0, 1e-9 * total
    return 1e-6, 1e-9 if name in PRICES else 1e-12 * total


def mismatches(ours: dict, theirs: xr.Dataset, total: float) -> list[tuple]:
    """(gap / allowed, variable, index, spec value, package value) of every disagreement, worst first.

    Both directions: a value one side has and the other lacks (NaN) is a mismatch.
    """
    out = []
    for name in sorted(set(ours) & set(theirs.data_vars)):
        rel, eps = epsilon(name, total)
        da = theirs[name]
        pkg = {"": float(da)} if not da.dims else da.to_series().to_dict()   # keys: label or label tuple
        for key in set(ours[name]) | {k for k, x in pkg.items() if np.isfinite(x)}:
            a, b = float(ours[name].get(key, np.nan)), pkg.get(key, np.nan)
            allowed = rel * max(abs(a), abs(b)) + eps
            gap = abs(a - b) / allowed if np.isfinite(a) and np.isfinite(b) else np.inf
            if gap > 1:
                out.append((gap, name, key, a, b))
    return sorted(out, key=lambda m: -m[0])


def describe(found: list[tuple], limit: int = 15) -> str:
    lines = [f"{len(found)} values disagree (worst first; gap = |a-b| / allowed):"]
    lines += [f"  {name}{list(key) if isinstance(key, tuple) else f'[{key}]' if key else ''}: "
              f"spec {a:.12g}  package {b:.12g}  gap {gap:.3g}" for gap, name, key, a, b in found[:limit]]
    return "\n".join(lines)


@pytest.mark.parametrize("calibration,closure,scenario", CASES, ids=[" / ".join(c) for c in CASES])
def test_package_agrees_with_independent_implementation(calibration, closure, scenario):
    ours, theirs = solve_both(calibration, closure, scenario)
    assert_agree(ours, theirs, spec_model(calibration, closure).total)


def assert_agree(ours: dict, theirs, total: float) -> None:
    """Both valid and every variable of COVERED agrees, or both invalid for the closure."""
    if isinstance(theirs, SolveError) or ours["invalid"]:
        package = str(theirs) if isinstance(theirs, SolveError) else "valid"
        assert isinstance(theirs, SolveError) and ours["invalid"], (
            f"validity differs: spec {ours['invalid'] or 'valid'}, package {package}")
        return
    missing = [v for v in COVERED if v not in ours or v not in theirs.data_vars]
    assert not missing, f"variables not compared: {missing}"
    found = mismatches(ours, theirs, total)
    assert not found, describe(found)


def test_comparison_catches_a_small_difference():
    """The comparison is not vacuous: a 1e-5 relative change of one value, or a missing one, is reported."""
    ours, theirs = solve_both("synthetic", "default", "hukou tw(labr,a_nag)=0")
    total = spec_model("synthetic", "default").total
    assert not mismatches(ours, theirs, total)
    nudged = {**ours, "QF": {**ours["QF"], ("labr", "a_nag"): ours["QF"]["labr", "a_nag"] * (1 + 1e-5)}}
    assert [(m[1], m[2]) for m in mismatches(nudged, theirs, total)] == [("QF", ("labr", "a_nag"))]
    dropped = {**ours, "EV": {"rur": ours["EV"]["rur"]}}
    assert [(m[1], m[2]) for m in mismatches(dropped, theirs, total)] == [("EV", "urb")]


@pytest.mark.parametrize("calibration", ["synthetic", "china2020"])
def test_independent_implementation_replicates_the_benchmark(calibration):
    """Spec §9.1 for the independent implementation itself: every residual is ~0 at the benchmark."""
    m = spec_model(calibration, "default").reset()
    z = np.array([0.0 if name in ("DTY", "DMPS", "WALRAS") else 1.0 for name, _, _ in m.unknowns()])
    assert np.max(np.abs(m.evaluate(z)[0])) < 1e-9
