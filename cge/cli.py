"""The ``cge`` command line: one sub-command group per module.

Each command module exposes ``register(subparsers)`` that adds its parsers
and sets ``func`` on them; ``func(args)`` returns the process exit code.
Errors the user can fix (bad files, bad config, failed solves) are printed as
one clear message and exit with code 2; nothing else is caught.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import UserError

# Modules that add sub-commands, in the order they appear in --help.
COMMAND_MODULES = ("cge.run_cli", "cge.sweep_cli", "cge.sam_cli", "cge.doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cge",
        description="Urban-rural CGE model of China: SAMs, calibration, counterfactuals.",
    )
    parser.add_argument("--version", action="version", version=f"cge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
