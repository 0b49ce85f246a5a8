"""Aggregating a SAM: merge accounts into fewer, larger ones.

``S'(R, C) = sum of S(r, c) over r in R, c in C``, so every transaction is
kept: the SAM total is unchanged and a balanced SAM stays balanced. Accounts
merged together must have the same kind; an aggregate activity makes the
aggregate of its members' commodities, which must be one account.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import SAMError
from .sam import SAM, problems_error


def read_mapping(path) -> pd.DataFrame:
    """Mapping CSV with columns ``label,new_label`` and optional ``kind``,
    ``commodity`` (stating the new account's kind / commodity)."""
    path = Path(path)
    if not path.exists():
        raise SAMError(f"{path}: mapping file not found")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SAMError(f"{path}: cannot read mapping CSV: {exc}") from exc
    table.columns = [c.strip() for c in table.columns]
    missing = [c for c in ("label", "new_label") if c not in table.columns]
    if missing:
        raise SAMError(f"{path}: the mapping needs columns label,new_label[,kind,commodity]; missing {', '.join(missing)}")
    return table.apply(lambda s: s.str.strip())


def _mapping_table(mapping) -> pd.DataFrame:
    if isinstance(mapping, dict):
        return pd.DataFrame({"label": list(mapping), "new_label": [str(v) for v in mapping.values()]})
    if isinstance(mapping, pd.DataFrame):
        return mapping
    return read_mapping(mapping)


def aggregate(sam: SAM, mapping) -> SAM:
    """Merge accounts by ``mapping`` (dict label -> new label, a DataFrame or a
    CSV path, see :func:`read_mapping`); unmapped labels keep their own."""
    table = _mapping_table(mapping)
    labels = sam.labels()
    problems = [f"mapping names unknown account {lab!r}" for lab in table["label"] if lab not in labels]
    problems += [f"mapping lists {lab!r} more than once" for lab in sorted(set(table["label"][table["label"].duplicated()]))]
    problems += [f"mapping gives {lab!r} a blank new label" for lab, new in zip(table["label"], table["new_label"]) if not new]
    if problems:
        raise problems_error(f"{sam.name or 'SAM'}: cannot aggregate", problems)
    new_of = {lab: lab for lab in labels} | dict(zip(table["label"], table["new_label"]))
    stated = {col: {new: v for new, v in zip(table["new_label"], table[col]) if v}
              for col in ("kind", "commodity") if col in table.columns}

    groups: dict[str, list[str]] = {}
    for lab in labels:
        groups.setdefault(new_of[lab], []).append(lab)
    kinds, commodities = {}, {}
    for new, members in groups.items():
        member_kinds = sorted({sam.kind(m) for m in members})
        if len(member_kinds) > 1:
            problems.append(f"{new!r} would merge accounts of different kinds: "
                            + ", ".join(f"{m} ({sam.kind(m)})" for m in members))
        kinds[new] = member_kinds[0]
        made = sorted({new_of[sam.commodity_of(m)] for m in members
                       if sam.kind(m) == "act" and sam.commodity_of(m) in new_of})
        if len(made) > 1:
            problems.append(f"activity {new!r} would make several commodities ({', '.join(made)}); "
                            "merge those commodities too")
        commodities[new] = made[0] if made else ""
        for col, own in (("kind", kinds), ("commodity", commodities)):
            given = stated.get(col, {}).get(new)
            if given is not None and given != own[new]:
                problems.append(f"mapping states {col} {given!r} for {new!r}, but its members give {own[new]!r}")
    if problems:
        raise problems_error(f"{sam.name or 'SAM'}: cannot aggregate", problems)

    new_labels = list(groups)
    grouped = sam.matrix.groupby(lambda r: new_of[r], sort=False).sum()
    grouped = grouped.T.groupby(lambda c: new_of[c], sort=False).sum().T
    matrix = grouped.reindex(index=new_labels, columns=new_labels)
    accounts = pd.DataFrame({"kind": [kinds[n] for n in new_labels],
                             "commodity": [commodities[n] for n in new_labels]}, index=new_labels)
    return SAM(matrix, accounts, unit=sam.unit, name=sam.name)
