#!/usr/bin/env python3
"""Generate the synthetic sample collection round in raw/ (seeded, so anyone can regenerate it).

SYNTHETIC DATA. Nothing here comes from a real survey. The files imitate how a national statistics
office codes its labour force survey: numeric sex codes, national 2-digit country codes, a national
4-digit occupation classification derived from ISCO-08 (with national splits), an activity status
variable and survey weights. The national code lists (what the office would publish in its
codebook) are written to schemas/classifications/national/.

    pip install pandas pyarrow pyreadstat openpyxl xlwt
    python3 tools/make_sample_round.py            # writes raw/ and the national code lists

The first source (Malaysia's LFS) is made here; the other nine member states' sources by
tools/make_sample_round_asean.py, which this script runs after it.
"""
import csv
import pathlib
import random

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = 20241
PERSONS = 40000

# National country codes of the (synthetic) destination-country LFS, as in its codebook.
NATIONAL_COUNTRIES = [
    ("01", "MYS", "Malaysia"), ("02", "IDN", "Indonesia"), ("03", "BGD", "Bangladesh"), ("04", "NPL", "Nepal"),
    ("05", "MMR", "Myanmar"), ("06", "IND", "India"), ("07", "PHL", "Philippines"), ("08", "VNM", "Viet Nam"),
    ("09", "CHN", "China"), ("10", "PAK", "Pakistan"), ("11", "THA", "Thailand"), ("12", "KHM", "Cambodia"),
    ("13", "LAO", "Lao People's Dem. Rep."), ("14", "SGP", "Singapore"), ("15", "BRN", "Brunei Darussalam"),
    ("98", "XXA", "Stateless"),
]
NOT_STATED = "99"  # codebook: 99 = not stated (no ISO equivalent: harmonized to unknown)
ORIGINS = [("02", 40), ("03", 14), ("04", 10), ("05", 9), ("06", 8), ("07", 6), ("08", 4), ("09", 3), ("10", 3),
           ("11", 1), ("12", 1), ("13", 1)]

# Occupation mix of the employed by ISCO-08 major group (weights), natives vs migrants.
MAJOR_MIX_NATIVE = {"1": 6, "2": 13, "3": 12, "4": 10, "5": 20, "6": 8, "7": 11, "8": 10, "9": 9, "0": 1}
MAJOR_MIX_MIGRANT = {"1": 1, "2": 3, "3": 3, "4": 2, "5": 14, "6": 9, "7": 22, "8": 14, "9": 32, "0": 0}


def read_isco_units():
    path = ROOT / "schemas" / "classifications" / "isco08_unit_groups.csv"
    lines = [l for l in path.read_text(encoding="utf-8").splitlines() if not l.startswith("#")]
    return [(r["code"], r["title"]) for r in csv.DictReader(lines)]


def national_occupations(rng, units):
    """The national classification: ISCO-08 unit groups, some split into two national codes.

    A split adds a national code ending in 8 in the same minor group (e.g. live-in vs live-out domestic
    cleaners); it maps back to the ISCO-08 unit group it was split from, so the map is a function.
    """
    codes = {c for c, _ in units}
    rows = [(c, c, t) for c, t in units]
    candidates = [c for c, _ in units if c[:3] + "8" not in codes and c[0] != "0"]
    for c in rng.sample(candidates, 40):
        split = c[:3] + "8"
        if split in codes:
            continue
        codes.add(split)
        title = dict(units)[c]
        rows.append((split, c, f"{title} (national sub-group)"))
    rows.append(("9999", "", "Occupation not stated"))
    rows.append(("", "", "Not applicable (not employed)"))
    return sorted(rows)


def weighted_choice(rng, mix):
    keys = list(mix)
    return rng.choices(keys, weights=[mix[k] for k in keys])[0]


# Monthly earnings from the main job (MYR) by ISCO-08 major group: a lognormal around these medians,
# lower for migrants and for women. Drawn from a generator of their own (PAY_SEED), so the other
# columns are what they were before earnings were added.
PAY_SEED = 4580
PAY_MEDIAN = {"1": 9000, "2": 7000, "3": 4500, "4": 3000, "5": 2200, "6": 1800, "7": 2300, "8": 2200, "9": 1600}


def monthly_pay(pay, major, migrant, female, scale=1.0):
    """One employed person's monthly earnings, or None (not stated, about 4%)."""
    if pay.random() < 0.04:
        return None
    median = PAY_MEDIAN.get(major, 2000) * (0.75 if migrant else 1.0) * (0.85 if female else 1.0) * scale
    return round(pay.lognormvariate(0, 0.45) * median)


def mys_lfs():
    rng = random.Random(SEED)
    pay = random.Random(PAY_SEED)
    units = read_isco_units()
    occupations = national_occupations(rng, units)
    by_major = {}
    for national, isco, _ in occupations:
        if isco:
            by_major.setdefault(isco[0], []).append(national)

    nat_dir = ROOT / "schemas" / "classifications" / "national"
    nat_dir.mkdir(parents=True, exist_ok=True)
    with open(nat_dir / "mys_lfs_countries.csv", "w", newline="", encoding="utf-8") as f:
        f.write("# origin: SYNTHETIC codebook of the sample round's destination-country LFS (tools/make_sample_round.py)\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["national_code", "iso3", "label"])
        w.writerows(NATIONAL_COUNTRIES)
        w.writerow([NOT_STATED, "", "Not stated"])
    with open(nat_dir / "mys_lfs_occupations.csv", "w", newline="", encoding="utf-8") as f:
        f.write("# origin: SYNTHETIC national 4-digit occupation classification derived from ISCO-08 "
                "(tools/make_sample_round.py); isco08 is empty where the code means 'not stated'\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["national_code", "isco08", "label"])
        w.writerows(occupations)

    raw = ROOT / "raw"
    raw.mkdir(exist_ok=True)
    header = ["HH_ID", "PERSON_NO", "JANTINA", "UMUR", "NEGARA_LAHIR", "WARGANEGARA", "STATUS_AKTIVITI",
              "PEKERJAAN", "PEMBERAT", "PENDAPATAN"]
    rows = []
    hh = 0
    while len(rows) < PERSONS:
        hh += 1
        hh_id = f"H{hh:05d}"
        migrant_household = rng.random() < 0.16
        origin = weighted_choice(rng, dict(ORIGINS))
        size = rng.choice([1, 1, 2, 2, 3, 3, 4, 4, 5, 6]) if not migrant_household else rng.choice([1, 1, 1, 2, 2, 3, 4])
        weight_base = rng.uniform(900, 1400)
        for p in range(1, size + 1):
            sex = "1" if rng.random() < (0.62 if migrant_household else 0.5) else "2"
            if rng.random() < 0.004:
                sex = "9"
            age = rng.randint(18, 55) if migrant_household else min(int(rng.expovariate(1 / 30)), 95)
            if migrant_household:
                birth = origin if rng.random() < 0.93 else "01"
            else:
                birth = "01" if rng.random() < 0.97 else weighted_choice(rng, dict(ORIGINS))
            if rng.random() < 0.006:
                birth = NOT_STATED
            if birth == "01":
                citizenship = "01" if rng.random() < 0.995 else "98"
            elif birth == NOT_STATED:
                citizenship = rng.choice(["01", NOT_STATED])
            else:
                r = rng.random()
                citizenship = "01" if r < 0.18 else ("98" if r < 0.21 else birth)
            if rng.random() < 0.004:
                citizenship = NOT_STATED
            earnings = ""
            if age < 15:
                status, occupation = "", ""
            else:
                r = rng.random()
                employed = 0.80 if migrant_household else 0.62
                if r < employed:
                    status = "1"
                    major = weighted_choice(rng, MAJOR_MIX_MIGRANT if migrant_household else MAJOR_MIX_NATIVE)
                    occupation = rng.choice(by_major[major]) if rng.random() > 0.012 else "9999"
                    amount = monthly_pay(pay, major, migrant_household, sex == "2")
                    earnings = "" if amount is None else str(amount)
                elif r < employed + 0.03:
                    status, occupation = "2", ""
                else:
                    status, occupation = "3", ""
            weight = round(weight_base * rng.uniform(0.9, 1.1), 4)
            rows.append([hh_id, str(p), sex, str(age), birth, citizenship, status, occupation, f"{weight:.4f}",
                         earnings])

    # Keying errors a real file carries: they must end in the quarantine, each with its reason.
    rows[101][2] = "3"        # sex code not in the codebook
    rows[2024][7] = "7777"    # occupation code not in the national classification
    rows[3333][8] = ""        # weight missing

    with open(raw / "mys_lfs_2024.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote raw/mys_lfs_2024.csv ({len(rows)} persons in {hh} households)")


if __name__ == "__main__":
    mys_lfs()
    import make_sample_round_asean  # the other nine member states (needs pandas, pyreadstat, openpyxl, xlwt, pyarrow)
    make_sample_round_asean.main()
