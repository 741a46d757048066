//! Means and medians of an amount (monthly earnings) by sex and a breakdown, from the records
//! behind each cell: the records are selected in the source's streaming pass beside the count
//! tables' grouping ([`records_plan`]), and the cells computed and protected here ([`cells`]).
//!
//! Unlike a count, a median is not the sum of its parts, so each cell (margins included) is
//! computed from its own records, not rolled up from finer cells.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;

use crate::cells::{Cell, Cells, Status};
use crate::disclosure::Policy;
use crate::error::{Error, Result};
use crate::indicators::{cartesian, Indicator, Measure};
use crate::spec::SourceSpec;
use crate::tabulate::{collapsed, margin_keys, published_categories};

/// The universe flag of the `i`th magnitude table in [`records_plan`]'s frame.
fn universe_key(i: usize) -> String {
    format!("_in{i}")
}

/// The value column of a dimension in [`records_plan`]'s frame.
fn dimension_key(name: &str) -> String {
    format!("_d_{name}")
}

/// Plan of the clean records any of `tables` (means and medians) summarizes: per table whether the
/// record is in its universe and states the amount, the value of every dimension, the amounts and
/// the weight. None when the source produces no such table.
pub fn records_plan(
    tables: &[&Indicator],
    checked: LazyFrame,
    rule_column: &str,
) -> Option<LazyFrame> {
    if tables.is_empty() {
        return None;
    }
    let mut columns: Vec<Expr> = Vec::new();
    let mut any = lit(false);
    for (i, table) in tables.iter().enumerate() {
        let variable = table.magnitude_of().unwrap_or_default();
        let inside = table
            .universe
            .clone()
            .fill_null(lit(false))
            .and(col(variable).is_not_null());
        any = any.or(inside.clone());
        columns.push(inside.alias(universe_key(i).as_str()));
    }
    let mut seen = BTreeSet::new();
    for table in tables {
        for dim in &table.dimensions {
            if seen.insert(dim.name.clone()) {
                let key = dimension_key(&dim.name);
                columns.push(dim.value.clone().cast(DataType::String).alias(key.as_str()));
            }
        }
        if let Some(variable) = table.magnitude_of() {
            if seen.insert(variable.to_string()) {
                columns.push(col(variable));
            }
        }
    }
    columns.push(col("weight"));
    Some(
        checked
            .filter(col(rule_column).is_null().and(any))
            .select(columns),
    )
}

/// One cell's records: amounts and weights.
#[derive(Default)]
struct Amounts {
    values: Vec<f64>,
    weights: Vec<f64>,
}

impl Amounts {
    fn weighted_mean(&self) -> f64 {
        let total: f64 = self.weights.iter().sum();
        let sum: f64 = self
            .values
            .iter()
            .zip(&self.weights)
            .map(|(v, w)| v * w)
            .sum();
        sum / total
    }

    /// The smallest amount at or below which at least half the summed weight lies.
    fn weighted_median(&self) -> f64 {
        let mut pairs: Vec<(f64, f64)> = self
            .values
            .iter()
            .copied()
            .zip(self.weights.iter().copied())
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let half = self.weights.iter().sum::<f64>() / 2.0;
        let mut below = 0.0;
        for (value, weight) in &pairs {
            below += weight;
            if below >= half {
                return *value;
            }
        }
        pairs.last().map_or(f64::NAN, |p| p.0)
    }

    /// The p% rule on the records' own amounts: the cell is sensitive when what the second
    /// largest contributor does not know of the total (the rest after the two largest) is less
    /// than `p` percent of the largest, so it could estimate the largest closely.
    fn dominated(&self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if self.values.is_empty() {
            return false;
        }
        // The two largest amounts, in one pass (no sort: a national cell has every record).
        let (mut first, mut second) = (f64::NEG_INFINITY, 0.0);
        for &value in &self.values {
            if value > first {
                (first, second) = (value, first.max(0.0));
            } else if value > second {
                second = value;
            }
        }
        let total: f64 = self.values.iter().sum();
        first > 0.0 && total - first - second < p / 100.0 * first
    }
}

/// A cell's status under `policy`: withheld under a policy that protects counts exactly (no
/// pattern for amounts yet), primary from too few records or when dominated (confidential where
/// the policy does not tell why), else by reliability.
fn status(policy: &Policy, amounts: &Amounts) -> Status {
    let n = amounts.values.len() as i64;
    let sensitive = policy.primary(n) || amounts.dominated(policy.dominance_p);
    if policy.protects() || (sensitive && !policy.reveal_reason) {
        Status::Confidential
    } else if sensitive {
        Status::Primary
    } else if policy.unreliable(n) {
        Status::Unreliable
    } else {
        Status::Published
    }
}

/// The cells of every mean and median table of a source, from the executed [`records_plan`].
pub fn cells(
    spec: &SourceSpec,
    tables: &[&Indicator],
    records: &DataFrame,
    policy: &Policy,
    provided: &BTreeSet<String>,
) -> Result<Cells> {
    let fail = |e: PolarsError| Error::polars(&spec.raw_path, "compute means and medians", e);
    let mut cells = Cells::default();
    let weights = records
        .column("weight")
        .and_then(|c| c.f64().cloned())
        .map_err(fail)?;
    let not_covered = spec.not_covered_codes();
    let amount_note: Vec<String> = spec
        .amount_note()
        .map(|(note, _)| note)
        .into_iter()
        .collect();
    for (i, table) in tables.iter().enumerate() {
        let by_key = amounts_by_key(spec, table, i, records, &weights, provided)?;
        let collapsed = collapsed(table, provided);
        let observed = observed_codes(table, &by_key);
        let categories = published_categories(&table.dimensions, &collapsed, &observed);
        for key in cartesian(&categories) {
            let cell = match by_key.get(&key) {
                _ if key.iter().any(|c| not_covered.contains(&c.as_str())) => not_available(),
                None => not_available(),
                Some(amounts) => summarize(table, amounts, policy),
            };
            cells.push(spec, table, &key, cell);
        }
    }
    // Each cell says which currency its amounts are in, and how they were made monthly.
    cells.note_every(&amount_note);
    Ok(cells)
}

/// A cell without a figure: no record states the amount (never a zero).
fn not_available() -> Cell {
    Cell {
        value: None,
        persons: None,
        records: Some(0),
        status: Status::NotAvailable,
    }
}

fn summarize(table: &Indicator, amounts: &Amounts, policy: &Policy) -> Cell {
    let value = match table.measure {
        Measure::Median { .. } => amounts.weighted_median(),
        _ => amounts.weighted_mean(),
    };
    Cell {
        // Amounts in currency units, to the cent.
        value: Some((value * 100.0).round() / 100.0),
        persons: None,
        records: Some(amounts.values.len() as i64),
        status: status(policy, amounts),
    }
}

/// Per dimension, the codes some record of the table falls in.
fn observed_codes(
    table: &Indicator,
    by_key: &BTreeMap<Vec<String>, Amounts>,
) -> Vec<BTreeSet<String>> {
    (0..table.dimensions.len())
        .map(|d| by_key.keys().map(|k| k[d].clone()).collect())
        .collect()
}

/// The amounts and weights of table `i`'s records, under every key (margins included) each
/// record counts in. The records are first gathered by their finest key (the codes of every
/// dimension), then each finest group's amounts go to its margins: a few thousand keys to look up
/// rather than one per record and margin (BENCHMARKS.md, "A survey with every variable").
fn amounts_by_key(
    spec: &SourceSpec,
    table: &Indicator,
    i: usize,
    records: &DataFrame,
    weights: &Float64Chunked,
    provided: &BTreeSet<String>,
) -> Result<BTreeMap<Vec<String>, Amounts>> {
    let fail = |e: PolarsError| Error::polars(&spec.raw_path, "read the amounts", e);
    let inside = records
        .column(&universe_key(i))
        .and_then(|c| c.bool().cloned())
        .map_err(fail)?;
    let variable = table.magnitude_of().unwrap_or_default();
    let values = records
        .column(variable)
        .and_then(|c| c.f64().cloned())
        .map_err(fail)?;
    let dims: Vec<Vec<Option<&str>>> = table
        .dimensions
        .iter()
        .map(|d| {
            let column = records.column(&dimension_key(&d.name))?.str()?;
            Ok(column.iter().collect())
        })
        .collect::<PolarsResult<_>>()
        .map_err(fail)?;
    let collapsed = collapsed(table, provided);
    // A dimension's code per value, looked up once per distinct value.
    let mut code_of: Vec<HashMap<Option<&str>, Option<&str>>> = vec![HashMap::new(); dims.len()];
    let mut finest: HashMap<Vec<&str>, Amounts> = HashMap::new();
    let rows = inside.iter().zip(values.iter()).zip(weights.iter());
    for (row, ((inside, value), weight)) in rows.enumerate() {
        let (Some(true), Some(value)) = (inside, value) else {
            continue;
        };
        let mut codes = Vec::with_capacity(dims.len());
        for (d, dim) in table.dimensions.iter().enumerate() {
            let value = dims[d][row];
            let code = match collapsed[d] {
                true => Some(dim.total.as_str()),
                false => *code_of[d]
                    .entry(value)
                    .or_insert_with(|| dim.code_for(value)),
            };
            codes.push(code.ok_or_else(|| unknown_code(spec, table, &dim.name, value))?);
        }
        let amounts = finest.entry(codes).or_default();
        amounts.values.push(value);
        amounts.weights.push(weight.unwrap_or(0.0));
    }
    let mut by_key: BTreeMap<Vec<String>, Amounts> = BTreeMap::new();
    for (codes, amounts) in finest {
        let codes: Vec<String> = codes.into_iter().map(String::from).collect();
        for key in margin_keys(&table.dimensions, &codes) {
            let cell = by_key.entry(key).or_default();
            cell.values.extend_from_slice(&amounts.values);
            cell.weights.extend_from_slice(&amounts.weights);
        }
    }
    Ok(by_key)
}

fn unknown_code(spec: &SourceSpec, table: &Indicator, dim: &str, value: Option<&str>) -> Error {
    Error::new(
        &spec.spec_path,
        format!("indicator {}, dimension {dim}", table.id),
        format!("value '{}' gives no category of {dim}", value.unwrap_or("")),
        "map the source's codes to codes the classification has, or correct the dimension's value expression in schemas/indicators.toml",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(values: &[f64], weights: &[f64]) -> Amounts {
        Amounts {
            values: values.to_vec(),
            weights: weights.to_vec(),
        }
    }

    #[test]
    fn the_weighted_median_is_the_smallest_amount_reaching_half_the_weight() {
        // Weights 1+1 of 4 reach half at 20; a heavy record moves it.
        assert_eq!(
            amounts(&[30.0, 10.0, 20.0, 40.0], &[1.0; 4]).weighted_median(),
            20.0
        );
        assert_eq!(
            amounts(&[10.0, 20.0, 30.0], &[1.0, 1.0, 5.0]).weighted_median(),
            30.0
        );
        assert_eq!(amounts(&[10.0, 20.0], &[3.0, 1.0]).weighted_median(), 10.0);
    }

    #[test]
    fn the_weighted_mean_weighs_each_amount() {
        assert_eq!(amounts(&[10.0, 40.0], &[3.0, 1.0]).weighted_mean(), 17.5);
    }

    #[test]
    fn a_cell_is_dominated_when_the_rest_is_within_p_percent_of_the_largest() {
        // 1000 + 100 + 5 + 4: the rest after the two largest is 9, under 10% of 1000.
        assert!(amounts(&[1000.0, 100.0, 5.0, 4.0], &[1.0; 4]).dominated(10.0));
        assert!(!amounts(&[1000.0, 100.0, 60.0, 50.0], &[1.0; 4]).dominated(10.0));
        assert!(!amounts(&[1000.0, 100.0, 5.0, 4.0], &[1.0; 4]).dominated(0.0));
        // In any order, and with the largest amount given twice (the second largest is then it).
        assert!(amounts(&[5.0, 100.0, 4.0, 1000.0], &[1.0; 4]).dominated(10.0));
        assert!(amounts(&[1000.0, 3.0, 1000.0], &[1.0; 3]).dominated(1.0));
        assert!(!amounts(&[1000.0, 30.0, 1000.0], &[1.0; 3]).dominated(1.0));
    }
}
