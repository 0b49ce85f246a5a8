"""Run an experiment: calibrate, check the benchmark, solve every scenario.

Scenarios are solved in file order, each from the benchmark parameters and
warm-started from the previous solution. A scenario that fails is recorded as
failed (status and worst equations) and its values are NaN: it is never
reported as a result. Everything is validated before the first solve.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import xarray as xr
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from .api import Model
from .checks import count_system, relative_residuals
from .closure import Closure
from .errors import CalibrationError, ConfigError, SolveError
from .experiment import Experiment


@dataclass
class ScenarioStatus:
    name: str
    status: str                      # "solved" or "failed"
    message: str = ""
    iterations: int = 0
    solve_time: float = 0.0
    path: list[float] = field(default_factory=list)
    worst: list[tuple[str, float]] = field(default_factory=list)
    closure: dict = field(default_factory=dict)


@dataclass
class ExperimentRun:
    experiment: Experiment
    model: Model
    dataset: xr.Dataset               # scenario × variables, NaN for failed scenarios
    statuses: list[ScenarioStatus]
    benchmark_residual: float
    closure: Closure                  # the experiment's closure (scenarios may override it)
    system: tuple[int, int] = (0, 0)  # (equations, free variables), reported before solving


def validate_against(exp: Experiment, model: Model) -> None:
    """Every closure, label and value of the experiment, checked on the built model."""
    problems = []
    for sc in exp.scenarios:
        try:
            if sc.closure is not None:
                Closure.from_config({**exp.config.closure, **sc.closure}, model.cal.sets.F)
            model.reset().apply(sc.shocks, f"scenario '{sc.name}'")
        except ConfigError as exc:
            problems.append(str(exc))
    model.reset()
    if problems:
        raise ConfigError("the experiment does not fit the model:\n  " + "\n  ".join(problems))


def run_experiment(exp: Experiment, progress: bool = True) -> ExperimentRun:
    """Solve the benchmark and every scenario of ``exp``."""
    model = Model(exp.calibration, closure=exp.config.closure or None, solver_options=exp.config.solver)
    rel = relative_residuals(model.m)
    worst = max(rel, key=rel.get)
    if rel[worst] >= 1e-9:
        raise CalibrationError(f"the model does not replicate its benchmark: equation {worst} has "
                               f"relative residual {rel[worst]:.3e} (must be < 1e-9)")
    validate_against(exp, model)
    model.compiled.check_structure()
    system = count_system(model.m)
    if progress:
        print(f"{model.cal.sam.name}: {system[0]} equations, {system[1]} free variables (square); "
              f"benchmark replicates (max relative residual {rel[worst]:.1e})")
    base_closure = model.closure
    results, statuses = {}, []
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), disable=not progress, transient=True) as bar:
        task = bar.add_task("solving", total=len(exp.scenarios) + 1)
        for name, shocks, closure in [("base", [], None)] + [(s.name, s.shocks, s.closure) for s in exp.scenarios]:
            bar.update(task, description=f"solving {name}")
            wanted = Closure.from_config({**exp.config.closure, **closure}) if closure else base_closure
            if wanted != model.closure:
                model.set_closure(wanted)
            model.reset().apply(shocks, f"scenario '{name}'")
            start = time.perf_counter()
            try:
                res = model.solve(name)
                results[name] = res.dataset
                statuses.append(ScenarioStatus(name, "solved", res.status.message, res.status.iterations,
                                               time.perf_counter() - start, res.path, closure=wanted.as_dict()))
            except SolveError as exc:
                statuses.append(ScenarioStatus(name, "failed", str(exc).splitlines()[0], 0,
                                               time.perf_counter() - start, [], exc.worst, wanted.as_dict()))
            bar.advance(task)
    return ExperimentRun(exp, model, _stack(results, statuses), statuses, rel[worst], base_closure, system)


def _stack(results: dict[str, xr.Dataset], statuses: list[ScenarioStatus]) -> xr.Dataset:
    """One Dataset with a ``scenario`` dimension; failed scenarios are all-NaN."""
    names = [s.name for s in statuses]
    template = next(iter(results.values()), None)
    if template is None:
        return xr.Dataset(coords={"scenario": names})
    filled = [results.get(n, xr.full_like(template, np.nan)) for n in names]
    ds = xr.concat(filled, dim="scenario", join="outer", coords="minimal", compat="override")
    ds = ds.assign_coords(scenario=names)
    ds["status"] = xr.DataArray([s.status for s in statuses], dims=("scenario",))
    return ds
