#!/usr/bin/env python3
"""Per source, what disclosure control withheld in a published release, read from the Parquet
(for DISCLOSURE.md's before / after table; works on releases of any ilms version).

Count cells (unit PS) only. A headline cell: sex T/M/F and every classification at its total or at
the migrant category (CBR_BIR_FOREIGN, CCT_CIT_NONCIT); with --truth (tests/crosscheck.py --truth
output) the headline cells withheld with 15 records or more are counted too.

    python3 tools/disclosure_figures.py ROUND_DIR [--truth FILE]
"""
import sys

import duckdb

HEADLINE = "('SEX_T', 'SEX_M', 'SEX_F', 'CBR_BIR_FOREIGN', 'CCT_CIT_NONCIT')"


def main(root, truth=None):
    cells = f"read_parquet('{root}/processed/indicators/**/*.parquet', hive_partitioning = true)"
    headline = f"""sex in ('SEX_T', 'SEX_M', 'SEX_F')
        and (classif1 is null or classif1 like '%_TOTAL' or classif1 = 'AGE_YTHADULT_YGE15' or classif1 in {HEADLINE})
        and (classif2 is null or classif2 like '%_TOTAL' or classif2 in {HEADLINE})"""
    reliable = "0"
    if truth:
        reliable = f"""count(*) filter (where obs_status = 'S' and {headline} and exists (
            select 1 from read_parquet('{truth}') t where t.source = c.source and t.indicator = c.indicator
            and t.sex = c.sex and t.classif1 is not distinct from c.classif1
            and t.classif2 is not distinct from c.classif2 and t.size >= 15))"""
    rows = duckdb.execute(f"""
        select split_part(source, ':', 2) as source, count(*) as cells,
               count(*) filter (where obs_status = 'S') as withheld,
               count(*) filter (where suppressed = 'secondary') as secondary,
               round(100.0 * count(*) filter (where obs_status = 'S') / count(*), 1) as pct,
               count(*) filter (where {headline}) as headline,
               count(*) filter (where obs_status = 'S' and {headline}) as headline_withheld,
               {reliable} as headline_withheld_15
        from {cells} c where unit = 'PS' group by all order by cells desc""").fetchall()
    print("| source | count cells | withheld | of them marked secondary | % withheld | headline cells | headline withheld | of them 15+ records |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    totals = [0] * 7
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")
        for i, x in enumerate([r[1], r[2], r[3], None, r[5], r[6], r[7]]):
            totals[i] += x or 0
    pct = round(100.0 * totals[1] / totals[0], 1)
    print(f"| all | {totals[0]} | {totals[1]} | {totals[2]} | {pct} | {totals[4]} | {totals[5]} | {totals[6]} |")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[args.index("--truth") + 1] if "--truth" in args else None)
