//! Means and medians of an amount (monthly earnings) by sex and a breakdown, from the records
//! behind each cell: the records are selected in the source's streaming pass beside the count
//! tables' grouping ([`records_plan`]), and the cells computed and protected here ([`cells`]).
//!
//! Unlike a count, a median is not the sum of its parts, so each cell (margins included) is
//! computed from its own records, not rolled up from finer cells.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use rayon::slice::ParallelSliceMut;

use crate::cells::{Cell, Cells, Status};
use crate::disclosure::Policy;
use crate::error::{Error, Result};
use crate::indicators::{cartesian, Dimension, Indicator, Measure};
use crate::lookup::Interned;
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
/// record is in its universe and states the amount, the value of every dimension (as an id of
/// the returned [`Interned`] values), the amounts and the weight. None when the source produces
/// no such table.
pub fn records_plan(
    tables: &[&Indicator],
    checked: LazyFrame,
    rule_column: &str,
) -> Option<(LazyFrame, Interned)> {
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
    let interned = Interned::default();
    let mut seen = BTreeSet::new();
    for table in tables {
        for dim in &table.dimensions {
            if seen.insert(dim.name.clone()) {
                let key = dimension_key(&dim.name);
                let text = dim.value.clone().cast(DataType::String);
                columns.push(interned.ids(text).alias(key.as_str()));
            }
        }
        if let Some(variable) = table.magnitude_of() {
            if seen.insert(variable.to_string()) {
                columns.push(col(variable));
            }
        }
    }
    columns.push(col("weight"));
    let plan = checked
        .filter(col(rule_column).is_null().and(any))
        .select(columns);
    Some((plan, interned))
}

/// The executed [`records_plan`]: its frame, and the text of its dimension values' ids.
pub struct MagnitudeRecords {
    pub frame: DataFrame,
    /// The text of each id, by id.
    pub texts: Vec<String>,
}

/// What a cell needs of its records, accumulated one record at a time: how many, their summed
/// weight, the weighted sum (mean), the sum and two largest amounts (p% rule), and the weighted
/// median, found on a walk through the records in ascending order of amount. No cell keeps its
/// records: a national cell would hold every one, once per margin it counts in.
#[derive(Clone)]
struct Summary {
    records: i64,
    weight: f64,
    weighted_sum: f64,
    sum: f64,
    largest: f64,
    second: f64,
    /// The weight walked so far, the median once half the weight is reached, and the last amount
    /// walked (the median if half is never reached, as with weights that are not numbers).
    walked: f64,
    median: Option<f64>,
    last: f64,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            records: 0,
            weight: 0.0,
            weighted_sum: 0.0,
            sum: 0.0,
            largest: f64::NEG_INFINITY,
            second: 0.0,
            walked: 0.0,
            median: None,
            last: f64::NAN,
        }
    }
}

impl Summary {
    /// One record of the cell, in any order.
    fn add(&mut self, value: f64, weight: f64) {
        self.records += 1;
        self.weight += weight;
        self.weighted_sum += value * weight;
        self.sum += value;
        if value > self.largest {
            (self.largest, self.second) = (value, self.largest.max(0.0));
        } else if value > self.second {
            self.second = value;
        }
    }

    /// The next record of the cell in ascending order of amount (after every `add`).
    fn walk(&mut self, value: f64, weight: f64) {
        if self.median.is_some() {
            return;
        }
        self.walked += weight;
        self.last = value;
        if self.walked >= self.weight / 2.0 {
            self.median = Some(value);
        }
    }

    fn weighted_mean(&self) -> f64 {
        self.weighted_sum / self.weight
    }

    /// The smallest amount at or below which at least half the summed weight lies.
    fn weighted_median(&self) -> f64 {
        self.median.unwrap_or(self.last)
    }

    /// The p% rule on the records' own amounts: the cell is sensitive when what the second
    /// largest contributor does not know of the total (the rest after the two largest) is less
    /// than `p` percent of the largest, so it could estimate the largest closely.
    fn dominated(&self, p: f64) -> bool {
        if p <= 0.0 || self.records == 0 {
            return false;
        }
        let rest = self.sum - self.largest - self.second;
        self.largest > 0.0 && rest < p / 100.0 * self.largest
    }
}

/// A cell's status under `policy`: withheld under a policy that protects counts exactly (no
/// pattern for amounts yet), primary from too few records or when dominated (confidential where
/// the policy does not tell why), else by reliability.
fn status(policy: &Policy, summary: &Summary) -> Status {
    let n = summary.records;
    let sensitive = policy.primary(n) || summary.dominated(policy.dominance_p);
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

/// A variable's amounts and the records' weights (the records' own columns, in their order), and
/// the records that state an amount in ascending order of it, each with its amount and weight
/// beside it so a median's walk reads them in order rather than by row; read once for every table
/// of the variable.
struct Amounts<'r> {
    values: &'r Float64Chunked,
    weights: &'r Float64Chunked,
    ascending: Vec<Stated>,
}

/// A record that states the amount, in [`Amounts::ascending`].
#[derive(Clone, Copy)]
struct Stated {
    value: f64,
    weight: f64,
    row: u32,
}

impl<'r> Amounts<'r> {
    fn read(records: &'r DataFrame, variable: &str) -> PolarsResult<Amounts<'r>> {
        let values = records.column(variable)?.f64()?;
        let weights = records.column("weight")?.f64()?;
        let stated = values.iter().zip(weights.iter()).enumerate();
        let mut ascending: Vec<Stated> = stated
            .filter_map(|(row, (value, weight))| {
                Some(Stated {
                    // -0 as 0, so the order below is that of the amounts' values.
                    value: value? + 0.0,
                    weight: weight.unwrap_or(0.0),
                    row: row as u32,
                })
            })
            .collect();
        // Equal amounts in the records' order, so a median's walk is reproducible.
        ascending.par_sort_unstable_by(|a, b| a.value.total_cmp(&b.value).then(a.row.cmp(&b.row)));
        Ok(Amounts {
            values,
            weights,
            ascending,
        })
    }
}

/// What tables that can share their summaries have in common: the same records (universe and
/// amount) under the same breakdowns, e.g. a mean and a median of earnings by sex and citizenship.
type Shared = (String, String, Vec<String>);

fn shared_by(table: &Indicator, provided: &BTreeSet<String>) -> Shared {
    let dims = table.dimensions.iter().map(|d| d.name.clone());
    let collapsed = collapsed(table, provided)
        .into_iter()
        .map(|c| c.to_string());
    (
        table.universe_text.clone(),
        table.magnitude_of().unwrap_or_default().to_string(),
        dims.chain(collapsed).collect(),
    )
}

/// The cells of every mean and median table of a source, from the executed [`records_plan`].
pub fn cells(
    spec: &SourceSpec,
    tables: &[&Indicator],
    records: &MagnitudeRecords,
    policy: &Policy,
    provided: &BTreeSet<String>,
) -> Result<Cells> {
    let mut cells = Cells::default();
    let not_covered = spec.not_covered_codes();
    let amount_note: Vec<String> = spec
        .amount_note()
        .map(|(note, _)| note)
        .into_iter()
        .collect();
    let summarized = summarize_tables(spec, tables, records, provided)?;
    for table in tables {
        let shared = shared_by(table, provided);
        let by_key = &summarized[&shared];
        let collapsed = collapsed(table, provided);
        let observed = observed_codes(table, by_key);
        let categories = published_categories(&table.dimensions, &collapsed, &observed);
        for key in cartesian(&categories) {
            let cell = match by_key.get(&key) {
                _ if key.iter().any(|c| not_covered.contains(&c.as_str())) => not_available(),
                None => not_available(),
                Some(summary) => summarize(table, summary, policy),
            };
            cells.push(spec, table, &key, cell);
        }
    }
    // Each cell says which currency its amounts are in, and how they were made monthly.
    cells.note_every(&amount_note);
    Ok(cells)
}

/// The summaries of every cell of `tables`, once per group of tables that share them
/// ([`shared_by`]); the groups are summarized side by side, one thread each, as many at once as
/// there are cores.
fn summarize_tables(
    spec: &SourceSpec,
    tables: &[&Indicator],
    records: &MagnitudeRecords,
    provided: &BTreeSet<String>,
) -> Result<HashMap<Shared, BTreeMap<Vec<String>, Summary>>> {
    let fail = |e: PolarsError| Error::polars(&spec.raw_path, "compute means and medians", e);
    let mut amounts: HashMap<&str, Amounts> = HashMap::new();
    let mut groups: Vec<(Shared, usize, bool)> = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        let variable = table.magnitude_of().unwrap_or_default();
        if !amounts.contains_key(variable) {
            amounts.insert(
                variable,
                Amounts::read(&records.frame, variable).map_err(fail)?,
            );
        }
        let shared = shared_by(table, provided);
        let median = matches!(table.measure, Measure::Median { .. });
        match groups.iter_mut().find(|(s, _, _)| *s == shared) {
            Some((_, _, medians)) => *medians |= median,
            None => groups.push((shared, i, median)),
        }
    }
    let summarize = |&(_, i, medians): &(Shared, usize, bool)| {
        let table = tables[i];
        let amounts = &amounts[table.magnitude_of().unwrap_or_default()];
        let finest = FinestCells::of(spec, table, i, records, provided)?;
        Ok(finest.summaries(table, amounts, medians))
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut summarized = HashMap::new();
    for batch in groups.chunks(cores) {
        let done: Vec<Result<_>> = std::thread::scope(|scope| {
            let running: Vec<_> = batch
                .iter()
                .map(|group| scope.spawn(move || summarize(group)))
                .collect();
            running
                .into_iter()
                .map(|thread| thread.join().unwrap_or_else(|_| Err(panicked(spec))))
                .collect()
        });
        for ((shared, _, _), by_key) in batch.iter().zip(done) {
            summarized.insert(shared.clone(), by_key?);
        }
    }
    Ok(summarized)
}

fn panicked(spec: &SourceSpec) -> Error {
    Error::new(
        &spec.raw_path,
        "",
        "computing means and medians stopped unexpectedly",
        "report this bug",
    )
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

fn summarize(table: &Indicator, summary: &Summary, policy: &Policy) -> Cell {
    let value = match table.measure {
        Measure::Median { .. } => summary.weighted_median(),
        _ => summary.weighted_mean(),
    };
    Cell {
        // Amounts in currency units, to the cent.
        value: Some((value * 100.0).round() / 100.0),
        persons: None,
        records: Some(summary.records),
        status: status(policy, summary),
    }
}

/// Per dimension, the codes some record of the table falls in.
fn observed_codes(
    table: &Indicator,
    by_key: &BTreeMap<Vec<String>, Summary>,
) -> Vec<BTreeSet<String>> {
    (0..table.dimensions.len())
        .map(|d| by_key.keys().map(|k| k[d].clone()).collect())
        .collect()
}

/// [`FinestCells::of_record`] of a record outside the table.
const OUTSIDE: u32 = u32::MAX;

/// A table's finest cells (a code of every dimension) and the one each record falls in: the
/// records are placed once, then each finest cell's records are summarized under every margin it
/// counts in (BENCHMARKS.md, "Means, medians and lookups").
struct FinestCells {
    /// Per record, its finest cell; [`OUTSIDE`] outside the table's universe (which holds only
    /// records that state the amount). Not an `Option`: half the size, so a median's walk, which
    /// reads it in the order of the amounts, misses the cache less.
    of_record: Vec<u32>,
    /// Per finest cell, its codes.
    codes: Vec<Vec<String>>,
}

impl FinestCells {
    /// Table `i`'s finest cells, each dimension's code looked up once per distinct value.
    fn of(
        spec: &SourceSpec,
        table: &Indicator,
        i: usize,
        records: &MagnitudeRecords,
        provided: &BTreeSet<String>,
    ) -> Result<FinestCells> {
        let fail = |e: PolarsError| Error::polars(&spec.raw_path, "read the amounts", e);
        let inside = records
            .frame
            .column(&universe_key(i))
            .and_then(|c| c.bool().cloned())
            .map_err(fail)?;
        let columns: Vec<&UInt32Chunked> = table
            .dimensions
            .iter()
            .map(|d| records.frame.column(&dimension_key(&d.name))?.u32())
            .collect::<PolarsResult<_>>()
            .map_err(fail)?;
        // Each dimension's values read in step with the records, none copied.
        let mut dims: Vec<_> = columns.iter().map(|c| c.iter()).collect();
        let collapsed = collapsed(table, provided);
        let mut codes: Vec<DimensionCodes> = table
            .dimensions
            .iter()
            .zip(&collapsed)
            .map(|(dimension, &collapsed)| {
                DimensionCodes::new(dimension, collapsed, &records.texts)
            })
            .collect();
        let mut finest: PlHashMap<Vec<u32>, u32> = PlHashMap::new();
        let mut key: Vec<u32> = Vec::with_capacity(dims.len());
        let mut of_record = Vec::with_capacity(inside.len());
        for inside in inside.iter() {
            let ids = dims.iter_mut().map(|d| d.next().flatten());
            if inside != Some(true) {
                ids.for_each(drop);
                of_record.push(OUTSIDE);
                continue;
            }
            key.clear();
            for (d, (dimension, id)) in codes.iter_mut().zip(ids).enumerate() {
                let position = dimension.position(id);
                let unknown = || unknown_code(spec, table, d, dimension.text(id));
                key.push(position.ok_or_else(unknown)?);
            }
            let next = finest.len() as u32;
            let cell = match finest.get(key.as_slice()) {
                Some(&cell) => cell,
                None => *finest.entry(key.clone()).or_insert(next),
            };
            of_record.push(cell);
        }
        let mut by_cell: Vec<(u32, Vec<u32>)> = finest.into_iter().map(|(k, c)| (c, k)).collect();
        by_cell.sort_unstable();
        let codes = by_cell
            .into_iter()
            .map(|(_, key)| codes.iter().zip(key).map(|(d, p)| d.code(p)).collect())
            .collect();
        Ok(FinestCells { of_record, codes })
    }

    /// Every cell's summary, margins included: each record added to the cells its finest cell
    /// counts in, then, for `medians`, walked in ascending order of amount.
    fn summaries(
        &self,
        table: &Indicator,
        amounts: &Amounts,
        medians: bool,
    ) -> BTreeMap<Vec<String>, Summary> {
        let mut slots: BTreeMap<Vec<String>, usize> = BTreeMap::new();
        let margins: Vec<Vec<usize>> = self
            .codes
            .iter()
            .map(|codes| {
                let keys = margin_keys(&table.dimensions, codes).into_iter();
                keys.map(|key| {
                    let next = slots.len();
                    *slots.entry(key).or_insert(next)
                })
                .collect()
            })
            .collect();
        let mut summaries = vec![Summary::default(); slots.len()];
        let records = self.of_record.iter().zip(amounts.values.iter());
        for ((&cell, value), weight) in records.zip(amounts.weights.iter()) {
            let Some(value) = value.filter(|_| cell != OUTSIDE) else {
                continue;
            };
            for &slot in &margins[cell as usize] {
                summaries[slot].add(value, weight.unwrap_or(0.0));
            }
        }
        if medians {
            for stated in &amounts.ascending {
                let cell = self.of_record[stated.row as usize];
                if cell != OUTSIDE {
                    for &slot in &margins[cell as usize] {
                        summaries[slot].walk(stated.value, stated.weight);
                    }
                }
            }
        }
        slots
            .into_iter()
            .map(|(key, slot)| (key, summaries[slot].clone()))
            .collect()
    }
}

/// One dimension's codes met so far, each value's code looked up once.
struct DimensionCodes<'a> {
    dimension: &'a Dimension,
    /// Published at its total only: every value counts there.
    collapsed: bool,
    /// The text of the values' ids ([`MagnitudeRecords::texts`]).
    texts: &'a [String],
    by_id: PlHashMap<Option<u32>, Option<u32>>,
    codes: Vec<&'a str>,
}

impl<'a> DimensionCodes<'a> {
    fn new(dimension: &'a Dimension, collapsed: bool, texts: &'a [String]) -> Self {
        DimensionCodes {
            dimension,
            collapsed,
            texts,
            by_id: PlHashMap::new(),
            codes: Vec::new(),
        }
    }

    /// The text of a value's id.
    fn text(&self, id: Option<u32>) -> Option<&'a str> {
        let texts = self.texts;
        id.and_then(|id| texts.get(id as usize)).map(String::as_str)
    }

    /// The position of the code of the value `id` stands for among those met; None when the value
    /// gives no category.
    fn position(&mut self, id: Option<u32>) -> Option<u32> {
        if let Some(&position) = self.by_id.get(&id) {
            return position;
        }
        let code = match self.collapsed {
            true => Some(self.dimension.total.as_str()),
            false => self.dimension.code_for(self.text(id)),
        };
        let position = code.map(|code| match self.codes.iter().position(|c| *c == code) {
            Some(p) => p as u32,
            None => {
                self.codes.push(code);
                self.codes.len() as u32 - 1
            }
        });
        self.by_id.insert(id, position);
        position
    }

    fn code(&self, position: u32) -> String {
        self.codes[position as usize].to_string()
    }
}

fn unknown_code(spec: &SourceSpec, table: &Indicator, d: usize, value: Option<&str>) -> Error {
    let dim = &table.dimensions[d].name;
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

    /// A cell's summary of these records: each added, then walked in ascending order of amount.
    fn amounts(values: &[f64], weights: &[f64]) -> Summary {
        let mut summary = Summary::default();
        let mut records: Vec<(f64, f64)> = values
            .iter()
            .copied()
            .zip(weights.iter().copied())
            .collect();
        records.iter().for_each(|&(v, w)| summary.add(v, w));
        records.sort_by(|a, b| a.0.total_cmp(&b.0));
        records.iter().for_each(|&(v, w)| summary.walk(v, w));
        summary
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
