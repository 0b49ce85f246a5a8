"""Reports of an experiment run: tables, plots and result files with a manifest.

Files written to the output folder (atomically: all of them or none):

- ``results.nc``    every variable and report, scenario × SAM labels (xarray/netCDF)
- ``welfare.csv``   EV by household and scenario, money and % of benchmark consumption
- ``summary.md``    readable tables per scenario
- ``ev.png``, ``factor_returns.png``, ``reallocation.png``
- ``manifest.json`` config as run, its hash, SAM and calibration hashes, versions,
  solver options, per-scenario status, iterations and times

Every file records the config hash and the package version.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import signal
import tempfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import __version__
from .errors import UserError

DEPENDENCIES = ("pyomo", "cyipopt-wheels", "numpy", "pandas", "xarray", "scipy", "h5netcdf", "matplotlib")


def versions() -> dict[str, str]:
    """Versions of Python, this package, its dependencies and Ipopt."""
    out = {"python": platform.python_version(), "cge": __version__}
    for dist in DEPENDENCIES:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    try:
        import cyipopt

        out["ipopt"] = ".".join(str(x) for x in cyipopt.IPOPT_VERSION)
    except (ImportError, AttributeError):
        out["ipopt"] = "unknown"
    return out


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- tables ------------------------------------------------------------------------

def solved(ds: xr.Dataset) -> list[str]:
    return [str(s) for s, st in zip(ds.scenario.values, ds["status"].values) if st == "solved"]


def welfare_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Long table: scenario, household, EV (money), EV_pct (% of benchmark consumption), status."""
    rows = []
    for s, st in zip(ds.scenario.values, ds["status"].values):
        for h in ds["EV"].sel(scenario=s).dropna("inst", how="all").inst.values if st == "solved" else []:
            rows.append({"scenario": str(s), "household": str(h), "EV": float(ds["EV"].sel(scenario=s, inst=h)),
                         "EV_pct": float(ds["EV_pct"].sel(scenario=s, inst=h)), "status": str(st)})
        if st != "solved":
            rows.append({"scenario": str(s), "household": "", "EV": np.nan, "EV_pct": np.nan, "status": str(st)})
    return pd.DataFrame(rows, columns=["scenario", "household", "EV", "EV_pct", "status"])


def _pct(new: xr.DataArray, old: xr.DataArray) -> xr.DataArray:
    return 100 * (new / old - 1)


def macro_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Indicators (rows) by scenario (columns): welfare, GDP, factor returns, persons/area, ratio, fiscal."""
    names = list(map(str, ds.scenario.values))
    base = ds.sel(scenario="base")
    rows: dict[str, list] = {}

    def add(label: str, values) -> None:
        rows[label] = [float(v) for v in values]

    for h in ds["EV"].dropna("inst", how="all").inst.values:
        add(f"EV {h} (money)", ds["EV"].sel(inst=h).values)
        add(f"EV {h} (% of consumption)", ds["EV_pct"].sel(inst=h).values)
    add("real GDP (% change)", ds["GDP_real_pct"].values)
    for a in ds["QA"].act.values:
        add(f"output of {a} QA (% change)", _pct(ds["QA"].sel(act=a), base["QA"].sel(act=a)).values)
    for f, a in _pairs(ds["QF"]):
        add(f"use of {f} in {a} QF (% change)", _pct(ds["QF"].sel(fac=f, act=a), base["QF"].sel(fac=f, act=a)).values)
    for f in ds["WF"].fac.values:
        add(f"factor return WF {f} (% change)", _pct(ds["WF"].sel(fac=f), base["WF"].sel(fac=f)).values)
    for f, a in _pairs(ds["WFA"]):
        add(f"return to {f} in {a} WFA (% change)",
            _pct(ds["WFA"].sel(fac=f, act=a), base["WFA"].sel(fac=f, act=a)).values)
    if "physical" in ds:
        units = json.loads(ds["physical"].attrs.get("units", "{}"))
        for f, u in _pairs(ds["physical"]):
            unit = units.get(f, "physical units")
            add(f"{f} in {u} ({unit})", ds["physical"].sel(fac=f, use=u).values)
            add(f"{f} in {u} (change, {unit})", ds["physical_change"].sel(fac=f, use=u).values)
    if "income_ratio" in ds:
        add("urban/rural income per head (ratio)", ds["income_ratio"].values)
    for v, label in (("GSAV", "government saving GSAV"), ("DTY", "direct tax shifter DTY"),
                     ("EXR", "exchange rate EXR"), ("CPI", "consumer price index CPI")):
        add(label, ds[v].values)
    frame = pd.DataFrame(rows, index=names).T
    failed = {n: f"{n} (FAILED)" for n, st in zip(names, ds["status"].values) if st != "solved"}
    return frame.rename(columns=failed)


def _pairs(da: xr.DataArray) -> list[tuple[str, str]]:
    """Index pairs where the (2-D) array has a value in some scenario."""
    d0, d1 = da.dims[-2:]
    present = da.notnull().any("scenario")
    return [(str(a), str(b)) for a in da[d0].values for b in da[d1].values if bool(present.sel({d0: a, d1: b}))]


# --- files ---------------------------------------------------------------------------

def manifest(run, solver_options: dict) -> dict:
    exp, model = run.experiment, run.model
    cal_path = model.cal.assumptions.path
    return {
        "package": "cge-china", "version": __version__,
        "experiment": exp.name, "experiment_file": str(exp.path) if exp.path else None,
        "config": exp.raw, "config_hash": exp.hash,
        "calibration": {"file": str(cal_path) if cal_path else None,
                        "hash": file_hash(cal_path) if cal_path else None},
        "sam": {"name": model.cal.sam.name, "hash": model.cal.sam.hash(), "unit": model.cal.sam.unit},
        "closure": run.closure.as_dict(),
        "solver_options": solver_options,
        "benchmark_residual": run.benchmark_residual,
        "equations": run.system[0], "free_variables": run.system[1],
        "versions": versions(),
        "scenarios": [{"name": s.name, "status": s.status, "message": s.message, "iterations": s.iterations,
                       "solve_time_s": round(s.solve_time, 6), "homotopy_path": s.path, "closure": s.closure,
                       "worst_equations": [[n, float(v)] for n, v in s.worst]} for s in run.statuses],
    }


def stamp(info: dict) -> dict[str, str]:
    """What every result file records (netCDF attributes, CSV header lines, PNG text):
    the config as run, its hash, the package version, the solver options, the SAM hash."""
    return {"config_hash": info["config_hash"], "cge_version": info["version"],
            "config": json.dumps(info["config"], sort_keys=True),
            "solver_options": json.dumps(info["solver_options"], sort_keys=True), "sam_hash": info["sam"]["hash"]}


def write_outputs(run, out: Path, solver_options: dict) -> None:
    """Write all result files to ``out`` atomically (a temporary folder renamed at the end)."""
    info = manifest(run, solver_options)
    stamp_ = stamp(info)
    with atomic_folder(out) as tmp:
        ds = run.dataset.assign_attrs(stamp_)
        ds.to_netcdf(tmp / "results.nc", engine="h5netcdf")
        header = "".join(f"# {k}: {v}\n" for k, v in stamp_.items() if k != "config")
        (tmp / "welfare.csv").write_text(header + welfare_frame(run.dataset).to_csv(index=False, float_format="%.10g"))
        (tmp / "summary.md").write_text(summary_markdown(run, info))
        from .plots import write_plots

        write_plots(run.dataset, tmp, stamp_)
        (tmp / "manifest.json").write_text(json.dumps(info, indent=2, default=str))


@contextmanager
def atomic_folder(out: Path):
    """Yield a temporary folder beside ``out``; on success it replaces ``out`` in one rename.

    On any error or termination signal the temporary folder is removed, so an
    interrupted run leaves the previous output complete, or no output.
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield tmp
        old = None
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _md_table(frame: pd.DataFrame, floatfmt: str = "{:,.4g}") -> str:
    cols = [str(c) for c in frame.columns]
    lines = ["| | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for idx, row in frame.iterrows():
        cells = ["—" if isinstance(v, float) and np.isnan(v) else floatfmt.format(v)
                 if isinstance(v, (int, float)) else str(v) for v in row.values]
        lines.append(f"| {idx} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_markdown(run, info: dict) -> str:
    exp, ds = run.experiment, run.dataset
    unit = run.model.cal.sam.unit or "SAM money units"
    parts = [f"# {exp.config.experiment.title or exp.name}", "", exp.config.experiment.description.strip(), "",
             f"Closure: {', '.join(f'{k} = {v}' for k, v in info['closure'].items())}. "
             f"Money values in {unit}; EV is the Hicksian equivalent variation at benchmark prices.", ""]
    parts += ["## Scenarios", ""]
    for s, sc in zip(run.statuses[1:], exp.scenarios):
        state = "" if s.status == "solved" else f" — **FAILED**: {s.message}"
        if s.closure != info["closure"]:
            state += f" (closure: {', '.join(f'{k} = {v}' for k, v in s.closure.items() if info['closure'][k] != v)})"
        parts.append(f"- **{sc.name}**: {sc.description.strip() or '(no description)'}{state}")
    parts += ["", "## Welfare and macro results", "", _md_table(macro_frame(ds)), ""]
    failed = [s for s in run.statuses if s.status != "solved"]
    if failed:
        parts += ["## Failed scenarios (not results)", ""]
        for s in failed:
            worst = "; ".join(f"{n}: {v:.2e}" for n, v in s.worst[:5])
            parts.append(f"- {s.name}: {s.message}" + (f" (worst equations: {worst})" if worst else ""))
        parts.append("")
    parts += ["## Reproducibility", "", f"- config hash: `{info['config_hash']}`",
              f"- SAM: {info['sam']['name']} (`{info['sam']['hash'][:16]}`)",
              f"- cge {info['version']}, Ipopt {info['versions']['ipopt']}",
              f"- solver options: `{json.dumps(info['solver_options'], sort_keys=True)}`", ""]
    return "\n".join(parts)


# --- compare ---------------------------------------------------------------------------

def load_run(folder: Path) -> tuple[xr.Dataset, dict]:
    """Open a result folder written by :func:`write_outputs`."""
    folder = Path(folder)
    for name in ("results.nc", "manifest.json"):
        if not (folder / name).exists():
            raise UserError(f"{folder} is not a result folder: {name} is missing")
    manifest_ = json.loads((folder / "manifest.json").read_text())
    with xr.open_dataset(folder / "results.nc", engine="h5netcdf") as ds:
        return ds.load(), manifest_


def compare_frame(folders: list[Path]) -> pd.DataFrame:
    """Side by side: welfare and macro indicators of every run and scenario, with differences
    and ratios against the first run (same scenario name)."""
    frames = {}
    for folder in folders:
        ds, info = load_run(folder)
        frame = macro_frame(ds)
        frame.columns = pd.MultiIndex.from_product([[str(folder)], frame.columns], names=["run", "scenario"])
        frames[str(folder)] = frame
    out = pd.concat(frames.values(), axis=1)
    first = str(folders[0])
    for folder in map(str, folders[1:]):
        for sc in out[folder].columns:
            if sc in out[first].columns:
                out[(f"{folder} − {first}", sc)] = out[(folder, sc)] - out[(first, sc)]
                with np.errstate(divide="ignore", invalid="ignore"):
                    out[(f"{folder} / {first}", sc)] = out[(folder, sc)] / out[(first, sc)]
    return out
