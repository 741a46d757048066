"""Revision notes, checked independently: in the newest release of a round, exactly the cells whose
value differs from the value the named edition published for the same cell (both with a value)
carry the note ilms:revised, in the Parquet cells, the ILOSTAT CSV and the SDMX-CSV alike.

    python3 tests/revisions_check.py ROUND/releases EDITION_ID
"""
import os
import sys

import duckdb

releases, edition = sys.argv[1], sys.argv[2]
newest = sorted(d for d in os.listdir(releases) if d[:1].isdigit())[-1]
assert newest != edition, "the newest release is the edition itself"
cells = lambda r: f"read_parquet('{releases}/{r}/processed/indicators/*/*/*.parquet', hive_partitioning=true, hive_types={{'ref_area': VARCHAR, 'time': VARCHAR}})"
key = "ref_area, source, indicator, coalesce(sex, '') sex, coalesce(classif1, '') classif1, coalesce(classif2, '') classif2, time"
expected = set(duckdb.sql(f"""
  select n.* from (select {key}, obs_value from {cells(newest)}) n
  join (select {key}, obs_value from {cells(edition)}) o using (ref_area, source, indicator, sex, classif1, classif2, time)
  where n.obs_value is not null and o.obs_value is not null and n.obs_value <> o.obs_value
""").fetchall())
expected = {row[:7] for row in expected}
noted = {row for row in duckdb.sql(f"""
  select {key} from {cells(newest)} where list_contains(string_split(note_source, '; '), 'ilms:revised')
""").fetchall()}
doubled = sum(1 for (text,) in duckdb.sql(f"select note_source from {cells(newest)} where note_source is not null").fetchall()
              if text.split("; ").count("ilms:revised") > 1)
assert doubled == 0, f"{doubled} cells noted as revised twice"
assert noted == expected, ("noted, not revised:", noted - expected, "revised, not noted:", expected - noted)
assert expected, "no cell was revised: the check would prove nothing"
processed = f"{releases}/{newest}/processed"
ilostat = {row for row in duckdb.sql(f"""
  select {key} from read_csv('{processed}/indicators_ilostat.csv', all_varchar=true)
  where list_contains(string_split(note_source, '; '), 'ilms:revised')
""").fetchall()}
assert ilostat == expected, ("ILOSTAT CSV", ilostat ^ expected)
sdmx = duckdb.sql(f"""
  select count(*) from read_csv('{processed}/indicators_sdmx.csv', all_varchar=true)
  where STRUCTURE_ID like '%DF_ILMS(%' and list_contains(string_split(NOTE_SOURCE, '; '), 'ilms:revised')
""").fetchall()[0][0]
assert sdmx == len(expected), ("SDMX-CSV", sdmx, len(expected))
print("revisions ok:", len(expected), "cells revised since", edition)
