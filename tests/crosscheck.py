#!/usr/bin/env python3
"""Independent cross-check of a finished run (used by tests/cli.rs).

Recomputes every published indicator cell with DuckDB straight from the published harmonized
records, compares value and sample count exactly, and checks that totals equal the sum of their
parts. Weights are summed in millionths of a person as ilms does, so "exactly" means to the digit.

    python3 tests/crosscheck.py ROUND_DIR
"""
import json
import sys

import duckdb
import pandas as pd

SCALE = 1_000_000  # ilms sums weights in millionths of a person

# The indicators of the sample round, written out in SQL by hand (not read from indicators.toml).
INDICATORS = {
    "MST_TEMP_SEX_OCU_CBR_NB": ("'OCU_ISCO08_' || left(occupation, 1)", "OCU_ISCO08", "'CBR_BIR_' || birth_status", "CBR_BIR"),
    "MST_TEMP_SEX_OCU_CCT_NB": ("'OCU_ISCO08_' || left(occupation, 1)", "OCU_ISCO08", "'CCT_CIT_' || citizenship_status", "CCT_CIT"),
}


def fail(msg):
    print(f"crosscheck FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def main(root):
    con = duckdb.connect()
    cells = con.sql(f"select * from read_parquet('{root}/processed/indicators.parquet')").df()
    via_pandas = pd.read_parquet(f"{root}/processed/indicators.parquet")
    if len(via_pandas) != len(cells) or list(via_pandas.columns) != list(cells.columns):
        fail("pandas and DuckDB read the indicator Parquet differently")
    records = f"read_parquet('{root}/processed/harmonized/*.parquet', union_by_name = true)"
    columns = set(con.sql(f"select * from {records} limit 0").columns)
    # Aggregate sources publish `count` instead of `weight`, and no sample counts.
    persons = "coalesce(weight, count)" if "count" in columns else "weight"
    aggregate_sources = set() if "count" not in columns else {
        r[0] for r in con.execute(f"select distinct source_type || ':' || source_id from {records} where count is not null").fetchall()}
    log = json.load(open(f"{root}/processed/run_log.json"))
    # A source that lacks a variable an indicator needs publishes no cells for it ("not available").
    not_available = {(n["indicator"], n["source_id"]) for n in log["not_available"]}
    checked = 0
    for indicator, (c1, c1_class, c2, c2_class) in INDICATORS.items():
        skipped = [sid for (ind, sid) in not_available if ind == indicator]
        expected = con.sql(f"""
            with base as (
                select ref_area, time, source_type || ':' || source_id as source,
                       coalesce('SEX_' || sex, 'SEX_X') as sex,
                       coalesce({c1}, '{c1_class}_X') as c1,
                       coalesce({c2}, '{c2_class}_X') as c2,
                       cast(round({persons} * {SCALE}) as bigint) as w
                from {records}
                where working_age and lf_status = 'EMP'
                  and source_id not in ({", ".join(f"'{x}'" for x in skipped) or "''"})
            )
            select ref_area, time, source,
                   coalesce(sex, 'SEX_T') as sex,
                   coalesce(c1, '{c1_class}_TOTAL') as classif1,
                   coalesce(c2, '{c2_class}_TOTAL') as classif2,
                   sum(w) as w, count(*) as n
            from base
            group by ref_area, time, source, cube(sex, c1, c2)
        """).df()
        published = cells[cells.indicator == indicator]
        if published.empty:
            fail(f"{indicator}: no cells published")
        leaked = published[published.source.str.split(":").str[1].isin(skipped)]
        if not leaked.empty:
            fail(f"{indicator}: cells published for sources that cannot give it:\n{leaked.head()}")
        merged = published.merge(expected, on=["ref_area", "time", "source", "sex", "classif1", "classif2"], how="outer", indicator=True)
        missing = merged[merged._merge == "right_only"]
        if not missing.empty:
            fail(f"{indicator}: DuckDB finds cells ilms did not publish:\n{missing.head()}")
        merged["w"] = merged["w"].fillna(0).astype("int64")
        merged["n"] = merged["n"].fillna(0).astype("int64")
        value_off = merged[merged.obs_value != merged.w / (SCALE * 10 ** merged.unit_mult)]
        if not value_off.empty:
            fail(f"{indicator}: obs_value differs from DuckDB:\n{value_off[['sex','classif1','classif2','obs_value','w']].head()}")
        aggregate = merged.source.isin(aggregate_sources)
        if merged[aggregate].sample_count.notna().any():
            fail(f"{indicator}: an aggregate source's cells carry sample counts")
        count_off = merged[~aggregate & (merged.sample_count != merged.n)]
        if not count_off.empty:
            fail(f"{indicator}: sample_count differs from DuckDB:\n{count_off.head()}")
        checked += len(merged)

        # Totals equal the sum of their parts, in exact integer units.
        published = published.assign(units=(published.obs_value * SCALE * 10 ** published.unit_mult).round().astype("int64"))
        for total, part_col, keys in [
            ("SEX_T", "sex", ["ref_area", "time", "source", "classif1", "classif2"]),
            (f"{c1_class}_TOTAL", "classif1", ["ref_area", "time", "source", "sex", "classif2"]),
            (f"{c2_class}_TOTAL", "classif2", ["ref_area", "time", "source", "sex", "classif1"]),
        ]:
            totals = published[published[part_col] == total].set_index(keys)
            parts = published[published[part_col] != total].groupby(keys)[["units", "sample_count"]].sum()
            joined = totals[["units", "sample_count"]].merge(
                parts, left_index=True, right_index=True, how="outer", suffixes=("", "_parts")).fillna(0)
            bad = joined[(joined.units != joined.units_parts) | (joined.sample_count != joined.sample_count_parts)]
            if not bad.empty:
                fail(f"{indicator}: {total} differs from the sum of its parts:\n{bad.head()}")
            if len(totals) == 0:
                fail(f"{indicator}: no {total} cells")
    # Nothing lost: every raw record is either harmonized or quarantined.
    for source, raw in zip(log["sources"], log["provenance"]["inputs"]):
        if not raw["path"].endswith(".csv"):
            continue  # other formats are compared with their CSV twin by tests/formats.rs
        try:
            raw_rows = len(pd.read_csv(f"{root}/{raw['path']}", dtype=str, keep_default_na=False, sep=None,
                                       engine="python", encoding="utf-8-sig"))
        except UnicodeDecodeError:
            continue  # not UTF-8: same as above
        harmonized = con.execute(f"select count(*) from {records} where source_id = '{source['id']}'").fetchone()[0]
        quarantined = con.execute(f"select count(*) from read_parquet('{root}/processed/quarantine/{source['id']}.parquet')").fetchone()[0]
        if raw_rows != harmonized + quarantined or raw_rows != source["read"]:
            fail(f"{source['id']}: {raw_rows} raw rows but {harmonized} harmonized + {quarantined} quarantined (log says read {source['read']})")

    print(f"crosscheck ok: {checked} cells match DuckDB exactly; every total equals the sum of its parts")


if __name__ == "__main__":
    main(sys.argv[1])
