"""Locate the data bundled with the package (SAMs, calibration files, experiments).

In a checkout these are the top-level folders ``sam/``, ``calibration/`` and
``experiments/``; in an installed wheel they live at ``cge/data_<kind>/``.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Callable

from .errors import ConfigError

KINDS = ("sam", "calibration", "experiments")


def folder(kind: str) -> Path:
    """The folder holding bundled files of ``kind`` (one of :data:`KINDS`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown bundled data kind {kind!r}; valid: {', '.join(KINDS)}")
    top = Path(__file__).resolve().parent.parent
    if (top / "pyproject.toml").is_file() and (top / kind).is_dir():   # a checkout
        return top / kind
    return Path(__file__).resolve().parent / f"data_{kind}"   # installed: cge/data_<kind>/


def path(kind: str, name: str) -> Path:
    """Path of bundled file ``name`` of ``kind``; an error lists what exists."""
    p = folder(kind) / name
    if not p.exists():
        have = sorted(q.name for q in folder(kind).iterdir() if not q.name.startswith(("_", ".")))
        raise ConfigError(f"no bundled {kind} file {name!r}; bundled: {', '.join(have)}")
    return p


def load_toml(source: str | Path, kind: str, what: str) -> tuple[dict, Path]:
    """Read a TOML file given as a path, or as the name of a bundled file of ``kind``."""
    p = Path(source)
    if not p.suffix and not p.exists():
        p = path(kind, f"{source}.toml")
    if not p.exists():
        raise ConfigError(f"{what} file not found: {p}")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8")), p.resolve()
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None


def build_main(outputs: Callable[[], dict[Path, str]], description: str, argv: list[str] | None = None) -> int:
    """Command line of the data build scripts in sam/: write every file ``outputs()`` makes,
    or with ``--check`` rebuild in memory and exit 1 if a shipped file differs."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--check", action="store_true", help="rebuild in memory; exit 1 if a shipped file differs")
    args = ap.parse_args(argv)
    files = outputs()
    root = Path(__file__).resolve().parent.parent
    if args.check:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"differs from the build: {p.relative_to(root)}", file=sys.stderr)
        return 1 if stale else 0
    for p, text in files.items():
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p.relative_to(root)}")
    return 0
