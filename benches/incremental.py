#!/usr/bin/env python3
"""Incremental runs: a full run of the sample round against a run after one small source changed.

    cargo build --release
    python3 benches/incremental.py [--ilms target/release/ilms] [--reps 5] [--source raw/mys_permits_2024.csv]

Copies the round (manifest, schemas, raw) to a temporary folder and, `reps` times each, in turn:
- a full run: `ilms run --quiet --no-reuse` (every source read);
- a run after one small change: one count of the small source's raw file edited (a different
  value each rep), then `ilms run --quiet` (that source read again, the others reused).
Prints the medians, their ratio and each run's stage seconds (run_log.json), then checks the last
incremental release against a full run of the same inputs (`tools/compare_releases.py`).
"""
import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(ilms: Path, round_dir: Path, *args: str) -> float:
    # A run that starts in the second of the newest release waits for the next second (release
    # ids sort in the order releases were made): start each run a second after the one before, so
    # no timed run includes that wait.
    time.sleep(1.1)
    start = time.perf_counter()
    subprocess.run([str(ilms), "run", "--quiet", *args], cwd=round_dir, check=True)
    return time.perf_counter() - start


def stages(round_dir: Path) -> str:
    log = json.loads((round_dir / "processed/run_log.json").read_text())
    ran = [s["id"] for s in log["sources"] if s["pass"]["how"] == "ran"]
    times = ", ".join(f"{s['stage']} {s['seconds']:.3f}" for s in log["seconds"])
    return f"ran {len(ran)} of {len(log['sources'])} ({', '.join(ran)}); {times}"


def edit_count(path: Path, rep: int) -> None:
    """Change the last field of the file's second line (a count) to another value."""
    lines = path.read_text().splitlines(keepends=True)
    header_and_first = lines[1].rstrip("\n")
    head, count = header_and_first.rsplit(",", 1)
    assert re.fullmatch(r"\d+", count), f"{path}: line 2 does not end with a count"
    lines[1] = f"{head},{int(count) + 1 + rep % 2}\n"
    path.write_text("".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ilms", type=Path, default=REPO / "target/release/ilms")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--source", default="raw/mys_permits_2024.csv")
    args = parser.parse_args()
    ilms = args.ilms.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        round_dir = Path(tmp) / "round"
        round_dir.mkdir()
        shutil.copy(REPO / "ilms.toml", round_dir)
        for folder in ["schemas", "raw"]:
            shutil.copytree(REPO / folder, round_dir / folder)
        twin = Path(tmp) / "twin"
        timed(ilms, round_dir, "--no-reuse")  # warm the page cache
        full, one = [], []
        for rep in range(args.reps):
            full.append(timed(ilms, round_dir, "--no-reuse"))
            print(f"full run {full[-1]:.3f} s: {stages(round_dir)}")
            edit_count(round_dir / args.source, rep)
            if rep == args.reps - 1:
                # A twin of the round, its releases included, for a full run of the same inputs.
                subprocess.run(["cp", "-a", "--", str(round_dir), str(twin)], check=True)
            one.append(timed(ilms, round_dir))
            print(f"after one change {one[-1]:.3f} s: {stages(round_dir)}")
        f, o = statistics.median(full), statistics.median(one)
        print(f"median of {args.reps}: full {f:.3f} s, after one small change {o:.3f} s, ratio {o / f:.2f}")
        # The last incremental release against the twin's full run of the same inputs.
        subprocess.run([str(ilms), "run", "--quiet", "--no-reuse"], cwd=twin, check=True)
        compared = subprocess.run(
            [
                sys.executable,
                str(REPO / "tools/compare_releases.py"),
                str(round_dir / "releases/current"),
                str(twin / "releases/current"),
                "--private",
                str(round_dir / ".ilms/private-releases/current/private"),
                str(twin / ".ilms/private-releases/current/private"),
            ]
        )
        return compared.returncode


if __name__ == "__main__":
    sys.exit(main())
