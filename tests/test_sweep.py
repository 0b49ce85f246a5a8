"""Sweeps: designs, validation of [sweep] tables, Dask vs serial, failures, output files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from cge.errors import ConfigError
from cge.experiment import Experiment, load_experiment
from cge.sweep import prepare, run_sweep
from cge.sweep_cli import cmd_sweep
from cge.sweep_config import parse_sweep
from cge.sweep_design import make_design, stroud3

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [{"name": "hukou", "shocks": [{"param": "tw", "index": ["labr", "a_nag"], "set": 0.0}]},
             {"name": "tfp", "shocks": [{"param": "tfp", "index": "a_agr", "scale": 1.05}]}]
TWO_PARAMS = [{"param": "sigma_q", "index": "c_agr", "distribution": "uniform", "low": 1.0, "high": 4.0},
              {"param": "omega_f", "index": "labr", "distribution": "normal", "mean": 2.0, "sd": 0.8, "low": 0.5}]


def experiment(sweep: dict, scenarios=SCENARIOS) -> Experiment:
    return Experiment({"experiment": {"calibration": "synthetic"}, "scenario": scenarios, "sweep": sweep}, None)


def outputs(ds: xr.Dataset) -> xr.Dataset:
    return ds.drop_vars("seconds")     # everything but the wall-clock times


# --- designs ------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_stroud_points_have_zero_mean_and_identity_covariance(n):
    g = stroud3(n)
    assert g.shape == (2 * n, n)
    assert np.allclose(g.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(g.T @ g / (2 * n), np.eye(n), atol=1e-12)
    assert np.allclose((g ** 3).mean(axis=0), 0, atol=1e-12)      # odd moments vanish: degree 3


def test_monte_carlo_draws_are_seeded_prefix_stable_and_truncated():
    cfg = parse_sweep({"method": "monte_carlo", "draws": 400, "seed": 3, "parameter": TWO_PARAMS}, "t")
    a, b = make_design(cfg), make_design(cfg, draws=50)
    assert np.array_equal(a.values[:50], b.values)                 # same seed -> same first draws
    assert not np.array_equal(a.values, make_design(cfg, seed=4).values)
    assert a.values[:, 0].min() >= 1.0 and a.values[:, 0].max() <= 4.0
    assert a.values[:, 1].min() >= 0.5                             # explicit truncation bound
    assert abs(a.values[:, 0].mean() - 2.5) < 3 * np.sqrt(9 / 12 / 400)


def test_quadrature_points_match_distribution_moments():
    cfg = parse_sweep({"method": "quadrature", "parameter": TWO_PARAMS[:1] + [
        {"param": "sigma_q", "index": "c_nag", "distribution": "triangular", "low": 1, "mode": 2, "high": 3}]}, "t")
    d = make_design(cfg)
    assert d.values.shape == (4, 2) and np.allclose(d.weights, 0.25)
    assert np.allclose(d.values.mean(axis=0), [2.5, 2.0])
    assert np.allclose(d.values.var(axis=0), [9 / 12, 1 / 6])      # uniform (b-a)²/12, triangular 1/6


# --- validation ------------------------------------------------------------------------------

def test_bad_sweep_table_lists_every_problem_with_valid_keys():
    bad = {"method": "monte_carlo", "draw": 10, "seed": -1, "parameter": [
        {"param": "sigma_q", "index": "c_agr", "distribution": "uniform", "low": 3.0, "high": 1.0, "sd": 1},
        {"param": "sigmaq", "distribution": "gamma"},
        {"param": "omega_f", "index": "labr", "distribution": "triangular", "low": -1, "mode": 1, "high": 2},
        {"param": "tfp", "distribution": "normal", "mean": 1.0, "sd": 0.1, "colour": "red"}]}
    with pytest.raises(ConfigError) as err:
        parse_sweep(bad, "exp.toml")
    msg = str(err.value)
    for fragment in ["unknown key(s) ['draw']", "valid: chunk, draws, method, parameter, scenarios, seed",
                     "needs 'draws'", "'seed' must be a non-negative integer",
                     "parameter 1: uniform takes high, low; not sd",
                     "parameter 2: 'param' must be a shockable item", "'distribution' must be one of uniform",
                     "parameter 3: omega_f must be >= 0; -1 is outside",
                     "parameter 4: unknown key(s) ['colour'] for method 'monte_carlo'; valid: distribution, high,"]:
        assert fragment in msg, fragment


def test_grid_and_method_rules_are_checked():
    with pytest.raises(ConfigError) as err:
        parse_sweep({"method": "grid", "seed": 1, "parameter": [
            {"param": "tw", "index": ["labr", "a_nag"], "values": [0.1], "from": 0.1}]}, "exp.toml")
    assert "'seed' applies to method 'monte_carlo' only" in str(err.value)
    assert "either 'values' or all of 'from', 'to', 'steps'" in str(err.value)
    with pytest.raises(ConfigError, match="'method' must be one of monte_carlo, quadrature, grid"):
        parse_sweep({"method": "latin", "parameter": TWO_PARAMS}, "exp.toml")
    cfg = parse_sweep({"method": "grid", "parameter": [{"param": "tw", "index": ["labr", "a_nag"],
                                                        "from": 0.15, "to": 0.0, "steps": 15}]}, "t")
    assert np.allclose(cfg.parameters[0].values, np.linspace(0.15, 0.0, 16))
    with pytest.raises(ConfigError, match="--draws and --seed apply to method monte_carlo only"):
        make_design(cfg, draws=10)


def test_quadrature_point_outside_support_is_refused():
    narrow = {"param": "omega_f", "index": "labr", "distribution": "normal", "mean": 1.0, "sd": 1.0, "low": 0.9}
    cfg = parse_sweep({"method": "quadrature", "parameter": [narrow, TWO_PARAMS[0]]}, "t")
    with pytest.raises(ConfigError, match="quadrature point.*outside its support"):
        make_design(cfg)


def test_labels_and_scenarios_are_checked_on_the_model():
    exp = experiment({"method": "quadrature", "scenarios": ["hukou", "nope"], "parameter": TWO_PARAMS})
    with pytest.raises(ConfigError, match=r"\['nope'\] are not in the file \(scenarios: hukou, tfp\)"):
        prepare(exp)
    exp = experiment({"method": "quadrature", "parameter": [{**TWO_PARAMS[0], "index": "c_xyz"}]})
    with pytest.raises(ConfigError, match=r"'sigma_q' has no element \[c_xyz\]; valid: c_agr, c_nag"):
        prepare(exp)


@pytest.mark.parametrize("name", ["sensitivity", "hukou_curve"])
def test_shipped_sweeps_validate(name):
    cfg, design, scenarios, _ = prepare(load_experiment(ROOT / "experiments" / f"{name}.toml"))
    if name == "hukou_curve":
        assert design.values[0, 0] == pytest.approx(0.15) and design.values[-1, 0] == 0 and len(design) == 16
    else:
        assert scenarios == ["hukou", "all"] and len(cfg.parameters) == 10
        assert cfg.method == "monte_carlo" and len(make_design(cfg.__class__(
            "quadrature", cfg.parameters)).values) == 20


# --- solving ---------------------------------------------------------------------------------

def test_dask_cluster_gives_the_serial_results_exactly():
    exp = experiment({"method": "monte_carlo", "draws": 8, "seed": 11, "chunk": 3, "parameter": TWO_PARAMS})
    serial = run_sweep(exp, serial=True, progress=False)
    parallel = run_sweep(exp, workers=2, progress=False)
    assert parallel.mode == "local cluster" and parallel.cores == 2
    assert serial.counts() == parallel.counts() == {"draws": 16, "solved": 16, "failed": 0}
    xr.testing.assert_identical(outputs(serial.dataset), outputs(parallel.dataset))
    ev = serial.dataset["EV_pct"].sel(scenario="hukou", inst="rur").values
    assert np.ptp(ev) > 0.01            # the elasticities matter: draws differ


def test_failing_draw_is_recorded_and_the_sweep_goes_on():
    grid = {"param": "tw", "index": ["labr", "a_nag"], "values": [0.1, 1e4, 0.0]}
    run = run_sweep(experiment({"method": "grid", "parameter": [grid]}, SCENARIOS[:1]), serial=True, progress=False)
    ds = run.dataset.sel(scenario="hukou")
    assert list(ds["status"].values[[0, 2]]) == ["solved", "solved"]
    assert ds["status"].values[1] == "invalid_for_closure" and "LES subsistence" in ds["message"].values[1]
    assert np.isnan(ds["EV"].values[1]).all() and run.counts()["failed"] == 1
    alone = run_sweep(experiment({"method": "grid", "parameter": [{**grid, "values": [0.0]}]}, SCENARIOS[:1]),
                      serial=True, progress=False)
    xr.testing.assert_equal(ds["EV"].isel(grid=2), alone.dataset["EV"].sel(scenario="hukou").isel(grid=0))


def test_quadrature_mean_agrees_with_monte_carlo_within_its_standard_error():
    sweep = {"method": "quadrature", "parameter": TWO_PARAMS}
    quad = run_sweep(experiment(sweep, SCENARIOS[:1]), serial=True, progress=False).dataset
    mc = run_sweep(experiment({**sweep, "method": "monte_carlo", "draws": 250, "seed": 5}, SCENARIOS[:1]),
                   serial=True, progress=False).dataset
    for name in ["EV_pct", "GDP_real_pct", "income_ratio"]:
        q = (quad[name] * quad["weight"]).sum("draw")
        m, se = mc[name].mean("draw"), mc[name].std("draw", ddof=1) / np.sqrt(mc.sizes["draw"])
        assert float((se > 0).all())
        assert float((abs(q - m) < 3 * se).all()), (name, q.values, m.values, se.values)
        q_sd = np.sqrt((quad["weight"] * (quad[name] - q) ** 2).sum("draw"))
        assert float((abs(q_sd / mc[name].std("draw", ddof=1) - 1) < 0.3).all())   # sd within ~3 s.e.


def test_cli_writes_every_file_atomically(tmp_path):
    toml = tmp_path / "curve.toml"
    toml.write_text('[experiment]\ncalibration = "synthetic"\n[[scenario]]\nname = "hukou"\n'
                    'shocks = [{ param = "tw", index = ["labr", "a_nag"], set = 0.0 }]\n'
                    '[sweep]\nmethod = "grid"\n[[sweep.parameter]]\nparam = "tw"\nindex = ["labr", "a_nag"]\n'
                    'from = 0.2\nto = 0.0\nsteps = 2\n')

    class Args:
        experiment, draws, seed, scheduler, workers, serial, out, quiet = str(toml), None, None, None, 2, True, \
            tmp_path / "out", True

    assert cmd_sweep(Args) == 0
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["curves.png", "ev.png", "manifest.json", "summary.csv", "summary.md", "sweep.nc"]
    info = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert info["counts"] == {"draws": 3, "solved": 3, "failed": 0} and info["method"] == "grid"
    with xr.open_dataset(tmp_path / "out" / "sweep.nc", engine="h5netcdf") as ds:
        assert ds.attrs["config_hash"] == info["config_hash"]
        assert np.allclose(ds["grid"].values, [0.2, 0.1, 0.0])
        ev = ds["EV_pct"].sel(scenario="hukou", inst="rur").values
    assert abs(ev[0]) < 1e-6 < ev[1] < ev[2]      # 0.2 is the benchmark wedge; lowering it helps rur
    assert not any(p.name.startswith(".out.tmp") for p in tmp_path.iterdir())
