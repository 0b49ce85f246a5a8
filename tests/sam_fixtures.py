"""SAMs for tests, in the model.md 1b layout (rows receive, columns pay).

Hand-made SAMs are built from payment cycles: a cycle ``[k1, k2, ..., k1]``
of value v adds v to the cells (k2, k1), (k3, k2), ... so every account on it
receives and pays v. A sum of cycles is balanced by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cge.sam import ALLOWED_CELLS, NONNEGATIVE_CELLS, SAM


def sam_from_cells(accounts, cells, unit="", name="test") -> SAM:
    """SAM from ``accounts`` [(label, kind, commodity)] and ``cells`` {(row, col): value}."""
    labels = [a[0] for a in accounts]
    matrix = pd.DataFrame(0.0, index=labels, columns=labels)
    for (r, c), v in cells.items():
        matrix.loc[r, c] += v
    acc = pd.DataFrame({"kind": [a[1] for a in accounts], "commodity": [a[2] for a in accounts]}, index=labels)
    return SAM(matrix, acc, unit=unit, name=name)


def cycles_to_cells(cycles) -> dict:
    """{(row, col): value} from [(path, value)], path = [payer, receiver, ..., payer]."""
    cells: dict = {}
    for path, v in cycles:
        for payer, receiver in zip(path, path[1:]):
            cells[receiver, payer] = cells.get((receiver, payer), 0.0) + v
    return cells


TOY_ACCOUNTS = [
    ("a_agr", "act", "c_agr"), ("a_nag", "act", "c_nag"),
    ("c_agr", "com", ""), ("c_nag", "com", ""),
    ("lab", "fac", ""), ("cap", "fac", ""), ("lnd", "fac", ""),
    ("hh", "hh", ""), ("gov", "gov", ""), ("tdir", "tdir", ""), ("tcom", "tcom", ""),
    ("sav", "sav", ""), ("row", "row", ""),
]

TOY_CELLS = {
    ("c_agr", "a_agr"): 20, ("c_nag", "a_agr"): 15, ("lab", "a_agr"): 30, ("cap", "a_agr"): 10, ("lnd", "a_agr"): 25,
    ("c_agr", "a_nag"): 15, ("c_nag", "a_nag"): 85, ("lab", "a_nag"): 60, ("cap", "a_nag"): 40,
    ("a_agr", "c_agr"): 100, ("row", "c_agr"): 10, ("tcom", "c_agr"): 2,
    ("a_nag", "c_nag"): 200, ("row", "c_nag"): 40, ("tcom", "c_nag"): 8,
    ("hh", "lab"): 90, ("hh", "cap"): 40, ("gov", "cap"): 10, ("hh", "lnd"): 25,
    ("c_agr", "hh"): 50, ("c_nag", "hh"): 70, ("tdir", "hh"): 10, ("sav", "hh"): 30,
    ("hh", "gov"): 5, ("c_nag", "gov"): 20, ("sav", "gov"): 5,
    ("gov", "tdir"): 10, ("gov", "tcom"): 10,
    ("c_agr", "sav"): 2, ("c_nag", "sav"): 38,
    ("c_agr", "row"): 25, ("c_nag", "row"): 20, ("sav", "row"): 5,
}


def toy_sam() -> SAM:
    """Balanced SAM: 2 act, 2 com, 3 factors, 1 hh, gov, tdir, tcom, sav, row (total 1125)."""
    return sam_from_cells(TOY_ACCOUNTS, TOY_CELLS, unit="100 million yuan", name="toy")


FULL_ACCOUNTS = [
    ("a_agr", "act", "c_agr"), ("a_nag", "act", "c_nag"),
    ("c_agr", "com", ""), ("c_nag", "com", ""),
    ("lab", "fac", ""), ("cap", "fac", ""), ("lnd", "fac", ""),
    ("rur", "hh", ""), ("urb", "hh", ""), ("ent", "ent", ""), ("gov", "gov", ""),
    ("wdg", "wdg", ""), ("tdir", "tdir", ""), ("tcom", "tcom", ""), ("timp", "timp", ""),
    ("tact", "tact", ""), ("sav", "sav", ""), ("row", "row", ""),
]

FULL_CYCLES = [
    (["a_agr", "lab", "rur", "c_agr", "a_agr"], 30),
    (["a_agr", "lnd", "rur", "c_agr", "a_agr"], 20),
    (["a_agr", "c_agr", "a_agr"], 15),
    (["a_nag", "c_nag", "a_nag"], 60),
    (["a_nag", "c_agr", "a_agr", "lab", "urb", "c_nag", "a_nag"], 10),
    (["a_nag", "lab", "urb", "c_nag", "a_nag"], 50),
    (["a_nag", "cap", "ent", "urb", "c_nag", "a_nag"], 30),
    (["a_nag", "cap", "ent", "tdir", "gov", "c_nag", "a_nag"], 5),
    (["a_nag", "cap", "ent", "sav", "c_nag", "a_nag"], 10),
    (["a_nag", "tact", "gov", "rur", "c_agr", "a_agr", "cap", "rur", "sav", "c_nag", "a_nag"], 3),
    (["rur", "tdir", "gov", "sav", "c_nag", "a_nag", "lab", "rur"], 4),
    (["c_nag", "row", "c_nag"], 25),
    (["c_agr", "timp", "gov", "c_agr"], 4),
    (["c_nag", "tcom", "gov", "urb", "c_nag"], 6),
    (["row", "sav", "c_nag", "row"], 5),
    (["row", "rur", "c_agr", "row"], 3),
    (["a_nag", "cap", "row", "c_nag", "a_nag"], 4),
    (["a_agr", "wdg", "gov", "c_agr", "a_agr"], -2),   # capital subsidy in agriculture
    (["a_nag", "wdg", "gov", "c_nag", "a_nag"], 3),    # hukou wedge
    (["gov", "ent", "tdir", "gov"], -1),               # a negative transfer
    (["urb", "tdir", "gov", "c_nag", "a_nag", "lab", "urb"], 6),
    (["urb", "rur", "c_agr", "a_agr", "lab", "urb"], 2),
    (["urb", "sav", "c_nag", "a_nag", "lab", "urb"], 8),
]


def full_sam() -> SAM:
    """Balanced SAM with every account kind, two households, an enterprise and
    negative cells (a wedge subsidy, a negative transfer)."""
    return sam_from_cells(FULL_ACCOUNTS, cycles_to_cells(FULL_CYCLES), unit="100 million yuan", name="full")


def structure(n_act: int, n_fac: int, n_hh: int, ent: bool) -> list[tuple[str, str, str]]:
    """Accounts of a SAM with every single-member kind plus the given counts."""
    acts = [(f"a{k}", "act", f"c{k}") for k in range(n_act)]
    coms = [(f"c{k}", "com", "") for k in range(n_act)]
    facs = [(f"f{k}", "fac", "") for k in range(n_fac)]
    hhs = [(f"h{k}", "hh", "") for k in range(n_hh)]
    single = ["gov", "wdg", "tdir", "tcom", "timp", "tact", "sav", "row"] + (["ent"] if ent else [])
    return acts + coms + facs + hhs + [(k, k, "") for k in single]


def _payments(accounts, signed_only: bool) -> dict[str, list[str]]:
    """payer -> receivers along allowed cells (activities sell only their commodity)."""
    kind = {a[0]: a[1] for a in accounts}
    maker = {a[2]: a[0] for a in accounts if a[1] == "act"}
    edges: dict[str, list[str]] = {}
    for payer in kind:
        for receiver in kind:
            pair = (kind[receiver], kind[payer])
            if pair not in ALLOWED_CELLS or (pair == ("act", "com") and maker[payer] != receiver):
                continue
            if signed_only and pair in NONNEGATIVE_CELLS:
                continue
            edges.setdefault(payer, []).append(receiver)
    return edges


def _random_cycle(rng: np.random.Generator, edges: dict[str, list[str]]) -> list[str] | None:
    start = list(edges)[rng.integers(len(edges))]
    path = [start]
    while True:
        options = edges.get(path[-1])
        if not options:
            return None
        nxt = options[rng.integers(len(options))]
        if nxt in path:
            return path[path.index(nxt):] + [nxt]
        path.append(nxt)


def random_balanced_sam(seed: int, n_act=2, n_fac=3, n_hh=2, ent=True, n_cycles=40, n_signed=6) -> SAM:
    """Random SAM, balanced by construction: positive flows around random
    payment cycles, plus cycles of either sign through cells that may be negative."""
    rng = np.random.default_rng(seed)
    accounts = structure(n_act, n_fac, n_hh, ent)
    cycles = []
    for edges, count, signed in ((_payments(accounts, False), n_cycles, False),
                                 (_payments(accounts, True), n_signed, True)):
        while count:
            path = _random_cycle(rng, edges)
            if path is None:
                continue
            value = float(rng.uniform(1.0, 100.0))
            cycles.append((path, -value / 10 if signed and rng.random() < 0.5 else value))
            count -= 1
    return sam_from_cells(accounts, cycles_to_cells(cycles), name=f"random{seed}")


def perturb(sam: SAM, seed: int, scale: float = 0.1) -> SAM:
    """Each nonzero cell times (1 + u), u uniform in (-scale, scale): signs and zeros kept."""
    rng = np.random.default_rng(seed)
    out = sam.copy()
    values = out.matrix.to_numpy()
    out.matrix.loc[:, :] = values * (1.0 + rng.uniform(-scale, scale, size=values.shape))
    return out
