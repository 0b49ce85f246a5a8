"""Reliability: clear errors for bad input, hard scenarios, atomic results, fuzzing."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cge.api import Model
from cge.checks import walras_ratio
from cge.cli import main
from cge.errors import ConfigError, SAMError, SolveError, UserError
from cge.experiment import Experiment
from cge.sam import read_sam

import troubleshooting

ROOT = Path(__file__).resolve().parent.parent


def readme_table() -> dict[str, str]:
    """The README's troubleshooting table: bad input -> message."""
    text = (ROOT / "README.md").read_text()
    block = text.split("| bad input | what cge says |", 1)[1]
    rows = {}
    for line in block.splitlines()[2:]:
        if not line.startswith("|"):
            break
        case, msg = re.match(r"\| (.+?) \| `(.*)` \|$", line).groups()
        rows[case] = msg.replace("\\|", "|")
    return rows


@pytest.mark.parametrize("case", list(troubleshooting.CASES))
def test_every_bad_input_gives_the_message_in_the_readme(case, tmp_path):
    said = re.sub(r"\s+", " ", troubleshooting.message(case, tmp_path))
    assert readme_table().get(case) == said


def test_readme_lists_exactly_the_tested_cases():
    assert list(readme_table()) == list(troubleshooting.CASES)


@pytest.fixture(scope="module")
def china():
    return Model("china2020")


@pytest.mark.parametrize("shock", ["labour_cut_90", "tariff_300"])
def test_hard_scenarios_solve_by_homotopy_or_fail_naming_equations(china, shock):
    china.reset()
    if shock == "labour_cut_90":
        china.set("qfsbar", "labr", scale=0.1)     # rural-hukou households lose 90% of their labour
    else:
        china.set("tm", None, to=3.0)              # every tariff raised to 300%
    before = {v.name: v.value for v in china.m.QA.values()}
    try:
        result = china.solve(shock)
    except SolveError as exc:
        if exc.status != "invalid_for_closure":   # a point was found but is outside the model's domain
            assert exc.worst and re.search(r"\w+\[[\w,]+\]", exc.worst[0][0]), "names the worst equations"
            assert "homotopy stopped at t=" in str(exc)
            assert {v.name: v.value for v in china.m.QA.values()} == before, "no unconverged point is kept"
    else:
        assert walras_ratio(china.m) < 1e-8
        assert result.path[-1] == 1.0
    finally:
        china.reset()
        china.solve("back")


def test_a_shock_too_large_for_one_step_is_walked_in_steps_and_says_so():
    """With at most 5 Ipopt iterations per solve, 500% tariffs cannot be reached in one
    step from the benchmark; the homotopy reaches them and reports the path."""
    model = Model("china2020", solver_options={"max_iter": 5})
    model.set("tm", None, to=5.0)
    result = model.solve("tariff_500")
    assert len(result.path) > 1 and result.path[-1] == 1.0
    assert walras_ratio(model.m) < 1e-8
    reference = Model("china2020").set("tm", None, to=5.0).solve("direct")
    assert np.allclose(result.dataset["QA"], reference.dataset["QA"], rtol=1e-8)


KILLER = textwrap.dedent("""
    import sys, time
    import cge.plots
    def slow(ds, folder, stamp=None):
        (folder / "started").write_text("writing")
        time.sleep(60)
    cge.plots.write_plots = slow
    from cge.cli import main
    sys.exit(main(["run", sys.argv[1], "--out", sys.argv[2], "--quiet"]))
""")


def test_killing_a_run_while_it_writes_leaves_the_previous_output(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "welfare.csv").write_text("previous complete output")
    experiment = ROOT / "experiments" / "technology.toml"
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(experiment), str(out)], cwd=tmp_path)
    deadline = time.time() + 60
    while not list(tmp_path.glob(".out.tmp-*/started")) and time.time() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".out.tmp-*/started")), "the run never reached the writing stage"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    assert (out / "welfare.csv").read_text() == "previous complete output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no partial result folder is left"


# --- fuzzing ---------------------------------------------------------------------------

GOOD_SAM = (ROOT / "sam" / "synthetic.csv").read_text().splitlines()
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_random_text_as_a_sam_gives_a_clean_error(tmp_path, text):
    (tmp_path / "f.csv").write_text(text)
    (tmp_path / "f_accounts.csv").write_text((ROOT / "sam" / "synthetic_accounts.csv").read_text())
    with pytest.raises(SAMError):
        read_sam(tmp_path / "f.csv").validate()


@FUZZ
@given(st.lists(st.tuples(st.integers(1, len(GOOD_SAM) - 1), st.integers(1, 21),
                          st.sampled_from(["", "x", "nan", "-inf", "1e400", "-5", "0", "1,2", '"'])),
                min_size=1, max_size=4),
       st.booleans())
def test_corrupted_sams_give_a_clean_error_or_a_valid_sam(tmp_path, edits, drop_line):
    lines = [line.split(",") for line in GOOD_SAM]
    for r, c, text in edits:
        lines[r][c] = text
    if drop_line:
        del lines[len(lines) // 2]
    (tmp_path / "f.csv").write_text("\n".join(",".join(line) for line in lines) + "\n")
    (tmp_path / "f_accounts.csv").write_text((ROOT / "sam" / "synthetic_accounts.csv").read_text())
    try:
        read_sam(tmp_path / "f.csv").validate()
    except SAMError:
        pass


KEYS = ["experiment", "closure", "solver", "scenario", "sweep", "colour", "name", "shocks", "param", "index",
        "set", "scale", "add", "combine", "government", "numeraire", "calibration"]
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True), st.text(max_size=8),
              st.sampled_from(["tw", "tfp", "a_agr", "labr", "CPI", "EXR", "budget_neutral", "synthetic"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
    max_leaves=12)


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5))
def test_random_experiment_tables_give_a_clean_error_or_an_experiment(raw):
    try:
        Experiment(raw, None)
    except ConfigError:
        pass


def test_every_experiment_shipped_loads():
    for path in sorted((ROOT / "experiments").rglob("*.toml")):
        Experiment(tomllib.loads(path.read_text()), path)


def test_doctor_passes(capsys):
    assert main(["doctor"]) == 0
    said = capsys.readouterr().out
    assert "ipopt" in said and "FAIL" not in said


def test_user_errors_exit_with_code_2_and_one_message(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nothing.toml")]) == 2
    assert "experiment file not found" in capsys.readouterr().err


def test_same_inputs_same_numbers():
    a = Model("synthetic").set("tw", ("labr", "a_nag"), to=0.0).solve("a").dataset
    b = Model("synthetic").set("tw", ("labr", "a_nag"), to=0.0).solve("b").dataset
    for name in ("EV", "QF", "WFA", "GDP_real"):
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True)


def test_user_error_is_the_base_of_every_error_we_raise():
    assert all(issubclass(e, UserError) for e in (ConfigError, SAMError, SolveError))
