//! Exchange formats of the published cells: ILOSTAT's bulk CSV and SDMX-CSV 2.0.
//!
//! Both are views of the same cells as the Parquet dataset; withheld cells keep their row, with an
//! empty value and status "S", so a reader sees what is missing and why.

use polars::prelude::*;

use crate::cells::CELL_COLUMNS;

/// The SDMX dataflow the SDMX-CSV declares (README: "SDMX-CSV" lists its dimensions and
/// attributes).
pub const SDMX_DATAFLOW: &str = "ILMS:DF_ILMS(1.0)";

/// The cells as ILOSTAT's bulk CSV (UTF-8 with a byte-order mark, so Excel reads accents).
pub fn ilostat_csv(cells: &DataFrame) -> PolarsResult<Vec<u8>> {
    let ilostat = CELL_COLUMNS.iter().filter(|c| c.ilostat).map(|c| c.name);
    let mut frame = cells.select(ilostat)?;
    write_csv(&mut frame)
}

/// The cells as SDMX-CSV 2.0: structure and action columns, the dimensions (REF_AREA, SOURCE,
/// INDICATOR, SEX, CLASSIF1, CLASSIF2, TIME_PERIOD), OBS_VALUE, then the attributes (OBS_STATUS,
/// UNIT_MEASURE, UNIT_MULT, NOTE_INDICATOR). SDMX ids admit no ':', so a source "BA:XYZ_LFS_2024"
/// becomes "BA_XYZ_LFS_2024" (the source type is always two letters); a missing classif2 is "_Z",
/// SDMX's "not applicable".
pub fn sdmx_csv(cells: &DataFrame) -> PolarsResult<Vec<u8>> {
    let mut frame = cells
        .clone()
        .lazy()
        .select([
            lit("dataflow").alias("STRUCTURE"),
            lit(SDMX_DATAFLOW).alias("STRUCTURE_ID"),
            lit("I").alias("ACTION"),
            col("ref_area").alias("REF_AREA"),
            col("source")
                .str()
                .replace_all(lit(":"), lit("_"), true)
                .alias("SOURCE"),
            col("indicator").alias("INDICATOR"),
            col("sex").alias("SEX"),
            col("classif1").fill_null(lit("_Z")).alias("CLASSIF1"),
            col("classif2").fill_null(lit("_Z")).alias("CLASSIF2"),
            col("time").alias("TIME_PERIOD"),
            col("obs_value").alias("OBS_VALUE"),
            col("obs_status").alias("OBS_STATUS"),
            col("unit").alias("UNIT_MEASURE"),
            col("unit_mult").alias("UNIT_MULT"),
            col("note_indicator").alias("NOTE_INDICATOR"),
        ])
        .collect()?;
    let mut out = Vec::new();
    CsvWriter::new(&mut out).finish(&mut frame)?;
    Ok(out)
}

fn write_csv(frame: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut out = Vec::new();
    CsvWriter::new(&mut out).include_bom(true).finish(frame)?;
    Ok(out)
}
