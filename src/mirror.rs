//! Nationals abroad from mirror data. A destination's residents by citizenship, counted by its own
//! sources, are the nationals of each country of citizenship living there: the citizens of one
//! country in another's survey are its nationals abroad, resident in the other. A mirror indicator
//! (`measure = "mirror"` in `schemas/indicators.toml`) republishes each such cell under the
//! country of citizenship, once every source's cells are final (protected, validated).

use std::collections::BTreeSet;

use crate::cells::Cells;
use crate::indicators::{Indicators, Measure, MIRROR_CITIZENSHIP};

/// The note (`note_source`, "ilms:<this>") on a mirrored cell: the figure is the destination's,
/// from the source and year in `source` and `time`.
pub const MIRROR_NOTE: &str = "mirror";

/// Add the cells of each mirror indicator: for every cell of the count it mirrors whose country
/// of citizenship is one the round covers (`countries`) and not the destination itself, the same
/// figure, flags, sample count and notes under that country, with the destination as the country
/// of residence. No total over destinations: their sources differ in year and kind. Returns the
/// number of cells added.
pub fn add_mirrored(
    indicators: &Indicators,
    countries: &BTreeSet<String>,
    cells: &mut Cells,
) -> usize {
    let mut mirrored = Cells::default();
    for table in &indicators.list {
        let Measure::Mirror { of } = &table.measure else {
            continue;
        };
        let residence = &table.dimensions[1].classification;
        let citizenship = format!("{MIRROR_CITIZENSHIP}_");
        for i in 0..cells.len() {
            if &cells.indicator[i] != of || cells.classif2[i].is_some() {
                continue;
            }
            let Some(country) = cells.classif1[i]
                .as_deref()
                .and_then(|code| code.strip_prefix(&citizenship))
                .filter(|c| countries.contains(*c) && *c != cells.ref_area[i])
            else {
                continue;
            };
            mirrored.push_copy(cells, i);
            let at = mirrored.len() - 1;
            mirrored.classif1[at] = Some(format!("{residence}_{}", cells.ref_area[i]));
            mirrored.ref_area[at] = country.to_string();
            mirrored.indicator[at] = table.id.clone();
            mirrored.note_indicator[at] = table.note_indicator.clone();
            mirrored.notes[at].push(MIRROR_NOTE.to_string());
        }
    }
    let added = mirrored.len();
    cells.append(mirrored);
    added
}

/// The ids of the mirror indicators.
pub fn indicators(indicators: &Indicators) -> BTreeSet<String> {
    indicators
        .list
        .iter()
        .filter(|t| matches!(t.measure, Measure::Mirror { .. }))
        .map(|t| t.id.clone())
        .collect()
}
