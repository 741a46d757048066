"""The ILOSTAT CSV read through its `.label` columns only, as a reader without the code lists would.

Usage: python3 tests/labels_table.py ROUND_DIR

1. Prints a readable table (Malaysia's employed foreign-born persons by occupation and sex) chosen
   and laid out with the `.label` columns alone (plus time and obs_value).
2. Checks every code in the file has a label (fails on any code without one), and every label
   against the code lists under the round's schemas/classifications/, read here independently:
   sex and classif labels are "<classification version name>: <code's label>", as ILOSTAT's
   bulk files write them.
3. Runs the README's pandas snippet that reads `time` as text from the partition folders.
4. Checks labels.parquet has one label per code and language (joins on `code` do not repeat rows).
Prints "labels ok" when all hold.
"""

import json
import sys
import tomllib

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

CODES = ["ref_area", "source", "indicator", "sex", "classif1", "classif2", "obs_status",
         "note_classif", "note_indicator", "note_source"]


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def read_list(path, key, value):
    table = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    return dict(zip(table[key], table[value]))


def expected_order():
    order = []
    for column in ["ref_area", "source", "indicator", "sex", "classif1", "classif2", "time",
                   "obs_value", "obs_status", "note_classif", "note_indicator", "note_source"]:
        order.append(column)
        if column not in ("time", "obs_value"):
            order.append(f"{column}.label")
    return order


def readable_table(csv):
    """Only .label columns choose and lay out the rows."""
    wanted = csv[(csv["ref_area.label"] == "Malaysia")
                 & (csv["indicator.label"].str.startswith("Employment by sex, occupation"))
                 & (csv["classif1.label"].str.startswith("Occupation (ISCO-08): "))
                 & (csv["classif2.label"] == "Place of birth: Foreign-born")]
    if wanted.empty:
        fail("no labelled rows for Malaysia's employment by occupation, foreign-born")
    table = wanted.pivot_table(index="classif1.label", columns="sex.label", values="obs_value",
                               aggfunc="first")
    print(f"{wanted['indicator.label'].iloc[0]}, {wanted['ref_area.label'].iloc[0]}, "
          f"{wanted['time'].iloc[0]} (thousands)")
    print(table.to_string())
    return table


def round_specs(root):
    """The specs of the round's sources, parsed, in the manifest's order."""
    with open(f"{root}/ilms.toml", "rb") as f:
        sources = tomllib.load(f)["round"]["sources"]
    for path in sources:
        with open(f"{root}/{path}", "rb") as f:
            yield tomllib.load(f)


def workbook_footnotes(root):
    """The notes under the tables of the round's workbooks whose spec carries them
    (`file.footnotes`): "ilms:footnote.<id>.<n>" to the n-th one-cell line below the table."""
    notes = {}
    for spec in round_specs(root):
        file = spec["file"]
        if not file.get("footnotes"):
            continue
        book = openpyxl.load_workbook(f"{root}/{file['path']}", read_only=True)
        sheet = book[file["sheet"]] if "sheet" in file else book.worksheets[0]
        rows = list(sheet.iter_rows(min_row=file.get("header_row", 1), values_only=True))
        end = next(i for i, row in enumerate(rows) if all(v is None for v in row))
        lines = [next(str(v).strip() for v in row if v is not None) for row in rows[end:] if any(v is not None for v in row)]
        for n, line in enumerate(lines, 1):
            notes[f"ilms:footnote.{spec['source']['id']}.{n}"] = line
    return notes


def amount_notes(root):
    """The note on each source's means and medians of earnings: its currency, and how its amounts
    were made monthly (from its spec's `[variables.earnings]`)."""
    notes = {}
    for spec in round_specs(root):
        earnings = spec.get("variables", {}).get("earnings")
        if not earnings:
            continue
        period = earnings["period"]
        factor = earnings.get("to_monthly", {"week": 52 / 12, "year": 1 / 12}.get(period))
        how = ("as the source gives them" if period == "month" else
               f"from amounts per hour x {factor:g} hours" if period == "hour" else
               f"from amounts per {period} x {factor:.4f}")
        notes[f"ilms:amount.{spec['source']['id']}"] = (
            f"Monthly amounts in {earnings['currency']} (ISO 4217, the source's currency), {how}")
    return notes


def check_labels(root, csv):
    classifications = f"{root}/schemas/classifications"
    codelists = pd.read_csv(f"{classifications}/ilostat_codelists.csv", comment="#", dtype=str)
    own = pd.read_csv(f"{classifications}/ilms_codes.csv", comment="#", dtype=str)
    versions = dict(zip(own[own.code_list == "CLASSIF_VERSION"].code,
                        own[own.code_list == "CLASSIF_VERSION"].label))
    classif = {row.code: f"{versions[row.version]}: {row.label}" for row in codelists.itertuples()}
    expected = {
        "ref_area": read_list(f"{classifications}/countries_iso3.csv", "iso3", "name"),
        "indicator": read_list(f"{classifications}/ilms_2019_indicators.csv", "CIC_INDICATOR_CODE",
                               "IND_TEXT_EN"),
        "sex": classif, "classif1": classif, "classif2": classif,
        "obs_status": dict(zip(own[own.code_list == "OBS_STATUS"].code,
                               own[own.code_list == "OBS_STATUS"].label)),
        "note_indicator": {**read_list(f"{classifications}/ilostat_notes.csv", "code", "label"),
                           **dict(zip(own[own.code_list == "NOTE_INDICATOR"].code,
                                      own[own.code_list == "NOTE_INDICATOR"].label))},
    }
    notes = dict(zip(own[own.code_list == "NOTE_SOURCE"].code, own[own.code_list == "NOTE_SOURCE"].label))
    notes.update(workbook_footnotes(root))
    notes.update(amount_notes(root))
    # The revision note names the edition the round compares with (run_log.json: revisions.since).
    with open(f"{root}/processed/run_log.json") as log:
        revisions = json.load(log).get("revisions") or {}
    if revisions:
        notes["ilms:revised"] = notes["ilms:revised"].replace("EDITION", revisions["since"])
    # ILOSTAT's own note codes (a break in series: I11:266) carry ILOSTAT's labels.
    notes.update(read_list(f"{classifications}/ilostat_notes.csv", "code", "label"))
    checked = 0
    for column in CODES:
        pairs = csv[[column, f"{column}.label"]].drop_duplicates()
        unlabelled = pairs[(pairs[column] != "") & (pairs[f"{column}.label"] == "")]
        if not unlabelled.empty:
            fail(f"{column}: codes without a label: {sorted(unlabelled[column])[:10]}")
        blank = pairs[(pairs[column] == "") & (pairs[f"{column}.label"] != "")]
        if not blank.empty:
            fail(f"{column}: a label without a code: {blank.head()}")
        for code, label in pairs[pairs[column] != ""].itertuples(index=False):
            if column == "note_source":
                want = " | ".join(notes[n] for n in code.split("; "))
            elif column in expected and code in expected[column]:
                want = expected[column][code]
            elif column == "indicator" or column == "source":
                want = label  # declared in the round (schemas/indicators.toml, the specs' titles)
            else:
                fail(f"{column}: code {code} is in no code list")
            if label != want:
                fail(f"{column} {code}: label {label!r}, the code list says {want!r}")
            checked += 1
    return checked


def pandas_time_as_text(root):
    """README, Outputs: `time` read as text from the partition folder names."""
    hive = ds.partitioning(pa.schema([("ref_area", pa.string()), ("time", pa.string())]), flavor="hive")
    cells = pd.read_parquet(f"{root}/processed/indicators", partitioning=hive)
    if not (cells.time == "2024").any():
        fail(f"time == '2024' finds nothing; time is {cells.time.dtype}")
    return int((cells.time == "2024").sum())


def main(root):
    csv = pd.read_csv(f"{root}/processed/indicators_ilostat.csv", dtype=str, encoding="utf-8-sig",
                      keep_default_na=False)
    if list(csv.columns) != expected_order():
        fail(f"columns {list(csv.columns)}")
    table = readable_table(csv)
    checked = check_labels(root, csv)
    in_2024 = pandas_time_as_text(root)
    labels = pd.read_parquet(f"{root}/processed/labels.parquet")
    repeated = labels[labels.duplicated(["code", "language"], keep=False)]
    if not repeated.empty:
        fail(f"labels.parquet: a code with two labels in one language (a join on code would repeat rows):\n{repeated.head()}")
    print(f"labels ok: {len(csv)} rows, {checked} distinct labelled codes checked against the code "
          f"lists, a {table.shape[0]} x {table.shape[1]} table from labels alone, {in_2024} cells "
          f"with time == '2024'")


if __name__ == "__main__":
    main(sys.argv[1])
