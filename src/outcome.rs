//! What a run did: per source and in total, as the terminal, `run_log.json` and `report.html` show
//! it. Only types and their display; the runner (`round`) fills them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::cells::{Cells, Status};
use crate::classifications::Resolution;
use crate::disclosure;
use crate::harmonize;
use crate::publish::Provenance;
use crate::validate;

/// What a run did, per source and in total.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    /// The round's name (its manifest's `[round] name`).
    pub round: String,
    /// Per source, in the round's order.
    pub sources: Vec<SourceReport>,
    /// Cells published, withheld and not available, all sources together.
    pub cells: usize,
    /// Cells by status: published, flagged unreliable ("U"), withheld ("S": primary, secondary,
    /// confidential, failed validation), not available ("O").
    pub cell_status: CellStatusCounts,
    /// The reliability thresholds applied.
    pub reliability: crate::indicators::Reliability,
    /// Indicators declared (each may be several tables, one per classification version).
    pub indicators: Vec<String>,
    /// ILMS indicators not declared, with the reason.
    pub not_declared: Vec<crate::indicators::NotDeclared>,
    /// Indicators a source could not produce, with the harmonized columns it lacks.
    pub not_available: Vec<NotAvailable>,
    /// The cells noted as revised since the round's last edition (`[output] revised_since`).
    pub revisions: Option<crate::revisions::Revisions>,
    /// Every rule's result on every source it applies to (also in validation.parquet).
    pub validation: Vec<validate::RuleResult>,
    /// The files users open (under `processed/` and `charts/`).
    pub files: Vec<PathBuf>,
    /// The inputs, specs and tool behind the release, with their checksums.
    pub provenance: Provenance,
    /// The release's id (its folder under `[output] releases`).
    pub release: String,
    /// What the exports left out without stopping the run (a country and period several sources
    /// give, left out of an ILOSTAT dataflow's file).
    pub publish_warnings: Vec<String>,
    /// Old releases that could not be removed after this one became current.
    #[serde(skip)]
    pub tidy_problems: Vec<String>,
    /// Seconds each stage took, in order, up to the report (writing it and sealing the release
    /// follow).
    pub seconds: Vec<StageTime>,
}

/// How long one stage of a run took.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StageTime {
    /// What the run did in it.
    pub stage: String,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Cells by what they show.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CellStatusCounts {
    /// Published with no flag (a perturbed cell included).
    pub published: usize,
    /// Published, flagged unreliable ("U").
    pub unreliable: usize,
    /// Withheld: too few records.
    pub withheld_primary: usize,
    /// Withheld: would give a primary cell away.
    pub withheld_secondary: usize,
    /// Withheld, primary or secondary, under a policy that does not say which.
    pub withheld_confidential: usize,
    /// Withheld because an error-severity rule on the source's tables failed.
    pub withheld_validation: usize,
    /// No value: the source gives no figure for (part of) the cell (obs_status "O").
    pub not_available: usize,
}

impl CellStatusCounts {
    pub(crate) fn of(cells: &Cells) -> CellStatusCounts {
        let mut counts = CellStatusCounts::default();
        for status in &cells.status {
            match status {
                Status::Primary => counts.withheld_primary += 1,
                Status::Secondary => counts.withheld_secondary += 1,
                Status::Confidential => counts.withheld_confidential += 1,
                Status::FailedValidation => counts.withheld_validation += 1,
                Status::Unreliable => counts.unreliable += 1,
                Status::NotAvailable => counts.not_available += 1,
                Status::Published | Status::Perturbed | Status::Break => counts.published += 1,
            }
        }
        counts
    }
}

impl RunReport {
    /// Rules of severity error that failed somewhere.
    pub fn failed_errors(&self) -> Vec<&validate::RuleResult> {
        self.validation
            .iter()
            .filter(|r| r.failed() && r.severity == crate::rules::Severity::Error)
            .collect()
    }

    /// An error naming every rule of severity error that failed (`ilms validate` exits with it).
    pub fn error_if_rules_failed(&self, manifest: &Path) -> crate::Result<()> {
        let failed = self.failed_errors();
        if failed.is_empty() {
            return Ok(());
        }
        let which: Vec<String> = failed
            .iter()
            .map(|r| format!("{} on {}", r.rule, r.source_id))
            .collect();
        Err(crate::Error::new(
            manifest,
            "",
            format!(
                "{} rule result(s) of severity error failed: {}",
                failed.len(),
                which.join(", ")
            ),
            "correct the records or the specs (the quarantine of `ilms run` lists every failing record)",
        ))
    }

    /// The cells published, flagged and withheld, in a sentence.
    pub fn cells_summary(&self) -> String {
        let status = &self.cell_status;
        format!(
            "{} ({} indicators): {} published, {} of them flagged unreliable (U, fewer than {} records); {} withheld (S): {} with fewer than {} records (or a mean or median dominated by one amount), {} more that would give those away, {} confidential (complete counts: small cells and their complements, not told apart)",
            self.cells,
            self.indicators.len(),
            status.published + status.unreliable,
            status.unreliable,
            self.reliability.unreliable_below,
            status.withheld_primary
                + status.withheld_secondary
                + status.withheld_confidential
                + status.withheld_validation,
            status.withheld_primary,
            self.reliability.withheld_below,
            status.withheld_secondary,
            status.withheld_confidential
        ) + &if status.not_available > 0 {
            format!(
                "; {} not available (O: no figure, a blank in a source's table, a part of the population or a breakdown the source does not give, or a source not published)",
                status.not_available
            )
        } else {
            String::new()
        }
    }

    /// Per source, what disclosure control did to its count tables (rates and shares follow).
    pub fn disclosure_table(&self) -> String {
        let mut out = format!(
            "{:<24} {:<24} {:>7} {:>9} {:>6} {:>8} {:>10} {:>10} {:>9}\n",
            "count cells by source",
            "policy",
            "cells",
            "published",
            "U",
            "withheld",
            "secondary",
            "persons",
            "headline"
        );
        for s in &self.sources {
            let d = &s.disclosure;
            if s.failed.is_some() {
                out.push_str(&format!(
                    "{:<24} {:<24} not published: the source failed (see below)\n",
                    s.id, d.policy
                ));
                continue;
            }
            out.push_str(&format!(
                "{:<24} {:<24} {:>7} {:>9} {:>6} {:>8} {:>10} {:>10} {:>9}\n",
                s.id,
                d.policy,
                d.cells,
                d.published,
                d.unreliable,
                d.withheld,
                d.withheld_secondary
                    .map_or("conf.".to_string(), |n| n.to_string()),
                d.persons_withheld
                    .map_or("conf.".to_string(), |p| format!("{p:.0}")),
                format!("{}/{}", d.headline_withheld, d.headline_cells)
            ));
        }
        out.push_str("(withheld includes secondary; persons: in withheld cells; conf.: kept confidential by the policy; headline: withheld of all headline cells; run_log.json: sources[].disclosure)\n");
        out
    }

    /// The validation report as a table for a person: every rule on every source, failures first.
    pub fn validation_table(&self) -> String {
        let mut rows: Vec<&validate::RuleResult> = self.validation.iter().collect();
        rows.sort_by_key(|r| (!r.failed(), r.severity, r.source_id.clone(), r.rule.clone()));
        let mut out = format!(
            "{:<18} {:<40} {:<8} {:>8} {:>8} {:>7} {:>8}  detail\n",
            "source", "rule", "severity", "items", "passes", "fails", "missing"
        );
        for r in rows {
            out.push_str(&format!(
                "{:<18} {:<40} {:<8} {:>8} {:>8} {:>7} {:>8}  {}\n",
                r.source_id,
                r.rule,
                r.severity.name(),
                r.items,
                r.passes,
                r.fails,
                r.missing,
                r.detail
            ));
        }
        out
    }
}

/// An indicator a source cannot give, because it lacks a variable: published as not available (no
/// cells), never as zero.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NotAvailable {
    /// The ILMS indicator id.
    pub indicator: String,
    /// The source (its id in the round).
    pub source_id: String,
    /// None: the whole indicator; else the one breakdown published at its total only.
    pub dimension: Option<String>,
    /// Harmonized columns the indicator needs that the source does not provide.
    pub missing: Vec<String>,
    /// Why, when it is not a missing variable: the source failed an error rule as a whole, its
    /// codes do not convert to the version, or no record could be placed in the breakdown.
    pub reason: Option<String>,
}

impl fmt::Display for NotAvailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(reason) = &self.reason {
            return write!(f, "{} for {}: {reason}", self.indicator, self.source_id);
        }
        write!(
            f,
            "{}{} for {}: the source does not provide {}",
            self.indicator,
            self.dimension
                .as_ref()
                .map(|d| format!(" by {d}"))
                .unwrap_or_default(),
            self.source_id,
            self.missing.join(", ")
        )
    }
}

/// What a run did with one source.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SourceReport {
    /// The source's id in the round.
    pub id: String,
    /// Records read from its raw file.
    pub read: usize,
    /// Records harmonized and kept (read = harmonized + quarantined).
    pub harmonized: usize,
    /// Records set aside with the rule they failed.
    pub quarantined: usize,
    /// Quarantined records per rule.
    pub quarantine_by_rule: BTreeMap<String, usize>,
    /// Rows of a workbook holding the source's own totals: set aside, not records.
    pub source_total_rows: usize,
    /// Per coded variable: how its raw codes were harmonized (the lines are in coverage.parquet).
    pub coverage: Vec<VariableCoverage>,
    /// What disclosure control withheld from its count tables, under which policy.
    pub disclosure: disclosure::DisclosureSummary,
    /// Why none of its cells is published, when it failed as a whole (e.g. every record quarantined).
    pub failed: Option<String>,
    /// Whether this run read the source or reused an earlier release's results for it.
    pub pass: Pass,
}

impl fmt::Display for Pass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pass::Ran { because } if because.is_empty() => write!(f, "ran"),
            Pass::Ran { because } => write!(f, "ran ({because})"),
            Pass::Reused { release } => write!(f, "reused from {release}"),
        }
    }
}

/// How a run came by a source's results.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Pass {
    /// Read from its raw file in this run.
    Ran {
        /// Why: which inputs changed, no earlier result, named with --source, ...
        because: String,
    },
    /// Taken from an earlier release whose inputs for it were the same.
    Reused {
        /// That release's id.
        release: String,
    },
}

/// The mapping coverage of one variable of a source: records by outcome.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct VariableCoverage {
    /// The harmonized variable (sex, occupation, ...).
    pub variable: String,
    /// Distinct raw codes met.
    pub raw_codes: usize,
    /// Records by outcome (mapped, not stated, not classified, quarantined (unmapped)).
    pub records: BTreeMap<String, u64>,
    /// Records whose code the official correspondence links to several targets, resolved by rule;
    /// and their share of the source's records.
    pub crosswalk_resolved: u64,
    /// `crosswalk_resolved` as a share of the records read.
    pub crosswalk_resolved_share: f64,
    /// Records whose older-version code was not converted (its links split across major groups
    /// or sections, or its version has no correspondence): tabulated in the source's own version
    /// only.
    pub not_converted: u64,
    /// For a variable coded in an older classification version (ISCO-88, ISIC Rev.3.1, ISCO-68,
    /// ISIC Rev.2): how each
    /// of its codes was treated, in code order (none for a variable in the current version).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conversion: Vec<CodeConversion>,
}

/// How one code of a source's older classification version was treated.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CodeConversion {
    /// The code in the source's own version (e.g. ISCO-88 5122).
    pub code: String,
    /// That version (isco88, isic31, isco68, isic2).
    pub version: String,
    /// unique, common_level, common_section (converted), split or no_correspondence (not
    /// converted).
    pub resolution: String,
    /// The groupings (`OCU_SKILL`) in which the converted code falls in another group than the
    /// code: the source's tables in the current version are not published. None otherwise.
    pub regrouped_in: Option<String>,
    /// The converted code (ISCO-08 / ISIC Rev.4); none where its links split or its version has
    /// no correspondence.
    pub converted_to: Option<String>,
    /// Records with the code.
    pub records: u64,
}

pub(crate) fn summarize_coverage(
    lines: &[harmonize::CoverageLine],
    read: usize,
) -> Vec<VariableCoverage> {
    let mut by_variable: BTreeMap<&str, VariableCoverage> = BTreeMap::new();
    for line in lines {
        let entry = by_variable
            .entry(&line.variable)
            .or_insert_with(|| VariableCoverage {
                variable: line.variable.clone(),
                ..Default::default()
            });
        entry.raw_codes += 1;
        *entry.records.entry(line.outcome.clone()).or_default() += line.records;
        let resolution = line.resolution.as_deref();
        let resolved = [
            Resolution::CommonLevel,
            Resolution::CommonSection,
            Resolution::Split,
        ];
        if resolved.iter().any(|r| resolution == Some(r.name())) {
            entry.crosswalk_resolved += line.records;
        }
        let not_converted = [Resolution::Split, Resolution::NoCorrespondence];
        if not_converted.iter().any(|r| resolution == Some(r.name())) {
            entry.not_converted += line.records;
        }
        add_conversion(&mut entry.conversion, line);
    }
    by_variable
        .into_values()
        .map(|mut v| {
            v.crosswalk_resolved_share = if read == 0 {
                0.0
            } else {
                v.crosswalk_resolved as f64 / read as f64
            };
            v
        })
        .collect()
}

/// Count `line`'s records under its older-version code (several raw codes of a national
/// codebook may map to one), where it has one.
fn add_conversion(conversion: &mut Vec<CodeConversion>, line: &harmonize::CoverageLine) {
    let (Some(version), Some(code), Some(resolution)) =
        (&line.version, &line.via_code, &line.resolution)
    else {
        return;
    };
    match conversion.binary_search_by(|c| c.code.as_str().cmp(code)) {
        Ok(at) => conversion[at].records += line.records,
        Err(at) => conversion.insert(
            at,
            CodeConversion {
                code: code.clone(),
                version: version.clone(),
                resolution: resolution.clone(),
                regrouped_in: line.regrouped_in.clone(),
                converted_to: line.harmonized.clone(),
                records: line.records,
            },
        ),
    }
}

impl RunReport {
    /// One line per source; run_log.json lists each indicator with the variables it lacks.
    fn not_available_lines(&self) -> Vec<String> {
        let mut by_source: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
        for n in &self.not_available {
            let entry = by_source.entry(&n.source_id).or_default();
            match &n.dimension {
                None => entry.0 += 1,
                Some(d) if !entry.1.contains(d) => entry.1.push(d.clone()),
                Some(_) => {}
            }
        }
        let lines = by_source
            .into_iter()
            .map(|(source, (indicators, breakdowns))| {
                let mut line = format!("not available from {source}: {indicators} indicators");
                if !breakdowns.is_empty() {
                    line.push_str(&format!("; no breakdown by {}", breakdowns.join(", ")));
                }
                line
            });
        lines.collect()
    }
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.round)?;
        writeln!(
            f,
            "{:<24} {:>10} {:>11} {:>12}  pass",
            "source", "read", "harmonized", "quarantined"
        )?;
        for s in &self.sources {
            writeln!(
                f,
                "{:<24} {:>10} {:>11} {:>12}  {}",
                s.id, s.read, s.harmonized, s.quarantined, s.pass
            )?;
            for (rule, n) in &s.quarantine_by_rule {
                writeln!(f, "{:<24} {:>36} {rule}", "", n)?;
            }
            if s.source_total_rows > 0 {
                writeln!(
                    f,
                    "{:<24} {:>36} source total rows set aside (not records)",
                    "", s.source_total_rows
                )?;
            }
        }
        let (read, clean, quarantined) = self.sources.iter().fold((0, 0, 0), |(r, c, q), s| {
            (r + s.read, c + s.harmonized, q + s.quarantined)
        });
        writeln!(
            f,
            "{:<24} {read:>10} {clean:>11} {quarantined:>12}",
            format!("{} sources", self.sources.len())
        )?;
        let status = &self.cell_status;
        writeln!(f, "cells: {}", self.cells_summary())?;
        if let Some(r) = &self.revisions {
            let (n, since) = (r.revised, &r.since);
            writeln!(
                f,
                "revised since release {since}: {n} cells (noted ilms:revised)"
            )?;
        }
        write!(f, "{}", self.disclosure_table())?;
        if status.withheld_validation > 0 {
            writeln!(
                f,
                "  and {} of a source whose tables failed an error-severity rule (see validation below)",
                status.withheld_validation
            )?;
        }
        for line in self.not_available_lines() {
            writeln!(f, "{line} (run_log.json: not_available)")?;
        }
        let failed: Vec<&validate::RuleResult> =
            self.validation.iter().filter(|r| r.failed()).collect();
        writeln!(
            f,
            "validation: {} rule results, {} with failures (full report: processed/validation.parquet, `ilms validate`)",
            self.validation.len(),
            failed.len()
        )?;
        for r in failed {
            writeln!(
                f,
                "  {} {} {} ({} of {}): {}",
                r.severity.name(),
                r.source_id,
                r.rule,
                r.fails,
                r.items,
                r.detail
            )?;
        }
        writeln!(
            f,
            "release {} (files as processed/ and charts/ show them):",
            self.release
        )?;
        for file in &self.files {
            writeln!(f, "  {}", file.display())?;
        }
        let stages: Vec<String> = self
            .seconds
            .iter()
            .map(|s| format!("{} {:.1} s", s.stage, s.seconds))
            .collect();
        writeln!(f, "time: {}", stages.join("; "))?;
        for problem in self.publish_warnings.iter().chain(&self.tidy_problems) {
            writeln!(f, "warning: {problem}")?;
        }
        Ok(())
    }
}
