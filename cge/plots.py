"""Plots of an experiment run (PNG): welfare, factor returns, reallocation."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402


def _bars(ax, table: dict[str, list[float]], groups: list[str], ylabel: str, title: str) -> None:
    """Grouped bars: one group per scenario, one bar per series."""
    width = 0.8 / max(len(table), 1)
    x = np.arange(len(groups))
    for k, (label, values) in enumerate(table.items()):
        ax.bar(x + k * width - 0.4 + width / 2, values, width, label=label)
    ax.set_xticks(x, groups, rotation=30, ha="right")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)


def write_plots(ds: xr.Dataset, folder: Path, stamp: dict[str, str] | None = None) -> None:
    """EV, factor-return and reallocation bar charts; ``stamp`` goes into each PNG's text chunks."""
    scen = [str(s) for s in ds.scenario.values if s != "base"]
    sub = ds.sel(scenario=scen)
    status = dict(zip(map(str, ds.scenario.values), map(str, ds["status"].values)))
    names = [s if status[s] == "solved" else f"{s} (FAILED)" for s in scen]
    figures = {
        "ev.png": ({f"EV {h}": sub["EV_pct"].sel(inst=h).values for h in ds["EV"].dropna("inst", how="all").inst.values},
                   "% of benchmark consumption", "Equivalent variation by household"),
        "factor_returns.png": ({f"WF {f}": (100 * (sub["WF"].sel(fac=f) / ds["WF"].sel(scenario="base", fac=f) - 1)).values
                                for f in ds.fac.values}, "% change", "Factor returns"),
    }
    if "physical_change" in ds:
        change = sub["physical_change"]
        figures["reallocation.png"] = (
            {f"{f} in {u}": change.sel(fac=f, use=u).values for f in change.fac.values for u in change.use.values
             if bool(change.sel(fac=f, use=u).notnull().any())},
            "change in persons / area (satellite units)", "Labour and land reallocation")
    for name, (table, ylabel, title) in figures.items():
        fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(scen) + 3), 4.5))
        _bars(ax, table, names, ylabel, title)
        fig.tight_layout()
        fig.savefig(folder / name, dpi=110, metadata={"Software": "cge", **(stamp or {})})
        plt.close(fig)
