#!/usr/bin/env python3
"""Write the validation conformance corpus, tests/conformance/ (run by tests/conformance.rs).

One folder per rule type. Each is a small round with two sources, VALID and INVALID, hand-made data
(SYNTHETIC) and the one rule under test in its own rules/ folder, plus expected.json: for each
source, the items, passes, fails and missing the rule must report. The expected numbers are written
here by hand from the data, not computed.

    pip install openpyxl
    python3 tools/make_conformance_corpus.py
"""
import csv
import json
import pathlib
import shutil

import openpyxl

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "conformance"

HEADER = ["ID", "SEX", "AGE", "STATUS", "OCC", "WGT"]
PEOPLE = [  # ten valid persons: sex, age, activity, ISCO-08 occupation, weight
    ("1", "35", "1", "5120", "100.5"), ("2", "41", "1", "9112", "98"), ("1", "15", "3", "", "120"),
    ("2", "70", "3", "", "80"), ("1", "28", "1", "7112", "101"), ("2", "33", "2", "", "99"),
    ("1", "8", "", "", "110"), ("2", "52", "1", "2221", "97.25"), ("1", "19", "1", "9313", "105"),
    ("2", "61", "3", "", "90"),
]

SPEC = """# Conformance case (tools/make_conformance_corpus.py). SYNTHETIC.
[source]
id = "{id}"
title = "{id}"
ref_area = "THA"
time = "2024"
source_type = "BA"
kind = "microdata"
not_provided = ["country_of_birth", "citizenship", "industry", "education", "status_in_employment", "flow", "destination", "origin", "purpose"]

[file]
path = "raw/{file}"
format = "csv"

[record]
id_columns = ["ID"]
weight = "WGT"

[variables.sex]
column = "SEX"
map = {{ "1" = "M", "2" = "F", "9" = "" }}

[variables.age]
column = "AGE"

[variables.lf_status]
column = "STATUS"
map = {{ "1" = "EMP", "2" = "UNE", "3" = "OLF", "" = "" }}

[variables.occupation]
column = "OCC"
as_is = true
"""

MANIFEST = """# Conformance case: {case} (tools/make_conformance_corpus.py)
[round]
name = "Conformance: {case}"
sources = ["sources/valid.toml", "sources/invalid.toml"]
indicators = "schemas/indicators.toml"
charts = "schemas/charts.toml"
classifications = "schemas/classifications"
rules = "rules"

[output]
processed = "processed"
charts = "charts"
"""


def rows(changes):
    """The ten persons, with {index: {column: value}} changes applied."""
    out = []
    for i, (sex, age, status, occ, wgt) in enumerate(PEOPLE):
        row = dict(ID=str(i + 1), SEX=sex, AGE=age, STATUS=status, OCC=occ, WGT=wgt)
        row.update(changes.get(i, {}))
        out.append([row[c] for c in HEADER])
    return out


def case(name, rule_toml, invalid_changes, expected_valid, expected_invalid, rule_id, valid_changes=None,
         invalid_rows=None):
    """invalid_rows: the INVALID file's rows instead of the ten persons with changes ([] = header only)."""
    folder = OUT / name
    for sub in ["raw", "sources", "rules"]:
        (folder / sub).mkdir(parents=True)
    for source, changes in [("valid", valid_changes or {}), ("invalid", invalid_changes)]:
        with open(folder / "raw" / f"{source}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(HEADER)
            w.writerows(invalid_rows if source == "invalid" and invalid_rows is not None else rows(changes))
        (folder / "sources" / f"{source}.toml").write_text(
            SPEC.format(id=source.upper(), file=f"{source}.csv"), encoding="utf-8")
    (folder / "rules" / "rule.toml").write_text(rule_toml, encoding="utf-8")
    (folder / "ilms.toml").write_text(MANIFEST.format(case=name), encoding="utf-8")
    expected = [dict(source_id="VALID", rule=rule_id, **expected_valid),
                dict(source_id="INVALID", rule=rule_id, **expected_invalid)]
    (folder / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")


def counts(items, passes, fails, missing):
    return dict(items=items, passes=passes, fails=fails, missing=missing)


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    (OUT / "README.md").write_text(
        "# Validation conformance corpus\n\nMade by `tools/make_conformance_corpus.py`; run by "
        "`tests/conformance.rs`. Each folder is a round with one rule (`rules/rule.toml`) and two "
        "sources, VALID and INVALID; `expected.json` gives, per source, the items, passes, fails and "
        "missing the rule must report (written by hand from the data). SYNTHETIC data.\n",
        encoding="utf-8")

    # required: a weight is present, positive, finite and sane (as schemas/rules/records.toml).
    # Invalid: person 3 blank, person 5 zero, persons 6, 7 and 8 NaN, infinite and 1e300 (NaN and
    # infinity compare above every number, so `< 10000000` refuses them too).
    case("required", """[[record]]
id = "required.weight"
kind = "required"
check = "weight IS NOT NULL AND weight > 0 AND weight < 10000000"
severity = "error"
report = "weight"
message = "weight missing, not positive, not finite or absurdly large"
""", {2: {"WGT": ""}, 4: {"WGT": "0"}, 5: {"WGT": "NaN"}, 6: {"WGT": "inf"}, 7: {"WGT": "1e300"}},
        counts(10, 10, 0, 0), counts(10, 5, 5, 0), "required.weight")

    # range: age from 0 to 120. Invalid: 130 and 121; an age that is not a number is null: missing.
    case("range", """[[record]]
id = "range.age"
kind = "range"
check = "age BETWEEN 0 AND 120"
severity = "error"
report = "age"
message = "age out of range"
""", {0: {"AGE": "130"}, 1: {"AGE": "121"}, 2: {"AGE": "abc"}}, counts(10, 10, 0, 0), counts(10, 7, 2, 1),
        "range.age")

    # quarantined share: the source as a whole. Invalid: 3 of 10 records quarantined by the age
    # range (30%), above the 20% allowed: the source fails (not published by `ilms run`).
    case("quarantined_share", """[[record]]
id = "range.age"
kind = "range"
check = "age BETWEEN 0 AND 120"
severity = "error"
report = "age"
message = "age out of range"

# The source as a whole: INVALID has 3 of 10 records quarantined (30%), above 20%.
[quarantined]
id = "source.quarantined_share"
max_share = 0.2
severity = "error"
""", {0: {"AGE": "130"}, 1: {"AGE": "121"}, 2: {"AGE": "125"}}, counts(1, 1, 0, 0), counts(1, 0, 1, 0),
        "source.quarantined_share")

    # no record: a file with its header and no row fails the quarantined share (nothing clean to
    # publish; never zeros). Valid: the ten persons.
    case("no_record", """# A source with no clean record fails as a whole.
[quarantined]
id = "source.quarantined_share"
max_share = 0.05
severity = "error"
""", {}, counts(1, 1, 0, 0), counts(1, 0, 1, 0), "source.quarantined_share", invalid_rows=[])

    # pattern: occupation to the unit group (4 digits). Invalid: a 2-digit sub-major group.
    case("pattern", """[[record]]
id = "pattern.occupation_unit_group"
kind = "pattern"
check = "occupation IS NULL OR REGEXP_LIKE(occupation, '^[0-9]{4}$')"
severity = "warning"
report = "occupation"
message = "occupation not coded to the unit group"
""", {0: {"OCC": "51"}}, counts(10, 10, 0, 0), counts(10, 9, 1, 0), "pattern.occupation_unit_group")

    # conditional: employed implies occupation stated. Unknown activity (person 7, a child) is
    # missing, the non-employed pass. Invalid: two employed without occupation.
    case("conditional", """[[record]]
id = "conditional.employed_has_occupation"
kind = "conditional"
check = "lf_status <> 'EMP' OR occupation IS NOT NULL"
severity = "warning"
report = "occupation"
message = "employed without occupation"
""", {0: {"OCC": ""}, 4: {"OCC": ""}}, counts(10, 9, 0, 1), counts(10, 7, 2, 1),
        "conditional.employed_has_occupation")

    # completeness: at most 10% of persons with sex not stated. Invalid: 2 of 10 (20%).
    case("completeness", """[[completeness]]
id = "completeness.sex"
universe = "TRUE"
stated = "sex IS NOT NULL"
max_missing_share = 0.1
severity = "warning"
""", {0: {"SEX": "9"}, 1: {"SEX": "9"}}, counts(1, 1, 0, 0), counts(1, 0, 1, 0), "completeness.sex",
        valid_changes={0: {"SEX": "9"}})

    # uniqueness: the id column identifies one record. Invalid: persons 1 and 2 share id 1; both
    # records fail.
    case("uniqueness", """[[unique]]
id = "unique.record_id"
severity = "error"
message = "duplicate id"
""", {1: {"ID": "1"}}, counts(10, 10, 0, 0), counts(10, 8, 2, 0), "unique.record_id")

    # domain: a code must be in the map (the spec's unmapped policy is quarantine). Invalid: sex 7.
    case("domain", "# The domain rule comes from the spec's maps; no declared rule.\n",
         {3: {"SEX": "7"}}, counts(10, 10, 0, 0), counts(10, 9, 1, 0), "unmapped_code.sex")

    # source totals: a workbook's total row against its rows. Invalid: the women's total is 5 too high.
    folder = OUT / "source_totals"
    for sub in ["raw", "sources", "rules"]:
        (folder / sub).mkdir(parents=True)
    for source, error in [("valid", 0), ("invalid", 5)]:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["Destination", "Men", "Women", "Total"])
        table = [("SAU", 10, 20), ("MYS", 7, 3), ("JPN", 0, 4)]
        for dest, men, women in table:
            ws.append([dest, men, women, men + women])
        ws.append(["Total", 17, 27 + error, 44 + error])
        wb.save(folder / "raw" / f"{source}.xlsx")
        (folder / "sources" / f"{source}.toml").write_text(f"""# Conformance case (tools/make_conformance_corpus.py). SYNTHETIC.
[source]
id = "{source.upper()}"
title = "{source.upper()}"
ref_area = "PHL"
time = "2024"
source_type = "FX"
kind = "aggregate"
not_provided = ["age", "country_of_birth", "citizenship", "lf_status", "occupation", "industry", "education", "status_in_employment", "flow", "origin", "purpose"]

[file]
path = "raw/{source}.xlsx"
format = "xlsx"
total_rows = {{ column = "Destination", labels = ["Total"] }}
total_columns = [{{ total = "Total", parts = ["Men", "Women"] }}]
unpivot = {{ columns = ["Men", "Women"], name = "Sex", value = "Persons" }}

[record]
id_columns = ["Destination", "Sex"]
count = "Persons"

[variables.sex]
column = "Sex"
map = {{ "Men" = "M", "Women" = "F" }}

[variables.destination]
column = "Destination"
as_is = true
""", encoding="utf-8")
    (folder / "rules" / "rule.toml").write_text("""[source_totals]
id = "source_totals"
tolerance = 0.5
severity = "warning"
""", encoding="utf-8")
    (folder / "ilms.toml").write_text(MANIFEST.format(case="source_totals"), encoding="utf-8")
    # Items: the total row's Men, Women and Total cells, and the Total column in each of 3 rows.
    expected = [dict(source_id="VALID", rule="source_totals", **counts(6, 6, 0, 0)),
                dict(source_id="INVALID", rule="source_totals", **counts(6, 4, 2, 0))]
    (folder / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
