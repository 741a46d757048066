#!/usr/bin/env python3
"""Make header-only copies of the ingest-format fixtures in tests/fixtures/formats/empty/.

SYNTHETIC DATA. Each file has the columns, types and value labels of its counterpart in
tests/fixtures/formats/raw/ (made by tools/make_format_fixtures.py, whose helpers this reuses) and no
data row: the header line of each CSV variant (UTF-8; UTF-8 with BOM, ';' and quoted; UTF-16LE TSV
with its BOM; Windows-1252), an empty fixed-width file (the layout is in the spec, the format has no
header), the .xlsx with its title rows, header row and footnote, the .xls header row, Stata .dta
releases 114, 115, 117, 118, 119 and SPSS .sav and .zsav with their variables and the sex value
labels, a Parquet file with the typed schema, and the aggregate workbook with its title rows, two-row
header (merged group cells) and footnotes but no count row and no "Total" row.

tests/formats.rs runs each as the only source of a round: a file with no record must fail
(rule source.quarantined_share, "the file has no record"), never be published as zeros (issue 18).

    pip install pandas pyarrow pyreadstat openpyxl xlwt
    python3 tools/make_empty_format_fixtures.py
"""
import pathlib
import shutil
import sys

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import xlwt
from openpyxl.styles import Font

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_format_fixtures import FIXED_WIDTH, OUT, SEX_LABELS, aggregate_workbook, persons, typed  # noqa: E402

EMPTY = OUT / "empty"


def main():
    if EMPTY.exists():
        shutil.rmtree(EMPTY)
    EMPTY.mkdir(parents=True)
    full = persons()
    # The persons' columns and the types the statistical packages store, with no row. (With no
    # value to size them, pyreadstat writes text variables one character wide: str1, A1.)
    df = full.iloc[0:0]
    t = typed(full).iloc[0:0]

    # Text: the header line alone.
    df.to_csv(EMPTY / "lfs.csv", index=False)
    with open(EMPTY / "lfs_bom_semicolon.csv", "w", encoding="utf-8-sig", newline="") as f:
        df.to_csv(f, index=False, sep=";", quoting=1)
    with open(EMPTY / "lfs_utf16.tsv", "w", encoding="utf-16", newline="") as f:
        df.to_csv(f, index=False, sep="\t", lineterminator="\r\n")
    with open(EMPTY / "lfs_cp1252.csv", "w", encoding="cp1252", newline="") as f:
        df.to_csv(f, index=False)
    # Fixed width has no header (the layout is in the spec): no record is an empty file.
    assert FIXED_WIDTH
    (EMPTY / "lfs.txt").write_bytes(b"")

    # Excel: the title rows, the header row and the footnote, no record between them.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "LFS 2024"
    ws["A1"] = "Labour Force Survey 2024: person records (synthetic extract)"
    ws["A1"].font = Font(bold=True)
    ws["A2"] = "Department of Statistics (synthetic)"
    ws.append([])
    ws.append(list(t.columns))
    ws.append([])
    ws.append(["Note: weights calibrated to population projections (synthetic)."])
    wb.save(EMPTY / "lfs.xlsx")
    book = xlwt.Workbook()
    sheet = book.add_sheet("LFS")
    for j, c in enumerate(t.columns):
        sheet.write(0, j, c)
    book.save(str(EMPTY / "lfs.xls"))

    # Statistical packages: the variables, their types and the value labels on sex, no case.
    labels = {"JANTINA": SEX_LABELS}
    for version, release in [(14, 118), (10, 114), (12, 115), (13, 117), (15, 119)]:
        pyreadstat.write_dta(t, str(EMPTY / f"lfs_{release}.dta"), version=version,
                             variable_value_labels=labels)
    pyreadstat.write_sav(t, str(EMPTY / "lfs.sav"), row_compress=True, variable_value_labels=labels)
    pyreadstat.write_sav(t, str(EMPTY / "lfs.zsav"), compress=True, variable_value_labels=labels)
    pq.write_table(pa.Table.from_pandas(t.astype({"PERSON_NO": "Int64", "JANTINA": "Int64", "UMUR": "Int64",
                                                  "STATUS_AKTIVITI": "Int64"}), preserve_index=False),
                   EMPTY / "lfs.parquet")

    # The aggregate workbook: titles, the two-row header with its merged group cells, the notes.
    aggregate_workbook([], None).save(EMPTY / "lfs_table.xlsx")


if __name__ == "__main__":
    main()
