"""Read the sample round's annual tables back with openpyxl (and the CSV with the csv module) and
check them cell by cell: against an independent DuckDB computation over the harmonized records
(the numbers, % women, ".." where a source gives no sex, "x" exactly where the published cell is
withheld) and against the published Parquet cells (the region's total row, tables of several years,
a period's and "latest up to" tables, a table of one destination); the footnotes (every row's
source, a reference year other than the table's, validation notes with their numbers, plain
language: no source or rule ids); and the round's workbook (a contents sheet, numbered tables).

Usage: python3 tests/annual_tables.py <round folder> [<folder of `ilms table --out` files>]
(after `ilms run`; the second folder holds the tables tests/annual.rs asks `ilms table` for);
prints "annual tables ok".
"""
import csv
import re
import sys
import tomllib
from pathlib import Path

import duckdb
import openpyxl

ROUND = Path(sys.argv[1])
TABLES = ROUND / "processed" / "tables"
ASKED = Path(sys.argv[2]) if len(sys.argv) > 2 else None
# Protected sources' records are kept out of the release, in .ilms/private/harmonized/.
RECORDS = "read_parquet({!r}, union_by_name=true)".format(
    sorted(str(p) for p in [*ROUND.glob("processed/harmonized/*.parquet"), *ROUND.glob(".ilms/private/harmonized/*.parquet")]))
CELLS = (f"read_parquet('{ROUND}/processed/indicators/**/*.parquet', hive_partitioning=true, "
         "hive_types={'time': VARCHAR})")
FIGURES = ["Total", "Men", "Women", "% women"]
HEADER = ["Country", *FIGURES, "Notes"]
ASEAN = {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"}
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


# Country names as the tables print them: the labels the release publishes.
NAMES = dict(duckdb.execute(f"""
    SELECT code, label FROM read_parquet('{ROUND}/processed/labels.parquet')
    WHERE code_list = 'REF_AREA' AND language = 'en'""").fetchall())
AREA_OF = {name: code for code, name in NAMES.items()}


def read_sheet(sheet, name):
    """(title, unit, years, {label: figures + [marks]}, [labels in order], notes, number formats)."""
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    title, unit = rows[0][0], rows[1][0]
    r, years = 3, [""]
    if rows[3][0] is None:
        # A table of several years: the years merged above their four figures.
        years = [v for v in rows[3][1:] if v is not None]
        width = 1 + 4 * len(years) + 1
        check(rows[4][:width] == ["Country", *FIGURES * len(years), "Notes"], f"{name}: headings {rows[4]}")
        r = 4
    else:
        check(rows[3][:6] == HEADER, f"{name}: header {rows[3][:6]}")
    width = 4 * len(years)
    grid, order, formats, notes = {}, [], {}, []
    r += 1
    while r < len(rows) and rows[r][0]:
        label = rows[r][0]
        grid[label] = rows[r][1:width + 2]
        order.append(label)
        formats[label] = [sheet.cell(row=r + 1, column=c).number_format for c in range(2, width + 2)]
        r += 1
    for row in rows[r:]:
        if row[0] and row[0][0].isdigit() and ". " in row[0]:
            number, text = row[0].split(". ", 1)
            notes.append(text)
            check(int(number) == len(notes), f"{name}: notes out of order at {row[0]!r}")
    return title, unit, years, grid, order, notes, formats


def read_xlsx(path):
    return read_sheet(openpyxl.load_workbook(path).active, path.name)


def notes_of(grid, notes, label):
    marks = grid[label][-1] or ""
    return [notes[int(m) - 1] for m in str(marks).split(", ") if m]


def close(a, b, tolerance):
    return isinstance(a, (int, float)) and b is not None and abs(a - b) <= tolerance


def plain(name, notes):
    """Footnotes in plain language: no source ids (FX:...), no rule ids, no indicator codes."""
    for note in notes:
        check(not re.search(r"\b[A-Z]{2}:[A-Z0-9_]+|ilms:|_NB\b|source_totals|part_whole", note),
              f"{name}: a footnote names an internal id: {note!r}")


def published(indicator, classif1, classif2=None):
    """{(area, time): {sex: (persons, obs_status)}} of the published cells."""
    c2 = "classif2 IS NULL" if classif2 is None else f"classif2 = '{classif2}'"
    out = {}
    for area, time, sex, persons, status in duckdb.execute(f"""
        SELECT ref_area, time, sex, persons, obs_status FROM {CELLS}
        WHERE indicator = '{indicator}' AND classif1 = '{classif1}' AND {c2}
          AND sex IN ('SEX_T', 'SEX_M', 'SEX_F')""").fetchall():
        out.setdefault((area, time), {})[sex] = (persons, status)
    return out


def expected_figures(by_sex, scale):
    """Total, men, women, % women as a table shows them: numbers, '..' (no figure), 'x'."""
    shown = []
    for sex in ["SEX_T", "SEX_M", "SEX_F"]:
        persons, status = by_sex.get(sex, (None, "O"))
        if status == "O":
            shown.append("..")
        elif status == "S" or persons is None:
            shown.append("x")
        else:
            shown.append(persons / scale)
    total, _, women = shown
    if isinstance(total, float) and isinstance(women, float):
        shown.append("n/a" if total == 0 else 100 * women / total)
    else:
        shown.append("x" if "x" in (total, women) else "..")
    return shown


def same(shown, expected, where):
    for k, (s, e) in enumerate(zip(shown, expected)):
        if isinstance(e, float):
            # A nil is a 0 shown as "–" in Excel: openpyxl reads the number.
            check(close(s, e, 1e-6 * max(1, abs(e))), f"{where} {FIGURES[k % 4]}: {s!r} vs {e!r}")
        else:
            check(s == e, f"{where} {FIGURES[k % 4]}: {s!r} vs {e!r}")


def region_total(name, grid, order, notes, expected_rows, years):
    """The ASEAN row: the sum of the member rows for each figure all give, '..' otherwise."""
    check(order[-1] == "ASEAN", f"{name}: last row {order[-1]!r}, not the ASEAN total")
    shown = grid["ASEAN"][:-1]
    members = {label: figures for label, figures in expected_rows.items() if AREA_OF.get(label) in ASEAN}
    for g in range(len(years)):
        sums = []
        for k in range(3):
            parts = [f[4 * g + k] for f in members.values()]
            sums.append(sum(parts) if all(isinstance(p, float) for p in parts) else "..")
        sums.append(100 * sums[2] / sums[0] if all(isinstance(s, float) for s in sums[:3]) else "..")
        same(shown[4 * g:4 * g + 4], sums, f"{name} ASEAN {years[g]}")
        missing = [FIGURES[k] for k in range(4) if sums[k] == ".."]
        if missing:
            who = sorted(label for label, f in members.items()
                         if any(not isinstance(f[4 * g + k], float) for k in range(3)))
            when = f" ({years[g]})" if years[g] else ""
            note = f"ASEAN total not shown for {', '.join(missing)}{when}: {', '.join(who)}"
            check(any(n.startswith(note) for n in notes_of(grid, notes, "ASEAN")),
                  f"{name}: no footnote {note!r} in {notes_of(grid, notes, 'ASEAN')}")
    check(any(n.startswith(f"ASEAN: the sum of the {len(members)} member states")
              for n in notes_of(grid, notes, "ASEAN")), f"{name}: the total's footnote")


# --- Outflow of nationals: persons, each country's latest year, from the records ---------------
# Departures for employment: a source of every purpose gives each record's purpose; a deployment
# source states in its spec that every record is for employment (source.purpose).
with open(ROUND / "ilms.toml", "rb") as f:
    spec_paths = tomllib.load(f)["round"]["sources"]
stated_employment = []
for spec_path in spec_paths:
    with open(ROUND / spec_path, "rb") as f:
        source = tomllib.load(f)["source"]
    if source.get("purpose") == "employment":
        stated_employment.append(f"'{source['id']}'")
outflow = duckdb.execute(f"""
    WITH totals AS (
        SELECT ref_area, time, source_id, sex, sum(coalesce(count, weight)) AS persons
        FROM {RECORDS}
        WHERE flow = 'OUTFLOW' AND (purpose = 'EMPLOYMENT' OR source_id IN ({", ".join(stated_employment)}))
        GROUP BY ALL),
    latest AS (SELECT ref_area, max(time) AS time FROM totals GROUP BY ref_area)
    SELECT t.ref_area, t.time, t.source_id, t.sex, t.persons
    FROM totals t JOIN latest l USING (ref_area, time)""").fetchall()
expected = {}
for area, time, source, sex, persons in outflow:
    row = expected.setdefault(area, {"time": time, "source": source, "sex": {}})
    row["sex"][sex] = persons
table_year = max(r["time"] for r in expected.values())
path = TABLES / f"outflow_nationals_{table_year}.xlsx"
title, unit, _, grid, order, notes, formats = read_xlsx(path)
check(title.endswith(table_year) and "Outflow" in title, f"outflow title {title!r}")
check(unit == "Persons", f"outflow unit {unit!r}")
check(len(grid) == len(expected) + 1, f"outflow rows {sorted(grid)} vs {sorted(expected)} and ASEAN")
plain("outflow", notes)
titles = dict(duckdb.execute(f"""
    SELECT code, label FROM read_parquet('{ROUND}/processed/labels.parquet')
    WHERE code_list = 'SOURCE' AND language = 'en'""").fetchall())
shown_rows = {}
for area, e in expected.items():
    country = NAMES.get(area)
    check(country in grid, f"outflow: no row {country!r} for {area}")
    if country not in grid:
        continue
    total, men, women, pct, _ = grid[country]
    by_sex = e["sex"]
    check(close(total, sum(by_sex.values()), 1e-6), f"outflow {area} total {total} vs {by_sex}")
    if set(by_sex) <= {None, "X"}:
        # The source does not break the outflow down by sex: "..", never 0.
        check([men, women, pct] == [".."] * 3, f"outflow {area}: expected .. by sex, got {men, women, pct}")
    else:
        check(close(men, by_sex.get("M", 0), 1e-6), f"outflow {area} men {men} vs {by_sex}")
        check(close(women, by_sex.get("F", 0), 1e-6), f"outflow {area} women {women} vs {by_sex}")
        check(close(pct, 100 * by_sex.get("F", 0) / sum(by_sex.values()), 1e-9),
              f"outflow {area} % women {pct}")
        check(formats[country][0].startswith("#,##0;"), f"outflow {area} number format {formats[country]}")
    shown_rows[country] = [v if not isinstance(v, (int, float)) else float(v) for v in grid[country][:4]]
    row_notes = notes_of(grid, notes, country)
    sources = [n for n in row_notes if n.startswith("Source:")]
    # The source's label is "<type of source> - <title>"; the footnote names the title.
    label = next((t for c, t in titles.items() if c.endswith(":" + e["source"])), "")
    check(len(sources) == 1 and label.endswith(" - " + sources[0].removeprefix("Source: ").removesuffix(".")),
          f"outflow {area}: source notes {sources} vs {label!r}")
    year_notes = [n for n in row_notes if n.startswith("Reference year")]
    check(year_notes == ([] if e["time"] == table_year else [f"Reference year {e['time']}."]),
          f"outflow {area}: year notes {year_notes}")
region_total("outflow", grid, order, notes, shown_rows, [""])

# Validation warnings reach the table as plain notes on the rows of the source that failed, with
# the numbers the validation report gives.
warned = duckdb.execute(f"""
    SELECT DISTINCT c.ref_area, c.time, v.detail FROM {CELLS} c
    JOIN read_parquet('{ROUND}/processed/validation.parquet') v
      ON c.note_source = 'ilms:' || v.rule AND c.source LIKE '%:' || v.source_id
    WHERE c.indicator = 'MNA_OEMP_SEX_CDS_NB' AND v.fails > 0""").fetchall()
check(warned, "no outflow source carries a validation note (the sample round has one)")
for area, time, detail in warned:
    # Only the year the table shows for the country (its latest).
    if NAMES.get(area) in grid and time == expected[area]["time"]:
        check(any(detail in n for n in notes_of(grid, notes, NAMES[area])),
              f"outflow {area}: no footnote giving the numbers {detail!r}")

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
check(title in markdown and "| .. |" in markdown and "| ASEAN |" in markdown,
      "Markdown table lacks the title, .. or the ASEAN row")

# --- Stock of migrant workers (non-citizens): thousands, from the records; x where withheld -----
stock = duckdb.execute(f"""
    WITH totals AS (
        SELECT ref_area, time, sex, sum(coalesce(count, weight)) / 1000 AS thousands FROM {RECORDS}
        WHERE working_age AND lf_status = 'EMP' AND citizenship_status = 'NONCIT'
        GROUP BY ALL),
    latest AS (SELECT ref_area, max(time) AS time FROM totals GROUP BY ref_area)
    SELECT t.* FROM totals t JOIN latest l USING (ref_area, time)""").fetchall()
status = {(a, s): st for a, s, st in duckdb.execute(f"""
    SELECT ref_area, sex, obs_status FROM {CELLS}
    WHERE indicator = 'MST_TEMP_SEX_AGE_CCT_NB' AND classif1 = 'AGE_AGGREGATE_TOTAL'
      AND classif2 = 'CCT_CIT_NONCIT'""").fetchall()}
by_area = {}
for area, time, sex, thousands in stock:
    by_area.setdefault(area, {"time": time, "sex": {}})["sex"][sex] = thousands
year = max(e["time"] for e in by_area.values())
title, unit, _, grid, order, notes, formats = read_xlsx(TABLES / f"stock_migrant_workers_citizenship_{year}.xlsx")
check(unit == "Thousands of persons", f"stock unit {unit!r}")
check(len(grid) == len(by_area) + 1, f"stock rows {sorted(grid)} vs {sorted(by_area)} and ASEAN")
plain("stock", notes)
seen_withheld = 0
shown_rows = {}
for area, e in by_area.items():
    country = NAMES.get(area)
    check(country in grid, f"stock: no row {country!r} for {area}")
    if country not in grid:
        continue
    total, men, women, pct, _ = grid[country]
    shown_rows[country] = [v if not isinstance(v, (int, float)) else float(v) for v in grid[country][:4]]
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
region_total("stock", grid, order, notes, shown_rows, [""])

# --- The round's workbook: a contents sheet, then Table 1, 2, ... as the single files ----------
book = openpyxl.load_workbook(TABLES / "annual_tables.xlsx")
check(book.sheetnames[0] == "Contents", f"workbook sheets {book.sheetnames}")
contents = [[c.value for c in row] for row in book["Contents"].iter_rows()]
listed = [row for row in contents[3:] if row and row[0]]
singles = sorted(p for p in TABLES.glob("*.xlsx") if p.name != "annual_tables.xlsx")
check(len(listed) == len(singles) == len(book.sheetnames) - 1,
      f"contents lists {len(listed)} tables, {len(singles)} files, {len(book.sheetnames) - 1} sheets")
single_by_title = {read_xlsx(p)[0]: p for p in singles}
for n, (number, table_title, *_) in enumerate(listed, start=1):
    check(number == f"Table {n}" and book.sheetnames[n] == f"Table {n}", f"contents row {n}: {number!r}")
    link = book["Contents"].cell(row=4 + n - 1, column=2).hyperlink
    check(link is not None and f"'Table {n}'!A1" in (link.location or link.target or ""),
          f"contents row {n}: link {link}")
    sheet = read_sheet(book[f"Table {n}"], f"Table {n}")
    check(sheet[0] == f"Table {n}. {table_title}", f"sheet Table {n} title {sheet[0]!r}")
    single = single_by_title.get(table_title)
    check(single is not None, f"no single file for {table_title!r}")
    if single:
        check(read_xlsx(single)[3] == sheet[3], f"Table {n}: grid differs from {single.name}")


# --- Tables asked of `ilms table` (tests/annual.rs), against the published cells --------------
def asked_table(stem, indicator, classif1, windows, unit_scale=1.0):
    """Check a table whose column groups take, per country, its latest year in each window."""
    cells = published(indicator, classif1)
    title, unit, years, grid, order, notes, _ = read_xlsx(ASKED / f"{stem}.xlsx")
    plain(stem, notes)
    rows = {}
    for area in sorted({a for a, _ in cells}):
        figures, chosen = [], []
        for window in windows:
            times = [t for a, t in cells if a == area and t in window]
            time = max(times) if times else None
            chosen.append(time)
            figures.extend(expected_figures(cells[(area, time)], unit_scale) if time else [".."] * 4)
        if all(t is None for t in chosen):
            continue
        label = NAMES[area]
        rows[label] = figures
        check(label in grid, f"{stem}: no row {label!r}")
        if label in grid:
            same(grid[label][:-1], figures, f"{stem} {label}")
    return title, years, grid, order, notes, rows


if ASKED:
    # Several years side by side: 2022, 2023 and 2024, each country's figure of each year.
    title, years, grid, order, notes, rows = asked_table(
        "outflow_nationals_2022-2024", "MNA_OEMP_SEX_CDS_NB", "CDS_DES_TOTAL",
        [["2022"], ["2023"], ["2024"]])
    check(years == ["2022", "2023", "2024"], f"years {years}")
    check(title.endswith("2022–2024"), f"multi-year title {title!r}")
    check(set(grid) == set(rows) | {"ASEAN"}, f"multi-year rows {sorted(grid)} vs {sorted(rows)}")
    region_total("multi-year", grid, order, notes, rows, years)

    # A period: each country its latest year of 2022/2023, every row footnoted with its year;
    # the latest year (2024) is outside it.
    title, _, grid, order, notes, rows = asked_table(
        "outflow_nationals_2022-2023", "MNA_OEMP_SEX_CDS_NB", "CDS_DES_TOTAL", [["2022", "2023"]])
    check(title.endswith("2022/2023"), f"period title {title!r}")
    check(set(grid) == set(rows) | {"ASEAN"}, f"period rows {sorted(grid)} vs {sorted(rows)}")
    for label in rows:
        check(notes_of(grid, notes, label).count("Reference year 2023.") == 1,
              f"period {label}: {notes_of(grid, notes, label)}")

    # The latest year up to 2023 for listed countries: one with 2024 only has no data.
    _, _, _, grid, order, notes, _ = read_xlsx(ASKED / "outflow_nationals_2023.xlsx")
    philippines = NAMES["PHL"]
    check(grid[philippines][:4] == [".."] * 4, f"up to 2023: {grid[philippines]}")
    check(notes_of(grid, notes, philippines) == ["No data for 2023 or an earlier year."],
          f"up to 2023: {notes_of(grid, notes, philippines)}")

    # One destination: named in the title and the file name; its cells, not the total's.
    title, _, grid, order, notes, rows = asked_table(
        "mna_oemp_sex_cds_nb_cds_des_mys_2024", "MNA_OEMP_SEX_CDS_NB", "CDS_DES_MYS", [["2024"]])
    check("Malaysia" in title and title.endswith("2024"), f"destination title {title!r}")
    check(rows, "no country publishes outflows to Malaysia")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("annual tables ok")
