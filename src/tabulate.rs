//! Tabulate: indicator cells in ILOSTAT long form from the clean records.
//!
//! One pass over the records per indicator: filter the universe, group by the finest breakdown
//! (sex x classif1 x classif2) summing weights and counting records. Every margin (each dimension at
//! its total, alone and in combination) is then rolled up from that small table, so totals are
//! computed, never typed in, and equal the sum of their parts by construction.
//!
//! Weights are summed in fixed point (millionths of a person, i64), so sums are exact and
//! independent of summation order: a total equals the sum of its parts to the last digit.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::indicators::{Dimension, Indicator, Measure};
use crate::spec::SourceSpec;

/// Weights are summed as integers in units of 1 / WEIGHT_SCALE persons.
pub const WEIGHT_SCALE: f64 = 1_000_000.0;

/// Published columns, ILOSTAT long form plus sample_count and unit (see DESIGN.md, Contracts).
pub const CELL_COLUMNS: [&str; 15] = [
    "ref_area",
    "source",
    "indicator",
    "sex",
    "classif1",
    "classif2",
    "time",
    "obs_value",
    "obs_status",
    "note_classif",
    "note_indicator",
    "note_source",
    "sample_count",
    "unit",
    "unit_mult",
];

/// Cells of one indicator for one source, one entry per column of [`CELL_COLUMNS`].
#[derive(Debug, Default, Clone)]
pub struct Cells {
    pub ref_area: Vec<String>,
    pub source: Vec<String>,
    pub indicator: Vec<String>,
    pub sex: Vec<String>,
    pub classif1: Vec<Option<String>>,
    pub classif2: Vec<Option<String>>,
    pub time: Vec<String>,
    pub obs_value: Vec<f64>,
    /// Unweighted records behind the cell; None for an aggregate source (its rows are not records).
    pub sample_count: Vec<Option<i64>>,
    pub note_indicator: Vec<Option<String>>,
    pub unit: Vec<String>,
    pub unit_mult: Vec<i32>,
}

impl Cells {
    pub fn len(&self) -> usize {
        self.obs_value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.obs_value.is_empty()
    }

    pub fn append(&mut self, other: Cells) {
        self.ref_area.extend(other.ref_area);
        self.source.extend(other.source);
        self.indicator.extend(other.indicator);
        self.sex.extend(other.sex);
        self.classif1.extend(other.classif1);
        self.classif2.extend(other.classif2);
        self.time.extend(other.time);
        self.obs_value.extend(other.obs_value);
        self.sample_count.extend(other.sample_count);
        self.note_indicator.extend(other.note_indicator);
        self.unit.extend(other.unit);
        self.unit_mult.extend(other.unit_mult);
    }

    /// The cells as a frame with the published columns, in [`CELL_COLUMNS`] order.
    pub fn to_frame(&self) -> PolarsResult<DataFrame> {
        let n = self.len();
        let none: Vec<Option<&str>> = vec![None; n];
        DataFrame::new(
            n,
            vec![
                Column::new("ref_area".into(), &self.ref_area),
                Column::new("source".into(), &self.source),
                Column::new("indicator".into(), &self.indicator),
                Column::new("sex".into(), &self.sex),
                Column::new("classif1".into(), &self.classif1),
                Column::new("classif2".into(), &self.classif2),
                Column::new("time".into(), &self.time),
                Column::new("obs_value".into(), &self.obs_value),
                Column::new("obs_status".into(), &none),
                Column::new("note_classif".into(), &none),
                Column::new("note_indicator".into(), &self.note_indicator),
                Column::new("note_source".into(), &none),
                Column::new("sample_count".into(), &self.sample_count),
                Column::new("unit".into(), &self.unit),
                Column::new("unit_mult".into(), &self.unit_mult),
            ],
        )
    }
}

/// Sum of weights (fixed point) and records behind one cell.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    weight: i64,
    records: i64,
}

/// The harmonized columns an indicator needs that this source does not provide (empty: it can be
/// produced). A source that lacks one gets "not available" for the indicator, never zeros.
pub fn missing_inputs(
    indicator: &Indicator,
    provided: &std::collections::BTreeSet<String>,
) -> Vec<String> {
    indicator
        .inputs
        .iter()
        .filter(|c| !provided.contains(*c))
        .cloned()
        .collect()
}

/// Plan the one aggregation of a source that every indicator and the reconciliation counts are
/// read from: records grouped by validation rule (`rule_column`, null = clean), by whether each
/// indicator's universe holds (`_in<i>`), and by the value of every dimension the indicators use
/// (`_d_<dimension>`), with the summed weight (fixed point, `_weight`) and the number of records
/// (`_records`). One group-by over one scan, whatever the number of indicators; the result is small
/// (one row per combination that occurs).
pub fn aggregate(indicators: &[&Indicator], checked: LazyFrame, rule_column: &str) -> LazyFrame {
    let mut keys: Vec<(String, Expr)> = vec![(rule_column.to_string(), col(rule_column))];
    for (i, indicator) in indicators.iter().enumerate() {
        let Measure::WeightedCount = indicator.measure;
        keys.push((
            format!("_in{i}"),
            indicator.universe.clone().fill_null(lit(false)),
        ));
    }
    let mut dimensions: BTreeMap<&str, &Dimension> = BTreeMap::new();
    for dimension in indicators.iter().flat_map(|i| &i.dimensions) {
        dimensions.insert(dimension.name.as_str(), dimension);
    }
    for dimension in dimensions.values() {
        keys.push((
            dimension_key(dimension),
            dimension.value.clone().cast(DataType::String),
        ));
    }
    let weight = (col("weight") * lit(WEIGHT_SCALE))
        .round(0, RoundMode::HalfAwayFromZero)
        .cast(DataType::Int64)
        .alias("_weight");
    let select: Vec<Expr> = keys
        .iter()
        .map(|(name, expr)| expr.clone().alias(name.as_str()))
        .chain(std::iter::once(weight))
        .collect();
    checked
        .select(select)
        .group_by(
            keys.iter()
                .map(|(name, _)| col(name.as_str()))
                .collect::<Vec<_>>(),
        )
        .agg([
            col("_weight").sum().alias("_weight"),
            len().cast(DataType::Int64).alias("_records"),
        ])
}

fn dimension_key(dimension: &Dimension) -> String {
    format!("_d_{}", dimension.name)
}

/// Turn a source's executed aggregation into one indicator's published cells (the indicator is
/// number `index` in the list given to [`aggregate`]), with every margin rolled up.
pub fn roll_up(
    spec: &SourceSpec,
    indicator: &Indicator,
    index: usize,
    aggregated: &DataFrame,
    rule_column: &str,
) -> Result<Cells> {
    let dims = &indicator.dimensions;
    let keys: Vec<String> = dims.iter().map(dimension_key).collect();
    let finest = aggregated
        .clone()
        .lazy()
        .filter(
            col(rule_column)
                .is_null()
                .and(col(format!("_in{index}").as_str())),
        )
        .group_by(keys.iter().map(|k| col(k.as_str())).collect::<Vec<_>>())
        .agg([col("_weight").sum(), col("_records").sum()])
        .collect()
        .map_err(|e| Error::polars(&spec.raw_path, "select an indicator's finest table", e))?;
    let finest = &finest;
    // Roll every margin up from the finest table: each row adds to all 2^k combinations of
    // "its own category" and "total" over the k dimensions.
    let mut tallies: BTreeMap<Vec<String>, Tally> = BTreeMap::new();
    let mut observed: Vec<std::collections::BTreeSet<String>> =
        vec![Default::default(); dims.len()];
    let columns: Vec<Vec<Option<String>>> = keys
        .iter()
        .map(|k| string_values(finest, k))
        .collect::<PolarsResult<_>>()
        .map_err(|e| Error::polars(&spec.raw_path, "read the finest table", e))?;
    let weights = finest
        .column("_weight")
        .and_then(|c| c.i64().cloned())
        .map_err(|e| Error::polars(&spec.raw_path, "read weights", e))?;
    let counts = finest
        .column("_records")
        .and_then(|c| c.i64().cloned())
        .map_err(|e| Error::polars(&spec.raw_path, "read counts", e))?;
    for (row, (weight, records)) in weights.iter().zip(counts.iter()).enumerate() {
        let mut codes = Vec::with_capacity(dims.len());
        for (d, dim) in dims.iter().enumerate() {
            let value = columns[d][row].as_deref();
            let code = dim
                .code_for(value)
                .ok_or_else(|| unknown_code(spec, indicator, dim, value))?;
            observed[d].insert(code.to_string());
            codes.push(code.to_string());
        }
        let tally = Tally {
            weight: weight.unwrap_or(0),
            records: records.unwrap_or(0),
        };
        for mask in 0..(1u32 << dims.len()) {
            let key: Vec<String> = dims
                .iter()
                .enumerate()
                .map(|(d, dim)| {
                    if mask & (1 << d) != 0 {
                        dim.total.clone()
                    } else {
                        codes[d].clone()
                    }
                })
                .collect();
            let entry = tallies.entry(key).or_default();
            entry.weight += tally.weight;
            entry.records += tally.records;
        }
    }

    // Publish the full grid: empty categories are true zeros (0 records), while categories listed
    // in `if_observed` appear only when some record falls in them.
    let categories: Vec<Vec<String>> = dims
        .iter()
        .enumerate()
        .map(|(d, dim)| {
            std::iter::once(dim.total.clone())
                .chain(
                    dim.categories
                        .iter()
                        .filter(|c| {
                            !dim.if_observed.contains(&c.code) || observed[d].contains(&c.code)
                        })
                        .map(|c| c.code.clone()),
                )
                .collect()
        })
        .collect();
    let divisor = WEIGHT_SCALE * 10f64.powi(indicator.unit_mult);
    let mut cells = Cells::default();
    for key in cartesian(&categories) {
        let tally = tallies.get(&key).copied().unwrap_or_default();
        cells.ref_area.push(spec.source.ref_area.clone());
        cells.source.push(spec.source.ilostat_source());
        cells.indicator.push(indicator.id.clone());
        cells.sex.push(key[0].clone());
        cells.classif1.push(key.get(1).cloned());
        cells.classif2.push(key.get(2).cloned());
        cells.time.push(spec.source.time.clone());
        cells.obs_value.push(tally.weight as f64 / divisor);
        cells
            .sample_count
            .push((!spec.is_aggregate()).then_some(tally.records));
        cells.note_indicator.push(indicator.note_indicator.clone());
        cells.unit.push(indicator.unit.clone());
        cells.unit_mult.push(indicator.unit_mult);
    }
    Ok(cells)
}

fn string_values(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(frame
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.map(String::from))
        .collect())
}

fn unknown_code(
    spec: &SourceSpec,
    indicator: &Indicator,
    dim: &Dimension,
    value: Option<&str>,
) -> Error {
    Error::new(
        &spec.spec_path,
        format!("indicator {}, dimension {}", indicator.id, dim.name),
        format!(
            "value '{}' of `{}` gives code '{}_{}', which is not a {} category",
            value.unwrap_or(""),
            dim.value_text,
            dim.classification,
            value.unwrap_or(""),
            dim.classification
        ),
        "map the source's codes to codes the classification has, or correct the dimension's value expression in schemas/indicators.toml",
    )
}

/// Every combination of one element from each list, in order (first list varies slowest).
fn cartesian(lists: &[Vec<String>]) -> Vec<Vec<String>> {
    lists.iter().fold(vec![Vec::new()], |acc, list| {
        acc.iter()
            .flat_map(|prefix| {
                list.iter().map(move |item| {
                    let mut next = prefix.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect()
    })
}
