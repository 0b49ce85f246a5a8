"""Bad inputs and the messages they produce: the README's troubleshooting table.

Each case writes a broken copy of the bundled synthetic SAM, calibration or an
experiment into a folder and returns a callable that must raise a
:class:`cge.errors.UserError`. ``python tests/troubleshooting.py`` prints the
Markdown table for the README; ``tests/test_reliability.py`` checks that every
row of the README's table is what the package says.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAM = ROOT / "sam" / "synthetic.csv"
ACCOUNTS = ROOT / "sam" / "synthetic_accounts.csv"
CALIBRATION = ROOT / "calibration" / "synthetic.toml"


def _sam_copy(folder: Path, edit) -> Path:
    """A copy of the synthetic SAM whose CSV text lines went through ``edit``."""
    lines = SAM.read_text().splitlines()
    (folder / "bad.csv").write_text("\n".join(edit(lines)) + "\n")
    (folder / "bad_accounts.csv").write_text(ACCOUNTS.read_text())
    return folder / "bad.csv"


def _cell(lines: list[str], row: str, col: str, text: str) -> list[str]:
    header = lines[0].split(",")
    out = lines[:1]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] == row:
            cells[header.index(col)] = text
        out.append(",".join(cells))
    return out


def _read(path):
    from cge.sam import read_sam

    return lambda: read_sam(path).validate()


def _calibration(folder: Path, old: str, new: str):
    from cge.api import Model

    text = CALIBRATION.read_text().replace('sam = "synthetic"', f'sam = "{SAM}"')
    assert old in text, old
    (folder / "bad.toml").write_text(text.replace(old, new, 1))
    return lambda: Model(folder / "bad.toml")


def _experiment(folder: Path, body: str):
    from cge.experiment import load_experiment
    from cge.runner import run_experiment

    (folder / "bad_experiment.toml").write_text(f'[experiment]\ncalibration = "{CALIBRATION}"\n' + body)
    return lambda: run_experiment(load_experiment(folder / "bad_experiment.toml"), progress=False)


HUKOU = '[[scenario]]\nname = "x"\nshocks = [{ param = "tw", index = ["labr", "a_nag"], set = 0.0 }]\n'

CASES = {
    "SAM file missing": lambda d: _read(d / "missing.csv"),
    "ragged CSV row": lambda d: _read(_sam_copy(d, lambda ls: ls[:3] + [ls[3] + ",7"] + ls[4:])),
    "duplicate label": lambda d: _read(_sam_copy(d, lambda ls: [ls[0].replace(",c_nag,", ",c_agr,", 1)] + ls[1:])),
    "non-numeric cell": lambda d: _read(_sam_copy(d, lambda ls: _cell(ls, "labr", "a_agr", "twenty"))),
    "NaN or infinite cell": lambda d: _read(_sam_copy(d, lambda ls: _cell(ls, "labr", "a_agr", "inf"))),
    "unbalanced account": lambda d: _read(_sam_copy(d, lambda ls: _cell(ls, "labr", "a_agr", "25"))),
    "negative intermediate use": lambda d: _read(_sam_copy(d, lambda ls: _cell(ls, "c_agr", "a_agr", "-10"))),
    "cell the spec gives no meaning": lambda d: _read(_sam_copy(d, lambda ls: _cell(ls, "row", "rur", "1"))),
    "wedge cell inconsistent with the rate": lambda d: _calibration(d, "rate = 0.2", "rate = 0.3"),
    "unknown key in a calibration file": lambda d: _calibration(d, "[trade.c_agr]\narmington", "[trade.c_agr]\narmingtn"),
    "elasticity out of range": lambda d: _calibration(d, "sigma = 0.6", "sigma = -0.6"),
    "multi-use factor without mobility": lambda d: _calibration(d, 'mobility = "perfect"\n', ""),
    "unknown label in a shock": lambda d: _experiment(d, HUKOU.replace('"a_nag"', '"a_ngx"')),
    "unknown parameter in a shock": lambda d: _experiment(d, HUKOU.replace('"tw"', '"tax"')),
    "closure fixing a level twice": lambda d: _experiment(d, '[closure]\nnumeraire = "EXR"\n'
                                                          'foreign = "fixed_exchange"\n' + HUKOU),
    "unknown closure option": lambda d: _experiment(d, '[closure]\ngovernment = "balanced"\n' + HUKOU),
}


def message(case: str, folder: Path) -> str:
    """The first line of the error a case raises, with the folder written as <dir>."""
    from cge.errors import UserError

    try:
        CASES[case](folder)()
    except UserError as exc:
        lines = str(exc).replace(str(folder), "<dir>").replace(str(ROOT), "<repo>").splitlines()
        return " ".join(line.strip() for line in lines[:2])
    raise AssertionError(f"case {case!r} raised no error")


def markdown_table() -> str:
    rows = ["| bad input | what cge says |", "|---|---|"]
    for case in CASES:
        with tempfile.TemporaryDirectory() as d:
            msg = re.sub(r"\s+", " ", message(case, Path(d))).replace("|", "\\|")
            rows.append(f"| {case} | `{msg}` |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(markdown_table())
