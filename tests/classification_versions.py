"""Independent checks of classification versions (tests/classification_versions.rs, issue 26).

    python3 tests/classification_versions.py raw ROUND      Thailand's ISCO-88 / ISIC Rev.3.1 tables
    python3 tests/classification_versions.py faithful ROUND skill levels / sectors across versions
    python3 tests/classification_versions.py runlog ROUND   the run log's per-code treatment
    python3 tests/classification_versions.py same ROUND_A ROUND_B   the same published cells
    python3 tests/classification_versions.py maps ROUND FOLDER  maps of the codes that convert faithfully
    python3 tests/classification_versions.py converted ROUND  a faithful source's converted cells
    python3 tests/classification_versions.py older_maps ROUND FOLDER  maps to ISCO-68 / ISIC Rev.2
    python3 tests/classification_versions.py older OUT ROUND  a source coded in ISCO-68 / ISIC Rev.2

`raw` reads raw/tha_lfs_2024.sav with pyreadstat (not ilms' reader), derives each record's codes
from its raw answers as the spec describes them (written out again here, not read from ilms), and
compares every published THA cell of the occupation and industry tables in ISCO-88, ISIC Rev.3.1,
skill levels, aggregate and broad sectors with the weighted sums. Quarantined rows (ilms'
quarantine file) are left out, as ilms leaves them out. Prints "versions ok".
"""
import csv
import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

SOURCE = "BA:THA_LFS_2024"
# The official correspondences and structures, read from the repository (a run's --out folder has none).
CLASSIFICATIONS = Path(__file__).resolve().parent.parent / "schemas" / "classifications"
SOURCE_ID = "THA_LFS_2024"


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def cells(round_dir):
    hive = ds.partitioning(pa.schema([("ref_area", pa.string()), ("time", pa.string())]), flavor="hive")
    return pd.read_parquet(Path(round_dir) / "processed" / "indicators", partitioning=hive)


# ISIC Rev.3.1 tabulation categories by division (the UN structure, written out independently).
ISIC3 = {"A": (1, 2), "B": (5, 5), "C": (10, 14), "D": (15, 37), "E": (40, 41), "F": (45, 45),
         "G": (50, 52), "H": (55, 55), "I": (60, 64), "J": (65, 67), "K": (70, 74), "L": (75, 75),
         "M": (80, 80), "N": (85, 85), "O": (90, 93), "P": (95, 97), "Q": (99, 99)}


def isic3_section(code):
    if not code:
        return "X"
    division = int(code[:2])
    for section, (lo, hi) in ISIC3.items():
        if lo <= division <= hi:
            return section
    fail(f"ISIC Rev.3.1 code {code}: no section")


def skill(major):
    return {"1": "L3-4", "2": "L3-4", "3": "L3-4", "9": "L1"}.get(major, "L2" if major in "45678" and major else "X")


def sector3(section):
    if section in ("A", "B"):
        return "AGR"
    if section in "CDEF" and section != "X":
        return "IND"
    return "X" if section == "X" else "SER"


def aggregate3(section):
    for group, members in {"AGR": "AB", "MAN": "D", "CON": "F", "MEL": "CE", "MKT": "GHIJK", "PUB": "LMNOPQ"}.items():
        if section in members and section != "X":
            return group
    return "X"


def sector4(section):
    if section == "A":
        return "AGR"
    if section in ("B", "C", "D", "E", "F"):
        return "IND"
    return "X" if section in ("X", None, "") else "SER"


def aggregate4(section):
    for group, members in {"AGR": "A", "MAN": "C", "CON": "F", "MEL": "BDE", "MKT": "GHIJKLMN",
                           "PUB": "OPQRSTU"}.items():
        if section and section in members:
            return group
    return "X"


def isic4_sections():
    """ISIC Rev.4 code (any level) -> its section, from the UN structure in the repository."""
    rows = csv.DictReader(l for l in open(CLASSIFICATIONS / "isic4_structure.csv", encoding="utf-8")
                          if not l.startswith("#"))
    return {r["code"]: r["section"] for r in rows}


def isco_treatment(isco, code):
    """How an ISCO-88 code should be treated: split (links in several ISCO-08 major groups),
    regrouped (one major group, but another skill level than its own) or faithful."""
    majors = {t[0] for t in isco[code]}
    if len(majors) > 1:
        return "split", None, None
    major = majors.pop()
    if skill(major) != skill(code[0]):
        return "regrouped", major, "OCU_SKILL"
    return "faithful", major, None


def isic_treatment(isic, sections4, code):
    """The same for an ISIC Rev.3.1 code: its links' ISIC Rev.4 sections, and whether the broad or
    aggregate sector of that section differs from its own section's."""
    sections = {sections4.get(t[:2]) for k, v in isic.items() if k.startswith(code) for t in v}
    if len(sections) > 1:
        return "split", None, None
    section = sections.pop()
    own = isic3_section(code)
    moved = [name for name, differs in (("ECO_AGGREGATE", aggregate3(own) != aggregate4(section)),
                                        ("ECO_SECTOR", sector3(own) != sector4(section))) if differs]
    if moved:
        return "regrouped", section, " / ".join(moved)
    return "faithful", section, None


def thai_records(round_dir, raw_round=None):
    """Employed persons of working age of Thailand's survey, from the raw .sav (in `raw_round`, by
    default the round whose output `round_dir` holds)."""
    import pyreadstat

    root = Path(round_dir)
    frame, meta = pyreadstat.read_sav(str(Path(raw_round or round_dir) / "raw" / "tha_lfs_2024.sav"))
    frame["row"] = range(len(frame))
    quarantine = pd.read_parquet(root / "processed" / "quarantine" / f"{SOURCE_ID}.parquet")
    records = pd.read_parquet(root / "processed" / "harmonized" / f"{SOURCE_ID}.parquet", columns=["source_row"])
    base = int(records.source_row.min() if len(quarantine) == 0 else min(records.source_row.min(), quarantine.source_row.min()))
    if base not in (0, 1) or len(records) + len(quarantine) != len(frame):
        fail(f"source rows: base {base}, {len(records)} + {len(quarantine)} of {len(frame)}")
    frame = frame[~frame.row.isin(quarantine.source_row - base)]
    countries = {r["code"]: r["iso3"] for r in csv.DictReader(
        l for l in open(Path(raw_round or round_dir) / "schemas/classifications/national/tha_lfs_countries.csv",
                        encoding="utf-8")
        if not l.startswith("#"))}
    labels = meta.variable_value_labels["sex"]
    frame["SEX"] = frame.sex.map(lambda v: {"Male": "M", "Female": "F"}.get(labels.get(v), "X"))
    one = lambda col: frame[col].fillna(0) == 1
    employed = one("worked") | one("has_job")
    frame = frame[frame.worked.notna() & employed & (frame.age >= 15)].copy()

    def status(column, native, foreign):
        iso = frame[column].map(lambda c: countries.get(c, ""))
        return iso.map(lambda i: "X" if i == "" else (native if i == "THA" else foreign))

    frame["CBR_BIR"] = status("cob", "NATIVE", "FOREIGN")
    frame["CCT_CIT"] = status("nat", "CITIZEN", "NONCIT")
    frame["major88"] = frame.occ88.map(lambda c: c[:1] if c else "X")
    frame["section3"] = frame.ind31.map(isic3_section)
    frame["OCU_ISCO88"] = frame.major88
    frame["OCU_SKILL"] = frame.major88.map(skill)
    frame["ECO_ISIC3"] = frame.section3
    frame["ECO_SECTOR"] = frame.section3.map(sector3)
    frame["ECO_AGGREGATE"] = frame.section3.map(aggregate3)
    return frame


def expected(frame, version, migrant):
    """Weighted persons and records per (sex, classif1, classif2), margins included."""
    out = {}
    for sex in ("T", None):
        for c1 in ("TOTAL", None):
            for c2 in ("TOTAL", None):
                keys = [k for k, fixed in ((("SEX", sex)), (version, c1), (migrant, c2)) if fixed is None]
                groups = frame.groupby(keys) if keys else [((), frame)]
                for key, part in groups:
                    key = key if isinstance(key, tuple) else (key,)
                    values = dict(zip(keys, key))
                    cell = (f"SEX_{values.get('SEX', sex)}", f"{version}_{values.get(version, c1)}",
                            f"{migrant}_{values.get(migrant, c2)}")
                    out[cell] = (part.wgt.sum(), len(part))
    return out


def compare_table(table, got, want, expected_from, withheld_below=None):
    """Every published cell of one table (`got`) against the expected weighted persons and records
    (`want`, by (sex, classif1, classif2)), and every expected cell with records published. A
    withheld cell (S) is not compared; with `withheld_below`, it must have fewer records than that.
    Returns how many cells were compared."""
    if got.empty:
        fail(f"{table}: no cells")
    keys, compared = set(), 0
    for row in got.itertuples():
        key = (row.sex, row.classif1, row.classif2)
        keys.add(key)
        weight, records = want.get(key, (0.0, 0))
        if row.obs_status == "S":
            if withheld_below is not None and records >= withheld_below:
                fail(f"{table} {key}: withheld, but {records} records")
            continue
        if abs(row.obs_value - weight / 1000) > 1e-6 or int(row.sample_count) != records:
            fail(f"{table} {key}: published {row.obs_value} ({row.sample_count} records), "
                 f"{expected_from} {weight / 1000} ({records} records)")
        compared += 1
    missing = [k for k, (w, n) in want.items() if n > 0 and k not in keys]
    if missing:
        fail(f"{table}: cells with records not published: {missing[:5]}")
    return compared


def check_raw(round_dir):
    frame = thai_records(round_dir)
    published = cells(round_dir)
    tha = published[published.source == SOURCE]
    if tha.empty:
        fail("no cells of Thailand's survey")
    for prefix in ("OCU_ISCO08_", "ECO_ISIC4_"):
        converted = tha[tha.classif1.fillna("").str.startswith(prefix) | tha.classif2.fillna("").str.startswith(prefix)]
        if len(converted):
            fail(f"{len(converted)} THA cells in {prefix}*: its codes do not all convert faithfully")
    checked = 0
    tables = [("MST_TEMP_SEX_OCU_CBR_NB", "CBR_BIR", ["OCU_ISCO88", "OCU_SKILL"]),
              ("MST_TEMP_SEX_OCU_CCT_NB", "CCT_CIT", ["OCU_ISCO88", "OCU_SKILL"]),
              ("MST_TEMP_SEX_ECO_CBR_NB", "CBR_BIR", ["ECO_ISIC3", "ECO_SECTOR", "ECO_AGGREGATE"]),
              ("MST_TEMP_SEX_ECO_CCT_NB", "CCT_CIT", ["ECO_ISIC3", "ECO_SECTOR", "ECO_AGGREGATE"])]
    for indicator, migrant, versions in tables:
        for version in versions:
            want = expected(frame, version, migrant)
            got = tha[(tha.indicator == indicator) & tha.classif1.str.startswith(version + "_")]
            checked += compare_table(f"{indicator} {version}", got, want, "raw", withheld_below=5)
    # The ISCO-08 / ISIC Rev.4 tables are not available, with the reason, in the run log.
    import json
    log = json.load(open(Path(round_dir) / "processed" / "run_log.json"))
    reasons = [n for n in log["not_available"] if n["source_id"] == SOURCE_ID
               and n.get("dimension") in ("OCU_ISCO08", "ECO_ISIC4") and n.get("reason")]
    if {n["dimension"] for n in reasons} != {"OCU_ISCO08", "ECO_ISIC4"}:
        fail(f"run log: the unconverted tables are not listed with a reason: {reasons[:2]}")
    print(f"{checked} THA cells equal the raw file's weighted sums")
    print("versions ok")


def crosswalk(round_dir, name):
    rows = csv.DictReader(l for l in open(CLASSIFICATIONS / "crosswalks" / name, encoding="utf-8")
                          if not l.startswith("#"))
    links = {}
    for r in rows:
        links.setdefault(r["from"], set()).add(r["to"])
    return links


def check_faithful(round_dir):
    """Where a code's links all lie in one ISCO-08 major group (ISIC Rev.4 section), ilms converts
    it to that group (section), record by record, and a split code is not converted. A converted
    code is counted as regrouped where ILO moved it to another skill level (9141, level 1, is 5153,
    level 2) or broad / aggregate sector; ilms publishes no current-version table of a source
    whose map has such a code (checked in `runlog` and `converted`)."""
    root = Path(round_dir)
    records = pd.read_parquet(root / "processed" / "harmonized" / f"{SOURCE_ID}.parquet")
    records = records[(records.lf_status == "EMP") & records.working_age]
    isco = crosswalk(round_dir, "isco88_isco08.csv")
    count = {"faithful": 0, "regrouped": 0}
    moved_codes = set()
    # A raw code the map does not know is not classified (no own code): nothing to convert.
    for code, converted in zip(records.occupation, records.occupation_isco08):
        converted = None if pd.isna(converted) else converted
        if pd.isna(code) or not code:
            continue
        treatment, major, _ = isco_treatment(isco, code)
        if treatment == "split":
            if converted is not None:
                fail(f"ISCO-88 {code} links into several major groups but was converted to {converted}")
            continue
        if converted is None or converted[0] != major:
            fail(f"ISCO-88 {code}: its links all lie in major group {major}, converted to {converted}")
        count[treatment] += 1
        if treatment == "regrouped":
            moved_codes.add(code)
    sections4 = isic4_sections()
    isic = crosswalk(round_dir, "isic31_isic4.csv")
    sectors = {"faithful": 0, "regrouped": 0}
    for code, converted in zip(records.industry, records.industry_section):
        converted = None if pd.isna(converted) else converted
        if pd.isna(code) or not code:
            continue
        treatment, section, _ = isic_treatment(isic, sections4, code)
        if (treatment == "split") != (converted is None) or (converted and converted != section):
            fail(f"ISIC Rev.3.1 {code}: {treatment} into section {section}, converted to {converted}")
        if converted is not None:
            sectors[treatment] += 1
    if count["faithful"] == 0 or sectors["faithful"] == 0:
        fail("no faithful conversion met")
    print(f"{count['faithful']} converted ISCO-88 records keep their skill level, "
          f"{count['regrouped']} of {len(moved_codes)} codes ({', '.join(sorted(moved_codes))}) would not; "
          f"{sectors['faithful']} converted ISIC Rev.3.1 records keep their broad and aggregate sector, "
          f"{sectors['regrouped']} would not")
    print("versions ok")


def write_maps(round_dir, folder):
    """Maps of Thailand's codes that convert faithfully by this script's own reading of the
    correspondences: ISCO-88 codes whose links stay in one ISCO-08 major group of the same skill
    level, ISIC Rev.3.1 codes whose links stay in one ISIC Rev.4 section of the same broad and
    aggregate sector. Prints "maps written"."""
    isco = crosswalk(round_dir, "isco88_isco08.csv")
    isic = crosswalk(round_dir, "isic31_isic4.csv")
    sections4 = isic4_sections()
    occupations = sorted(c for c in isco if isco_treatment(isco, c)[0] == "faithful")
    industries = sorted(c for c in isic if isic_treatment(isic, sections4, c)[0] == "faithful")
    folder = Path(folder)
    (folder / "tha_faithful_isco88.csv").write_text(
        "code,isco88\n" + "".join(f"{c},{c}\n" for c in occupations), encoding="utf-8")
    (folder / "tha_faithful_isic31.csv").write_text(
        "code,isic31\n" + "".join(f"{c},{c}\n" for c in industries), encoding="utf-8")
    print(f"{len(occupations)} ISCO-88 and {len(industries)} ISIC Rev.3.1 codes convert faithfully")
    print("maps written")


def check_converted(round_dir):
    """A source whose codes all convert faithfully (the maps `maps` writes): its ISCO-08 and ISIC
    Rev.4 cells equal each record's major group / section by the correspondence (the one category
    of its code's links), summed independently; and its skill levels, broad and aggregate
    sectors equal, cell for cell, both the ones computed here from the converted codes and the
    ones from the own ISCO-88 / ISIC Rev.3.1 codes."""
    root = Path(round_dir)
    records = pd.read_parquet(root / "processed" / "harmonized" / f"{SOURCE_ID}.parquet")
    records = records[(records.lf_status == "EMP") & records.working_age].copy()
    isco = crosswalk(round_dir, "isco88_isco08.csv")
    isic = crosswalk(round_dir, "isic31_isic4.csv")
    sections4 = isic4_sections()

    def one(categories):
        return categories.pop() if len(categories) == 1 else "X"

    def major08(code):
        return one({t[0] for t in isco.get(code or "", ())})

    def section4(code):
        return one({sections4.get(t[:2]) for k, v in isic.items() if k.startswith(code) for t in v})

    records["SEX"] = records.sex.fillna("X")
    records["CBR_BIR"] = records.birth_status.fillna("X")
    records["wgt"] = records.weight
    # Each record's categories from its own code (none where not classified): converted by the
    # correspondence, and, for the groupings, also read in the own version.
    own_occupation = [c if isinstance(c, str) and c else None for c in records.occupation]
    own_industry = [c if isinstance(c, str) and c else None for c in records.industry]
    records["OCU_ISCO08"] = [major08(c) if c else "X" for c in own_occupation]
    records["OCU_SKILL"] = records.OCU_ISCO08.map(skill)
    records["ECO_ISIC4"] = [section4(c) if c else "X" for c in own_industry]
    records["ECO_SECTOR"] = records.ECO_ISIC4.map(sector4)
    records["ECO_AGGREGATE"] = records.ECO_ISIC4.map(aggregate4)
    own = records.copy()
    own["OCU_SKILL"] = [skill(c[0]) if c else "X" for c in own_occupation]
    own["ECO_SECTOR"] = [sector3(isic3_section(c)) if c else "X" for c in own_industry]
    own["ECO_AGGREGATE"] = [aggregate3(isic3_section(c)) if c else "X" for c in own_industry]
    published = cells(round_dir)
    published = published[published.source == SOURCE]
    tables = [("MST_TEMP_SEX_OCU_CBR_NB", ["OCU_ISCO08", "OCU_SKILL"]),
              ("MST_TEMP_SEX_ECO_CBR_NB", ["ECO_ISIC4", "ECO_SECTOR", "ECO_AGGREGATE"])]
    for indicator, versions in tables:
        for version in versions:
            want = expected(records, version, "CBR_BIR")
            # A grouping: the same from the own codes, as ilms computes it.
            if version in ("OCU_SKILL", "ECO_SECTOR", "ECO_AGGREGATE") and expected(own, version, "CBR_BIR") != want:
                fail(f"{indicator} {version}: the own codes and the converted ones give different cells")
            got = published[(published.indicator == indicator) & published.classif1.str.startswith(version + "_")]
            compare_table(f"{indicator} {version}", got, want, "from the converted codes")
            grouping = version in ("OCU_SKILL", "ECO_SECTOR", "ECO_AGGREGATE")
            print(f"{indicator} {version}: {len(got)} cells equal the sums from the converted codes"
                  + (" and from the own codes" if grouping else ""))
    print("versions ok")


def check_same(a, b):
    key = ["ref_area", "time", "source", "indicator", "sex", "classif1", "classif2"]
    right = cells(b)
    left = cells(a)
    left = left[left.source.isin(set(right.source))]
    left = left.sort_values(key).reset_index(drop=True)
    right = right.sort_values(key).reset_index(drop=True)
    if len(left) != len(right):
        fail(f"{len(left)} cells against {len(right)}")
    for column in left.columns:
        l, r = left[column].astype(str), right[column].astype(str)
        if not l.equals(r):
            first = (l != r).idxmax()
            fail(f"{column} differs: {left.loc[first, key].tolist()}: {l[first]} against {r[first]}")
    print(f"{len(left)} cells identical")
    print("versions ok")


def check_runlog(round_dir):
    """The run log's `conversion` gives, per code of Thailand's ISCO-88 and ISIC Rev.3.1, what the
    coverage report gives (records summed over the raw codes mapped to it, resolution, converted
    code); a code is split exactly when its links in the official correspondence lie in several
    ISCO-08 major groups (ISIC Rev.4 sections), and regrouped exactly when they lie in one of
    another skill level (broad or aggregate sector) than its own."""
    root = Path(round_dir)
    log = json.loads((root / "processed" / "run_log.json").read_text(encoding="utf-8"))
    source = next(s for s in log["sources"] if s["id"] == SOURCE_ID)
    logged = {v["variable"]: v["conversion"] for v in source["coverage"] if v.get("conversion")}
    if set(logged) != {"occupation", "industry"}:
        fail(f"run log: per-code conversion for {sorted(logged)}, expected occupation and industry")
    coverage = pd.read_parquet(root / "processed" / "coverage.parquet")
    coverage = coverage[(coverage.source_id == SOURCE_ID) & coverage.version.notna() & coverage.via_code.notna()]
    isco = crosswalk(round_dir, "isco88_isco08.csv")
    isic = crosswalk(round_dir, "isic31_isic4.csv")
    sections4 = isic4_sections()
    for variable, entries in logged.items():
        lines = coverage[coverage.variable == variable]
        want = {}
        for line in lines.itertuples():
            converted = None if pd.isna(line.harmonized) else line.harmonized
            regrouped = None if pd.isna(line.regrouped_in) else line.regrouped_in
            treated = (line.version, line.resolution, regrouped, converted)
            treated, records = want.get(line.via_code, (treated, 0))
            want[line.via_code] = (treated, records + int(line.records))
        got = {e["code"]: ((e["version"], e["resolution"], e["regrouped_in"], e["converted_to"]), e["records"])
               for e in entries}
        if got != want:
            differ = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))[:5]
            fail(f"{variable}: run log and coverage report differ for codes {differ}: "
                 f"{[(k, got.get(k), want.get(k)) for k in differ]}")
        if [e["code"] for e in entries] != sorted(got):
            fail(f"{variable}: the run log's codes are not in code order")
        for e in entries:
            if variable == "occupation":
                treatment, _, moved = isco_treatment(isco, e["code"])
            else:
                treatment, _, moved = isic_treatment(isic, sections4, e["code"])
            said = "split" if e["resolution"] == "split" else "regrouped" if e["regrouped_in"] else "faithful"
            if said != treatment or e["regrouped_in"] != moved or (treatment == "split") != (e["converted_to"] is None):
                fail(f"{variable} {e['code']}: {treatment} by the correspondence, run log says {e}")
        print(f"{variable}: {len(entries)} codes, "
              f"{sum(e['resolution'] == 'split' for e in entries)} split, "
              f"{sum(bool(e['regrouped_in']) for e in entries)} regrouped, as in the coverage report")
    print("versions ok")


# A test's own maps of Thailand's ISCO-88 / ISIC Rev.3.1 codes to ISCO-68 / ISIC Rev.2 codes (a made-up
# rule, not a correspondence: the survey is recoded so that a source in those versions exists).
# ISCO-88 major group -> ISCO-68 major group digit (sales workers, 52, -> 4; armed forces -> AF).
ISCO68_DIGIT = {"1": "2", "2": "0", "3": "1", "4": "3", "5": "5", "6": "6", "7": "7", "8": "8", "9": "9"}
# ISIC Rev.3.1 section -> ISIC Rev.2 major division (extraterritorial bodies, Q -> 0, not adequately
# defined; private households, division 95 -> 953, domestic services).
ISIC2_DIGIT = {"A": "1", "B": "1", "C": "2", "D": "3", "E": "4", "F": "5", "G": "6", "H": "6", "I": "7",
               "J": "8", "K": "8", "L": "9", "M": "9", "N": "9", "O": "9", "P": "9", "Q": "0"}


def to_isco68(code):
    if code.startswith("0"):
        return "AF"
    digit = "4" if code.startswith("52") else ISCO68_DIGIT[code[0]]
    return digit + code[1:3]


def to_isic2(code):
    if code.startswith("95"):
        return "9530"
    return ISIC2_DIGIT[isic3_section(code)] + code[:2]


def major68(code):
    """ILOSTAT's ISCO-68 major group of a code: 0/1 and 7/8/9 are one group each."""
    if code in ("AF", "X"):
        return code
    return "0-1" if code[0] in "01" else "7-9" if code[0] in "789" else code[0]


def sector2(division):
    return "AGR" if division == "1" else "IND" if division in "2345" else "X" if division == "0" else "SER"


def aggregate2(division):
    for group, members in {"AGR": "1", "MAN": "3", "CON": "5", "MEL": "24", "MKT": "678", "PUB": "9"}.items():
        if division in members:
            return group
    return "X"


def older_maps(raw_round):
    """Every ISCO-88 / ISIC Rev.3.1 code of Thailand's raw file -> its ISCO-68 / ISIC Rev.2 code by the
    rule above (a blank stays not stated); and, so that every branch of the major groups, major
    divisions and domestic work is met, the 3rd and 4th most frequent occupation codes to AF and X,
    the 3rd to 6th most frequent industry codes to 9, 95, 0 and blank (not stated)."""
    import pyreadstat

    frame, _ = pyreadstat.read_sav(str(Path(raw_round) / "raw" / "tha_lfs_2024.sav"))
    frequent = lambda column: [c for c in frame[column].value_counts().index if c]
    occupations = {c: to_isco68(c) for c in frame.occ88.dropna() if c}
    occupations.update(zip(frequent("occ88")[2:4], ["AF", "X"]))
    industries = {c: to_isic2(c) for c in frame.ind31.dropna() if c}
    industries.update(zip(frequent("ind31")[2:6], ["9", "95", "0", ""]))
    return occupations, industries


def write_older_maps(round_dir, folder):
    """The maps of `older_maps` as CSV files of the round. Prints "maps written"."""
    occupations, industries = older_maps(round_dir)
    folder = Path(folder)
    for name, codes in (("isco68", occupations), ("isic2", industries)):
        (folder / f"tha_{name}.csv").write_text(
            f"code,{name}\n,\n" + "".join(f"{c},{codes[c]}\n" for c in sorted(codes)), encoding="utf-8")
    print(f"{len(occupations)} occupation and {len(industries)} industry codes mapped")
    print("maps written")


def check_older(round_dir, raw_round):
    """Thailand recoded to ISCO-68 / ISIC Rev.2 (`older_maps`): its occupation tables in ISCO-68 major
    groups and its industry tables in ISIC Rev.2 major divisions, broad and aggregate sectors equal the
    raw file's weighted sums, each record placed from its raw code by the maps' rule; nothing is
    published in ISCO-08, ISIC Rev.4, ISCO-88, ISIC Rev.3.1 or skill levels (ISCO-68 has none), and the
    run log gives the reason for ISCO-08 / ISIC Rev.4 and each code's treatment (no_correspondence)."""
    frame = thai_records(round_dir, raw_round)
    occupations, industries = older_maps(raw_round)
    frame["OCU_ISCO68"] = frame.occ88.map(lambda c: major68(occupations[c]) if c else "X")
    isic2 = frame.ind31.map(lambda c: industries[c] if c else "")
    division = isic2.map(lambda c: c[0] if c else "0")
    frame["ECO_ISIC2"] = division
    frame["ECO_SECTOR"] = division.map(sector2)
    frame["ECO_AGGREGATE"] = division.map(aggregate2)
    # Domestic work from the industry alone (no ISCO-68 occupation identifies it): 953 domestic
    # services; other workers where the code places them elsewhere (0: not adequately defined).
    frame["DOM_WORK"] = isic2.map(
        lambda c: "DOM" if c.startswith("953") else "X" if c in ("", "9", "95") or c[0] == "0" else "NDOM")
    met = {(v, c) for v in ("OCU_ISCO68", "ECO_ISIC2", "DOM_WORK") for c in frame[v].unique()}
    for branch in [("OCU_ISCO68", c) for c in ("AF", "X", "0-1", "7-9")] + [("ECO_ISIC2", "0"), ("DOM_WORK", "X")]:
        if branch not in met:
            fail(f"no employed record in {branch}: the check would not see that branch")
    tha = cells(round_dir)
    tha = tha[tha.source == SOURCE]
    for prefix in ("OCU_ISCO08_", "ECO_ISIC4_", "OCU_ISCO88_", "ECO_ISIC3_", "OCU_SKILL_"):
        other = tha[tha.classif1.fillna("").str.startswith(prefix) | tha.classif2.fillna("").str.startswith(prefix)]
        if len(other):
            fail(f"{len(other)} THA cells in {prefix}*, coded in ISCO-68 / ISIC Rev.2")
    checked = 0
    tables = [("MST_TEMP_SEX_OCU_CBR_NB", "CBR_BIR", ["OCU_ISCO68"]),
              ("MST_TEMP_SEX_OCU_CCT_NB", "CCT_CIT", ["OCU_ISCO68"]),
              ("MST_TEMP_SEX_ECO_CBR_NB", "CBR_BIR", ["ECO_ISIC2", "ECO_SECTOR", "ECO_AGGREGATE"]),
              ("MST_TEMP_SEX_ECO_CCT_NB", "CCT_CIT", ["ECO_ISIC2", "ECO_SECTOR", "ECO_AGGREGATE"]),
              ("MST_TEMP_SEX_DOM_CBR_NB", "CBR_BIR", ["DOM_WORK"])]
    for indicator, migrant, versions in tables:
        for version in versions:
            want = expected(frame, version, migrant)
            got = tha[(tha.indicator == indicator) & tha.classif1.str.startswith(version + "_")]
            checked += compare_table(f"{indicator} {version}", got, want, "raw", withheld_below=5)
    if (frame.DOM_WORK == "DOM").sum() == 0:
        fail("no record in domestic services: the check would not see them")
    log = json.load(open(Path(round_dir) / "processed" / "run_log.json"))
    reasons = {n["dimension"]: n["reason"] for n in log["not_available"] if n["source_id"] == SOURCE_ID
               and n.get("dimension") in ("OCU_ISCO08", "OCU_SKILL", "ECO_ISIC4") and n.get("reason")}
    said = {"OCU_ISCO08": "from OCU_ISCO68 to OCU_ISCO08", "OCU_SKILL": "from OCU_ISCO68 to OCU_ISCO08",
            "ECO_ISIC4": "from ECO_ISIC2 to ECO_ISIC4"}
    if set(reasons) != set(said) or any("no correspondence " + said[d] not in r for d, r in reasons.items()):
        fail(f"run log: the unconverted tables are not listed with the reason: {reasons}")
    source = next(s for s in log["sources"] if s["id"] == SOURCE_ID)
    logged = {v["variable"]: v["conversion"] for v in source["coverage"] if v.get("conversion")}
    for variable, version in (("occupation", "isco68"), ("industry", "isic2")):
        entries = logged.get(variable, [])
        if not entries or any((e["version"], e["resolution"], e["converted_to"]) != (version, "no_correspondence", None)
                              for e in entries):
            fail(f"run log: {variable} codes not all {version}, no_correspondence, unconverted: {entries[:2]}")
    print(f"{checked} THA cells in ISCO-68 / ISIC Rev.2 equal the raw file's weighted sums")
    print("versions ok")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "raw":
        check_raw(sys.argv[2])
    elif mode == "faithful":
        check_faithful(sys.argv[2])
    elif mode == "converted":
        check_converted(sys.argv[2])
    elif mode == "runlog":
        check_runlog(sys.argv[2])
    elif mode == "maps":
        write_maps(sys.argv[2], sys.argv[3])
    elif mode == "older_maps":
        write_older_maps(sys.argv[2], sys.argv[3])
    elif mode == "older":
        check_older(sys.argv[2], sys.argv[3])
    elif mode == "same":
        check_same(sys.argv[2], sys.argv[3])
    else:
        fail(f"unknown mode {mode}")
