//! Revision notes. A round names the edition its figures were last published in (`[output]
//! revised_since`, a kept release); every cell whose value differs from the value that edition
//! published for the same cell (ilms diff's key: country, source, indicator, sex, breakdowns,
//! period) carries the note `ilms:revised`, as publications mark revised figures. A figure first
//! published now, or withheld then, is no revision; a figure withheld now shows no value to mark.
//! Naming the edition (not "the release before") keeps the notes the same over the re-runs of one
//! cycle.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;

use crate::cells::{Cells, REVISED_NOTE};
use crate::diff::CELL_KEY;
use crate::error::{Error, Result};

/// A cell's key as [`CELL_KEY`] orders it.
type Key = [Option<String>; 7];

/// What the revision step did: the edition compared with and how many cells it noted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Revisions {
    /// The release the figures are compared with.
    pub since: String,
    /// Cells whose value differs from that release's.
    pub revised: usize,
}

/// Note every cell of `cells` whose value differs from the one published in `edition` (its
/// `processed` folder); returns how many were noted.
pub fn note_revisions(cells: &mut Cells, edition: &Path) -> Result<usize> {
    let published = published_values(edition)?;
    let mut noted = 0;
    for i in 0..cells.len() {
        let Some(value) = cells.obs_value[i] else {
            continue;
        };
        let earlier = published.get(&key(cells, i));
        if earlier.is_some_and(|&earlier| earlier != value) {
            cells.notes[i].push(REVISED_NOTE.to_string());
            noted += 1;
        }
    }
    Ok(noted)
}

fn key(cells: &Cells, i: usize) -> Key {
    [
        Some(cells.ref_area[i].clone()),
        Some(cells.source[i].clone()),
        Some(cells.indicator[i].clone()),
        cells.sex[i].clone(),
        cells.classif1[i].clone(),
        cells.classif2[i].clone(),
        Some(cells.time[i].clone()),
    ]
}

/// The edition's published values (cells with a value) by key.
fn published_values(edition: &Path) -> Result<HashMap<Key, f64>> {
    let fail = |e: PolarsError| {
        Error::new(
            edition,
            "",
            format!("could not read the published values of the edition: {e}"),
            "name in [output] revised_since a release `ilms run` published and kept, or remove the key",
        )
    };
    let mut columns: Vec<Expr> = CELL_KEY
        .iter()
        .map(|c| col(*c).cast(DataType::String))
        .collect();
    columns.push(col("obs_value"));
    let frame = crate::query::scan_indicators(edition)?
        .select(columns)
        .filter(col("obs_value").is_not_null())
        .collect()
        .map_err(fail)?;
    let texts: Vec<&StringChunked> = CELL_KEY
        .iter()
        .map(|c| frame.column(c).and_then(|c| c.str()))
        .collect::<PolarsResult<_>>()
        .map_err(fail)?;
    let values = frame
        .column("obs_value")
        .and_then(|c| c.f64())
        .map_err(fail)?;
    let mut published = HashMap::with_capacity(frame.height());
    for i in 0..frame.height() {
        let key: Key = std::array::from_fn(|k| texts[k].get(i).map(str::to_string));
        if let Some(value) = values.get(i) {
            published.insert(key, value);
        }
    }
    Ok(published)
}
