//! A collection round: the manifest (`ilms.toml`), everything it names loaded and checked, and the
//! pipeline that runs the stages over it in order: ingest, harmonize, validate, tabulate, publish,
//! charts. Data only flows forward; each stage takes the previous stage's output.

mod manifest;
mod reuse;
mod runner;
mod source_pass;
mod tables;

pub(crate) use manifest::json_schema as manifest_json_schema;
pub use tables::TableRequest;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::annual::{self, TableSpec};
use crate::cells::Cells;
use crate::charts::ChartSpec;
use crate::classifications::Classifications;
use crate::disclosure;
use crate::error::{Error, Result};
use crate::indicators::{Indicator, Indicators};
use crate::ingest;
use crate::installation;
use crate::outcome::{NotAvailable, RunReport};
use crate::publish::{Folder, Outputs};
use crate::rules::Rules;
use crate::spec::SourceSpec;
use crate::tabulate;

/// A loaded, checked round. Loading reads specs, code lists and raw-file headers, never records.
pub struct Round {
    /// The manifest file (`ilms.toml`).
    pub manifest: PathBuf,
    /// Folder relative paths start from (the manifest's folder).
    pub root: PathBuf,
    /// The round's name, on every output.
    pub name: String,
    /// The code lists and correspondence tables (`[round] classifications`).
    pub classifications: Classifications,
    /// The source specs, in the manifest's order.
    pub sources: Vec<SourceSpec>,
    /// The countries the manifest's sources cover (all of them, also in a run of some sources
    /// only: a source's cells do not depend on which others run).
    pub countries: std::collections::BTreeSet<String>,
    /// The ILMS indicators declared (`[round] indicators`).
    pub indicators: Indicators,
    /// The validation rules (`[round] rules`).
    pub rules: Rules,
    /// The disclosure policies by kind of source (`[round] disclosure`).
    pub disclosure: disclosure::Policies,
    /// The chart declarations (`[round] charts`).
    pub charts: Vec<ChartSpec>,
    /// The annual table declarations (`[round] tables`).
    pub tables: Vec<TableSpec>,
    /// Every code's label, in the round's language (`[round] labels`, `language`).
    pub labels: crate::labels::Labels,
    /// The release folders and the links users open (`processed/`, `charts/`, `.ilms/private`).
    pub outputs: Outputs,
    /// Whether harmonized records are published (`[output] records`).
    pub publish_records: bool,
    /// The ILOSTAT 2026 dataflow of each indicator (`[round] sdmx`).
    pub sdmx: crate::sdmx::Dataflows,
}

/// Options for [`Round::run`].
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Draw progress bars on stderr (when it is a terminal).
    pub progress: bool,
    /// Publish the other sources when one fails as a whole (its cells are then not available,
    /// with the reason); without it such a run publishes nothing and fails.
    pub keep_going: bool,
    /// Take a source's results from the current release when none of its inputs changed.
    pub reuse: bool,
    /// Sources to run whatever their inputs (their ids).
    pub rerun: Vec<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            progress: true,
            keep_going: false,
            reuse: true,
            rerun: Vec::new(),
        }
    }
}

impl Round {
    /// Load the manifest and check everything it names (specs, classifications, indicators, raw
    /// headers) before any record is read.
    pub fn load(manifest: impl AsRef<Path>) -> Result<Round> {
        manifest::load(manifest.as_ref())
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
            labels: &self.labels,
            failed: Vec::new(),
            failed_rules: Vec::new(),
            technical_notes: false,
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
    /// checks each source as it processes it, so that --keep-going can go past one). Every
    /// source is checked; the error reports each one that fails.
    pub fn check_expressions(&self) -> Result<()> {
        let mut problems = crate::error::Errors::default();
        for spec in &self.sources {
            problems
                .keep(ingest::ingest(spec).and_then(|raw| ingest::check_expressions(spec, &raw)));
        }
        problems.finish()
    }

    /// Refuse an id that names no source of the round (`--source`).
    pub fn known_sources(&self, ids: &[String]) -> Result<()> {
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
        Ok(())
    }

    /// Keep only the sources `ids` and send their release to `out` (`processed/`, `charts/` and
    /// `private/` under it): a trial run of one source that leaves the round's release as it is.
    pub fn only_sources(&mut self, ids: &[String], out: &Path) -> Result<()> {
        self.known_sources(ids)?;
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

    /// The count, mean and median tables a source can produce, and what it cannot: indicators
    /// whose universe or breakdown needs a variable it lacks (not available), and optional
    /// breakdowns it publishes at their total only.
    pub(crate) fn availability<'a>(
        &'a self,
        spec: &SourceSpec,
        provided: &BTreeSet<String>,
    ) -> (Vec<&'a Indicator>, Vec<NotAvailable>) {
        let mut produced = Vec::new();
        let mut not_available: Vec<NotAvailable> = Vec::new();
        let total_only = spec.total_only_columns();
        let tabulated = |t: &&Indicator| t.is_count() || t.is_magnitude();
        for table in self.indicators.list.iter().filter(tabulated) {
            let mut missing = tabulate::missing_inputs(table, provided, &total_only);
            missing.extend(constant_not_read(spec, table));
            if let Some(covers) = spec.source.covers {
                // Only a universe or breakdown that reads the covered side counts within it.
                let covered = spec.covered_columns();
                let reads = |c: &String| covered.contains(&c.as_str());
                let split = table.inputs.iter().any(reads)
                    || table.dimensions.iter().any(|d| d.inputs.iter().any(reads));
                if !split {
                    missing.push(format!(
                        "a breakdown by {} (the source covers {} only)",
                        covers.inputs()[0],
                        covers.name()
                    ));
                }
            }
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
                // A table in a version the source's codes do not convert to faithfully.
                let (dimension, reason) = tabulate::not_converted(table, spec, &missing).unzip();
                not_available.push(NotAvailable {
                    indicator: table.id.clone(),
                    source_id: spec.source.id.clone(),
                    dimension,
                    missing,
                    reason,
                });
            }
        }
        // An indicator with several tables is produced if any of them is.
        let made: BTreeSet<&str> = produced.iter().map(|t| t.id.as_str()).collect();
        not_available.retain(|n| n.dimension.is_some() || !made.contains(n.indicator.as_str()));
        (produced, not_available)
    }
}

/// A variable the source gives one value for every record (a constant expression: `lf_status`
/// 'EMP' in a stock of employed persons) that the table's universe does not read: the table would
/// count a wider population than the source covers (the working-age population) as if it were the
/// whole, so it is not available.
fn constant_not_read(spec: &SourceSpec, table: &Indicator) -> Vec<String> {
    spec.variables
        .iter()
        .filter(|m| matches!(m.expr, Some(polars::prelude::Expr::Literal(_))))
        .map(|m| m.variable.name())
        .filter(|name| !table.inputs.iter().any(|c| c == name))
        // A stock is kept from a source of movements by its kind of population already.
        .filter(|name| *name != "flow")
        .map(|name| format!("{name} other than the source's one value (the source covers part of the population)"))
        .collect()
}
