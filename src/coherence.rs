//! Flows and stocks between the round's countries, side by side over the years: a country of
//! origin's outflow to a destination as the origin reports it, the destination's inflow from that
//! origin as the destination reports it, and the destination's stock of the origin's citizens
//! (mirror data), both sexes, in persons, from the published cells only. The coherence rule
//! compares outflows and inflows from the records; this table lets a statistician read the three
//! figures together, year by year (`processed/coherence.csv` and the round report).

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::cells::{Cells, Status};
use crate::classifications::Classifications;

/// The three figures: (column stem, indicator, prefix of the counterpart code in classif1, and
/// whether the counterpart is the destination (else the origin) of the reporting country).
const FIGURES: [(&str, &str, &str, bool); 3] = [
    ("outflow", "MNA_OEMP_SEX_CDS_NB", "CDS_DES_", true),
    ("inflow", "MFL_TPOP_SEX_COU_NB", "COU_ORI_", false),
    ("stock", "MNA_TPOP_SEX_CRS_NB", "CRS_RES_", true),
];

/// One figure of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// Published: persons, its status (a flag "U" or "B" kept), and the source ("BA:ID").
    Value(f64, Status, String),
    /// The cell exists but shows no value (withheld, or not available), with its source.
    NotShown(Status, String),
    /// More than one source gives the figure: their sources (see each in the cells).
    Several(Vec<String>),
    /// No cell.
    Missing,
}

/// Origin, destination and period, each with its three figures.
pub type FlowRow = ((String, String, String), [Figure; 3]);

/// Every (origin, destination, period) of two different countries of the round for which a
/// cell of any of the three figures exists, in order.
pub fn rows(cells: &Cells, countries: &BTreeSet<String>) -> Vec<FlowRow> {
    let mut rows: BTreeMap<(String, String, String), [Figure; 3]> = BTreeMap::new();
    for i in 0..cells.len() {
        let Some((slot, key)) = place(cells, i, countries) else {
            continue;
        };
        let figure = figure_of(cells, i);
        let entry = rows
            .entry(key)
            .or_insert_with(|| std::array::from_fn(|_| Figure::Missing));
        entry[slot] = match std::mem::replace(&mut entry[slot], Figure::Missing) {
            Figure::Missing => figure,
            earlier => Figure::Several([sources_of(&earlier), sources_of(&figure)].concat()),
        };
    }
    rows.into_iter().collect()
}

/// Which figure cell `i` is, and its row's key; None for any other cell.
fn place(
    cells: &Cells,
    i: usize,
    countries: &BTreeSet<String>,
) -> Option<(usize, (String, String, String))> {
    if cells.sex[i].as_deref() != Some("SEX_T") || cells.classif2[i].is_some() {
        return None;
    }
    let slot = FIGURES.iter().position(|f| f.1 == cells.indicator[i])?;
    let (_, _, prefix, to_destination) = FIGURES[slot];
    let counterpart = cells.classif1[i].as_deref()?.strip_prefix(prefix)?;
    let reporter = cells.ref_area[i].as_str();
    let (origin, destination) = if to_destination {
        (reporter, counterpart)
    } else {
        (counterpart, reporter)
    };
    let both = countries.contains(origin) && countries.contains(destination);
    (both && origin != destination).then(|| {
        let key = (
            origin.to_string(),
            destination.to_string(),
            cells.time[i].clone(),
        );
        (slot, key)
    })
}

fn figure_of(cells: &Cells, i: usize) -> Figure {
    let source = cells.source[i].clone();
    match cells.obs_value[i] {
        // Persons to a thousandth: the published value's own precision, without float noise.
        Some(value) => {
            let persons = value * 10f64.powi(cells.unit_mult[i]);
            Figure::Value((persons * 1000.0).round() / 1000.0, cells.status[i], source)
        }
        None => Figure::NotShown(cells.status[i], source),
    }
}

fn sources_of(figure: &Figure) -> Vec<String> {
    match figure {
        Figure::Value(_, _, s) | Figure::NotShown(_, s) => vec![s.clone()],
        Figure::Several(sources) => sources.clone(),
        Figure::Missing => Vec::new(),
    }
}

/// The rows as `processed/coherence.csv`: the countries with their names, the period, and per
/// figure its persons (empty unless published), what it shows and its source.
pub fn frame(rows: &[FlowRow], classifications: &Classifications) -> PolarsResult<DataFrame> {
    let key = |k: usize| -> Vec<String> {
        rows.iter()
            .map(|((o, d, t), _)| [o, d, t][k].clone())
            .collect()
    };
    let name = |codes: &[String]| -> Vec<String> {
        codes
            .iter()
            .map(|c| classifications.country_name(c))
            .collect()
    };
    let (origins, destinations) = (key(0), key(1));
    let mut columns = vec![
        Column::new("origin".into(), &origins),
        Column::new("origin.label".into(), name(&origins)),
        Column::new("destination".into(), &destinations),
        Column::new("destination.label".into(), name(&destinations)),
        Column::new("time".into(), key(2)),
    ];
    for (slot, (stem, ..)) in FIGURES.iter().enumerate() {
        let figures: Vec<&Figure> = rows.iter().map(|(_, f)| &f[slot]).collect();
        let persons: Vec<Option<f64>> = figures.iter().map(|f| persons(f)).collect();
        let shows: Vec<&str> = figures.iter().map(|f| shows(f)).collect();
        let sources: Vec<String> = figures.iter().map(|f| sources_of(f).join("; ")).collect();
        columns.push(Column::new((*stem).into(), persons));
        columns.push(Column::new(format!("{stem}_shows").into(), shows));
        columns.push(Column::new(format!("{stem}_source").into(), sources));
    }
    DataFrame::new(rows.len(), columns)
}

/// A figure's persons, if published.
pub fn persons(figure: &Figure) -> Option<f64> {
    match figure {
        Figure::Value(persons, ..) => Some(*persons),
        _ => None,
    }
}

/// A published figure's flag, as ILOSTAT prints it beside the value: "U" unreliable, "B" break.
pub fn flag(figure: &Figure) -> Option<&'static str> {
    match figure {
        Figure::Value(_, Status::Unreliable, _) => Some("U"),
        Figure::Value(_, Status::Break, _) => Some("B"),
        _ => None,
    }
}

/// What a figure shows, in words.
pub fn shows(figure: &Figure) -> &'static str {
    match figure {
        Figure::Value(_, Status::Unreliable, _) => "published, unreliable (U)",
        Figure::Value(_, Status::Break, _) => "published, break in series (B)",
        Figure::Value(..) => "published",
        Figure::NotShown(Status::NotAvailable, _) => "not available",
        Figure::NotShown(..) => "withheld",
        Figure::Several(_) => "several sources",
        Figure::Missing => "no source",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(
        cells: &mut Cells,
        area: &str,
        indicator: &str,
        classif1: &str,
        value: Option<f64>,
        status: Status,
    ) {
        cells.ref_area.push(area.into());
        cells.source.push(format!("FX:{area}_SOURCE"));
        cells.indicator.push(indicator.into());
        cells.sex.push(Some("SEX_T".into()));
        cells.classif1.push(Some(classif1.into()));
        cells.classif2.push(None);
        cells.time.push("2024".into());
        cells.obs_value.push(value);
        cells.status.push(status);
        cells.persons.push(value.map(|v| v * 1000.0));
        cells.sample_count.push(None);
        cells.note_indicator.push(None);
        cells.notes.push(Vec::new());
        cells.unit.push("PS".into());
        cells.unit_mult.push(3);
    }

    #[test]
    fn an_origins_outflow_meets_the_destinations_inflow_and_stock_with_their_flags() {
        let mut cells = Cells::default();
        push(
            &mut cells,
            "AAA",
            "MNA_OEMP_SEX_CDS_NB",
            "CDS_DES_BBB",
            Some(1.5),
            Status::Unreliable,
        );
        push(
            &mut cells,
            "BBB",
            "MFL_TPOP_SEX_COU_NB",
            "COU_ORI_AAA",
            None,
            Status::Primary,
        );
        push(
            &mut cells,
            "AAA",
            "MNA_TPOP_SEX_CRS_NB",
            "CRS_RES_BBB",
            Some(20.0),
            Status::Published,
        );
        // A destination outside the round: no row.
        push(
            &mut cells,
            "AAA",
            "MNA_OEMP_SEX_CDS_NB",
            "CDS_DES_CCC",
            Some(9.0),
            Status::Published,
        );
        let countries = BTreeSet::from(["AAA".to_string(), "BBB".to_string()]);
        let rows = rows(&cells, &countries);
        assert_eq!(rows.len(), 1);
        let ((origin, destination, _), [outflow, inflow, stock]) = &rows[0];
        assert_eq!((origin.as_str(), destination.as_str()), ("AAA", "BBB"));
        assert_eq!((persons(outflow), flag(outflow)), (Some(1500.0), Some("U")));
        assert_eq!((persons(inflow), shows(inflow)), (None, "withheld"));
        assert_eq!((persons(stock), shows(stock)), (Some(20000.0), "published"));
    }
}
