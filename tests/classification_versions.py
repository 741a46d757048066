"""Independent checks of classification versions (tests/classification_versions.rs, issue 26).

    python3 tests/classification_versions.py raw ROUND      Thailand's ISCO-88 / ISIC Rev.3.1 tables
    python3 tests/classification_versions.py faithful ROUND skill levels / sectors across versions
    python3 tests/classification_versions.py runlog ROUND   the run log's per-code treatment
    python3 tests/classification_versions.py same ROUND_A ROUND_B   the same published cells

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


def thai_records(round_dir):
    """Employed persons of working age of Thailand's survey, from the raw .sav."""
    import pyreadstat

    root = Path(round_dir)
    frame, meta = pyreadstat.read_sav(str(root / "raw" / "tha_lfs_2024.sav"))
    frame["row"] = range(len(frame))
    quarantine = pd.read_parquet(root / "processed" / "quarantine" / f"{SOURCE_ID}.parquet")
    records = pd.read_parquet(root / "processed" / "harmonized" / f"{SOURCE_ID}.parquet", columns=["source_row"])
    base = int(records.source_row.min() if len(quarantine) == 0 else min(records.source_row.min(), quarantine.source_row.min()))
    if base not in (0, 1) or len(records) + len(quarantine) != len(frame):
        fail(f"source rows: base {base}, {len(records)} + {len(quarantine)} of {len(frame)}")
    frame = frame[~frame.row.isin(quarantine.source_row - base)]
    countries = {r["code"]: r["iso3"] for r in csv.DictReader(
        l for l in open(root / "schemas/classifications/national/tha_lfs_countries.csv", encoding="utf-8")
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
            if got.empty:
                fail(f"{indicator}: no {version} cells for THA")
            got_keys = set()
            for row in got.itertuples():
                key = (row.sex, row.classif1, row.classif2)
                got_keys.add(key)
                weight, records = want.get(key, (0.0, 0))
                if row.obs_status == "S":
                    if records >= 5:
                        fail(f"{indicator} {key}: withheld, but {records} records")
                    continue
                if abs(row.obs_value - weight / 1000) > 1e-6 or int(row.sample_count) != records:
                    fail(f"{indicator} {key}: published {row.obs_value} ({row.sample_count} records), "
                         f"raw {weight / 1000} ({records} records)")
                checked += 1
            missing = [k for k, (w, n) in want.items() if n > 0 and k not in got_keys]
            if missing:
                fail(f"{indicator} {version}: cells with records not published: {missing[:5]}")
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
    it to that group (section), record by record, and a split code is not converted. Skill levels
    and broad sectors from the old and the converted codes are counted, not asserted equal: ILO
    moved some occupations between skill levels (9141, level 1, is 5153, level 2)."""
    root = Path(round_dir)
    records = pd.read_parquet(root / "processed" / "harmonized" / f"{SOURCE_ID}.parquet")
    records = records[(records.lf_status == "EMP") & records.working_age]
    isco = crosswalk(round_dir, "isco88_isco08.csv")
    same = moved = 0
    moved_codes = set()
    for code, converted in zip(records.occupation_src, records.occupation_isco08):
        converted = None if pd.isna(converted) else converted
        if not code:
            continue
        majors = {t[0] for t in isco[code]}
        if len(majors) > 1:
            if converted is not None:
                fail(f"ISCO-88 {code} links into major groups {sorted(majors)} but was converted to {converted}")
            continue
        if converted is None or converted[0] != next(iter(majors)):
            fail(f"ISCO-88 {code}: its links all lie in major group {majors}, converted to {converted}")
        if skill(converted[0]) == skill(code[0]):
            same += 1
        else:
            moved += 1      # e.g. 9141 building caretakers (L1) -> 5153 (L2): ILO's regrouping
            moved_codes.add(code)
    isic4_sections = {r["code"]: r["section"] for r in csv.DictReader(
        l for l in open(CLASSIFICATIONS / "isic4_structure.csv", encoding="utf-8") if not l.startswith("#"))}
    isic = crosswalk(round_dir, "isic31_isic4.csv")
    sectors_same = sectors_moved = 0
    for code, converted in zip(records.industry_src, records.industry_section):
        converted = None if pd.isna(converted) else converted
        if not code:
            continue
        links = {t for k, v in isic.items() if k.startswith(code) for t in v}
        sections = {isic4_sections.get(t[:2]) for t in links}
        if (len(sections) == 1) != (converted is not None) or (converted and converted != next(iter(sections))):
            fail(f"ISIC Rev.3.1 {code}: links in sections {sorted(sections)}, converted to {converted}")
        if converted is not None:
            if sector3(isic3_section(code)) == sector4(converted):
                sectors_same += 1
            else:
                sectors_moved += 1
    if same == 0 or sectors_same == 0:
        fail("no faithful conversion met")
    print(f"{same} records: the same skill level from ISCO-88 and converted ISCO-08; {moved} records of "
          f"{len(moved_codes)} codes ({', '.join(sorted(moved_codes))}) whose one ISCO-08 major group has another "
          f"skill level; {sectors_same} records: the same broad sector, {sectors_moved} another")
    print("versions ok")


def check_converted(round_dir):
    """The ISCO-08 cells of a source whose ISCO-88 codes all convert: each record's major group from
    the correspondence (the one major group of its code's links), summed independently."""
    root = Path(round_dir)
    records = pd.read_parquet(root / "processed" / "harmonized" / f"{SOURCE_ID}.parquet")
    records = records[(records.lf_status == "EMP") & records.working_age].copy()
    isco = crosswalk(round_dir, "isco88_isco08.csv")

    def major08(code):
        majors = {t[0] for t in isco.get(code or "", ())}
        return majors.pop() if len(majors) == 1 else "X"

    records["OCU_ISCO08"] = [major08(c) if o else "X" for c, o in zip(records.occupation_src, records.occupation)]
    records["SEX"] = records.sex.fillna("X")
    records["CBR_BIR"] = records.birth_status.fillna("X")
    records["wgt"] = records.weight
    want = expected(records, "OCU_ISCO08", "CBR_BIR")
    published = cells(round_dir)
    got = published[(published.source == SOURCE) & (published.indicator == "MST_TEMP_SEX_OCU_CBR_NB")
                     & published.classif1.str.startswith("OCU_ISCO08_")]
    if got.empty:
        fail("no converted ISCO-08 cells")
    for row in got.itertuples():
        weight, n = want.get((row.sex, row.classif1, row.classif2), (0.0, 0))
        if row.obs_status == "S":
            continue
        if abs(row.obs_value - weight / 1000) > 1e-6 or int(row.sample_count) != n:
            fail(f"{(row.sex, row.classif1, row.classif2)}: published {row.obs_value}, expected {weight / 1000}")
    print(f"{len(got)} converted ISCO-08 cells equal the correspondence applied to the source's codes")
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
    code); an ISCO-88 code is split exactly when its links in the official correspondence lie in
    several ISCO-08 major groups."""
    root = Path(round_dir)
    log = json.loads((root / "processed" / "run_log.json").read_text(encoding="utf-8"))
    source = next(s for s in log["sources"] if s["id"] == SOURCE_ID)
    logged = {v["variable"]: v["conversion"] for v in source["coverage"] if v.get("conversion")}
    if set(logged) != {"occupation", "industry"}:
        fail(f"run log: per-code conversion for {sorted(logged)}, expected occupation and industry")
    coverage = pd.read_parquet(root / "processed" / "coverage.parquet")
    coverage = coverage[(coverage.source_id == SOURCE_ID) & coverage.version.notna() & coverage.via_code.notna()]
    isco = crosswalk(round_dir, "isco88_isco08.csv")
    for variable, entries in logged.items():
        lines = coverage[coverage.variable == variable]
        want = {}
        for line in lines.itertuples():
            converted = None if pd.isna(line.harmonized) else line.harmonized
            code, records = want.get(line.via_code, ((line.version, line.resolution, converted), 0))
            want[line.via_code] = (code, records + int(line.records))
        got = {e["code"]: ((e["version"], e["resolution"], e["converted_to"]), e["records"]) for e in entries}
        if got != want:
            differ = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))[:5]
            fail(f"{variable}: run log and coverage report differ for codes {differ}: "
                 f"{[(k, got.get(k), want.get(k)) for k in differ]}")
        if [e["code"] for e in entries] != sorted(got):
            fail(f"{variable}: the run log's codes are not in code order")
        if variable == "occupation":
            for e in entries:
                split = len({t[0] for t in isco[e["code"]]}) > 1
                if split != (e["resolution"] == "split") or split != (e["converted_to"] is None):
                    fail(f"ISCO-88 {e['code']}: links split {split}, run log says {e}")
        print(f"{variable}: {len(entries)} codes, "
              f"{sum(e['resolution'] == 'split' for e in entries)} split, as in the coverage report")
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
    elif mode == "same":
        check_same(sys.argv[2], sys.argv[3])
    else:
        fail(f"unknown mode {mode}")
