#!/usr/bin/env python3
"""The sample round's aggregate tables in the shapes ministries publish, checked from the raw files
(used by tests/annual.rs). Independent of ilms: each figure is read from the raw file with pandas
or openpyxl, following what the spec's comments say the file is, and compared with the published
Parquet cells (DuckDB):
  - raw/mmr_outflows_2023.xlsx: thousands of persons (x 1000), "-" is none, totals by destination
    and sex; its two notes under the table are in note_source (ilms:footnote.MMR_OUTFLOW_2023.<n>)
    and labelled with their own words in labels.parquet;
  - raw/khm_outflows_2022.csv: national totals by sex, the stated total published (authoritative),
    men and women as given, the difference published as sex not stated; no breakdown by destination;
  - raw/brn_foreign_workers_2020.csv: employed non-citizens by citizenship and sex, any age; the
    citizens' side and the total population "not available" (O, no value), never 0.

And migrant domestic work (an ilms extension) from two raw files: the Indonesian workbook's job
titles that its codebook puts in a domestic-work unit group of ISCO-08 (5152, 5162, 5322, 9111: the
ILO's statistical definition) and Cambodia's 2024 sector "DOM" (households as employers) are the
outflows of domestic workers, by sex.

    python3 tests/sample_shapes_check.py ROUND_DIR
"""
import sys

import duckdb
import openpyxl
import pandas as pd


def fail(message):
    print(f"sample shapes FAILED: {message}")
    sys.exit(1)


def cells(root, source):
    return duckdb.execute(
        f"select * from read_parquet('{root}/processed/indicators/**/*.parquet', hive_partitioning = true) "
        f"where source = '{source}'").df()


def persons(frame, indicator, sex, classif1, classif2=None):
    rows = frame[(frame.indicator == indicator) & (frame.sex == sex) & (frame.classif1 == classif1)]
    rows = rows[rows.classif2.isna()] if classif2 is None else rows[rows.classif2 == classif2]
    if len(rows) != 1:
        fail(f"{indicator} {sex} {classif1} {classif2}: {len(rows)} cells published, want 1")
    return rows.iloc[0]


def mmr_thousands(root):
    sheet = openpyxl.load_workbook(f"{root}/raw/mmr_outflows_2023.xlsx")["2023"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    end = next(i for i, r in enumerate(rows) if all(v is None for v in r))
    table, notes = rows[:end], [r[0] for r in rows[end + 1:] if r[0]]
    codes = {"Thailand": "THA", "Malaysia": "MYS", "Republic of Korea": "KOR", "Japan": "JPN", "Singapore": "SGP"}
    published = cells(root, "FX:MMR_OUTFLOW_2023")
    total = {"SEX_M": 0, "SEX_F": 0}
    for name, men, women, _ in table:
        for sex, value in [("SEX_M", men), ("SEX_F", women)]:
            want = 0 if value == "-" else round(value * 1000)
            total[sex] += want
            got = persons(published, "MNA_OEMP_SEX_CDS_NB", sex, f"CDS_DES_{codes[name]}").persons
            if got != want:
                fail(f"MMR 2023 {name} {sex}: published {got}, the workbook gives {want}")
    for sex, want in [*total.items(), ("SEX_T", sum(total.values()))]:
        got = persons(published, "MNA_OEMP_SEX_CDS_NB", sex, "CDS_DES_TOTAL").persons
        if got != want:
            fail(f"MMR 2023 total {sex}: published {got}, the workbook gives {want}")
    ids = [f"ilms:footnote.MMR_OUTFLOW_2023.{n}" for n in range(1, len(notes) + 1)]
    if len(notes) != 2 or not published.note_source.map(lambda n: all(i in (n or "") for i in ids)).all():
        fail(f"MMR 2023: not every cell carries the workbook's {len(notes)} notes {ids}")
    labels = pd.read_parquet(f"{root}/processed/labels.parquet")
    for note_id, note in zip(ids, notes):
        label = labels[(labels.code_list == "NOTE_SOURCE") & (labels.code == note_id)].label.tolist()
        if label != [note]:
            fail(f"{note_id}: labelled {label}, the workbook says {note!r}")


def khm_totals(root):
    raw = pd.read_csv(f"{root}/raw/khm_outflows_2022.csv", dtype=str).iloc[0]
    stated, men, women = int(raw.Total), int(raw.Men), int(raw.Women)
    if stated == men + women:
        fail("the KHM 2022 file's total agrees with its parts: the sample lost its disagreement")
    published = cells(root, "FX:KHM_TOTALS_2022")
    want = {"SEX_T": stated, "SEX_M": men, "SEX_F": women, "SEX_X": stated - men - women}
    for sex, value in want.items():
        got = persons(published, "MNA_OEMP_SEX_CDS_NB", sex, "CDS_DES_TOTAL").persons
        if got != value:
            fail(f"KHM 2022 {sex}: published {got}, want {value} (the stated total is authoritative)")
    broken_down = published[published.classif1.str.startswith("CDS_DES_") & (published.classif1 != "CDS_DES_TOTAL")]
    if not broken_down.empty:
        fail(f"KHM 2022 gives no destination, yet cells by destination are published:\n{broken_down.head()}")


def brn_non_citizens(root):
    raw = pd.read_csv(f"{root}/raw/brn_foreign_workers_2020.csv", dtype={"Workers": int})
    published = cells(root, "FX:BRN_FOREIGN_2020")
    indicator = "MST_TEMP_SEX_AGE_CCT_NB"
    for sex, rows in [("SEX_T", raw), ("SEX_M", raw[raw.Sex == "M"]), ("SEX_F", raw[raw.Sex == "F"])]:
        got = persons(published, indicator, sex, "AGE_AGGREGATE_TOTAL", "CCT_CIT_NONCIT").persons
        if got != rows.Workers.sum():
            fail(f"BRN 2020 non-citizens {sex}: published {got}, the register gives {rows.Workers.sum()}")
        for code in ["CCT_CIT_CITIZEN", "CCT_CIT_TOTAL"]:
            cell = persons(published, indicator, sex, "AGE_AGGREGATE_TOTAL", code)
            if cell.obs_status != "O" or pd.notna(cell.obs_value):
                fail(f"BRN 2020 {code} {sex}: {cell.obs_value} ({cell.obs_status}), want not available (O)")
    by_age = published[(published.indicator == indicator) & ~published.classif1.str.endswith("_TOTAL")
                       & (published.classif1 != "AGE_YTHADULT_YGE15")]
    if not by_age.empty:
        fail(f"BRN 2020 gives no age, yet cells by age are published:\n{by_age.head()}")


def domestic_outflows(root):
    idn = pd.read_excel(f"{root}/raw/idn_placements_2024.xlsx", header=3)
    jobs = pd.read_csv(f"{root}/schemas/classifications/national/idn_jobs.csv", comment="#", dtype=str)
    domestic = set(jobs[jobs.isco08.isin(["5152", "5162", "5322", "9111"])].jabatan)
    idn = idn[idn["Jabatan"].isin(domestic)]
    khm = pd.read_csv(f"{root}/raw/khm_outflows_2024.tsv", sep="\t", encoding="utf-16", dtype=str)
    khm = khm[khm.SECTOR == "DOM"].assign(WORKERS=lambda f: f.WORKERS.astype(int))
    wanted = {
        "FX:IDN_PLACE_2024": {"SEX_M": idn["Laki-laki"].sum(), "SEX_F": idn["Perempuan"].sum()},
        "FX:KHM_OUTFLOW_2024": {"SEX_M": khm[khm.SEX == "1"].WORKERS.sum(), "SEX_F": khm[khm.SEX == "2"].WORKERS.sum()},
    }
    for source, by_sex in wanted.items():
        published = cells(root, source)
        by_sex["SEX_T"] = by_sex["SEX_M"] + by_sex["SEX_F"]
        if by_sex["SEX_T"] == 0:
            fail(f"{source}: the raw file has no domestic workers: the check would prove nothing")
        for sex, want in by_sex.items():
            got = persons(published, "MNA_OEMP_SEX_DOM_NB", sex, "DOM_WORK_DOM").persons
            if got != want:
                fail(f"{source} domestic workers {sex}: published {got}, the raw file gives {want}")


def main(root):
    domestic_outflows(root)
    mmr_thousands(root)
    khm_totals(root)
    brn_non_citizens(root)
    print("sample shapes ok: MMR 2023 in thousands with its notes, KHM 2022's stated total, BRN 2020's non-citizens, "
          "IDN and KHM 2024 domestic workers")


if __name__ == "__main__":
    main(sys.argv[1])
