#!/usr/bin/env python3
"""Check one aggregate-shape case's release (tests/aggregates.rs) with pandas, an independent reader:
every cell of expected.csv (worked out by hand from the raw file) is published with that value and
status and carries its note; "absent" cells are not published; counts.csv gives the number of
cells of an indicator. Prints "aggregates ok" or the differences and exits 1."""
import sys
import pathlib

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

round_dir, case_dir = map(pathlib.Path, sys.argv[1:3])
hive = ds.partitioning(pa.schema([("ref_area", pa.string()), ("time", pa.string())]), flavor="hive")
folder = round_dir / "processed" / "indicators"
cells = pd.read_parquet(folder, partitioning=hive) if folder.exists() else pd.DataFrame(
    columns=["indicator", "sex", "classif1", "classif2", "obs_value", "obs_status", "note_source"])
for column in ["classif1", "classif2", "obs_status", "note_source"]:
    cells[column] = cells[column].fillna("")

problems = []
expected = pd.read_csv(case_dir / "expected.csv", dtype=str, keep_default_na=False)
for _, want in expected.iterrows():
    key = (want.indicator, want.sex, want.classif1, want.classif2)
    found = cells[(cells.indicator == want.indicator) & (cells.sex == want.sex)
                  & (cells.classif1 == want.classif1) & (cells.classif2 == want.classif2)]
    if want.value == "absent":
        if len(found):
            problems.append(f"{key}: published, but the source does not give it")
        continue
    if len(found) != 1:
        problems.append(f"{key}: {len(found)} cells published, expected 1")
        continue
    got = found.iloc[0]
    if want.value == "":
        if not pd.isna(got.obs_value):
            problems.append(f"{key}: value {got.obs_value}, expected none (not available)")
    elif pd.isna(got.obs_value) or abs(float(got.obs_value) - float(want.value)) > 1e-9:
        problems.append(f"{key}: value {got.obs_value}, expected {want.value}")
    if got.obs_status != want.status:
        problems.append(f"{key}: obs_status '{got.obs_status}', expected '{want.status}'")
    if want.note and f"ilms:{want.note}" not in got.note_source.split("; "):
        problems.append(f"{key}: note_source '{got.note_source}' lacks ilms:{want.note}")

counts = pd.read_csv(case_dir / "counts.csv", dtype={"indicator": str, "cells": int})
for _, want in counts.iterrows():
    got = int((cells.indicator == want.indicator).sum())
    if got != want.cells:
        problems.append(f"{want.indicator}: {got} cells published, expected {want.cells}")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print("aggregates ok")
