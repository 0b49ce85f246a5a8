"""The package against the independent implementation on the variant calibration.

calibration/variant.toml (SAM: sam/build_test_sams.py) exercises what the other
bundled data do not: wedges paid to a household and to the enterprise, a zero
leaf in a nest tree and a node passed through, a commodity neither imported nor
exported, ty01 and mps01 from the configuration, the EXR and a factor's WF as
numeraire, and homogeneity (spec §9.2) in both implementations.
"""

from __future__ import annotations

import runpy
from functools import cache
from pathlib import Path

import pytest
from spec_model import PRICES, Closure, SpecModel
from test_independent import assert_agree, shock_both, solve_pair

from cge.api import Model
from cge.checks import homogeneity, numeraire_var
from cge.errors import ConfigError

CLOSURES = {
    "default": {},
    "gsav_free": {"government": "gsav_free"},
    "investment_driven": {"savings": "investment_driven"},
    "numeraire EXR": {"numeraire": "EXR"},
    "numeraire lab": {"numeraire": "lab"},
    "numeraire cap+fixed_exchange+gsav_free": {"numeraire": "cap", "foreign": "fixed_exchange",
                                               "government": "gsav_free"},
}
SCENARIOS = {
    "benchmark": [],
    "wedge to gov tw(lab,a_man)=0": [("tw", ("lab", "a_man"), "to", 0.0)],
    "subsidy from gov tw(cap,a_agr)=0": [("tw", ("cap", "a_agr"), "to", 0.0)],
    "wedge to urb tw(labs,a_ser)=0": [("tw", ("labs", "a_ser"), "to", 0.0)],
    "wedge to ent tw(lab,a_ser)=0": [("tw", ("lab", "a_ser"), "to", 0.0)],
    "tariffs tm*0.5": [("tm", None, "scale", 0.5)],
    "tfp(a_ser)*1.05": [("tfp", "a_ser", "scale", 1.05)],
    "DMPS=0.03 (not urb: mps01=0)": [("DMPS", None, "to", 0.03)],
    "DTY=0.02 (ent too: ty01=1)": [("DTY", None, "to", 0.02)],
}
CASES = ([("default", s) for s in SCENARIOS if not s.startswith("DTY")]
         + [("gsav_free", "DTY=0.02 (ent too: ty01=1)"), ("gsav_free", "wedge to urb tw(labs,a_ser)=0"),
            ("investment_driven", "wedge to urb tw(labs,a_ser)=0"), ("investment_driven", "tariffs tm*0.5"),
            ("numeraire EXR", "wedge to gov tw(lab,a_man)=0"), ("numeraire EXR", "tariffs tm*0.5"),
            ("numeraire lab", "wedge to gov tw(lab,a_man)=0"), ("numeraire lab", "tfp(a_ser)*1.05"),
            ("numeraire cap+fixed_exchange+gsav_free", "wedge to ent tw(lab,a_ser)=0")])
# Spec §9.2: these scale with the numeraire; every other variable and report is real.
NOMINAL = (PRICES - {"GADJ", "IADJ", "DTY", "DMPS", "income_ratio", "income_ratio0", "EV_pct", "GDP_real_pct"}
           ) | {"YF", "YIF", "YI", "YW", "TRII", "EH", "YG", "EG", "GSAV", "WALRAS"}


@cache
def package_model(closure: str) -> Model:
    return Model("variant", closure={"numeraire": "CPI", **CLOSURES[closure]})


@cache
def spec_model(closure: str) -> SpecModel:
    return SpecModel("variant", Closure(**CLOSURES[closure]))


def solve(closure: str, scenario: str, numeraire: float = 1.0):
    """(spec results, package dataset or SolveError) at a scenario, the numeraire fixed at ``numeraire``."""
    pkg, mine = package_model(closure), spec_model(closure)
    shock_both(pkg, mine, SCENARIOS[scenario])
    numeraire_var(pkg.m).fix(numeraire)      # reset() puts it back to 1
    mine.set("numeraire", to=numeraire)
    return solve_pair(pkg, mine, scenario)


@pytest.mark.parametrize("closure,scenario", CASES, ids=[" / ".join(c) for c in CASES])
def test_package_agrees_with_independent_implementation_on_variant(closure, scenario):
    ours, theirs = solve(closure, scenario)
    assert_agree(ours, theirs, spec_model(closure).total)


def test_variant_features_are_present():
    """The data exercise what they claim: a wedge paid to urb and ent, a dropped leaf and a
    pass-through node, an untraded commodity, ty01/mps01 from the configuration."""
    m = spec_model("default")
    assert m.S("urb", "wdg") > 0 and m.S("ent", "wdg") > 0 and m.recipient["labs", "a_ser"] == "urb"
    assert "labs" in m.cfg["nests"]["a_agr"]["LAB"]["inputs"] and m.S("labs", "a_agr") == 0
    kl = m.trees["a_agr"].inputs[1]
    assert kl.name == "KL" and kl.inputs == ["cap", "lab"]          # LAB passed through, labs dropped
    assert m.S("row", "c_ser") == 0 and m.S("c_ser", "row") == 0
    assert m.ty01["ent"] == 1.0 and m.mps01["urb"] == 0.0
    assert Model("variant").check().passed


def pairs(theirs, name: str) -> dict:
    """A package variable as {index: value}."""
    return theirs[name].to_series().to_dict()


def test_ty01_and_mps01_from_the_configuration():
    """In the package's solution: under DTY = 0.02 the enterprise's tax rate is ty0 + 0.02
    (ty01 = 1), and under DMPS = 0.03 rur saves mps0 + 0.03 while urb keeps mps0 (mps01 = 0)."""
    m = spec_model("default")
    _, theirs = solve("gsav_free", "DTY=0.02 (ent too: ty01=1)")
    YI, TRII = pairs(theirs, "YI"), pairs(theirs, "TRII")
    paid = TRII["urb", "ent"] / (m.shii["urb", "ent"] * (1 - m.par0["mps0"]["ent"]) * YI["ent"])
    assert 1 - paid == pytest.approx(m.par0["ty0"]["ent"] + 0.02, abs=1e-9)
    _, theirs = solve("default", "DMPS=0.03 (not urb: mps01=0)")
    YI, EH, DTY = pairs(theirs, "YI"), pairs(theirs, "EH"), float(theirs["DTY"])
    for h, mps in (("rur", m.par0["mps0"]["rur"] + 0.03), ("urb", m.par0["mps0"]["urb"])):
        kept = 1 - sum(s for (i, j), s in m.shii.items() if j == h)
        assert EH[h] == pytest.approx(kept * (1 - mps) * (1 - m.par0["ty0"][h] - DTY) * YI[h], rel=1e-9), h


@pytest.mark.parametrize("closure", ["default", "numeraire EXR", "numeraire lab"])
def test_homogeneity_in_both_implementations(closure):
    """Spec §9.2: with the numeraire doubled, nominal values double and real ones stay, in the
    independent implementation (to 1e-8) and in the package (its own check, and agreement)."""
    scenario = "wedge to urb tw(labs,a_ser)=0"
    base, _ = solve(closure, scenario)
    doubled, theirs = solve(closure, scenario, numeraire=2.0)
    assert_agree(doubled, theirs, spec_model(closure).total)
    worst = []
    for name, values in base.items():
        if name in ("invalid", "WALRAS") or not isinstance(values, dict):
            continue
        k = 2.0 if name in NOMINAL else 1.0
        for key, x in values.items():
            worst.append((abs(doubled[name][key] - k * x) / max(abs(k * x), 1e-6), name, key))
    worst.sort(key=lambda w: -w[0])
    assert len(worst) > 100 and worst[0][0] < 1e-8, worst[:5]
    pkg = package_model(closure).reset()
    err, worst_pkg = homogeneity(pkg.m, lambda m: pkg.compiled.solve())
    assert err < 1e-8, worst_pkg


def test_build_script_reproduces_the_shipped_test_sams():
    build = runpy.run_path(str(Path(__file__).resolve().parents[1] / "sam" / "build_test_sams.py"))
    assert build["main"](["--check"]) == 0


@pytest.mark.parametrize("closure", [{"numeraire": "EXR", "foreign": "fixed_exchange"},
                                     {"numeraire": "labs", "unemployment": ("labs",)}])
def test_a_numeraire_fixed_twice_is_refused_by_both(closure):
    """Spec §6: EXR with fixed_exchange, and WF_f with unemployment of f, are refused."""
    with pytest.raises(ValueError):
        Closure(**closure)
    with pytest.raises(ConfigError, match="twice"):
        Model("variant", closure=closure)
