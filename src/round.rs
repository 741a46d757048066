//! A collection round: the manifest (`ilms.toml`), everything it names loaded and checked, and the
//! pipeline that runs the stages over it in order: ingest, harmonize, validate, tabulate, publish,
//! charts. Data only flows forward; each stage takes the previous stage's output.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Deserialize;

use crate::charts::{self, ChartSpec};
use crate::classifications::Classifications;
use crate::error::{Error, Result};
use crate::harmonize::{self, RECORD_COLUMNS};
use crate::indicators::Indicators;
use crate::ingest::{self, SOURCE_ROW};
use crate::progress::Progress;
use crate::publish::{FileChecksum, Provenance, Release};
use crate::spec::SourceSpec;
use crate::tabulate::{self, Cells, NotAvailable};
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
    classifications: PathBuf,
}

fn default_charts() -> PathBuf {
    "schemas/charts.toml".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    processed: PathBuf,
    charts: PathBuf,
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
    pub charts: Vec<ChartSpec>,
    pub processed_dir: PathBuf,
    pub charts_dir: PathBuf,
}

/// Options for [`Round::run`].
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Draw progress bars on stderr (when it is a terminal).
    pub progress: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { progress: true }
    }
}

/// What a run did, per source and in total.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    pub round: String,
    pub sources: Vec<SourceReport>,
    pub cells: usize,
    pub indicators: Vec<String>,
    /// Indicators a source could not produce, with the harmonized columns it lacks.
    pub not_available: Vec<String>,
    pub files: Vec<PathBuf>,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceReport {
    pub id: String,
    pub read: usize,
    pub harmonized: usize,
    pub quarantined: usize,
    /// Quarantined records per rule.
    pub quarantine_by_rule: BTreeMap<String, usize>,
}

impl Round {
    /// Load the manifest and check everything it names (specs, classifications, indicators, raw
    /// headers) before any record is read.
    pub fn load(manifest: impl AsRef<Path>) -> Result<Round> {
        let manifest = manifest.as_ref();
        let text = std::fs::read_to_string(manifest)
            .map_err(|e| Error::io(manifest, "read the round manifest", e))?;
        let parsed: ManifestFile = toml::from_str(&text).map_err(|e| {
            Error::new(
                manifest,
                e.span()
                    .map(|s| format!("line {}", text[..s.start].lines().count().max(1)))
                    .unwrap_or_default(),
                format!(
                    "malformed round manifest: {}",
                    e.message().replace('\n', " ")
                ),
                "correct the manifest (README: The round manifest)",
            )
        })?;
        // An empty root (manifest in the working folder) keeps printed paths short: "processed/...".
        let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
        let classifications = Classifications::load(&root.join(&parsed.round.classifications))?;
        let mut sources = Vec::new();
        let mut ids = BTreeSet::new();
        for spec_path in &parsed.round.sources {
            let spec = SourceSpec::load(&root.join(spec_path), &root, &classifications)?;
            if !ids.insert(spec.source.id.clone()) {
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
        let indicators = Indicators::load(
            &root.join(&parsed.round.indicators),
            &classifications,
            &harmonize::record_schema(),
        )?;
        let chart_path = root.join(&parsed.round.charts);
        let charts = charts::load_specs(&chart_path)?;
        for chart in &charts {
            if !indicators.list.iter().any(|i| i.id == chart.indicator) {
                return Err(Error::new(
                    &chart_path,
                    format!("charts.{}", chart.id),
                    format!("indicator '{}' is not declared", chart.indicator),
                    format!(
                        "declare it in {} or chart another indicator",
                        indicators.path.display()
                    ),
                ));
            }
        }
        Ok(Round {
            manifest: manifest.to_path_buf(),
            name: parsed.round.name,
            processed_dir: root.join(&parsed.output.processed),
            charts_dir: root.join(&parsed.output.charts),
            root,
            classifications,
            sources,
            indicators,
            charts,
        })
    }

    /// Run every stage and publish one release to the output folders.
    pub fn run(&self, options: &RunOptions) -> Result<RunReport> {
        let progress = Progress {
            enabled: options.progress,
        };

        let bar = progress.stage("ingest", self.sources.len());
        let mut raw = Vec::new();
        for spec in &self.sources {
            bar.set_message(spec.source.id.clone());
            raw.push(ingest::ingest(spec)?);
            bar.inc(1);
        }
        bar.finish_with_message("done");
        let provenance = self.provenance(&raw)?;

        let bar = progress.stage("harmonize", self.sources.len());
        let mut harmonized = Vec::new();
        for (spec, records) in self.sources.iter().zip(raw) {
            bar.set_message(spec.source.id.clone());
            let plan = harmonize::harmonize(spec, records)
                .map_err(|e| Error::polars(&spec.spec_path, "plan the harmonization", e))?;
            harmonized.push((harmonize::provided_columns(spec), plan));
            bar.inc(1);
        }
        bar.finish_with_message("done");

        let bar = progress.stage("validate", self.sources.len());
        let mut validated = Vec::new();
        for (spec, (provided, plan)) in self.sources.iter().zip(harmonized) {
            bar.set_message(spec.source.id.clone());
            validated.push((provided, validate::validate(spec, plan)?));
            bar.inc(1);
        }
        bar.finish_with_message("done");

        let bar = progress.stage("tabulate", self.indicators.list.len() * self.sources.len());
        let mut cells = Cells::default();
        let mut not_available: Vec<NotAvailable> = Vec::new();
        for indicator in &self.indicators.list {
            for (spec, (provided, records)) in self.sources.iter().zip(&validated) {
                bar.set_message(format!("{} {}", indicator.id, spec.source.id));
                match tabulate::tabulate(spec, records, provided, indicator)? {
                    Ok(produced) => cells.append(produced),
                    Err(missing) => not_available.push(missing),
                }
                bar.inc(1);
            }
        }
        bar.finish_with_message("done");

        let titles = self
            .sources
            .iter()
            .map(|s| (s.source.ilostat_source(), s.source.title.clone()))
            .collect();
        let planned = charts::plan(&self.charts, &cells, &self.classifications, &titles);
        let bar = progress.stage("publish", 1 + 2 * validated.len() + 1 + planned.len());
        let mut release = Release::begin(&[&self.processed_dir, &self.charts_dir])?;
        let mut frame = cells
            .to_frame()
            .map_err(|e| Error::polars(&self.processed_dir, "assemble the indicator cells", e))?;
        release.write_parquet(0, "indicators.parquet", &mut frame, &provenance)?;
        bar.inc(1);
        let mut sources = Vec::new();
        for (spec, (_, records)) in self.sources.iter().zip(validated) {
            let mut clean = published_records(&records.clean)
                .map_err(|e| Error::polars(&spec.raw_path, "order the harmonized records", e))?;
            release.write_parquet(
                0,
                &format!("harmonized/{}.parquet", spec.source.id),
                &mut clean,
                &provenance,
            )?;
            bar.inc(1);
            let mut quarantine = records.quarantine.clone();
            release.write_parquet(
                0,
                &format!("quarantine/{}.parquet", spec.source.id),
                &mut quarantine,
                &provenance,
            )?;
            bar.inc(1);
            sources.push(SourceReport {
                id: spec.source.id.clone(),
                read: records.read,
                harmonized: records.clean.height(),
                quarantined: records.quarantine.height(),
                quarantine_by_rule: count_by_rule(&records.quarantine),
            });
        }
        bar.set_message("charts");
        for chart in &planned {
            let svg = release.path(1, format!("{}.svg", chart.stem))?;
            let png = release.path(1, format!("{}.png", chart.stem))?;
            charts::render(chart, &svg, &png)?;
            bar.inc(1);
        }
        let mut report = RunReport {
            round: self.name.clone(),
            sources,
            cells: cells.len(),
            indicators: self.indicators.list.iter().map(|i| i.id.clone()).collect(),
            not_available: not_available
                .iter()
                .map(|n| {
                    format!(
                        "{} for {}: the source does not provide {}",
                        n.indicator,
                        n.source_id,
                        n.missing.join(", ")
                    )
                })
                .collect(),
            files: Vec::new(),
            provenance,
        };
        let log_path = release.final_path(0, "run_log.json");
        report.files = release.final_paths();
        report.files.push(log_path.clone());
        let log = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::new(&log_path, "", e.to_string(), "report this bug"))?;
        release.write_text(0, "run_log.json", &log)?;
        bar.inc(1);
        release.commit()?;
        bar.finish_with_message("done");
        Ok(report)
    }

    fn provenance(&self, raw: &[ingest::RawRecords]) -> Result<Provenance> {
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
        let map_files: BTreeSet<&PathBuf> = self
            .sources
            .iter()
            .flat_map(|s| s.variables.iter().filter_map(|v| v.map_file.as_ref()))
            .collect();
        let spec_files = self.sources.iter().map(|s| &s.spec_path).chain(map_files);
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
                .zip(raw)
                .map(|(spec, r)| FileChecksum {
                    path: relative(&spec.raw_path),
                    sha256: r.sha256.clone(),
                })
                .collect(),
            specs,
        })
    }
}

/// Harmonized records as published: the contract columns first, then the raw `_src` values.
fn published_records(clean: &DataFrame) -> PolarsResult<DataFrame> {
    let mut order: Vec<Expr> = RECORD_COLUMNS.iter().map(|c| col(*c)).collect();
    let sources: Vec<Expr> = clean
        .get_column_names()
        .iter()
        .filter(|c| c.ends_with("_src"))
        .map(|c| col(c.as_str()))
        .collect();
    order.extend(sources);
    clean
        .clone()
        .lazy()
        .select(order)
        .sort([SOURCE_ROW], Default::default())
        .collect()
}

fn count_by_rule(quarantine: &DataFrame) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    if let Ok(rules) = quarantine.column("rule").and_then(|c| c.str().cloned()) {
        for rule in rules.iter().flatten() {
            *counts.entry(rule.to_string()).or_insert(0) += 1;
        }
    }
    counts
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
        }
        let (read, clean, quarantined) = self.sources.iter().fold((0, 0, 0), |(r, c, q), s| {
            (r + s.read, c + s.harmonized, q + s.quarantined)
        });
        writeln!(
            f,
            "{:<24} {read:>10} {clean:>11} {quarantined:>12}",
            format!("{} sources", self.sources.len())
        )?;
        writeln!(
            f,
            "cells published: {} ({} indicators)",
            self.cells,
            self.indicators.len()
        )?;
        for line in &self.not_available {
            writeln!(f, "not available: {line}")?;
        }
        writeln!(f, "files written:")?;
        for file in &self.files {
            writeln!(f, "  {}", file.display())?;
        }
        Ok(())
    }
}
