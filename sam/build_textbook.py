"""Build the textbook SAMs of Hosoe, Gasawa & Hashimoto (2010) in the spec layout.

    python sam/build_textbook.py          # write sam/splcge*.csv and sam/stdcge*.csv
    python sam/build_textbook.py --check  # rebuild in memory; exit 1 if a shipped file differs

Reads the two textbook SAMs copied to ``sources/textbook/`` (SPLCGE, ch. 5;
STDCGE, ch. 6; rows receive, columns pay) and maps every textbook cell to one
cell of the spec layout (model.md §1b); ``textbook_README.md`` tabulates the
mapping. A textbook good (BRD, MLK) is an activity and a commodity at once: its
column's intermediate inputs, factors and production tax go to the activity
``a_*``, its imports and tariffs to the commodity ``c_*``; the activity sells
its gross output (tax included) to the commodity. SPLCGE has no government,
trade or investment: its ``gov``, ``row`` and ``sav`` accounts are all zero
(the SAM layout requires exactly one of each).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from cge.bundled import build_main

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources" / "textbook"
UNIT = "textbook money unit (hypothetical economy of Hosoe, Gasawa & Hashimoto 2010)"
GOODS = ("BRD", "MLK")

# Accounts of the spec layout: label, kind, commodity (activities only). A tax
# account appears only where the textbook SAM has that tax.
ACCOUNTS = [("a_brd", "act", "c_brd"), ("a_mlk", "act", "c_mlk"), ("c_brd", "com", ""), ("c_mlk", "com", ""),
            ("CAP", "fac", ""), ("LAB", "fac", ""), ("hh", "hh", ""), ("gov", "gov", ""),
            ("tdir", "tdir", ""), ("timp", "timp", ""), ("tact", "tact", ""), ("sav", "sav", ""), ("row", "row", "")]
TAXES = ("tdir", "timp", "tact")
NAMES = {"HOH": "hh", "GOV": "gov", "INV": "sav", "EXT": "row", "IDT": "tact", "TRF": "timp", "CAP": "CAP", "LAB": "LAB"}


def read_textbook(name: str) -> dict[tuple[str, str], float]:
    """Nonzero cells {(row, col): value} of a textbook SAM (matrix CSV)."""
    with open(SOURCES / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0][1:]
    return {(r[0], c): float(x) for r in rows[1:] for c, x in zip(header, r[1:]) if float(x) != 0}


def activity(good: str) -> str:
    return "a_" + good.lower()


def commodity(good: str) -> str:
    return "c_" + good.lower()


def spec_cells(textbook: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Map each textbook cell to the spec layout (model.md §1b); refuse a cell with no mapping."""
    out: dict[tuple[str, str], float] = {}

    def add(r: str, c: str, v: float) -> None:
        out[r, c] = out.get((r, c), 0.0) + v

    for (r, c), v in textbook.items():
        if c in GOODS:                        # a good's column: activity inputs, or imports of the commodity
            payer = commodity(c) if r in ("EXT", "TRF") else activity(c)
            add(commodity(r) if r in GOODS else NAMES[r], payer, v)
        elif r in GOODS:                      # final demand for the commodity
            add(commodity(r), NAMES[c], v)
        elif (r, c) == ("GOV", "HOH"):        # direct tax passes through tdir
            add("tdir", "hh", v)
            add("gov", "tdir", v)
        elif r in NAMES and c in NAMES:
            add(NAMES[r], NAMES[c], v)
        else:
            raise ValueError(f"textbook cell ({r}, {c}) = {v} has no mapping")
    for g in {g for (r, c) in textbook for g in (r, c) if g in GOODS}:
        gross = sum(v for (r, c), v in out.items() if c == activity(g))
        add(activity(g), commodity(g), gross)  # the activity sells its gross output to its commodity
    return out


def accounts_of(cells: dict[tuple[str, str], float]) -> list[tuple[str, str, str]]:
    """The accounts of one SAM: all of :data:`ACCOUNTS` but the taxes it does not levy."""
    used = {lab for cell in cells for lab in cell}
    return [a for a in ACCOUNTS if a[0] not in TAXES or a[0] in used]


def render(cells: dict[tuple[str, str], float]) -> dict[str, str]:
    """File suffix -> text: the square matrix and the accounts table."""
    table = accounts_of(cells)
    labels = [a[0] for a in table]

    def text(rows: list[list]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()

    def fmt(v: float) -> str:
        return "0" if v == 0 else repr(v)

    matrix = [["row"] + labels] + [[r] + [fmt(cells.get((r, c), 0.0)) for c in labels] for r in labels]
    accounts = f"# unit: {UNIT}\n" + text([["label", "kind", "commodity"]] + [list(a) for a in table])
    return {".csv": text(matrix), "_accounts.csv": accounts}


def check_balance(name: str, cells: dict[tuple[str, str], float]) -> None:
    """Every account's row total equals its column total."""
    for lab, *_ in accounts_of(cells):
        rows = sum(v for (r, _), v in cells.items() if r == lab)
        cols = sum(v for (_, c), v in cells.items() if c == lab)
        if abs(rows - cols) > 1e-12 * sum(cells.values()):
            raise AssertionError(f"{name}: account {lab} unbalanced ({rows} vs {cols})")


def outputs() -> dict[Path, str]:
    files = {}
    for name in ("splcge", "stdcge"):
        cells = spec_cells(read_textbook(f"{name}_sam.csv"))
        check_balance(name, cells)
        for suffix, text in render(cells).items():
            files[HERE / f"{name}{suffix}"] = text
    return files


def main(argv: list[str] | None = None) -> int:
    return build_main(outputs, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
