//! SDMX-CSV 2.0 of the cells: the combined dataflow (every indicator, keyed by source and
//! indicator) and one file per ILOSTAT 2026 dataflow (keyed as ILOSTAT keys it).

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::{conf_status, obs_status, period, source_id, Dataflow, Dataflows, SDMX_DATAFLOW};
use crate::cells::Cells;
use crate::error::{Error, Result};

/// One row per cell with every SDMX column the exports take from, in the cells' order. `frame` is
/// `cells.to_frame()` (the notes as written).
fn sdmx_frame(frame: &DataFrame, cells: &Cells) -> PolarsResult<DataFrame> {
    let (freq, time): (Vec<&str>, Vec<String>) = cells.time.iter().map(|t| period(t)).unzip();
    let status = |f: fn(crate::cells::Status) -> &'static str| -> Vec<&str> {
        cells.status.iter().map(|s| f(*s)).collect()
    };
    let source: Vec<String> = cells.source.iter().map(|s| source_id(s)).collect();
    // SDMX-CSV's missing value: an empty OBS_VALUE is no number at all to readers (sdmx1's
    // to_pandas stops on it), NaN is "no value" to every one of them.
    let value: Vec<f64> = cells
        .obs_value
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let n = cells.len();
    let text = |name: &str| -> PolarsResult<Column> {
        Ok(frame.column(name)?.cast(&DataType::String)?.clone())
    };
    let columns = vec![
        Column::new("REF_AREA".into(), &cells.ref_area),
        Column::new("SOURCE".into(), source),
        Column::new("INDICATOR".into(), &cells.indicator),
        Column::new("SEX".into(), &cells.sex),
        Column::new("CLASSIF1".into(), &cells.classif1),
        Column::new("CLASSIF2".into(), &cells.classif2),
        Column::new("FREQ".into(), freq),
        Column::new("TIME_PERIOD".into(), time),
        Column::new("OBS_VALUE".into(), value),
        Column::new("OBS_STATUS".into(), status(obs_status)),
        Column::new("CONF_STATUS".into(), status(conf_status)),
        Column::new("UNIT_MEASURE".into(), &cells.unit),
        Column::new("UNIT_MULT".into(), &cells.unit_mult),
        text("note_indicator")?.with_name("NOTE_INDICATOR".into()),
        text("note_source")?.with_name("NOTE_SOURCE".into()),
        text("note_classif")?.with_name("NOTE_CLASSIF".into()),
    ];
    DataFrame::new(n, columns)
}

fn write(frame: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut out = Vec::new();
    CsvWriter::new(&mut out).finish(frame)?;
    Ok(out)
}

/// The cells as SDMX-CSV 2.0 of `ILMS:DF_ILMS(1.0)`: STRUCTURE, STRUCTURE_ID, ACTION, the
/// dimensions (REF_AREA, SOURCE, INDICATOR, SEX, CLASSIF1, CLASSIF2, TIME_PERIOD), OBS_VALUE, then
/// the attributes (OBS_STATUS, UNIT_MEASURE, UNIT_MULT, NOTE_INDICATOR, CONF_STATUS, NOTE_SOURCE,
/// NOTE_CLASSIF). A missing classif is "_Z", SDMX's "not applicable".
pub fn combined_csv(frame: &DataFrame, cells: &Cells) -> PolarsResult<Vec<u8>> {
    let mut out = sdmx_frame(frame, cells)?
        .lazy()
        .select([
            lit("dataflow").alias("STRUCTURE"),
            lit(SDMX_DATAFLOW).alias("STRUCTURE_ID"),
            lit("I").alias("ACTION"),
            col("REF_AREA"),
            col("SOURCE"),
            col("INDICATOR"),
            col("SEX").fill_null(lit("_Z")),
            col("CLASSIF1").fill_null(lit("_Z")),
            col("CLASSIF2").fill_null(lit("_Z")),
            col("TIME_PERIOD"),
            col("OBS_VALUE"),
            col("OBS_STATUS"),
            col("UNIT_MEASURE"),
            col("UNIT_MULT"),
            col("NOTE_INDICATOR"),
            col("CONF_STATUS"),
            col("NOTE_SOURCE"),
            col("NOTE_CLASSIF"),
        ])
        .collect()?;
    write(&mut out)
}

/// The per-dataflow SDMX-CSV files, and what was left out of them.
#[derive(Debug, Default)]
pub struct DataflowFiles {
    /// `DF_<indicator>.csv` and its bytes, one per dataflow with cells to write.
    pub files: Vec<(String, Vec<u8>)>,
    /// One sentence per country and period left out of a dataflow's file because several sources
    /// give it (the combined SDMX-CSV keeps them all).
    pub left_out: Vec<String>,
}

/// Each dataflow of `dataflows` whose indicator has cells, as SDMX-CSV 2.0 of
/// `ILMS:<id>(1.0)`: REF_AREA, FREQ, MEASURE, SEX, its breakdowns, TIME_PERIOD, OBS_VALUE, then
/// OBS_STATUS, CONF_STATUS, UNIT_MEASURE, UNIT_MULT, SOURCE, NOTE_SOURCE, NOTE_INDICATOR,
/// NOTE_CLASSIF. ILOSTAT keys a series without its source (an attribute), so a country and period
/// that several sources give (a census and a survey of one year) would hold two values under one
/// key: it is left out of that dataflow's file and told in `left_out`, and a dataflow left with
/// nothing gets no file.
pub fn dataflow_csv(
    frame: &DataFrame,
    cells: &Cells,
    dataflows: &Dataflows,
) -> Result<DataflowFiles> {
    let polars = |e| Error::polars(&dataflows.path, "write the SDMX-CSV of the dataflows", e);
    let all = sdmx_frame(frame, cells).map_err(polars)?;
    let mut out = DataflowFiles::default();
    for flow in &dataflows.list {
        let rows: Vec<usize> = (0..cells.len())
            .filter(|&i| cells.indicator[i] == flow.indicator)
            .collect();
        let shared = shared_country_periods(cells, &rows);
        out.left_out.extend(
            shared
                .iter()
                .map(|(key, sources)| left_out_sentence(flow, key, sources)),
        );
        let kept: BooleanChunked = (0..cells.len())
            .map(|i| {
                cells.indicator[i] == flow.indicator
                    && !shared.contains_key(&(&cells.ref_area[i], &cells.time[i]))
            })
            .collect();
        if !kept.any() {
            continue;
        }
        let mut file = all
            .filter(&kept)
            .map_err(polars)?
            .lazy()
            .select(dataflow_columns(flow))
            .collect()
            .map_err(polars)?;
        let bytes = write(&mut file).map_err(polars)?;
        out.files.push((format!("{}.csv", flow.id), bytes));
    }
    Ok(out)
}

/// The country and period pairs of `rows` where more than one source gives a cell of the same key
/// (sex and breakdowns), with the sources of that country and period. Sources whose cells have
/// keys of their own (mirror data: one country of residence each) share no series.
fn shared_country_periods<'a>(
    cells: &'a Cells,
    rows: &[usize],
) -> BTreeMap<(&'a String, &'a String), BTreeSet<&'a str>> {
    type Key<'a> = (&'a Option<String>, &'a Option<String>, &'a Option<String>);
    let mut found: BTreeMap<(&String, &String), BTreeMap<Key, BTreeSet<&str>>> = BTreeMap::new();
    for &i in rows {
        let key = (&cells.sex[i], &cells.classif1[i], &cells.classif2[i]);
        found
            .entry((&cells.ref_area[i], &cells.time[i]))
            .or_default()
            .entry(key)
            .or_default()
            .insert(cells.source[i].as_str());
    }
    found
        .into_iter()
        .filter(|(_, keys)| keys.values().any(|sources| sources.len() > 1))
        .map(|(at, keys)| (at, keys.into_values().flatten().collect()))
        .collect()
}

fn left_out_sentence(
    flow: &Dataflow,
    (ref_area, time): &(&String, &String),
    sources: &BTreeSet<&str>,
) -> String {
    format!(
        "{ref_area} {time} left out of sdmx_dataflows/{}.csv: sources {} {} {}, and \
         ILOSTAT's dataflow keys a series by country, period and breakdown, not by source \
         (indicators_sdmx.csv keeps both; to publish one of them in the dataflow, run it alone \
         with ilms run --source ID)",
        flow.id,
        sources.iter().copied().collect::<Vec<_>>().join(" and "),
        if sources.len() == 2 {
            "both give"
        } else {
            "all give"
        },
        flow.indicator,
    )
}

fn dataflow_columns(flow: &Dataflow) -> Vec<Expr> {
    let mut columns = vec![
        lit("dataflow").alias("STRUCTURE"),
        lit(flow.urn_short()).alias("STRUCTURE_ID"),
        lit("I").alias("ACTION"),
        col("REF_AREA"),
        col("FREQ"),
        lit(flow.measure.clone()).alias("MEASURE"),
    ];
    for (breakdown, cell_column) in flow.breakdowns.iter().zip(["SEX", "CLASSIF1", "CLASSIF2"]) {
        columns.push(col(cell_column).alias(breakdown.as_str()));
    }
    columns.extend(
        [
            "TIME_PERIOD",
            "OBS_VALUE",
            "OBS_STATUS",
            "CONF_STATUS",
            "UNIT_MEASURE",
            "UNIT_MULT",
            "SOURCE",
            "NOTE_SOURCE",
            "NOTE_INDICATOR",
            "NOTE_CLASSIF",
        ]
        .map(col),
    );
    columns
}
