#!/usr/bin/env python3
"""Try to recover every withheld cell of a finished run from what it publishes (tests/cli.rs).

An attacker's knowledge, built here independently of ilms: each published count table's margins
(a total is the sum of its categories, along sex, classif1 and classif2), the same quantity shown in
several tables of one population (the margin "women, foreign-born" of the occupation table and of
the age table), and the classification versions that group one another (skill levels of ISCO major
groups, aggregate and youth/adult bands of 10-year bands, aggregate sectors of ISIC sections,
employees / self-employed of ICSE-93, aggregate levels of ISCED 2011). A withheld cell is
recoverable when its unit vector lies in the row space of those equations restricted to the withheld
cells (published values move to the right-hand side); checked with a singular value decomposition.

Fails if any withheld cell is recoverable, and also unless, with the secondary suppressions
published, some primary cell would be recoverable (so the check can fail).

    python3 tests/recover.py ROUND_DIR
"""
import sys
from collections import defaultdict

import duckdb
import numpy as np

POPULATION = [
    ("MST_TEMP_", "employed"), ("MST_TUNE_", "unemployed"), ("MST_TEAP_", "labour force"),
    ("MST_TEIP_", "outside the labour force"), ("MST_XWAP_", "working age"), ("MST_FORE_", "employed foreign-born"),
    ("MST_FORP_", "foreign-born working age"), ("MST_NCTE_", "employed non-citizens"),
    ("MST_NCTP_", "non-citizen working age"), ("MNA_OEMP_", "outflows"), ("MNA_XRET_", "returns"), ("MFL_TPOP_", "inflows"),
]


def groups():
    """Grouping versions: group code -> base codes."""
    g = {}
    for k, ms in {"L3-4": "123", "L2": "45678", "L1": "9", "X": ["0", "X"]}.items():
        g[f"OCU_SKILL_{k}"] = [f"OCU_ISCO08_{m}" for m in ms]
    for k, ms in {"AGR": "A", "MAN": "C", "CON": "F", "MEL": "BDE", "MKT": "GHIJKLMN", "PUB": "OPQRSTU", "X": "X"}.items():
        g[f"ECO_AGGREGATE_{k}"] = [f"ECO_ISIC4_{m}" for m in ms]
    for k, ms in {"AGR": "A", "IND": "BCDEF", "SER": "GHIJKLMNOPQRSTU", "X": "X"}.items():
        g[f"ECO_SECTOR_{k}"] = [f"ECO_ISIC4_{m}" for m in ms]
    for k, ms in {"EES": "1", "SLF": "2345", "X": "6"}.items():
        g[f"STE_AGGREGATE_{k}"] = [f"STE_ICSE93_{m}" for m in ms]
    for k, ms in {"LTB": ["X", "0"], "BAS": "12", "INT": "34", "ADV": "5678", "X": "9"}.items():
        g[f"EDU_AGGREGATE_{k}"] = [f"EDU_ISCED11_{m}" for m in ms]
    ten = lambda *bands: [f"AGE_10YRBANDS_{b}" for b in bands]
    g.update({"AGE_AGGREGATE_YLT15": ten("YLT15"), "AGE_AGGREGATE_Y15-24": ten("Y15-24"),
              "AGE_AGGREGATE_Y25-54": ten("Y25-34", "Y35-44", "Y45-54"), "AGE_AGGREGATE_Y55-64": ten("Y55-64"),
              "AGE_AGGREGATE_YGE65": ten("YGE65"), "AGE_YTHADULT_Y15-24": ten("Y15-24"),
              "AGE_YTHADULT_YGE25": ten("Y25-34", "Y35-44", "Y45-54", "Y55-64", "YGE65")})
    return g


GROUPS = groups()


def is_total(code):
    return code in ("SEX_T", "AGE_YTHADULT_YGE15") or code.endswith("_TOTAL")


def classification(code):
    return "SEX" if code.startswith("SEX_") else "_".join(code.split("_")[:2])


def population(indicator):
    return next(p for prefix, p in POPULATION if indicator.startswith(prefix))


def equations_of(rows):
    """Quantities (population, non-total codes) and the equations between them, for one source."""
    quantity = {}
    cells_of = defaultdict(list)  # table -> cell codes
    for r in rows:
        codes = [c for c in (r.sex, r.classif1, r.classif2) if c]
        key = (population(r.indicator), frozenset(c for c in codes if not is_total(c)))
        quantity[key] = r.obs_value  # NaN when withheld
        table = (r.indicator, tuple(classification(c) for c in codes))
        cells_of[table].append(tuple(codes))
    equations = set()
    for (indicator, _), cells in cells_of.items():
        pop = population(indicator)
        shown = set(cells)
        for cell in cells:
            for d, code in enumerate(cell):
                if not is_total(code):
                    continue
                # Margin along d: the total is the sum of the categories shown (others are empty).
                parts = [c for c in shown if all(c[i] == cell[i] for i in range(len(cell)) if i != d)
                         and not is_total(c[d]) and classification(c[d]) == classification(code)]
                if parts:
                    equations.add(tuple(sorted([(key_of(pop, cell), 1)] + [(key_of(pop, p), -1) for p in parts])))
            for d, code in enumerate(cell):
                if code in GROUPS:
                    members = [key_of(pop, cell[:d] + (m,) + cell[d + 1:]) for m in GROUPS[code]]
                    members = [m for m in members if m in quantity]  # a base category not shown is empty
                    equations.add(tuple(sorted([(key_of(pop, cell), 1)] + [(m, -1) for m in members])))
    return quantity, equations


def key_of(pop, codes):
    return (pop, frozenset(c for c in codes if not is_total(c)))


def recoverable(quantity, equations, unknown):
    """The unknown quantities the equations determine."""
    index = {q: i for i, q in enumerate(sorted(unknown, key=str))}
    rows = []
    for eq in equations:
        row = np.zeros(len(index))
        for q, k in eq:
            if q in index:
                row[index[q]] += k
        if row.any():
            rows.append(row)
    if not rows:
        return list(index)
    a = np.array(rows)
    _, s, vt = np.linalg.svd(a, full_matrices=True)
    rank = int((s > 1e-9 * max(1.0, s[0])).sum())
    null = vt[rank:]
    if null.shape[0] == 0:
        return list(index)
    determined = np.abs(null).max(axis=0) < 1e-9
    return [q for q, i in index.items() if determined[i]]


def main(root):
    cells = duckdb.execute(f"""
        select source, indicator, sex, classif1, classif2, obs_value, suppressed
        from read_parquet('{root}/processed/indicators/**/*.parquet', hive_partitioning = true)
        where unit = 'PS'""").df()
    withheld_total, exposed_if_published = 0, 0
    for source, rows in cells.groupby("source"):
        rows = rows.astype(object).where(rows.notna(), None)
        quantity, equations = equations_of(rows.itertuples())
        withheld = {k for k, v in quantity.items() if v is None}
        primary = {key_of(population(r.indicator), [c for c in (r.sex, r.classif1, r.classif2) if c])
                   for r in rows.itertuples() if r.suppressed == "primary"}
        withheld_total += len(withheld)
        by_population = defaultdict(set)
        for q in withheld:
            by_population[q[0]].add(q)
        for pop, unknown in by_population.items():
            eqs = [e for e in equations if e[0][0][0] == pop]
            found = recoverable(quantity, eqs, unknown)
            if found:
                print(f"recover FAILED: {source}, {pop}: {len(found)} withheld cells can be recovered, e.g. "
                      f"{sorted(found[0][1])}", file=sys.stderr)
                sys.exit(1)
            # Without the secondary suppressions, primaries would be given away.
            exposed_if_published += len(recoverable(quantity, eqs, unknown & primary))
    if withheld_total == 0:
        print("recover FAILED: no withheld cell to try", file=sys.stderr)
        sys.exit(1)
    if exposed_if_published == 0:
        print("recover FAILED: primary cells are safe even without secondary suppression: the check proves nothing",
              file=sys.stderr)
        sys.exit(1)
    print(f"recover ok: none of {withheld_total} withheld cells can be recovered from the published margins "
          f"(without the secondary suppressions, {exposed_if_published} could)")


if __name__ == "__main__":
    main(sys.argv[1])
