"""Worker side of a sweep: solve a chunk of draws of one scenario on a cached model.

Each process (a Dask worker, or the caller in serial mode) calibrates and
compiles a model once per (experiment hash, closure) and keeps it in
``_MODELS``. Per scenario it solves once at the file's parameter values from
the benchmark: that solution is the *anchor*. Every draw starts from its
scenario's anchor (variable values and homotopy start), so its numbers do not
depend on which draws the process solved before: serial and parallel runs agree
exactly. A draw that fails (no convergence, an invalid solution, a value out
of range) is returned with its status and reason, not raised.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyomo.environ import Var

from .api import Model, snapshot
from .errors import ConfigError, SolveError
from .experiment import Experiment
from .model import cobb_douglas_nodes, set_values
from .results import disposable_per_capita, equivalent_variation, invalid_reasons, physical, real_gdp
from .shocks import Shock, apply_shock, targets
from .solver import solve_path

# Outputs kept per draw and their dimensions (names and labels as in Result.dataset).
OUTPUT_DIMS = {"EV": ("inst",), "EV_pct": ("inst",), "GDP_real_pct": (), "income_ratio": (),
               "physical_change": ("fac", "use"), "WF": ("fac",), "QF": ("fac", "act")}


@dataclass(frozen=True)
class Job:
    """What a worker needs to rebuild the experiment: its config as read and its file."""

    raw: dict
    path: str | None
    scenario: str


@dataclass
class DrawResult:
    index: int
    status: str                                   # "solved" or the failure status
    message: str = ""
    iterations: int = 0
    seconds: float = 0.0
    outputs: dict = field(default_factory=dict)  # {output: {label tuple: value}}; empty if failed


@dataclass
class _State:
    model: Model
    start: tuple[dict, dict]                          # benchmark (free values, parameters)
    anchors: dict[str, tuple[dict, dict]] = field(default_factory=dict)


_MODELS: dict[tuple[str, str], _State] = {}


def scenario_closure(exp: Experiment, name: str) -> dict:
    """The closure of a scenario as a config dict (the file's, updated by the scenario's)."""
    sc = next(s for s in exp.scenarios if s.name == name)
    return {**exp.config.closure, **(sc.closure or {})}


def _free_values(m) -> dict:
    return {(v.name, k): d.value for v in m.component_objects(Var) for k, d in v.items() if not d.fixed}


def _restore_vars(m, values: dict) -> None:
    for (name, k), x in values.items():
        var = getattr(m, name)[k]
        if not var.fixed:
            var.set_value(x, skip_validation=True)


def _key(obj) -> tuple:
    """The ``snapshot`` key of a Param or fixed Var data object."""
    comp = obj.parent_component()
    return comp.name, obj.index() if comp.is_indexed() else None


def solve_quiet(model: Model, start: dict, changed: dict) -> int:
    """Solve after the parameters in ``changed`` moved from their values in ``start``.

    ``Model.solve`` without building the result Dataset (about 50 ms per draw) and
    with the homotopy walking only the changed parameters; returns the iterations.
    The parameters not in ``changed`` must equal ``start``.
    """
    if cobb_douglas_nodes(model.m) != model.m.cd_nodes:   # a σ moved onto/off 1: Model rebuilds
        model._solved = start
        return model.solve().status.iterations
    status, _ = solve_path(model.compiled, lambda t: set_values(
        model.m, {k: start[k] + t * (x - start[k]) for k, x in changed.items()}))
    model._solved = {**start, **changed}
    invalid = invalid_reasons(model.m)
    if invalid:
        raise SolveError("no valid solution under the closure: " + "; ".join(invalid), status="invalid_for_closure")
    return status.iterations


def outputs(m) -> dict[str, dict[tuple, float]]:
    """The kept outputs at the model's current solution (the formulas of cge.results.reports)."""
    cal = m.cal
    v = {name: {k: d.value for k, d in getattr(m, name).items()} for name in ("QH", "QG", "QINV", "QE", "QM",
                                                                           "QF", "QFS", "WF", "YI", "TRII")}
    v["DTY"] = {"": m.DTY.value}
    ev = equivalent_variation(cal, v["QH"])
    out = {"EV": {(h,): x for h, x in ev.items()},
           "EV_pct": {(h,): 100 * x / cal.bench["EH"][h] for h, x in ev.items()},
           "GDP_real_pct": {(): 100 * (real_gdp(cal, v) / real_gdp(cal, cal.bench) - 1)},
           "WF": {(f,): x for f, x in v["WF"].items()},
           "QF": dict(v["QF"])}
    if cal.urban and cal.rural:
        out["income_ratio"] = {(): disposable_per_capita(cal, v, cal.urban) / disposable_per_capita(cal, v, cal.rural)}
    now, base = physical(cal, v, m.closure), physical(cal, cal.bench, m.closure)
    out["physical_change"] = {(f, a): x - base[f].get(a, 0.0) for f, uses in now.items() for a, x in uses.items()}
    return out


def _state(job: Job) -> tuple[_State, Experiment]:
    exp = Experiment(job.raw, Path(job.path) if job.path else None)
    closure = scenario_closure(exp, job.scenario)
    key = (exp.hash, json.dumps(closure, sort_keys=True))
    if key not in _MODELS:
        model = Model(exp.calibration, closure=closure or None, solver_options=exp.config.solver)
        model.compiled
        _MODELS[key] = _State(model, (_free_values(model.m), dict(model._solved)))
    return _MODELS[key], exp


def _anchor(state: _State, exp: Experiment, name: str) -> tuple[dict, dict]:
    """The scenario solved from the benchmark at the file's values (the benchmark if that fails)."""
    if name not in state.anchors:
        model = state.model
        values, bench = state.start
        _restore_vars(model.m, values)
        model.reset().apply(next(s for s in exp.scenarios if s.name == name).shocks)
        params = snapshot(model.m)
        try:
            solve_quiet(model, bench, {k: x for k, x in params.items() if bench[k] != x})
            state.anchors[name] = (_free_values(model.m), params)
        except SolveError:
            state.anchors[name] = (values, params)
    return state.anchors[name]


def _apply(m, shocks: list[Shock], where: str) -> dict:
    """Apply shocks; the new values of the parameters they changed, by ``snapshot`` key."""
    for shock in shocks:
        apply_shock(m, shock, where)
    return {_key(obj): obj.value for shock in shocks for obj in targets(m, shock)}


def solve_chunk(job: Job, draws: list[tuple[int, list[Shock]]]) -> list[DrawResult]:
    """Solve draws ``[(index, shocks)]`` of ``job.scenario``, each from the scenario's anchor."""
    state, exp = _state(job)
    values, params = _anchor(state, exp, job.scenario)
    model, out = state.model, []
    set_values(model.m, params)
    for index, shocks in draws:
        start, changed = time.perf_counter(), {}
        _restore_vars(model.m, values)
        try:
            changed = _apply(model.m, shocks, f"draw {index}")
            iterations = solve_quiet(model, params, changed)
            result = outputs(model.m)
            if not all(math.isfinite(x) for d in result.values() for x in d.values()):
                raise SolveError("non-finite outputs", status="non_finite")
            out.append(DrawResult(index, "solved", "", iterations, time.perf_counter() - start, result))
        except SolveError as exc:
            out.append(DrawResult(index, exc.status or "failed", str(exc).splitlines()[0], 0,
                                  time.perf_counter() - start))
        except ConfigError as exc:   # a value out of range: some shocks may be applied already
            out.append(DrawResult(index, "invalid_value", str(exc), 0, time.perf_counter() - start))
            changed = params
        set_values(model.m, {k: params[k] for k in changed})
    return out
