#!/usr/bin/env python3
"""Validate a finished run's SDMX exports with sdmx1, a real SDMX library, against the structure the
release ships, and compare every observation with the Parquet cells.

- processed/sdmx_structure.xml is read by sdmx.read_sdmx as an SDMX-ML 2.1 structure message: the
  dataflows, their data structures and code lists;
- processed/indicators_sdmx.csv (ILMS:DF_ILMS) and each processed/sdmx_dataflows/DF_*.csv are read
  by sdmx1 with their dataflow from that message; each observation is validated against its data
  structure: every dimension value and coded attribute is a code of its code list, the mandatory
  attributes are given, a withheld or not available observation is present with OBS_VALUE NaN,
  OBS_STATUS Q or O and, when withheld, a CONF_STATUS other than F; every key appears once;
- sdmx.to_pandas turns every data set into a pandas Series;
- values, statuses and notes equal the Parquet cells read by DuckDB, whose obs_status / suppressed
  are mapped to SDMX's codes here, independently of ilms.

    python3 tests/sdmx_check.py ROUND_DIR
"""
import math
import sys
import tomllib
from pathlib import Path

import duckdb
import pandas as pd
import sdmx

# ILOSTAT flags and ilms's reasons for withholding -> CL_OBS_STATUS / CL_CONF_STATUS (README "SDMX").
OBS_STATUS = {None: "A", "U": "U", "O": "O", "S": "Q", "B": "B"}
CONF_STATUS = {None: "F", "primary": "A", "secondary": "D", "confidential": "C", "validation": "N"}


def fail(msg):
    print(f"sdmx check FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def codes(component):
    """The ids of the component's code list, or None when it is not coded."""
    representation = component.local_representation
    enumerated = getattr(representation, "enumerated", None) if representation else None
    return None if enumerated is None else {c.id for c in enumerated}


def attribute_value(obs, attribute):
    value = obs.attached_attribute.get(attribute)
    return None if value is None or value.value in (None, "") else value.value


def validate(flow, observations, where):
    """Every observation against the data structure of `flow`; returns them keyed."""
    dsd = flow.structure
    dimensions = [d for d in dsd.dimensions.components]
    coded_dimensions = {d.id: codes(d) for d in dimensions}
    for d in dimensions:
        if coded_dimensions[d.id] is None and d.id != "TIME_PERIOD":
            fail(f"{where}: dimension {d.id} of {dsd.id} has no code list")
    attributes = {a.id: (codes(a), a.usage_status) for a in dsd.attributes.components}
    keyed = {}
    for o in observations:
        key = tuple(o.dimension.values[d.id].value for d in dimensions)
        if key in keyed:
            fail(f"{where}: key {key} appears twice")
        for d, allowed in coded_dimensions.items():
            value = o.dimension.values[d].value
            if allowed is not None and value not in allowed:
                fail(f"{where}: {d} {value!r} of {key} is not in its code list")
        for a, (allowed, usage) in attributes.items():
            value = attribute_value(o, a)
            if value is None:
                if str(usage).endswith("mandatory"):
                    fail(f"{where}: mandatory attribute {a} missing for {key}")
            elif allowed is not None and value not in allowed:
                fail(f"{where}: {a} {value!r} of {key} is not in its code list")
        value = float(o.value)
        missing = math.isnan(value)
        status, conf = attribute_value(o, "OBS_STATUS"), attribute_value(o, "CONF_STATUS")
        if missing != (status in ("Q", "O")):
            fail(f"{where}: {key} has OBS_VALUE {o.value!r} with OBS_STATUS {status}")
        if (status == "Q") != (conf != "F"):
            fail(f"{where}: {key} has OBS_STATUS {status} with CONF_STATUS {conf}")
        keyed[key] = o
    return keyed


def read(path, flow):
    message = sdmx.read_sdmx(path, structure=flow)
    observations = [o for ds in message.data for o in ds.obs]
    for ds in message.data:
        series = sdmx.to_pandas(ds)
        if len(series) != len(ds.obs):
            fail(f"{path}: to_pandas gives {len(series)} rows for {len(ds.obs)} observations")
    return observations


def expected(cell):
    """What SDMX must say about a Parquet cell: value, OBS_STATUS, CONF_STATUS, notes."""
    text = lambda v: v if isinstance(v, str) and v != "" else None
    value = cell.obs_value
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else value,
        OBS_STATUS[text(cell.obs_status)],
        CONF_STATUS[text(cell.suppressed)],
        text(cell.note_source),
        text(cell.note_indicator),
    )


def same(o, want, where):
    value, status, conf, note_source, note_indicator = want
    got = float(o.value)
    if value is None:
        if not math.isnan(got):
            fail(f"{where}: SDMX value {got}, the Parquet has none")
    elif math.isnan(got) or abs(got - value) > 1e-9 * max(1.0, abs(value)):
        fail(f"{where}: SDMX value {o.value!r}, Parquet {value}")
    told = (attribute_value(o, "OBS_STATUS"), attribute_value(o, "CONF_STATUS"),
            attribute_value(o, "NOTE_SOURCE"), attribute_value(o, "NOTE_INDICATOR"))
    if told != (status, conf, note_source, note_indicator):
        fail(f"{where}: SDMX says {told}, the Parquet cell {(status, conf, note_source, note_indicator)}")


def sdmx_period(time):
    return f"{time[:4]}-{time[4:]}" if len(time) > 4 else time


def check_combined(root, structure, cells):
    flow = structure.dataflow["DF_ILMS"]
    observations = read(root / "processed/indicators_sdmx.csv", flow)
    keyed = validate(flow, observations, "indicators_sdmx.csv")
    if len(keyed) != len(cells):
        fail(f"indicators_sdmx.csv has {len(keyed)} observations, the Parquet {len(cells)} cells")
    for c in cells.itertuples():
        # An indicator without sex, or a breakdown the indicator has not: SDMX's "_Z".
        z = lambda code: code if isinstance(code, str) else "_Z"
        key = (c.ref_area, c.source.replace(":", "_"), c.indicator, z(c.sex), z(c.classif1), z(c.classif2),
               sdmx_period(c.time))
        if key not in keyed:
            fail(f"cell {key} is not in indicators_sdmx.csv as sdmx1 reads it")
        same(keyed[key], expected(c), f"indicators_sdmx.csv {key}")
    dsd = flow.structure
    for dimension, column in (("REF_AREA", "ref_area"), ("SOURCE", "source")):
        listed = codes(dsd.dimensions.get(dimension))
        published = {v.replace(":", "_") for v in cells[column]}
        if listed != published:
            fail(f"{dimension}'s code list {sorted(listed)} is not the round's {sorted(published)}")
    withheld = sum(1 for o in observations if attribute_value(o, "OBS_STATUS") == "Q")
    return len(observations), withheld


def check_dataflows(root, structure, cells):
    declared = tomllib.loads((root / "schemas/sdmx.toml").read_text())["dataflow"]
    by_indicator = {d["indicator"]: d["id"] for d in declared}
    # A country and period where several sources give a cell of the same key (sex, breakdowns) is
    # left out of a dataflow's file (ILOSTAT keys a series without its source); the combined DF_ILMS
    # keeps it. Sources with keys of their own (mirror data, one country of residence each) stay.
    key = ["indicator", "ref_area", "time", "sex", "classif1", "classif2"]
    per_key = cells.fillna({"sex": "", "classif1": "", "classif2": ""}).groupby(key)["source"].transform("nunique")
    shared = cells[per_key > 1].groupby(["indicator", "ref_area", "time"]).size().index
    at = pd.MultiIndex.from_frame(cells[["indicator", "ref_area", "time"]])
    cells = cells[~at.isin(shared)]
    published = set(cells.indicator)
    want = {by_indicator[i] for i in published if i in by_indicator}
    written = {p.stem for p in (root / "processed/sdmx_dataflows").glob("*.csv")}
    if written != want:
        fail(f"dataflow files {sorted(written)}, expected {sorted(want)}")
    count = 0
    for flow_id in sorted(written):
        flow = structure.dataflow[flow_id]
        indicator = next(i for i, f in by_indicator.items() if f == flow_id)
        mine = cells[cells.indicator == indicator]
        path = root / f"processed/sdmx_dataflows/{flow_id}.csv"
        keyed = validate(flow, read(path, flow), path.name)
        if len(keyed) != len(mine):
            fail(f"{path.name}: {len(keyed)} observations, {indicator} has {len(mine)} cells")
        measure = "_".join(flow_id.split("_")[1:3] + flow_id.split("_")[-1:])
        for c in mine.itertuples():
            breakdowns = [c.sex] + [v for v in (c.classif1, c.classif2) if isinstance(v, str)]
            key = (c.ref_area, "A" if len(c.time) == 4 else c.time[4], measure, *breakdowns,
                   sdmx_period(c.time))
            if key not in keyed:
                fail(f"{path.name}: cell {key} missing")
            want_cell = expected(c)
            same(keyed[key], want_cell, f"{path.name} {key}")
            source = attribute_value(keyed[key], "SOURCE")
            if source != c.source.replace(":", "_"):
                fail(f"{path.name} {key}: SOURCE {source}, the cell's {c.source}")
        count += len(keyed)
    return len(written), count


def main(root):
    root = Path(root)
    structure = sdmx.read_sdmx(root / "processed/sdmx_structure.xml")
    if "DF_ILMS" not in structure.dataflow:
        fail(f"no DF_ILMS in the structure message: {list(structure.dataflow)}")
    for codelist in structure.codelist.values():
        if len(codelist) == 0:
            fail(f"code list {codelist.id} is empty")
    cells = duckdb.execute(f"""
        select * from read_parquet('{root}/processed/indicators/**/*.parquet', hive_partitioning = true,
                                   hive_types = {{'time': VARCHAR}})""").df()
    combined, withheld = check_combined(root, structure, cells)
    if withheld == 0:
        fail("no withheld observation in the combined dataflow: the check would not see one")
    flows, observations = check_dataflows(root, structure, cells)
    print(f"sdmx ok: sdmx1 reads the structure ({len(structure.dataflow)} dataflows, "
          f"{len(structure.codelist)} code lists), {combined} observations of DF_ILMS "
          f"({withheld} withheld) and {observations} in {flows} ILOSTAT dataflows, all valid "
          f"against it and equal to the Parquet cells")


if __name__ == "__main__":
    main(sys.argv[1])
