#!/usr/bin/env python3
"""The sample collection round's other nine ASEAN member states (run by tools/make_sample_round.py).

SYNTHETIC DATA. Nothing here comes from a real survey or a real register. Each file imitates what a
statistics office or a ministry sends, in its own coding and format:

  destination countries, labour force survey / census microdata (stocks of migrant workers):
    THA  LFS, SPSS .sav: sex with value labels, ISO 3166 numeric countries, ISCO-88, ISIC Rev.3.1,
         activity status asked as four questions (the spec derives it with an expression), monthly
         earnings in baht
    SGP  LFS, Stata .dta: citizenship only (no country of birth), ISO alpha-2 codes, ISCO-08, ISIC Rev.4,
         earnings asked per week (Singapore dollars)
    BRN  census, fixed-width text in Latin-1: countries written out in words, no weights
  origin countries, administrative records (outflows of nationals for employment):
    PHL  record-level deployments, CSV, with names and passport numbers (personal identifiers)
    MMR  record-level deployments, .xlsx, with names and national registration card numbers (two
         records share a card number: the uniqueness rule quarantines both)
    IDN  ministry workbook .xlsx: destination x occupation, Men / Women in columns, a total row
         that is wrong (100 women too many): the validation report shows both numbers
    VNM  ministry workbook .xls: destination x sector, NOT broken down by sex
    KHM  aggregate table, UTF-16 tab-separated: sex x destination x sector (2023 and 2024)
    LAO  aggregate table, Parquet: sex x destination x ISCO-08 major group (2022 to 2024)
    THA  register of departures of nationals, CSV: every purpose (work, family, study, other), so
         the outflow of nationals for every purpose beside that for employment
  and an inflow, to compare with the origins' outflows:
    MYS  work permits issued, CSV aggregate: nationality x sex (national codes of the LFS)
  earlier years in the shapes ministries publish national figures (issue 20):
    MMR  2023 ministry workbook .xlsx in thousands: destination x Male / Female, a nil marker and
         two footnotes under the table
    KHM  2022 national totals by sex, CSV: Total / Men / Women, destination "All countries"; the
         stated total is 1,000 above men + women (the ministry's own figure, declared authoritative)
    BRN  2020 register of foreign workers, CSV: nationality x occupation x sex, no age, non-citizens
         only, one nationality "Foreign, not stated"

National code lists (what each office would publish in its codebook) go to
schemas/classifications/national/. Every source is seeded on its own, so one can change without
moving the others.
"""
import csv
import pathlib
import random

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import xlwt
from openpyxl.styles import Font

ROOT = pathlib.Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
NATIONAL = ROOT / "schemas" / "classifications" / "national"
CROSSWALKS = ROOT / "schemas" / "classifications" / "crosswalks"


def table(path):
    lines = [l for l in path.read_text(encoding="utf-8").splitlines() if not l.startswith("#")]
    return list(csv.DictReader(lines))


def codebook(name, origin, header, rows):
    with open(NATIONAL / name, "w", newline="", encoding="utf-8") as f:
        f.write(f"# origin: SYNTHETIC codebook, {origin} (tools/make_sample_round_asean.py)\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def pick(rng, mix):
    keys = list(mix)
    return rng.choices(keys, weights=[mix[k] for k in keys])[0]


ISCO08_MAJOR_MIGRANT = {"2": 3, "3": 3, "4": 2, "5": 16, "6": 8, "7": 22, "8": 14, "9": 32}
ISCO08_MAJOR_NATIVE = {"1": 6, "2": 13, "3": 12, "4": 10, "5": 20, "6": 10, "7": 11, "8": 9, "9": 9}


def isco08_units():
    return [r["code"] for r in table(ROOT / "schemas" / "classifications" / "isco08_unit_groups.csv")]


def person(rng, migrant, employed_share):
    """Sex, age, activity (EMP/UNE/OLF or None below working age) of one person."""
    sex = "M" if rng.random() < (0.6 if migrant else 0.5) else "F"
    age = rng.randint(18, 54) if migrant else min(int(rng.expovariate(1 / 31)), 94)
    if age < 15:
        return sex, age, None
    r = rng.random()
    activity = "EMP" if r < employed_share else ("UNE" if r < employed_share + 0.03 else "OLF")
    return sex, age, activity


# ---------------------------------------------------------------------------------------------------
# Thailand: LFS in SPSS, ISCO-88, ISIC Rev.3.1, ISO numeric countries, activity from four questions.

THA_COUNTRIES = [("764", "THA", "Thailand"), ("104", "MMR", "Myanmar"), ("116", "KHM", "Cambodia"),
                 ("418", "LAO", "Lao PDR"), ("704", "VNM", "Viet Nam"), ("156", "CHN", "China"),
                 ("458", "MYS", "Malaysia"), ("356", "IND", "India"), ("999", "", "Not stated")]
THA_EDUCATION = [("0", "X", "No schooling"), ("1", "1", "Primary"), ("2", "2", "Lower secondary"),
                 ("3", "3", "Upper secondary, general"), ("4", "3", "Upper secondary, vocational"),
                 ("5", "5", "Diploma (short-cycle tertiary)"), ("6", "6", "Bachelor's degree"),
                 ("7", "7", "Master's degree or higher"), ("9", "", "Not stated")]
THA_STATUS = [("1", "2", "Employer"), ("2", "3", "Own-account worker"), ("3", "1", "Government employee"),
              ("4", "1", "Private employee"), ("5", "5", "Unpaid family worker"), ("6", "4", "Member of cooperative"),
              ("", "", "Not applicable (not employed)")]


def tha_lfs():
    from make_sample_round import monthly_pay
    rng = random.Random(764)
    pay = random.Random(7641)  # earnings: a generator of their own, the other columns unchanged
    codebook("tha_lfs_countries.csv", "Thailand LFS (ISO 3166-1 numeric codes)", ["code", "iso3", "label"],
             THA_COUNTRIES)
    codebook("tha_lfs_education.csv", "Thailand LFS education to ISCED 2011", ["code", "isced11", "label"],
             THA_EDUCATION)
    codebook("tha_lfs_status.csv", "Thailand LFS status in employment to ICSE-93", ["code", "icse93", "label"],
             THA_STATUS)
    isco88 = sorted({r["from"] for r in table(CROSSWALKS / "isco88_isco08.csv")})
    isic31 = sorted({r["from"] for r in table(CROSSWALKS / "isic31_isic4.csv")})
    by_major = {}
    for c in isco88:
        by_major.setdefault(c[0], []).append(c)
    rows = []
    for i in range(30000):
        migrant = rng.random() < 0.12
        sex, age, activity = person(rng, migrant, 0.82 if migrant else 0.66)
        origin = pick(rng, {"104": 55, "116": 25, "418": 15, "704": 3, "156": 2}) if migrant else "764"
        nationality = origin if rng.random() < 0.95 else "764"
        worked = has_job = looked = available = None
        occ = ind = status = wage = None
        if activity is not None:
            worked = 1 if activity == "EMP" and rng.random() < 0.9 else 2
            has_job = 1 if activity == "EMP" and worked == 2 else 2
            looked = 1 if activity == "UNE" or (activity == "OLF" and rng.random() < 0.1) else 2
            available = 1 if activity == "UNE" else 2
            if activity == "EMP":
                major = pick(rng, ISCO08_MAJOR_MIGRANT if migrant else ISCO08_MAJOR_NATIVE)
                occ = rng.choice(by_major.get(major, by_major["9"]))
                ind = rng.choice(isic31)
                status = pick(rng, {"4": 60, "2": 20, "3": 8, "5": 8, "1": 3, "6": 1})
                wage = monthly_pay(pay, major, migrant, sex == "F", scale=7.5)  # baht
        educ = pick(rng, {"0": 4, "1": 25, "2": 20, "3": 18, "4": 8, "5": 6, "6": 15, "7": 3, "9": 1})
        rows.append(dict(hhid=f"T{i // 3 + 1:05d}", pid=i % 3 + 1, sex=1 if sex == "M" else 2, age=age,
                         cob=origin, nat=nationality, worked=worked, has_job=has_job, looked=looked,
                         available=available, occ88=occ or "", ind31=ind or "", educ=educ,
                         status=status or "", wgt=round(rng.uniform(2800, 4200), 2), wage=wage))
    df = pd.DataFrame(rows)
    df["wage"] = df["wage"].astype("float64")  # system-missing where not employed or not stated
    df.loc[17, "cob"] = "999"  # country of birth not stated
    df.loc[23, "nat"] = "999"
    pyreadstat.write_sav(df, str(RAW / "tha_lfs_2024.sav"), row_compress=True,
                         variable_value_labels={"sex": {1: "Male", 2: "Female"}},
                         column_labels={"occ88": "Occupation (ISCO-88)", "ind31": "Industry (ISIC Rev.3.1)",
                                        "wage": "Monthly earnings from the main job (baht)"})
    print(f"wrote raw/tha_lfs_2024.sav ({len(df)} persons)")


# ---------------------------------------------------------------------------------------------------
# Singapore: LFS in Stata, citizenship only (ISO alpha-2), ISCO-08, ISIC Rev.4 divisions.

SGP_COUNTRIES = [("SG", "SGP"), ("MY", "MYS"), ("CN", "CHN"), ("IN", "IND"), ("ID", "IDN"), ("PH", "PHL"),
                 ("BD", "BGD"), ("MM", "MMR"), ("TH", "THA"), ("VN", "VNM"), ("XX", "")]


def sgp_lfs():
    from make_sample_round import monthly_pay
    rng = random.Random(702)
    pay = random.Random(7021)  # earnings: a generator of their own, the other columns unchanged
    codebook("sgp_lfs_countries.csv", "Singapore LFS (ISO 3166-1 alpha-2 codes; XX not stated)",
             ["code", "iso3"], SGP_COUNTRIES)
    units = isco08_units()
    by_major = {}
    for c in units:
        by_major.setdefault(c[0], []).append(c)
    divisions = [r["code"] for r in table(ROOT / "schemas" / "classifications" / "isic4_structure.csv")
                 if r["level"] == "division"]
    rows = []
    for i in range(20000):
        migrant = rng.random() < 0.3
        sex, age, activity = person(rng, migrant, 0.85 if migrant else 0.64)
        citizenship = pick(rng, {"MY": 35, "CN": 18, "IN": 14, "ID": 8, "PH": 10, "BD": 8, "MM": 4, "TH": 2,
                                 "VN": 1}) if migrant else "SG"
        lf = {"EMP": 1, "UNE": 2, "OLF": 3}.get(activity, None)
        occ = ind = ste = ""
        weekly = None
        if activity == "EMP":
            occ = rng.choice(by_major[pick(rng, ISCO08_MAJOR_MIGRANT if migrant else ISCO08_MAJOR_NATIVE)])
            monthly = monthly_pay(pay, occ[0], migrant, sex == "F", scale=0.9)  # Singapore dollars
            weekly = None if monthly is None else round(monthly * 12 / 52, 2)  # asked per week
            ind = rng.choice(divisions)
            ste = pick(rng, {"1": 85, "2": 4, "3": 9, "5": 2})
        educ = pick(rng, {"X": 2, "1": 10, "2": 14, "3": 25, "4": 8, "5": 9, "6": 24, "7": 7, "8": 1})
        rows.append(dict(hhid=f"S{i // 3 + 1:05d}", pid=i % 3 + 1, sex=sex, age=age, citizenship=citizenship,
                         lfs=lf, ssoc=occ, ssic=ind, isced=educ, ste=ste, wgt=round(rng.uniform(1100, 1500), 3),
                         wkearn=weekly))
    df = pd.DataFrame(rows)
    df["wkearn"] = df["wkearn"].astype("float64")
    df.loc[41, "citizenship"] = "XX"
    pyreadstat.write_dta(df, str(RAW / "sgp_lfs_2024.dta"), version=14,
                         variable_value_labels={"lfs": {1: "Employed", 2: "Unemployed", 3: "Outside the labour force"}})
    print(f"wrote raw/sgp_lfs_2024.dta ({len(df)} persons)")


# ---------------------------------------------------------------------------------------------------
# Brunei: census extract, fixed-width, Latin-1, countries in words, no weights (every person once).

BRN_COUNTRIES = [("Brunei", "BRN"), ("Malaysia", "MYS"), ("Philippines", "PHL"), ("Indonesia", "IDN"),
                 ("Bangladesh", "BGD"), ("India", "IND"), ("Thailand", "THA"), ("Stateless", "XXA"),
                 ("Unknown", "")]
BRN_EDUCATION = [("1", "X", "Never attended"), ("2", "1", "Primary"), ("3", "2", "Lower secondary"),
                 ("4", "3", "Upper secondary"), ("5", "4", "Post-secondary (non-tertiary)"), ("6", "6", "University")]
BRN_LAYOUT = [("HHNO", 5), ("PNO", 2), ("SEX", 1), ("AGE", 3), ("BIRTHPLACE", 14), ("CITIZENSHIP", 14),
              ("ACT", 1), ("OCC", 2), ("IND", 1), ("EDU", 1), ("REMARK", 10)]


def brn_census():
    rng = random.Random(96)
    codebook("brn_census_countries.csv", "Brunei census (countries written out)", ["name", "iso3"], BRN_COUNTRIES)
    codebook("brn_census_education.csv", "Brunei census education to ISCED 2011", ["code", "isced11", "label"],
             BRN_EDUCATION)
    sections = [r["code"] for r in table(ROOT / "schemas" / "classifications" / "isic4_structure.csv")
                if r["level"] == "section"]
    submajors = sorted({u[:2] for u in isco08_units() if u[0] != "0"})
    lines = []
    for i in range(20000):
        migrant = rng.random() < 0.22
        sex, age, activity = person(rng, migrant, 0.84 if migrant else 0.58)
        birth = pick(rng, {"Malaysia": 30, "Philippines": 25, "Indonesia": 20, "Bangladesh": 12, "India": 10,
                           "Thailand": 3}) if migrant else "Brunei"
        citizen = birth if rng.random() < 0.9 else ("Stateless" if rng.random() < 0.5 else "Brunei")
        act = {"EMP": "1", "UNE": "2", "OLF": "3"}.get(activity, " ")
        occ = rng.choice(submajors) if activity == "EMP" else "  "
        ind = rng.choice(sections) if activity == "EMP" else " "
        edu = pick(rng, {"1": 3, "2": 20, "3": 20, "4": 30, "5": 10, "6": 17})
        remark = rng.choice(["", "", "", "", "réf. 2021", "açaí farm"])
        values = [f"{i // 4 + 1:05d}", f"{i % 4 + 1:02d}", "1" if sex == "M" else "2", f"{age:3d}", birth, citizen,
                  act, occ, ind, edu, remark]
        lines.append("".join(v.ljust(w)[:w] for v, (_, w) in zip(values, BRN_LAYOUT)))
    lines[57] = lines[57][:11] + "Unknown".ljust(14) + lines[57][25:]  # birthplace not stated
    with open(RAW / "brn_census_2021.txt", "w", encoding="latin-1", newline="\r\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote raw/brn_census_2021.txt ({len(lines)} persons)")


# ---------------------------------------------------------------------------------------------------
# Origin countries: deployments of workers abroad.

DESTINATIONS = {"SAU": 22, "ARE": 14, "HKG": 12, "SGP": 8, "QAT": 7, "KWT": 6, "TWN": 9, "MYS": 9, "JPN": 5,
                "KOR": 4, "ITA": 2, "USA": 2}
PHL_DESTINATIONS = [("SAUDI ARABIA", "SAU"), ("UNITED ARAB EMIRATES", "ARE"), ("HONGKONG", "HKG"),
                    ("SINGAPORE", "SGP"), ("QATAR", "QAT"), ("KUWAIT", "KWT"), ("TAIWAN", "TWN"),
                    ("MALAYSIA", "MYS"), ("JAPAN", "JPN"), ("SOUTH KOREA", "KOR"), ("ITALY", "ITA"), ("USA", "USA")]
PHL_JOBS = [("HSW", "9111", "Household service worker"), ("CW", "9313", "Construction worker"),
            ("NU", "2221", "Nurse"), ("CG", "5322", "Caregiver"), ("FW", "8219", "Factory worker"),
            ("EN", "2142", "Civil engineer"), ("WA", "5131", "Waiter"), ("DR", "8322", "Driver")]
FIRST = ["Maria", "Jose", "Ana", "Juan", "Rosa", "Mark", "Grace", "Ramon", "Liza", "Paolo"]
LAST = ["Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Aquino", "Ramos", "Villanueva", "Dela Cruz"]


def phl_deployments():
    rng = random.Random(608)
    codebook("phl_destinations.csv", "Philippine deployment records (destination names)", ["name", "iso3"],
             PHL_DESTINATIONS)
    codebook("phl_jobs.csv", "Philippine deployment records (job categories) to ISCO-08", ["code", "isco08", "label"],
             PHL_JOBS)
    name_of = {iso: name for name, iso in PHL_DESTINATIONS}
    rows = []
    for i in range(2500):
        job = pick(rng, {"HSW": 34, "CW": 14, "NU": 8, "CG": 10, "FW": 14, "EN": 3, "WA": 10, "DR": 7})
        female = rng.random() < {"HSW": 0.96, "CG": 0.85, "NU": 0.8, "FW": 0.55, "WA": 0.5}.get(job, 0.08)
        rows.append({
            "WORKER_NAME": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "PASSPORT_NO": f"P{rng.randint(1000000, 9999999)}{chr(65 + i % 26)}",
            "SEX": "F" if female else "M",
            "AGE": rng.randint(21, 55),
            "DESTINATION": name_of[pick(rng, DESTINATIONS)],
            "JOB_CODE": job,
            "DEPLOYMENT_DATE": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        })
    rows[311]["DESTINATION"] = "ATLANTIS"  # keying error: not a destination in the codebook
    pd.DataFrame(rows).to_csv(RAW / "phl_deployments_2024.csv", index=False)
    print(f"wrote raw/phl_deployments_2024.csv ({len(rows)} deployments)")


MMR_DESTINATIONS = [("TH", "THA"), ("MY", "MYS"), ("SG", "SGP"), ("JP", "JPN"), ("KR", "KOR")]
MMR_JOBS = [("General worker", "9329"), ("Domestic worker", "9111"), ("Fishing", "6222"),
            ("Factory worker", "8219"), ("Construction", "9313"), ("Agriculture", "9211")]


def mmr_deployments():
    rng = random.Random(104)
    codebook("mmr_destinations.csv", "Myanmar deployment records (ISO 3166-1 alpha-2)", ["code", "iso3"],
             MMR_DESTINATIONS)
    codebook("mmr_jobs.csv", "Myanmar deployment records (job titles) to ISCO-08", ["title", "isco08"], MMR_JOBS)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Deployments"
    ws.append(["NAME", "NRC_NO", "SEX", "AGE", "DEST", "OCCUPATION"])
    for i in range(1500):
        dest = pick(rng, {"TH": 60, "MY": 20, "SG": 6, "JP": 8, "KR": 6})
        job = pick(rng, {"General worker": 30, "Domestic worker": 12, "Fishing": 10, "Factory worker": 25,
                         "Construction": 15, "Agriculture": 8})
        female = rng.random() < (0.9 if job == "Domestic worker" else 0.35)
        ws.append([f"Daw/U {rng.choice(['Aung', 'Thida', 'Kyaw', 'Hnin', 'Zaw', 'Su'])} {rng.randint(1, 999)}",
                   f"12/ABC(N){rng.randint(100000, 999999)}", "Female" if female else "Male",
                   rng.randint(18, 50), dest, job])
    wb.save(RAW / "mmr_deployments_2024.xlsx")
    print("wrote raw/mmr_deployments_2024.xlsx (1500 deployments)")


IDN_DESTINATIONS = [("Malaysia", "MYS"), ("Taiwan", "TWN"), ("Hong Kong", "HKG"), ("Arab Saudi", "SAU"),
                    ("Singapura", "SGP"), ("Korea Selatan", "KOR"), ("Jepang", "JPN"), ("Brunei Darussalam", "BRN"),
                    ("Uni Emirat Arab", "ARE")]
IDN_JOBS = [("Penata Laksana Rumah Tangga", "9111"), ("Pekerja Perkebunan", "9211"), ("Operator Produksi", "8189"),
            ("Pekerja Konstruksi", "9313"), ("Perawat Lansia", "5322"), ("Anak Buah Kapal", "8350")]


def idn_workbook():
    rng = random.Random(360)
    codebook("idn_destinations.csv", "Indonesian ministry tables (destination names in Indonesian)",
             ["nama", "iso3"], IDN_DESTINATIONS)
    codebook("idn_jobs.csv", "Indonesian ministry tables (job titles) to ISCO-08", ["jabatan", "isco08"], IDN_JOBS)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Penempatan 2024"
    ws["A1"] = "Penempatan Pekerja Migran Indonesia menurut Negara Tujuan dan Jabatan, 2024"
    ws["A1"].font = Font(bold=True)
    ws["A2"] = "(data sintetis / synthetic data)"
    ws.append([])
    ws.append(["Negara Tujuan", "Jabatan", "Laki-laki", "Perempuan", "Jumlah"])
    men_total = women_total = 0
    for dest, _ in IDN_DESTINATIONS:
        for job, _ in IDN_JOBS:
            if rng.random() < 0.35:
                continue
            female_share = 0.95 if job in ("Penata Laksana Rumah Tangga", "Perawat Lansia") else 0.2
            n = int(rng.expovariate(1 / 900)) + 5
            women = round(n * female_share * rng.uniform(0.9, 1.05))
            women = min(women, n)
            men = n - women
            men_total += men
            women_total += women
            ws.append([dest, job, men, women, men + women])
    # The ministry's total row carries a typo: 100 women too many (and so in the grand total). The
    # source-totals rule must catch it and show both numbers.
    ws.append(["JUMLAH", None, men_total, women_total + 100, men_total + women_total + 100])
    ws.append([])
    ws.append(["Sumber: BP2MI (sintetis)."])
    wb.save(RAW / "idn_placements_2024.xlsx")
    print("wrote raw/idn_placements_2024.xlsx")


VNM_DESTINATIONS = [("Nhật Bản", "JPN"), ("Đài Loan (Trung Quốc)", "TWN"), ("Hàn Quốc", "KOR"),
                    ("Trung Quốc", "CHN"), ("Rumani", "ROU"), ("Hungary", "HUN"), ("Ả Rập Xê Út", "SAU"),
                    ("Malaysia", "MYS")]
VNM_SECTORS = [("Công nghiệp chế biến, chế tạo", "C"), ("Xây dựng", "F"), ("Nông nghiệp", "A"),
               ("Thuyền viên", "H"), ("Giúp việc gia đình", "T"), ("Dịch vụ khác", "S")]


def vnm_workbook():
    rng = random.Random(704)
    codebook("vnm_destinations.csv", "Vietnamese ministry tables (destination names in Vietnamese)",
             ["ten", "iso3"], VNM_DESTINATIONS)
    codebook("vnm_sectors.csv", "Vietnamese ministry tables (sectors) to ISIC Rev.4 sections", ["nganh", "isic4"],
             VNM_SECTORS)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("2024")
    sheet.write(0, 0, "Số lao động Việt Nam đi làm việc ở nước ngoài theo hợp đồng, năm 2024 (dữ liệu tổng hợp)")
    sheet.write(2, 0, "Thị trường")
    sheet.write(2, 1, "Ngành nghề")
    sheet.write(2, 2, "Số lượng")
    row = 3
    for dest, _ in VNM_DESTINATIONS:
        for sector, _ in VNM_SECTORS:
            if rng.random() < 0.4:
                continue
            sheet.write(row, 0, dest)
            sheet.write(row, 1, sector)
            sheet.write(row, 2, int(rng.expovariate(1 / 2500)) + 10)
            row += 1
    book.save(str(RAW / "vnm_deployments_2024.xls"))
    print("wrote raw/vnm_deployments_2024.xls")


KHM_DESTINATIONS = [("01", "THA"), ("02", "MYS"), ("03", "KOR"), ("04", "JPN"), ("05", "SGP"), ("06", "HKG"),
                    ("07", "SAU")]
KHM_SECTORS = [("AGR", "A", "Agriculture"), ("FIS", "03", "Fishing"), ("MAN", "C", "Manufacturing"),
               ("CON", "F", "Construction"), ("DOM", "T", "Domestic work"), ("SER", "S", "Other services")]


def khm_table(year=2024, seed=116):
    rng = random.Random(seed)
    codebook("khm_destinations.csv", "Cambodian ministry codes for destinations", ["code", "iso3"], KHM_DESTINATIONS)
    codebook("khm_sectors.csv", "Cambodian ministry sectors to ISIC Rev.4", ["code", "isic4", "label"], KHM_SECTORS)
    rows = []
    for sex in ["1", "2"]:
        for dest, _ in KHM_DESTINATIONS:
            for sector, _, _ in KHM_SECTORS:
                if rng.random() < 0.3:
                    continue
                rows.append([sex, dest, sector, str(int(rng.expovariate(1 / 700)) + 1)])
    with open(RAW / f"khm_outflows_{year}.tsv", "w", encoding="utf-16", newline="") as f:
        f.write("SEX\tDEST\tSECTOR\tWORKERS\r\n")
        for r in rows:
            f.write("\t".join(r) + "\r\n")
    print(f"wrote raw/khm_outflows_{year}.tsv ({len(rows)} cells)")


def khm_table_2023():
    """An earlier year from the same ministry: the round's time series."""
    khm_table(2023, 115)


def lao_table(year=2024, seed=418, scale=1.0):
    rng = random.Random(seed)
    rows = []
    for sex in ["M", "F"]:
        for dest in ["THA", "KOR", "JPN", "MYS"]:
            for major in "56789":
                if rng.random() < 0.3:
                    continue
                rows.append({"sex": sex, "destination": dest, "isco08_major": major,
                             "workers": int(rng.expovariate(1 / (400 * scale))) + 1})
    pq.write_table(pa.Table.from_pylist(rows), RAW / f"lao_outflows_{year}.parquet")
    print(f"wrote raw/lao_outflows_{year}.parquet ({len(rows)} cells)")


def lao_tables_earlier():
    """Two earlier years from the same ministry, smaller: the round's time series."""
    lao_table(2022, 416, 0.7)
    lao_table(2023, 417, 0.85)


def outflows_to_malaysia():
    """What the origin files above say went to Malaysia (read back from the files just written)."""
    phl = pd.read_csv(RAW / "phl_deployments_2024.csv")
    mmr = pd.read_excel(RAW / "mmr_deployments_2024.xlsx")
    idn = pd.read_excel(RAW / "idn_placements_2024.xlsx", header=3)
    idn = idn[idn["Negara Tujuan"] == "Malaysia"]
    khm = pd.read_csv(RAW / "khm_outflows_2024.tsv", sep="\t", encoding="utf-16", dtype=str)
    lao = pq.read_table(RAW / "lao_outflows_2024.parquet").to_pandas()
    return {
        "07": int((phl["DESTINATION"] == "MALAYSIA").sum()),
        "05": int((mmr["DEST"] == "MY").sum()),
        "02": int(idn["Laki-laki"].sum() + idn["Perempuan"].sum()),
        "12": int(khm.loc[khm["DEST"] == "02", "WORKERS"].astype(int).sum()),
        "13": int(lao.loc[lao["destination"] == "MYS", "workers"].sum()),
    }


def mys_permits():
    """Malaysia's work permits issued in 2024 by nationality and sex: an inflow, to set against the
    countries of origin's outflows to Malaysia. Permits and departures are counted at different
    moments, so they differ: here by -15% to +12% of the outflow (the coherence rule reports them)."""
    rng = random.Random(458)
    outflows = outflows_to_malaysia()
    totals = {code: round(n * rng.uniform(0.85, 1.12)) for code, n in outflows.items()}
    totals.update({"03": rng.randint(2000, 4000), "04": rng.randint(1000, 3000), "06": rng.randint(500, 1500)})
    rows = []
    for code, total in sorted(totals.items()):
        men = round(total * rng.uniform(0.55, 0.8))
        rows += [[code, "L", str(men)], [code, "P", str(total - men)]]
    with open(RAW / "mys_permits_2024.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["WARGANEGARA", "JANTINA", "PERMIT_BARU"])
        w.writerows(rows)
    print(f"wrote raw/mys_permits_2024.csv ({len(rows)} cells)")


def mmr_workbook_2023():
    """Myanmar's ministry workbook of 2023: workers sent abroad, in thousands."""
    rng = random.Random(523)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2023"
    ws["A1"] = "Overseas employment by country of destination and sex, 2023 (thousand persons)"
    ws["A1"].font = Font(bold=True)
    ws["A2"] = "(synthetic data)"
    ws.append([])
    ws.append(["Country of destination", "Male", "Female", "Total"])
    # Of the order of the 2024 deployment records (1,500): the series stays comparable.
    for dest in ["Thailand", "Malaysia", "Republic of Korea", "Japan", "Singapore"]:
        men = round(rng.uniform(0.1, 0.6), 1)
        # Singapore: no men sent this year, written "-" as the ministry writes nil.
        if dest == "Singapore":
            ws.append([dest, "-", round(rng.uniform(0.1, 0.3), 1), None])
            ws.cell(ws.max_row, 4).value = ws.cell(ws.max_row, 3).value
            continue
        women = max(0.1, round(men * rng.uniform(0.3, 0.9), 1))
        ws.append([dest, men, women, round(men + women, 1)])
    ws.append([])
    ws.append(["Note: figures are rounded to the nearest hundred persons; \"-\" means none."])
    ws.append(["Source: Department of Labour, overseas employment statistics (synthetic)."])
    wb.save(RAW / "mmr_outflows_2023.xlsx")
    print("wrote raw/mmr_outflows_2023.xlsx")


def khm_totals_2022():
    """Cambodia's national totals of 2022: one line, Total / Men / Women, the stated total 1,000
    above the sum of men and women (the publication's own figure)."""
    rng = random.Random(2022)
    men, women = rng.randint(30000, 40000), rng.randint(20000, 30000)
    with open(RAW / "khm_outflows_2022.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Year", "Destination", "Total", "Men", "Women"])
        w.writerow(["2022", "All countries", str(men + women + 1000), str(men), str(women)])
    print("wrote raw/khm_outflows_2022.csv")


BRN_NATIONALITIES = ["Indonesian", "Filipino", "Bangladeshi", "Malaysian", "Indian", "Thai",
                     "Foreign, not stated"]


def brn_foreign_workers_2020():
    """Brunei's register of foreign workers, 2020: employed non-citizens by nationality, ISCO-08
    major group and sex, without age."""
    rng = random.Random(2020)
    rows = []
    for nationality in BRN_NATIONALITIES:
        for major in "123456789":
            for sex in "MF":
                if rng.random() < 0.45:
                    continue
                scale = 4 if nationality == "Foreign, not stated" else 70
                rows.append([nationality, major, sex, str(int(rng.expovariate(1 / scale)) + 1)])
    with open(RAW / "brn_foreign_workers_2020.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Nationality", "Occupation", "Sex", "Workers"])
        w.writerows(rows)
    print(f"wrote raw/brn_foreign_workers_2020.csv ({len(rows)} cells)")


THA_DEPARTURE_COUNTRIES = [("458", "MYS", "Malaysia"), ("702", "SGP", "Singapore"), ("096", "BRN", "Brunei Darussalam"),
                           ("392", "JPN", "Japan"), ("410", "KOR", "Republic of Korea"), ("158", "TWN", "Taiwan, China"),
                           ("376", "ISR", "Israel"), ("840", "USA", "United States"), ("036", "AUS", "Australia"),
                           ("276", "DEU", "Germany")]
THA_PURPOSES = [("1", "EMPLOYMENT", "Work abroad"), ("2", "FAMILY", "Join or accompany family"),
                ("3", "EDUCATION", "Study or training"), ("4", "OTHER", "Other purpose"), ("9", "", "Not stated")]


def tha_departures():
    """Thailand's register of nationals departing to live abroad, 2024: one record per departure,
    for every purpose (work, family, study, other, a few not stated), ISO 3166 numeric
    destinations. The source behind the outflow of nationals for every purpose."""
    rng = random.Random(7642024)
    codebook("tha_departure_countries.csv", "Thailand register of departures (ISO 3166-1 numeric codes)",
             ["code", "iso3", "label"], THA_DEPARTURE_COUNTRIES)
    codebook("tha_departure_purposes.csv", "Thailand register of departures, purpose of departure",
             ["code", "purpose", "label"], THA_PURPOSES)
    work = {"458": 22, "702": 10, "096": 3, "392": 12, "410": 18, "158": 20, "376": 12, "840": 1, "036": 1, "276": 1}
    other = {"458": 8, "702": 10, "096": 1, "392": 14, "410": 6, "158": 4, "376": 1, "840": 24, "036": 20, "276": 12}
    rows = []
    for i in range(1800):
        purpose = pick(rng, {"1": 62, "2": 17, "3": 13, "4": 6, "9": 2})
        female = rng.random() < {"1": 0.35, "2": 0.7, "3": 0.55}.get(purpose, 0.5)
        age = rng.randint(21, 50) if purpose == "1" else (rng.randint(17, 30) if purpose == "3" else rng.randint(1, 70))
        rows.append({"DEP_ID": f"D24{i:05d}", "SEX": "2" if female else "1", "AGE": age,
                     "DEST": pick(rng, work if purpose == "1" else other), "PURPOSE": purpose,
                     "MONTH": rng.randint(1, 12)})
    pd.DataFrame(rows).to_csv(RAW / "tha_departures_2024.csv", index=False)
    print(f"wrote raw/tha_departures_2024.csv ({len(rows)} departures)")


def main():
    NATIONAL.mkdir(parents=True, exist_ok=True)
    RAW.mkdir(exist_ok=True)
    for make in [tha_lfs, sgp_lfs, brn_census, phl_deployments, mmr_deployments, idn_workbook, vnm_workbook,
                 khm_table, khm_table_2023, lao_table, lao_tables_earlier, mys_permits, mmr_workbook_2023,
                 khm_totals_2022, brn_foreign_workers_2020, tha_departures]:
        make()


if __name__ == "__main__":
    main()
