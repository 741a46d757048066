"""processed/coherence.csv, recomputed from the published cells with DuckDB: for every origin and
destination of two different countries of the round and every period, the outflow the origin
reports (MNA_OEMP_SEX_CDS_NB), the inflow the destination reports (MFL_TPOP_SEX_COU_NB) and the
destination's stock of the origin's citizens (MNA_TPOP_SEX_CRS_NB), both sexes, in persons.

    python3 tests/coherence_check.py ROUND
"""
import sys
import tomllib

import duckdb

root = sys.argv[1]
with open(f"{root}/ilms.toml", "rb") as f:
    manifest = tomllib.load(f)
countries = set()
for path in manifest["round"]["sources"]:
    with open(f"{root}/{path}", "rb") as f:
        countries.add(tomllib.load(f)["source"]["ref_area"])
listed = ", ".join(f"'{c}'" for c in sorted(countries))
cells = f"read_parquet('{root}/processed/indicators/*/*/*.parquet', hive_partitioning=true, hive_types={{'ref_area': VARCHAR, 'time': VARCHAR}})"
figures = [("outflow", "MNA_OEMP_SEX_CDS_NB", "CDS_DES_", True),
           ("inflow", "MFL_TPOP_SEX_COU_NB", "COU_ORI_", False),
           ("stock", "MNA_TPOP_SEX_CRS_NB", "CRS_RES_", True)]
parts = []
for stem, indicator, prefix, to_destination in figures:
    other = f"substr(classif1, {len(prefix) + 1})"
    origin, destination = ("ref_area", other) if to_destination else (other, "ref_area")
    parts.append(f"""
      select '{stem}' figure, {origin} origin, {destination} destination, time,
             round(obs_value * pow(10, unit_mult), 3) persons, obs_status, source
      from {cells}
      where indicator = '{indicator}' and sex = 'SEX_T' and classif2 is null
        and classif1 like '{prefix}%'""")
expected = duckdb.sql(f"""
  select * from ({' union all '.join(parts)})
  where origin in ({listed}) and destination in ({listed}) and origin <> destination
""").fetchall()
got = duckdb.sql(f"select * from read_csv('{root}/processed/coherence.csv', all_varchar=true)").df()
got = got.astype(object).where(got.notna(), None)
rows = {(r.origin, r.destination, r.time): r for r in got.itertuples()}
assert len(rows) == len(got), "a key appears twice"
keys = {(o, d, t) for _, o, d, t, *_ in expected}
assert keys == set(rows), ("rows", keys ^ set(rows))
by_key = {}
for figure, o, d, t, persons, status, source in expected:
    by_key.setdefault((o, d, t, figure), []).append((persons, status, source))
checked = 0
for (o, d, t), row in rows.items():
    for stem, *_ in figures:
        found = by_key.get((o, d, t, stem), [])
        value, shows, source = getattr(row, stem), getattr(row, f"{stem}_shows"), getattr(row, f"{stem}_source")
        if not found:
            assert shows == "no source" and value is None, (o, d, t, stem, shows, value)
        elif len(found) > 1:
            assert shows == "several sources", (o, d, t, stem, shows)
        else:
            persons, status, src = found[0]
            assert source == src, (o, d, t, stem, source, src)
            if persons is None:
                assert value is None and shows in ("withheld", "not available"), (o, d, t, stem, shows)
                assert (shows == "not available") == (status == "O"), (o, d, t, stem, shows, status)
            else:
                flag = {None: "published", "U": "published, unreliable (U)", "B": "published, break in series (B)"}[status]
                assert shows == flag and abs(float(value) - persons) < 1e-6, (o, d, t, stem, shows, status, value, persons)
        checked += 1
# The sample round's example in README: all three figures published.
if ("KHM", "MYS", "2024") in rows:
    example = rows[("KHM", "MYS", "2024")]
    assert all(getattr(example, f"{s}_shows").startswith("published") for s, *_ in figures), example
assert rows, "no row: the check would prove nothing"
print(f"coherence ok: {len(rows)} origin-destination-years, {checked} figures equal to the cells")
