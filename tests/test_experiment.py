"""Experiments as files: the shipped reforms, result files, comparison, and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from cge.cli import main
from cge.errors import ConfigError
from cge.experiment import Experiment, load_experiment
from cge.report import compare_frame, write_outputs
from cge.runner import run_experiment

ROOT = Path(__file__).parent.parent
SYNTH = ROOT / "calibration" / "synthetic.toml"


@pytest.fixture(scope="module")
def reforms(tmp_path_factory):
    exp = load_experiment(ROOT / "experiments" / "reforms.toml")
    run = run_experiment(exp, progress=False)
    out = tmp_path_factory.mktemp("runs") / "reforms"
    write_outputs(run, out, run.model.solver_options)
    return run, out


def at(ds, var, scenario, **sel):
    return float(ds[var].sel(scenario=scenario, **sel))


def test_every_reform_solves_and_files_are_written(reforms):
    run, out = reforms
    assert [s.status for s in run.statuses] == ["solved"] * 6
    for name in ("results.nc", "welfare.csv", "summary.md", "ev.png", "factor_returns.png",
                 "reallocation.png", "manifest.json"):
        assert (out / name).stat().st_size > 0, name
    info = json.loads((out / "manifest.json").read_text())
    assert info["config_hash"] == run.experiment.hash
    assert {s["name"] for s in info["scenarios"]} == {"base", "hukou", "land", "capital", "technology", "all"}
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert ds.attrs["config_hash"] == run.experiment.hash
        assert "scenario" in ds["EV"].dims


def test_reform_signs_make_economic_sense(reforms):
    ds = reforms[0].dataset
    # relaxed hukou: rural-hukou workers move into non-agriculture, real GDP rises
    assert at(ds, "GDP_real_pct", "hukou") > 0
    assert at(ds, "physical_change", "hukou", fac="labr", use="a_nag") > 0
    # collective land enters the market: more of it in a_nag, rural households' income rises
    assert at(ds, "QF", "land", fac="ccl", act="a_nag") > at(ds, "QF", "base", fac="ccl", act="a_nag")
    assert at(ds, "YI", "land", inst="rur") > at(ds, "YI", "base", inst="rur")
    # capital subsidy: more capital and output in agriculture, paid by government via direct taxes
    assert at(ds, "QF", "capital", fac="cap", act="a_agr") > at(ds, "QF", "base", fac="cap", act="a_agr")
    assert at(ds, "QA", "capital", act="a_agr") > at(ds, "QA", "base", act="a_agr")
    assert at(ds, "YW", "capital", inst="gov") < at(ds, "YW", "base", inst="gov")
    assert at(ds, "DTY", "capital") > 0
    # technology: agricultural output up
    assert at(ds, "QA", "technology", act="a_agr") > at(ds, "QA", "base", act="a_agr")


def test_rerun_gives_identical_numbers_and_hash(reforms, tmp_path):
    run, out = reforms
    again = run_experiment(load_experiment(ROOT / "experiments" / "reforms.toml"), progress=False)
    assert again.experiment.hash == run.experiment.hash
    write_outputs(again, tmp_path / "again", again.model.solver_options)
    assert (tmp_path / "again" / "welfare.csv").read_text() == (out / "welfare.csv").read_text()


def test_compare_reproduces_the_welfare_files(reforms, tmp_path):
    _, out = reforms
    exp = load_experiment(ROOT / "experiments" / "hukou.toml")
    run = run_experiment(exp, progress=False)
    write_outputs(run, tmp_path / "hukou", run.model.solver_options)
    frame = compare_frame([out, tmp_path / "hukou"])
    welfare = pd.read_csv(out / "welfare.csv", comment="#")
    for _, row in welfare[welfare.household != ""].dropna().iterrows():
        assert frame.loc[f"EV {row.household} (money)", (str(out), row.scenario)] == pytest.approx(row.EV, rel=1e-9)
    # hukou_off in hukou.toml is the same shock as 'hukou' in reforms.toml
    assert frame.loc["EV rur (money)", (str(tmp_path / "hukou"), "hukou_off")] == pytest.approx(
        frame.loc["EV rur (money)", (str(out), "hukou")], rel=1e-8)


def test_cli_run_prints_the_welfare_table(tmp_path, capsys):
    exp = tmp_path / "e.toml"
    exp.write_text(f'[experiment]\ncalibration = "{SYNTH}"\n[[scenario]]\nname = "h"\n'
                   'shocks = [{ param = "tw", index = ["labr", "a_nag"], set = 0.0 }]\n')
    assert main(["run", str(exp), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "Equivalent variation" in printed and "EV rur" in printed
    assert (tmp_path / "out" / "summary.md").exists()


def _experiment(body: str) -> Experiment:
    import tomllib

    return Experiment(tomllib.loads(f'[experiment]\ncalibration = "{SYNTH}"\n' + body), None)


BAD = {
    "unknown key": ('[[scenario]]\nname = "x"\nshocks = [{ param = "tw", index = ["labr", "a_nag"], set = 0.0 }]\n'
                    'colour = "red"\n', "unknown key 'scenario.0.colour'"),
    "unknown parameter": ('[[scenario]]\nname = "x"\nshocks = [{ param = "tax", set = 0.0 }]\n',
                          "unknown parameter 'tax'"),
    "unknown closure value": ('[closure]\ngovernment = "balanced"\n[[scenario]]\nname = "x"\n'
                              'shocks = [{ param = "tfp", index = "a_agr", scale = 1.1 }]\n', "government"),
    "double fixing": ('[closure]\nnumeraire = "EXR"\nforeign = "fixed_exchange"\n[[scenario]]\nname = "x"\n'
                      'shocks = [{ param = "tfp", index = "a_agr", scale = 1.1 }]\n', "fixes the exchange rate twice"),
    "combine unknown": ('[[scenario]]\nname = "x"\ncombine = ["y"]\n', "not an earlier scenario"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_experiment_files_fail_on_load_naming_the_problem(case):
    body, message = BAD[case]
    with pytest.raises(ConfigError, match=message):
        _experiment(body)


BAD_AGAINST_MODEL = {
    "unknown label": ('{ param = "tw", index = ["labr", "a_xyz"], set = 0.0 }', "valid: labr,a_agr"),
    "negative elasticity": ('{ param = "sigma_q", index = "c_agr", set = -1.0 }', "must be >= 0"),
    "wedge below -1": ('{ param = "tw", index = ["cap", "a_agr"], add = -2.0 }', "must be > -1"),
    "free variable": ('{ param = "IADJ", set = 1.1 }', "determined by the model"),
}


@pytest.mark.parametrize("case", list(BAD_AGAINST_MODEL))
def test_bad_shocks_fail_before_any_solve(case, monkeypatch):
    shock, message = BAD_AGAINST_MODEL[case]
    exp = _experiment(f'[[scenario]]\nname = "x"\nshocks = [{shock}]\n')
    import cge.api

    def no_solve(*args, **kwargs):
        raise AssertionError("solved before validating")

    monkeypatch.setattr(cge.api.Model, "solve", no_solve)
    with pytest.raises(ConfigError, match=message):
        run_experiment(exp, progress=False)


def test_unemployment_of_the_numeraire_factor_is_refused():
    with pytest.raises(ConfigError, match="fixes its wage twice"):
        _experiment('[closure]\nnumeraire = "labu"\nunemployment = ["labu"]\n[[scenario]]\nname = "x"\n'
                    'shocks = [{ param = "tfp", index = "a_agr", scale = 1.1 }]\n')


def test_a_failed_scenario_is_reported_as_failed_in_every_output(tmp_path):
    """Raising the hukou wedge to 10,000 leaves rural households below LES subsistence:
    no valid equilibrium. The run goes on; the scenario is marked failed everywhere."""
    exp = _experiment('[[scenario]]\nname = "ok"\nshocks = [{ param = "tfp", index = "a_agr", scale = 1.05 }]\n'
                      '[[scenario]]\nname = "bad"\nshocks = [{ param = "tw", index = ["labr", "a_nag"], set = 1e4 }]\n')
    run = run_experiment(exp, progress=False)
    write_outputs(run, tmp_path / "out", run.model.solver_options)
    out = tmp_path / "out"
    assert [s.status for s in run.statuses] == ["solved", "solved", "failed"]
    info = json.loads((out / "manifest.json").read_text())
    assert [s["status"] for s in info["scenarios"]] == ["solved", "solved", "failed"]
    welfare = pd.read_csv(out / "welfare.csv", comment="#")
    assert set(welfare[welfare.scenario == "bad"].status) == {"failed"}
    assert welfare[welfare.scenario == "bad"].EV.isna().all()
    assert "bad (FAILED)" in (out / "summary.md").read_text()
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert str(ds["status"].sel(scenario="bad").values) == "failed"
        assert bool(ds["EV"].sel(scenario="bad").isnull().all())
        assert not bool(ds["EV"].sel(scenario="ok", inst=["rur", "urb"]).isnull().any())
