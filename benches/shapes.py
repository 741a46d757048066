#!/usr/bin/env python3
"""Two builds of ilms side by side on several shapes of data, with a bare scan of each CSV and the
DuckDB pipeline that does the same job, in one run: what a design change buys on each shape, how it
compares with a like-for-like SQL pipeline (issue 22), and proof that it changed no cell.

    python3 benches/shapes.py --ilms old=/tmp/ilms-old --ilms new=target/release/ilms \\
        --rounds bench-data/10M bench-data/10M-census bench-data/10M-rich --reps 3

Each round must exist (benches/run.py generates bench-data/<N>, benches/census_like.py <N>-census,
benches/rich_survey.py <N>-rich); its shared schemas/ is first brought up to the repository's. Per
round and job (with the harmonized records, and --no-records), `reps` times in turn: the bare scan
(DuckDB reads every field as text), then each build, then the DuckDB pipeline for the round's survey
(benches/duckdb_pipeline.sql for the generated benchmark survey raw/mys_lfs_2024.csv, which the
census-like round redraws; benches/duckdb_rich.sql for the rich survey raw/rich_lfs_2024.csv;
without its records step for --no-records), writing to <round>/duckdb-out. After each build's run
its published cells (value, flag, sample count) are kept; every build must publish the same cells as
the first, else the script stops. After the reps, run.same_work() checks the DuckDB pipeline against
the last build's run (records harmonized and quarantined, every cell DuckDB publishes equal to
ilms's to 1e-9 relative, the same indicators, ilms's extra cells empty); a disagreement is reported
(the table's "same work" column says "no", the reason goes to stderr) rather than stopping the
timings. Times are medians; memory is the peak resident set size from wait4 (largest over the reps).
"""
import argparse
import contextlib
import filecmp
import io
import pathlib
import shutil
import statistics
import sys

import duckdb

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import bare_scan, duckdb_pipeline, measure, same_work  # noqa: E402

# The DuckDB pipeline for each survey the benchmark rounds hold, by their raw file's name.
PIPELINES = {"mys_lfs_2024.csv": "duckdb_pipeline.sql", "rich_lfs_2024.csv": "duckdb_rich.sql"}


ROOT = pathlib.Path(__file__).resolve().parent.parent


def refresh_schemas(round_dir):
    """The repository's schemas/ copied over the round's where they differ: a round holds the copy
    made when it was generated, and a build must be measured on the declarations it ships with
    (indicators, code lists, rules). The round's source specs (schemas/sources/) stay as its
    generator wrote them."""
    refreshed = 0
    for path in (ROOT / "schemas").rglob("*"):
        relative = path.relative_to(ROOT / "schemas")
        target = round_dir / "schemas" / relative
        if relative.parts[0] != "sources" and path.is_file() and not (target.exists() and filecmp.cmp(path, target, shallow=False)):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            refreshed += 1
    if refreshed:
        print(f"{round_dir}: {refreshed} schema files refreshed from {ROOT / 'schemas'}", file=sys.stderr)


def cells(round_dir):
    """The published cells of a round's last run, in a fixed order."""
    read = (f"read_parquet('{round_dir}/processed/indicators/**/*.parquet', hive_partitioning = true, "
            "hive_types = {'time': VARCHAR})")
    return duckdb.connect().execute(
        f"select indicator, source, sex, coalesce(classif1, ''), coalesce(classif2, ''), obs_value, "
        f"obs_status, sample_count from {read} order by all").fetchall()


def check_same_work(round_dir, duck_out, records):
    """run.same_work(), its verdict returned: (True, its summary) or (False, why they disagree)."""
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            same_work(round_dir, duck_out, records)
    except SystemExit as e:
        return False, str(e.code)
    return True, said.getvalue().strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ilms", action="append", required=True, help="label=path of a build (two or more)")
    ap.add_argument("--rounds", nargs="+", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--jobs", nargs="+", choices=["records", "no-records"], default=["records", "no-records"],
                    help="which jobs to time: with the harmonized records, --no-records (default both)")
    args = ap.parse_args()
    builds = dict(b.split("=", 1) for b in args.ilms)
    rows = []
    for round_dir in map(pathlib.Path, args.rounds):
        csv = next((round_dir / "raw").glob("*.csv"))
        if csv.name not in PIPELINES:
            sys.exit(f"{round_dir}: no DuckDB pipeline for {csv.name} (known: {', '.join(PIPELINES)})")
        refresh_schemas(round_dir)
        duck_out = (round_dir / "duckdb-out").resolve()
        duck_out.mkdir(exist_ok=True)
        measure(bare_scan(csv))  # page cache warm for every contender
        for flags in ([] if job == "records" else ["--no-records"] for job in args.jobs):
            records = not flags
            runs = {"bare": [], **{label: [] for label in builds}, "duckdb": []}
            published = {}
            for rep in range(args.reps):
                runs["bare"].append(measure(bare_scan(csv)))
                for label, path in builds.items():
                    runs[label].append(measure([path, "run", "--round", round_dir / "ilms.toml", "--quiet", "--no-reuse", *flags]))
                    published[label] = cells(round_dir)
                runs["duckdb"].append(measure(duckdb_pipeline(round_dir.resolve(), duck_out, records, PIPELINES[csv.name])))
                print(f"{round_dir.name} {' '.join(flags)} rep {rep + 1}: " + ", ".join(
                    f"{k} {v[-1][0]:.1f} s {v[-1][1]:.0f} MiB" for k, v in runs.items()), file=sys.stderr)
            first, *others = builds
            for label in others:
                if published[label] != published[first]:
                    sys.exit(f"{round_dir}: {label} and {first} publish different cells")
            # The last build's run is in processed/: DuckDB's outputs against it.
            agree, said = check_same_work(round_dir, duck_out, records)
            print(f"{round_dir.name} {' '.join(flags)}: DuckDB ({PIPELINES[csv.name]}) "
                  f"{'does the same work' if agree else 'DISAGREES with ilms'}: {said}", file=sys.stderr)
            job = "--no-records" if flags else "with records"
            rows.append((round_dir.name, job, csv.stat().st_size / 2**20, len(published[first]), agree,
                         {k: (statistics.median(s for s, _ in v), max(m for _, m in v)) for k, v in runs.items()}))
    labels = list(builds)
    print("| round | job | CSV MiB | cells | bare scan s | " + " | ".join(
        f"{b} s | {b} MiB | {b} / scan" for b in labels) + " | DuckDB s | DuckDB MiB | same work | " + " | ".join(
        f"{b} / DuckDB" for b in labels) + " |")
    print("| --- | --- | ---: | ---: | ---: | " + " | ".join("---: | ---: | ---:" for _ in labels)
          + " | ---: | ---: | --- | " + " | ".join("---:" for _ in labels) + " |")
    for name, job, mib, n, agree, med in rows:
        scan, duck = med["bare"][0], med["duckdb"][0]
        print(f"| {name} | {job} | {mib:.0f} | {n:,} | {scan:.1f} | " + " | ".join(
            f"{med[b][0]:.1f} | {med[b][1]:.0f} | {med[b][0] / scan:.2f}" for b in labels)
            + f" | {duck:.1f} | {med['duckdb'][1]:.0f} | {'yes' if agree else 'no'} | " + " | ".join(
            f"{med[b][0] / duck:.2f}" for b in labels) + " |")


if __name__ == "__main__":
    main()
