#!/usr/bin/env python3
"""Benchmark `ilms run` against an equivalent DuckDB pipeline and a bare CSV scan, in one run.

    cargo build --release
    python3 benches/run.py --sizes 1M,10M,50M --reps 3

For each size: generates the round once (`ilms generate`, seeded; kept under bench-data/ for later
runs), then, `reps` times in turn: a bare scan (DuckDB reads every field of the CSV as text), the ilms
job (release build), and the DuckDB SQL pipeline in benches/duckdb_pipeline.sql. Wall time and peak
resident memory (of the process and its threads, from wait4) are measured per run; medians reported.
The outputs of ilms and DuckDB are compared (records harmonized and quarantined, every indicator cell),
so the two pipelines are shown to do the same work.
"""
import argparse
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
ILMS = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "ilms"


def measure(cmd, **kw):
    """Run a command; return (seconds, peak RSS in MiB). Fails loudly if the command fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(map(str, cmd))}\n{out}\n{err}")
    return seconds, usage.ru_maxrss / 1024


def parse_size(text):
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * factor)


def duckdb_pipeline(round_dir, out_dir, records=True, sql_file="duckdb_pipeline.sql"):
    """The command running a DuckDB pipeline of benches/ (`sql_file`) on a round, writing to out_dir."""
    sql = (ROOT / "benches" / sql_file).read_text()
    if not records:
        head, rest = sql.split("-- records:begin", 1)
        sql = head + rest.split("-- records:end", 1)[1]
    sql = sql.replace("${ROUND}", str(round_dir)).replace("${OUT}", str(out_dir))
    script = f"import duckdb; con = duckdb.connect(); con.execute({sql!r})"
    return [sys.executable, "-c", script]


def bare_scan(csv):
    script = (
        "import duckdb, sys; con = duckdb.connect();"
        f"cols = [r[0] for r in con.execute(\"describe select * from read_csv('{csv}', all_varchar=true)\").fetchall()];"
        "expr = ' + '.join(f'sum(length(\"{c}\"))' for c in cols);"
        f"print(con.execute(f\"select count(*), {{expr}} from read_csv('{csv}', all_varchar=true)\").fetchall())"
    )
    return [sys.executable, "-c", script]


def same_work(round_dir, duck_out, records=True):
    """Fail unless ilms and the DuckDB pipeline published the same thing: the same record counts
    and, for every indicator cell, the same value (ilms also publishes the empty cells of a full
    grid, which must be 0 or have no value: DuckDB's CUBE only yields the cells some record has)."""
    import duckdb

    con = duckdb.connect()
    q = lambda sql: con.execute(sql).fetchone()[0]
    pairs = {} if not records else {
        "harmonized": (f"select count(*) from '{round_dir}/processed/harmonized/*.parquet'", f"select count(*) from '{duck_out}/harmonized.parquet'"),
    }
    pairs["quarantined"] = (f"select count(*) from '{round_dir}/processed/quarantine/*.parquet'", f"select count(*) from '{duck_out}/quarantine.parquet'")
    for name, (a, b) in pairs.items():
        va, vb = q(a), q(b)
        if va != vb:
            sys.exit(f"ilms and DuckDB disagree on {name}: {va} vs {vb}")
    read = lambda d: f"read_parquet('{d}/**/*.parquet', hive_partitioning = true, hive_types = {{'time': VARCHAR}})"
    # A table without sex (MST_TEMP_OCU_MIG_NB) has a null sex: keyed as '' so the cells match.
    keys = "indicator, coalesce(sex, '') AS sex, coalesce(classif1, '') AS c1, coalesce(classif2, '') AS c2"
    con.execute(f"create table ours as select {keys}, obs_value, obs_status from {read(f'{round_dir}/processed/indicators')}")
    con.execute(f"create table theirs as select {keys}, obs_value, obs_status from {read(f'{duck_out}/indicators')}")
    problems = con.execute("""
        select 'only DuckDB' as what, t.indicator, t.sex, t.c1, t.c2, null, t.obs_value from theirs t anti join ours o using (indicator, sex, c1, c2)
        union all
        select 'value', o.indicator, o.sex, o.c1, o.c2, o.obs_value, t.obs_value from ours o join theirs t using (indicator, sex, c1, c2)
        where o.obs_value is distinct from t.obs_value and not abs(o.obs_value - t.obs_value) <= 1e-9 * greatest(1, abs(t.obs_value))
        union all
        select 'only ilms, not empty', o.indicator, o.sex, o.c1, o.c2, o.obs_value, null from ours o anti join theirs t using (indicator, sex, c1, c2)
        where o.obs_value <> 0
        limit 10""").fetchall()
    if problems:
        sys.exit("ilms and DuckDB disagree on indicator cells:\n" + "\n".join(map(str, problems)))
    cells = q("select count(*) from theirs")
    indicators = q("select count(distinct indicator) from theirs")
    if q("select count(distinct indicator) from ours") != indicators:
        sys.exit("ilms and DuckDB publish different indicators")
    print(f"same work: {indicators} indicators, {cells} cells with records agree", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1M,10M,50M")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--data", default=str(ROOT / "bench-data"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not ILMS.exists():
        sys.exit("build ilms first: cargo build --release")

    rows_out = []
    for label in args.sizes.split(","):
        n = parse_size(label)
        round_dir = pathlib.Path(args.data) / label
        csv = round_dir / "raw" / "mys_lfs_2024.csv"
        if not csv.exists():
            gen_s, _ = measure([ILMS, "generate", "--rows", str(n), "--seed", str(args.seed), "--out", round_dir], cwd=ROOT)
            print(f"{label}: generated in {gen_s:.1f} s", file=sys.stderr)
        duck_out = round_dir / "duckdb-out"
        duck_out.mkdir(exist_ok=True)
        measure(bare_scan(csv))  # warm the page cache so every contender reads from memory
        for records in (True, False):
            runs = {"bare": [], "ilms": [], "duckdb": []}
            flags = [] if records else ["--no-records"]
            for rep in range(args.reps):
                runs["bare"].append(measure(bare_scan(csv)))
                runs["ilms"].append(measure([ILMS, "run", "--round", round_dir / "ilms.toml", "--quiet", "--no-reuse", *flags]))
                runs["duckdb"].append(measure(duckdb_pipeline(round_dir.resolve(), duck_out.resolve(), records)))
                print(f"{label} records={records} rep {rep + 1}: " + ", ".join(f"{k} {v[-1][0]:.1f} s {v[-1][1]:.0f} MiB" for k, v in runs.items()), file=sys.stderr)
            same_work(round_dir, duck_out, records)
            med = {k: (statistics.median(s for s, _ in v), max(m for _, m in v)) for k, v in runs.items()}
            rows_out.append((label, "with harmonized records" if records else "indicators only (--no-records)", csv.stat().st_size / 2**20, med))

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
          f"DuckDB {__import__('duckdb').__version__}; reps {args.reps} (median time, max peak RSS)")
    print()
    print("| rows | job | CSV MiB | ilms s | ilms peak RSS MiB | DuckDB pipeline s | DuckDB peak RSS MiB | bare scan s | ilms / DuckDB | ilms / bare scan |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, job, mib, med in rows_out:
        (ti, mi), (td, md), (tb, _) = med["ilms"], med["duckdb"], med["bare"]
        print(f"| {label} | {job} | {mib:.0f} | {ti:.1f} | {mi:.0f} | {td:.1f} | {md:.0f} | {tb:.1f} | {ti / td:.2f} | {ti / tb:.2f} |")


if __name__ == "__main__":
    main()
