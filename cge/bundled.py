"""Locate the data bundled with the package (SAMs, calibration files, experiments).

In a checkout these are the top-level folders ``sam/``, ``calibration/`` and
``experiments/``; in an installed wheel they live at ``cge/data_<kind>/``.
"""

from __future__ import annotations

from pathlib import Path

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
