"""The social accounting matrix (SAM): reading, writing and validating it.

Layout (model.md 1b): rows receive, columns pay; ``S(r, c)`` is a payment
from account ``c`` to account ``r``. Every account has a kind (:data:`KINDS`)
and each activity names the commodity it makes.

Files
-----
* matrix CSV: a square table, account labels in the first column and in the
  header (the header's first cell is ignored; we write ``row``). Empty cells
  read as 0.
* long CSV: header ``row,col,value``, one line per cell; zero cells may be
  omitted. Detected by that header.
* accounts CSV (both CSV forms): columns ``label,kind,commodity``;
  ``commodity`` is empty except for activities. Default path for ``X.csv`` is
  ``X_accounts.csv``. The money unit may be given on leading comment lines,
  ``# unit: 100 million yuan``; other ``#`` lines are ignored.
* Excel ``.xlsx``: sheet ``sam`` (the matrix), sheet ``accounts`` (the
  accounts table) and an optional sheet ``meta`` with rows ``key,value``
  (``unit``).

Floats are written with ``repr`` and parsed with ``float``, so every round trip
is exact to the bit.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .errors import SAMError

KINDS = ("act", "com", "fac", "hh", "ent", "gov", "wdg", "tdir", "tcom", "timp", "tact", "sav", "row")
INSTITUTIONS = ("hh", "ent")
TAXES = ("tdir", "tcom", "timp", "tact")
EXACTLY_ONE = ("gov", "row", "sav")
AT_MOST_ONE = ("wdg",) + TAXES

# (row kind, column kind) pairs that may be nonzero (model.md 1b).
ALLOWED_CELLS = frozenset(
    [("com", "act"), ("act", "com"), ("fac", "act"), ("wdg", "act"), ("tact", "act"),
     ("com", "hh"), ("com", "gov"), ("com", "sav"), ("com", "row"), ("row", "com"),
     ("timp", "com"), ("tcom", "com")]
    + [(r, "fac") for r in ("hh", "ent", "gov", "row")]
    + [(r, c) for r in ("hh", "ent", "gov") for c in ("hh", "ent", "wdg", "row")]
    + [(r, "gov") for r in INSTITUTIONS]
    + [("tdir", c) for c in INSTITUTIONS]
    + [("gov", t) for t in TAXES]
    + [("sav", c) for c in ("hh", "ent", "gov", "row")]
)

# Cells that hold quantities times prices, so a negative value has no meaning.
NONNEGATIVE_CELLS = frozenset(
    [("com", "act"), ("act", "com"), ("fac", "act"), ("com", "hh"), ("com", "gov"),
     ("com", "row"), ("row", "com")]
)

FORMATS = ("matrix", "long", "xlsx")
LONG_HEADER = ["row", "col", "value"]
ACCOUNT_COLUMNS = ["label", "kind", "commodity"]


def problems_error(source: str, problems: list[str]) -> SAMError:
    """One SAMError that lists every problem, headed by the file or SAM it concerns."""
    n = len(problems)
    head = f"{source}: {n} problem{'s' if n != 1 else ''}"
    return SAMError(head + "\n" + "\n".join(f"  - {p}" for p in problems))


class SAM:
    """A square SAM with labelled accounts; see the module docstring for the layout."""

    def __init__(self, matrix: pd.DataFrame, accounts: pd.DataFrame, unit: str = "", name: str = ""):
        labels = [str(x) for x in matrix.index]
        problems = []
        if [str(x) for x in matrix.columns] != labels:
            problems.append("row labels and column labels differ (the matrix must be square, same order)")
        if [str(x) for x in accounts.index] != labels:
            problems.append("the accounts table does not list the matrix labels in matrix order")
        if problems:
            raise problems_error(name or "SAM", problems)
        self.matrix = pd.DataFrame(
            np.asarray(matrix.to_numpy(), dtype=np.float64).copy(), index=labels, columns=labels
        )
        acc = pd.DataFrame(index=pd.Index(labels, name="label"))
        for col in ("kind", "commodity"):
            values = accounts[col] if col in accounts.columns else pd.Series("", index=accounts.index)
            acc[col] = ["" if pd.isna(v) else str(v).strip() for v in values]
        self.accounts = acc
        self.unit = unit
        self.name = name

    # --- lookup -----------------------------------------------------------
    def labels(self, *kinds: str) -> list[str]:
        """Labels of accounts of the given kinds (all if none), in SAM order."""
        if not kinds:
            return list(self.matrix.index)
        return [lab for lab, k in self.accounts["kind"].items() if k in kinds]

    def kind(self, label: str) -> str:
        return self.accounts.at[label, "kind"]

    def commodity_of(self, activity: str) -> str:
        return self.accounts.at[activity, "commodity"]

    def __getitem__(self, rc: tuple[str, str]) -> float:
        row, col = rc
        return float(self.matrix.at[row, col])

    def __repr__(self) -> str:
        return f"SAM({self.name!r}, {len(self.matrix)} accounts, total {self.total:.6g} {self.unit})"

    # --- totals -----------------------------------------------------------
    @property
    def total(self) -> float:
        """SAM total: the sum of all cells."""
        return float(self.matrix.to_numpy().sum())

    @property
    def row_totals(self) -> pd.Series:
        return self.matrix.sum(axis=1)

    @property
    def col_totals(self) -> pd.Series:
        return self.matrix.sum(axis=0)

    def imbalances(self) -> pd.Series:
        """Row total minus column total, per account."""
        return self.row_totals - self.col_totals

    def block(self, row_kind: str, col_kind: str) -> pd.DataFrame:
        """The sub-matrix of rows of one kind and columns of another."""
        return self.matrix.loc[self.labels(row_kind), self.labels(col_kind)]

    def to_xarray(self) -> xr.DataArray:
        """Cells as a DataArray with dims (row, col); coordinates ``kind`` (along
        ``row``) and ``col_kind`` (along ``col``) give each account's kind."""
        labels = self.labels()
        kinds = self.accounts["kind"].to_numpy()
        return xr.DataArray(
            self.matrix.to_numpy().copy(),
            dims=("row", "col"),
            coords={"row": labels, "col": labels, "kind": ("row", kinds), "col_kind": ("col", kinds)},
            name=self.name or "sam",
            attrs={"unit": self.unit},
        )

    # --- identity ---------------------------------------------------------
    def hash(self) -> str:
        """sha256 of labels, kinds, commodities and ``repr`` of every value (row-major; -0.0 as 0.0)."""
        canonical = {
            "labels": self.labels(),
            "kinds": list(self.accounts["kind"]),
            "commodities": list(self.accounts["commodity"]),
            "values": [[repr(float(v) + 0.0) for v in row] for row in self.matrix.to_numpy()],
        }
        text = json.dumps(canonical, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def copy(self) -> "SAM":
        return SAM(self.matrix.copy(), self.accounts.copy(), unit=self.unit, name=self.name)

    # --- validation -------------------------------------------------------
    def validate(self, tol: float = 1e-9) -> None:
        """Raise SAMError listing every problem: kinds, commodities, unique
        accounts, non-finite cells, cells the layout gives no meaning, negative
        quantity cells, and imbalances beyond ``tol`` × SAM total (last: a
        misplaced or negative cell usually unbalances accounts too)."""
        problems = (
            self._account_problems()
            + self._value_problems()
            + self._cell_problems()
            + self._balance_problems(tol)
        )
        if problems:
            raise problems_error(self.name or "SAM", problems)

    def _account_problems(self) -> list[str]:
        problems = []
        kinds = self.accounts["kind"]
        for label, kind in kinds.items():
            if kind == "":
                problems.append(f"account {label!r} has no kind (valid kinds: {', '.join(KINDS)})")
            elif kind not in KINDS:
                problems.append(f"account {label!r} has unknown kind {kind!r} (valid kinds: {', '.join(KINDS)})")
        makers: dict[str, list[str]] = {}
        for label, row in self.accounts.iterrows():
            commodity = row["commodity"]
            if row["kind"] == "act":
                if commodity == "":
                    problems.append(f"activity {label!r} names no commodity")
                elif commodity not in kinds.index or kinds[commodity] != "com":
                    problems.append(f"activity {label!r} makes {commodity!r}, which is not a com account")
                else:
                    makers.setdefault(commodity, []).append(label)
            elif commodity != "":
                problems.append(f"account {label!r} of kind {row['kind']!r} names a commodity ({commodity!r}); only act accounts do")
        for commodity, acts in makers.items():
            if len(acts) > 1:
                problems.append(f"commodity {commodity!r} is made by {len(acts)} activities ({', '.join(acts)}); activities and commodities must be one-to-one")
        for kind in EXACTLY_ONE + AT_MOST_ONE:
            found = self.labels(kind)
            if len(found) > 1 or (kind in EXACTLY_ONE and not found):
                which = f": {', '.join(found)}" if found else ""
                need = "exactly one" if kind in EXACTLY_ONE else "at most one"
                problems.append(f"the SAM needs {need} {kind} account, it has {len(found)}{which}")
        return problems

    def _value_problems(self) -> list[str]:
        values = self.matrix.to_numpy()
        rows, cols = np.nonzero(~np.isfinite(values))
        labels = self.labels()
        return [f"cell ({labels[i]}, {labels[j]}) is {float(values[i, j])!r}, not a finite number" for i, j in zip(rows, cols)]

    def _balance_problems(self, tol: float) -> list[str]:
        values = self.matrix.to_numpy()
        if not np.isfinite(values).all():
            return []
        total = self.total
        limit = tol * abs(total)
        rows, cols = self.row_totals, self.col_totals
        return [
            f"account {label!r} is unbalanced: row total {rows[label]:.10g}, column total {cols[label]:.10g}, "
            f"difference {rows[label] - cols[label]:.6g} (tolerance {limit:.3g} = {tol:g} x SAM total {total:.10g})"
            for label in self.labels()
            if not abs(rows[label] - cols[label]) <= limit
        ]

    def _cell_problems(self) -> list[str]:
        kinds = self.accounts["kind"].to_numpy()
        labels = self.labels()
        values = self.matrix.to_numpy()
        problems = []
        for i, j in zip(*np.nonzero(values)):
            rk, ck = kinds[i], kinds[j]
            if rk not in KINDS or ck not in KINDS or not math.isfinite(values[i, j]):
                continue
            r, c, v = labels[i], labels[j], float(values[i, j])
            if (rk, ck) not in ALLOWED_CELLS:
                problems.append(f"cell ({r}, {c}) = {v!r}: a payment from {ck} to {rk} has no meaning in the SAM layout; it must be 0")
            elif (rk, ck) == ("act", "com") and self.commodity_of(r) != c:
                problems.append(f"cell ({r}, {c}) = {v!r}: activity {r!r} makes {self.commodity_of(r)!r}, not {c!r}")
            elif (rk, ck) in NONNEGATIVE_CELLS and v < 0:
                problems.append(f"cell ({r}, {c}) = {v!r} is negative; ({rk}, {ck}) cells cannot be")
        return problems


# --- reading --------------------------------------------------------------
def detect_format(path: str | Path) -> str:
    """``xlsx`` by suffix; a CSV whose header is ``row,col,value`` is ``long``; else ``matrix``."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return "xlsx"
    rows, _ = _read_csv_rows(path)
    if rows and [c.strip() for c in rows[0]] == LONG_HEADER:
        return "long"
    return "matrix"


def default_accounts_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + "_accounts.csv")


def read_sam(path, accounts=None, *, name: str | None = None, unit: str | None = None) -> SAM:
    """Read a SAM (matrix CSV, long CSV or xlsx; see module docstring).

    ``accounts`` is the accounts CSV path, a DataFrame with columns
    ``label,kind,commodity``, or None for the default path (CSV) or sheet (xlsx).
    Raises SAMError listing every file-level problem; call ``validate`` for the rest.
    """
    path = Path(path)
    fmt = detect_format(path) if path.exists() else None
    if fmt is None:
        raise SAMError(f"{path}: SAM file not found")
    if fmt == "xlsx":
        cells, acc, file_unit = _read_xlsx(path, accounts)
    else:
        acc, file_unit = _load_accounts(path, accounts)
        cells = _read_matrix_csv(path) if fmt == "matrix" else _read_long_csv(path, acc)
    matrix, acc = _assemble(path, cells, acc)
    return SAM(matrix, acc, unit=file_unit if unit is None else unit, name=name if name is not None else path.stem)


def _read_csv_rows(path: Path) -> tuple[list[list[str]], list[int]]:
    """Non-empty CSV rows and their line numbers; leading ``#`` lines are skipped."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            rows, lines, header_seen = [], [], False
            for row in reader:
                if not row or all(c.strip() == "" for c in row):
                    continue
                if not header_seen and row[0].lstrip().startswith("#"):
                    continue
                header_seen = True
                rows.append(row)
                lines.append(reader.line_num)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SAMError(f"{path}: cannot read CSV: {exc}") from exc
    return rows, lines


def _parse_number(text: str) -> float | None:
    text = text.strip()
    if text == "":
        return 0.0
    try:
        return float(text)
    except ValueError:
        return None


@dataclass
class _Cells:
    """Raw cells read from a file, before the SAM is assembled."""

    row_labels: list[str]
    col_labels: list[str]
    values: np.ndarray
    problems: list[str]


def _grid_cells(row_labels: list[str], col_labels: list[str], grid: list[list], where) -> _Cells:
    """Parse a grid of strings/numbers; ``where(i, j)`` describes a cell's position."""
    problems = []
    values = np.zeros((len(row_labels), len(col_labels)))
    for i, row in enumerate(grid):
        for j, raw in enumerate(row):
            value = raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else (
                _parse_number("" if raw is None else str(raw)))
            if value is None:
                problems.append(f"cell ({row_labels[i]}, {col_labels[j]}) at {where(i, j)} is not a number: {raw!r}")
                value = math.nan
            values[i, j] = value
    return _Cells(row_labels, col_labels, values, problems)


def _read_matrix_csv(path: Path) -> _Cells:
    rows, lines = _read_csv_rows(path)
    if not rows:
        raise SAMError(f"{path}: the file is empty")
    header = [c.strip() for c in rows[0][1:]]
    problems = [
        f"line {line} has {len(row)} fields, the header has {len(rows[0])}"
        for row, line in zip(rows[1:], lines[1:]) if len(row) != len(rows[0])
    ]
    if problems:
        raise problems_error(str(path), problems)
    labels = [row[0].strip() for row in rows[1:]]
    return _grid_cells(labels, header, [row[1:] for row in rows[1:]],
                       lambda i, j: f"line {lines[i + 1]}, field {j + 2}")


def _read_long_csv(path: Path, acc: pd.DataFrame) -> _Cells:
    rows, lines = _read_csv_rows(path)
    labels = list(acc.index)
    position = {lab: k for k, lab in enumerate(labels)}
    values = np.zeros((len(labels), len(labels)))
    problems, seen = [], {}
    for row, line in zip(rows[1:], lines[1:]):
        if len(row) != 3:
            problems.append(f"line {line} has {len(row)} fields, expected 3 (row,col,value)")
            continue
        r, c, raw = row[0].strip(), row[1].strip(), row[2]
        unknown = [lab for lab in (r, c) if lab not in position]
        if unknown:
            problems.append(f"line {line}: label {', '.join(map(repr, unknown))} is not in the accounts table")
            continue
        if (r, c) in seen:
            problems.append(f"line {line}: cell ({r}, {c}) already given on line {seen[r, c]}")
            continue
        seen[r, c] = line
        value = _parse_number(raw)
        if value is None:
            problems.append(f"cell ({r}, {c}) at line {line} is not a number: {raw!r}")
            value = math.nan
        values[position[r], position[c]] = value
    return _Cells(labels, labels, values, problems)


def _load_accounts(path: Path, accounts) -> tuple[pd.DataFrame, str]:
    """The accounts table (index label; columns kind, commodity) and the unit."""
    if isinstance(accounts, pd.DataFrame):
        table = accounts if "label" in accounts.columns else accounts.rename_axis("label").reset_index()
        return _accounts_frame(table, "the accounts table"), ""
    acc_path = Path(accounts) if accounts is not None else default_accounts_path(path)
    if not acc_path.exists():
        raise SAMError(f"{acc_path}: accounts file not found (needed for the kinds of the accounts in {path})")
    unit = ""
    with open(acc_path, encoding="utf-8-sig") as fh:
        for line in fh:
            if not line.lstrip().startswith("#"):
                break
            key, _, value = line.lstrip()[1:].partition(":")
            if key.strip().lower() == "unit":
                unit = value.strip()
    rows, _ = _read_csv_rows(acc_path)
    if not rows:
        raise SAMError(f"{acc_path}: the accounts file is empty")
    header = [c.strip() for c in rows[0]]
    body = [row + [""] * (len(header) - len(row)) for row in rows[1:]]
    table = pd.DataFrame([row[: len(header)] for row in body], columns=header, dtype=str)
    return _accounts_frame(table, str(acc_path)), unit


def _accounts_frame(table: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [c for c in ("label", "kind") if c not in table.columns]
    if missing:
        raise SAMError(f"{source}: the accounts table needs columns label,kind[,commodity]; missing {', '.join(missing)}")
    table = table.copy()
    if "commodity" not in table.columns:
        table["commodity"] = ""
    table = table[ACCOUNT_COLUMNS].fillna("").astype(str).apply(lambda s: s.str.strip())
    problems = []
    if (table["label"] == "").any():
        problems.append(f"{(table['label'] == '').sum()} row(s) of the accounts table have a blank label")
    dups = sorted(set(table["label"][table["label"].duplicated() & (table["label"] != "")]))
    if dups:
        problems.append(f"the accounts table lists these labels more than once: {', '.join(dups)}")
    if problems:
        raise problems_error(source, problems)
    return table.set_index("label")


def _assemble(path: Path, cells: _Cells, acc: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check labels (square, unique, non-blank, known) and build matrix and accounts."""
    problems = list(cells.problems)
    rows, cols = cells.row_labels, cells.col_labels
    for axis, labels in (("row", rows), ("column", cols)):
        blanks = [k + 1 for k, lab in enumerate(labels) if lab == ""]
        if blanks:
            problems.append(f"{axis} label(s) number {', '.join(map(str, blanks))} are blank")
        dups = sorted({lab for lab in labels if labels.count(lab) > 1 and lab != ""})
        if dups:
            problems.append(f"duplicate {axis} labels: {', '.join(dups)}")
    if len(rows) != len(cols):
        problems.append(f"the matrix is not square: {len(rows)} rows, {len(cols)} columns")
    if rows != cols:
        only_r = [lab for lab in rows if lab not in cols and lab]
        only_c = [lab for lab in cols if lab not in rows and lab]
        detail = "; ".join(filter(None, [
            f"rows only: {', '.join(only_r)}" if only_r else "",
            f"columns only: {', '.join(only_c)}" if only_c else "",
        ])) or "same labels in a different order"
        problems.append(f"row and column labels differ ({detail})")
    extra = [lab for lab in acc.index if lab not in rows]
    if extra:
        problems.append(f"the accounts table lists labels not in the matrix: {', '.join(extra)}")
    if problems:
        raise problems_error(str(path), problems)
    accounts = acc.reindex(rows).fillna("")
    matrix = pd.DataFrame(cells.values, index=rows, columns=cols)
    return matrix, accounts


def _read_xlsx(path: Path, accounts) -> tuple[_Cells, pd.DataFrame, str]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad workbook
        raise SAMError(f"{path}: cannot read Excel workbook: {exc}") from exc
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    book.close()
    needed = ["sam"] + (["accounts"] if accounts is None else [])
    missing = [s for s in needed if s not in sheets]
    if missing:
        raise SAMError(f"{path}: missing sheet(s) {', '.join(missing)} (have: {', '.join(sheets)})")

    def text(v):
        return "" if v is None else str(v).strip()

    grid = [r for r in sheets["sam"] if any(v is not None and text(v) != "" for v in r)]
    if not grid:
        raise SAMError(f"{path}: sheet 'sam' is empty")
    width = max(len(r) for r in grid)
    while width > 1 and all(len(r) < width or r[width - 1] is None for r in grid):
        width -= 1
    grid = [list(r[:width]) + [None] * (width - len(r)) for r in grid]
    header = [text(v) for v in grid[0][1:]]
    labels = [text(r[0]) for r in grid[1:]]
    cells = _grid_cells(labels, header, [r[1:] for r in grid[1:]],
                        lambda i, j: f"sheet sam, row {i + 2}, column {j + 2}")
    unit = ""
    if "meta" in sheets:
        for row in sheets["meta"]:
            if row and text(row[0]).lower() == "unit" and len(row) > 1:
                unit = text(row[1])
    if accounts is not None:
        acc, _ = _load_accounts(path, accounts)
    else:
        rows = [[text(v) for v in r] for r in sheets["accounts"] if any(text(v) for v in r)]
        if not rows:
            raise SAMError(f"{path}: sheet 'accounts' is empty")
        acc = _accounts_frame(pd.DataFrame(rows[1:], columns=rows[0]), f"{path} sheet accounts")
    return cells, acc, unit


# --- writing --------------------------------------------------------------
def write_sam(sam: SAM, path, format: str | None = None) -> None:
    """Write ``sam`` as ``matrix`` CSV, ``long`` CSV or ``xlsx`` (default: by suffix,
    ``.xlsx`` else matrix). CSV forms also write ``<stem>_accounts.csv``."""
    path = Path(path)
    fmt = format or ("xlsx" if path.suffix.lower() == ".xlsx" else "matrix")
    if fmt not in FORMATS:
        raise SAMError(f"unknown SAM format {fmt!r} (choose one of {', '.join(FORMATS)})")
    labels = sam.labels()
    values = sam.matrix.to_numpy()
    table = [[lab, sam.kind(lab), sam.accounts.at[lab, "commodity"]] for lab in labels]
    if fmt == "xlsx":
        _write_xlsx(sam, path, labels, values, table)
        return
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        if fmt == "matrix":
            out.writerow(["row"] + labels)
            out.writerows([lab] + [_text(v) for v in row] for lab, row in zip(labels, values))
        else:
            out.writerow(LONG_HEADER)
            out.writerows(
                [labels[i], labels[j], _text(values[i, j])] for i, j in zip(*np.nonzero(values))
            )
    with open(default_accounts_path(path), "w", newline="", encoding="utf-8") as fh:
        if sam.unit:
            fh.write(f"# unit: {sam.unit}\n")
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(ACCOUNT_COLUMNS)
        out.writerows(table)


def _text(value) -> str:
    """Exact text of a float: ``repr``, with +0.0 written as ``0``."""
    value = float(value)
    return "0" if value == 0 and not math.copysign(1.0, value) < 0 else repr(value)


def _write_xlsx(sam: SAM, path: Path, labels, values, table) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "sam"
    ws.append(["row"] + labels)
    for i, (lab, row) in enumerate(zip(labels, values), start=2):
        ws.cell(i, 1, lab)
        for j, v in enumerate(row, start=2):
            # openpyxl writes floats with "%.16g", which loses the last bit; a
            # numeric cell holding repr() text keeps all 17 digits.
            cell = ws.cell(i, j, repr(float(v)))
            cell.data_type = "n"
    acc = book.create_sheet("accounts")
    acc.append(ACCOUNT_COLUMNS)
    for row in table:
        acc.append([v or None for v in row])
    if sam.unit:
        book.create_sheet("meta").append(["unit", sam.unit])
    book.save(path)
