//! Tabulate: indicator cells in ILOSTAT long form from the clean records.
//!
//! One grouping of a source's records for all its indicators ([`aggregate`]): by validation rule,
//! each universe's flag and each dimension's published category, summing weights and counting
//! records. Each indicator's finest table (sex x classif1 x classif2) is summed from those groups
//! ([`AggregatedGroups`]), and every margin (each dimension at its total, alone and in
//! combination) rolled up from it, so totals are computed, never typed in, and equal the sum of
//! their parts by construction.
//!
//! Weights are summed in fixed point (millionths of a person, i64), so sums are exact and
//! independent of summation order: a total equals the sum of its parts to the last digit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;

use crate::cells::{Cell, Cells, Status};
use crate::contract::{Basis, Variable, RECORD_CONTRACT};
use crate::error::{Error, Result};
use crate::indicators::{
    cartesian, CategoryList, Dimension, GroupedFrom, Indicator, Measure, Population,
};
use crate::lookup::Absent;
use crate::spec::{CrosswalkUse, SourceSpec};

mod groups;
pub use groups::AggregatedGroups;
use groups::FinestTable;

/// Weights are summed as integers in units of 1 / WEIGHT_SCALE persons.
pub const WEIGHT_SCALE: f64 = 1_000_000.0;

/// Sum of weights (fixed point) and records behind one cell.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub weight: i64,
    pub records: i64,
    /// Sum of the records' keys (cell-key perturbation; 0 when the policy has none).
    pub key_sum: i64,
    /// Records whose count is blank: the cell is not available (an aggregate table's gap).
    pub blank: i64,
}

/// One count table of a source: every cell (codes in dimension order, margins included) in
/// publication order, with its tally and its disclosure status.
#[derive(Debug, Clone)]
pub struct Table<'a> {
    pub indicator: &'a Indicator,
    pub keys: Vec<Vec<String>>,
    pub tallies: Vec<Tally>,
    pub status: Vec<Status>,
    /// Dimensions the source does not record: published at their total only.
    pub collapsed: Vec<bool>,
}

impl Tally {
    /// Add `other`; None when a sum leaves the 64-bit range (weights too large to count exactly).
    fn add(&mut self, other: Tally) -> Option<()> {
        self.weight = self.weight.checked_add(other.weight)?;
        self.records = self.records.checked_add(other.records)?;
        self.key_sum = self.key_sum.checked_add(other.key_sum)?;
        self.blank = self.blank.checked_add(other.blank)?;
        Some(())
    }
}

fn overflow(spec: &SourceSpec, indicator: &Indicator) -> Error {
    Error::new(
        &spec.spec_path,
        format!("indicator {}", indicator.id),
        "the weights add up to more persons than can be counted exactly (over 9 million million)",
        "check the weight column: a weight should be the persons one record stands for",
    )
}

impl Table<'_> {
    /// Persons in a cell, in the indicator's unit.
    fn value(&self, tally: Tally) -> f64 {
        tally.weight as f64 / (WEIGHT_SCALE * 10f64.powi(self.indicator.unit_mult))
    }

    /// The published cells, or all values regardless of status (`withhold` false: for the checks
    /// made before publication).
    pub fn cells(&self, spec: &SourceSpec, withhold: bool) -> Cells {
        let mut cells = Cells::default();
        for ((key, tally), status) in self.keys.iter().zip(&self.tallies).zip(&self.status) {
            let status = if withhold { *status } else { Status::Published };
            let cell = if tally.blank > 0 {
                Cell {
                    value: None,
                    persons: None,
                    records: Some(tally.records),
                    status: Status::NotAvailable,
                }
            } else {
                Cell {
                    value: Some(self.value(*tally)),
                    persons: Some(tally.weight as f64 / WEIGHT_SCALE),
                    records: Some(tally.records),
                    status,
                }
            };
            cells.push(spec, self.indicator, key, cell);
        }
        note_conversion(spec, self.indicator, &mut cells);
        note_own_version(spec, self.indicator, &mut cells);
        note_partial_inputs(spec, self.indicator, &mut cells);
        cells
    }

    fn lookup(&self) -> BTreeMap<&[String], usize> {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_slice(), i))
            .collect()
    }
}

/// The cells of a ratio or share table, computed from the count tables of the same source: value
/// 100 x part / whole; a cell whose part or whole is withheld is withheld (secondary unless the
/// part itself is primary), one whose part is unreliable is unreliable; a cell whose whole is zero
/// has no value and is not published. The sample count is the part's.
pub fn derive(spec: &SourceSpec, table: &Indicator, counts: &[Table]) -> Option<Cells> {
    let dims = table.dimension_names();
    let find = |id: &str, names: &[String]| {
        counts
            .iter()
            .find(|t| t.indicator.id == id && t.indicator.has_dimensions(names))
    };
    let wanted = crate::indicators::Indicators::input_dimensions(table);
    let mut cells = Cells::default();
    match &table.measure {
        Measure::WeightedCount
        | Measure::Mirror { .. }
        | Measure::Mean { .. }
        | Measure::Median { .. } => return None,
        Measure::Ratio {
            numerator,
            denominator,
        } => {
            let part = find(numerator, &wanted)?;
            let whole = find(denominator, &wanted)?;
            let wholes = whole.lookup();
            for (i, key) in part.keys.iter().enumerate() {
                let j = *wholes.get(key.as_slice())?;
                if let Some(cell) = ratio(part, i, whole, j) {
                    cells.push(spec, table, key, cell);
                }
            }
        }
        Measure::Share { of, keep, .. } => {
            let over = &table.share_over()?;
            let input = find(of, &wanted)?;
            let names = input.indicator.dimension_names();
            let over_at = names.iter().position(|n| n == over)?;
            let over_dim = &input.indicator.dimensions[over_at];
            // Input slot of each of this table's dimensions.
            let order: Vec<usize> = dims
                .iter()
                .map(|d| names.iter().position(|n| n == d))
                .collect::<Option<_>>()?;
            let lookup = input.lookup();
            for (i, key) in input.keys.iter().enumerate() {
                if key[over_at] == over_dim.total {
                    continue;
                }
                if keep.as_ref().is_some_and(|code| &key[over_at] != code) {
                    continue;
                }
                let mut whole_key = key.clone();
                whole_key[over_at] = over_dim.total.clone();
                let j = *lookup.get(whole_key.as_slice())?;
                let codes: Vec<String> = order.iter().map(|&s| key[s].clone()).collect();
                if let Some(cell) = ratio(input, i, input, j) {
                    cells.push(spec, table, &codes, cell);
                }
            }
        }
    }
    note_conversion(spec, table, &mut cells);
    note_own_version(spec, table, &mut cells);
    note_partial_inputs(spec, table, &mut cells);
    Some(cells)
}

/// The note on a cell of a breakdown read from part of the variables its definition uses.
pub const PARTIAL_INPUTS_NOTE: &str = "breakdown.partial_inputs";

/// Notes every cell of a table whose `any_input` breakdown the source gives from some of its
/// variables only ([`PARTIAL_INPUTS_NOTE`]): domestic work from the occupation alone misses the
/// household employees the industry would show (cooks, drivers, gardeners), a lower bound.
fn note_partial_inputs(spec: &SourceSpec, table: &Indicator, cells: &mut Cells) {
    let partial = table.dimensions.iter().filter(|d| d.any_input).any(|d| {
        let variables = crate::contract::variables_of(&d.inputs);
        // A variable in an older version counts where the definition reads that version's column
        // (ISCO-68 codes are not read for domestic work: no occupation of it identifies it).
        let read = |v: Variable| {
            spec.variable(v).is_some_and(|m| match &m.crosswalk {
                None => true,
                Some(c) => RECORD_CONTRACT.iter().any(|column| {
                    column.basis == Basis::OwnVersion(v, c.version)
                        && d.inputs.iter().any(|i| i == column.name)
                }),
            })
        };
        let mapped = variables.iter().filter(|v| read(**v)).count();
        mapped > 0 && mapped < variables.len()
    });
    if partial {
        cells.note_every(&[PARTIAL_INPUTS_NOTE.to_string()]);
    }
}

/// The note on a cell converted from the source's older classification version.
pub const CONVERTED_NOTE: &str = "classification.converted";

/// Notes every cell of a table read in a version the source's codes were converted to
/// ([`CONVERTED_NOTE`]): its codes came through the official correspondence, each to one
/// category of the table (a source whose codes split is not published in that version at all).
fn note_conversion(spec: &SourceSpec, table: &Indicator, cells: &mut Cells) {
    // An `any_input` breakdown reads each variable in the version the source codes it in
    // (domestic work from ISCO-88 codes for an ISCO-88 source): nothing converted.
    let converted = table
        .dimensions
        .iter()
        .filter(|d| !d.any_input)
        .flat_map(|d| &d.inputs)
        .any(|input| {
            RECORD_CONTRACT.iter().any(|c| match c.basis {
                Basis::Converted(v) => {
                    c.name == input && spec.variable(v).is_some_and(|m| m.crosswalk.is_some())
                }
                _ => false,
            })
        });
    if converted {
        cells.note_every(&[CONVERTED_NOTE.to_string()]);
    }
}

/// The note on a cell whose breakdown is read from the source's own, older classification version
/// where the table's codes do not name it (skill levels, broad sectors, domestic work from
/// ISCO-88, ISIC Rev.3.1, ISCO-68 or ISIC Rev.2 codes): other sources' figures beside it are
/// read from ISCO-08 or ISIC Rev.4.
pub const OWN_VERSION_NOTE: &str = "classification.own_version";

/// Notes every cell of a table with a breakdown read from an older version's column the source
/// gives ([`OWN_VERSION_NOTE`]), unless the breakdown is in that version (`OCU_ISCO88` itself).
fn note_own_version(spec: &SourceSpec, table: &Indicator, cells: &mut Cells) {
    let own_versions: Vec<(&str, Option<&str>)> = RECORD_CONTRACT
        .iter()
        .filter_map(|c| match c.basis {
            Basis::OwnVersion(v, target) => spec
                .variable(v)
                .and_then(|m| m.crosswalk.as_ref())
                .filter(|crosswalk| crosswalk.version == target)
                .map(|_| (c.name, target.classification().ilostat_version)),
            _ => None,
        })
        .collect();
    let read_in_own_version = table.dimensions.iter().any(|d| {
        own_versions.iter().any(|(column, version)| {
            d.inputs.iter().any(|i| i == column) && *version != Some(d.classification.as_str())
        })
    });
    if read_in_own_version {
        cells.note_every(&[OWN_VERSION_NOTE.to_string()]);
    }
}

/// 100 x part cell `i` / whole cell `j`, with the status the two allow.
fn ratio(part: &Table, i: usize, whole: &Table, j: usize) -> Option<Cell> {
    let (p, w) = (part.tallies[i], whole.tallies[j]);
    if p.blank > 0 || w.blank > 0 {
        return Some(Cell {
            value: None,
            persons: None,
            records: Some(p.records),
            status: Status::NotAvailable,
        });
    }
    if w.weight == 0 {
        return None;
    }
    Some(Cell {
        value: Some(100.0 * p.weight as f64 / w.weight as f64),
        persons: None,
        records: Some(p.records),
        status: ratio_status(part.status[i], whole.status[j]),
    })
}

/// A ratio's status from its part's and its whole's: withheld as either is, and unreliable when
/// either is. A part of no records (a rate of 0) over a base of few records is no more reliable
/// than its base.
fn ratio_status(part: Status, whole: Status) -> Status {
    match (part, whole) {
        (Status::Confidential, _) | (_, Status::Confidential) => Status::Confidential,
        (Status::Perturbed, _) | (_, Status::Perturbed) => Status::Perturbed,
        (Status::Primary, _) => Status::Primary,
        (a, b) if a.withheld() || b.withheld() => Status::Secondary,
        (Status::Unreliable, _) | (_, Status::Unreliable) => Status::Unreliable,
        _ => Status::Published,
    }
}

/// The harmonized columns a count table needs that this source does not provide (empty: it can be
/// produced): its universe's and those of every dimension but the optional ones. A source that
/// lacks one gets "not available" for the indicator, never zeros.
///
/// `total_only`: columns the source gives at their total only (its `source.total_only`
/// variables): a dimension reading them is published at its total, like an optional one.
pub fn missing_inputs(
    indicator: &Indicator,
    provided: &BTreeSet<String>,
    total_only: &BTreeSet<String>,
) -> Vec<String> {
    let given = |c: &String| provided.contains(c) || total_only.contains(c);
    let at_total = |d: &Dimension| d.optional || d.inputs.iter().all(given);
    let needed = indicator.inputs.iter().chain(
        indicator
            .dimensions
            .iter()
            .filter(|d| !at_total(d) && !d.any_input)
            .flat_map(|d| &d.inputs),
    );
    let mut missing: BTreeSet<String> =
        needed.filter(|c| !provided.contains(*c)).cloned().collect();
    // A dimension read from whichever of its columns a source gives needs one of them.
    for dimension in &indicator.dimensions {
        if dimension.any_input && !dimension.optional && !dimension.inputs.iter().any(given) {
            let variables: Vec<&str> = crate::contract::variables_of(&dimension.inputs)
                .into_iter()
                .map(|v| v.name())
                .collect();
            missing.insert(format!("one of {}", variables.join(", ")));
        }
    }
    // A classification the source gives in its own older version is read there, not here.
    for dimension in &indicator.dimensions {
        if let Some(own) = dimension.replaced_by.iter().find(|c| provided.contains(*c)) {
            missing.insert(format!(
                "{} read in the source's own version ({own})",
                dimension.classification
            ));
        }
    }
    // A source of movements cannot give the resident population, nor a survey give movements.
    match (indicator.population, provided.contains("flow")) {
        (Population::Stock, true) => {
            missing.insert("a count of the resident population (it records movements)".into());
        }
        (Population::Flow, false) => {
            missing.insert("flow".into());
        }
        _ => {}
    }
    missing.into_iter().collect()
}

/// Cells a source cannot give because it covers part of the population only (non-citizens: the
/// citizens' cells and the totals that would include them): not available, as a blank count makes
/// them, so the rates and shares over them are not available either.
pub fn mark_not_covered(table: &mut Table, not_covered: &[&str]) {
    mark_not_available(table, |key| {
        key.iter().any(|code| not_covered.contains(&code.as_str()))
    });
}

/// Cells whose key `which` picks are not available, as a blank count makes them.
fn mark_not_available(table: &mut Table, which: impl Fn(&[String]) -> bool) {
    for (key, tally) in table.keys.iter().zip(table.tallies.iter_mut()) {
        if which(key) {
            tally.blank = tally.blank.max(1);
        }
    }
}

/// A breakdown no record of the source can be placed in (every record's code is the unknown one:
/// domestic work from occupations coded to major groups only) is not given by the source: its
/// categories are not available, never 0; the unknown category and the total stand. Returns the
/// classifications so marked.
pub fn mark_unclassifiable(table: &mut Table) -> Vec<String> {
    let mut marked = Vec::new();
    let indicator = table.indicator;
    for (i, dimension) in indicator.dimensions.iter().enumerate() {
        let Some(unknown) = &dimension.unknown else {
            continue;
        };
        let placed = |code: &String| *code != dimension.total && code != unknown;
        let counted = |t: &Tally| t.records > 0 || t.weight > 0;
        let cells = || table.keys.iter().zip(table.tallies.iter());
        let any_placed = cells().any(|(key, t)| placed(&key[i]) && counted(t));
        let any_unknown = cells().any(|(key, t)| key[i] == *unknown && counted(t));
        if any_placed || !any_unknown {
            continue;
        }
        mark_not_available(table, |key| placed(&key[i]));
        marked.push(dimension.classification.clone());
    }
    marked
}

/// Why a count table in the current classification version (ISCO-08, ISIC Rev.4) is not
/// published for a source coded in an older one: the classification and the reason, when some
/// code of the source's map has links in several categories of the table (converting it would
/// place its records by the order of a correspondence table's rows), or converts into another
/// skill level or sector than its own code (the table would contradict the groupings published
/// from the own codes). Groupings (skill levels, sectors) are left out: they are published from
/// the source's own codes; except for a version with no correspondence (ISCO-68, ISIC Rev.2),
/// where a grouping of the current version not replaced by one of the own version (ISCO-68 has
/// no skill levels) is listed too.
pub fn not_converted(
    indicator: &Indicator,
    spec: &SourceSpec,
    missing: &[String],
) -> Option<(String, String)> {
    let converted = |column: &str| {
        RECORD_CONTRACT
            .iter()
            .any(|c| c.name == column && matches!(c.basis, Basis::Converted(_)))
    };
    // Only when the version is all the source lacks (not a flow indicator for a survey).
    if !missing.iter().all(|m| converted(m)) {
        return None;
    }
    indicator.dimensions.iter().find_map(|d| {
        let (variable, crosswalk) = d.inputs.iter().find_map(|input| {
            RECORD_CONTRACT.iter().find_map(|c| match c.basis {
                Basis::Converted(v) if c.name == input => {
                    Some((v, spec.variable(v)?.crosswalk.as_ref()?))
                }
                _ => None,
            })
        })?;
        let Some(path) = &crosswalk.path else {
            // Nothing converts, so no grouping of the current version is published from it either
            // (ISCO-68 has no skill levels of its own).
            let current = variable
                .targets()
                .first()?
                .classification()
                .ilostat_version?;
            let own = crosswalk.version.classification().ilostat_version?;
            let reason = format!(
                "not published in {}: ilms has no correspondence from {own} to {current}; \
                 published in the source's own version",
                d.classification
            );
            return Some((d.classification.clone(), reason));
        };
        if d.grouping.is_some() {
            return None;
        }
        let reason = conversion_refused(&d.classification, crosswalk, path)?;
        Some((d.classification.clone(), reason))
    })
}

/// Why a source's tables are not published in `classification`, the current version: how many
/// of the codes its map gives split between its categories, how many convert into another skill
/// level or sector than their own code's, each with the most detailed such code as the example
/// (an `as_is` map has every level). None if every code converts faithfully.
fn conversion_refused(
    classification: &str,
    crosswalk: &CrosswalkUse,
    path: &Path,
) -> Option<String> {
    let example = |codes: &[&String]| codes.iter().max_by_key(|c| c.len()).map(|c| c.to_string());
    let split: Vec<&String> = crosswalk
        .via
        .values()
        .filter(|(_, r)| !r.converts())
        .map(|(old, _)| old)
        .collect();
    let regrouped: Vec<&String> = crosswalk
        .regrouped
        .keys()
        .filter_map(|raw| crosswalk.via.get(raw).map(|(old, _)| old))
        .collect();
    // "1 links", "2 link".
    let verb = |n: usize, verb: &str| format!("{n} {verb}{}", if n == 1 { "s" } else { "" });
    let mut why = Vec::new();
    if let Some(code) = example(&split) {
        why.push(format!(
            "{} into several of its categories in {} (e.g. {code})",
            verb(split.len(), "link"),
            path.display()
        ));
    }
    if let Some(code) = example(&regrouped) {
        let groupings: BTreeSet<&str> = crosswalk
            .regrouped
            .values()
            .flatten()
            .map(String::as_str)
            .collect();
        why.push(format!(
            "{} into another {} group than their own code's (e.g. {code})",
            verb(regrouped.len(), "convert"),
            groupings.into_iter().collect::<Vec<_>>().join(" or ")
        ));
    }
    if why.is_empty() {
        return None;
    }
    Some(format!(
        "not published in {classification}: of the {} {} codes the source's map gives, {}; published in the source's own version",
        crosswalk.via.len(),
        crosswalk.version.name(),
        why.join(", and ")
    ))
}

/// Per dimension of a table: does the source lack it (an optional dimension, published at its
/// total only)?
pub fn collapsed(indicator: &Indicator, provided: &BTreeSet<String>) -> Vec<bool> {
    indicator
        .dimensions
        .iter()
        .map(|d| match d.any_input {
            true => !d.inputs.iter().any(|c| provided.contains(c)),
            false => d.inputs.iter().any(|c| !provided.contains(c)),
        })
        .collect()
}

/// Plan the one grouping of a source's records that every count table and the reconciliation
/// counts are read from: records grouped by validation rule (`rule_column`, null = clean), by
/// whether each table's universe holds (`_in<i>`), and by the value of every dimension the tables
/// use (`_d_<dimension>`), with the summed weight in fixed point (`_weight`) and as a float
/// (`_weighted`, to check the range), and the number of records (`_records`). One scan, whatever
/// the number of indicators. The universes and dimensions are evaluated on every record and the
/// records grouped by their values, not by the columns they read: a survey's single years of age
/// and 4-digit codes would make nearly every record a group of its own (BENCHMARKS.md, "A survey
/// with every variable"), while the published categories (age bands, major groups, sections) keep
/// the groups few. A grouping of a dimension also grouped by (age groups of the 10-year bands) is
/// read from the base's value once per group, after grouping. With `record_key` (cell-key
/// perturbation), the records' keys are summed too (`_key`); with `blank_counts`, the records whose
/// count is blank (`_blank`).
pub fn aggregate(
    tables: &[&Indicator],
    checked: LazyFrame,
    rule_column: &str,
    record_key: Option<Expr>,
    blank_counts: bool,
) -> LazyFrame {
    let keys = aggregation_keys(tables, rule_column);
    let mut selected: Vec<Expr> = keys
        .iter()
        .map(|(name, expr)| expr.clone().alias(name.as_str()))
        .collect();
    selected.push(fixed_point_weight());
    selected.push(col("weight").alias("_weighted"));
    let mut sums = vec![
        col("_weight").sum().alias("_weight"),
        col("_weighted").sum().alias("_weighted"),
        len().cast(DataType::Int64).alias("_records"),
    ];
    if let Some(key) = record_key {
        selected.push(key.alias(KEY));
        sums.push(col(KEY).sum().alias(KEY));
    }
    if blank_counts {
        selected.push(col("weight").is_null().cast(DataType::Int64).alias(BLANK));
        sums.push(col(BLANK).sum().alias(BLANK));
    }
    let by: Vec<Expr> = keys.iter().map(|(name, _)| col(name.as_str())).collect();
    let regrouped = regrouped(tables).into_iter().map(|(dimension, grouped)| {
        let base = col(dimension_column(&grouped.base).as_str());
        let value = grouped.lookup.apply(base, Absent::Null);
        value.alias(dimension_key(dimension).as_str())
    });
    let grouped = checked.select(selected).group_by(by).agg(sums);
    grouped.with_columns(regrouped.collect::<Vec<_>>())
}

/// The keys [`aggregate`] groups the records by, named: the rule, a flag per distinct universe
/// (tables of one indicator share one), the value of each distinct dimension but the groupings
/// read from their base after grouping.
pub fn aggregation_keys(tables: &[&Indicator], rule_column: &str) -> Vec<(String, Expr)> {
    let mut keys: Vec<(String, Expr)> = vec![(rule_column.to_string(), col(rule_column))];
    for (i, table) in distinct_universes(tables).into_iter().enumerate() {
        let flag = table.universe.clone().fill_null(lit(false));
        keys.push((universe_key(i), flag));
    }
    let regrouped = regrouped(tables);
    for dimension in distinct_dimensions(tables) {
        if regrouped.iter().any(|(d, _)| d.name == dimension.name) {
            continue;
        }
        let value = dimension.value.clone().cast(DataType::String);
        keys.push((dimension_key(dimension), value));
    }
    keys
}

/// The grouping dimensions of `tables` (age groups, skill levels, sectors) whose base dimension the
/// records are grouped by too. A grouping's value is a function of its base's, so it splits no
/// group: it is read from the base's value once per group after grouping, not on every record.
fn regrouped<'a>(tables: &[&'a Indicator]) -> Vec<(&'a Dimension, &'a GroupedFrom)> {
    let dimensions = distinct_dimensions(tables);
    let grouped_by_base = |d: &&'a Dimension| {
        let grouped = d.grouping.as_ref()?;
        let base_too = dimensions.iter().any(|b| b.name == grouped.base);
        base_too.then_some((*d, grouped))
    };
    dimensions.iter().filter_map(grouped_by_base).collect()
}

/// A record's weight in fixed point (`_weight`, millionths of a person).
pub fn fixed_point_weight() -> Expr {
    (col("weight") * lit(WEIGHT_SCALE))
        .round(0, RoundMode::HalfAwayFromZero)
        .cast(DataType::Int64)
        .alias("_weight")
}

/// Records whose count is blank (an aggregate table that gives no figure), in [`aggregate`].
const BLANK: &str = "_blank";

/// The summed record keys of [`aggregate`].
const KEY: &str = "_key";

/// The dimensions of `tables`, each once, by name.
fn distinct_dimensions<'a>(tables: &[&'a Indicator]) -> Vec<&'a Dimension> {
    let mut dimensions: BTreeMap<&str, &Dimension> = BTreeMap::new();
    for dimension in tables.iter().flat_map(|i| &i.dimensions) {
        dimensions.insert(dimension.name.as_str(), dimension);
    }
    dimensions.into_values().collect()
}

fn universe_key(i: usize) -> String {
    format!("_in{i}")
}

/// One table per distinct universe of `tables`, in order of first use: universe `i` is flagged
/// `_in<i>` in the aggregation.
fn distinct_universes<'a>(tables: &[&'a Indicator]) -> Vec<&'a Indicator> {
    let mut first: Vec<&Indicator> = Vec::new();
    for table in tables {
        if !first.iter().any(|t| t.universe_text == table.universe_text) {
            first.push(table);
        }
    }
    first
}

/// The universe flag column of a table in the aggregation of `tables` (see [`aggregate`]).
fn universe_column(tables: &[&Indicator], table: &Indicator) -> String {
    let i = distinct_universes(tables)
        .iter()
        .position(|t| t.universe_text == table.universe_text)
        .unwrap_or(0);
    universe_key(i)
}

fn dimension_key(dimension: &Dimension) -> String {
    dimension_column(&dimension.name)
}

/// The aggregation's value column of the dimension named `name`.
fn dimension_column(name: &str) -> String {
    format!("_d_{name}")
}

/// Turn a source's executed aggregation (read once, [`AggregatedGroups`]) into one count table
/// (`table` is one of the `tables` given to [`aggregate`]), with every margin rolled up.
/// Dimensions in `collapsed` are published at their total only.
pub fn roll_up<'a>(
    spec: &SourceSpec,
    tables: &[&Indicator],
    table: &'a Indicator,
    collapsed: Vec<bool>,
    groups: &AggregatedGroups,
) -> Result<Table<'a>> {
    let dims = &table.dimensions;
    let names: Vec<String> = dims.iter().map(dimension_key).collect();
    let finest = groups.finest(spec, table, &universe_column(tables, table), &names)?;
    let rolled = finest.roll_up_margins(spec, table, &collapsed)?;
    let categories = published_categories(dims, &collapsed, &rolled.observed);
    let keys = cartesian(&categories);
    let tallies: Vec<Tally> = keys
        .iter()
        .map(|k| rolled.tallies.get(k).copied().unwrap_or_default())
        .collect();
    Ok(Table {
        indicator: table,
        status: vec![Status::Published; keys.len()],
        keys,
        tallies,
        collapsed,
    })
}

/// The rolled-up tallies of a table, by key (codes in dimension order, margins included), and per
/// dimension the codes some record falls in.
struct RolledUp {
    tallies: BTreeMap<Vec<String>, Tally>,
    observed: Vec<BTreeSet<String>>,
}

impl FinestTable<'_> {
    /// Roll every margin up from the finest table: each row adds to all 2^k combinations of
    /// "its own category" and "total" over the k dimensions.
    fn roll_up_margins(
        &self,
        spec: &SourceSpec,
        table: &Indicator,
        collapsed: &[bool],
    ) -> Result<RolledUp> {
        let dims = &table.dimensions;
        let mut tallies: BTreeMap<Vec<String>, Tally> = BTreeMap::new();
        let mut observed: Vec<BTreeSet<String>> = vec![Default::default(); dims.len()];
        for (ids, tally) in &self.rows {
            let codes = self.row_codes(spec, table, collapsed, ids, &mut observed)?;
            for key in margin_keys(dims, &codes) {
                let entry = tallies.entry(key).or_default();
                entry.add(*tally).ok_or_else(|| overflow(spec, table))?;
            }
        }
        Ok(RolledUp { tallies, observed })
    }

    /// The codes of the row with value `ids` in dimension order (a collapsed dimension at its
    /// total), each noted in `observed`; an error when a value gives no category of its dimension.
    fn row_codes(
        &self,
        spec: &SourceSpec,
        table: &Indicator,
        collapsed: &[bool],
        ids: &[u32],
        observed: &mut [BTreeSet<String>],
    ) -> Result<Vec<String>> {
        let dims = &table.dimensions;
        let mut codes = Vec::with_capacity(dims.len());
        for (d, dim) in dims.iter().enumerate() {
            if collapsed[d] {
                codes.push(dim.total.clone());
                continue;
            }
            let value = self.values[d][ids[d] as usize].as_deref();
            let code = dim
                .code_for(value)
                .ok_or_else(|| unknown_code(spec, table, dim, value))?;
            observed[d].insert(code.to_string());
            codes.push(code.to_string());
        }
        Ok(codes)
    }
}

/// The keys a row with `codes` adds to: every combination of its own code and the total over the
/// dimensions, each once.
pub(crate) fn margin_keys(dims: &[Dimension], codes: &[String]) -> BTreeSet<Vec<String>> {
    // A collapsed dimension is at its total either way: count each key once.
    let mut margins: BTreeSet<Vec<String>> = BTreeSet::new();
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
        margins.insert(key);
    }
    margins
}

/// The categories a table publishes per dimension, its total first (`observed`: the codes some
/// record falls in).
pub(crate) fn published_categories(
    dims: &[Dimension],
    collapsed: &[bool],
    observed: &[BTreeSet<String>],
) -> Vec<Vec<String>> {
    // Publish the full grid: empty categories are true zeros (0 records), while categories listed
    // in `if_observed`, and every category of an "observed" list, appear only when some record
    // falls in them. A collapsed dimension has its total only.
    dims.iter()
        .enumerate()
        .map(|(d, dim)| {
            let shown = |c: &&crate::classifications::Code| {
                let grid =
                    dim.category_list == CategoryList::Grid && !dim.if_observed.contains(&c.code);
                !collapsed[d] && (grid || observed[d].contains(&c.code))
            };
            std::iter::once(dim.total.clone())
                .chain(dim.categories.iter().filter(shown).map(|c| c.code.clone()))
                .collect()
        })
        .collect()
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

/// A relation between two or three universes of a source that holds record by record, so a reader
/// who knows the definitions links their cells: the disclosure control writes it as equations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PopulationLink {
    /// `whole` is the disjoint union of `a` and `b` (labour force = employed + unemployed): a cell
    /// of `whole` is the sum of the cells of `a` and `b` with the same codes.
    Sum { whole: String, a: String, b: String },
    /// `part` is `full` restricted to one category `code` of a dimension (employed foreign-born =
    /// employed, place of birth foreign): a cell of `part` is the cell of `full` with the code added.
    Subset {
        part: String,
        full: String,
        code: String,
    },
    /// Codes `a` and `b` of two breakdowns hold for the same records (migrants under a definition
    /// that reads citizenship, and non-citizens): a cell with `a` is the cell of the same
    /// universe with `b` in its place.
    Relabel { a: String, b: String },
    /// `universe` holds the same records as `as_` (employed migrants under a definition that
    /// reads citizenship, and employed non-citizens): its cells are those of `as_`.
    Same { universe: String, as_: String },
}

/// The links between the universes of `tables`, found in the executed [`aggregate`] (clean
/// records): sums where one universe's flag is the sum of two others' on every combination, and
/// subsets where one universe is another restricted to one category of a dimension of its tables.
pub fn population_links(
    tables: &[&Indicator],
    aggregated: &DataFrame,
    rule_column: &str,
) -> PolarsResult<Vec<PopulationLink>> {
    let clean = aggregated
        .clone()
        .lazy()
        .filter(col(rule_column).is_null())
        .collect()?;
    let universes = distinct_universes(tables);
    let flags: Vec<Vec<bool>> = (0..universes.len())
        .map(|i| {
            Ok(clean
                .column(&universe_key(i))?
                .bool()?
                .iter()
                .map(|v| v.unwrap_or(false))
                .collect())
        })
        .collect::<PolarsResult<_>>()?;
    let mut links = Vec::new();
    let n = universes.len();
    // Universes worded differently that hold the same records: one is the other to a reader who
    // knows the definitions (the first one declared stands for the others).
    for (i, universe) in universes.iter().enumerate() {
        if let Some(first) = (0..i).find(|&j| flags[j] == flags[i]) {
            links.push(PopulationLink::Same {
                universe: universe.universe_text.clone(),
                as_: universes[first].universe_text.clone(),
            });
        }
    }
    for w in 0..n {
        for a in 0..n {
            for b in (a + 1)..n {
                let sums = (0..clean.height()).all(|r| {
                    u8::from(flags[w][r]) == u8::from(flags[a][r]) + u8::from(flags[b][r])
                });
                if w != a && w != b && sums {
                    links.push(PopulationLink::Sum {
                        whole: universes[w].universe_text.clone(),
                        a: universes[a].universe_text.clone(),
                        b: universes[b].universe_text.clone(),
                    });
                }
            }
        }
    }
    for (p, part) in universes.iter().enumerate() {
        for (f, full) in universes.iter().enumerate() {
            if p == f {
                continue;
            }
            if let Some(code) = restriction(&clean, tables, full, &flags[p], &flags[f])? {
                links.push(PopulationLink::Subset {
                    part: part.universe_text.clone(),
                    full: full.universe_text.clone(),
                    code,
                });
            }
        }
    }
    links.extend(relabellings(&clean, tables)?);
    Ok(links)
}

/// Codes of two breakdowns that hold for the same records, where one breakdown reads a column the
/// contract defines as another under a new name: the migrant status and country of origin under
/// the country's definition (its note says which). A reader who knows the definition reads one
/// table's withheld cell from the other's: each pair is a [`PopulationLink::Relabel`]. Pairs that
/// hold by coincidence between other breakdowns are no knowledge of a reader's.
fn relabellings(clean: &DataFrame, tables: &[&Indicator]) -> PolarsResult<Vec<PopulationLink>> {
    const RENAMED: [&str; 2] = ["migrant_status", "migrant_country"];
    let dimensions = distinct_dimensions(tables);
    let codes: Vec<Vec<Option<String>>> = dimensions
        .iter()
        .map(|d| {
            let values = string_values(clean, &dimension_key(d))?;
            Ok(values
                .iter()
                .map(|v| d.code_for(v.as_deref()).map(String::from))
                .collect())
        })
        .collect::<PolarsResult<_>>()?;
    let mut links = Vec::new();
    for (i, a) in dimensions.iter().enumerate() {
        if !a.inputs.iter().any(|c| RENAMED.contains(&c.as_str())) {
            continue;
        }
        for (j, b) in dimensions.iter().enumerate() {
            if a.classification == b.classification {
                continue;
            }
            let pairs = same_records(&codes[i], &codes[j]);
            links.extend(
                pairs
                    .into_iter()
                    .map(|(a, b)| PopulationLink::Relabel { a, b }),
            );
        }
    }
    Ok(links)
}

/// The code pairs of two breakdowns, row by row, that hold for the same rows: code `l` of the one
/// only ever meets code `r` of the other, and `r` only `l` (a row without a code on one side
/// breaks the other side's pair).
fn same_records(left: &[Option<String>], right: &[Option<String>]) -> BTreeSet<(String, String)> {
    let mut met_left: BTreeMap<&str, BTreeSet<Option<&str>>> = BTreeMap::new();
    let mut met_right: BTreeMap<&str, BTreeSet<Option<&str>>> = BTreeMap::new();
    for (l, r) in left.iter().zip(right) {
        if let Some(l) = l {
            met_left.entry(l).or_default().insert(r.as_deref());
        }
        if let Some(r) = r {
            met_right.entry(r).or_default().insert(l.as_deref());
        }
    }
    let only = |met: &BTreeSet<Option<&str>>| match met.iter().collect::<Vec<_>>()[..] {
        [Some(code)] => Some(code.to_string()),
        _ => None,
    };
    met_left
        .iter()
        .filter_map(|(l, met)| {
            let r = only(met)?;
            let back = only(&met_right[r.as_str()])?;
            (back == *l).then(|| (l.to_string(), r))
        })
        .collect()
}

/// The category `code` of a dimension of `full`'s tables such that `part` holds exactly where
/// `full` holds and the dimension has that code, if there is one.
fn restriction(
    clean: &DataFrame,
    tables: &[&Indicator],
    full: &Indicator,
    part_flags: &[bool],
    full_flags: &[bool],
) -> PolarsResult<Option<String>> {
    if part_flags.iter().zip(full_flags).any(|(p, f)| *p && !*f) {
        return Ok(None);
    }
    let dimensions = tables
        .iter()
        .filter(|t| t.universe_text == full.universe_text)
        .flat_map(|t| &t.dimensions);
    for dimension in dimensions {
        let values = string_values(clean, &dimension_key(dimension))?;
        let (mut inside, mut outside) = (BTreeSet::new(), BTreeSet::new());
        for (r, value) in values.iter().enumerate() {
            if !full_flags[r] {
                continue;
            }
            let code = dimension.code_for(value.as_deref()).map(String::from);
            if part_flags[r] {
                inside.insert(code);
            } else {
                outside.insert(code);
            }
        }
        if inside.len() == 1 && inside.is_disjoint(&outside) {
            if let Some(Some(code)) = inside.into_iter().next() {
                return Ok(Some(code));
            }
        }
    }
    Ok(None)
}

/// The clean records' weights must add up within the 64-bit fixed-point range (about 9.2 million
/// million persons): then no sum of them (a cell, a margin) can overflow. An error otherwise,
/// never a wrapped number.
pub fn check_weight_sums(
    spec: &SourceSpec,
    aggregated: &DataFrame,
    rule_column: &str,
) -> Result<()> {
    let total = aggregated
        .clone()
        .lazy()
        .filter(col(rule_column).is_null())
        .select([col("_weighted").abs().sum()])
        .collect()
        .and_then(|f| Ok(f.column("_weighted")?.f64()?.get(0).unwrap_or(0.0)))
        .map_err(|e| Error::polars(&spec.raw_path, "add up the weights", e))?;
    let limit = i64::MAX as f64 / WEIGHT_SCALE / 2.0;
    if total.is_finite() && total < limit {
        return Ok(());
    }
    Err(Error::new(
        &spec.spec_path,
        "record.weight",
        format!("the records' weights add up to {total:e} persons, more than can be counted exactly ({limit:e})"),
        "check the weight column: a weight should be the persons one record stands for",
    ))
}

#[cfg(test)]
mod tests {
    use super::{ratio_status, same_records};
    use crate::cells::Status;

    #[test]
    fn a_ratio_over_an_unreliable_base_is_unreliable() {
        // A rate of 0 (its part has no record) over a base of 5-14 records.
        let zero_over_few = ratio_status(Status::Published, Status::Unreliable);
        assert_eq!(zero_over_few, Status::Unreliable);
        assert_eq!(
            ratio_status(Status::Unreliable, Status::Published),
            Status::Unreliable
        );
        assert_eq!(
            ratio_status(Status::Published, Status::Primary),
            Status::Secondary
        );
        assert_eq!(
            ratio_status(Status::Published, Status::Published),
            Status::Published
        );
    }

    fn codes(list: &[&str]) -> Vec<Option<String>> {
        list.iter().map(|c| Some(c.to_string())).collect()
    }

    #[test]
    fn codes_that_always_meet_each_other_relabel() {
        let citizenship = codes(&["NONCIT", "CITIZEN", "NONCIT", "X"]);
        let migrant = codes(&["MIGRANT", "NONMIG", "MIGRANT", "MX"]);
        let pairs = same_records(&citizenship, &migrant);
        assert_eq!(pairs.len(), 3);
        assert!(pairs.contains(&("NONCIT".into(), "MIGRANT".into())));
    }

    #[test]
    fn a_code_meeting_two_others_or_none_is_no_relabelling() {
        let birth = codes(&["FOREIGN", "NATIVE", "FOREIGN"]);
        let citizenship = codes(&["NONCIT", "CITIZEN", "CITIZEN"]);
        // NATIVE meets only CITIZEN, but CITIZEN meets FOREIGN too.
        assert!(same_records(&birth, &citizenship).is_empty());
        assert!(same_records(&citizenship, &birth).is_empty());
        // Countries of origin (migrants only) beside citizenship: the citizens' code has no pair.
        let origin = vec![Some("AAA".to_string()), None, Some("CCC".to_string())];
        let country = codes(&["AAA", "BBB", "CCC"]);
        let pairs = same_records(&origin, &country);
        assert_eq!(pairs.len(), 2);
        assert!(!pairs.iter().any(|(_, c)| c == "BBB"));
        let uncoded = vec![Some("AAA".to_string()), None];
        assert!(same_records(&codes(&["AAA", "AAA"]), &uncoded).is_empty());
    }
}
