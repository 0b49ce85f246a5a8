"""The flagship model on the synthetic SAM: the four checks of spec §9,
closures, and comparative statics with economic content."""

from __future__ import annotations

import itertools
import numpy as np
import pytest
from pyomo.environ import value

from cge.api import Model
from cge.checks import count_system, homogeneity, relative_residuals, walras_ratio
from cge.errors import SolveError

SYNTH = "synthetic"   # the bundled synthetic calibration (sam/build_test_sams.py)


@pytest.fixture(scope="module")
def model():
    return Model(SYNTH)


@pytest.fixture
def fresh(model):
    """The shared model reset to the benchmark and solved there."""
    model.reset()
    model.solve("base")
    return model


def solve(model, name="scenario"):
    result = model.solve(name)
    assert walras_ratio(model.m) < 1e-8, "WALRAS must vanish at every solution"
    return result


def test_benchmark_replicates_before_any_iteration():
    m = Model(SYNTH).m
    rel = relative_residuals(m)
    worst = max(rel, key=rel.get)
    assert rel[worst] < 1e-9, f"{worst} does not replicate the SAM: {rel[worst]:.3e}"


def test_system_is_square():
    eqs, free = count_system(Model(SYNTH).m)
    assert eqs == free > 100


@pytest.mark.parametrize("numeraire", ["CPI", "EXR", "labu"])
def test_homogeneity_in_the_numeraire(numeraire):
    mod = Model(SYNTH, closure={"numeraire": numeraire})
    mod.set("tw", ("labr", "a_nag"), to=0.05)
    err, worst = homogeneity(mod.m, lambda m: mod.compiled.solve())
    assert err < 1e-8, worst


def test_benchmark_solve_takes_no_iteration(model):
    model.reset()
    result = model.solve("base", homotopy=False)
    assert result.status.iterations == 0
    assert np.allclose(result.welfare["EV"], 0, atol=1e-9)


def _fac_income(result, inst):
    return float(result["YIF"].sel(inst=inst).sum())


def test_relaxed_hukou_moves_rural_workers_to_nag_and_raises_gdp(fresh):
    base = fresh.solve("base")
    fresh.set("tw", ("labr", "a_nag"), scale=0.0)
    r = solve(fresh, "hukou")
    assert float(r["QF"].sel(fac="labr", act="a_nag")) > float(base["QF"].sel(fac="labr", act="a_nag"))
    assert float(r["QF"].sel(fac="labr", act="a_agr")) < float(base["QF"].sel(fac="labr", act="a_agr"))
    assert float(r["GDP_real_pct"]) > 0
    assert float(r["physical_change"].sel(fac="labr", use="a_nag")) > 0   # migrants, in persons


def test_collective_land_market_entry(fresh):
    base = fresh.solve("base")
    fresh.set("tw", ("ccl", "a_nag"), to=0.0)
    r = solve(fresh, "land")
    assert float(r["QF"].sel(fac="ccl", act="a_nag")) > float(base["QF"].sel(fac="ccl", act="a_nag"))
    assert _fac_income(r, "rur") > _fac_income(base, "rur")   # CPI is the numeraire: a real gain
    # area is conserved: what enters a_nag leaves a_agr
    change = r["physical_change"].sel(fac="ccl")
    assert float(change.sel(use="a_nag")) == pytest.approx(-float(change.sel(use="a_agr")), rel=1e-12)


def test_capital_subsidy_in_agriculture(fresh):
    base = fresh.solve("base")
    fresh.set("tw", ("cap", "a_agr"), to=-0.2)
    r = solve(fresh, "capital")
    assert float(r["QF"].sel(fac="cap", act="a_agr")) > float(base["QF"].sel(fac="cap", act="a_agr"))
    assert float(r["QA"].sel(act="a_agr")) > float(base["QA"].sel(act="a_agr"))
    assert float(r["YW"].sel(inst="gov")) < float(base["YW"].sel(inst="gov"))   # the government pays
    assert float(r["DTY"]) > 0   # budget_neutral: financed by a higher direct tax


def test_tfp_in_agriculture_raises_output(fresh):
    base = fresh.solve("base")
    fresh.set("tfp", "a_agr", scale=1.05)
    r = solve(fresh, "tfp")
    assert float(r["QA"].sel(act="a_agr")) > float(base["QA"].sel(act="a_agr"))
    assert float(r["GDP_real_pct"]) > 0


def test_cobb_douglas_special_case_has_closed_form_shares():
    """With σ = 1 everywhere in value added, factor value shares stay at their benchmark
    values and PVA = Π (WFU/p0)^θ / tfp, whatever the shock."""
    mod = Model(SYNTH)
    for (a, n) in list(mod.m.sigma_va):
        mod.set("sigma_va", (a, n), to=1.0)
    mod.set("tfp", "a_agr", scale=1.1).set("qfsbar", "labr", scale=0.9)
    r = solve(mod, "cd")
    m, cal = mod.m, mod.cal
    for a in m.A:
        root = cal.nests[a][cal.root[a]]
        if all(j in m.F for j in root.inputs):
            continue
        for n, node in cal.nests[a].items():
            P = value(m.PVA[a]) if node.is_root else value(m.PN[a, n])
            Q = value(m.QVA[a]) if node.is_root else value(m.QN[a, n])
            for j in node.inputs:
                pj = value(m.WFA[j, a] * (1 + m.tw[j, a])) if j in m.F else value(m.PN[a, j])
                qj = value(m.QF[j, a]) if j in m.F else value(m.QN[a, j])
                assert pj * qj / (P * Q) == pytest.approx(node.theta[j], rel=1e-9)
    assert float(r["QA"].sel(act="a_agr")) > 0


CLOSURES = list(itertools.product(["budget_neutral", "gsav_free"], ["savings_driven", "investment_driven"],
                                  ["flex_exchange", "fixed_exchange"]))


@pytest.mark.parametrize("government,savings,foreign", CLOSURES)
def test_every_closure_solves_relaxed_hukou_and_keeps_its_fixed_variables(government, savings, foreign):
    mod = Model(SYNTH, closure={"government": government, "savings": savings, "foreign": foreign})
    gsav0, fsav0 = value(mod.m.gsavbar), value(mod.m.FSAV)
    mod.set("tw", ("labr", "a_nag"), to=0.0)
    r = solve(mod, "hukou")
    cpi = float(r["CPI"])
    assert cpi == pytest.approx(1.0, abs=1e-12)
    if government == "budget_neutral":
        assert float(r["GSAV"]) == pytest.approx(gsav0 * cpi, rel=1e-9)
    else:
        assert float(r["DTY"]) == 0.0
    if savings == "savings_driven":
        assert float(r["DMPS"]) == 0.0
    else:
        assert float(r["IADJ"]) == 1.0
    if foreign == "flex_exchange":
        assert float(r["FSAV"]) == fsav0
    else:
        assert float(r["EXR"]) == pytest.approx(cpi, rel=1e-9)
    assert float(r["physical_change"].sel(fac="labr", use="a_nag")) > 0


def test_unemployment_closure_wage_floor():
    mod = Model(SYNTH, closure={"unemployment": ["labu"]})
    mod.set("tw", ("labr", "a_nag"), to=0.0)
    r = solve(mod, "hukou")
    assert float(r["WF"].sel(fac="labu")) == pytest.approx(1.0, rel=1e-9)
    assert float(r["physical"].sel(fac="labu", use="unemployed")) > 0   # migrants displace urban workers


def test_unemployment_with_a_slack_floor_is_invalid_not_a_result():
    mod = Model(SYNTH, closure={"unemployment": ["labr"]})
    mod.set("tw", ("labr", "a_nag"), to=0.0)
    with pytest.raises(SolveError, match="wage floor does not bind"):
        mod.solve("hukou")


@pytest.mark.parametrize("calibration", [SYNTH, "china2020"])
def test_jacobian_matches_finite_differences_for_every_equation(calibration):
    mod = Model(calibration)
    cm = mod.compiled
    rng = np.random.default_rng(0)
    x0 = cm._x()
    x = x0 * (1 + 0.05 * rng.standard_normal(x0.size))
    cm._set_x(x)
    J = cm.jacobian().toarray()
    # size of each equation's sides: central differences lose about 1e-16 of it to rounding
    size = np.array([max(abs(value(side)) for side in mod.m.find_component(name).expr.args)
                     for name in cm.equation_names])
    fd, steps = np.zeros_like(J), np.zeros(x.size)
    for k in range(x.size):
        h = steps[k] = 1e-7 * max(abs(x[k]), 1.0)
        xp, xm = x.copy(), x.copy()
        xp[k] += h
        xm[k] -= h
        cm._set_x(xp)
        rp = cm.residuals().to_numpy()
        cm._set_x(xm)
        rm = cm.residuals().to_numpy()
        fd[:, k] = (rp - rm) / (2 * h)
    cm._set_x(x0)
    rounding = 4e-16 * size[:, None] / steps[None, :]
    bad = np.argwhere(np.abs(J - fd) > 1e-6 * np.abs(J) + rounding)
    assert not len(bad), [(cm.equation_names[i], cm.variable_names[j]) for i, j in bad[:5]]


def test_fixed_share_closures_keep_saving_and_spending_shares():
    mod = Model(SYNTH, closure={"government": "fixed_shares", "savings": "fixed_shares"})
    m = mod.m
    sgov = value(m.sgov)
    mod.set("tw", ("labr", "a_nag"), to=0.0)
    r = solve(mod, "hukou")
    assert float(r["GSAV"]) == pytest.approx(sgov * float(r["YG"]), rel=1e-9)
    spend = {c: float(r["PQ"].sel(com=c) * r["QG"].sel(com=c)) for c in m.CG}
    for c in m.CG:
        assert spend[c] / sum(spend.values()) == pytest.approx(value(m.gshare[c]), rel=1e-9)
    inv = {c: float(r["PQ"].sel(com=c) * r["QINV"].sel(com=c)) for c in m.CI}
    for c in m.CI:
        assert inv[c] / sum(inv.values()) == pytest.approx(value(m.ishare[c]), rel=1e-9)
    assert float(r["DTY"]) == 0.0
