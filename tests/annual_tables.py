"""Read the sample round's annual tables back with openpyxl (and the CSV with the csv module) and
check them against an independent DuckDB computation over the harmonized records: the numbers,
% women, "n/a" where a source gives no sex, "x" exactly where the published cell is withheld, and
the footnotes (source of every row, a reference year other than the table's, validation notes).

Usage: python3 tests/annual_tables.py <round folder>   (after `ilms run`); prints "annual tables ok".
"""
import csv
import sys
from pathlib import Path

import duckdb
import openpyxl

ROUND = Path(sys.argv[1])
TABLES = ROUND / "processed" / "tables"
# Protected sources' records are kept out of the release, in .ilms/private/harmonized/.
RECORDS = "read_parquet({!r}, union_by_name=true)".format(
    sorted(str(p) for p in [*ROUND.glob("processed/harmonized/*.parquet"), *ROUND.glob(".ilms/private/harmonized/*.parquet")]))
CELLS = (f"read_parquet('{ROUND}/processed/indicators/**/*.parquet', hive_partitioning=true, "
         "hive_types={'time': VARCHAR})")
HEADER = ["Country", "Total", "Men", "Women", "% women", "Notes"]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def read_xlsx(path):
    """(title, unit, {country: [total, men, women, pct, marks]}, notes, number formats)."""
    sheet = openpyxl.load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    formats = {}
    title, unit = rows[0][0], rows[1][0]
    check(rows[3][:6] == HEADER, f"{path.name}: header {rows[3][:6]}")
    grid, notes = {}, []
    r = 4
    while r < len(rows) and rows[r][0]:
        grid[rows[r][0]] = rows[r][1:6]
        formats[rows[r][0]] = [sheet.cell(row=r + 1, column=c).number_format for c in range(2, 6)]
        r += 1
    for row in rows[r:]:
        if row[0] and row[0][0].isdigit() and ". " in row[0]:
            number, text = row[0].split(". ", 1)
            notes.append(text)
            check(int(number) == len(notes), f"{path.name}: notes out of order at {row[0]!r}")
    return title, unit, grid, notes, formats


def notes_of(grid, notes, country):
    marks = grid[country][4] or ""
    return [notes[int(m) - 1] for m in marks.split(", ") if m]


def close(a, b, tolerance):
    return a is not None and b is not None and abs(a - b) <= tolerance


# --- Outflow of nationals: persons, each country's latest year, from the records ---------------
outflow = duckdb.execute(f"""
    WITH totals AS (
        SELECT ref_area, time, source_id, sex, sum(coalesce(count, weight)) AS persons
        FROM {RECORDS} WHERE flow = 'OUTFLOW' GROUP BY ALL),
    latest AS (SELECT ref_area, max(time) AS time FROM totals GROUP BY ref_area)
    SELECT t.ref_area, t.time, t.source_id, t.sex, t.persons
    FROM totals t JOIN latest l USING (ref_area, time)""").fetchall()
expected = {}
for area, time, source, sex, persons in outflow:
    row = expected.setdefault(area, {"time": time, "source": source, "sex": {}})
    row["sex"][sex] = persons
names = dict(duckdb.execute(f"""
    SELECT DISTINCT ref_area, ref_area FROM {CELLS}""").fetchall())
table_year = max(r["time"] for r in expected.values())
path = TABLES / f"outflow_nationals_{table_year}.xlsx"
title, unit, grid, notes, formats = read_xlsx(path)
check(title.endswith(table_year) and "Outflow" in title, f"outflow title {title!r}")
check(unit == "Persons", f"outflow unit {unit!r}")
check(len(grid) == len(expected), f"outflow rows {sorted(grid)} vs {sorted(expected)}")
country_of = {}
for country in grid:
    sources = [n for n in notes_of(grid, notes, country) if n.startswith("Source:")]
    check(len(sources) == 1, f"outflow {country}: source notes {sources}")
    area = next((a for a, e in expected.items() if sources and e["source"] in sources[0]), None)
    check(area is not None, f"outflow {country}: source note names no expected source: {sources}")
    country_of[area] = country
for area, e in expected.items():
    country = country_of.get(area)
    if country is None:
        continue
    total, men, women, pct, _ = grid[country]
    by_sex = e["sex"]
    check(close(total, sum(by_sex.values()), 1e-6), f"outflow {area} total {total} vs {by_sex}")
    if set(by_sex) <= {None, "X"}:
        # The source does not break the outflow down by sex: "n/a", never 0.
        check([men, women, pct] == ["n/a"] * 3, f"outflow {area}: expected n/a by sex, got {men, women, pct}")
    else:
        check(close(men, by_sex.get("M", 0), 1e-6), f"outflow {area} men {men} vs {by_sex}")
        check(close(women, by_sex.get("F", 0), 1e-6), f"outflow {area} women {women} vs {by_sex}")
        check(close(pct, 100 * by_sex.get("F", 0) / sum(by_sex.values()), 1e-9),
              f"outflow {area} % women {pct}")
        check(formats[country][0].startswith("#,##0;"), f"outflow {area} number format {formats[country]}")
    year_notes = [n for n in notes_of(grid, notes, country) if n.startswith("Reference year")]
    check(year_notes == ([] if e["time"] == table_year else [f"Reference year {e['time']}."]),
          f"outflow {area}: year notes {year_notes}")

# Validation warnings reach the table as notes on the rows of the source that failed.
warned = duckdb.execute(f"""
    SELECT DISTINCT ref_area, note_source FROM {CELLS}
    WHERE indicator = 'MNA_OEMP_SEX_CDS_NB' AND note_source IS NOT NULL""").fetchall()
check(warned, "no outflow source carries a validation note (the sample round has one)")
for area, note in warned:
    if area in country_of:
        rule = note.removeprefix("ilms:")
        check(any(rule in n for n in notes_of(grid, notes, country_of[area])),
              f"outflow {area}: no footnote for validation rule {rule}")

# The CSV says the same as the workbook, as text.
with open(TABLES / f"outflow_nationals_{table_year}.csv", encoding="utf-8-sig", newline="") as f:
    lines = list(csv.reader(f))
check(lines[0][0] == title and lines[2] == HEADER, f"outflow CSV head {lines[:3]}")
for line in lines[3:3 + len(grid)]:
    total, men, women, pct, marks = grid[line[0]]
    check(line[5] == (marks or ""), f"CSV marks {line}")
    check(line[1] == f"{total:.0f}", f"CSV total {line} vs {total}")
    check(line[2] == (men if isinstance(men, str) else f"{men:.0f}"), f"CSV men {line}")
markdown = (TABLES / f"outflow_nationals_{table_year}.md").read_text()
check(title in markdown and "| n/a |" in markdown, "Markdown table lacks the title or n/a")

# --- Stock of migrant workers (non-citizens): thousands, from the records; x where withheld -----
stock = duckdb.execute(f"""
    SELECT ref_area, time, sex, sum(weight) / 1000 AS thousands FROM {RECORDS}
    WHERE working_age AND lf_status = 'EMP' AND citizenship_status = 'NONCIT'
    GROUP BY ALL""").fetchall()
status = {(a, s): st for a, s, st in duckdb.execute(f"""
    SELECT ref_area, sex, obs_status FROM {CELLS}
    WHERE indicator = 'MST_TEMP_SEX_AGE_CCT_NB' AND classif1 = 'AGE_AGGREGATE_TOTAL'
      AND classif2 = 'CCT_CIT_NONCIT'""").fetchall()}
by_area = {}
for area, time, sex, thousands in stock:
    by_area.setdefault(area, {"time": time, "sex": {}})["sex"][sex] = thousands
year = max(e["time"] for e in by_area.values())
title, unit, grid, notes, formats = read_xlsx(TABLES / f"stock_migrant_workers_citizenship_{year}.xlsx")
check(unit == "Thousands of persons", f"stock unit {unit!r}")
check(len(grid) == len(by_area), f"stock rows {sorted(grid)} vs {sorted(by_area)}")
seen_withheld = 0
for area, e in by_area.items():
    country = next((c for c in grid if any(f"_{area}_" in n or f":{area}_" in n
                                           for n in notes_of(grid, notes, c))), None)
    check(country is not None, f"stock: no row whose source note names {area}")
    if country is None:
        continue
    total, men, women, pct, _ = grid[country]
    for sex, shown, value in [("SEX_T", total, sum(e["sex"].values())),
                              ("SEX_M", men, e["sex"].get("M", 0)),
                              ("SEX_F", women, e["sex"].get("F", 0))]:
        if status.get((area, sex)) == "S":
            seen_withheld += 1
            check(shown == "x", f"stock {area} {sex}: withheld cell shows {shown!r}")
        else:
            check(close(shown, value, 1e-6 * max(1, value)), f"stock {area} {sex}: {shown} vs {value}")
    if isinstance(total, float) and isinstance(women, float):
        check(close(pct, 100 * women / total, 1e-9), f"stock {area} % women {pct}")
    elif total == "x" or women == "x":
        check(pct == "x", f"stock {area}: % women of a withheld figure shows {pct!r}")
    year_notes = [n for n in notes_of(grid, notes, country) if n.startswith("Reference year")]
    check(year_notes == ([] if e["time"] == year else [f"Reference year {e['time']}."]),
          f"stock {area}: year notes {year_notes}")
# The national figures by sex are the headline figures: the disclosure policy publishes them all.
check(seen_withheld == 0, f"the stock table withholds {seen_withheld} national figures")
check(any(n.startswith("Reference year") for n in notes), "no reference-year footnote in the stock table")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("annual tables ok")
