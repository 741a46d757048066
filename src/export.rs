//! ILOSTAT's bulk CSV of the published cells (SDMX-CSV and the SDMX structures: `sdmx`).
//!
//! A view of the same cells as the Parquet dataset; withheld cells keep their row, with an empty
//! value and status "S", so a reader sees what is missing and why.

use polars::prelude::*;

use crate::cells::CELL_COLUMNS;

/// The cells as ILOSTAT's bulk CSV (UTF-8 with a byte-order mark, so Excel reads accents).
pub fn ilostat_csv(cells: &DataFrame) -> PolarsResult<Vec<u8>> {
    let ilostat = CELL_COLUMNS.iter().filter(|c| c.ilostat).map(|c| c.name);
    let mut frame = cells.select(ilostat)?;
    write_csv(&mut frame)
}

fn write_csv(frame: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut out = Vec::new();
    CsvWriter::new(&mut out).include_bom(true).finish(frame)?;
    Ok(out)
}
