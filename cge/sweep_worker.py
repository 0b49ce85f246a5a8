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

from .api import Model, ModelState, Result
from .errors import ConfigError, SolveError
from .experiment import Experiment
from .shocks import Shock

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
    start: ModelState                                   # the benchmark
    anchors: dict[str, ModelState] = field(default_factory=dict)


_MODELS: dict[tuple[str, str], _State] = {}


def scenario_closure(exp: Experiment, name: str) -> dict:
    """The closure of a scenario as a config dict (the file's, updated by the scenario's)."""
    sc = next(s for s in exp.scenarios if s.name == name)
    return {**exp.config.closure, **(sc.closure or {})}


def outputs(result: Result) -> dict[str, dict[tuple, float]]:
    """The kept outputs of a solved draw, keyed by label tuples."""
    def key(k) -> tuple:
        return () if k == "" else k if isinstance(k, tuple) else (k,)

    return {name: {key(k): x for k, x in result.items[name][0].items()}
            for name in OUTPUT_DIMS if name in result.items}


def _state(job: Job) -> tuple[_State, Experiment]:
    exp = Experiment(job.raw, Path(job.path) if job.path else None)
    closure = scenario_closure(exp, job.scenario)
    key = (exp.hash, json.dumps(closure, sort_keys=True))
    if key not in _MODELS:
        model = Model(exp.calibration, closure=closure or None, solver_options=exp.config.solver)
        model.compiled.check_structure()   # compile once, in the worker
        _MODELS[key] = _State(model, model.save_state())
    return _MODELS[key], exp


def _anchor(state: _State, exp: Experiment, name: str) -> ModelState:
    """The scenario solved from the benchmark at the file's values (the benchmark point if that fails)."""
    if name not in state.anchors:
        model = state.model.restore_state(state.start)
        model.reset().apply(next(s for s in exp.scenarios if s.name == name).shocks)
        try:
            model.solve(name)
        except SolveError:
            pass
        state.anchors[name] = model.save_state()
    return state.anchors[name]


def solve_chunk(job: Job, draws: list[tuple[int, list[Shock]]]) -> list[DrawResult]:
    """Solve draws ``[(index, shocks)]`` of ``job.scenario``, each from the scenario's anchor."""
    state, exp = _state(job)
    anchor = _anchor(state, exp, job.scenario)
    model, out = state.model, []
    for index, shocks in draws:
        start = time.perf_counter()
        model.restore_state(anchor)
        try:
            model.apply(shocks, f"draw {index}")
            result = model.solve(f"draw {index}")
            kept = outputs(result)
            if not all(math.isfinite(x) for d in kept.values() for x in d.values()):
                raise SolveError("non-finite outputs", status="non_finite")
            out.append(DrawResult(index, "solved", "", result.status.iterations, time.perf_counter() - start, kept))
        except SolveError as exc:
            out.append(DrawResult(index, exc.status or "failed", str(exc).splitlines()[0], 0,
                                  time.perf_counter() - start))
        except ConfigError as exc:   # a value out of range
            out.append(DrawResult(index, "invalid_value", str(exc), 0, time.perf_counter() - start))
    model.restore_state(anchor)
    return out
