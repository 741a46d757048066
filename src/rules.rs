//! Validation rules as data (`schemas/rules/*.toml`), loaded and compiled before any record is read.
//!
//! Record rules are polars SQL expressions over the harmonized columns that must hold: true is a
//! pass, false a fail, null "missing" (the rule cannot judge the record), as R's `validate` counts
//! them. A rule applies to a source only if the source provides every column it reads. Severity:
//! `error` quarantines the failing record (it is not published), `warning` and `info` are counted
//! and reported. Completeness rules judge a source by the share of records with a variable not
//! stated; cell rules check the published tables; the source-totals rule checks a workbook's own
//! total rows against the sum of its parts.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::spec::SourceKind;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The failing record is quarantined; `ilms validate` exits non-zero.
    Error,
    /// Counted and reported; the data is published.
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The JSON Schema of a validation rule file (`ilms schema`).
pub(crate) fn json_schema() -> schemars::Schema {
    schemars::schema_for!(RulesFile)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    record: Vec<RecordRuleDecl>,
    #[serde(default)]
    completeness: Vec<CompletenessDecl>,
    #[serde(default)]
    cells: Vec<CellRuleDecl>,
    source_totals: Option<SourceTotalsDecl>,
    #[serde(default)]
    unique: Vec<UniqueDecl>,
    coherence: Option<CoherenceDecl>,
    quarantined: Option<QuarantinedDecl>,
    empty_universe: Option<EmptyUniverseRule>,
    #[serde(default)]
    range: Vec<RangeRule>,
    benchmark: Option<BenchmarkRule>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct QuarantinedDecl {
    id: String,
    max_share: f64,
    severity: Severity,
}

/// Cross-source coherence: a country of origin's outflow to a destination against the
/// destination's inflow from it, same period.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CoherenceDecl {
    id: String,
    /// Largest acceptable difference, as a share of the larger of the two numbers.
    tolerance_share: f64,
    severity: Severity,
}

/// Uniqueness: a source's id columns (`record.id_columns`, e.g. household and person number)
/// identify one record each.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct UniqueDecl {
    id: String,
    severity: Severity,
    message: String,
    source_kind: Option<SourceKind>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RecordRuleDecl {
    id: String,
    kind: RecordRuleKind,
    check: String,
    severity: Severity,
    /// The harmonized variable whose raw value a quarantined record reports.
    report: String,
    message: String,
    /// Only sources of this kind (default: all).
    source_kind: Option<SourceKind>,
}

/// What a record rule checks, for the report (the check itself is the expression).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RecordRuleKind {
    Required,
    Range,
    Pattern,
    Conditional,
}

impl RecordRuleKind {
    pub fn name(self) -> &'static str {
        match self {
            RecordRuleKind::Required => "required",
            RecordRuleKind::Range => "range",
            RecordRuleKind::Pattern => "pattern",
            RecordRuleKind::Conditional => "conditional",
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CompletenessDecl {
    id: String,
    /// The records the share is taken over (e.g. the employed, for occupation).
    universe: String,
    /// True when the variable is stated.
    stated: String,
    /// Largest acceptable share of records with the variable not stated, 0 to 1.
    max_missing_share: f64,
    severity: Severity,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CellRuleDecl {
    id: String,
    /// Which field of a cell holds the breakdown whose categories must sum to its total.
    field: CellField,
    /// Largest acceptable difference, in the cell's unit.
    tolerance: f64,
    severity: Severity,
}

/// A breakdown field of an indicator cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CellField {
    Sex,
    Classif1,
    Classif2,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SourceTotalsDecl {
    id: String,
    /// Largest acceptable difference between a stated total and the sum of its parts, in persons.
    tolerance: f64,
    severity: Severity,
}

/// A compiled record rule.
#[derive(Debug, Clone)]
pub struct RecordRule {
    pub id: String,
    pub kind: RecordRuleKind,
    /// True = pass, false = fail, null = missing.
    pub check: Expr,
    /// Harmonized columns the check reads: the rule applies to sources that provide them all.
    pub inputs: Vec<String>,
    pub severity: Severity,
    pub report: String,
    pub message: String,
    pub source_kind: Option<SourceKind>,
}

#[derive(Debug, Clone)]
pub struct CompletenessRule {
    pub id: String,
    pub universe: Expr,
    pub stated: Expr,
    pub inputs: Vec<String>,
    pub max_missing_share: f64,
    pub severity: Severity,
}

#[derive(Debug, Clone)]
pub struct CellRule {
    pub id: String,
    pub field: CellField,
    pub tolerance: f64,
    pub severity: Severity,
}

#[derive(Debug, Clone)]
pub struct CoherenceRule {
    pub id: String,
    pub tolerance_share: f64,
    pub severity: Severity,
}

#[derive(Debug, Clone)]
pub struct UniqueRule {
    pub id: String,
    pub severity: Severity,
    pub message: String,
    pub source_kind: Option<SourceKind>,
}

#[derive(Debug, Clone)]
pub struct SourceTotalsRule {
    pub id: String,
    pub tolerance: f64,
    pub severity: Severity,
}

/// Every rule of the round.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// The files they came from (recorded in the provenance).
    pub files: Vec<PathBuf>,
    pub records: Vec<RecordRule>,
    pub completeness: Vec<CompletenessRule>,
    pub cells: Vec<CellRule>,
    pub source_totals: Option<SourceTotalsRule>,
    pub unique: Vec<UniqueRule>,
    pub coherence: Option<CoherenceRule>,
    /// A source with no clean record, or more than this share of its records quarantined, fails.
    pub quarantined: QuarantinedRule,
    /// Plausibility (see [`crate::plausibility`]).
    pub empty_universe: Option<EmptyUniverseRule>,
    pub ranges: Vec<RangeRule>,
    pub benchmark: Option<BenchmarkRule>,
}

/// What share of a source's records may be quarantined before the source fails as a whole: its
/// cells are then not published (not available, with this rule as the reason).
#[derive(Debug, Clone)]
pub struct QuarantinedRule {
    pub id: String,
    pub max_share: f64,
    pub severity: Severity,
}

impl Default for QuarantinedRule {
    fn default() -> Self {
        QuarantinedRule {
            id: "source.quarantined_share".into(),
            max_share: 0.05,
            severity: Severity::Error,
        }
    }
}

impl Rules {
    /// Load every `*.toml` of the rules folder, in name order; each expression is compiled and
    /// checked against the harmonized record schema.
    pub fn load(dir: &Path, record_schema: &Schema) -> Result<Rules> {
        let files = rule_files(dir)?;
        let mut rules = Rules {
            files: files.clone(),
            ..Rules::default()
        };
        let mut ids = RuleIds::default();
        for path in &files {
            let parsed: RulesFile = crate::error::read_toml(
                path,
                "rules",
                "correct the rules file (see schemas/rules/README.md)",
            )?;
            rules.add_file(path, parsed, record_schema, &mut ids)?;
        }
        Ok(rules)
    }

    /// Add the rules of one parsed file, section by section in a fixed order (so the same error is
    /// reported first), each id claimed before its rule is checked.
    fn add_file(
        &mut self,
        path: &Path,
        parsed: RulesFile,
        record_schema: &Schema,
        ids: &mut RuleIds,
    ) -> Result<()> {
        self.add_record_rules(path, parsed.record, record_schema, ids)?;
        self.add_completeness_rules(path, parsed.completeness, record_schema, ids)?;
        for (i, c) in parsed.cells.into_iter().enumerate() {
            ids.claim(path, &c.id, &format!("cells[{i}]"))?;
            self.cells.push(CellRule {
                id: c.id,
                field: c.field,
                tolerance: c.tolerance,
                severity: c.severity,
            });
        }
        for (i, u) in parsed.unique.into_iter().enumerate() {
            ids.claim(path, &u.id, &format!("unique[{i}]"))?;
            self.unique.push(UniqueRule {
                id: u.id,
                severity: u.severity,
                message: u.message,
                source_kind: u.source_kind,
            });
        }
        if let Some(c) = parsed.coherence {
            ids.claim(path, &c.id, "coherence")?;
            self.coherence = Some(CoherenceRule {
                id: c.id,
                tolerance_share: c.tolerance_share,
                severity: c.severity,
            });
        }
        if let Some(q) = parsed.quarantined {
            ids.claim(path, &q.id, "quarantined")?;
            self.quarantined = quarantined_rule(path, q)?;
        }
        if let Some(rule) = parsed.empty_universe {
            ids.claim(path, &rule.id, "empty_universe")?;
            self.empty_universe = Some(rule);
        }
        for (i, rule) in parsed.range.into_iter().enumerate() {
            ids.claim(path, &rule.id, &format!("range[{i}]"))?;
            self.ranges.push(rule);
        }
        if let Some(rule) = parsed.benchmark {
            ids.claim(path, &rule.id, "benchmark")?;
            self.benchmark = Some(rule);
        }
        if let Some(t) = parsed.source_totals {
            ids.claim(path, &t.id, "source_totals")?;
            self.source_totals = Some(SourceTotalsRule {
                id: t.id,
                tolerance: t.tolerance,
                severity: t.severity,
            });
        }
        Ok(())
    }

    /// Compile a file's record rules: each check must be a boolean expression over the harmonized
    /// record, and each reported variable a harmonized one.
    fn add_record_rules(
        &mut self,
        path: &Path,
        decls: Vec<RecordRuleDecl>,
        record_schema: &Schema,
        ids: &mut RuleIds,
    ) -> Result<()> {
        for (i, r) in decls.into_iter().enumerate() {
            let key = format!("record[{i}]");
            ids.claim(path, &r.id, &key)?;
            let (check, inputs) = crate::indicators::compile(
                path,
                &format!("{key}.check"),
                &r.check,
                record_schema,
                DataType::Boolean,
            )?;
            if record_schema.get(r.report.as_str()).is_none() && r.report != "weight" {
                return Err(Error::new(
                    path,
                    format!("{key}.report"),
                    format!("'{}' is not a harmonized variable", r.report),
                    "name the variable whose raw value the quarantine should show",
                ));
            }
            self.records.push(RecordRule {
                id: r.id,
                kind: r.kind,
                check,
                inputs,
                severity: r.severity,
                report: r.report,
                message: r.message,
                source_kind: r.source_kind,
            });
        }
        Ok(())
    }

    /// Compile a file's completeness rules: a share from 0 to 1, and boolean universe and stated
    /// expressions over the harmonized record.
    fn add_completeness_rules(
        &mut self,
        path: &Path,
        decls: Vec<CompletenessDecl>,
        record_schema: &Schema,
        ids: &mut RuleIds,
    ) -> Result<()> {
        for (i, c) in decls.into_iter().enumerate() {
            let key = format!("completeness[{i}]");
            ids.claim(path, &c.id, &key)?;
            if !(0.0..=1.0).contains(&c.max_missing_share) {
                return Err(Error::new(
                    path,
                    format!("{key}.max_missing_share"),
                    format!("{} is not a share", c.max_missing_share),
                    "give a number from 0 to 1 (0.05 = 5%)",
                ));
            }
            let (universe, mut inputs) = crate::indicators::compile(
                path,
                &format!("{key}.universe"),
                &c.universe,
                record_schema,
                DataType::Boolean,
            )?;
            let (stated, stated_inputs) = crate::indicators::compile(
                path,
                &format!("{key}.stated"),
                &c.stated,
                record_schema,
                DataType::Boolean,
            )?;
            inputs.extend(stated_inputs);
            self.completeness.push(CompletenessRule {
                id: c.id,
                universe,
                stated,
                inputs,
                max_missing_share: c.max_missing_share,
                severity: c.severity,
            });
        }
        Ok(())
    }
}

/// The rules files of the folder (`*.toml`), in name order; any other file but the README is an
/// error.
fn rule_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let all: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, "read the rules folder", e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    // A rules file with a mistyped extension would silently switch its rules off.
    if let Some(stray) = all.iter().find(|p| {
        p.is_file()
            && p.extension().is_none_or(|x| x != "toml")
            && p.file_name().is_some_and(|n| n != "README.md")
    }) {
        return Err(Error::new(
            stray,
            "",
            "a file in the rules folder that is not a rules file (*.toml): its rules would not apply",
            "give it the .toml extension, or move it out of the rules folder",
        ));
    }
    let mut files: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// The rule ids taken so far, across every file of the folder.
#[derive(Default)]
struct RuleIds(std::collections::BTreeSet<String>);

impl RuleIds {
    /// Take `id` for the rule at `key` of `path`: an error if an earlier rule has it.
    fn claim(&mut self, path: &Path, id: &str, key: &str) -> Result<()> {
        if self.0.insert(id.to_string()) {
            Ok(())
        } else {
            Err(Error::new(
                path,
                key,
                format!("rule id '{id}' is used twice"),
                "give each rule its own id",
            ))
        }
    }
}

/// The quarantined-share rule of a file, its share checked to be from 0 to 1.
fn quarantined_rule(path: &Path, q: QuarantinedDecl) -> Result<QuarantinedRule> {
    if !(0.0..=1.0).contains(&q.max_share) {
        return Err(Error::new(
            path,
            "quarantined.max_share",
            format!("{} is not a share", q.max_share),
            "give a number from 0 to 1 (0.05 = 5%)",
        ));
    }
    Ok(QuarantinedRule {
        id: q.id,
        max_share: q.max_share,
        severity: q.severity,
    })
}

/// `[empty_universe]`: an indicator's universe must hold some record of a source.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyUniverseRule {
    pub id: String,
    pub severity: Severity,
}

/// `[[range]]`: an indicator's national figures (every breakdown at its total) within bounds.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RangeRule {
    pub id: String,
    pub indicator: String,
    pub min: f64,
    pub max: f64,
    pub severity: Severity,
}

/// `[benchmark]`: how far a source's figure may be from the office's own published figure.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkRule {
    pub id: String,
    /// Relative difference allowed (0.02 = 2%).
    pub tolerance_share: f64,
    pub severity: Severity,
}
