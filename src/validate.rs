//! Validate: record rules over the harmonized records. A record that fails a rule goes to the
//! quarantine with the rule, the raw column, the raw value and a message; the rest are clean.
//! Nothing is dropped silently: read = clean + quarantined is checked for every source.
//!
//! Validation builds lazy plans ([`ValidationPlan`]); the runner executes them in the same streaming
//! pass as the sinks and the tabulation, then hands the results back to [`ValidationPlan::conclude`].

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::harmonize::{HarmonizedRecords, UNMAPPED_PREFIX};
use crate::ingest::SOURCE_ROW;
use crate::spec::{SourceSpec, Unmapped, Variable};

/// Oldest age a record may state; above it the age is taken as a keying error.
pub const AGE_MAX: i32 = 120;

/// The column validation adds with the first failing rule's id (null = clean record).
pub const RULE: &str = "_rule";

/// A record rule: a condition that marks a record as failing, and how to report it.
struct RecordRule {
    id: String,
    /// Raw column the failure is about, for the report.
    column: String,
    /// The raw value copied into the quarantine.
    raw_value: Expr,
    failing: Expr,
    message: String,
}

fn rules_for(spec: &SourceSpec) -> Vec<RecordRule> {
    let mut rules = Vec::new();
    for mapping in &spec.variables {
        let name = mapping.variable.name();
        let src = col(format!("{name}_src").as_str());
        if mapping.codes.is_some() && mapping.unmapped == Unmapped::Quarantine {
            rules.push(RecordRule {
                id: format!("unmapped_code.{name}"),
                column: mapping.column.clone(),
                raw_value: src.clone(),
                failing: col(format!("{UNMAPPED_PREFIX}{name}").as_str()),
                message: format!("{name}: raw code not in the spec's map; add it to the map or correct the record"),
            });
        }
        if mapping.variable == Variable::Age {
            rules.push(RecordRule {
                // Required: without age, working age is unknown and the record would silently
                // drop out of every working-age indicator.
                id: "range.age".into(),
                column: mapping.column.clone(),
                raw_value: src.clone(),
                failing: col("age")
                    .is_null()
                    .or(col("age").lt(lit(0)))
                    .or(col("age").gt(lit(AGE_MAX))),
                message: format!("age: missing or not a whole number from 0 to {AGE_MAX}"),
            });
        }
    }
    if let Some(count) = &spec.record.count {
        rules.push(RecordRule {
            id: "required.count".into(),
            column: count.clone(),
            raw_value: col("weight_src"),
            failing: col("weight")
                .is_null()
                .or(col("weight").lt(lit(0.0)))
                .or(col("weight").floor().neq(col("weight"))),
            message: "count: missing or not a whole number of persons (0 or more)".into(),
        });
    }
    if let Some(weight) = &spec.record.weight {
        rules.push(RecordRule {
            id: "required.weight".into(),
            column: weight.clone(),
            raw_value: col("weight_src"),
            failing: col("weight").is_null().or(col("weight").lt_eq(lit(0.0))),
            message:
                "weight: missing or not a positive number; every survey record needs its weight"
                    .into(),
        });
    }
    rules
}

/// The validation of one source as lazy plans over its harmonized records.
pub struct ValidationPlan {
    /// Harmonized records with the first failing rule's id and raw value.
    checked: LazyFrame,
    /// One row per rule: `rule`, the raw `column` it is about, `message` (joined to the quarantine
    /// after filtering: per-rule text is not computed per record).
    rules: DataFrame,
    /// The failing raw value and the record id, computed only for quarantined records.
    raw_value: Expr,
    record_id: Expr,
    /// Variables whose policy is `unmapped = "error"`: (variable, raw column).
    stops: Vec<(String, String)>,
}

/// The outcome of validating one source, once its plans have run.
#[derive(Debug, Clone)]
pub struct ValidationSummary {
    pub read: usize,
    pub clean: usize,
    pub quarantined: usize,
    /// Quarantined records per rule id.
    pub by_rule: BTreeMap<String, usize>,
}

pub fn plan(spec: &SourceSpec, harmonized: HarmonizedRecords) -> ValidationPlan {
    let records = harmonized.frame;
    let stops = spec
        .variables
        .iter()
        .filter(|m| m.codes.is_some() && m.unmapped == Unmapped::Error)
        .map(|m| (m.variable.name().to_string(), m.column.clone()))
        .collect();

    // The first failing rule names the reason (one reason per record keeps the counts additive).
    let rules = rules_for(spec);
    let null_str = || lit(NULL).cast(DataType::String);
    let mut rule_id = null_str();
    for rule in rules.iter().rev() {
        rule_id = when(rule.failing.clone())
            .then(lit(rule.id.as_str()))
            .otherwise(rule_id);
    }
    let checked = records.with_column(rule_id.alias(RULE));
    // Evaluated after the quarantine filter, on the few records that failed.
    let mut raw_value = null_str();
    for rule in rules.iter().rev() {
        raw_value = when(col(RULE).eq(lit(rule.id.as_str())))
            .then(rule.raw_value.clone().cast(DataType::String))
            .otherwise(raw_value);
    }
    let rules = DataFrame::new_infer_height(vec![
        Column::new(
            "rule".into(),
            rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "column".into(),
            rules.iter().map(|r| r.column.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "message".into(),
            rules.iter().map(|r| r.message.as_str()).collect::<Vec<_>>(),
        ),
    ])
    .unwrap_or_default();
    ValidationPlan {
        checked,
        rules,
        raw_value,
        record_id: crate::harmonize::record_id(spec),
        stops,
    }
}

impl ValidationPlan {
    /// The same plans with the checked records behind an explicit cache, so that several consumers
    /// in one run share one scan of the raw file.
    pub fn cached(self) -> ValidationPlan {
        ValidationPlan {
            checked: self.checked.cache(),
            ..self
        }
    }

    /// Records that pass every rule (all harmonized columns, validation columns removed).
    pub fn clean(&self) -> LazyFrame {
        self.checked.clone().filter(col(RULE).is_null())
    }

    /// One row per quarantined record: source_id, source_row, record_id, rule, column, raw_value, message.
    pub fn quarantine(&self) -> LazyFrame {
        let mut args = JoinArgs::new(JoinType::Left);
        args.maintain_order = MaintainOrderJoin::Left;
        self.checked
            .clone()
            .filter(col(RULE).is_not_null())
            .select([
                col("source_id"),
                col(SOURCE_ROW),
                self.record_id.clone(),
                col(RULE).alias("rule"),
                self.raw_value.clone().alias("raw_value"),
            ])
            .join(
                self.rules.clone().lazy(),
                [col("rule")],
                [col("rule")],
                args,
            )
            .select([
                col("source_id"),
                col(SOURCE_ROW),
                col("record_id"),
                col("rule"),
                col("column"),
                col("raw_value"),
                col("message"),
            ])
    }

    /// Every harmonized record with the first failing rule's id in [`RULE`] (null = clean).
    pub fn checked(&self) -> LazyFrame {
        self.checked.clone()
    }

    /// Plans of the first offending rows of each variable whose policy is `unmapped = "error"`,
    /// in the order [`ValidationPlan::conclude`] expects them.
    pub fn stop_plans(&self) -> Vec<LazyFrame> {
        self.stops
            .iter()
            .map(|(name, _)| {
                self.checked
                    .clone()
                    .filter(col(format!("{UNMAPPED_PREFIX}{name}").as_str()))
                    .select([
                        col(SOURCE_ROW),
                        col(format!("{name}_src").as_str()).alias("raw_value"),
                    ])
                    .limit(5)
            })
            .collect()
    }

    /// Check the executed results: stop on unmapped codes whose policy is "error", reconcile counts.
    /// `counts` has the [`RULE`] column and a `_records` count (rows may repeat a rule: they are
    /// summed); `stops` are the frames of [`ValidationPlan::stop_plans`]; `clean_written` and
    /// `quarantine_written` the records the sinks wrote (None when clean records are not published).
    pub fn conclude(
        &self,
        spec: &SourceSpec,
        counts: &DataFrame,
        stops: &[DataFrame],
        clean_written: Option<usize>,
        quarantine_written: usize,
    ) -> Result<ValidationSummary> {
        let polars_err =
            |e: PolarsError| Error::polars(&spec.raw_path, "read the validation results", e);
        for ((name, column), offending) in self.stops.iter().zip(stops) {
            if offending.height() == 0 {
                continue;
            }
            let rows = offending
                .column(SOURCE_ROW)
                .and_then(|c| c.cast(&DataType::Int64))
                .map_err(polars_err)?;
            let codes = offending.column("raw_value").map_err(polars_err)?;
            let listing: Vec<String> = rows
                .i64()
                .map_err(polars_err)?
                .iter()
                .zip(codes.str().map_err(polars_err)?.iter())
                .map(|(r, c)| format!("row {} '{}'", r.unwrap_or(0), c.unwrap_or("")))
                .collect();
            return Err(Error::new(
                &spec.raw_path,
                format!("column {column}"),
                format!(
                    "codes not in the map of variables.{name} (unmapped = \"error\"): {}",
                    listing.join(", ")
                ),
                format!(
                    "add the codes to the map in {}, or set unmapped = \"quarantine\"",
                    spec.spec_path.display()
                ),
            ));
        }

        let rules = counts
            .column(RULE)
            .and_then(|c| c.str().cloned())
            .map_err(polars_err)?;
        let records = counts
            .column("_records")
            .and_then(|c| c.i64().cloned())
            .map_err(polars_err)?;
        let mut summary = ValidationSummary {
            read: 0,
            clean: 0,
            quarantined: 0,
            by_rule: BTreeMap::new(),
        };
        for (rule, n) in rules.iter().zip(records.iter()) {
            let n = n.unwrap_or(0) as usize;
            summary.read += n;
            match rule {
                None => summary.clean += n,
                Some(rule) => {
                    summary.quarantined += n;
                    *summary.by_rule.entry(rule.to_string()).or_insert(0) += n;
                }
            }
        }
        let clean_ok = clean_written.is_none_or(|n| n == summary.clean);
        if !clean_ok || quarantine_written != summary.quarantined {
            return Err(Error::new(
                &spec.raw_path,
                "",
                format!(
                    "reconciliation failed: {} records read, {} clean and {} quarantined by the rules, but {} and {} written",
                    summary.read,
                    summary.clean,
                    summary.quarantined,
                    clean_written.map_or("(not published)".to_string(), |n| n.to_string()),
                    quarantine_written
                ),
                "this is a bug in ilms: report it with the source spec",
            ));
        }
        Ok(summary)
    }
}
