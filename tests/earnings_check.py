"""Check the published means and medians of monthly earnings (MST_EARA_*, MST_EARB_*) against an
independent computation from the harmonized records: DuckDB selects each cell's records (margins
included), numpy computes the weighted mean and the weighted median, and the flags follow the
source's disclosure policy as schemas/disclosure.toml states it (fewer than `withheld_below`
records, or the p% rule on the records' amounts: withheld; fewer than `unreliable_below`:
unreliable). Also checks the amounts against the raw files: a weekly amount made monthly by 52/12.

Weighted median: the smallest amount at or below which at least half the summed weight lies.

Usage: python3 tests/earnings_check.py <round folder> [--dominated] (after `ilms run`; with
--dominated it also fails unless some cell is withheld by the p% rule alone); prints "earnings ok".
"""
import sys
import tomllib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from crosscheck import D, DEFINITIONS, migrant_code, records_sql  # noqa: E402

ROOT = Path(sys.argv[1])  # options after it: --dominated
EMPLOYED = "working_age and lf_status = 'EMP'"
EMPLOYEES = EMPLOYED + " and status_in_employment = '1'"
# Indicator: (universe, breakdown's code SQL, measure). {MIG} is the country's definition.
TABLES = {
    "MST_EARA_SEX_CBR_NB": (EMPLOYEES, "CBR", "mean"),
    "MST_EARA_SEX_CCT_NB": (EMPLOYEES, "CCT", "mean"),
    "MST_EARA_SEX_MIG_NB": (EMPLOYED, "MIG", "mean"),
    "MST_EARB_SEX_CBR_NB": (EMPLOYEES, "CBR", "median"),
    "MST_EARB_SEX_CCT_NB": (EMPLOYEES, "CCT", "median"),
    "MST_EARB_SEX_MIG_NB": (EMPLOYED, "MIG", "median"),
}
BREAKDOWN_INPUT = {"CBR": "country_of_birth", "CCT": "citizenship"}


def fail(message):
    print(f"earnings check FAILED: {message}")
    sys.exit(1)


def weighted_median(values, weights):
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return values[order][np.searchsorted(cumulative, cumulative[-1] / 2)]


def dominated(values, p):
    ordered = np.sort(values)[::-1]
    rest = ordered.sum() - ordered[0] - (ordered[1] if len(ordered) > 1 else 0)
    return p > 0 and ordered[0] > 0 and rest < p / 100 * ordered[0]


def expected_flag(values, policy):
    n = len(values)
    if 0 < n < policy.get("withheld_below", 0) or dominated(values, policy.get("dominance_p", 0)):
        return "S"
    if 0 < n < policy.get("unreliable_below", 0):
        return "U"
    return None


def specs(root):
    with open(root / "ilms.toml", "rb") as f:
        manifest = tomllib.load(f)
    out = {}
    for path in manifest["round"]["sources"]:
        with open(root / path, "rb") as f:
            spec = tomllib.load(f)
        out[spec["source"]["id"]] = spec
    return manifest, out


def policy_of(spec, disclosure):
    kind = spec["source"]["kind"]
    weighted = "weight" in spec.get("record", {})
    default = disclosure["defaults"]["aggregate" if kind == "aggregate" else ("sample_survey" if weighted else "complete_count")]
    return disclosure["policies"][spec["source"].get("disclosure", default)]


def check_raw_amounts(con, records, specs_by_id):
    """Each source's harmonized amount is its raw amount times the period's factor."""
    checked = 0
    for source_id, spec in specs_by_id.items():
        earnings = spec.get("variables", {}).get("earnings")
        if not earnings:
            continue
        factor = earnings.get("to_monthly", {"month": 1, "week": 52 / 12, "year": 1 / 12}.get(earnings["period"]))
        rows = con.execute(f"""select earnings, try_cast(earnings_src as double) from {records}
                               where source_id = '{source_id}' and earnings is not null""").fetchall()
        off = [r for r in rows if abs(r[0] - r[1] * factor) > 1e-6 * max(1, abs(r[0]))]
        if off or not rows:
            fail(f"{source_id}: {len(off)} of {len(rows)} amounts are not the raw amount x {factor}")
        # A raw amount left out must be blank, no number, negative, or 100 million or more.
        dropped = con.execute(f"""select earnings_src from {records}
                                  where source_id = '{source_id}' and earnings is null
                                    and trim(coalesce(cast(earnings_src as varchar), '')) <> ''
                                    and try_cast(earnings_src as double) between 0 and 99999999.999""").fetchall()
        if dropped:
            fail(f"{source_id}: valid amounts left out as not stated: {dropped[:3]}")
        checked += len(rows)
    return checked


def main():
    manifest, specs_by_id = specs(ROOT)
    with open(ROOT / "schemas/disclosure.toml", "rb") as f:
        disclosure = tomllib.load(f)
    con = duckdb.connect()
    records = records_sql(str(ROOT))
    amounts = check_raw_amounts(con, records, specs_by_id)
    cells = con.execute(f"""select indicator, source, sex, classif1, obs_value, obs_status, sample_count, unit,
                                   unit_mult, note_indicator
                            from read_parquet('{ROOT}/processed/indicators/**/*.parquet', hive_partitioning = true)
                            where indicator like 'MST_EAR%'""").df()
    if cells.empty:
        fail("no earnings cells published")
    if set(cells.unit) != {"LC"} or set(cells.unit_mult) != {0}:
        fail(f"earnings cells in units {set(cells.unit)} x 10^{set(cells.unit_mult)}, not LC x 1")
    mig = migrant_code(manifest.get("migrants", {}))
    checked = dominated_cells = 0
    for indicator, (universe, breakdown, measure) in TABLES.items():
        code = mig if breakdown == "MIG" else D[breakdown]
        frame = con.execute(f"""select source_type || ':' || source_id as source, source_id,
                                       {D['SEX']} as sex, {code} as classif1, earnings, weight
                                from {records}
                                where {universe} and earnings is not null and ({code}) is not null""").df()
        published = cells[cells.indicator == indicator]
        expected_sources = set()
        for source, records_of in frame.groupby("source"):
            spec = specs_by_id[records_of.source_id.iloc[0]]
            input_column = BREAKDOWN_INPUT.get(breakdown)
            if input_column and input_column not in spec.get("variables", {}):
                continue  # the source does not give the breakdown: not available
            expected_sources.add(source)
            policy = policy_of(spec, disclosure)
            shown = published[published.source == source].set_index(["sex", "classif1"])
            if shown.empty:
                fail(f"{indicator}: {source} states earnings but publishes no cell")
            total = {"sex": "SEX_T", "classif1": records_of.classif1.iloc[0].rsplit("_", 1)[0] + "_TOTAL"}
            margins = [(s, c) for s in (None, "sex") for c in (None, "classif1")]
            for by_sex, by_class in margins:
                keys = [k for k in (by_sex, by_class) if k]
                groups = records_of.groupby(keys) if keys else [((), records_of)]
                for key, group in groups:
                    key = key if isinstance(key, tuple) else (key,)
                    named = dict(zip(keys, key))
                    cell = (named.get("sex", total["sex"]), named.get("classif1", total["classif1"]))
                    if cell not in shown.index:
                        fail(f"{indicator} {source} {cell}: DuckDB finds {len(group)} records, ilms publishes no cell")
                    row = shown.loc[cell]
                    values, weights = group.earnings.to_numpy(), group.weight.to_numpy()
                    value = (values * weights).sum() / weights.sum() if measure == "mean" else weighted_median(values, weights)
                    flag = expected_flag(values, policy)
                    dominated_cells += len(values) >= policy.get("withheld_below", 0) and dominated(values, policy.get("dominance_p", 0))
                    status = None if pd.isna(row.obs_status) else row.obs_status
                    if status != flag:
                        fail(f"{indicator} {source} {cell}: flag {status}, expected {flag} ({len(values)} records)")
                    if flag == "S":
                        if not pd.isna(row.obs_value):
                            fail(f"{indicator} {source} {cell}: a withheld cell shows a value")
                    elif abs(row.obs_value - value) > 0.0051 or row.sample_count != len(values):
                        fail(f"{indicator} {source} {cell}: {row.obs_value} from {row.sample_count} records, "
                             f"expected {value:.4f} from {len(values)}")
                    checked += 1
            for cell, row in shown.iterrows():
                known = records_of
                if cell[0] != "SEX_T":
                    known = known[known.sex == cell[0]]
                if not cell[1].endswith("_TOTAL"):
                    known = known[known.classif1 == cell[1]]
                if known.empty and (row.obs_status != "O" or not pd.isna(row.obs_value)):
                    fail(f"{indicator} {source} {cell}: no record states earnings, yet the cell is not 'not available'")
        unexpected = set(published.source) - expected_sources
        if unexpected:
            fail(f"{indicator}: published for {sorted(unexpected)}, which give no earnings of its records")
    if "--dominated" in sys.argv and not dominated_cells:
        fail("no cell is withheld by the p% rule: the check would prove nothing")
    print(f"earnings ok: {checked} cells of means and medians equal numpy's from DuckDB's records "
          f"(flags by each source's policy; {dominated_cells} withheld by the p% rule alone), "
          f"{amounts} amounts equal their raw amounts made monthly")


if __name__ == "__main__":
    main()
