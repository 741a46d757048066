//! Validate: record rules over the harmonized records. Records that fail a rule go to the
//! quarantine with the rule, the raw column, the raw value and a message; the rest are clean.
//! Nothing is dropped silently: read = clean + quarantined is checked for every source.

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::harmonize::{HarmonizedRecords, UNMAPPED_PREFIX};
use crate::ingest::SOURCE_ROW;
use crate::spec::{SourceSpec, Unmapped, Variable};

/// Oldest age a record may state; above it the age is taken as a keying error.
pub const AGE_MAX: i32 = 120;

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

/// The outcome of validating one source.
pub struct ValidatedRecords {
    /// Records that passed every rule: the harmonized contract plus `<variable>_src` columns.
    pub clean: DataFrame,
    /// One row per quarantined record: source_id, source_row, record_id, rule, column, raw_value, message.
    pub quarantine: DataFrame,
    /// Records read from the raw file.
    pub read: usize,
}

fn rules_for(spec: &SourceSpec) -> Vec<RecordRule> {
    let mut rules = Vec::new();
    for mapping in &spec.variables {
        let name = mapping.variable.name();
        if mapping.codes.is_some() && mapping.unmapped == Unmapped::Quarantine {
            rules.push(RecordRule {
                id: format!("unmapped_code.{name}"),
                column: mapping.column.clone(),
                raw_value: col(format!("{name}_src").as_str()),
                failing: col(format!("{UNMAPPED_PREFIX}{name}").as_str()),
                message: format!("{name}: raw code not in the spec's map; add it to the map or correct the record"),
            });
        }
        if mapping.variable == Variable::Age {
            let src = col(format!("{name}_src").as_str());
            rules.push(RecordRule {
                id: "range.age".into(),
                column: mapping.column.clone(),
                raw_value: src.clone(),
                failing: src.neq(lit("")).and(
                    col("age")
                        .is_null()
                        .or(col("age").lt(lit(0)))
                        .or(col("age").gt(lit(AGE_MAX))),
                ),
                message: format!("age: not a whole number from 0 to {AGE_MAX}"),
            });
        }
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

/// Stop the run if a variable whose policy is `unmapped = "error"` has codes its map lacks.
fn stop_on_unmapped(spec: &SourceSpec, records: &DataFrame) -> Result<()> {
    for mapping in &spec.variables {
        if mapping.codes.is_none() || mapping.unmapped != Unmapped::Error {
            continue;
        }
        let name = mapping.variable.name();
        let raw = format!("{name}_src");
        let failing = records
            .clone()
            .lazy()
            .filter(col(format!("{UNMAPPED_PREFIX}{name}").as_str()))
            .select([col(SOURCE_ROW), col(raw.as_str())])
            .limit(5)
            .collect()
            .map_err(|e| Error::polars(&spec.raw_path, "check unmapped codes", e))?;
        if failing.height() > 0 {
            let rows = failing
                .column(SOURCE_ROW)
                .and_then(|c| c.cast(&DataType::String));
            let codes = failing.column(raw.as_str()).cloned();
            let listing = match (rows, codes) {
                (Ok(rows), Ok(codes)) => rows
                    .str()
                    .map(|r| r.iter().collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter()
                    .zip(
                        codes
                            .str()
                            .map(|c| c.iter().collect::<Vec<_>>())
                            .unwrap_or_default(),
                    )
                    .map(|(r, c)| format!("row {} '{}'", r.unwrap_or("?"), c.unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => String::new(),
            };
            return Err(Error::new(
                &spec.raw_path,
                format!("column {}", mapping.column),
                format!(
                    "codes not in the map of variables.{} (unmapped = \"error\"): {listing}",
                    mapping.variable.name()
                ),
                format!(
                    "add the codes to the map in {}, or set unmapped = \"quarantine\"",
                    spec.spec_path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Run the record rules on one source and split its records into clean and quarantined.
pub fn validate(spec: &SourceSpec, harmonized: HarmonizedRecords) -> Result<ValidatedRecords> {
    let err = |doing: &str| {
        let path = spec.raw_path.clone();
        let doing = doing.to_string();
        move |e: PolarsError| Error::polars(&path, &doing, e)
    };
    let records = harmonized
        .frame
        .collect()
        .map_err(err("harmonize the records"))?;
    let read = records.height();
    stop_on_unmapped(spec, &records)?;

    // The first failing rule names the reason (one reason per record keeps the counts additive).
    let rules = rules_for(spec);
    let null_str = || lit(NULL).cast(DataType::String);
    let (mut rule_id, mut column, mut raw_value, mut message) =
        (null_str(), null_str(), null_str(), null_str());
    for rule in rules.iter().rev() {
        rule_id = when(rule.failing.clone())
            .then(lit(rule.id.as_str()))
            .otherwise(rule_id);
        column = when(rule.failing.clone())
            .then(lit(rule.column.as_str()))
            .otherwise(column);
        raw_value = when(rule.failing.clone())
            .then(rule.raw_value.clone().cast(DataType::String))
            .otherwise(raw_value);
        message = when(rule.failing.clone())
            .then(lit(rule.message.as_str()))
            .otherwise(message);
    }
    let checked = records
        .lazy()
        .with_columns([
            rule_id.alias("_rule"),
            column.alias("_column"),
            raw_value.alias("_raw_value"),
            message.alias("_message"),
        ])
        .collect()
        .map_err(err("evaluate the record rules"))?;

    let internal: Vec<String> = checked
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .filter(|c| c.starts_with('_'))
        .collect();
    let clean = checked
        .clone()
        .lazy()
        .filter(col("_rule").is_null())
        .drop(cols(internal))
        .collect()
        .map_err(err("select the clean records"))?;
    let quarantine = checked
        .lazy()
        .filter(col("_rule").is_not_null())
        .select([
            col("source_id"),
            col(SOURCE_ROW),
            col("record_id"),
            col("_rule").alias("rule"),
            col("_column").alias("column"),
            col("_raw_value").alias("raw_value"),
            col("_message").alias("message"),
        ])
        .collect()
        .map_err(err("select the quarantined records"))?;

    if clean.height() + quarantine.height() != read {
        return Err(Error::new(
            &spec.raw_path,
            "",
            format!(
                "reconciliation failed: {read} records read but {} clean + {} quarantined",
                clean.height(),
                quarantine.height()
            ),
            "this is a bug in ilms: report it with the source spec",
        ));
    }
    Ok(ValidatedRecords {
        clean,
        quarantine,
        read,
    })
}
