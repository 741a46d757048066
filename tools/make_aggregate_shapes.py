#!/usr/bin/env python3
"""The conformance corpus of aggregate shapes (tests/fixtures/aggregates/, run by tests/aggregates.rs).

One case per shape a ministry sends: the raw file, the spec, and the cells the release must hold,
worked out by hand from the file (expected.csv: value as published, thousands for counts; status
"O" = not available; `note` a note_source the cell must carry; value "absent" = no such cell) and
the number of cells per indicator where the shape decides it (counts.csv). SYNTHETIC figures.
"""
import csv
import pathlib

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "aggregates"

MANIFEST = """# Aggregate shape: {name} (tools/make_aggregate_shapes.py). SYNTHETIC.
[round]
name = "Aggregate shape: {name}"
sources = [{sources}]
indicators = "schemas/indicators.toml"
classifications = "schemas/classifications"

[output]
processed = "processed"
charts = "charts"
"""

NOT_STOCK = ["age", "country_of_birth", "citizenship", "lf_status", "industry", "education",
             "status_in_employment"]


def outflow_spec(id, area, time, path, fmt, record, variables, extra_file="", not_provided=None,
                 extra_source=""):
    not_provided = not_provided if not_provided is not None else NOT_STOCK + ["occupation", "origin"]
    quoted = ", ".join(f'"{v}"' for v in not_provided)
    return f"""# SYNTHETIC aggregate shape (tools/make_aggregate_shapes.py).
[source]
id = "{id}"
title = "{id} (synthetic)"
ref_area = "{area}"
time = "{time}"
source_type = "FX"
kind = "aggregate"
purpose = "employment"                  # every record is a departure for employment
not_provided = [{quoted}]
{extra_source}
[file]
path = "{path}"
format = "{fmt}"
{extra_file}
[record]
{record}
{variables}
[variables.flow]
expr = "'OUTFLOW'"
as_is = true
"""


def write_case(name, sources, files, expected, counts=()):
    case = ROOT / name
    (case / "raw").mkdir(parents=True, exist_ok=True)
    (case / "sources").mkdir(exist_ok=True)
    for spec_name, text in sources.items():
        (case / "sources" / spec_name).write_text(text, encoding="utf-8")
    for write in files:
        write(case / "raw")
    listed = ", ".join(f'"sources/{s}"' for s in sources)
    (case / "ilms.toml").write_text(MANIFEST.format(name=name, sources=listed), encoding="utf-8")
    with open(case / "expected.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["indicator", "sex", "classif1", "classif2", "value", "status", "note"])
        w.writerows(expected)
    with open(case / "counts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["indicator", "cells"])
        w.writerows(counts)


def text_file(name, text, encoding="utf-8"):
    return lambda raw: (raw / name).write_text(text, encoding=encoding)


OUT = "MNA_OEMP_SEX_CDS_NB"


def long_csv():
    write_case("long_csv", {"long.toml": outflow_spec(
        "SHAPE_LONG", "PHL", "2021", "raw/long.csv", "csv",
        'id_columns = ["sex", "dest"]\ncount = "n"',
        '[variables.sex]\ncolumn = "sex"\nmap = { "1" = "M", "2" = "F" }\n\n'
        '[variables.destination]\ncolumn = "dest"\nas_is = true\n')},
        [text_file("long.csv", "sex,dest,n\n1,SAU,900\n2,SAU,600\n2,HKG,250\n")],
        [[OUT, "SEX_T", "CDS_DES_TOTAL", "", "1.75", "", ""],
         [OUT, "SEX_F", "CDS_DES_HKG", "", "0.25", "", ""],
         [OUT, "SEX_M", "CDS_DES_SAU", "", "0.9", "", ""]])


def wide_csv():
    write_case("wide_csv", {"wide.toml": outflow_spec(
        "SHAPE_WIDE_CSV", "PHL", "2022", "raw/wide.csv", "csv",
        'id_columns = ["Destination", "Sex"]\ncount = "Persons"',
        '[variables.sex]\ncolumn = "Sex"\nmap = { "Men" = "M", "Women" = "F" }\n\n'
        '[variables.destination]\ncolumn = "Destination"\n'
        'map = { "Saudi Arabia" = "SAU", "Singapore" = "SGP" }\n',
        extra_file='unpivot = { columns = ["Men", "Women"], name = "Sex", value = "Persons", total = "Total" }\n')},
        [text_file("wide.csv", "Destination,Total,Men,Women\nSaudi Arabia,1500,1000,500\nSingapore,300,100,200\n")],
        [[OUT, "SEX_T", "CDS_DES_TOTAL", "", "1.8", "", ""],
         [OUT, "SEX_M", "CDS_DES_TOTAL", "", "1.1", "", ""],
         [OUT, "SEX_F", "CDS_DES_SGP", "", "0.2", "", ""],
         [OUT, "SEX_T", "CDS_DES_SAU", "", "1.5", "", ""]],
        [(OUT, 9)])


def wide_parquet():
    def write(raw):
        table = pa.table({"destination": ["THA", "MYS"], "male": pa.array([100, 20], pa.int64()),
                          "female": pa.array([50, 30], pa.int64())})
        pq.write_table(table, raw / "wide.parquet")
    write_case("wide_parquet", {"wide.toml": outflow_spec(
        "SHAPE_WIDE_PARQUET", "LAO", "2021", "raw/wide.parquet", "parquet",
        'id_columns = ["destination", "sex"]\ncount = "workers"',
        '[variables.sex]\ncolumn = "sex"\nmap = { "male" = "M", "female" = "F" }\n\n'
        '[variables.destination]\ncolumn = "destination"\nas_is = true\n',
        extra_file='unpivot = { columns = ["male", "female"], name = "sex", value = "workers" }\n')},
        [write],
        [[OUT, "SEX_T", "CDS_DES_TOTAL", "", "0.2", "", ""],
         [OUT, "SEX_M", "CDS_DES_TOTAL", "", "0.12", "", ""],
         [OUT, "SEX_F", "CDS_DES_TOTAL", "", "0.08", "", ""],
         [OUT, "SEX_T", "CDS_DES_THA", "", "0.15", "", ""]])


def thousands_xlsx():
    def write(raw):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Outflows"
        sheet.append(["Workers going abroad, 2023 (thousands)"])
        sheet.append([])
        sheet.append(["Country", "Male ('000)", "Female ('000)"])
        sheet.append(["Thailand", 12.3, 4.5])
        sheet.append(["Malaysia", 1.25, 0.75])
        sheet.append([])
        sheet.append(["Note: provisional figures."])   # carried into note_source (file.footnotes)
        book.save(raw / "thousands.xlsx")
    write_case("thousands_xlsx", {"thousands.toml": outflow_spec(
        "SHAPE_THOUSANDS", "MMR", "2023", "raw/thousands.xlsx", "xlsx",
        'id_columns = ["Country", "Sex"]\ncount = "Thousands"\nscale = 1000',
        '[variables.sex]\ncolumn = "Sex"\nmap = { "Male (\'000)" = "M", "Female (\'000)" = "F" }\n\n'
        '[variables.destination]\ncolumn = "Country"\nmap = { "Thailand" = "THA", "Malaysia" = "MYS" }\n',
        extra_file='sheet = "Outflows"\nheader_row = 3\n'
                   'unpivot = { columns = ["Male (\'000)", "Female (\'000)"], name = "Sex", value = "Thousands" }\n'
                   'footnotes = true\n')},
        [write],
        [[OUT, "SEX_T", "CDS_DES_TOTAL", "", "18.8", "", "footnote.SHAPE_THOUSANDS.1"],
         [OUT, "SEX_M", "CDS_DES_TOTAL", "", "13.55", "", "footnote.SHAPE_THOUSANDS.1"],
         [OUT, "SEX_F", "CDS_DES_TOTAL", "", "5.25", "", "footnote.SHAPE_THOUSANDS.1"],
         [OUT, "SEX_M", "CDS_DES_THA", "", "12.3", "", "footnote.SHAPE_THOUSANDS.1"]])


def total_only():
    write_case("total_only", {"totals.toml": outflow_spec(
        "SHAPE_TOTAL_ONLY", "KHM", "2022", "raw/totals.csv", "csv",
        'id_columns = ["Year", "Sex"]\ncount = "Persons"',
        '[variables.sex]\ncolumn = "Sex"\nmap = { "Men" = "M", "Women" = "F" }\n',
        extra_file='unpivot = { columns = ["Men", "Women"], name = "Sex", value = "Persons", total = "Total" }\n',
        not_provided=NOT_STOCK + ["occupation", "origin"],
        extra_source='total_only = ["destination"]   # "All countries": the total of destinations only\n')},
        [text_file("totals.csv", "Year,Destination,Total,Men,Women\n2022,All countries,5000,3000,2000\n")],
        [[OUT, "SEX_T", "CDS_DES_TOTAL", "", "5", "", ""],
         [OUT, "SEX_M", "CDS_DES_TOTAL", "", "3", "", ""],
         [OUT, "SEX_F", "CDS_DES_TOTAL", "", "2", "", ""]],
        [(OUT, 3)])


def non_citizens():
    spec = """# SYNTHETIC aggregate shape (tools/make_aggregate_shapes.py): a stock of employed
# non-citizens by nationality, sex and occupation, without age.
[source]
id = "SHAPE_NONCIT"
title = "SHAPE_NONCIT (synthetic)"
ref_area = "BRN"
time = "2023"
source_type = "FX"
kind = "aggregate"
not_provided = ["age", "country_of_birth", "industry", "education", "status_in_employment", "flow", "destination", "origin", "purpose"]
covers = "non-citizens"
population = { description = "all foreign workers employed, of any age", working_age = true }

[file]
path = "raw/noncit.csv"
format = "csv"

[record]
id_columns = ["Nationality", "Occupation", "Sex"]
count = "Workers"

[variables.sex]
column = "Sex"
as_is = true

[variables.citizenship]
column = "Nationality"
map = { "Indonesian" = "IDN", "Filipino" = "PHL", "Foreign, not stated" = "XXX" }

[variables.occupation]
column = "Occupation"
as_is = true

[variables.lf_status]
expr = "'EMP'"
as_is = true
"""
    pop = "source.population_stated"
    cit = "MST_TEMP_SEX_OCU_CCT_NB"
    write_case("non_citizens", {"noncit.toml": spec},
        [text_file("noncit.csv", "Nationality,Occupation,Sex,Workers\nIndonesian,9,M,100\n"
                   "Indonesian,9,F,50\nFilipino,5,F,70\n\"Foreign, not stated\",7,M,30\n")],
        [["MST_NCTE_SEX_CCT_NB", "SEX_T", "CCT_CTZ_TOTAL", "", "0.25", "", pop],
         ["MST_NCTE_SEX_CCT_NB", "SEX_T", "CCT_CTZ_IDN", "", "0.15", "", "source.covers_non_citizens"],
         ["MST_NCTE_SEX_CCT_NB", "SEX_T", "CCT_CTZ_X", "", "0.03", "", ""],
         ["MST_NCTE_SEX_CCT_NB", "SEX_F", "CCT_CTZ_PHL", "", "0.07", "", ""],
         [cit, "SEX_T", "OCU_ISCO08_TOTAL", "CCT_CIT_NONCIT", "0.25", "", ""],
         [cit, "SEX_T", "OCU_ISCO08_9", "CCT_CIT_NONCIT", "0.15", "", ""],
         [cit, "SEX_T", "OCU_ISCO08_TOTAL", "CCT_CIT_CITIZEN", "", "O", ""],
         [cit, "SEX_T", "OCU_ISCO08_TOTAL", "CCT_CIT_TOTAL", "", "O", ""],
         [cit, "SEX_F", "OCU_ISCO08_5", "CCT_CIT_TOTAL", "", "O", ""],
         ["MST_TEMP_SEX_CCT_OCU_DT", "SEX_T", "CCT_CIT_NONCIT", "OCU_ISCO08_9", "60", "", ""],
         ["MST_TEMP_SEX_CCT_OCU_DT", "SEX_T", "CCT_CIT_TOTAL", "OCU_ISCO08_9", "", "O", ""]],
        [("MST_NCTP_SEX_CCT_NB", 0), ("MST_XWAP_SEX_AGE_CCT_NB", 0)])


def disagreeing_total(name, authoritative, expected):
    extra = ('unpivot = { columns = ["Laki-laki", "Perempuan"], name = "Jenis Kelamin", value = "Orang", '
             'total = "Jumlah", percents = [{ column = "% Perempuan", part = "Perempuan" }]'
             + (', authoritative = "total", residual = "Tidak diketahui"' if authoritative == "total" else "")
             + " }\n")
    write_case(name, {"idn.toml": outflow_spec(
        f"SHAPE_{authoritative.upper()}", "IDN", "2023", "raw/idn.csv", "csv",
        'id_columns = ["Negara", "Jenis Kelamin"]\ncount = "Orang"',
        '[variables.sex]\ncolumn = "Jenis Kelamin"\n'
        'map = { "Laki-laki" = "M", "Perempuan" = "F", "Tidak diketahui" = "" }\n\n'
        '[variables.destination]\ncolumn = "Negara"\nmap = { "Malaysia" = "MYS", "Singapura" = "SGP" }\n',
        extra_file=extra)},
        # Malaysia's stated total is 1,000 above men + women; Singapura's % women is wrong.
        [text_file("idn.csv", "Negara,Jumlah,Laki-laki,Perempuan,% Perempuan\n"
                   "Malaysia,11000,6000,4000,36.4\nSingapura,3000,1000,2000,60.0\n")],
        expected)


def several_sheets():
    def write(raw):
        book = openpyxl.Workbook()
        out = book.active
        out.title = "Outflows"
        out.append(["Destination", "Nam", "Nữ"])
        out.append(["Japan", 700, 300])
        out.append(["Korea", "-", 200])
        back = book.create_sheet("Returns")
        back.append(["Country", "Nam", "Nữ"])
        back.append(["Japan", 50, None])
        back.append(["Korea", 40, 10])
        book.save(raw / "vnm.xlsx")
    sexes = '[variables.sex]\ncolumn = "Sex"\nmap = { "Nam" = "M", "Nữ" = "F" }\n\n'
    countries = 'map = { "Japan" = "JPN", "Korea" = "KOR" }\n'
    outflows = outflow_spec(
        "SHAPE_SHEET_OUT", "VNM", "2023", "raw/vnm.xlsx", "xlsx",
        'id_columns = ["Destination", "Sex"]\ncount = "Persons"\nnil = "-"',
        sexes + '[variables.destination]\ncolumn = "Destination"\n' + countries,
        extra_file='sheet = "Outflows"\nunpivot = { columns = ["Nam", "Nữ"], name = "Sex", value = "Persons" }\n')
    returns = outflow_spec(
        "SHAPE_SHEET_RET", "VNM", "2023", "raw/vnm.xlsx", "xlsx",
        'id_columns = ["Country", "Sex"]\ncount = "Persons"\nnil = "-"',
        sexes + '[variables.origin]\ncolumn = "Country"\n' + countries,
        extra_file='sheet = "Returns"\nunpivot = { columns = ["Nam", "Nữ"], name = "Sex", value = "Persons" }\n',
        not_provided=NOT_STOCK + ["occupation", "destination", "purpose"]).replace("'OUTFLOW'", "'RETURN'").replace(
            'purpose = "employment"                  # every record is a departure for employment\n', "")
    ret = "MNA_XRET_SEX_CPR_NB"
    write_case("several_sheets", {"outflows.toml": outflows, "returns.toml": returns}, [write],
        [[OUT, "SEX_T", "CDS_DES_TOTAL", "", "1.2", "", ""],
         [OUT, "SEX_M", "CDS_DES_KOR", "", "0", "", ""],
         [OUT, "SEX_F", "CDS_DES_KOR", "", "0.2", "", ""],
         [ret, "SEX_M", "CPR_PRV_JPN", "", "0.05", "", ""],
         [ret, "SEX_F", "CPR_PRV_JPN", "", "", "O", ""],
         [ret, "SEX_T", "CPR_PRV_JPN", "", "", "O", ""],
         [ret, "SEX_F", "CPR_PRV_TOTAL", "", "", "O", ""],
         [ret, "SEX_M", "CPR_PRV_TOTAL", "", "0.09", "", ""],
         [ret, "SEX_T", "CPR_PRV_KOR", "", "0.05", "", ""]])


def domestic_work():
    """Outflows by industry at class level: division 97 is domestic work, division 98 (own-use
    production, also in section T) is not, a blank industry is not classifiable (the source maps
    industry, yet that row does not state it); read from the industry alone: a partial note."""
    dom = "MNA_OEMP_SEX_DOM_NB"
    note = "breakdown.partial_inputs"
    write_case("domestic_work", {"dom.toml": outflow_spec(
        "SHAPE_DOM", "IDN", "2021", "raw/dom.csv", "csv",
        'id_columns = ["sex", "kbli"]\ncount = "n"',
        '[variables.sex]\ncolumn = "sex"\nmap = { "1" = "M", "2" = "F" }\n\n'
        '[variables.industry]\ncolumn = "kbli"\n'
        'map = { "9700" = "9700", "9810" = "9810", "4711" = "4711", "" = "" }\n',
        not_provided=["age", "country_of_birth", "citizenship", "lf_status", "education",
                      "status_in_employment", "occupation", "origin", "destination"])},
        [text_file("dom.csv", "sex,kbli,n\n1,9700,5\n1,9810,3\n1,4711,10\n1,,2\n"
                              "2,9700,20\n2,9810,4\n2,4711,6\n2,,1\n")],
        [[dom, "SEX_M", "DOM_WORK_DOM", "", "0.005", "", note],
         [dom, "SEX_F", "DOM_WORK_DOM", "", "0.02", "", note],
         [dom, "SEX_T", "DOM_WORK_DOM", "", "0.025", "", note],
         [dom, "SEX_T", "DOM_WORK_NDOM", "", "0.023", "", note],
         [dom, "SEX_M", "DOM_WORK_X", "", "0.002", "", note],
         [dom, "SEX_T", "DOM_WORK_X", "", "0.003", "", note],
         [dom, "SEX_T", "DOM_WORK_TOTAL", "", "0.051", "", note]],
        [(dom, 12)])


def main():
    domestic_work()
    long_csv()
    wide_csv()
    wide_parquet()
    thousands_xlsx()
    total_only()
    non_citizens()
    disagreeing_total("total_authoritative", "total", [
        [OUT, "SEX_T", "CDS_DES_TOTAL", "", "14", "", "source_totals"],
        [OUT, "SEX_T", "CDS_DES_MYS", "", "11", "", ""],
        [OUT, "SEX_X", "CDS_DES_MYS", "", "1", "", ""],
        [OUT, "SEX_M", "CDS_DES_TOTAL", "", "7", "", ""],
        [OUT, "SEX_F", "CDS_DES_TOTAL", "", "6", "", ""],
        # Sex not stated is a category of the whole table once a row has it: a true 0 here.
        [OUT, "SEX_X", "CDS_DES_SGP", "", "0", "", ""]])
    disagreeing_total("parts_authoritative", "parts", [
        [OUT, "SEX_T", "CDS_DES_TOTAL", "", "13", "", "source_totals"],
        [OUT, "SEX_T", "CDS_DES_MYS", "", "10", "", ""],
        [OUT, "SEX_X", "CDS_DES_MYS", "", "absent", "", ""]])
    several_sheets()


if __name__ == "__main__":
    main()
