//! A collection round: the manifest (`ilms.toml`), everything it names loaded and checked, and the
//! pipeline that runs the stages over it in order: ingest, harmonize, validate, tabulate, publish,
//! charts. Data only flows forward; each stage takes the previous stage's output.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use serde::Deserialize;

use crate::annual::{self, TableSpec};
use crate::charts::{self, ChartSpec};
use crate::classifications::Classifications;
use crate::disclosure;
use crate::error::{Error, Result};
use crate::export;
use crate::harmonize::{self, RECORD_COLUMNS};
use crate::indicators::Indicator;
use crate::indicators::Indicators;
use crate::ingest;
use crate::installation;
use crate::paths::{self, RoundFolder};
use crate::plausibility;
use crate::progress::Progress;
use crate::publish::{FileChecksum, Folder, Outputs, Provenance, Release};
use crate::repeated_ids::{self, IdHashes};
use crate::rules::{Rules, Severity};
use crate::spec::SourceSpec;
use crate::tabulate::{self, Cells};
use crate::validate;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    round: RoundSection,
    output: OutputSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoundSection {
    name: String,
    sources: Vec<PathBuf>,
    indicators: PathBuf,
    #[serde(default = "default_charts")]
    charts: PathBuf,
    /// Annual tables for focal points.
    #[serde(default = "default_tables")]
    tables: PathBuf,
    classifications: PathBuf,
    /// Folder of validation rule files (`*.toml`).
    #[serde(default = "default_rules")]
    rules: PathBuf,
    /// Disclosure policies per kind of source.
    #[serde(default = "default_disclosure")]
    disclosure: PathBuf,
    /// Folders outside the round's own that its paths may lead to (e.g. a shared raw-data drive).
    #[serde(default)]
    outside_folders: Vec<PathBuf>,
}

fn default_disclosure() -> PathBuf {
    "schemas/disclosure.toml".into()
}

fn default_charts() -> PathBuf {
    "schemas/charts.toml".into()
}

fn default_tables() -> PathBuf {
    "schemas/tables.toml".into()
}

fn default_rules() -> PathBuf {
    "schemas/rules".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    processed: PathBuf,
    charts: PathBuf,
    /// Publish the harmonized records (processed/harmonized/*.parquet). Writing them is most of the
    /// cost of a large round; a round that only needs indicators can turn it off.
    #[serde(default = "default_true")]
    records: bool,
    /// Where releases are kept (processed/ and charts/ link to the current one).
    #[serde(default = "default_releases")]
    releases: PathBuf,
    /// How many releases are kept, the current one included.
    #[serde(default = "default_keep_releases")]
    keep_releases: usize,
}

fn default_releases() -> PathBuf {
    "releases".into()
}

fn default_keep_releases() -> usize {
    5
}

fn default_true() -> bool {
    true
}

/// A loaded, checked round. Loading reads specs, code lists and raw-file headers, never records.
pub struct Round {
    pub manifest: PathBuf,
    /// Folder relative paths start from (the manifest's folder).
    pub root: PathBuf,
    pub name: String,
    pub classifications: Classifications,
    pub sources: Vec<SourceSpec>,
    pub indicators: Indicators,
    pub rules: Rules,
    pub disclosure: disclosure::Policies,
    pub charts: Vec<ChartSpec>,
    pub tables: Vec<TableSpec>,
    /// The release folders and the links users open (`processed/`, `charts/`, `.ilms/private`).
    pub outputs: Outputs,
    /// Whether harmonized records are published (`[output] records`).
    pub publish_records: bool,
}

/// Options for [`Round::run`].
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Draw progress bars on stderr (when it is a terminal).
    pub progress: bool,
    /// Publish the other sources when one fails as a whole (its cells are then not available,
    /// with the reason); without it such a run publishes nothing and fails.
    pub keep_going: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            progress: true,
            keep_going: false,
        }
    }
}

/// What a run did, per source and in total.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    pub round: String,
    pub sources: Vec<SourceReport>,
    pub cells: usize,
    /// Cells by status: published, flagged unreliable ("U"), withheld ("S") as primary and as
    /// secondary suppressions.
    pub cell_status: CellStatusCounts,
    /// The reliability thresholds applied.
    pub reliability: crate::indicators::Reliability,
    /// Indicators declared (each may be several tables, one per classification version).
    pub indicators: Vec<String>,
    /// ILMS indicators not declared, with the reason.
    pub not_declared: Vec<crate::indicators::NotDeclared>,
    /// Indicators a source could not produce, with the harmonized columns it lacks.
    pub not_available: Vec<NotAvailable>,
    /// Every rule's result on every source it applies to (also in validation.parquet).
    pub validation: Vec<validate::RuleResult>,
    pub files: Vec<PathBuf>,
    pub provenance: Provenance,
    /// The release's id (its folder under `[output] releases`).
    pub release: String,
    /// Old releases that could not be removed after this one became current.
    #[serde(skip)]
    pub tidy_problems: Vec<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CellStatusCounts {
    pub published: usize,
    pub unreliable: usize,
    pub withheld_primary: usize,
    pub withheld_secondary: usize,
    /// Withheld, primary or secondary, under a policy that does not say which.
    pub withheld_confidential: usize,
    /// Withheld because an error-severity rule on the source's tables failed.
    pub withheld_validation: usize,
    /// No value: the source gives no figure for (part of) the cell (obs_status "O").
    pub not_available: usize,
}

impl CellStatusCounts {
    fn of(cells: &Cells) -> CellStatusCounts {
        let mut counts = CellStatusCounts::default();
        for (status, suppressed) in cells.obs_status.iter().zip(&cells.suppressed) {
            match (status.as_deref(), suppressed.as_deref()) {
                (_, Some("primary")) => counts.withheld_primary += 1,
                (_, Some("validation")) => counts.withheld_validation += 1,
                (_, Some("confidential")) => counts.withheld_confidential += 1,
                (_, Some(_)) => counts.withheld_secondary += 1,
                (Some("U"), None) => counts.unreliable += 1,
                (Some(crate::tabulate::NOT_AVAILABLE), None) => counts.not_available += 1,
                _ => counts.published += 1,
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

    /// The cells published, flagged and withheld, in a sentence.
    pub fn cells_summary(&self) -> String {
        let status = &self.cell_status;
        format!(
            "{} ({} indicators): {} published, {} of them flagged unreliable (U, fewer than {} records); {} withheld (S): {} with fewer than {} records, {} more that would give those away, {} confidential (complete counts: small cells and their complements, not told apart)",
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
                "; {} not available (O: no figure, for a blank in a source's table or a source not published)",
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
#[derive(Debug, Clone, serde::Serialize)]
pub struct NotAvailable {
    pub indicator: String,
    pub source_id: String,
    /// None: the whole indicator; else the one breakdown published at its total only.
    pub dimension: Option<String>,
    /// Harmonized columns the indicator needs that the source does not provide.
    pub missing: Vec<String>,
    /// Why, when it is not a missing variable: the source failed an error rule as a whole.
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

/// What processing one source produced.
struct SourceOutcome {
    report: SourceReport,
    validation: Vec<validate::RuleResult>,
    flows: Vec<validate::FlowTotal>,
    coverage: Vec<harmonize::CoverageLine>,
    cells: Cells,
    not_available: Vec<NotAvailable>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceReport {
    pub id: String,
    pub read: usize,
    pub harmonized: usize,
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
}

/// The mapping coverage of one variable of a source: records by outcome.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VariableCoverage {
    pub variable: String,
    /// Distinct raw codes met.
    pub raw_codes: usize,
    /// Records by outcome (mapped, not stated, not classified, quarantined (unmapped)).
    pub records: BTreeMap<String, u64>,
    /// Records whose code the official correspondence links to several targets, resolved by rule;
    /// and their share of the source's records.
    pub crosswalk_resolved: u64,
    pub crosswalk_resolved_share: f64,
}

fn summarize_coverage(lines: &[harmonize::CoverageLine], read: usize) -> Vec<VariableCoverage> {
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
        if line.resolution.as_deref().is_some_and(|r| r != "unique") {
            entry.crosswalk_resolved += line.records;
        }
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

/// Load and check the round's specs (each source id once); a key for hashed record ids if one
/// needs it.
fn load_sources(
    spec_paths: &[PathBuf],
    folder: &RoundFolder,
    classifications: &Classifications,
) -> Result<Vec<SourceSpec>> {
    let mut sources: Vec<SourceSpec> = Vec::new();
    for spec_path in spec_paths {
        let mut spec = SourceSpec::load(spec_path, folder, classifications)?;
        if spec.hashes_record_id() {
            spec.id_key = Some(installation::id_key(&folder.root)?);
        }
        if sources.iter().any(|s| s.source.id == spec.source.id) {
            return Err(Error::new(
                &spec.spec_path,
                "source.id",
                format!(
                    "source id '{}' is used by another spec of the round",
                    spec.source.id
                ),
                "give each source its own id",
            ));
        }
        sources.push(spec);
    }
    Ok(sources)
}

impl Round {
    /// Load the manifest and check everything it names (specs, classifications, indicators, raw
    /// headers) before any record is read.
    pub fn load(manifest: impl AsRef<Path>) -> Result<Round> {
        let manifest = manifest.as_ref();
        let parsed: ManifestFile = crate::error::read_toml(
            manifest,
            "round manifest",
            "correct the manifest (README: Configuration)",
        )?;
        // An empty root (manifest in the working folder) keeps printed paths short: "processed/...".
        let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
        let folder = RoundFolder {
            root: root.clone(),
            outside: parsed
                .round
                .outside_folders
                .iter()
                .map(|f| root.join(f))
                .collect(),
        };
        let at = |key: &str, path: &Path| {
            folder
                .resolve(path)
                .map_err(|problem| Error::new(manifest, key, problem, paths::OUTSIDE_FIX))
        };
        if parsed.output.keep_releases < 2 {
            return Err(Error::new(
                manifest,
                "output.keep_releases",
                format!("{} releases kept", parsed.output.keep_releases),
                "keep at least 2: the previous release stays while readers that opened it finish",
            ));
        }
        let classifications =
            Classifications::load(&at("round.classifications", &parsed.round.classifications)?)?;
        let spec_paths = parsed
            .round
            .sources
            .iter()
            .map(|p| at("round.sources", p))
            .collect::<Result<Vec<_>>>()?;
        let sources = load_sources(&spec_paths, &folder, &classifications)?;
        let indicators = Indicators::load(
            &at("round.indicators", &parsed.round.indicators)?,
            &classifications,
            &harmonize::record_schema(),
        )?;
        let rules = Rules::load(
            &at("round.rules", &parsed.round.rules)?,
            &harmonize::record_schema(),
        )?;
        plausibility::check_declared(&rules, &sources, &indicators)?;
        let disclosure =
            disclosure::Policies::load(&at("round.disclosure", &parsed.round.disclosure)?)?;
        for spec in &sources {
            disclosure.for_source(spec)?;
        }
        let tables = annual::load_specs(&at("round.tables", &parsed.round.tables)?, &indicators)?;
        let table_ids: Vec<&str> = tables.iter().map(|t| t.id.as_str()).collect();
        let charts_path = at("round.charts", &parsed.round.charts)?;
        let charts = charts::load_specs(&charts_path, &indicators, &table_ids)?;
        Ok(Round {
            manifest: manifest.to_path_buf(),
            name: parsed.round.name,
            outputs: Outputs {
                processed: at("output.processed", &parsed.output.processed)?,
                charts: at("output.charts", &parsed.output.charts)?,
                private: root.join(".ilms").join("private"),
                releases: at("output.releases", &parsed.output.releases)?,
                private_releases: root.join(".ilms").join("private-releases"),
                keep: parsed.output.keep_releases,
            },
            publish_records: parsed.output.records,
            root,
            classifications,
            sources,
            indicators,
            rules,
            disclosure,
            charts,
            tables,
        })
    }

    /// The sample surveys' reliability thresholds (footnotes and summaries quote them).
    pub fn reliability(&self) -> crate::indicators::Reliability {
        let survey = self.disclosure.survey();
        crate::indicators::Reliability {
            unreliable_below: survey.unreliable_below,
            withheld_below: survey.withheld_below,
        }
    }

    /// Each source's title by its ILOSTAT source code ("FX:ID"), for notes and source lines.
    pub fn source_titles(&self) -> BTreeMap<String, String> {
        self.sources
            .iter()
            .map(|s| (s.source.ilostat_source(), s.source.title.clone()))
            .collect()
    }

    /// What annual tables need from the round.
    pub fn table_context<'a>(
        &'a self,
        source_titles: &'a BTreeMap<String, String>,
    ) -> annual::TableContext<'a> {
        annual::TableContext {
            classifications: &self.classifications,
            indicators: &self.indicators,
            source_titles,
            reliability: self.reliability(),
            round_name: &self.name,
            failed: Vec::new(),
        }
    }

    /// The cells the current release published (`processed/indicators/`).
    pub fn published_cells(&self) -> Result<Cells> {
        // Resolved once: a run that makes another release current meanwhile is not half-read.
        let processed = self.outputs.current(Folder::Processed);
        if !processed.join("indicators").is_dir() {
            return Err(Error::new(
                self.outputs.processed.join("indicators"),
                "",
                "no published indicators",
                "run `ilms run` first",
            ));
        }
        let read = |e| Error::polars(&self.outputs.processed, "read the published cells", e);
        let frame = crate::query::scan_indicators(&processed)?
            .collect()
            .map_err(read)?;
        Cells::from_frame(&frame).map_err(read)
    }

    /// Run every stage and publish one release, made current in one step (`ilms run`).
    ///
    /// Each source is streamed from its raw file (see `process_source`); only small tables (the
    /// aggregation, the cells) are held in memory, whatever the file size.
    pub fn run(&self, options: &RunOptions) -> Result<RunReport> {
        // Held until the release is current: a second run in this round refuses meanwhile.
        let _lock = installation::RunLock::take(&self.root)?;
        self.run_into(options, &self.outputs, true)
    }

    /// Run every stage and every rule, but publish nothing: the outputs are made in a temporary
    /// folder and thrown away. For `ilms validate`.
    pub fn validate(&self, options: &RunOptions) -> Result<RunReport> {
        let scratch = std::env::temp_dir().join(format!("ilms-validate-{}", std::process::id()));
        let result = self.run_into(options, &Outputs::under(&scratch, 1), false);
        let _ = std::fs::remove_dir_all(&scratch);
        result
    }

    /// Check each spec's expressions against the values its raw file holds (`ilms check`; a run
    /// checks each source as it processes it, so that --keep-going can go past one).
    pub fn check_expressions(&self) -> Result<()> {
        self.sources
            .iter()
            .try_for_each(|spec| ingest::check_expressions(spec, &ingest::ingest(spec)?))
    }

    /// Keep only the sources `ids` and send their release to `out` (`processed/`, `charts/` and
    /// `private/` under it): a trial run of one source that leaves the round's release as it is.
    pub fn only_sources(&mut self, ids: &[String], out: &Path) -> Result<()> {
        for id in ids {
            if !self.sources.iter().any(|s| &s.source.id == id) {
                let known: Vec<&str> = self.sources.iter().map(|s| s.source.id.as_str()).collect();
                return Err(Error::new(
                    &self.manifest,
                    "--source",
                    format!("no source '{id}' in the round"),
                    format!("use one of: {}", known.join(", ")),
                ));
            }
        }
        self.sources.retain(|s| ids.contains(&s.source.id));
        // Compared as absolute paths: "./processed" is "processed".
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let round = &self.outputs;
        let out_abs = absolute(out);
        let overlaps = [
            &round.processed,
            &round.charts,
            &round.private,
            &round.releases,
            &round.private_releases,
        ]
        .iter()
        .map(|folder| absolute(folder))
        .any(|folder| out_abs.starts_with(&folder) || folder.starts_with(&out_abs));
        if overlaps {
            return Err(Error::new(
                out,
                "--out",
                "a run of some sources would replace the round's release",
                "give a folder of its own, e.g. --out runs/MYS_LFS_2024",
            ));
        }
        self.outputs = Outputs::under(out, round.keep);
        Ok(())
    }

    /// Run every stage into a release of `outputs`, made current if `publish`.
    fn run_into(
        &self,
        options: &RunOptions,
        outputs: &Outputs,
        publish: bool,
    ) -> Result<RunReport> {
        let progress = Progress {
            enabled: options.progress,
        };
        let provenance = self.provenance()?;
        let mut release = Release::begin(outputs, &provenance)?;

        let bar = progress.records("records", self.sources.len());
        let mut cells = Cells::default();
        let mut sources = Vec::new();
        let mut not_available = Vec::new();
        let mut coverage = Vec::new();
        let mut validation = Vec::new();
        let mut flows = Vec::new();
        for spec in &self.sources {
            bar.set_message(format!(
                "{}: ingest, harmonize, validate, tabulate",
                spec.source.id
            ));
            let mark = release.mark();
            let outcome = match self.process_source(spec, &mut release) {
                Ok(outcome) => outcome,
                // Under --keep-going a source that cannot be processed is left out like one that
                // failed a rule: none of its files, its indicators not available, the reason told.
                Err(e) if options.keep_going => {
                    release.roll_back(mark);
                    self.unprocessed(spec, &e)
                }
                Err(e) => return Err(e),
            };
            cells.append(outcome.cells);
            not_available.extend(outcome.not_available);
            validation.extend(outcome.validation);
            flows.extend(outcome.flows);
            coverage.extend(
                outcome
                    .coverage
                    .into_iter()
                    .map(|line| (outcome.report.id.clone(), line)),
            );
            sources.push(outcome.report);
            bar.inc(1);
        }
        bar.finish_with_message("done");
        self.stop_if_a_source_failed(options, &sources)?;
        if let Some(rule) = &self.rules.coherence {
            validation.extend(validate::check_coherence(rule, &flows));
        }

        let titles = self.source_titles();
        let tables: Vec<annual::AnnualTable> = self
            .tables
            .iter()
            .map(|spec| {
                let mut context = self.table_context(&titles);
                context.failed = self.failed_sources(&sources);
                annual::build(spec, &cells, &context)
            })
            .collect();
        let planned = charts::plan(
            &self.charts,
            &cells,
            &charts::ChartContext {
                classifications: &self.classifications,
                source_titles: &titles,
                tables: &tables,
                round_name: &self.name,
            },
        );
        let bar = progress.stage("publish", 3 + tables.len() + planned.len());
        let frame = cells.to_frame().map_err(|e| {
            Error::polars(&self.outputs.processed, "assemble the indicator cells", e)
        })?;
        release.write_partitioned(
            Folder::Processed,
            "indicators",
            &frame,
            &["ref_area", "time"],
        )?;
        let csv = export::ilostat_csv(&frame)
            .map_err(|e| Error::polars(&self.outputs.processed, "write the ILOSTAT CSV", e))?;
        release.write_text(Folder::Processed, "indicators_ilostat.csv", csv)?;
        let sdmx = export::sdmx_csv(&frame)
            .map_err(|e| Error::polars(&self.outputs.processed, "write the SDMX-CSV", e))?;
        release.write_text(Folder::Processed, "indicators_sdmx.csv", sdmx)?;
        bar.inc(1);
        // Coverage counts records per raw code: a protected source's go to the private folder.
        let protected: BTreeSet<&String> = self
            .sources
            .iter()
            .filter(|s| self.disclosure.for_source(s).is_ok_and(|p| p.protects()))
            .map(|s| &s.source.id)
            .collect();
        let (private, public): (Vec<_>, Vec<_>) = coverage
            .into_iter()
            .partition(|(id, _)| protected.contains(id));
        for (folder, lines) in [(Folder::Processed, public), (Folder::Private, private)] {
            let mut frame = coverage_frame(&lines).map_err(|e| {
                Error::polars(&self.outputs.processed, "assemble the coverage report", e)
            })?;
            release.write_parquet(folder, "coverage.parquet", &mut frame)?;
        }
        let mut frame = validation_frame(&validation).map_err(|e| {
            Error::polars(&self.outputs.processed, "assemble the validation report", e)
        })?;
        release.write_parquet(Folder::Processed, "validation.parquet", &mut frame)?;
        bar.inc(1);
        bar.set_message("annual tables");
        for table in &tables {
            for (name, bytes) in table.files()? {
                release.write_text(Folder::Processed, &format!("tables/{name}"), bytes)?;
            }
            bar.inc(1);
        }
        bar.set_message("charts");
        let mut chart_svgs = Vec::new();
        for chart in &planned {
            let svg = release.path(Folder::Charts, format!("{}.svg", chart.stem))?;
            let png = release.path(Folder::Charts, format!("{}.png", chart.stem))?;
            charts::render(chart, &svg, &png)?;
            let text = std::fs::read_to_string(&svg)
                .map_err(|e| Error::io(&svg, "read the chart back for the report", e))?;
            chart_svgs.push((chart.title.clone(), text));
            bar.inc(1);
        }
        let log_path = release.final_path(Folder::Processed, "run_log.json");
        let mut report = RunReport {
            round: self.name.clone(),
            sources,
            cells: cells.len(),
            cell_status: CellStatusCounts::of(&cells),
            reliability: self.reliability(),
            validation,
            indicators: self.indicators.ids(),
            not_declared: self.indicators.not_declared.clone(),
            not_available,
            files: release.final_paths(),
            provenance,
            release: release.id().to_string(),
            tidy_problems: Vec::new(),
        };
        let report_path = release.final_path(Folder::Processed, "report.html");
        report.files.push(report_path);
        report.files.push(log_path.clone());
        let page = crate::report::html(&crate::report::ReportInput {
            report: &report,
            cells: &cells,
            sources: self
                .sources
                .iter()
                .map(|s| crate::report::ReportSource {
                    id: s.source.id.clone(),
                    title: s.source.title.clone(),
                    ref_area: s.source.ref_area.clone(),
                    time: s.source.time.clone(),
                    code: s.source.ilostat_source(),
                })
                .collect(),
            tables: &tables,
            charts: chart_svgs,
            classifications: &self.classifications,
        });
        release.write_text(Folder::Processed, "report.html", page)?;
        let log = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::new(&log_path, "", e.to_string(), "report this bug"))?;
        release.write_text(Folder::Processed, "run_log.json", &log)?;
        bar.inc(1);
        if publish {
            report.tidy_problems = release.commit()?.problems;
        }
        bar.finish_with_message("done");
        Ok(report)
    }

    /// Build every stage's plans for one source, run them, and conclude.
    ///
    /// Two streaming passes over the raw file. Polars buffers a shared stream for its slowest
    /// consumer without bound, so the slow consumer, the harmonized-records Parquet sink, runs alone
    /// in the first pass; the second feeds fast consumers: the quarantine sink, the rule counts, and
    /// one grouping of the records from which the reconciliation counts, every indicator's cells and
    /// the coverage report are read. Memory does not grow with the file; the grouping's grows with
    /// its combinations (BENCHMARKS.md, "Census-like combinations").
    fn process_source(&self, spec: &SourceSpec, release: &mut Release) -> Result<SourceOutcome> {
        let id = &spec.source.id;
        // Read once; each pass clones the plan (a lazy scan, or an in-memory table, shared).
        let raw = ingest::ingest(spec)?;
        ingest::check_expressions(spec, &raw)?;
        let total_rows = raw.total_rows;
        let provided = harmonize::provided_columns(spec);
        let harmonized = || {
            harmonize::harmonize(spec, &self.classifications, raw.clone())
                .map_err(|e| Error::polars(&spec.spec_path, "plan the harmonization", e))
        };
        let run = |plans: Vec<LazyFrame>| {
            LazyFrame::collect_all_with_engine(
                plans.into_iter().map(|p| p.logical_plan).collect(),
                Engine::Streaming,
                OptFlags::default(),
            )
            .map_err(|e| {
                ingest::explain_read_error(spec, &e)
                    .unwrap_or_else(|| Error::polars(&spec.raw_path, "process the records", e))
            })
        };

        // Uniqueness needs every id seen before any record is judged. The passes judge the records
        // as if no id repeated and find, on the way, the id hashes that do; only if some id is
        // confirmed repeated (on the ids themselves: hashes can collide) are the passes run again,
        // knowing it. A source without repeated ids gets no pass of its own for them.
        let finds_duplicates = !validate::unique_rules_for(spec, &self.rules).is_empty();
        let mut duplicates = validate::no_duplicates();
        let policy = self.disclosure.for_source(spec)?;
        // A protected source's records would give its withheld cells away: not in the release.
        let records_folder = if policy.protects() {
            Folder::Private
        } else {
            Folder::Processed
        };
        let clean_file = format!("harmonized/{id}.parquet");
        let quarantine_file = format!("quarantine/{id}.parquet");
        let (mut produced, mut not_available) = self.availability(spec, &provided);
        let record_key = match policy.perturbation {
            Some(_) => Some(disclosure::cell_key::record_key(
                &installation::id_key(&self.root)?,
                id,
            )),
            None => None,
        };
        let (validation, results) = loop {
            let plan = validate::plan(spec, harmonized()?, &self.rules, &provided, &duplicates);
            if self.publish_records {
                run(vec![release.sink_parquet(
                    records_folder,
                    &clean_file,
                    published_records(spec, plan.clean()),
                )?])?;
            }

            // The quarantine sink and the aggregation share one scan through an explicit cache.
            let validation = plan.cached();
            let mut plans = vec![
                release.sink_parquet(records_folder, &quarantine_file, validation.quarantine())?,
                tabulate::combinations(
                    &produced,
                    validation.checked(),
                    validate::RULE,
                    &harmonize::coverage_columns(spec),
                    record_key.clone(),
                    spec.is_aggregate(),
                ),
                validation.counts(),
                validate::flow_totals_plan(validation.checked()),
            ];
            plans.extend(validation.stop_plans());
            let looks_for_duplicates = finds_duplicates && duplicates.height() == 0;
            let id_hashes = Arc::new(Mutex::new(IdHashes::new(
                release.scratch_path(&format!("id-hashes/{id}")),
            )));
            if looks_for_duplicates {
                plans.push(
                    validate::id_hashes_sink(spec, validation.checked(), id_hashes.clone())
                        .map_err(|e| {
                            Error::polars(&spec.spec_path, "plan the uniqueness check", e)
                        })?,
                );
            }
            let ran = run(plans);
            let mut id_hashes = std::mem::take(
                &mut *id_hashes
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            if let Some((path, e)) = id_hashes.take_failure() {
                return Err(Error::io(
                    path,
                    "write the record-id hashes of the uniqueness check",
                    e,
                ));
            }
            let results = ran?;
            if looks_for_duplicates {
                let candidates = id_hashes
                    .repeated(repeated_ids::MAX_SORTED)
                    .map_err(|(path, e)| Error::io(path, "read back the record-id hashes", e))?;
                if !candidates.is_empty() {
                    let confirmed = run(vec![validate::duplicates_plan(
                        spec,
                        raw.clone(),
                        validate::candidates_frame(candidates).map_err(|e| {
                            Error::polars(&spec.raw_path, "list the repeated record ids", e)
                        })?,
                    )])?
                    .pop()
                    .unwrap_or_else(validate::no_duplicates);
                    if confirmed.height() > 0 {
                        duplicates = confirmed;
                        continue;
                    }
                }
            }
            break (validation, results);
        };
        let stop_count = validation.stop_plans().len();
        let (combinations, rule_counts) = (&results[1], &results[2]);
        tabulate::check_weight_sums(spec, combinations, validate::RULE)?;
        let aggregated = &tabulate::aggregate(
            &produced,
            combinations.clone().lazy(),
            validate::RULE,
            record_key.is_some(),
            spec.is_aggregate(),
        )
        .collect()
        .map_err(|e| Error::polars(&spec.spec_path, "aggregate the records", e))?;
        let flows = validate::flow_totals(spec, &results[3])?;
        let stops = &results[4..4 + stop_count];
        let coverage = harmonize::coverage_counts(spec, combinations)
            .and_then(|counts| harmonize::coverage_lines(spec, &counts))
            .map_err(|e| Error::polars(&spec.raw_path, "report the mapping coverage", e))?;

        let clean_written = if self.publish_records {
            Some(release.staged_rows(records_folder, &clean_file)?)
        } else {
            None
        };
        let quarantine_written = release.staged_rows(records_folder, &quarantine_file)?;
        let summary =
            validation.conclude(spec, aggregated, stops, clean_written, quarantine_written)?;
        let mut tables = Vec::new();
        for table in &produced {
            tables.push(tabulate::roll_up(
                spec,
                &produced,
                table,
                tabulate::collapsed(table, &provided),
                aggregated,
                validate::RULE,
            )?);
        }
        // Disaggregation is checked on the engine's values, before anything is withheld.
        let mut checks = validation.results(spec, rule_counts)?;
        let gate = validate::check_quarantined(&self.rules.quarantined, id, &summary);
        let mut failure = fails_source(&gate);
        checks.push(gate);
        if let (None, Some(rule)) = (&failure, &self.rules.empty_universe) {
            let judged = judge_universes(rule, spec, &mut tables, &mut produced);
            failure = fails_source(&judged.result);
            not_available.extend(judged.out_of_scope);
            checks.push(judged.result);
        }
        let (gate_rule, source_failed) = failure.unzip();
        let mut unprotected = Cells::default();
        for table in &tables {
            unprotected.append(table.cells(spec, false));
        }
        let totals = self
            .indicators
            .list
            .iter()
            .flat_map(|t| t.dimensions.iter().map(|d| d.total.clone()))
            .collect();
        checks.extend(validate::check_cells(
            &self.rules.cells,
            &unprotected,
            &totals,
            id,
        ));
        let (mut cells, disclosure) =
            self.protected_cells(spec, &produced, &mut tables, aggregated, &mut not_available)?;
        if let Some(rule) = &self.rules.source_totals {
            checks.extend(validate::check_source_totals(rule, &raw.total_checks, id));
        }
        checks.extend(plausibility::ranges(&self.rules.ranges, &cells, spec));
        if let Some(rule) = &self.rules.benchmark {
            checks.extend(plausibility::benchmarks(
                rule,
                &spec.benchmarks,
                &cells,
                spec,
            ));
        }
        // Rules that failed on this source: warnings annotate its cells, errors on its tables
        // withhold them (record-level errors have already quarantined their records).
        let failed = |severity: Severity| -> Vec<String> {
            checks
                .iter()
                .filter(|r| r.failed() && r.severity == severity)
                .filter(|r| {
                    severity != Severity::Error
                        || ["part_whole", "source_totals"].contains(&r.kind.as_str())
                })
                .map(|r| r.rule.clone())
                .collect()
        };
        cells.apply_validation(&failed(Severity::Warning), &failed(Severity::Error));
        let mut disclosure = disclosure;
        if let (Some(rule), Some(reason)) = (&gate_rule, &source_failed) {
            // Its quarantine says why; its clean records are not part of the release.
            release.forget(records_folder, &clean_file);
            let withdrawn = Withdrawn::new(spec, &produced, rule, reason, disclosure.policy);
            (cells, not_available, disclosure) = (
                withdrawn.cells,
                withdrawn.not_available,
                withdrawn.disclosure,
            );
        }
        // An indicator with several tables is listed once per breakdown.
        not_available.dedup_by(|a, b| {
            (&a.indicator, &a.dimension, &a.source_id) == (&b.indicator, &b.dimension, &b.source_id)
        });
        Ok(SourceOutcome {
            report: SourceReport {
                id: id.clone(),
                read: summary.read,
                harmonized: summary.clean,
                quarantined: summary.quarantined,
                quarantine_by_rule: summary.by_rule,
                source_total_rows: total_rows,
                coverage: summarize_coverage(&coverage, summary.read),
                disclosure,
                failed: source_failed,
            },
            coverage,
            cells,
            not_available,
            validation: checks,
            flows,
        })
    }

    /// Disclosure control on a source's count tables under its policy, then every cell it
    /// publishes: the count tables' and the rates and shares derived from them (an indicator whose
    /// counts the source lacks is added to `not_available`).
    fn protected_cells(
        &self,
        spec: &SourceSpec,
        produced: &[&Indicator],
        tables: &mut [tabulate::Table],
        aggregated: &DataFrame,
        not_available: &mut Vec<NotAvailable>,
    ) -> Result<(Cells, disclosure::DisclosureSummary)> {
        let policy = self.disclosure.for_source(spec)?;
        // Only a suppression pattern needs the links (one pass over the combinations).
        let links = if policy.secondary == disclosure::Secondary::Suppression {
            tabulate::population_links(produced, aggregated, validate::RULE)
                .map_err(|e| Error::polars(&spec.raw_path, "relate the universes", e))?
        } else {
            Vec::new()
        };
        let summary = disclosure::protect(tables, &links, policy, &self.disclosure, spec)?;
        let mut cells = Cells::default();
        for table in tables.iter() {
            cells.append(table.cells(spec, true));
        }
        for table in self.indicators.list.iter().filter(|t| !t.is_count()) {
            match tabulate::derive(spec, table, tables) {
                Some(derived) => cells.append(derived),
                None => not_available.push(NotAvailable {
                    indicator: table.id.clone(),
                    source_id: spec.source.id.clone(),
                    dimension: None,
                    missing: vec!["the count indicators it is computed from".into()],
                    reason: None,
                }),
            }
        }
        Ok((cells, summary))
    }

    /// Without `keep_going`, a source that failed as a whole stops the run before anything is
    /// published: the previous release stays.
    fn stop_if_a_source_failed(
        &self,
        options: &RunOptions,
        sources: &[SourceReport],
    ) -> Result<()> {
        if options.keep_going {
            return Ok(());
        }
        let failed: Vec<String> = sources
            .iter()
            .filter_map(|s| s.failed.as_ref().map(|why| format!("{}: {why}", s.id)))
            .collect();
        // The reports are in the order of the round's sources.
        let Some((spec, _)) = self
            .sources
            .iter()
            .zip(sources)
            .find(|(_, report)| report.failed.is_some())
        else {
            return Ok(());
        };
        Err(Error::new(
            &spec.spec_path,
            "",
            format!("nothing published: {}", failed.join("; ")),
            "correct the spec or the raw file (`ilms validate` lists the rules; the quarantine reasons are in its report), or run with --keep-going to publish the other sources, this one as not available",
        ))
    }

    /// The outcome of a source that could not be processed (`error`): nothing of it published.
    fn unprocessed(&self, spec: &SourceSpec, error: &Error) -> SourceOutcome {
        // The first line says where and what; the rest (a query plan, the fix) is for the terminal.
        let message = error.to_string();
        let first = message.lines().next().unwrap_or_default();
        let reason = format!("the source could not be processed: {first}");
        let (produced, _) = self.availability(spec, &harmonize::provided_columns(spec));
        let policy = self.disclosure.for_source(spec).map(|p| p.name.clone());
        let withdrawn = Withdrawn::new(
            spec,
            &produced,
            UNPROCESSED,
            &reason,
            policy.unwrap_or_default(),
        );
        SourceOutcome {
            not_available: withdrawn.not_available,
            report: SourceReport {
                id: spec.source.id.clone(),
                read: 0,
                harmonized: 0,
                quarantined: 0,
                quarantine_by_rule: BTreeMap::new(),
                source_total_rows: 0,
                coverage: Vec::new(),
                disclosure: withdrawn.disclosure,
                failed: Some(reason),
            },
            validation: Vec::new(),
            flows: Vec::new(),
            coverage: Vec::new(),
            cells: withdrawn.cells,
        }
    }

    /// The sources of this run that failed as a whole, for the annual tables.
    fn failed_sources(&self, sources: &[SourceReport]) -> Vec<annual::FailedSource> {
        sources
            .iter()
            .filter_map(|report| {
                let reason = report.failed.clone()?;
                let spec = self.sources.iter().find(|s| s.source.id == report.id)?;
                let (produced, _) = self.availability(spec, &harmonize::provided_columns(spec));
                Some(annual::FailedSource {
                    indicators: produced.iter().map(|t| t.id.clone()).collect(),
                    ref_area: spec.source.ref_area.clone(),
                    time: spec.source.time.clone(),
                    source: spec.source.ilostat_source(),
                    reason,
                })
            })
            .collect()
    }

    /// The count tables a source can produce, and what it cannot: indicators whose universe or
    /// breakdown needs a variable it lacks (not available), and optional breakdowns it publishes at
    /// their total only.
    fn availability<'a>(
        &'a self,
        spec: &SourceSpec,
        provided: &BTreeSet<String>,
    ) -> (Vec<&'a Indicator>, Vec<NotAvailable>) {
        let mut produced = Vec::new();
        let mut not_available: Vec<NotAvailable> = Vec::new();
        for table in self.indicators.list.iter().filter(|t| t.is_count()) {
            let missing = tabulate::missing_inputs(table, provided);
            if missing.is_empty() {
                produced.push(table);
                for (dim, collapsed) in table
                    .dimensions
                    .iter()
                    .zip(tabulate::collapsed(table, provided))
                {
                    if collapsed {
                        not_available.push(NotAvailable {
                            indicator: table.id.clone(),
                            source_id: spec.source.id.clone(),
                            dimension: Some(dim.classification.clone()),
                            missing: dim.inputs.clone(),
                            reason: None,
                        });
                    }
                }
            } else {
                not_available.push(NotAvailable {
                    indicator: table.id.clone(),
                    source_id: spec.source.id.clone(),
                    dimension: None,
                    missing,
                    reason: None,
                });
            }
        }
        // An indicator with several tables is produced if any of them is.
        let made: BTreeSet<&str> = produced.iter().map(|t| t.id.as_str()).collect();
        not_available.retain(|n| n.dimension.is_some() || !made.contains(n.indicator.as_str()));
        (produced, not_available)
    }

    fn provenance(&self) -> Result<Provenance> {
        let relative = |p: &Path| {
            p.strip_prefix(&self.root)
                .unwrap_or(p)
                .display()
                .to_string()
        };
        let mut specs = vec![
            FileChecksum {
                path: relative(&self.manifest),
                sha256: ingest::sha256_file(&self.manifest)?,
            },
            FileChecksum {
                path: relative(&self.indicators.path),
                sha256: ingest::sha256_file(&self.indicators.path)?,
            },
        ];
        // Code maps and the correspondence tables the specs go through, each once.
        let map_files: BTreeSet<&PathBuf> = self
            .sources
            .iter()
            .flat_map(|s| {
                s.variables.iter().flat_map(|v| {
                    v.map_file
                        .iter()
                        .chain(v.crosswalk.as_ref().map(|c| &c.path))
                })
            })
            .collect();
        let spec_files = self
            .sources
            .iter()
            .map(|s| &s.spec_path)
            .chain(map_files)
            .chain(self.rules.files.iter());
        for path in spec_files {
            specs.push(FileChecksum {
                path: relative(path),
                sha256: ingest::sha256_file(path)?,
            });
        }
        Ok(Provenance {
            tool: format!("ilms {}", env!("CARGO_PKG_VERSION")),
            round: self.name.clone(),
            inputs: self
                .sources
                .iter()
                .map(|spec| {
                    Ok(FileChecksum {
                        path: relative(&spec.raw_path),
                        sha256: ingest::sha256_file(&spec.raw_path)?,
                    })
                })
                .collect::<Result<_>>()?,
            specs,
        })
    }
}

/// The validation report as one table: a row per rule and source.
fn validation_frame(results: &[validate::RuleResult]) -> PolarsResult<DataFrame> {
    let text = |f: &dyn Fn(&validate::RuleResult) -> String| -> Vec<String> {
        results.iter().map(f).collect()
    };
    let number =
        |f: &dyn Fn(&validate::RuleResult) -> u64| -> Vec<u64> { results.iter().map(f).collect() };
    DataFrame::new_infer_height(vec![
        Column::new("source_id".into(), text(&|r| r.source_id.clone())),
        Column::new("rule".into(), text(&|r| r.rule.clone())),
        Column::new("kind".into(), text(&|r| r.kind.clone())),
        Column::new("severity".into(), text(&|r| r.severity.name().to_string())),
        Column::new("items".into(), number(&|r| r.items)),
        Column::new("passes".into(), number(&|r| r.passes)),
        Column::new("fails".into(), number(&|r| r.fails)),
        Column::new("missing".into(), number(&|r| r.missing)),
        Column::new("detail".into(), text(&|r| r.detail.clone())),
    ])
}

/// The mapping coverage report of every source as one table (source_id first).
fn coverage_frame(lines: &[(String, harmonize::CoverageLine)]) -> PolarsResult<DataFrame> {
    let text = |f: &dyn Fn(&harmonize::CoverageLine) -> String| -> Vec<String> {
        lines.iter().map(|(_, l)| f(l)).collect()
    };
    let optional = |f: &dyn Fn(&harmonize::CoverageLine) -> Option<String>| -> Vec<Option<String>> {
        lines.iter().map(|(_, l)| f(l)).collect()
    };
    DataFrame::new_infer_height(vec![
        Column::new(
            "source_id".into(),
            lines.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>(),
        ),
        Column::new("variable".into(), text(&|l| l.variable.clone())),
        Column::new("raw_column".into(), text(&|l| l.raw_column.clone())),
        Column::new("raw_code".into(), text(&|l| l.raw_code.clone())),
        Column::new("via_code".into(), optional(&|l| l.via_code.clone())),
        Column::new("resolution".into(), optional(&|l| l.resolution.clone())),
        Column::new("harmonized".into(), optional(&|l| l.harmonized.clone())),
        Column::new("outcome".into(), text(&|l| l.outcome.clone())),
        Column::new(
            "records".into(),
            lines.iter().map(|(_, l)| l.records).collect::<Vec<_>>(),
        ),
        Column::new(
            "weighted".into(),
            lines.iter().map(|(_, l)| l.weighted).collect::<Vec<_>>(),
        ),
    ])
}

/// The empty-universe rule on a source's count tables: those outside the source's scope leave
/// `tables` and `produced` and come back as not available, with why.
fn judge_universes<'a>(
    rule: &plausibility::EmptyUniverseRule,
    spec: &SourceSpec,
    tables: &mut Vec<tabulate::Table<'a>>,
    produced: &mut Vec<&'a Indicator>,
) -> JudgedUniverses {
    let found = plausibility::empty_universes(rule, spec, tables);
    let outside: BTreeSet<&str> = found.out_of_scope.iter().map(|(t, _)| t.as_str()).collect();
    tables.retain(|t| !outside.contains(t.indicator.id.as_str()));
    produced.retain(|t| !outside.contains(t.id.as_str()));
    let out_of_scope = found
        .out_of_scope
        .iter()
        .map(|(indicator, why)| NotAvailable {
            indicator: indicator.clone(),
            source_id: spec.source.id.clone(),
            dimension: None,
            missing: Vec::new(),
            reason: Some(why.clone()),
        })
        .collect();
    JudgedUniverses {
        result: found.result,
        out_of_scope,
    }
}

struct JudgedUniverses {
    result: validate::RuleResult,
    out_of_scope: Vec<NotAvailable>,
}

/// A failed rule of severity error that fails a whole source: its id and the reason.
fn fails_source(result: &validate::RuleResult) -> Option<(String, String)> {
    (result.failed() && result.severity == Severity::Error).then(|| {
        (
            result.rule.clone(),
            format!("the source failed rule {}: {}", result.rule, result.detail),
        )
    })
}

/// What a source that failed as a whole (`rule`, for `reason`) publishes: its count tables as not
/// available, the indicators it would have given listed with the reason, and nothing counted.
struct Withdrawn {
    cells: Cells,
    not_available: Vec<NotAvailable>,
    disclosure: disclosure::DisclosureSummary,
}

impl Withdrawn {
    fn new(
        spec: &SourceSpec,
        produced: &[&Indicator],
        rule: &str,
        reason: &str,
        policy: String,
    ) -> Withdrawn {
        Withdrawn {
            cells: Cells::not_published(spec, produced, rule),
            not_available: failed_source(produced, &spec.source.id, reason),
            disclosure: disclosure::DisclosureSummary {
                policy,
                ..Default::default()
            },
        }
    }
}

/// The note (`ilms:<rule>`) on the cells of a source that could not be processed.
const UNPROCESSED: &str = "source.unprocessed";

/// A failed source gives none of the count indicators it would have given (`produced`): each is
/// not available, with the reason.
fn failed_source(produced: &[&Indicator], source_id: &str, reason: &str) -> Vec<NotAvailable> {
    let mut seen = BTreeSet::new();
    produced
        .iter()
        .filter(|t| seen.insert(t.id.clone()))
        .map(|t| NotAvailable {
            indicator: t.id.clone(),
            source_id: source_id.to_string(),
            dimension: None,
            missing: Vec::new(),
            reason: Some(format!("not published: {reason}")),
        })
        .collect()
}

/// Harmonized records as published: the contract columns, then the raw `<variable>_src` values of
/// the variables this source has.
fn published_records(spec: &SourceSpec, clean: LazyFrame) -> LazyFrame {
    // An aggregate table's records carry a count, and say so (DESIGN.md, Contracts).
    let (persons, persons_src) = if spec.is_aggregate() {
        ("count", "count_src")
    } else {
        ("weight", "weight_src")
    };
    let persons_column = if spec.is_aggregate() {
        // Validated as whole numbers (required.count): published as integers.
        col("weight").cast(DataType::Int64)
    } else {
        col("weight")
    };
    let contract = RECORD_COLUMNS.iter().map(|c| match *c {
        "record_id" => harmonize::record_id(spec),
        "weight" => persons_column.clone().alias(persons),
        other => col(other),
    });
    let weight = spec
        .persons_column()
        .map(|_| col("weight_src").alias(persons_src));
    let raw_values = spec
        .variables
        .iter()
        .map(|m| col(format!("{}_src", m.variable.name()).as_str()));
    clean.select(contract.chain(weight).chain(raw_values).collect::<Vec<_>>())
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.round)?;
        writeln!(
            f,
            "{:<24} {:>10} {:>11} {:>12}",
            "source", "read", "harmonized", "quarantined"
        )?;
        for s in &self.sources {
            writeln!(
                f,
                "{:<24} {:>10} {:>11} {:>12}",
                s.id, s.read, s.harmonized, s.quarantined
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
        write!(f, "{}", self.disclosure_table())?;
        if status.withheld_validation > 0 {
            writeln!(
                f,
                "  and {} of a source whose tables failed an error-severity rule (see validation below)",
                status.withheld_validation
            )?;
        }
        // One line per source; run_log.json lists each indicator with the variables it lacks.
        let mut by_source: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
        for n in &self.not_available {
            let entry = by_source.entry(&n.source_id).or_default();
            match &n.dimension {
                None => entry.0 += 1,
                Some(d) if !entry.1.contains(d) => entry.1.push(d.clone()),
                Some(_) => {}
            }
        }
        for (source, (indicators, breakdowns)) in by_source {
            let mut line = format!("not available from {source}: {indicators} indicators");
            if !breakdowns.is_empty() {
                line.push_str(&format!("; no breakdown by {}", breakdowns.join(", ")));
            }
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
        for problem in &self.tidy_problems {
            writeln!(f, "warning: {problem}")?;
        }
        Ok(())
    }
}
