"""Reports of a sweep: sweep.nc, summary tables, plots and a manifest, written atomically.

Files in the output folder:

- ``sweep.nc``        outputs (scenario, draw | grid, labels), parameter values, weights, statuses
- ``summary.csv``/``summary.md``  per scenario and indicator: mean, standard deviation, 5th and
  95th percentiles over the solved draws (quadrature: the weighted mean and standard deviation
  of the design; percentiles are not defined); for a grid, the indicators at every grid point
- ``ev.png``          distribution of EV by household (a policy curve for a grid), ``curves.png``
  for a grid: real GDP, migration and the income ratio along the grid
- ``manifest.json``   config as run, hash, seed, design, versions, draws done / failed, times

Indicators: EV by household (money and % of benchmark consumption), real GDP (%),
migration (persons of rural-hukou labour ``labr`` moving into each non-home use),
and the urban/rural income ratio.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402

from . import __version__  # noqa: E402
from .report import atomic_folder, stamp, versions  # noqa: E402

MIGRANTS = "labr"    # rural-hukou labour (spec §2): its non-home uses are migrant jobs
STATS = ("mean", "sd", "p5", "p95")


def indicators(ds: xr.Dataset, satellite: dict) -> dict[str, xr.DataArray]:
    """The headline indicators, each (scenario, point); ``satellite`` is ``Calibration.satellite``."""
    out = {}
    for h in ds["EV"].dropna("inst", how="all").inst.values:
        out[f"EV {h} (money)"] = ds["EV"].sel(inst=h, drop=True)
        out[f"EV {h} (% of consumption)"] = ds["EV_pct"].sel(inst=h, drop=True)
    out["real GDP (% change)"] = ds["GDP_real_pct"]
    if MIGRANTS in satellite and "physical_change" in ds:
        sat, change = satellite[MIGRANTS], ds["physical_change"].sel(fac=MIGRANTS, drop=True)
        for use in change.use.values:
            if use != sat.home and bool(change.sel(use=use).notnull().any()):
                out[f"migration {MIGRANTS} to {use} ({sat.unit})"] = change.sel(use=use, drop=True)
    if "income_ratio" in ds:
        out["urban/rural income ratio"] = ds["income_ratio"]
    return out


def _stats(values: np.ndarray, weights: np.ndarray, method: str) -> dict[str, float]:
    ok = np.isfinite(values)
    if method == "quadrature":          # the design is exact only with every point solved
        if not ok.all():
            return dict.fromkeys(STATS, np.nan)
        mean = float(np.sum(weights * values))
        return {"mean": mean, "sd": float(np.sqrt(np.sum(weights * (values - mean) ** 2))),
                "p5": np.nan, "p95": np.nan}
    v = values[ok]
    if not len(v):
        return dict.fromkeys(STATS, np.nan)
    return {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if len(v) > 1 else np.nan,
            "p5": float(np.percentile(v, 5)), "p95": float(np.percentile(v, 95))}


def summary_frame(ds: xr.Dataset, satellite: dict) -> pd.DataFrame:
    """Monte Carlo / quadrature: one row per (scenario, indicator) with mean, sd, p5, p95 and counts."""
    rows = []
    weights = ds["weight"].values
    for sc in ds.scenario.values:
        for name, da in indicators(ds, satellite).items():
            values = da.sel(scenario=sc).values
            solved = int((ds["status"].sel(scenario=sc).values == "solved").sum())
            rows.append({"scenario": str(sc), "indicator": name, **_stats(values, weights, ds.attrs["method"]),
                         "solved": solved, "failed": int(values.size - solved)})
    return pd.DataFrame(rows)


def curve_frame(ds: xr.Dataset, satellite: dict) -> pd.DataFrame:
    """Grid: one row per (scenario, grid value), one column per indicator; failed points are NaN."""
    frames = []
    for sc in ds.scenario.values:
        frame = pd.DataFrame({name: da.sel(scenario=sc).values for name, da in indicators(ds, satellite).items()})
        frame.insert(0, str(ds.parameter.values[0]), ds["grid"].values)
        frame.insert(0, "scenario", str(sc))
        frame["status"] = ds["status"].sel(scenario=sc).values
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def table(ds: xr.Dataset, satellite: dict) -> pd.DataFrame:
    return curve_frame(ds, satellite) if "grid" in ds.dims else summary_frame(ds, satellite)


def _cell(v) -> str:
    if not isinstance(v, (float, np.floating)):
        return str(v)
    return "—" if np.isnan(v) else f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.4g}"


def markdown(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _panels(series: dict[str, xr.DataArray], ds: xr.Dataset, title: str, path: Path, stamp: dict[str, str]) -> None:
    """One panel per indicator, one line (grid) or histogram (draws) per scenario."""
    grid = "grid" in ds.dims
    fig, axes = plt.subplots(1, len(series), figsize=(4.8 * len(series), 4), squeeze=False)
    for ax, (name, da) in zip(axes[0], series.items()):
        for sc in ds.scenario.values:
            values = da.sel(scenario=sc).values
            if grid:
                ax.plot(ds["grid"].values, values, marker="o", ms=3, label=str(sc))
            else:
                ok = np.isfinite(values)
                ax.hist(values[ok], bins=max(5, min(40, int(ok.sum() ** 0.5))), weights=ds["weight"].values[ok],
                        alpha=0.6, label=str(sc))
        ax.set_xlabel(str(ds.parameter.values[0]) if grid else name)
        ax.set_ylabel(name if grid else "probability")
        ax.set_title(name, fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": "cge", **stamp})
    plt.close(fig)


def write_plots(ds: xr.Dataset, satellite: dict, folder: Path, stamp: dict[str, str]) -> None:
    """ev.png: EV by household (distributions, or curves along a grid); curves.png for a grid.
    ``stamp`` goes into each PNG's text chunks."""
    ind = indicators(ds, satellite)
    grid = "grid" in ds.dims
    ev = {k: v for k, v in ind.items() if k.startswith("EV") and k.endswith("consumption)")}
    _panels(ev, ds, "Equivalent variation by household" + (" along the grid" if grid else
                                                           f" ({ds.attrs['method']}, {ds.sizes['draw']} points)"),
            folder / "ev.png", stamp)
    if grid:
        rest = {k: v for k, v in ind.items() if not k.startswith("EV")}
        _panels(rest, ds, "Policy curves", folder / "curves.png", stamp)


def manifest(run) -> dict:
    exp, design = run.experiment, run.design
    return {
        "package": "cge-china", "version": __version__, "kind": "sweep",
        "experiment": exp.name, "experiment_file": str(exp.path) if exp.path else None,
        "config": exp.raw, "config_hash": exp.hash,
        "method": design.method, "seed": design.seed, "points": len(design),
        "parameters": [{"label": p.label, "param": p.item, "index": list(p.index) if p.index else None, "op": p.op,
                        "distribution": p.distribution, "args": dict(p.args),
                        "values": list(p.values) if p.values else None} for p in run.config.parameters],
        "scenarios": run.scenarios, "closure": run.model.closure.as_dict(),
        "sam": {"name": run.model.cal.sam.name, "hash": run.model.cal.sam.hash(), "unit": run.model.cal.sam.unit},
        "solver_options": run.model.solver_options, "mode": run.mode, "cores": run.cores,
        "counts": run.counts(), "times": {k: round(v, 4) for k, v in run.times.items()},
        "failed_draws": [{"scenario": str(sc), "point": int(i), "status": str(st), "message": str(msg)}
                         for sc in run.dataset.scenario.values
                         for i, (st, msg) in enumerate(zip(run.dataset["status"].sel(scenario=sc).values,
                                                           run.dataset["message"].sel(scenario=sc).values))
                         if st != "solved"],
        "versions": versions(),
    }


def _describe(p) -> str:
    """``sigma_q[c_agr] set to triangular(low=1.3, mode=2.3, high=5)``."""
    args = sorted(p.args, key=lambda kv: ("mean", "sd", "low", "mode", "high").index(kv[0]))
    what = (f"{p.distribution}({', '.join(f'{k}={v:g}' for k, v in args)})" if p.distribution
            else f"grid of {len(p.values)} values from {p.values[0]:g} to {p.values[-1]:g}")
    return f"{p.label}: {p.op} to {what}" if p.op == "set" else f"{p.label}: {p.op} by {what}"


def write_sweep(run, out: Path) -> dict:
    """Write every file of a sweep to ``out`` atomically; returns the manifest."""
    info = manifest(run)
    satellite = run.model.cal.satellite
    frame = table(run.dataset, satellite)
    stamp_ = {**stamp(info), "method": info["method"], "seed": str(-1 if info["seed"] is None else info["seed"])}
    title = run.experiment.config.experiment.title or run.experiment.name
    with atomic_folder(out) as tmp:
        run.dataset.assign_attrs(stamp_).to_netcdf(tmp / "sweep.nc", engine="h5netcdf")
        header = "".join(f"# {k}: {v}\n" for k, v in stamp_.items() if k != "config")
        (tmp / "summary.csv").write_text(header + frame.to_csv(index=False, float_format="%.10g"))
        counts, seed = info["counts"], "—" if info["seed"] is None else info["seed"]
        (tmp / "summary.md").write_text(
            f"# {title}: {info['method']} sweep\n\n"
            f"{info['points']} points × {len(run.scenarios)} scenario(s); {counts['solved']} solved, "
            f"{counts['failed']} failed. Seed {seed}, config hash `{info['config_hash'][:16]}`.\n\n"
            + "".join(f"- {_describe(p)}\n" for p in run.config.parameters) + "\n" + markdown(frame) + "\n")
        write_plots(run.dataset, satellite, tmp, stamp_)
        (tmp / "manifest.json").write_text(json.dumps(info, indent=2, default=str))
    return info
