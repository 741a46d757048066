#!/usr/bin/env python3
"""Copy the reference classifications ilms needs from ../shared/reference into schemas/classifications.

The project must run without ../shared, so the code lists live in the repository. Each output CSV starts
with `#` lines naming its origin; ilms skips them when it reads the file. Re-run after the reference
data changes:  python3 tools/build_classifications.py [path/to/shared/reference]
"""
import csv
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
REF = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
OUT = ROOT / "schemas" / "classifications"

# Codes ilms needs that ILOSTAT's 2019 lists do not carry. Kept apart by the `origin` column.
EXTENSIONS = [
    # (version, code, level, is_total, label, sort)
    ("SEX", "SEX_O", "1.0", "N", "Other", "10035.0"),
    ("SEX", "SEX_X", "1.0", "N", "Not stated", "10040.0"),
    # Migrant domestic work (the ASEAN Forum on Migrant Labour's ask): ILOSTAT has no code for it.
    ("DOM_WORK", "DOM_WORK_TOTAL", "1.0", "Y", "Total", "1.0"),
    ("DOM_WORK", "DOM_WORK_DOM", "1.0", "N", "Domestic workers", "2.0"),
    ("DOM_WORK", "DOM_WORK_NDOM", "1.0", "N", "Other workers", "3.0"),
    ("DOM_WORK", "DOM_WORK_X", "1.0", "N", "Not classifiable", "4.0"),
]


# ISCO-68 major groups and ISIC Rev.2 major divisions: in ILOSTAT's 2019 lists (dbescond/Ariane
# R/sysdata.rda, CODE_ORA$T_CLA_CLASSIF, the snapshot the reference subset was cut from) but not in the
# subset, which kept the versions the ILMS questionnaire asked for. Copied from there as they stand.
ILOSTAT_OLDER_VERSIONS = [
    # (version, code, level, is_total, label, sort)
    ("OCU_ISCO68", "OCU_ISCO68_TOTAL", "1.0", "Y", "Total", "14890.0"),
    ("OCU_ISCO68", "OCU_ISCO68_0-1", "1.0", "N", "0/1. Professional, technical and related workers", "14900.0"),
    ("OCU_ISCO68", "OCU_ISCO68_2", "1.0", "N", "2. Administrative and managerial workers", "14910.0"),
    ("OCU_ISCO68", "OCU_ISCO68_3", "1.0", "N", "3. Clerical and related workers", "14920.0"),
    ("OCU_ISCO68", "OCU_ISCO68_4", "1.0", "N", "4. Sales workers", "14930.0"),
    ("OCU_ISCO68", "OCU_ISCO68_5", "1.0", "N", "5. Service workers", "14940.0"),
    ("OCU_ISCO68", "OCU_ISCO68_6", "1.0", "N",
     "6. Agriculture, animal husbandry and forestry workers, fishermen and hunters", "14950.0"),
    ("OCU_ISCO68", "OCU_ISCO68_7-9", "1.0", "N",
     "7,8,9. Production and related workers, transport equipment operators and labourers", "14960.0"),
    ("OCU_ISCO68", "OCU_ISCO68_X", "1.0", "N", "X. Not elsewhere classified", "14970.0"),
    ("OCU_ISCO68", "OCU_ISCO68_AF", "1.0", "N", "AF. Armed Forces", "14980.0"),
    ("ECO_ISIC2", "ECO_ISIC2_TOTAL", "1.0", "Y", "Total", "13600.0"),
    ("ECO_ISIC2", "ECO_ISIC2_1", "1.0", "N", "1. Agriculture, Hunting, Forestry and Fishing", "13610.0"),
    ("ECO_ISIC2", "ECO_ISIC2_2", "1.0", "N", "2. Mining and Quarrying", "13620.0"),
    ("ECO_ISIC2", "ECO_ISIC2_3", "1.0", "N", "3. Manufacturing", "13640.0"),
    ("ECO_ISIC2", "ECO_ISIC2_4", "1.0", "N", "4. Electricity, Gas and Water", "13650.0"),
    ("ECO_ISIC2", "ECO_ISIC2_5", "1.0", "N", "5. Construction", "13660.0"),
    ("ECO_ISIC2", "ECO_ISIC2_6", "1.0", "N", "6. Wholesale and Retail Trade and Restaurants and Hotels", "13670.0"),
    ("ECO_ISIC2", "ECO_ISIC2_7", "1.0", "N", "7. Transport, Storage and Communication", "13680.0"),
    ("ECO_ISIC2", "ECO_ISIC2_8", "1.0", "N", "8. Financing, Insurance, Real Estate and Business Services", "13690.0"),
    ("ECO_ISIC2", "ECO_ISIC2_9", "1.0", "N", "9. Community, Social and Personal Services", "13700.0"),
    ("ECO_ISIC2", "ECO_ISIC2_0", "1.0", "N", "0. Activities not Adequately Defined", "13710.0"),
]


def write(name, origin_lines, header, rows):
    path = OUT / name
    with path.open("w", newline="", encoding="utf-8") as f:
        for line in origin_lines:
            f.write(f"# {line}\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {path.relative_to(ROOT)} ({len(rows)} rows)")


def main():
    codelists = list(csv.DictReader(open(REF / "ilostat" / "ilostat_2019_codelists_subset.csv", encoding="utf-8")))
    rows = [
        (r["CLA_VERSION_CODE"], r["CLA_CODE"], int(float(r["CLA_LEVEL"])), r["CLA_IS_TOTAL"], r["CLA_TEXT_EN"],
         int(float(r["CLA_SORT"])), "ILOSTAT 2019")
        for r in codelists
    ]
    rows += [(v, c, int(float(l)), t, lab, int(float(s)), "ILOSTAT 2019 (Ariane)")
             for v, c, l, t, lab, s in ILOSTAT_OLDER_VERSIONS]
    rows += [(v, c, int(float(l)), t, lab, int(float(s)), "ilms extension") for v, c, l, t, lab, s in EXTENSIONS]
    write(
        "ilostat_codelists.csv",
        ["origin: ILO Department of Statistics, ILOSTAT code lists, 2019 snapshot (dbescond/Ariane R/sysdata.rda),",
         "        subset for the ILMS classification versions; rows with origin 'ILOSTAT 2019 (Ariane)' (ISCO-68,",
         "        ISIC Rev.2) come from the same snapshot but not from ../shared/reference's subset;",
         "        rows with origin 'ilms extension' are added by ilms.",
         "built by tools/build_classifications.py"],
        ["version", "code", "level", "is_total", "label", "sort", "origin"],
        rows,
    )

    # ISO 3166-1 alpha-3 countries: the country list ILOSTAT uses for country of birth (CBR_BRT_xxx).
    countries = [
        (r["CLA_CODE"][len("CBR_BRT_"):], r["CLA_TEXT_EN"])
        for r in codelists
        if r["CLA_VERSION_CODE"] == "CBR_BRT" and r["CLA_IS_TOTAL"] != "Y" and not r["CLA_CODE"].startswith("CBR_BRT_X")
    ]
    # ISO 3166-1 reserves XXA for stateless persons (user-assigned, as used by ICAO 9303).
    countries.append(("XXA", "Stateless"))
    # ICAO Doc 9303's XXX: a person of unspecified nationality ("foreign, country not stated");
    # ILOSTAT publishes such persons under CBR_BRT_X / CCT_CTZ_X (other countries).
    countries.append(("XXX", "Foreign, country not stated"))
    write(
        "countries_iso3.csv",
        ["origin: ISO 3166-1 alpha-3 codes as listed in ILOSTAT's 2019 CBR_BRT code list;",
         "        XXA (stateless) is the ISO 3166-1 user-assigned code used by ICAO Doc 9303;",
         "        XXX (foreign, country not stated) is ICAO Doc 9303's unspecified nationality.",
         "built by tools/build_classifications.py"],
        ["iso3", "name"],
        sorted(countries),
    )

    units = list(csv.DictReader(open(REF / "classifications" / "isco08_unit_groups.csv", encoding="utf-8")))
    write(
        "isco08_unit_groups.csv",
        ["origin: ILO, ISCO-08 unit groups (436), from the ILO ISCO-88 to ISCO-08 correspondence table corrtab88-08.",
         "        major_group is the first digit of the unit group code.",
         "built by tools/build_classifications.py"],
        ["code", "major_group", "title"],
        [(u["code"], u["code"][0], u["title"]) for u in units],
    )

    types = list(csv.DictReader(open(REF / "ilostat" / "ilostat_source_types.csv", encoding="utf-8")))
    write(
        "ilostat_source_types.csv",
        ["origin: ILO Department of Statistics, ILOSTAT source types, 2019 snapshot.",
         "built by tools/build_classifications.py"],
        ["code", "label"],
        [(t["SRC_CODE"], t["SRC_TEXT_EN"]) for t in types],
    )


    # ISIC Rev.4 structure, with each code's level and section (the file lists a section's divisions,
    # groups and classes under it).
    structure, section = [], ""
    for r in csv.DictReader(open(REF / "classifications" / "isic4_structure.csv", encoding="utf-8")):
        code = r["code"]
        if code.isalpha():
            section = code
        level = {1: "section", 2: "division", 3: "group", 4: "class"}[1 if code.isalpha() else len(code)]
        structure.append((code, level, section, r["title"]))
    write(
        "isic4_structure.csv",
        ["origin: UN Statistics Division, ISIC Rev.4 structure (sections, divisions, groups, classes);",
         "        level and section added by tools/build_classifications.py from the file's order.",
         "built by tools/build_classifications.py"],
        ["code", "level", "section", "title"],
        structure,
    )

    # Crosswalks: from the older version to the one ilms harmonizes to, one row per official link,
    # in the official table's order (the first link of a code is its main correspondence).
    (OUT / "crosswalks").mkdir(exist_ok=True)
    links = list(csv.DictReader(open(REF / "classifications" / "isco88_to_isco08.csv", encoding="utf-8")))
    write(
        "crosswalks/isco88_isco08.csv",
        ["origin: ILO, ISCO-88 to ISCO-08 correspondence table (corrtab88-08), 671 links, official order.",
         "        partial = p where the ISCO-08 group covers only part of the ISCO-88 group.",
         "built by tools/build_classifications.py"],
        ["from", "to", "partial"],
        [(l["isco88"], l["isco08"], l["isco08_partial"]) for l in links],
    )
    links = list(csv.DictReader(open(REF / "classifications" / "isic4_isic31.csv", encoding="utf-8")))
    write(
        "crosswalks/isic31_isic4.csv",
        ["origin: UN Statistics Division, ISIC Rev.4 to ISIC Rev.3.1 correspondence, read in reverse",
         "        (Rev.3.1 class -> Rev.4 classes), in the table's order; partial = 1 where the Rev.3.1",
         "        class goes only partly to the Rev.4 class.",
         "built by tools/build_classifications.py"],
        ["from", "to", "partial"],
        [(l["isic31"], l["isic4"], l["isic31_partial"]) for l in links],
    )
    write_groupings()


AGE_MAX = 120  # the oldest age the record rules accept (schemas/rules/records.toml)


def write_groupings():
    """The groupings of harmonized codes as translation tables, defined once (harmonize reads them)."""
    def five(a):
        return "YGE65" if a >= 65 else f"Y{a // 5 * 5:02d}-{a // 5 * 5 + 4:02d}"

    def ten(a):
        if a <= 14:
            return "YLT15"
        if a >= 65:
            return "YGE65"
        lo = 15 + (a - 15) // 10 * 10
        return f"Y{lo:02d}-{lo + 9:02d}"

    def aggregate(a):
        return ("YLT15" if a <= 14 else "Y15-24" if a <= 24 else "Y25-54" if a <= 54
                else "Y55-64" if a <= 64 else "YGE65")

    def youth_adult(a):
        return "YLT15" if a <= 14 else "Y15-24" if a <= 24 else "YGE25"

    write(
        "groupings/age.csv",
        ["origin: ILOSTAT's age bands, the suffixes of the codes of AGE_5YRBANDS, AGE_10YRBANDS,",
         "        AGE_AGGREGATE and AGE_YTHADULT, for each whole age the record rules accept.",
         "        The first column is the harmonized variable, the others the record columns grouping it.",
         "built by tools/build_classifications.py"],
        ["age", "age_5yr", "age_10yr", "age_aggregate", "age_youth_adult"],
        [(a, five(a), ten(a), aggregate(a), youth_adult(a)) for a in range(AGE_MAX + 1)],
    )
    write(
        "groupings/education.csv",
        ["origin: ILOSTAT's EDU_AGGREGATE of ISCED 2011 levels: less than basic (no schooling, early",
         "        childhood), basic (primary, lower secondary), intermediate (upper and post-secondary",
         "        non-tertiary), advanced (tertiary); 9, not elsewhere classified, is level not stated.",
         "built by tools/build_classifications.py"],
        ["education", "education_aggregate"],
        [("X", "LTB"), ("0", "LTB"), ("1", "BAS"), ("2", "BAS"), ("3", "INT"), ("4", "INT"),
         ("5", "ADV"), ("6", "ADV"), ("7", "ADV"), ("8", "ADV")],
    )


if __name__ == "__main__":
    main()
