"""Reference answers for `ilms query`: DuckDB over the same published Parquet files.

Usage: python3 tests/query_check.py PROCESSED_DIR
Prints JSON: a list of {"sql": ..., "rows": [...]} where `sql` is written for `ilms query` (tables
indicators, records, quarantine, coverage, validation) and `rows` is DuckDB's answer over views
of the same names. For each table: COUNT(*) alone, then COUNT, SUM, AVG, MIN and MAX of a numeric
column and of a text column, and COUNT(*) grouped by a text column. Columns are chosen from each
table's schema, so every table is covered whatever its columns.
"""
import json
import os
import sys

import duckdb

processed = sys.argv[1]
con = duckdb.connect()
views = {
    "indicators": f"read_parquet('{processed}/indicators/**/*.parquet', hive_partitioning = true, "
    "hive_types = {'ref_area': VARCHAR, 'time': VARCHAR})",
    "records": f"read_parquet('{processed}/harmonized/*.parquet', union_by_name = true)",
    "quarantine": f"read_parquet('{processed}/quarantine/*.parquet', union_by_name = true)",
    "coverage": f"read_parquet('{processed}/coverage.parquet')",
    "validation": f"read_parquet('{processed}/validation.parquet')",
}
NUMERIC = ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "UBIGINT", "UINTEGER", "SMALLINT", "HUGEINT")
queries = []
for table, source in views.items():
    con.execute(f"create view {table} as select * from {source}")
    schema = con.execute(f"describe {table}").fetchall()
    numeric = [name for name, kind, *_ in schema if kind in NUMERIC]
    text = [name for name, kind, *_ in schema if kind == "VARCHAR"]
    assert numeric and text, (table, schema)
    n, t = f'"{numeric[0]}"', f'"{text[0]}"'
    queries += [
        f"SELECT COUNT(*) AS n FROM {table}",
        f"SELECT COUNT({n}) AS c, SUM({n}) AS s, AVG({n}) AS a, MIN({n}) AS lo, MAX({n}) AS hi FROM {table}",
        f"SELECT COUNT({t}) AS c, MIN({t}) AS lo, MAX({t}) AS hi FROM {table}",
        f"SELECT {t} AS k, COUNT(*) AS n, SUM({n}) AS s FROM {table} GROUP BY {t}",
    ]
out = []
for sql in queries:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, [float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, int) else v for v in r]))
            for r in cursor.fetchall()]
    out.append({"sql": sql, "rows": rows})
json.dump(out, sys.stdout, default=str)
