"""A census-like variant of a generated benchmark round: single years of age spread over 0-99, an
occupation drawn from every code of the national list for the employed, and for a fifth of the
records a citizenship drawn from every country code and a country of birth from every code but
"stateless". The combinations of the columns the indicators read then run into the hundreds of
thousands (2,282 in the resampled survey), and the memory of the one grouping of the records
grows with them (BENCHMARKS.md, "Census-like combinations").

    python3 benches/run.py --sizes 10M              # generates bench-data/10M
    python3 benches/census_like.py 10M              # writes bench-data/10M-census
    python3 benches/rss_sampler.py target/release/ilms run --round bench-data/10M-census/ilms.toml --quiet --no-records
"""
import pathlib
import shutil
import sys

import duckdb

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    label = sys.argv[1]
    source = ROOT / "bench-data" / label
    target = ROOT / "bench-data" / f"{label}-census"
    csv = source / "raw" / "mys_lfs_2024.csv"
    if not csv.exists():
        sys.exit(f"{csv} is missing: generate the round first (python3 benches/run.py --sizes {label})")
    (target / "raw").mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "ilms.toml", target / "ilms.toml")
    shutil.copytree(ROOT / "schemas", target / "schemas", dirs_exist_ok=True)

    con = duckdb.connect()
    con.execute("SELECT setseed(0.5)")
    national = lambda name, column: [r[0] for r in con.execute(
        f"SELECT {column} FROM read_csv('{ROOT}/schemas/classifications/national/{name}', all_varchar=true, skip=1, header=true) "
        f"WHERE {column} IS NOT NULL ORDER BY 1").fetchall()]
    occupations = national("mys_lfs_occupations.csv", "national_code")
    countries = national("mys_lfs_countries.csv", "national_code")
    stateless = [r[0] for r in con.execute(
        f"SELECT national_code FROM read_csv('{ROOT}/schemas/classifications/national/mys_lfs_countries.csv', all_varchar=true, skip=1, header=true) "
        "WHERE iso3 = 'XXA'").fetchall()]
    birth_countries = [c for c in countries if c not in stateless]
    listed = lambda codes: "[" + ",".join(f"'{c}'" for c in codes) + "]"
    draw = lambda codes: f"{listed(codes)}[1 + CAST(floor(random() * {len(codes)}) AS INT)]"
    con.execute(f"""
    COPY (
      SELECT HH_ID, PERSON_NO, JANTINA,
             CAST(floor(random() * 100) AS INT) AS UMUR,
             CASE WHEN random() < 0.2 THEN {draw(birth_countries)} ELSE NEGARA_LAHIR END AS NEGARA_LAHIR,
             CASE WHEN random() < 0.2 THEN {draw(countries)} ELSE WARGANEGARA END AS WARGANEGARA,
             STATUS_AKTIVITI,
             CASE WHEN STATUS_AKTIVITI = '1' THEN {draw(occupations)} ELSE PEKERJAAN END AS PEKERJAAN,
             PEMBERAT, PENDAPATAN
      FROM read_csv('{csv}', all_varchar=true)
    ) TO '{target}/raw/mys_lfs_2024.csv' (HEADER, DELIMITER ',')
    """)
    rows, combinations = con.execute(
        f"SELECT count(*), count(DISTINCT (JANTINA, UMUR, NEGARA_LAHIR, WARGANEGARA, STATUS_AKTIVITI, PEKERJAAN)) "
        f"FROM read_csv('{target}/raw/mys_lfs_2024.csv', all_varchar=true)").fetchone()
    print(f"{target}: {rows:,} records, {combinations:,} combinations of sex, age, countries, status and occupation")


if __name__ == "__main__":
    main()
