#!/usr/bin/env python3
"""The attacker's audit of a finished run (tests/cli.rs): how far each withheld cell can be narrowed
from everything the run publishes.

An attacker's knowledge, built here independently of ilms: each published count table's margins
(a total is the sum of its categories, along sex, classif1 and classif2), the same quantity shown in
several tables of one population (the margin "women, foreign-born" of the occupation table and of
the age table), the migrant definition each country declares (its "migrants" are its non-citizens or its
foreign-born, their countries of origin their citizenship or birth), the classification versions that group one another (skill levels of ISCO major
groups, aggregate and youth/adult bands of 10-year bands, aggregate sectors of ISIC sections,
employees / self-employed of ICSE-93, aggregate levels of ISCED 2011), and that no count is
negative. For every withheld cell, linear programming (HiGHS, through scipy) gives the smallest and
largest value it can have given all that: the interval an attacker can narrow it to.

For each source whose disclosure policy has secondary suppression (run_log.json names the policy,
schemas/disclosure.toml gives its protection level P):
  - no withheld cell is determined (its interval has a width);
  - every primary cell's interval reaches v + P above and max(0, v - P) below, v its true value
    (from tests/crosscheck.py --truth, computed with DuckDB from the harmonized records);
  - and, so that the check can fail: with the secondary cells published, some primary cell would not
    be protected.
Sources without secondary suppression (sample surveys: estimates) are reported, not judged.

    python3 tests/recover.py ROUND_DIR TRUTH_PARQUET
"""
import json
import os
import sys
import tomllib
from collections import defaultdict

import duckdb
import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

POPULATION = [
    ("MST_TEMP_", "employed"), ("MST_TUNE_", "unemployed"), ("MST_TEAP_", "labour force"),
    ("MST_TEIP_", "outside the labour force"), ("MST_XWAP_", "working age"), ("MST_FORE_", "employed foreign-born"),
    ("MST_FORP_", "foreign-born working age"), ("MST_NCTE_", "employed non-citizens"),
    ("MST_NCTP_", "non-citizen working age"), ("MST_TPOP_", "resident population"), ("MNA_OEMP_", "outflows"), ("MNA_OPOP_", "outflows for every purpose"), ("MNA_XRET_", "returns"), ("MFL_TPOP_", "inflows"),
    ("MST_NCTT_", "resident non-citizens"), ("MFL_NCIT_", "working-age inflow non-citizens"), ("MFL_NEMP_", "inflow non-citizens"), ("MFL_XWAP_", "working-age migrant inflows"), ("MFL_TEMP_", "migrant inflows"),
]


# Populations that are the sum of two others (ILO's definitions), and populations that are another
# restricted to one category: a reader links their cells too.
SUMS = [("labour force", "employed", "unemployed"), ("working age", "labour force", "outside the labour force")]
SUBSETS = [("employed foreign-born", "employed", "CBR_BIR_FOREIGN"), ("foreign-born working age", "working age", "CBR_BIR_FOREIGN"),
           ("employed non-citizens", "employed", "CCT_CIT_NONCIT"), ("non-citizen working age", "working age", "CCT_CIT_NONCIT"),
           ("resident non-citizens", "resident population", "CCT_CIT_NONCIT"),
           ("resident foreign-born", "resident population", "CBR_BIR_FOREIGN")]


def links(quantity):
    """Equations between populations: a sum population's cell is the sum of its parts' cells with
    the same codes; a subset population's cell equals the full population's cell with the category."""
    equations = set()
    codes_of = defaultdict(set)
    for pop, codes in quantity:
        codes_of[pop].add(codes)
    for whole, a, b in SUMS:
        for codes in codes_of[whole] & codes_of[a] & codes_of[b]:
            equations.add(tuple(sorted([((whole, codes), 1), ((a, codes), -1), ((b, codes), -1)], key=str)))
    for part, full, category in SUBSETS:
        for codes in codes_of[part]:
            if (full, codes | {category}) in quantity:
                equations.add(tuple(sorted([((part, codes), 1), ((full, codes | {category}), -1)], key=str)))
    return equations


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


def equations_of(rows, value_column="obs_value"):
    """Quantities (population, non-total codes) and the equations between them, for one source."""
    quantity = {}
    cells_of = defaultdict(list)  # table -> cell codes
    for r in rows:
        codes = [c for c in (r.sex, r.classif1, r.classif2) if c]
        key = (r.population, frozenset(c for c in codes if not is_total(c)))
        quantity[key] = getattr(r, value_column)  # None when withheld
        table = (r.population, r.indicator, tuple(classification(c) for c in codes))
        cells_of[table].append(tuple(codes))
    equations = set()
    for (pop, _, _), cells in cells_of.items():
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


def interval_finder(equations, value, unknown):
    """A function giving the [min, max] of an unknown quantity over the solutions of the equations
    with every other quantity at its published value and every unknown one at 1 or more (a
    withheld cell is never empty: empty cells are published as 0)."""
    index = {q: i for i, q in enumerate(sorted(unknown, key=str))}
    rows, rhs = [], []
    for eq in equations:
        row = {index[q]: k for q, k in eq if q in index}
        if not row:
            continue
        rows.append(row)
        rhs.append(-sum(k * value[q] for q, k in eq if q not in index))
    a = lil_matrix((max(len(rows), 1), len(index)))
    for r, row in enumerate(rows):
        for i, k in row.items():
            a[r, i] += k
    a = a.tocsr()
    b = np.array(rhs if rows else [0.0])

    def interval(q):
        c = np.zeros(len(index))
        c[index[q]] = 1.0
        low = linprog(c, A_eq=a, b_eq=b, bounds=(1, None), method="highs")
        high = linprog(-c, A_eq=a, b_eq=b, bounds=(1, None), method="highs")
        if low.status != 0 or high.status not in (0, 3):
            raise SystemExit(f"recover FAILED: the linear program for {sorted(q[1])} did not solve: {low.message} / {high.message}")
        return low.fun, (np.inf if high.status == 3 else -high.fun)
    return interval


# A reader who knows a country's migrant definition (each cell's note says it) reads "migrants" as
# its non-citizens or its foreign-born: the same quantities.
AS_DEFINED = {"non_citizen": {"MIG_STATUS_MIGRANT": "CCT_CIT_NONCIT", "MIG_STATUS_NONMIG": "CCT_CIT_CITIZEN",
                              "MIG_STATUS_X": "CCT_CIT_X", "MIG_STATUS_TOTAL": "CCT_CIT_TOTAL"},
              "foreign_born": {"MIG_STATUS_MIGRANT": "CBR_BIR_FOREIGN", "MIG_STATUS_NONMIG": "CBR_BIR_NATIVE",
                               "MIG_STATUS_X": "CBR_BIR_X", "MIG_STATUS_TOTAL": "CBR_BIR_TOTAL"}}


# Migrants by country of origin: the non-citizens by citizenship, or the foreign-born by country of
# birth, employed or all residents.
ORIGIN_AS = {"non_citizen": ("CCT_CTZ_", {"MST_MEMP_COU_NB": "employed non-citizens", "MST_TPOP_COU_NB": "resident non-citizens"}),
             "foreign_born": ("CBR_BRT_", {"MST_MEMP_COU_NB": "employed foreign-born", "MST_TPOP_COU_NB": "resident foreign-born"})}


def as_defined(frame, migrants):
    """The frame with each MIG_STATUS code written as the code its country's definition means, and
    each row's population (a migrants-by-origin table's: its definition's, by citizenship or birth)."""
    frame = frame.copy()
    for field in ("classif1", "classif2"):
        frame[field] = [AS_DEFINED.get(migrants.get(area), {}).get(code, code)
                        for area, code in zip(frame.ref_area, frame[field])]
    populations, origins = [], []
    for area, indicator, code in zip(frame.ref_area, frame.indicator, frame.classif1):
        prefix, by_origin = ORIGIN_AS.get(migrants.get(area), ("", {}))
        if indicator in by_origin:
            populations.append(by_origin[indicator])
            origins.append(code.replace("COU_ORI_", prefix))
        elif indicator == "MNA_TPOP_SEX_CRS_NB":
            # Nationals abroad (mirror data): the destination's non-citizens of this citizenship.
            populations.append("resident non-citizens")
            origins.append(f"CCT_CTZ_{area}")
        else:
            populations.append(population(indicator))
            origins.append(code)
    frame["population"], frame["classif1"] = populations, origins
    return frame


def main(root, truth_path):
    cells = duckdb.execute(f"""
        select ref_area, source, indicator, sex, classif1, classif2, persons, obs_status, suppressed
        from read_parquet('{root}/processed/indicators/**/*.parquet', hive_partitioning = true)
        where unit = 'PS'""").df()
    truth = pd.read_parquet(truth_path)
    with open(f"{root}/ilms.toml", "rb") as f:
        migrants = tomllib.load(f).get("migrants", {})
    cells, truth = as_defined(cells, migrants), as_defined(truth, migrants)
    log = json.load(open(f"{root}/processed/run_log.json"))
    with open(f"{root}/schemas/disclosure.toml", "rb") as f:
        policies = tomllib.load(f)["policies"]
    policy_of = {s["id"]: policies[s["disclosure"]["policy"]] for s in log["sources"]}
    true_value, primary = {}, set()
    for r in truth.astype(object).where(truth.notna(), None).itertuples():
        q = key_of(r.population, [c for c in (r.sex, r.classif1, r.classif2) if c])
        true_value[(r.source, q)] = r.w / 1e6
        if r.primary:
            primary.add((r.source, q))
    protected = {s["id"] for s in log["sources"]
                 if policy_of[s["id"]]["secondary"] != "off" or "perturbation" in policy_of[s["id"]]}
    for source in protected:
        if os.path.exists(f"{root}/processed/harmonized/{source}.parquet") or \
                os.path.exists(f"{root}/processed/quarantine/{source}.parquet"):
            fail(f"{source}: the records of a protected source are in the release")
    leaked = duckdb.execute(f"select distinct source_id from '{root}/processed/coverage.parquet'").fetchall()
    if {r[0] for r in leaked} & protected:
        fail("coverage.parquet counts the records of a protected source")
    for s in log["sources"]:
        if s["id"] in protected and any(v.get("conversion") for v in s.get("coverage", [])):
            fail(f"{s['id']}: the run log counts a protected source's records per code")
    audited = narrowest = exposed_without_secondary = 0
    for source, rows in cells.groupby("source"):
        policy = policy_of[source.split(":")[1]]
        rows = rows.astype(object).where(rows.notna(), None)
        quantity, equations = equations_of(rows.itertuples(), "persons")
        withheld = {k for k, v in quantity.items() if v is None}
        if not withheld:
            continue
        if policy["secondary"] == "off":
            print(f"recover: {source}: {len(withheld)} withheld cells, policy without secondary suppression (not judged)")
            continue
        protection = policy["protection"]
        # One system per source: the populations are linked (labour force = employed + unemployed, ...).
        for pop, unknown in [(source, withheld)]:
            eqs = list(equations) + list(links(quantity))
            interval = interval_finder(eqs, quantity, unknown)
            for q in unknown:
                low, high = interval(q)
                audited += 1
                v = true_value[(source, q)]
                if high - low < 1e-6:
                    fail(f"{source}: withheld cell {sorted(q[1])} of {pop} is determined: {low}")
                if (source, q) in primary and not protected_interval(low, high, v, protection,
                                                                     lambda: floor(source, q, eqs, true_value)):
                    fail(f"{source}: primary cell {sorted(q[1])} of {pop} ({v:g} persons) narrowed to [{low:g}, {high:g}]"
                         f", less than +/- {protection}")
                narrowest = min(narrowest or np.inf, high - low)
            # Without the secondary cells, some primary cell would be exposed.
            small = {q for q in unknown if (source, q) in primary}
            known = {**quantity, **{q: true_value[(source, q)] for q in unknown - small}}
            interval = interval_finder(eqs, known, small)
            for q in small:
                low, high = interval(q)
                v = true_value[(source, q)]
                if not protected_interval(low, high, v, protection, lambda: floor(source, q, eqs, true_value)):
                    exposed_without_secondary += 1
    if audited == 0:
        fail("no withheld cell under secondary suppression to audit")
    if exposed_without_secondary == 0:
        fail("primary cells are protected even without secondary suppression: the check proves nothing")
    print(f"recover ok: {audited} withheld cells under secondary suppression audited by linear programming; none is "
          f"determined, every primary cell keeps its protection interval (narrowest width {narrowest:g} persons); "
          f"without the secondary cells {exposed_without_secondary} primary cells would not")


def protected_interval(low, high, v, protection, structural_floor):
    """The interval reaches v + P above and, below, v - P, or 1, or the least value the cell can
    hold whatever is withheld (withheld parts of it hold it up), whichever is highest."""
    if high < v + protection - 1e-6:
        return False
    if low <= max(1.0, v - protection) + 1e-6:
        return True
    return low <= max(structural_floor(), v - protection) + 1e-6


def floor(source, q, equations, true_value):
    """The least value of q for a reader who knows only the equations, which cells are empty (0)
    and that every other cell holds 1 or more: every non-empty quantity unknown."""
    positive = {k for (s, k), v in true_value.items() if s == source and v > 0}
    known = {k: 0.0 for (s, k), v in true_value.items() if s == source and v == 0}
    for eq in equations:
        for k, _ in eq:
            if k not in positive:
                known.setdefault(k, 0.0)
    return interval_finder(equations, known, positive)(q)[0]


def fail(message):
    print(f"recover FAILED: {message}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
