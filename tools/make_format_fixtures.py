#!/usr/bin/env python3
"""Make the ingest-format fixtures in tests/fixtures/formats/ with the tools that write each format.

SYNTHETIC DATA: the first 500 persons of the sample round's LFS (raw/mys_lfs_2024.csv), with a blank
weight, a blank age and a free-text column with accented letters added, written once per format:

  CSV (UTF-8; UTF-8 with BOM, ';' and every field quoted; UTF-16LE TSV; Windows-1252), fixed-width
  text, .xlsx (openpyxl: title rows, footnote), .xls (xlwt), Stata .dta releases 114, 115, 117, 118, 119
  (pyreadstat, with value labels), SPSS .sav and .zsav (pyreadstat, with value labels), Parquet
  (pyarrow, typed columns) -- plus a workbook with a blank row inside its table (invalid/), and an aggregate workbook of the same persons (counts by every
  variable, two-row header with merged group cells, a "Total" row and footnotes), and, in corrupt/,
  damaged copies of every binary file; and, in empty/, header-only copies of the files
  (tools/make_empty_format_fixtures.py).

Each source gets a spec in sources/ and a line in ilms.toml, so the fixture folder with the
repository's schemas/ beside it is a round: tests/formats.rs runs it and compares the outputs.

    pip install pandas pyarrow pyreadstat openpyxl xlwt
    python3 tools/make_format_fixtures.py
"""
import io
import pathlib
import shutil
import zipfile

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import xlwt
from openpyxl.styles import Alignment, Font

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "formats"
PERSONS = 500
REMARKS = ["", "", "", "Café owner", "Señora", "Kg. Baharú", "Jalan Ampang", "naïve reply"]
SEX_LABELS = {1: "Lelaki", 2: "Perempuan", 9: "Tidak dinyatakan"}
FIXED_WIDTH = [("HH_ID", 6), ("PERSON_NO", 2), ("JANTINA", 1), ("UMUR", 3), ("NEGARA_LAHIR", 2),
               ("WARGANEGARA", 2), ("STATUS_AKTIVITI", 1), ("PEKERJAAN", 4), ("PEMBERAT", 10),
               ("CATATAN", 12)]

MAPS = """
[variables.sex]
column = "{sex}"
{sex_map}
unmapped = "quarantine"

[variables.age]
column = "{age}"

[variables.country_of_birth]
column = "{cob}"
map_file = {{ path = "schemas/classifications/national/mys_lfs_countries.csv", from = "national_code", to = "iso3" }}

[variables.citizenship]
column = "{cit}"
map_file = {{ path = "schemas/classifications/national/mys_lfs_countries.csv", from = "national_code", to = "iso3" }}

[variables.lf_status]
column = "{lfs}"
map = {{ "1" = "EMP", "2" = "UNE", "3" = "OLF", "" = "" }}

[variables.occupation]
column = "{ocu}"
map_file = {{ path = "schemas/classifications/national/mys_lfs_occupations.csv", from = "national_code", to = "isco08" }}
"""
CODE_MAP = 'map = { "1" = "M", "2" = "F", "9" = "" }'
LABEL_MAP = 'key = "label"\nmap = { "Lelaki" = "M", "Perempuan" = "F", "Tidak dinyatakan" = "" }'
RAW_NAMES = dict(sex="JANTINA", age="UMUR", cob="NEGARA_LAHIR", cit="WARGANEGARA", lfs="STATUS_AKTIVITI",
                 ocu="PEKERJAAN")


def persons():
    df = pd.read_csv(ROOT / "raw" / "mys_lfs_2024.csv", dtype=str, keep_default_na=False).head(PERSONS)
    df["CATATAN"] = [REMARKS[i % len(REMARKS)] for i in range(len(df))]
    df.loc[249, "PEMBERAT"] = ""  # data row 250: no weight
    df.loc[299, "UMUR"] = ""  # data row 300: no age
    return df


def typed(df):
    """The persons with the types a statistical package would store: numbers as numbers."""
    t = df.copy()
    for c in ["PERSON_NO", "JANTINA", "UMUR", "STATUS_AKTIVITI", "PEMBERAT"]:
        t[c] = pd.to_numeric(t[c].replace("", None))
    return t


def spec(source_id, title, path, file_keys, record, names=RAW_NAMES, sex_map=CODE_MAP, kind="microdata", extra=""):
    text = f"""# Ingest-format fixture (tools/make_format_fixtures.py). SYNTHETIC.
[source]
id = "{source_id}"
title = "{title}"
ref_area = "MYS"
time = "2024"
source_type = "BA"
kind = "{kind}"
not_provided = ["industry", "education", "status_in_employment", "flow", "destination", "origin", "purpose"]
{extra}
[file]
path = "{path}"
{file_keys}

[record]
{record}
""" + MAPS.format(sex_map=sex_map, **names)
    (OUT / "sources" / f"{source_id.lower()}.toml").write_text(text, encoding="utf-8")
    return f"sources/{source_id.lower()}.toml"



def aggregate_workbook(rows, total):
    """The aggregate workbook as a ministry lays it out: titles, a two-row header with merged group
    cells, the table's rows, its Total row (none when `total` is None), a blank row and the notes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Table 3"
    ws["A1"] = "Table 3. Persons by sex, age, country of birth and citizenship, activity status and occupation"
    ws["A2"] = "Number of persons (synthetic)"
    ws.append([])
    ws.append(["Person", None, "Country", None, "Activity status", "Occupation", "Number of persons"])
    ws.append(["Sex", "Age", "of birth", "of citizenship", None, "(national code)", None])
    for merge in ["A4:B4", "C4:D4", "E4:E5", "G4:G5"]:
        ws.merge_cells(merge)
    for cell in ws[4]:
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        ws.append(row)
    if total is not None:
        ws.append(["Total", None, None, None, None, None, total])
    ws.append([])
    ws.append(["Note: a blank cell means not stated."])
    ws.append(["Source: Labour Force Survey 2024 (synthetic)."])
    return wb

def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    for sub in ["raw", "sources", "corrupt"]:
        (OUT / sub).mkdir(parents=True)
    df = persons()
    t = typed(df)
    raw = OUT / "raw"
    micro = 'id_columns = ["HH_ID", "PERSON_NO"]\nweight = "PEMBERAT"'
    sources = []

    # Text. The weight is written in its shortest form, as every binary format reads back.
    text = df.copy()
    text["PEMBERAT"] = [repr(float(w)) if w else "" for w in df["PEMBERAT"]]
    text["PEMBERAT"] = [w[:-2] if w.endswith(".0") else w for w in text["PEMBERAT"]]
    text.to_csv(raw / "lfs.csv", index=False)
    sources.append(spec("FMT_CSV", "CSV, UTF-8", "raw/lfs.csv", 'format = "csv"', micro))
    with open(raw / "lfs_bom_semicolon.csv", "w", encoding="utf-8-sig", newline="") as f:
        text.to_csv(f, index=False, sep=";", quoting=1)
    sources.append(spec("FMT_CSV_BOM", "CSV, UTF-8 with BOM, ';', quoted", "raw/lfs_bom_semicolon.csv",
                        'format = "csv"\ndelimiter = ";"\nquote = "\\""', micro))
    with open(raw / "lfs_utf16.tsv", "w", encoding="utf-16", newline="") as f:  # BOM + little-endian
        text.to_csv(f, index=False, sep="\t", lineterminator="\r\n")
    sources.append(spec("FMT_TSV_UTF16", "TSV, UTF-16LE", "raw/lfs_utf16.tsv",
                        'format = "csv"\ndelimiter = "\\t"\nencoding = "utf-16le"', micro))
    with open(raw / "lfs_cp1252.csv", "w", encoding="cp1252", newline="") as f:
        text.to_csv(f, index=False)
    sources.append(spec("FMT_CSV_CP1252", "CSV, Windows-1252", "raw/lfs_cp1252.csv",
                        'format = "csv"\nencoding = "windows-1252"', micro))
    with open(raw / "lfs.txt", "w", encoding="utf-8") as f:
        for _, row in text.iterrows():
            f.write("".join(str(row[c]).ljust(w) for c, w in FIXED_WIDTH) + "\n")
    layout, start = [], 1
    for c, w in FIXED_WIDTH:
        layout.append(f'  {{ name = "{c}", start = {start}, width = {w} }},')
        start += w
    sources.append(spec("FMT_FWF", "fixed-width text", "raw/lfs.txt",
                        'format = "fixed_width"\ncolumns = [\n' + "\n".join(layout) + "\n]", micro))

    # Excel: title rows above the table, a footnote under it.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "LFS 2024"
    ws["A1"] = "Labour Force Survey 2024: person records (synthetic extract)"
    ws["A1"].font = Font(bold=True)
    ws["A2"] = "Department of Statistics (synthetic)"
    ws.append([])
    ws.append(list(t.columns))
    for row in t.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and pd.isna(v)) or v == "" else v for v in row])
    ws.append([])
    ws.append(["Note: weights calibrated to population projections (synthetic)."])
    wb.save(raw / "lfs.xlsx")
    sources.append(spec("FMT_XLSX", "Excel .xlsx", "raw/lfs.xlsx",
                        'format = "xlsx"\nsheet = "LFS 2024"\nheader_row = 4', micro))
    book = xlwt.Workbook()
    sheet = book.add_sheet("LFS")
    for j, c in enumerate(t.columns):
        sheet.write(0, j, c)
    for i, row in enumerate(t.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            if not ((isinstance(v, float) and pd.isna(v)) or v == ""):
                sheet.write(i, j, v)
    book.save(str(raw / "lfs.xls"))
    sources.append(spec("FMT_XLS", "Excel 97-2003 .xls", "raw/lfs.xls", 'format = "xls"', micro))

    # Statistical packages, with value labels on sex.
    labels = {"JANTINA": SEX_LABELS}
    for version, release in [(14, 118), (10, 114), (12, 115), (13, 117), (15, 119)]:
        name = f"lfs_{release}.dta"
        pyreadstat.write_dta(t, str(raw / name), version=version, variable_value_labels=labels)
        sources.append(spec(f"FMT_DTA{release}", f"Stata dta {release}", f"raw/{name}", 'format = "dta"', micro))
    pyreadstat.write_sav(t, str(raw / "lfs.sav"), row_compress=True, variable_value_labels=labels)
    sources.append(spec("FMT_SAV", "SPSS .sav (bytecode)", "raw/lfs.sav", 'format = "sav"', micro))
    pyreadstat.write_sav(t, str(raw / "lfs.zsav"), compress=True, variable_value_labels=labels)
    sources.append(spec("FMT_ZSAV", "SPSS .zsav", "raw/lfs.zsav", 'format = "sav"', micro))
    sources.append(spec("FMT_DTA_LABELS", "Stata dta, sex map keyed on labels", "raw/lfs_118.dta",
                        'format = "dta"', micro, sex_map=LABEL_MAP))
    sources.append(spec("FMT_SAV_LABELS", "SPSS, sex map keyed on labels", "raw/lfs.zsav",
                        'format = "sav"', micro, sex_map=LABEL_MAP))
    pq.write_table(pa.Table.from_pandas(t.astype({"PERSON_NO": "Int64", "JANTINA": "Int64", "UMUR": "Int64",
                                                  "STATUS_AKTIVITI": "Int64"}), preserve_index=False),
                   raw / "lfs.parquet")
    sources.append(spec("FMT_PARQUET", "Parquet", "raw/lfs.parquet", 'format = "parquet"', micro))

    # The same persons unweighted, and as an aggregate table: both must give the same cells.
    sources.append(spec("MICRO_UNWEIGHTED", "CSV, every person counted once", "raw/lfs.csv", 'format = "csv"',
                        'id_columns = ["HH_ID", "PERSON_NO"]',
                        extra="# The same persons as the aggregate fixture's table, published the same way (no disclosure control),\n"
                              "# so the two can be compared cell for cell.\ndisclosure = \"none\"\n"))
    keys = ["JANTINA", "UMUR", "NEGARA_LAHIR", "WARGANEGARA", "STATUS_AKTIVITI", "PEKERJAAN"]
    cells = df.groupby(keys, dropna=False).size().reset_index(name="N")
    rows = [[int(v) if k in ("JANTINA",) else v for k, v in zip(cells.columns, row)]
            for row in cells.itertuples(index=False)]
    wb = aggregate_workbook(rows, int(cells["N"].sum()))
    wb.save(raw / "lfs_table.xlsx")
    agg_names = dict(sex="Person Sex", age="Person Age", cob="Country of birth", cit="Country of citizenship",
                     lfs="Activity status", ocu="Occupation (national code)")
    sources.append(spec("AGG_XLSX", "aggregate workbook", "raw/lfs_table.xlsx",
                        'format = "xlsx"\nsheet = "Table 3"\nheader_row = 4\nheader_rows = 2\n'
                        'total_rows = { column = "Person Sex", labels = ["Total"] }',
                        'id_columns = ["Person Sex", "Person Age", "Country of birth", "Country of citizenship", '
                        '"Activity status", "Occupation (national code)"]\ncount = "Number of persons"',
                        names=agg_names, kind="aggregate"))

    (OUT / "ilms.toml").write_text(
        "# Ingest-format fixture round (tools/make_format_fixtures.py): the same persons in every format.\n"
        "# Run with the repository's schemas/ copied beside it (tests/formats.rs does).\n\n"
        "[round]\nname = \"Format fixtures (synthetic)\"\nsources = [\n"
        + "".join(f'  "{s}",\n' for s in sources)
        + "]\nindicators = \"schemas/indicators.toml\"\ncharts = \"schemas/charts.toml\"\n"
        "classifications = \"schemas/classifications\"\n\n[output]\nprocessed = \"processed\"\ncharts = \"charts\"\n",
        encoding="utf-8")

    # A workbook whose table has a blank row inside it: the rows below must not be dropped silently.
    (OUT / "invalid").mkdir()
    wb = openpyxl.load_workbook(raw / "lfs.xlsx")
    wb["LFS 2024"].insert_rows(40)
    wb.save(OUT / "invalid" / "lfs_blank_row_inside.xlsx")

    # Damaged copies of every binary file: empty, cut short three ways, wrong magic, text renamed.
    for name in ["lfs.xlsx", "lfs.xls", "lfs_118.dta", "lfs_114.dta", "lfs.sav", "lfs.zsav", "lfs.parquet"]:
        data = (raw / name).read_bytes()
        stem, ext = name.rsplit(".", 1)
        damaged = {
            "empty": b"",
            "header_only": data[:100],
            "half": data[: len(data) // 2],
            "tail_cut": data[:-1024],
            "bad_magic": b"\x00" * 8 + data[8:],
            "text_renamed": (raw / "lfs.csv").read_bytes()[:4000],
        }
        if ext == "xlsx":
            # A zip reader finds its directory at the end, so a bad magic number goes unnoticed;
            # damage the worksheet's XML inside an intact zip instead.
            damaged.pop("bad_magic")
            damaged["bad_sheet_xml"] = damaged_member(raw / name, "xl/worksheets/sheet1.xml")
        for kind, content in damaged.items():
            (OUT / "corrupt" / f"{stem}_{kind}.{ext}").write_bytes(content)

    # Header-only copies of the files in empty/ (removed with the folder above).
    from make_empty_format_fixtures import main as make_empty

    make_empty()


def damaged_member(path, member):
    """The workbook with one member's XML cut in half (the zip itself intact)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, content[: len(content) // 2] if item.filename == member else content)
    return buffer.getvalue()


if __name__ == "__main__":
    main()
