"""The diff `ilms diff --out` wrote equals DuckDB's full join of the two newest releases' cells,
cell for cell: the same cells, change kinds, old and new values and statuses; and every kind of
change occurs.

    python3 tests/diff_check.py ROUND/releases DIFF_FOLDER
"""
import os
import sys

import duckdb

releases, written = sys.argv[1], sys.argv[2]
old, new = sorted(d for d in os.listdir(releases) if d[:1].isdigit())[-2:]
cells = lambda r: f"read_parquet('{releases}/{r}/processed/indicators/*/*/*.parquet', hive_partitioning=true, hive_types={{'ref_area': VARCHAR, 'time': VARCHAR}})"
expected = duckdb.sql(f"""
  select coalesce(o.ref_area, n.ref_area) ref_area, coalesce(o.source, n.source) source,
         coalesce(o.indicator, n.indicator) indicator, coalesce(o.sex, n.sex) sex,
         coalesce(o.classif1, n.classif1) classif1, coalesce(o.classif2, n.classif2) classif2,
         coalesce(o.time, n.time) time,
         case when o.indicator is null then 'added' when n.indicator is null then 'removed'
              when o.obs_value is distinct from n.obs_value then 'revised'
              when o.obs_status is distinct from n.obs_status
                or o.suppressed is distinct from n.suppressed then 'flag' end as change,
         o.obs_value old_value, n.obs_value new_value, o.obs_status old_status, n.obs_status new_status,
         o.suppressed old_suppressed, n.suppressed new_suppressed
  from {cells(old)} o full join {cells(new)} n
    on o.ref_area = n.ref_area and o.source = n.source and o.indicator = n.indicator
   and o.sex is not distinct from n.sex and o.classif1 is not distinct from n.classif1
   and o.classif2 is not distinct from n.classif2 and o.time = n.time
""").filter("change is not null").df()
got = duckdb.sql(f"select * from read_parquet('{written}/diff_{old}_{new}.parquet')").df()
cols = list(expected.columns)
assert list(got.columns) == cols, (list(got.columns), cols)
norm = lambda f: f.astype(str).sort_values(cols[:7]).reset_index(drop=True)
assert len(got) == len(expected), (len(got), len(expected))
assert norm(got).equals(norm(expected)), "cells differ"
kinds = dict(expected['change'].value_counts())
assert all(kinds.get(k, 0) > 0 for k in ['added', 'removed', 'revised', 'flag']), kinds
print('diff ok', kinds)
