#!/usr/bin/env python3
"""Read a finished run's exchange files with real readers and compare them with the Parquet cells.

- processed/indicators_sdmx.csv with sdmx1, an SDMX client: the data structure is written out here
  from README "SDMX-CSV" (dimensions, measure, attributes); every observation must come back with
  its key, value and status;
- processed/indicators_ilostat.csv with pandas, as an analyst would (it carries a byte-order mark
  for Excel): the same cells, values and statuses as the Parquet dataset.

    python3 tests/exports.py ROUND_DIR
"""
import math
import sys

import duckdb
import pandas as pd
import sdmx
from sdmx.model import common, v30

DIMENSIONS = ["REF_AREA", "SOURCE", "INDICATOR", "SEX", "CLASSIF1", "CLASSIF2", "TIME_PERIOD"]
ATTRIBUTES = ["OBS_STATUS", "UNIT_MEASURE", "UNIT_MULT", "NOTE_INDICATOR", "CONF_STATUS", "NOTE_SOURCE",
              "NOTE_CLASSIF"]
# ILOSTAT's flags as SDMX's CL_OBS_STATUS codes (README "SDMX"; tests/sdmx_check.py checks the rest).
SDMX_STATUS = {None: "A", "U": "U", "O": "O", "S": "Q", "B": "B"}


def fail(msg):
    print(f"exports FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def structure():
    dsd = v30.DataStructureDefinition(id="DF_ILMS", maintainer=common.Agency(id="ILMS"), version="1.0")
    for i, d in enumerate(DIMENSIONS):
        dsd.dimensions.getdefault(d, order=i)
    dsd.measures.getdefault("OBS_VALUE")
    for a in ATTRIBUTES:
        dsd.attributes.getdefault(a)
    flow = v30.Dataflow(id="DF_ILMS", maintainer=common.Agency(id="ILMS"), version="1.0", structure=dsd)
    return flow


def main(root):
    cells = duckdb.execute(f"""
        select * from read_parquet('{root}/processed/indicators/**/*.parquet', hive_partitioning = true,
                                   hive_types = {{'time': VARCHAR}})""").df()

    message = sdmx.read_sdmx(f"{root}/processed/indicators_sdmx.csv", structure=structure())
    observations = [o for ds in message.data for o in ds.obs]
    if len(observations) != len(cells):
        fail(f"sdmx1 reads {len(observations)} observations, the Parquet has {len(cells)} cells")
    read = {}
    for o in observations:
        key = tuple(o.dimension.values[d].value for d in DIMENSIONS)
        status = o.attached_attribute.get("OBS_STATUS")
        read[key] = (o.value, status.value if status is not None else None)
    for c in cells.itertuples():
        # An indicator without sex, or a breakdown the indicator has not: SDMX's "_Z".
        z = lambda code: code if isinstance(code, str) else "_Z"
        key = (c.ref_area, c.source.replace(":", "_"), c.indicator, z(c.sex), z(c.classif1), z(c.classif2), c.time)
        if key not in read:
            fail(f"cell {key} is not in the SDMX-CSV as sdmx1 reads it")
        value, status = read[key]
        withheld = c.obs_status == "S"
        if withheld or c.obs_status == "O":
            if not math.isnan(float(value)):
                fail(f"{key}: no value in the Parquet, value {value!r} in the SDMX-CSV")
        elif abs(float(value) - c.obs_value) > 1e-9 * max(1.0, abs(c.obs_value)):
            fail(f"{key}: SDMX value {value!r}, Parquet {c.obs_value}")
        if status != SDMX_STATUS[c.obs_status if isinstance(c.obs_status, str) else None]:
            fail(f"{key}: SDMX status {status!r}, Parquet {c.obs_status!r}")

    ilostat = pd.read_csv(f"{root}/processed/indicators_ilostat.csv", dtype={"time": str}, encoding="utf-8-sig")
    codes = ["ref_area", "source", "indicator", "sex", "classif1", "classif2", "time", "obs_value", "obs_status",
             "note_classif", "note_indicator", "note_source"]
    # Each code column is followed by its label, as in ILOSTAT's labelled bulk files.
    expected = [c for code in codes for c in ([code] if code in ("time", "obs_value") else [code, f"{code}.label"])]
    if list(ilostat.columns) != expected:
        fail(f"ILOSTAT CSV columns {list(ilostat.columns)}")
    keys = ["ref_area", "source", "indicator", "sex", "classif1", "classif2", "time"]
    merged = cells.merge(ilostat, on=keys, how="outer", suffixes=("", "_csv"), indicator=True)
    if (merged._merge != "both").any():
        fail(f"ILOSTAT CSV and Parquet cells differ:\n{merged[merged._merge != 'both'][keys].head()}")
    same_value = (merged.obs_value - merged.obs_value_csv).abs().le(1e-9) | (merged.obs_value.isna() & merged.obs_value_csv.isna())
    same_status = merged.obs_status.fillna("") == merged.obs_status_csv.fillna("")
    if not (same_value & same_status).all():
        fail(f"ILOSTAT CSV values or statuses differ:\n{merged[~(same_value & same_status)].head()}")
    print(f"exports ok: sdmx1 reads {len(observations)} observations and pandas the ILOSTAT CSV, "
          f"both equal to the Parquet cells")


if __name__ == "__main__":
    main(sys.argv[1])
