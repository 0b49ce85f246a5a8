"""Tests of the solver bridge (cge/solver.py) on systems with known solutions."""

import gc
import weakref

import numpy as np
import pyomo.environ as pyo
import pytest

from cge.errors import SolveError, StructureError
from cge.solver import CompiledModel, solve, solve_path

HOUSEHOLDS = {"a": (0.3, 2.0, 1.0), "b": (0.6, 1.0, 3.0)}  # alpha, endowment 1, endowment 2


def exchange_economy(scale: float = 1.0) -> pyo.ConcreteModel:
    """Two goods, two Cobb-Douglas households, good 1 the numeraire (p1 fixed),
    good-1 market left out (Walras). Closed form: p2 = sum (1-alpha) e1 / sum alpha e2."""
    m = pyo.ConcreteModel()
    m.H = pyo.Set(initialize=list(HOUSEHOLDS))
    m.alpha = pyo.Param(m.H, initialize={h: v[0] for h, v in HOUSEHOLDS.items()}, mutable=True)
    m.e1 = pyo.Param(m.H, initialize={h: v[1] * scale for h, v in HOUSEHOLDS.items()}, mutable=True)
    m.e2 = pyo.Param(m.H, initialize={h: v[2] * scale for h, v in HOUSEHOLDS.items()}, mutable=True)
    positive = (1e-9, None)
    m.p1 = pyo.Var(initialize=1.0, bounds=positive)
    m.p1.fix()
    m.p2 = pyo.Var(initialize=1.0, bounds=positive)
    m.M = pyo.Var(m.H, initialize=2.0 * scale, bounds=positive)
    m.x1 = pyo.Var(m.H, initialize=1.0 * scale, bounds=positive)
    m.x2 = pyo.Var(m.H, initialize=1.0 * scale, bounds=positive)
    m.EQ_income = pyo.Constraint(m.H, rule=lambda m, h: m.M[h] == m.p1 * m.e1[h] + m.p2 * m.e2[h])
    m.EQ_good1 = pyo.Constraint(m.H, rule=lambda m, h: m.x1[h] == m.alpha[h] * m.M[h] / m.p1)
    m.EQ_good2 = pyo.Constraint(m.H, rule=lambda m, h: m.p2 * m.x2[h] == (1 - m.alpha[h]) * m.M[h])
    m.EQ_market2 = pyo.Constraint(expr=sum(m.x2[h] for h in m.H) == sum(m.e2[h] for h in m.H))
    return m


def closed_form(m) -> dict:
    alpha, e1, e2 = ({h: pyo.value(p[h]) for h in m.H} for p in (m.alpha, m.e1, m.e2))
    p1 = m.p1.value
    p2 = p1 * sum((1 - alpha[h]) * e1[h] for h in m.H) / sum(alpha[h] * e2[h] for h in m.H)
    income = {h: p1 * e1[h] + p2 * e2[h] for h in m.H}
    return {
        "p2": p2,
        **{f"x1[{h}]": alpha[h] * income[h] / p1 for h in m.H},
        **{f"x2[{h}]": (1 - alpha[h]) * income[h] / p2 for h in m.H},
    }


def assert_closed_form(m, rel=1e-10):
    for name, expected in closed_form(m).items():
        assert m.find_component(name).value == pytest.approx(expected, rel=rel), name


def var_values(m) -> dict:
    return {v.name: v.value for v in m.component_data_objects(pyo.Var)}


def test_exchange_economy_matches_closed_form():
    m = exchange_economy()
    compiled = CompiledModel(m)
    status = compiled.solve()
    assert_closed_form(m)
    assert status.status == "solve_succeeded"
    assert status.iterations > 0 and status.max_residual < 1e-9
    assert compiled.residuals().abs().max() < 1e-9


def test_linear_system_matches_numpy():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(6, 6)) + 6 * np.eye(6)
    b = rng.normal(size=6)
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, 5)
    m.A = pyo.Param(m.I, m.I, initialize=lambda m, i, j: a[i, j], mutable=True)
    m.b = pyo.Param(m.I, initialize=lambda m, i: b[i], mutable=True)
    m.x = pyo.Var(m.I, initialize=0.0)
    m.EQ = pyo.Constraint(m.I, rule=lambda m, i: sum(m.A[i, j] * m.x[j] for j in m.I) == m.b[i])
    solve(m)
    np.testing.assert_allclose([m.x[i].value for i in m.I], np.linalg.solve(a, b), rtol=1e-10)


def nonlinear_model() -> pyo.ConcreteModel:
    """Every operator the bridge emits, templates with several members and singletons."""
    m = pyo.ConcreteModel()
    m.I = pyo.Set(initialize=["i1", "i2", "i3"])
    m.s = pyo.Param(m.I, initialize={"i1": 0.5, "i2": 1.5, "i3": 2.5}, mutable=True)
    m.k = pyo.Var(initialize=1.3)
    m.k.fix()
    m.x = pyo.Var(m.I, initialize=1.0)
    m.y = pyo.Var(initialize=2.0)
    m.z = pyo.Var(initialize=0.5)
    m.ces = pyo.Expression(expr=sum(m.s[i] * m.x[i] ** (1 - m.s[i]) for i in m.I))
    m.EQ_pow = pyo.Constraint(m.I, rule=lambda m, i: m.x[i] ** m.s[i] * m.y / (1 + m.z**2) == m.k * m.s[i])
    m.EQ_fun = pyo.Constraint(
        expr=pyo.exp(m.z) * pyo.log(m.y) - pyo.sqrt(m.y) + abs(m.z - 3) == -m.ces ** (1 / m.k)
    )
    m.EQ_same = pyo.Constraint(expr=m.y * m.y - m.x["i1"] * m.z == 4 - m.z)
    return m


def test_residuals_equal_pyomo_values_and_jacobian_equals_finite_differences():
    m = nonlinear_model()
    compiled = CompiledModel(m)
    free = [m.find_component(n) for n in compiled.variable_names]
    rng = np.random.default_rng(7)
    for _ in range(5):
        point = rng.uniform(0.5, 2.0, len(free))
        for var, value in zip(free, point):
            var.set_value(value)
        residuals = compiled.residuals()
        for con in m.component_data_objects(pyo.Constraint):
            assert residuals[con.name] == pytest.approx(pyo.value(con.body) - pyo.value(con.upper), rel=1e-12)
        jac = compiled.jacobian().toarray()
        fd = np.empty_like(jac)
        for j, var in enumerate(free):
            h = 1e-6 * max(1.0, abs(point[j]))
            var.set_value(point[j] + h)
            up = compiled.residuals().to_numpy()
            var.set_value(point[j] - h)
            down = compiled.residuals().to_numpy()
            var.set_value(point[j])
            fd[:, j] = (up - down) / (2 * h)
        np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-8 * np.abs(jac).max())
    assert compiled.n_compiles == 1
    assert list(residuals.index) == compiled.equation_names
    assert compiled.jacobian().shape == (len(compiled.equation_names), len(compiled.variable_names))


def test_param_change_resolves_without_recompile_and_matches_fresh_solve():
    m = exchange_economy()
    compiled = CompiledModel(m)
    compiled.solve()
    m.e1["a"] = 5.0
    m.alpha["b"] = 0.4
    status = compiled.solve(tol=1e-12)
    assert compiled.n_compiles == 1 and status.compile_time == 0.0
    fresh = exchange_economy()
    fresh.e1["a"] = 5.0
    fresh.alpha["b"] = 0.4
    CompiledModel(fresh).solve(tol=1e-12)
    for name, value in var_values(fresh).items():
        assert m.find_component(name).value == pytest.approx(value, rel=1e-10, abs=1e-10), name
    assert_closed_form(m)


def test_fixed_var_change_resolves_without_recompile():
    m = exchange_economy()
    compiled = CompiledModel(m)
    compiled.solve()
    before = var_values(m)
    m.p1.fix(2.0)  # doubling the numeraire doubles every price and income, not quantities
    compiled.solve()
    assert compiled.n_compiles == 1
    assert m.p2.value == pytest.approx(2 * before["p2"], rel=1e-10)
    assert m.M["a"].value == pytest.approx(2 * before["M[a]"], rel=1e-10)
    assert m.x2["b"].value == pytest.approx(before["x2[b]"], rel=1e-10)


def test_closure_switch_recompiles():
    m = exchange_economy()
    compiled = CompiledModel(m)
    compiled.solve()
    relative = m.p2.value / m.p1.value
    m.p1.unfix()
    m.p2.fix(3.0)  # good 2 becomes the numeraire
    status = compiled.solve()
    assert compiled.n_compiles == 2 and status.compile_time > 0
    assert "p1" in compiled.variable_names and "p2" not in compiled.variable_names
    assert m.p2.value / m.p1.value == pytest.approx(relative, rel=1e-10)
    m.EQ_market2.deactivate()
    m.x2["a"].fix()
    compiled.solve()
    assert compiled.n_compiles == 3 and "EQ_market2" not in compiled.equation_names


def test_structure_changes_after_compiling_are_detected():
    m = exchange_economy()
    m.extra = pyo.ConstraintList()
    compiled = CompiledModel(m)
    compiled.solve()
    m.EQ_good1.deactivate()  # an indexed component: its members follow
    for h in m.H:
        m.x1[h].fix()
    compiled.solve()
    assert compiled.n_compiles == 2 and not any(n.startswith("EQ_good1") for n in compiled.equation_names)
    m.EQ_good1.activate()
    for h in m.H:
        m.x1[h].unfix()
    m.QA = pyo.Var(initialize=1.0)  # a new component: the system is no longer square
    with pytest.raises(StructureError, match="unmatched variables \\(1\\): QA"):
        compiled.solve()
    m.extra.add(m.QA == 2.0)  # a new member of an indexed component
    compiled.solve()
    assert compiled.n_compiles == 4 and m.QA.value == pytest.approx(2.0)
    assert_closed_form(m)
    m.bad = pyo.Constraint(expr=m.QA <= 5.0)
    for _ in range(2):
        with pytest.raises(StructureError, match="bad"):
            compiled.solve()
    m.del_component(m.bad)
    compiled.solve()  # the system compiled last, but a failed compile may leave parts behind
    assert compiled.n_compiles == 5


def test_missing_values_are_named():
    m = exchange_economy()
    compiled = CompiledModel(m)
    m.M["b"].set_value(None)
    m.e2["a"] = None
    with pytest.raises(ValueError, match="free Vars without a starting value: M\\[b\\]$"):
        compiled.solve()
    m.M["b"].set_value(2.0)
    with pytest.raises(ValueError, match="fixed Vars or Params without a value: e2\\[a\\]$"):
        compiled.residuals()


def test_non_square_system_names_unmatched_variable():
    m = exchange_economy()
    m.QA = pyo.Var(["a_agr"], initialize=1.0)  # a free Var no equation determines
    with pytest.raises(StructureError) as err:
        CompiledModel(m).solve()
    text = str(err.value)
    assert "not square: 7 equations, 8 free variables" in text
    assert "unmatched variables (1): QA[a_agr]" in text


def test_structurally_singular_system_names_unmatched_equation_and_variable():
    m = pyo.ConcreteModel()
    m.A = pyo.Set(initialize=["a_agr", "a_nag"])
    m.QA = pyo.Var(m.A, initialize=1.0)
    m.PA = pyo.Var(m.A, initialize=1.0)
    # both zero-profit conditions involve only QA[a_agr]: PA[a_nag] appears nowhere
    m.EQ_zero_profit = pyo.Constraint(m.A, rule=lambda m, a: m.QA["a_agr"] * m.PA["a_agr"] == 1)
    m.EQ_market = pyo.Constraint(m.A, rule=lambda m, a: m.QA[a] == 2)
    compiled = CompiledModel(m)
    with pytest.raises(StructureError) as err:
        compiled.check_structure()
    text = str(err.value)
    assert "structurally singular: 4 equations, 4 free variables, a maximum matching pairs 3" in text
    assert "unmatched variables (1): PA[a_nag]" in text
    assert "unmatched equations (1): EQ_" in text
    with pytest.raises(StructureError):
        compiled.solve()


def test_non_equality_constraint_is_a_structure_error():
    m = exchange_economy()
    m.EQ_bound = pyo.Constraint(expr=m.p2 <= 5)
    with pytest.raises(StructureError, match="EQ_bound"):
        CompiledModel(m)


def test_infeasible_system_raises_and_keeps_values():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=0.7)
    m.y = pyo.Var(initialize=0.3)
    m.EQ_circle = pyo.Constraint(expr=m.x**2 + m.y**2 == -1)
    m.EQ_diagonal = pyo.Constraint(expr=m.x == m.y)
    compiled = CompiledModel(m)
    with pytest.raises(SolveError) as err:
        compiled.solve(max_iter=50)
    assert err.value.status != "solve_succeeded"
    assert err.value.worst[0][0] == "EQ_circle" and abs(err.value.worst[0][1]) > 0.5
    assert "EQ_circle" in str(err.value)
    assert (m.x.value, m.y.value) == (0.7, 0.3)


def test_values_in_hundred_million_yuan_units_solve():
    m = exchange_economy(scale=1e6)
    status = CompiledModel(m).solve()
    assert_closed_form(m, rel=1e-9)
    assert status.max_scaled_residual < 1e-9
    assert status.max_residual < 1e-9 * 1e6


def test_scaling_factor_suffix_overrides_computed_scaling():
    m = exchange_economy(scale=1e6)
    m.scaling_factor = pyo.Suffix(direction=pyo.Suffix.EXPORT)
    m.scaling_factor[m.M["a"]] = 1e-3
    m.scaling_factor[m.EQ_market2] = 0.5
    compiled = CompiledModel(m)
    assert compiled._x_scale[compiled.variable_names.index("M[a]")] == 1e-3
    assert compiled._x_scale[compiled.variable_names.index("M[b]")] == pytest.approx(0.5e-6)
    assert compiled._g_scale[compiled.equation_names.index("EQ_market2")] == 0.5
    compiled.solve()
    assert_closed_form(m, rel=1e-9)


def test_exact_hessian_gives_the_same_solution():
    m = exchange_economy()
    compiled = CompiledModel(m)
    m.e2["a"] = 4.0
    status = compiled.solve(hessian_approximation="exact")
    assert status.status == "solve_succeeded"
    assert_closed_form(m)


def test_convenience_solve_caches_the_compiled_model():
    m = exchange_economy()
    solve(m)
    m.e1["b"] = 2.0
    solve(m)
    assert m._cge_compiled.n_compiles == 1
    assert_closed_form(m)
    copy = m.clone()  # copies the compiled model with it
    assert copy._cge_compiled.model is copy
    copy.e1["b"] = 3.0
    solve(copy)
    assert_closed_form(copy)
    assert m.e1["b"].value == 2.0
    assert_closed_form(m)


def test_solve_path_reaches_a_shock_a_direct_solve_misses():
    m = pyo.ConcreteModel()
    m.c = pyo.Param(initialize=1.0, mutable=True)
    m.x = pyo.Var(initialize=1.0, bounds=(1e-9, None))
    m.EQ = pyo.Constraint(expr=m.x**3 == m.c)  # x = 100 at t = 1; Newton overshoots far from it
    compiled = CompiledModel(m)

    def target(t):
        m.c = 100.0 ** (3 * t)

    target(1.0)
    with pytest.raises(SolveError):
        compiled.solve(max_iter=8)
    target(0.0)
    status, path = solve_path(compiled, target, steps=4, min_step=1 / 64, max_iter=8)
    assert path[-1] == 1.0 and len(path) > 4 and path == sorted(path)
    assert status.iterations > 8
    assert m.x.value == pytest.approx(100.0, rel=1e-10)


def test_solve_path_failure_restores_parameters_and_values():
    m = pyo.ConcreteModel()
    m.c = pyo.Param(initialize=1.0, mutable=True)
    m.x = pyo.Var(initialize=1.0)
    m.EQ = pyo.Constraint(expr=m.x**2 == m.c)  # no solution once c < 0
    compiled = CompiledModel(m)

    def target(t):
        m.c = 1.0 - 2.0 * t

    with pytest.raises(SolveError, match="homotopy stopped at t=0.5: the step to t=0.55") as err:
        solve_path(compiled, target, steps=5, min_step=0.05, max_iter=30)
    assert err.value.worst[0][0] == "EQ"
    assert (pyo.value(m.c), m.x.value) == (1.0, 1.0)


def test_exact_hessian_equals_finite_differences_of_the_jacobian():
    from cge.solver import _ExactCallbacks

    m = nonlinear_model()
    compiled = CompiledModel(m)
    compiled._compile_hessian()
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 2.0, len(compiled.variable_names))
    lam = rng.normal(size=len(compiled.equation_names))
    callbacks = _ExactCallbacks(compiled, compiled._p())
    rows, cols = callbacks.hessianstructure()
    assert np.all(rows >= cols)
    hess = np.zeros((len(x), len(x)))
    hess[rows, cols] = callbacks.hessian(x, lam, 1.0)
    hess = hess + np.tril(hess, -1).T

    def grad(point):  # d(lambda . g)/dx
        values = compiled._jac_values(point, compiled._p())
        return np.bincount(compiled._jac_cols, weights=values * lam[compiled._jac_rows], minlength=len(x))

    fd = np.empty_like(hess)
    for j in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[j]))
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        fd[:, j] = (grad(up) - grad(down)) / (2 * h)
    np.testing.assert_allclose(hess, fd, rtol=1e-6, atol=1e-8 * np.abs(hess).max())


def test_bounds_pass_to_ipopt_and_options_pass_through(capfd):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=-0.5, bounds=(0, None))
    m.EQ = pyo.Constraint(expr=m.x**2 == 4)  # unbounded Newton from -0.5 finds the root -2
    compiled = CompiledModel(m)
    compiled.solve()
    assert m.x.value == pytest.approx(2.0, rel=1e-10)
    assert capfd.readouterr().out == ""  # no Ipopt banner or iteration log by default
    m.x.set_value(50.0)
    with pytest.raises(SolveError) as err:
        compiled.solve(max_iter=1)
    assert err.value.status == "maximum_iterations_exceeded"
    assert m.x.value == 50.0
    assert compiled.solve().iterations > 1  # options of an earlier solve do not stick
    m.x.setlb(None)
    m.x.set_value(-0.5)
    compiled.solve()  # bounds are read at every solve
    assert m.x.value == pytest.approx(-2.0, rel=1e-10)


def test_a_solved_compiled_model_is_freed_without_the_cycle_collector():
    m = exchange_economy()
    compiled = CompiledModel(m)
    compiled.solve()  # keeps a cyipopt Problem for the next solve
    ref = weakref.ref(compiled)
    gc.disable()
    try:
        del compiled
        assert ref() is None
    finally:
        gc.enable()


def test_error_in_a_callback_propagates_and_the_next_solve_is_clean():
    m = exchange_economy()
    compiled = CompiledModel(m)
    compiled.solve()
    residuals = compiled._res_fn

    def broken(x, p, out):
        raise RuntimeError("interrupted")

    compiled._res_fn = broken
    m.e1["a"] = 5.0
    with pytest.raises(RuntimeError, match="interrupted"):
        compiled.solve()
    compiled._res_fn = residuals
    compiled.solve()
    assert_closed_form(m)
