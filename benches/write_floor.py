"""How long writing the harmonized records takes by itself, in polars (as ilms writes them) and in
DuckDB, next to the bare CSV scan: the floor under any "with records" run of either pipeline.

    cargo build --release --example write_parquet
    python3 benches/run.py --sizes 10M          # writes bench-data/10M/processed/harmonized/
    python3 benches/write_floor.py --sizes 10M --reps 3

Each engine reads the records ilms published for the round into memory first (not timed), then
writes them as zstd Parquet (timed inside the process, so start-up and the read are left out).
Up to 10M records: in memory, 50M records take more than the machine's 24 GiB in polars (16 bytes
of string view per text value).
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys

import duckdb

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import ROOT, bare_scan, measure  # noqa: E402

WRITER = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "examples" / "write_parquet"

DUCKDB_WRITE = """
import duckdb, sys, time
con = duckdb.connect()
con.execute("CREATE TABLE records AS SELECT * FROM read_parquet(?)", [sys.argv[1]])
start = time.perf_counter()
con.execute(f"COPY records TO '{sys.argv[2]}' (FORMAT parquet, COMPRESSION zstd)")
print(f"{time.perf_counter() - start:.3f}")
"""


def seconds_printed(cmd):
    """Run a command that prints the seconds it measured itself; fail loudly if it fails."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"command failed: {' '.join(map(str, cmd))}\n{done.stdout}\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10M")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--data", default=str(ROOT / "bench-data"))
    args = ap.parse_args()
    if not WRITER.exists():
        sys.exit("build the writer first: cargo build --release --example write_parquet")

    print("| rows | records | bare scan s | polars write s | DuckDB write s | polars / bare scan | DuckDB / bare scan |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label in args.sizes.split(","):
        round_dir = pathlib.Path(args.data) / label
        records = sorted((round_dir / "processed" / "harmonized").glob("*.parquet"))
        if len(records) != 1:
            sys.exit(f"{round_dir}: expected one harmonized records file; run benches/run.py --sizes {label} first")
        source = records[0]
        out = round_dir / "write-floor.parquet"
        bare, polars_s, duckdb_s = [], [], []
        for rep in range(args.reps):
            bare.append(measure(bare_scan(round_dir / "raw" / "mys_lfs_2024.csv"))[0])
            polars_s.append(seconds_printed([WRITER, source, out]))
            duckdb_s.append(seconds_printed([sys.executable, "-c", DUCKDB_WRITE, source, out]))
            print(f"{label} rep {rep + 1}: bare {bare[-1]:.1f} s, polars {polars_s[-1]:.1f} s, DuckDB {duckdb_s[-1]:.1f} s", file=sys.stderr)
        out.unlink()
        rows = duckdb.connect().execute(f"select count(*) from read_parquet('{source}')").fetchone()[0]
        b, p, d = (statistics.median(v) for v in (bare, polars_s, duckdb_s))
        print(f"| {label} | {rows:,} | {b:.1f} | {p:.1f} | {d:.1f} | {p / b:.1f}x | {d / b:.1f}x |")


if __name__ == "__main__":
    main()
