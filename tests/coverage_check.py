#!/usr/bin/env python3
"""Independent check of the mapping coverage report (used by tests/harmonize.rs).

Counts records and weighted persons per raw code of every coded column of the sample round's
Malaysian survey with DuckDB, straight from its CSV, and compares them with
processed/coverage.parquet: records exactly, weights to 1e-9 relative, no line left over.

    python3 tests/coverage_check.py ROUND_DIR
"""
import sys

import duckdb

root = sys.argv[1]
con = duckdb.connect()
raw = f"read_csv('{root}/raw/mys_lfs_2024.csv', all_varchar=true)"
report = con.execute(f"""select raw_column, raw_code, records, weighted
    from '{root}/processed/coverage.parquet' where source_id = 'MYS_LFS_2024'""").fetchall()
assert report, "no coverage lines for MYS_LFS_2024"
columns = sorted({r[0] for r in report})
assert len(columns) >= 4, columns
got = {(c, code): (n, w) for c, code, n, w in report}
for column in columns:
    for code, n, w in con.execute(f"""select coalesce("{column}", ''), count(*),
            sum(try_cast(PEMBERAT as double)) from {raw} group by 1""").fetchall():
        rn, rw = got.pop((column, code))
        assert rn == n, (column, code, rn, n)
        assert abs(rw - w) <= 1e-9 * abs(w), (column, code, rw, w)
assert not got, f"coverage lines with no raw records: {got}"
print("coverage ok")
