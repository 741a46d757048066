//! Validate: record rules over the harmonized records. A record that fails a rule goes to the
//! quarantine with the rule, the raw column, the raw value and a message; the rest are clean.
//! Nothing is dropped silently: read = clean + quarantined is checked for every source.
//!
//! Validation builds lazy plans ([`ValidationPlan`]); the runner executes them in the same streaming
//! pass as the sinks and the tabulation, then hands the results back to [`ValidationPlan::conclude`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use crate::cells::Cells;
use crate::error::{Error, Result};
use crate::harmonize::UNMAPPED_PREFIX;
use crate::ingest::TotalCheck;
use crate::ingest::{RawRecords, SOURCE_ROW};
use crate::lookup::{self, Absent, CodeTable};
use crate::repeated_ids::IdHashes;
use crate::rules::{
    CellField, CellRule, CoherenceRule, CompletenessRule, Rules, Severity, SourceTotalsRule,
    UniqueRule,
};
use crate::spec::{SourceSpec, Unmapped};

/// The column validation adds with the first failing rule's id (null = clean record).
pub const RULE: &str = "_rule";

/// A rule as applied to one source: its check, and how a failing record is reported.
struct AppliedRule {
    id: String,
    kind: &'static str,
    severity: Severity,
    /// Raw column the failure is about, for the report.
    column: String,
    /// The raw value copied into the quarantine.
    raw_value: Expr,
    /// True = pass, false = fail, null = missing.
    check: Expr,
    message: String,
    /// The raw value is (or is made of) a personal identifier: its failing values are counted,
    /// never shown.
    masked: bool,
}

/// The record rules that apply to a source: the domain rules of its maps (unmapped codes under the
/// quarantine policy), then the declared rules whose columns the source provides, in file order.
fn rules_for(spec: &SourceSpec, rules: &Rules, provided: &BTreeSet<String>) -> Vec<AppliedRule> {
    let mut applied = Vec::new();
    for mapping in &spec.variables {
        let name = mapping.variable.name();
        if mapping.codes.is_some() && mapping.unmapped == Unmapped::Quarantine {
            applied.push(AppliedRule {
                id: format!("unmapped_code.{name}"),
                kind: "domain",
                severity: Severity::Error,
                column: mapping.column.clone(),
                raw_value: col(format!("{name}_src").as_str()),
                check: col(format!("{UNMAPPED_PREFIX}{name}").as_str()).not(),
                message: format!("{name}: raw code not in the spec's map; add it to the map or correct the record"),
                masked: spec.record.identifiers().contains(&mapping.column),
            });
        }
        if mapping.amount.is_some() {
            applied.push(AppliedRule {
                id: format!("number.{name}"),
                kind: "domain",
                // An amount is one answer of a person: a wrong one is not stated, the person
                // stays in every count.
                severity: Severity::Warning,
                column: mapping.column.clone(),
                raw_value: col(format!("{name}_src").as_str()),
                check: col(format!("{UNMAPPED_PREFIX}{name}").as_str()).not(),
                message: format!("{name}: not a number, negative, or 100 million or more: taken as not stated (the person is kept); give the amount in digits with a decimal point, no thousands separators"),
                masked: spec.record.identifiers().contains(&mapping.column),
            });
        }
    }
    let raw_column = |variable: &str| -> Option<String> {
        if variable == "weight" {
            return spec.persons_column().map(String::from);
        }
        spec.variables
            .iter()
            .find(|m| m.variable.name() == variable)
            .map(|m| m.column.clone())
    };
    for rule in &rules.records {
        let applies = rule.inputs.iter().all(|c| provided.contains(c))
            && rule.source_kind.is_none_or(|kind| kind == spec.source.kind)
            && raw_column(&rule.report).is_some();
        if !applies {
            continue;
        }
        let column = raw_column(&rule.report).unwrap_or_default();
        applied.push(AppliedRule {
            id: rule.id.clone(),
            kind: rule.kind.name(),
            severity: rule.severity,
            masked: spec.record.identifiers().contains(&column),
            column,
            raw_value: col(format!("{}_src", rule.report).as_str()),
            check: rule.check.clone(),
            message: rule.message.clone(),
        });
    }
    // A personal identifier's value never reaches the quarantine (the spec already refuses them).
    for rule in &mut applied {
        if spec.record.identifiers().contains(&rule.column) {
            rule.raw_value = lit(crate::harmonize::MASKED);
        }
    }
    applied
}

const DUPLICATE_KEY: &str = "_duplicate_key";
const DUPLICATE_FLAG: &str = "_duplicate";

/// The uniqueness rules that apply to a source.
pub fn unique_rules_for<'a>(spec: &SourceSpec, rules: &'a Rules) -> Vec<&'a UniqueRule> {
    rules
        .unique
        .iter()
        .filter(|u| u.source_kind.is_none_or(|kind| kind == spec.source.kind))
        .collect()
}

/// A record's identity: its id columns joined with a separator no code contains (over the
/// harmonized records, where the id columns travel as `_id<i>`).
fn id_key(spec: &SourceSpec) -> Expr {
    concat_str(crate::harmonize::id_columns(spec), "\u{1f}", false)
}

/// The same identity over the raw records: the duplicate passes read only the id columns.
fn raw_id_key(spec: &SourceSpec) -> Expr {
    let ids: Vec<Expr> = spec
        .record
        .id_columns
        .iter()
        .map(|c| col(c.as_str()))
        .collect();
    concat_str(ids, "\u{1f}", false)
}

/// A 64-bit hash of each id key: grouping 10M of these is several times cheaper than grouping the
/// strings. Equal hashes are only candidates; [`duplicates_plan`] confirms them on the keys.
fn id_hash(key: Expr) -> Expr {
    key.map(
        |column: Column| {
            use std::hash::{Hash, Hasher};
            let hashes: UInt64Chunked = column
                .str()?
                .iter()
                .map(|v| {
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    v.hash(&mut hasher);
                    Some(hasher.finish())
                })
                .collect();
            Ok(hashes.into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::UInt64)),
    )
}

/// Plan that hands the hash of every checked record's id to `hashes` (see [`crate::repeated_ids`]);
/// the hashes seen more than once are the candidates. It rides along the pass that judges the
/// records on the assumption that no id repeats; only when some does is the source judged again
/// (see `Round::process_source`).
pub fn id_hashes_sink(
    spec: &SourceSpec,
    checked: LazyFrame,
    hashes: Arc<Mutex<IdHashes>>,
) -> PolarsResult<LazyFrame> {
    let callback = move |batch: DataFrame| -> PolarsResult<bool> {
        let column = batch.column("_id_hash")?.u64()?;
        let mut hashes = hashes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        hashes
            .extend(column.into_no_null_iter())
            .map_err(|e| polars_err!(ComputeError: "could not write the record-id hashes: {e}"))?;
        Ok(false)
    };
    checked
        .select([id_hash(id_key(spec)).alias("_id_hash")])
        .sink_batches(
            PlanCallback::Rust(SpecialEq::new(Arc::new(callback))),
            false,
            None,
        )
}

/// The candidates as the table [`duplicates_plan`] joins.
pub fn candidates_frame(hashes: Vec<u64>) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![Column::new("_id_hash".into(), hashes)])
}

/// Plan of the ids carried by more than one record, among the candidate hashes (small), for
/// [`plan`].
pub fn duplicates_plan(spec: &SourceSpec, raw: RawRecords, candidates: DataFrame) -> LazyFrame {
    let mut args = JoinArgs::new(JoinType::Inner);
    args.maintain_order = MaintainOrderJoin::None;
    raw.frame
        .select([raw_id_key(spec).alias(DUPLICATE_KEY)])
        .with_column(id_hash(col(DUPLICATE_KEY)).alias("_id_hash"))
        .join(
            candidates.lazy(),
            [col("_id_hash")],
            [col("_id_hash")],
            args,
        )
        .group_by([col(DUPLICATE_KEY)])
        .agg([len().alias("_n")])
        .filter(col("_n").gt(lit(1)))
        .select([col(DUPLICATE_KEY), lit(true).alias(DUPLICATE_FLAG)])
}

/// No failing value (a source no record rule applies to).
fn no_failing_values() -> DataFrame {
    DataFrame::new_infer_height(vec![Column::new("_n".into(), Vec::<u64>::new())])
        .unwrap_or_default()
}

/// No duplicates (for sources no uniqueness rule applies to).
pub fn no_duplicates() -> DataFrame {
    DataFrame::new_infer_height(vec![
        Column::new(DUPLICATE_KEY.into(), Vec::<String>::new()),
        Column::new(DUPLICATE_FLAG.into(), Vec::<bool>::new()),
    ])
    .unwrap_or_default()
}

/// The result of one rule on one source: items it judged, passes, fails, missing (could not judge).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RuleResult {
    pub source_id: String,
    pub rule: String,
    /// domain, required, range, pattern, conditional, completeness, part_whole, source_totals.
    pub kind: String,
    pub severity: Severity,
    pub items: u64,
    pub passes: u64,
    pub fails: u64,
    pub missing: u64,
    /// What failed, for a person: the numbers behind a completeness share or a source total, a
    /// record rule's most frequent failing values.
    pub detail: String,
    /// A record rule that failed: its most frequent failing values, counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_values: Option<FailingValues>,
}

/// The values that failed a record rule, counted over every record (a grouping of the failing
/// values, never the failing records themselves).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FailingValues {
    /// The raw column the values come from.
    pub column: String,
    /// The most frequent ones (at most [`FAILING_VALUES_SHOWN`]), most frequent first; empty when
    /// the column holds personal identifiers.
    pub top: Vec<FailingValue>,
    /// How many distinct values failed (0 when masked).
    pub distinct: u64,
    /// The values are (or are made of) personal identifiers: counted, never shown.
    pub masked: bool,
}

/// One failing raw value and the records that carry it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FailingValue {
    /// As the raw file has it ("" for a blank).
    pub value: String,
    pub records: u64,
}

/// How many failing values a rule's result lists.
pub const FAILING_VALUES_SHOWN: usize = 5;

impl FailingValues {
    /// For a person: `UMUR=-3 (2), UMUR=150 (1) … and 4 more distinct`.
    pub fn describe(&self) -> String {
        if self.masked {
            return format!(
                "values not shown: {} holds personal identifiers",
                self.column
            );
        }
        let listed: Vec<String> = self
            .top
            .iter()
            .map(|v| {
                let value = if v.value.is_empty() {
                    "(blank)"
                } else {
                    &v.value
                };
                format!("{}={value} ({})", self.column, v.records)
            })
            .collect();
        let more = self.distinct.saturating_sub(self.top.len() as u64);
        let mut text = listed.join(", ");
        if more > 0 {
            text.push_str(&format!(" … and {more} more distinct"));
        }
        text
    }
}

impl RuleResult {
    pub fn failed(&self) -> bool {
        self.fails > 0
    }
}

/// The validation of one source as lazy plans over its harmonized records.
pub struct ValidationPlan {
    /// Harmonized records with each rule's judgement ([`check_column`]) and the first failing
    /// error rule's id ([`RULE`]).
    checked: LazyFrame,
    /// Rule id to the raw column it is about, and to its message (looked up after the quarantine
    /// filter: per-rule text is not computed per record).
    rule_columns: CodeTable,
    rule_messages: CodeTable,
    /// The failing raw value and the record id, computed only for quarantined records.
    raw_value: Expr,
    record_id: Expr,
    /// Variables whose policy is `unmapped = "error"`: (variable, raw column).
    stops: Vec<(String, String)>,
    /// Every applied record rule: (id, kind, severity), in the order of `counts` columns.
    applied: Vec<(String, &'static str, Severity)>,
    /// Per-rule pass / fail / missing counts and completeness counts (one row when selected).
    count_exprs: Vec<Expr>,
    /// Every applied record rule's failing value (None: masked) and raw column, in the order of
    /// `applied` (rule `i` judged in [`check_column`]`(i)`), for [`ValidationPlan::failing_values`].
    samples: Vec<(Option<Expr>, String)>,
    completeness: Vec<CompletenessRule>,
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

pub fn plan(
    spec: &SourceSpec,
    harmonized: LazyFrame,
    rules: &Rules,
    provided: &BTreeSet<String>,
    duplicates: &DataFrame,
) -> ValidationPlan {
    // Records whose id is shared with another record (found by an earlier pass) are flagged.
    let unique_rules: Vec<&UniqueRule> = unique_rules_for(spec, rules);
    let records = flag_duplicates(spec, harmonized, &unique_rules, duplicates);
    let stops = stop_variables(spec);
    let completeness = completeness_rules_for(rules, provided);
    let mut all_rules = rules_for(spec, rules, provided);
    all_rules.extend(
        unique_rules
            .into_iter()
            .map(|rule| uniqueness_rule(spec, rule)),
    );
    // An aggregate table's records are cells: its completeness is a share of the persons they count.
    let persons = spec
        .is_aggregate()
        .then(|| col("weight").fill_null(lit(0.0)));
    let records = records.with_columns(judged(&all_rules));
    let count_exprs = count_exprs(all_rules.len(), &completeness, persons);
    let samples = all_rules
        .iter()
        .map(|r| ((!r.masked).then(|| r.raw_value.clone()), r.column.clone()))
        .collect();
    let applied = all_rules
        .iter()
        .map(|r| (r.id.clone(), r.kind, r.severity))
        .collect();
    let (reason, error_rules) = quarantine_reason(all_rules);
    let rule_text = |text: fn(&AppliedRule) -> &str| {
        CodeTable::new(
            error_rules
                .iter()
                .map(|r| (r.id.clone(), Some(text(r).to_string()))),
        )
    };
    ValidationPlan {
        checked: records.with_column(reason.alias(RULE)),
        rule_columns: rule_text(|r| r.column.as_str()),
        rule_messages: rule_text(|r| r.message.as_str()),
        raw_value: failing_raw_value(&error_rules),
        record_id: crate::harmonize::record_id(spec),
        stops,
        applied,
        count_exprs,
        samples,
        completeness,
    }
}

/// Each rule judged once per record, into its [`check_column`]: the quarantine's reason, the rule
/// counts and the failing values all read the judgement instead of evaluating the check again.
fn judged(all_rules: &[AppliedRule]) -> Vec<Expr> {
    let judge =
        |(i, rule): (usize, &AppliedRule)| per_record(rule.check.clone()).alias(check_column(i));
    all_rules.iter().enumerate().map(judge).collect()
}

/// The judgement of rule `i` of a source on each record (true: passes; null: missing).
fn check_column(i: usize) -> String {
    format!("_check{i}")
}

/// A constant expression ("TRUE") is one value, not one per record: tie it to the records.
fn per_record(e: Expr) -> Expr {
    col(SOURCE_ROW).is_not_null().and(e)
}

/// The id of the first error rule a record fails (null: none), and the error rules. The first
/// failing rule names the reason (one reason per record keeps the counts additive); a null
/// judgement (missing) does not quarantine.
fn quarantine_reason(all_rules: Vec<AppliedRule>) -> (Expr, Vec<AppliedRule>) {
    let (failed, error_rules): (Vec<Expr>, Vec<AppliedRule>) = all_rules
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.severity == Severity::Error)
        .map(|(i, r)| (col(check_column(i)).not(), r))
        .unzip();
    let ids = error_rules.iter().map(|r| r.id.clone()).collect();
    (lookup::first_true(failed, ids), error_rules)
}

/// The records with the [`DUPLICATE_FLAG`] column (true = the id repeats, null = it does not)
/// when a uniqueness rule applies; unchanged otherwise.
fn flag_duplicates(
    spec: &SourceSpec,
    records: LazyFrame,
    unique_rules: &[&UniqueRule],
    duplicates: &DataFrame,
) -> LazyFrame {
    if !unique_rules.is_empty() && duplicates.height() == 0 {
        // No repeated id known: every record passes, without a join over all of them.
        records.with_column(lit(NULL).cast(DataType::Boolean).alias(DUPLICATE_FLAG))
    } else if !unique_rules.is_empty() {
        let mut args = JoinArgs::new(JoinType::Left);
        args.maintain_order = MaintainOrderJoin::None;
        records.join(
            duplicates.clone().lazy(),
            [id_key(spec)],
            [col(DUPLICATE_KEY)],
            args,
        )
    } else {
        records
    }
}

/// The variables whose policy is `unmapped = "error"`: (variable, raw column).
fn stop_variables(spec: &SourceSpec) -> Vec<(String, String)> {
    spec.variables
        .iter()
        .filter(|m| m.codes.is_some() && m.unmapped == Unmapped::Error)
        .map(|m| (m.variable.name().to_string(), m.column.clone()))
        .collect()
}

/// The completeness rules whose columns the source provides.
fn completeness_rules_for(rules: &Rules, provided: &BTreeSet<String>) -> Vec<CompletenessRule> {
    rules
        .completeness
        .iter()
        .filter(|c| c.inputs.iter().all(|i| provided.contains(i)))
        .cloned()
        .collect()
}

/// A uniqueness rule as applied to a source: a record fails when its id is flagged as repeated.
fn uniqueness_rule(spec: &SourceSpec, rule: &UniqueRule) -> AppliedRule {
    AppliedRule {
        id: rule.id.clone(),
        kind: "uniqueness",
        severity: rule.severity,
        column: spec.record.id_columns.join(", "),
        raw_value: crate::harmonize::record_id(spec),
        check: col(DUPLICATE_FLAG).is_null(),
        message: rule.message.clone(),
        // A record id made of identifiers is a keyed hash: not shown either.
        masked: spec.hashes_record_id(),
    }
}

/// Counts of every rule (and completeness), over all records: one row, `_items`, then each rule's
/// `_pass<i>`, `_fail<i>`, `_missing<i>`, then each completeness rule's `_universe<i>`, `_stated<i>`.
fn count_exprs(
    rule_count: usize,
    completeness: &[CompletenessRule],
    persons: Option<Expr>,
) -> Vec<Expr> {
    let mut count_exprs = vec![len().cast(DataType::UInt64).alias("_items")];
    for i in 0..rule_count {
        let check = col(check_column(i));
        count_exprs.extend([
            check
                .clone()
                .eq(lit(true))
                .sum()
                .cast(DataType::UInt64)
                .alias(format!("_pass{i}")),
            check
                .clone()
                .eq(lit(false))
                .sum()
                .cast(DataType::UInt64)
                .alias(format!("_fail{i}")),
            check
                .is_null()
                .sum()
                .cast(DataType::UInt64)
                .alias(format!("_missing{i}")),
        ]);
    }
    // Records, or the persons they count: a sum of the counts where the condition holds.
    let total = |condition: Expr| match &persons {
        Some(persons) => when(condition)
            .then(persons.clone())
            .otherwise(lit(0.0))
            .sum()
            .round(0, RoundMode::HalfAwayFromZero),
        None => condition.sum(),
    };
    for (i, c) in completeness.iter().enumerate() {
        let universe = per_record(c.universe.clone()).fill_null(lit(false));
        count_exprs.extend([
            total(universe.clone())
                .cast(DataType::UInt64)
                .alias(format!("_universe{i}")),
            total(universe.and(c.stated.clone().fill_null(lit(false))))
                .cast(DataType::UInt64)
                .alias(format!("_stated{i}")),
        ]);
    }
    count_exprs
}

/// The raw value the failing rule (in [`RULE`]) is about, as text. Evaluated after the quarantine
/// filter, on the few records that failed.
fn failing_raw_value(rules: &[AppliedRule]) -> Expr {
    let mut raw_value = lit(NULL).cast(DataType::String);
    for rule in rules.iter().rev() {
        raw_value = when(col(RULE).eq(lit(rule.id.as_str())))
            .then(rule.raw_value.clone().cast(DataType::String))
            .otherwise(raw_value);
    }
    raw_value
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

    /// One row: every applied rule's passes, fails and missing, and the completeness counts.
    pub fn counts(&self) -> LazyFrame {
        self.checked.clone().select(self.count_exprs.clone())
    }

    /// The rule results of this source from the executed [`ValidationPlan::counts`] and
    /// [`ValidationPlan::failing_values`].
    pub fn results(
        &self,
        spec: &SourceSpec,
        counts: &DataFrame,
        failing: &DataFrame,
    ) -> Result<Vec<RuleResult>> {
        let number = |name: &str| -> Result<u64> {
            counts
                .column(name)
                .and_then(|c| c.cast(&DataType::UInt64))
                .and_then(|c| Ok(c.u64()?.get(0).unwrap_or(0)))
                .map_err(|e| Error::polars(&spec.raw_path, "read the rule counts", e))
        };
        let items = number("_items")?;
        let mut results = Vec::new();
        for (i, (id, kind, severity)) in self.applied.iter().enumerate() {
            let fails = number(&format!("_fail{i}"))?;
            let failing_values = if fails > 0 {
                Some(self.failing_values_of(spec, i, failing)?)
            } else {
                None
            };
            results.push(RuleResult {
                source_id: spec.source.id.clone(),
                rule: id.clone(),
                kind: kind.to_string(),
                severity: *severity,
                items,
                passes: number(&format!("_pass{i}"))?,
                fails,
                missing: number(&format!("_missing{i}"))?,
                detail: match &failing_values {
                    Some(values) => {
                        format!("{fails} of {items} records fail: {}", values.describe())
                    }
                    None => String::new(),
                },
                failing_values,
            });
        }
        for (i, rule) in self.completeness.iter().enumerate() {
            let universe = number(&format!("_universe{i}"))?;
            let stated = number(&format!("_stated{i}"))?;
            let not_stated = universe.saturating_sub(stated);
            let share = if universe == 0 {
                0.0
            } else {
                not_stated as f64 / universe as f64
            };
            let judged = universe > 0;
            let fails = u64::from(judged && share > rule.max_missing_share);
            results.push(RuleResult {
                source_id: spec.source.id.clone(),
                rule: rule.id.clone(),
                kind: "completeness".into(),
                severity: rule.severity,
                items: 1,
                passes: u64::from(judged) - fails,
                fails,
                missing: u64::from(!judged),
                detail: format!(
                    "{not_stated} of {universe} {} not stated ({:.1}%, at most {:.1}%)",
                    if spec.is_aggregate() {
                        "persons"
                    } else {
                        "records"
                    },
                    share * 100.0,
                    rule.max_missing_share * 100.0
                ),
                failing_values: None,
            });
        }
        Ok(results)
    }

    /// Plan of the failing values of every record rule, counted: one row per combination of
    /// failing values (`_v<i>`: the raw value that failed rule i, null where it did not) with its
    /// records (`_n`). A grouping over the failing records only, so memory grows with the distinct
    /// failing values, never with the records; a masked rule's values are not read.
    pub fn failing_values(&self) -> LazyFrame {
        let fails: Vec<Expr> = (0..self.samples.len())
            .map(|i| col(check_column(i)).eq(lit(false)))
            .collect();
        let Some(any) = fails.iter().cloned().reduce(|a, b| a.or(b)) else {
            return no_failing_values().lazy();
        };
        let values: Vec<Expr> = self
            .samples
            .iter()
            .zip(&fails)
            .enumerate()
            .map(|(i, ((value, _), fail))| {
                let value = value.clone().unwrap_or_else(|| lit(""));
                when(fail.clone())
                    .then(value.cast(DataType::String).fill_null(lit("")))
                    .otherwise(lit(NULL).cast(DataType::String))
                    .alias(format!("_v{i}"))
            })
            .collect();
        let keys: Vec<Expr> = (0..values.len()).map(|i| col(format!("_v{i}"))).collect();
        self.checked
            .clone()
            .filter(any)
            .select(values)
            .group_by(keys)
            .agg([len().cast(DataType::UInt64).alias("_n")])
    }

    /// Rule `i`'s failing values from the executed [`ValidationPlan::failing_values`].
    fn failing_values_of(
        &self,
        spec: &SourceSpec,
        i: usize,
        failing: &DataFrame,
    ) -> Result<FailingValues> {
        let fail = |e: PolarsError| Error::polars(&spec.raw_path, "read the failing values", e);
        let (value, column) = &self.samples[i];
        let mut counted: BTreeMap<String, u64> = BTreeMap::new();
        let values = failing.column(&format!("_v{i}")).map_err(fail)?;
        let records = failing.column("_n").map_err(fail)?;
        let (values, records) = (values.str().map_err(fail)?, records.u64().map_err(fail)?);
        for (v, n) in values.iter().zip(records.iter()) {
            if let Some(v) = v {
                *counted.entry(v.to_string()).or_default() += n.unwrap_or(0);
            }
        }
        // A masked rule's values were not read: nothing to count.
        let distinct = if value.is_some() {
            counted.len() as u64
        } else {
            0
        };
        let mut top: Vec<FailingValue> = counted
            .into_iter()
            .map(|(value, records)| FailingValue { value, records })
            .collect();
        // Most frequent first; equal counts in the values' order (BTreeMap), stable.
        top.sort_by_key(|v| std::cmp::Reverse(v.records));
        top.truncate(if value.is_some() {
            FAILING_VALUES_SHOWN
        } else {
            0
        });
        Ok(FailingValues {
            column: column.clone(),
            top,
            distinct,
            masked: value.is_none(),
        })
    }

    /// Records that pass every rule (every column of [`ValidationPlan::checked`]: the sinks
    /// select what they publish).
    pub fn clean(&self) -> LazyFrame {
        self.checked.clone().filter(col(RULE).is_null())
    }

    /// One row per quarantined record: source_id, source_row, record_id, rule, column, raw_value, message.
    pub fn quarantine(&self) -> LazyFrame {
        // A filtered text column still points into the whole batch it came from, and the Parquet
        // sink holds batches until a row group fills: a few quarantined records would keep most
        // of the file in memory. Copying their text (appending "") lets each batch go.
        let copied = |text: Expr| concat_str([text, lit("")], "", false);
        // Rule texts by lookup, not a join: a join in one of a shared scan's consumers waits for
        // its other side, and the scan buffers every record for it meanwhile.
        self.checked
            .clone()
            .filter(col(RULE).is_not_null())
            .select([
                copied(col("source_id")).alias("source_id"),
                col(SOURCE_ROW),
                copied(self.record_id.clone()).alias("record_id"),
                copied(col(RULE)).alias("rule"),
                self.rule_columns
                    .apply(col(RULE), Absent::Null)
                    .alias("column"),
                copied(self.raw_value.clone()).alias("raw_value"),
                self.rule_messages
                    .apply(col(RULE), Absent::Null)
                    .alias("message"),
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
        self.stop_on_unmapped(spec, stops)?;
        let summary = ValidationSummary::from_counts(spec, counts)?;
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

    /// Stop with an error listing the first offending rows of the first variable whose policy is
    /// `unmapped = "error"` and that has codes not in its map (`stops`: the frames of
    /// [`ValidationPlan::stop_plans`]).
    fn stop_on_unmapped(&self, spec: &SourceSpec, stops: &[DataFrame]) -> Result<()> {
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
        Ok(())
    }
}

impl ValidationSummary {
    /// Records read, clean and quarantined (in all and per rule) from the executed counts: the
    /// [`RULE`] column and a `_records` count (rows may repeat a rule: they are summed).
    fn from_counts(spec: &SourceSpec, counts: &DataFrame) -> Result<ValidationSummary> {
        let polars_err =
            |e: PolarsError| Error::polars(&spec.raw_path, "read the validation results", e);
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
        Ok(summary)
    }
}

/// Part-whole rules on one source's published cells: in every table, the categories of the rule's
/// field sum to its total (`SEX_T`, `<classification>_TOTAL`) within the tolerance.
/// `totals` holds every total code (most end in `_TOTAL`; some do not, e.g. AGE_YTHADULT_YGE15).
pub fn check_cells(
    rules: &[CellRule],
    cells: &Cells,
    totals: &BTreeSet<&str>,
    source_id: &str,
) -> Vec<RuleResult> {
    rules
        .iter()
        .map(|rule| judge_part_whole(rule, &part_whole_groups(rule, cells, totals), source_id))
        .collect()
}

/// Group key of a part-whole rule: the indicator and the two other fields; the rule's field is
/// summed. (indicator, the field's classification, the two other fields)
type PartWholeGroup = (String, String, String, String);

/// Per group: the total's value (if the cells have it), the sum of the parts and their number.
type PartWholeSums = (Option<f64>, f64, usize);

/// The cells with a value grouped for a part-whole rule: each group's total and the sum of its
/// parts (the other categories of the rule's field).
fn part_whole_groups(
    rule: &CellRule,
    cells: &Cells,
    totals: &BTreeSet<&str>,
) -> BTreeMap<PartWholeGroup, PartWholeSums> {
    let mut groups: BTreeMap<PartWholeGroup, PartWholeSums> = BTreeMap::new();
    for i in 0..cells.len() {
        let sex = cells.sex[i].clone().unwrap_or_default();
        let c1 = cells.classif1[i].clone().unwrap_or_default();
        let c2 = cells.classif2[i].clone().unwrap_or_default();
        let (field, key) = match rule.field {
            CellField::Sex => (sex, (c1, c2)),
            CellField::Classif1 => (c1, (sex, c2)),
            CellField::Classif2 => (c2, (sex, c1)),
        };
        if field.is_empty() {
            continue;
        }
        let Some(value) = cells.obs_value[i] else {
            continue;
        };
        let entry = groups
            .entry((
                cells.indicator[i].clone(),
                classification_of(&field).to_string(),
                key.0,
                key.1,
            ))
            .or_insert((None, 0.0, 0));
        if totals.contains(field.as_str()) {
            entry.0 = Some(value);
        } else {
            entry.1 += value;
            entry.2 += 1;
        }
    }
    groups
}

/// The result of a part-whole rule over its groups: a group passes when its parts sum to its total
/// within the tolerance; the detail names the first group that does not.
fn judge_part_whole(
    rule: &CellRule,
    groups: &BTreeMap<PartWholeGroup, PartWholeSums>,
    source_id: &str,
) -> RuleResult {
    let mut result = RuleResult {
        source_id: source_id.to_string(),
        rule: rule.id.clone(),
        kind: "part_whole".into(),
        severity: rule.severity,
        items: groups.len() as u64,
        passes: 0,
        fails: 0,
        missing: 0,
        detail: String::new(),
        failing_values: None,
    };
    for ((indicator, _, a, b), (total, parts, count)) in groups {
        match total {
            // No total, or a breakdown the source does not give (its total alone).
            None => result.missing += 1,
            Some(_) if *count == 0 => result.missing += 1,
            Some(total) if (total - parts).abs() <= rule.tolerance => result.passes += 1,
            Some(total) => {
                result.fails += 1;
                if result.detail.is_empty() {
                    result.detail =
                        format!("{indicator} {a} {b}: total {total} but the parts sum to {parts}");
                }
            }
        }
    }
    result
}

/// The classification of an ILOSTAT code: `SEX` for `SEX_F`, `OCU_SKILL` for `OCU_SKILL_L2`
/// (codes are `<theme>_<version>_<category>`; sex codes have no version).
fn classification_of(code: &str) -> &str {
    if code.starts_with("SEX_") {
        return "SEX";
    }
    match code.match_indices('_').nth(1) {
        Some((end, _)) => &code[..end],
        None => code,
    }
}

/// The source-totals rule: each total the workbook states against the sum of its parts, with both
/// numbers in the detail for every mismatch.
pub fn check_source_totals(
    rule: &SourceTotalsRule,
    checks: &[TotalCheck],
    source_id: &str,
) -> Vec<RuleResult> {
    if checks.is_empty() {
        return Vec::new();
    }
    let failing: Vec<&TotalCheck> = checks
        .iter()
        .filter(|c| (c.stated - c.computed).abs() > rule.tolerance)
        .collect();
    let detail = failing
        .iter()
        .map(|c| {
            format!(
                "{}: the source says {}, its parts sum to {} (difference {})",
                c.what,
                crate::ingest::number_text(c.stated),
                crate::ingest::number_text(c.computed),
                crate::ingest::number_text(c.stated - c.computed)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![RuleResult {
        source_id: source_id.to_string(),
        rule: rule.id.clone(),
        kind: "source_totals".into(),
        severity: rule.severity,
        items: checks.len() as u64,
        passes: (checks.len() - failing.len()) as u64,
        fails: failing.len() as u64,
        missing: 0,
        detail,
        failing_values: None,
    }]
}

/// Persons of one source's clean records by flow and counterpart country (destination of an
/// outflow, origin of an inflow), for the coherence rule.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FlowTotal {
    pub source_id: String,
    pub ref_area: String,
    pub time: String,
    pub flow: String,
    pub counterpart: String,
    pub persons: f64,
}

/// Plan of a source's clean records summed by flow, destination and origin (a few rows).
pub fn flow_totals_plan(checked: LazyFrame) -> LazyFrame {
    checked
        // Outflows are set against inflows of workers: departures for employment only.
        .filter(
            col(RULE).is_null().and(col("flow").is_not_null()).and(
                col("flow")
                    .neq(lit("OUTFLOW"))
                    .or(col("for_employment").fill_null(lit(false))),
            ),
        )
        .group_by([col("flow"), col("destination"), col("origin")])
        // A blank count (an aggregate table's gap) makes the total unknown, not smaller.
        .agg([when(col("weight").is_null().any(true))
            .then(lit(NULL).cast(DataType::Float64))
            .otherwise(col("weight").sum())
            .alias("_persons")])
}

/// The flow totals of one source from the executed [`flow_totals_plan`].
pub fn flow_totals(spec: &SourceSpec, frame: &DataFrame) -> Result<Vec<FlowTotal>> {
    let fail = |e: PolarsError| Error::polars(&spec.raw_path, "read the flow totals", e);
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        Ok(frame
            .column(name)
            .map_err(fail)?
            .str()
            .map_err(fail)?
            .iter()
            .map(|v| v.map(String::from))
            .collect())
    };
    let (flow, destination, origin) = (text("flow")?, text("destination")?, text("origin")?);
    let persons = frame.column("_persons").map_err(fail)?;
    let persons = persons.f64().map_err(fail)?;
    let mut totals = Vec::new();
    for i in 0..frame.height() {
        let counterpart = match flow[i].as_deref() {
            Some("OUTFLOW") => destination[i].clone(),
            Some("INFLOW") => origin[i].clone(),
            _ => None,
        };
        // An unknown total (a blank count) is not compared: no figure stands for it.
        if let (Some(flow), Some(counterpart), Some(persons)) =
            (flow[i].clone(), counterpart, persons.get(i))
        {
            totals.push(FlowTotal {
                source_id: spec.source.id.clone(),
                ref_area: spec.source.ref_area.clone(),
                time: spec.source.time.clone(),
                flow,
                counterpart,
                persons,
            });
        }
    }
    Ok(totals)
}

/// Coherence between sources: for every country of origin's outflow to a destination that has an
/// inflow source for the same period, the two numbers and their difference. Not blocking.
pub fn check_coherence(rule: &CoherenceRule, totals: &[FlowTotal]) -> Vec<RuleResult> {
    let sum = |flow: &str, from: &str, to: &str, time: &str| -> (f64, Vec<String>) {
        let mut persons = 0.0;
        let mut sources = BTreeSet::new();
        for t in totals.iter().filter(|t| t.flow == flow && t.time == time) {
            let (origin, destination) = if flow == "OUTFLOW" {
                (&t.ref_area, &t.counterpart)
            } else {
                (&t.counterpart, &t.ref_area)
            };
            if origin == from && destination == to {
                persons += t.persons;
                sources.insert(t.source_id.clone());
            }
        }
        (persons, sources.into_iter().collect())
    };
    let pairs: BTreeSet<(String, String, String)> = totals
        .iter()
        .filter(|t| t.flow == "OUTFLOW")
        .map(|t| (t.ref_area.clone(), t.counterpart.clone(), t.time.clone()))
        .collect();
    let mut results = Vec::new();
    for (origin, destination, time) in pairs {
        let (inflow, inflow_sources) = sum("INFLOW", &origin, &destination, &time);
        if inflow_sources.is_empty() {
            continue;
        }
        let (outflow, outflow_sources) = sum("OUTFLOW", &origin, &destination, &time);
        let difference = outflow - inflow;
        let share = difference.abs() / outflow.max(inflow).max(1.0);
        let fails = u64::from(share > rule.tolerance_share);
        results.push(RuleResult {
            source_id: format!("{} / {}", outflow_sources.join("+"), inflow_sources.join("+")),
            rule: rule.id.clone(),
            kind: "coherence".into(),
            severity: rule.severity,
            items: 1,
            passes: 1 - fails,
            fails,
            missing: 0,
            detail: format!(
                "{time} {origin} -> {destination}: outflow {} ({}), inflow {} ({}), difference {} ({:.1}%)",
                crate::ingest::number_text(outflow),
                outflow_sources.join(", "),
                crate::ingest::number_text(inflow),
                inflow_sources.join(", "),
                crate::ingest::number_text(difference),
                share * 100.0
            ),
            failing_values: None,
        });
    }
    results
}

/// The source as a whole: it fails `rule` when it has no clean record, or when more than the
/// rule's share of its records are quarantined.
pub fn check_quarantined(
    rule: &crate::rules::QuarantinedRule,
    source_id: &str,
    summary: &ValidationSummary,
) -> RuleResult {
    let share = if summary.read == 0 {
        1.0
    } else {
        summary.quarantined as f64 / summary.read as f64
    };
    let failed = summary.clean == 0 || share > rule.max_share;
    let detail = if summary.read == 0 {
        "the file has no record".to_string()
    } else if summary.clean == 0 {
        format!("all {} records quarantined", summary.read)
    } else {
        format!(
            "{} of {} records quarantined ({:.1}%; at most {:.1}%)",
            summary.quarantined,
            summary.read,
            100.0 * share,
            100.0 * rule.max_share
        )
    };
    RuleResult {
        source_id: source_id.to_string(),
        rule: rule.id.clone(),
        kind: "quarantined_share".into(),
        severity: rule.severity,
        items: 1,
        passes: u64::from(!failed),
        fails: u64::from(failed),
        missing: 0,
        detail,
        failing_values: None,
    }
}

#[cfg(test)]
mod tests {
    use super::check_cells;
    use crate::cells::Cells;
    use crate::rules::{CellField, CellRule, Severity};

    /// One table by sex: SEX_M 2, SEX_F 3, SEX_T `total`.
    fn table(total: f64) -> Cells {
        let mut cells = Cells::default();
        for (sex, value) in [("SEX_T", total), ("SEX_M", 2.0), ("SEX_F", 3.0)] {
            cells.ref_area.push("XYZ".into());
            cells.source.push("BA:X".into());
            cells.indicator.push("IND".into());
            cells.sex.push(Some(sex.into()));
            cells.classif1.push(Some("OCU_ISCO08_TOTAL".into()));
            cells.classif2.push(None);
            cells.time.push("2024".into());
            cells.obs_value.push(Some(value));
            cells.status.push(Default::default());
            cells.persons.push(Some(value * 1000.0));
            cells.sample_count.push(Some(1));
            cells.note_indicator.push(None);
            cells.unit.push("PS".into());
            cells.unit_mult.push(3);
        }
        cells
    }

    #[test]
    fn part_whole_passes_when_the_parts_sum_to_the_total_and_fails_otherwise() {
        let rule = CellRule {
            id: "part_whole.sex".into(),
            field: CellField::Sex,
            tolerance: 0.001,
            severity: Severity::Error,
        };
        let totals = ["SEX_T"].into();
        let valid = &check_cells(std::slice::from_ref(&rule), &table(5.0), &totals, "X")[0];
        assert_eq!((valid.items, valid.passes, valid.fails), (1, 1, 0));
        let invalid = &check_cells(std::slice::from_ref(&rule), &table(5.5), &totals, "X")[0];
        assert_eq!((invalid.items, invalid.passes, invalid.fails), (1, 0, 1));
        assert!(
            invalid.detail.contains("total 5.5 but the parts sum to 5"),
            "{}",
            invalid.detail
        );
    }
}
