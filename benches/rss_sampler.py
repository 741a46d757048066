#!/usr/bin/env python3
"""Run a command and sample its resident memory split into anonymous (heap) and file-backed
(memory-mapped input) pages every 0.2 s, from /proc/PID/status; print the peaks.

    python3 benches/rss_sampler.py target/release/ilms run --round bench-data/50M/ilms.toml --quiet
"""
import subprocess
import sys
import time


def sample(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "VmRSS"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
peaks = {"RssAnon": 0.0, "RssFile": 0.0, "VmRSS": 0.0}
start = time.perf_counter()
while proc.poll() is None:
    try:
        for key, value in sample(proc.pid).items():
            peaks[key] = max(peaks[key], value)
    except (FileNotFoundError, ProcessLookupError):
        break
    time.sleep(0.2)
print(f"{time.perf_counter() - start:.1f} s; peak RSS {peaks['VmRSS']:.0f} MiB = anonymous {peaks['RssAnon']:.0f} MiB "
      f"+ file-backed {peaks['RssFile']:.0f} MiB (peaks sampled separately)")
sys.exit(proc.returncode)
