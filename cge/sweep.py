"""Sensitivity analysis and scenario sweeps: many solves of one experiment, on Dask.

    >>> from cge.experiment import load_experiment
    >>> from cge.sweep import run_sweep
    >>> run = run_sweep(load_experiment("experiments/sensitivity.toml"), workers=2)
    >>> run.dataset["EV_pct"]            # (scenario, draw, inst)

The ``[sweep]`` table of the experiment (see :mod:`cge.sweep_config`) gives the
varied parameters and the design (:mod:`cge.sweep_design`); every point of the
design is applied on top of each swept scenario and solved by
:func:`cge.sweep_worker.solve_chunk`, in chunks of draws: on an embedded
``LocalCluster`` (default), on an existing Dask scheduler, or serially in this
process. Everything is validated on a model built here before any task is
sent. Results are ordered by draw index, so they do not depend on the mode.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import xarray as xr
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from .api import Model
from .errors import ConfigError
from .experiment import Experiment
from .runner import validate_against
from .shocks import targets
from .sweep_config import SweepConfig, parse_sweep
from .sweep_design import Design, make_design
from .sweep_worker import OUTPUT_DIMS, DrawResult, Job, solve_chunk

MAX_CHUNK = 50      # draws per task at most: enough to hide the task overhead (~ms) behind solves (~20 ms)


@dataclass
class SweepRun:
    experiment: Experiment
    config: SweepConfig
    design: Design
    model: Model                     # built here for validation; its calibration labels the reports
    dataset: xr.Dataset              # (scenario, draw | grid, ...) outputs, parameter values, statuses
    mode: str                        # "serial", "local cluster", or "scheduler <address>"
    cores: int
    times: dict = field(default_factory=dict)

    @property
    def scenarios(self) -> list[str]:
        return [str(s) for s in self.dataset.scenario.values]

    def counts(self) -> dict[str, int]:
        status = self.dataset["status"].values
        return {"draws": int(status.size), "solved": int((status == "solved").sum()),
                "failed": int((status != "solved").sum())}


def prepare(exp: Experiment, draws: int | None = None, seed: int | None = None
            ) -> tuple[SweepConfig, Design, list[str], Model]:
    """Validate the experiment and its sweep against a built model; the design and swept scenarios."""
    cfg = parse_sweep(exp.config.sweep, str(exp.path or exp.name))
    design = make_design(cfg, draws, seed)
    names = [s.name for s in exp.scenarios]
    unknown = [s for s in cfg.scenarios or () if s not in names]
    if unknown:
        raise ConfigError(f"{exp.path or exp.name}: [sweep] scenarios {unknown} are not in the file "
                          f"(scenarios: {', '.join(names)})")
    model = Model(exp.calibration, closure=exp.config.closure or None, solver_options=exp.config.solver)
    validate_against(exp, model)
    problems = []
    for p in cfg.parameters:
        try:
            targets(model.m, p.shock(1.0), f"[sweep] parameter '{p.label}'")
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("the sweep does not fit the model:\n  " + "\n  ".join(problems))
    return cfg, design, list(cfg.scenarios or names), model


def tasks(exp: Experiment, cfg: SweepConfig, design: Design, scenarios: list[str], workers: int,
          chunk: int | None = None) -> list[tuple[Job, list]]:
    """Chunks of ``(draw index, shocks)`` per scenario: about four chunks per worker and scenario."""
    size = chunk or cfg.chunk or max(1, min(MAX_CHUNK, math.ceil(len(design) / (4 * workers))))
    draws = [(i, [p.shock(v) for p, v in zip(cfg.parameters, row)]) for i, row in enumerate(design.values)]
    path = str(exp.path) if exp.path else None
    return [(Job(exp.raw, path, sc), draws[k:k + size]) for sc in scenarios for k in range(0, len(draws), size)]


def _serial(work: list, done: Callable) -> tuple[list, int]:
    out = []
    for job, chunk in work:
        out.append(solve_chunk(job, chunk))
        done(out[-1])
    return out, 1


def _dask(work: list, done: Callable, workers: int, scheduler: str | None) -> tuple[list, int]:
    """Run the chunks on a Dask cluster; results in task order."""
    import logging
    import multiprocessing

    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if not scheduler:
        # Forked workers inherit the imported modules: they start in ~1 s instead of re-importing
        # pyomo, xarray and cge (several seconds per worker on a busy 2-core machine).
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with dask.config.set({"distributed.worker.multiprocessing-method": method}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(scheduler or cluster)
    try:
        cores = sum(client.nthreads().values())
        futures = {client.submit(solve_chunk, job, chunk, pure=False): k for k, (job, chunk) in enumerate(work)}
        out: list = [None] * len(work)
        for fut in as_completed(futures):
            out[futures[fut]] = fut.result()
            done(out[futures[fut]])
            fut.release()
        return out, cores
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_sweep(exp: Experiment, *, draws: int | None = None, seed: int | None = None, serial: bool = False,
              workers: int = 2, scheduler: str | None = None, chunk: int | None = None,
              progress: bool = True) -> SweepRun:
    """Validate, design, solve every (scenario, draw) and assemble one Dataset."""
    start = time.perf_counter()
    cfg, design, scenarios, model = prepare(exp, draws, seed)
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1 (got {workers})")
    work = tasks(exp, cfg, design, scenarios, 1 if serial else workers, chunk)
    mode = "serial" if serial else f"scheduler {scheduler}" if scheduler else "local cluster"
    prepared = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} draws"),
                  TextColumn("[red]{task.fields[failed]} failed"), TimeElapsedColumn(),
                  disable=not progress, transient=True) as bar:
        task = bar.add_task(f"sweep ({mode})", total=len(design) * len(scenarios), failed=0)

        def done(results: list[DrawResult]) -> None:
            failed = sum(r.status != "solved" for r in results)
            bar.update(task, advance=len(results), failed=bar.tasks[task].fields["failed"] + failed)

        chunks, cores = _serial(work, done) if serial else _dask(work, done, workers, scheduler)
    by_scenario: dict[str, list[DrawResult]] = {sc: [] for sc in scenarios}
    for (job, _), results in zip(work, chunks):
        by_scenario[job.scenario].extend(results)
    ds = assemble(by_scenario, design, scenarios)
    end = time.perf_counter()
    solve_seconds = float(ds["seconds"].sum())
    times = {"total_s": end - start, "prepare_s": prepared - start, "sweep_s": end - prepared,
             "solve_s_sum": solve_seconds, "draws_per_s": ds["status"].size / max(end - prepared, 1e-9)}
    return SweepRun(exp, cfg, design, model, ds, mode, cores, times)


def _axes(by_scenario: dict[str, list[DrawResult]]) -> dict[str, list]:
    """Labels of every output dimension: the union over outputs and draws, in order of appearance."""
    axes: dict[str, dict] = {}
    for name, dims in OUTPUT_DIMS.items():
        for results in by_scenario.values():
            for r in results:
                for key in r.outputs.get(name, {}):
                    for d, lab in zip(dims, key):
                        axes.setdefault(d, {})[lab] = None
    return {d: list(labels) for d, labels in axes.items()}


def assemble(by_scenario: dict[str, list[DrawResult]], design: Design, scenarios: list[str]) -> xr.Dataset:
    """One Dataset: outputs (scenario, point, labels...), statuses, parameter values and weights.

    Failed draws are NaN in every output.
    """
    n, dim = len(design), design.dim
    axes = _axes(by_scenario)
    pos = {d: {lab: j for j, lab in enumerate(ax)} for d, ax in axes.items()}
    data, shape = {}, (len(scenarios), n)
    for name, dims in OUTPUT_DIMS.items():
        arr = np.full(shape + tuple(len(axes.get(d, ())) for d in dims), np.nan)
        for s, sc in enumerate(scenarios):
            for r in by_scenario[sc]:
                for key, x in r.outputs.get(name, {}).items():
                    arr[(s, r.index, *(pos[d][lab] for d, lab in zip(dims, key)))] = x
        if all(d in axes for d in dims) and not np.isnan(arr).all():
            data[name] = (("scenario", dim, *dims), arr)
    fields = {"status": ("", str), "message": ("", str), "iterations": (0, int), "seconds": (np.nan, float)}
    for name, (fill, kind) in fields.items():
        arr = np.full(shape, fill, dtype=object if kind is str else kind)
        for s, sc in enumerate(scenarios):
            for r in by_scenario[sc]:
                arr[s, r.index] = getattr(r, name)
        data[name] = (("scenario", dim), arr.astype(str) if kind is str else arr)
    data["parameter_value"] = ((dim, "parameter"), design.values)
    data["weight"] = ((dim,), design.weights)
    point = design.values[:, 0] if dim == "grid" else np.arange(n)
    coords = {"scenario": scenarios, dim: point, "parameter": list(design.labels), **axes}
    return xr.Dataset(data, coords=coords, attrs={"method": design.method,
                                                   "seed": -1 if design.seed is None else design.seed})
