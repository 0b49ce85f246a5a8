"""``cge sam ...``: check, balance and aggregate SAM files.

* ``cge sam check FILE [--accounts A] [--tol T]``: table of account totals and
  imbalances, then VALID or every problem (exit 2).
* ``cge sam balance FILE --method ras|ce [--fix ROW,COL ...] --out OUT``:
  writes the balanced SAM in the input's format and prints the report.
* ``cge sam aggregate FILE MAP --out OUT``: merges accounts by a mapping CSV.
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from .aggregate import aggregate
from .balance import cross_entropy, ras
from .errors import SAMError
from .sam import SAM, detect_format, read_sam, write_sam


def register(subparsers) -> None:
    sam = subparsers.add_parser("sam", help="check, balance and aggregate SAM files")
    sub = sam.add_subparsers(dest="sam_command", metavar="SAM_COMMAND", required=True)

    check = sub.add_parser("check", help="show account totals and validate a SAM")
    _add_input(check)
    check.add_argument("--tol", type=float, default=1e-9, help="imbalance tolerance, relative to the SAM total")
    check.set_defaults(func=run_check)

    balance = sub.add_parser("balance", help="balance a SAM by RAS or cross entropy")
    _add_input(balance)
    balance.add_argument("--method", choices=("ras", "ce"), required=True)
    balance.add_argument("--fix", action="append", default=[], metavar="ROW,COL",
                         help="keep this cell at its value (repeatable)")
    balance.add_argument("--out", required=True, help="output SAM path (same format as the input)")
    balance.set_defaults(func=run_balance)

    agg = sub.add_parser("aggregate", help="merge accounts by a mapping CSV (label,new_label)")
    _add_input(agg)
    agg.add_argument("mapping", metavar="MAP")
    agg.add_argument("--out", required=True, help="output SAM path (same format as the input)")
    agg.set_defaults(func=run_aggregate)


def _add_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="SAM file: matrix CSV, long CSV or .xlsx")
    parser.add_argument("--accounts", help="accounts CSV (default: FILE's stem + _accounts.csv)")


def totals_table(sam: SAM) -> Table:
    table = Table(title=f"SAM {sam.name} ({sam.unit or 'unit unknown'})")
    for name in ("account", "kind", "row total", "column total", "imbalance"):
        table.add_column(name, justify="left" if name in ("account", "kind") else "right")
    rows, cols, gaps = sam.row_totals, sam.col_totals, sam.imbalances()
    for lab in sam.labels():
        table.add_row(lab, sam.kind(lab), f"{rows[lab]:,.6g}", f"{cols[lab]:,.6g}", f"{gaps[lab]:.3g}")
    table.caption = f"SAM total {sam.total:,.10g}"
    return table


def run_check(args) -> int:
    sam = read_sam(args.file, args.accounts)
    console = Console()
    console.print(totals_table(sam))
    sam.validate(tol=args.tol)
    console.print(f"[bold green]VALID[/]: {args.file}")
    return 0


def _fixed_cells(specs: list[str]) -> list[tuple[str, str]]:
    cells, bad = [], []
    for spec in specs:
        parts = [p.strip() for p in spec.split(",")]
        if len(parts) == 2 and all(parts):
            cells.append((parts[0], parts[1]))
        else:
            bad.append(f"--fix {spec!r} is not ROW,COL")
    if bad:
        raise SAMError("\n".join(bad))
    return cells


def run_balance(args) -> int:
    fixed = _fixed_cells(args.fix)
    sam = read_sam(args.file, args.accounts)
    result = (ras if args.method == "ras" else cross_entropy)(sam, fixed=fixed)
    print(result.report)
    if not result.report.converged:
        raise SAMError(f"{args.file}: balancing did not converge; nothing written")
    write_sam(result.sam, args.out, detect_format(args.file))
    print(f"wrote {args.out}")
    return 0


def run_aggregate(args) -> int:
    sam = read_sam(args.file, args.accounts)
    out = aggregate(sam, args.mapping)
    write_sam(out, args.out, detect_format(args.file))
    print(f"wrote {args.out}: {len(sam.labels())} -> {len(out.labels())} accounts, SAM total {out.total:,.10g}")
    return 0
