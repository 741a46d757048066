//! The run: every source through its pass, then the cross-source steps and the release.

use std::collections::BTreeSet;

use polars::prelude::*;

use super::reuse::{self, Digests, Reuse};
use super::source_pass::SourceOutcome;
use super::{Round, RunOptions};
use crate::annual;
use crate::cells::Cells;
use crate::charts;
use crate::error::{Error, Result};
use crate::export;
use crate::harmonize;
use crate::outcome::{CellStatusCounts, NotAvailable, Pass, RunReport, SourceReport, StageTime};
use crate::progress::Progress;
use crate::publish::{Folder, Outputs, Provenance, Release};
use crate::sdmx;
use crate::spec::SourceSpec;
use crate::validate;

/// What the source passes read their inputs' digests from, and what they may reuse.
struct Sources<'a> {
    digests: &'a Digests,
    reuse: &'a Reuse,
}

/// Seconds each stage of the run took, in order (the summary and run_log.json show them).
struct Stopwatch {
    since: std::time::Instant,
    laps: Vec<StageTime>,
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch {
            since: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &str) {
        let now = std::time::Instant::now();
        self.laps.push(StageTime {
            stage: stage.to_string(),
            seconds: (now - self.since).as_secs_f64(),
        });
        self.since = now;
    }
}

/// What every source's pass gave, gathered for the cross-source steps and the release.
#[derive(Default)]
struct Gathered {
    cells: Cells,
    sources: Vec<SourceReport>,
    not_available: Vec<NotAvailable>,
    /// Each source's mapping coverage, by source id.
    coverage: Vec<(String, harmonize::CoverageLine)>,
    validation: Vec<validate::RuleResult>,
    flows: Vec<validate::FlowTotal>,
    /// The cells noted as revised since the round's last edition, if it names one.
    revisions: Option<crate::revisions::Revisions>,
}

impl Gathered {
    fn add(&mut self, outcome: SourceOutcome) {
        self.cells.append(outcome.cells);
        self.not_available.extend(outcome.not_available);
        self.validation.extend(outcome.validation);
        self.flows.extend(outcome.flows);
        let id = &outcome.report.id;
        self.coverage
            .extend(outcome.coverage.into_iter().map(|line| (id.clone(), line)));
        self.sources.push(outcome.report);
    }
}

impl Round {
    /// Run every stage into a release of `outputs`, made current if `publish`.
    pub(super) fn run_into(
        &self,
        options: &RunOptions,
        outputs: &Outputs,
        publish: bool,
    ) -> Result<RunReport> {
        let progress = Progress {
            enabled: options.progress,
        };
        let mut clock = Stopwatch::start();
        super::manifest::check_edition(&self.manifest, &self.outputs)?;
        let digests = self.digests()?;
        let provenance = self.provenance(&digests);
        let reuse = Reuse::new(outputs, options.reuse, &options.rerun);
        let mut release = Release::begin(outputs, &provenance)?;
        clock.lap("inputs hashed");
        let sources = Sources {
            digests: &digests,
            reuse: &reuse,
        };
        let mut gathered = self.pass_every_source(options, &progress, &mut release, &sources)?;
        clock.lap("source passes");
        self.stop_if_a_source_failed(options, &gathered.sources)?;
        self.across_sources(&mut gathered)?;

        let titles = self.source_titles();
        let tables = self.annual_tables(&gathered, &titles);
        let chart_context = charts::ChartContext {
            classifications: &self.classifications,
            source_titles: &titles,
            tables: &tables,
            round_name: &self.name,
        };
        let planned = charts::plan(&self.charts, &gathered.cells, &chart_context);
        clock.lap("tables and charts planned");
        let bar = progress.stage("publish", 3 + tables.len() + planned.len());
        let publish_warnings = self.write_indicators(&mut release, &gathered.cells)?;
        bar.inc(1);
        let coverage = std::mem::take(&mut gathered.coverage);
        self.write_coverage_and_validation(&mut release, coverage, &gathered.validation)?;
        let flows = crate::coherence::rows(&gathered.cells, &self.countries);
        self.write_flows(&mut release, &flows)?;
        bar.inc(1);
        clock.lap("indicators, exports and reports written");
        bar.set_message("annual tables");
        for table in &tables {
            for (name, bytes) in table.files()? {
                release.write_text(Folder::Processed, &format!("tables/{name}"), bytes)?;
            }
            bar.inc(1);
        }
        if !tables.is_empty() {
            let (name, bytes) = annual::workbook_file(&tables, &self.name)?;
            release.write_text(Folder::Processed, &format!("tables/{name}"), bytes)?;
        }
        clock.lap("annual tables written");
        bar.set_message("charts");
        let mut chart_svgs = Vec::new();
        let mut drawn = std::collections::BTreeMap::new();
        for chart in &planned {
            let digest = reuse::chart_digest(chart);
            chart_svgs.push(render_chart(&mut release, chart, &reuse, &digest)?);
            drawn.insert(chart.stem.clone(), digest);
            bar.inc(1);
        }
        reuse::keep_charts(&mut release, &drawn)?;
        clock.lap("charts drawn");
        let cells = std::mem::take(&mut gathered.cells);
        let mut report = self.run_report(gathered, &cells, provenance, &release);
        report.publish_warnings = publish_warnings;
        // The stages before the run log is written (the report and the seal follow it).
        report.seconds = clock.laps;
        self.write_report(
            &mut release,
            &mut report,
            &cells,
            &tables,
            chart_svgs,
            &flows,
        )?;
        bar.inc(1);
        if publish {
            report.tidy_problems = release.commit()?.problems;
        }
        bar.finish_with_message("done");
        Ok(report)
    }

    /// The annual tables of the release, footnoting the sources that failed and the rules failed.
    fn annual_tables(
        &self,
        gathered: &Gathered,
        titles: &std::collections::BTreeMap<String, String>,
    ) -> Vec<annual::AnnualTable> {
        let mut context = self.table_context(titles);
        context.failed = self.failed_sources(&gathered.sources);
        context.failed_rules = gathered
            .validation
            .iter()
            .filter(|r| r.fails > 0)
            .map(|r| annual::FailedRule {
                source_id: r.source_id.clone(),
                rule: r.rule.clone(),
                kind: r.kind.clone(),
                detail: r.detail.clone(),
            })
            .collect();
        self.tables
            .iter()
            .map(|spec| annual::build(spec, &gathered.cells, &context))
            .collect()
    }

    /// The steps across sources, once every source's cells are final: coherence of flows, mirror
    /// data, breaks in series (a mirrored series has breaks of its own), then revisions since the
    /// round's last edition.
    fn across_sources(&self, gathered: &mut Gathered) -> Result<()> {
        if let Some(rule) = &self.rules.coherence {
            let coherence = validate::check_coherence(rule, &gathered.flows);
            gathered.validation.extend(coherence);
        }
        crate::mirror::add_mirrored(&self.indicators, &self.countries, &mut gathered.cells);
        let by_residence = crate::mirror::indicators(&self.indicators);
        crate::series::flag_breaks(&mut gathered.cells, &by_residence);
        if let Some(edition) = &self.outputs.revised_since {
            let store = self.outputs.store(Folder::Processed);
            let processed = store.join(edition).join(Folder::Processed.name());
            let revised = crate::revisions::note_revisions(&mut gathered.cells, &processed)?;
            gathered.revisions = Some(crate::revisions::Revisions {
                since: edition.clone(),
                revised,
            });
        }
        Ok(())
    }

    /// Each source through its pass, in the round's order. Under --keep-going a source that cannot
    /// be processed is left out like one that failed a rule: none of its files, its indicators not
    /// available, the reason told.
    fn pass_every_source(
        &self,
        options: &RunOptions,
        progress: &Progress,
        release: &mut Release,
        sources: &Sources,
    ) -> Result<Gathered> {
        let bar = progress.records("records", self.sources.len());
        let mut gathered = Gathered::default();
        for spec in &self.sources {
            bar.set_message(format!(
                "{}: ingest, harmonize, validate, tabulate",
                spec.source.id
            ));
            gathered.add(self.source_results(spec, options, release, sources)?);
            bar.inc(1);
        }
        bar.finish_with_message("done");
        Ok(gathered)
    }

    /// One source's results: reused from the earlier release if its inputs are unchanged, else
    /// from its pass (kept for the next run unless it could not be processed).
    fn source_results(
        &self,
        spec: &SourceSpec,
        options: &RunOptions,
        release: &mut Release,
        sources: &Sources,
    ) -> Result<SourceOutcome> {
        let inputs = self.source_inputs(spec, sources.digests)?;
        let because = match self.reused_pass(sources.reuse, spec, &inputs.inputs, release)? {
            Ok(outcome) => return Ok(outcome),
            Err(because) => because,
        };
        let mark = release.mark();
        let mut outcome = match self.process_source(spec, &inputs.provenance, release) {
            Ok(outcome) => self.save_pass(release, spec, inputs.inputs, mark, outcome)?,
            Err(e) if options.keep_going => {
                release.roll_back(mark);
                self.unprocessed(spec, &e)
            }
            Err(e) => return Err(e),
        };
        outcome.report.pass = Pass::Ran { because };
        Ok(outcome)
    }

    /// The cells as the Hive-partitioned Parquet dataset, the ILOSTAT CSV and SDMX (`write_sdmx`),
    /// with what the exports had to leave out.
    fn write_indicators(&self, release: &mut Release, cells: &Cells) -> Result<Vec<String>> {
        let at = &self.outputs.processed;
        let frame = cells
            .to_frame()
            .map_err(|e| Error::polars(at, "assemble the indicator cells", e))?;
        release.write_partitioned(
            Folder::Processed,
            "indicators",
            &frame,
            &["ref_area", "time"],
        )?;
        let csv = export::ilostat_csv(&frame, &self.labels)
            .map_err(|e| Error::polars(at, "write the ILOSTAT CSV", e))?;
        release.write_text(Folder::Processed, "indicators_ilostat.csv", csv)?;
        let warnings = self.write_sdmx(release, &frame, cells)?;
        self.write_labels_and_dictionary(release)?;
        Ok(warnings)
    }

    /// The SDMX-CSV of the combined dataflow, one per ILOSTAT 2026 dataflow, and their structures;
    /// returns what the dataflows' files left out.
    fn write_sdmx(
        &self,
        release: &mut Release,
        frame: &DataFrame,
        cells: &Cells,
    ) -> Result<Vec<String>> {
        let at = &self.outputs.processed;
        let combined = sdmx::combined_csv(frame, cells)
            .map_err(|e| Error::polars(at, "write the SDMX-CSV", e))?;
        release.write_text(Folder::Processed, "indicators_sdmx.csv", combined)?;
        let dataflows = sdmx::dataflow_csv(frame, cells, &self.sdmx)?;
        for (name, bytes) in dataflows.files {
            let path = format!("{}/{name}", sdmx::DATAFLOW_FOLDER);
            release.write_text(Folder::Processed, &path, bytes)?;
        }
        let structure = sdmx::structure_message(&sdmx::StructureInput {
            indicators: &self.indicators,
            classifications: &self.classifications,
            sources: &self.sources,
            countries: &self.countries,
            dataflows: &self.sdmx,
            round_name: &self.name,
            release_id: release.id(),
        });
        release.write_text(Folder::Processed, sdmx::STRUCTURE_FILE, structure)?;
        Ok(dataflows.left_out)
    }

    /// labels.parquet (every code's label) and the data dictionary (Markdown and JSON).
    fn write_labels_and_dictionary(&self, release: &mut Release) -> Result<()> {
        let at = &self.outputs.processed;
        let mut labels = self
            .labels
            .frame()
            .map_err(|e| Error::polars(at, "assemble the labels", e))?;
        release.write_parquet(Folder::Processed, "labels.parquet", &mut labels)?;
        let dictionary = crate::dictionary::Dictionary::load(at)?;
        release.write_text(
            Folder::Processed,
            "data_dictionary.md",
            dictionary.markdown(&self.labels),
        )?;
        let json = dictionary.json(&self.labels).map_err(|e| {
            Error::new(
                at.join("data_dictionary.json"),
                "",
                e.to_string(),
                "report this bug",
            )
        })?;
        release.write_text(Folder::Processed, "data_dictionary.json", json)?;
        Ok(())
    }

    /// coverage.parquet and validation.parquet. Coverage counts records per raw code: a protected
    /// source's go to the private folder.
    fn write_coverage_and_validation(
        &self,
        release: &mut Release,
        coverage: Vec<(String, harmonize::CoverageLine)>,
        validation: &[validate::RuleResult],
    ) -> Result<()> {
        let at = &self.outputs.processed;
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
            let mut frame = coverage_frame(&lines)
                .map_err(|e| Error::polars(at, "assemble the coverage report", e))?;
            release.write_parquet(folder, "coverage.parquet", &mut frame)?;
        }
        let mut frame = validation_frame(validation)
            .map_err(|e| Error::polars(at, "assemble the validation report", e))?;
        release.write_parquet(Folder::Processed, "validation.parquet", &mut frame)?;
        Ok(())
    }

    /// Flows and stocks between the round's countries (`processed/coherence.csv`, for Excel: a
    /// byte-order mark).
    fn write_flows(
        &self,
        release: &mut Release,
        flows: &[crate::coherence::FlowRow],
    ) -> Result<()> {
        let at = &self.outputs.processed;
        let fail = |e| Error::polars(at, "assemble the table of flows and stocks", e);
        let mut frame = crate::coherence::frame(flows, &self.classifications).map_err(fail)?;
        let mut bytes = Vec::new();
        CsvWriter::new(&mut bytes)
            .include_bom(true)
            .finish(&mut frame)
            .map_err(fail)?;
        release.write_text(Folder::Processed, "coherence.csv", bytes)?;
        Ok(())
    }

    /// What the run did (`gathered`, whose cells are `cells`), with the release's files as users
    /// will see them.
    fn run_report(
        &self,
        gathered: Gathered,
        cells: &Cells,
        provenance: Provenance,
        release: &Release,
    ) -> RunReport {
        let mut files = release.final_paths();
        files.push(release.final_path(Folder::Processed, "report.html"));
        files.push(release.final_path(Folder::Processed, "run_log.json"));
        RunReport {
            round: self.name.clone(),
            sources: gathered.sources,
            cells: cells.len(),
            cell_status: CellStatusCounts::of(cells),
            reliability: self.reliability(),
            validation: gathered.validation,
            indicators: self.indicators.ids(),
            not_declared: self.indicators.not_declared.clone(),
            not_available: gathered.not_available,
            revisions: gathered.revisions,
            files,
            provenance,
            release: release.id().to_string(),
            publish_warnings: Vec::new(),
            tidy_problems: Vec::new(),
            seconds: Vec::new(),
        }
    }

    /// The cells written so far against those of the release current when the run began (its
    /// indicators are written before the report).
    fn changes_since_current(&self, release: &Release) -> crate::report::Changes {
        use crate::report::Changes;
        let store = self.outputs.store(Folder::Processed);
        let Some(previous) = crate::publish::store::current(store) else {
            return Changes::FirstRelease;
        };
        let old_dir = store.join(&previous).join(Folder::Processed.name());
        let new_dir = release.staged(Folder::Processed);
        match crate::diff::between((&previous, &old_dir), (release.id(), &new_dir), store) {
            Ok(diff) => Changes::Since(diff),
            Err(e) => Changes::NotCompared(e.to_string()),
        }
    }

    /// report.html and run_log.json.
    fn write_report(
        &self,
        release: &mut Release,
        report: &mut RunReport,
        cells: &Cells,
        tables: &[annual::AnnualTable],
        charts: Vec<(String, String)>,
        flows: &[crate::coherence::FlowRow],
    ) -> Result<()> {
        let sources = self
            .sources
            .iter()
            .map(|s| crate::report::ReportSource {
                id: s.source.id.clone(),
                title: s.source.title.clone(),
                ref_area: s.source.ref_area.clone(),
                time: s.source.time.clone(),
                code: s.source.ilostat_source(),
            })
            .collect();
        let changes = self.changes_since_current(release);
        let page = crate::report::html(&crate::report::ReportInput {
            report,
            cells,
            sources,
            tables,
            charts,
            classifications: &self.classifications,
            labels: &self.labels,
            changes: &changes,
            flows,
        });
        release.write_text(Folder::Processed, "report.html", page)?;
        let log_path = release.final_path(Folder::Processed, "run_log.json");
        let log = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::new(&log_path, "", e.to_string(), "report this bug"))?;
        release.write_text(Folder::Processed, "run_log.json", &log)?;
        Ok(())
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

    /// The sources of this run that failed as a whole, for the annual tables.
    fn failed_sources(&self, sources: &[SourceReport]) -> Vec<annual::FailedSource> {
        sources
            .iter()
            .filter_map(|report| {
                let reason = report.failed.clone()?;
                let spec = self.sources.iter().find(|s| s.source.id == report.id)?;
                let (produced, _) = self.availability(spec, &spec.provided_columns());
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
        Column::new("version".into(), optional(&|l| l.version.clone())),
        Column::new("via_code".into(), optional(&|l| l.via_code.clone())),
        Column::new("resolution".into(), optional(&|l| l.resolution.clone())),
        Column::new("regrouped_in".into(), optional(&|l| l.regrouped_in.clone())),
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

/// Draw one chart into the release as SVG and PNG, or take the earlier release's drawing of the
/// same (`digest`); its title and SVG text for the report.
fn render_chart(
    release: &mut Release,
    chart: &charts::PlannedChart,
    reuse: &Reuse,
    digest: &str,
) -> Result<(String, String)> {
    let svg = release.path(Folder::Charts, format!("{}.svg", chart.stem))?;
    if !reuse.reused_chart(release, &chart.stem, digest)? {
        let png = release.path(Folder::Charts, format!("{}.png", chart.stem))?;
        charts::render(chart, &svg, &png)?;
    }
    let text = std::fs::read_to_string(&svg)
        .map_err(|e| Error::io(&svg, "read the chart back for the report", e))?;
    Ok((chart.title.clone(), text))
}
