//! ILOSTAT's bulk CSV of the published cells (SDMX-CSV and the SDMX structures: `sdmx`).
//!
//! A view of the same cells as the Parquet dataset; withheld cells keep their row, with an empty
//! value and status "S", so a reader sees what is missing and why.

use polars::prelude::*;

use crate::cells::CELL_COLUMNS;
use crate::labels::Labels;

/// ILOSTAT's bulk CSV columns without a label twin (a period and a number).
const UNLABELLED: [&str; 2] = ["time", "obs_value"];

/// The cells as ILOSTAT's bulk CSV (UTF-8 with a byte-order mark, so Excel reads accents): each
/// code column followed by its `.label` twin as ILOSTAT's labelled files have them (`ref_area,
/// ref_area.label, source, source.label, ...`), in the round's language; notes are labelled one
/// by one, joined by " | ".
pub fn ilostat_csv(cells: &DataFrame, labels: &Labels) -> PolarsResult<Vec<u8>> {
    let mut columns = Vec::new();
    for name in CELL_COLUMNS.iter().filter(|c| c.ilostat).map(|c| c.name) {
        let codes = cells.column(name)?;
        columns.push(codes.clone());
        if !UNLABELLED.contains(&name) {
            columns.push(labels.column(codes, name.starts_with("note_"))?);
        }
    }
    let mut frame = DataFrame::new(cells.height(), columns)?;
    write_csv(&mut frame)
}

fn write_csv(frame: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut out = Vec::new();
    CsvWriter::new(&mut out).include_bom(true).finish(frame)?;
    Ok(out)
}
