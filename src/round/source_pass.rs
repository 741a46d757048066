//! One source's pass: ingest, harmonize, validate, tabulate and protect, streamed from its raw file.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use super::Round;
use crate::cells::Cells;
use crate::contract::RECORD_CONTRACT;
use crate::disclosure;
use crate::error::{Error, Result};
use crate::harmonize;
use crate::indicators::Indicator;
use crate::ingest;
use crate::installation;
use crate::magnitude;
use crate::outcome::{summarize_coverage, NotAvailable, Pass, SourceReport};
use crate::plausibility;
use crate::publish::{Folder, Provenance, Release};
use crate::repeated_ids::{self, IdHashes};
use crate::rules::Severity;
use crate::spec::SourceSpec;
use crate::tabulate;
use crate::validate;

/// Why a breakdown is published at its total only when the source records its variable.
const UNCLASSIFIABLE: &str =
    "no record can be placed in a category (every code is 'not classifiable', e.g. occupations coded to major groups only)";

/// What processing one source produced (kept in the release for the next run: `reuse`).
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct SourceOutcome {
    pub(super) report: SourceReport,
    pub(super) validation: Vec<validate::RuleResult>,
    pub(super) flows: Vec<validate::FlowTotal>,
    pub(super) coverage: Vec<harmonize::CoverageLine>,
    pub(super) cells: Cells,
    pub(super) not_available: Vec<NotAvailable>,
}

/// What a source's pass needs, fixed before its first record is read.
struct PassSetup<'a> {
    spec: &'a SourceSpec,
    /// The raw records, planned once; each pass clones the plan (a lazy scan, or an in-memory
    /// table, shared).
    raw: ingest::RawRecords,
    /// Harmonized columns the source provides.
    provided: BTreeSet<String>,
    /// A protected source's records would give its withheld cells away: not in the release.
    records_folder: Folder,
    clean_file: String,
    quarantine_file: String,
    /// Each record's key for the cell-key method, when the policy perturbs.
    record_key: Option<Expr>,
    /// The provenance its record files carry: the source's own inputs.
    footer: &'a Provenance,
    /// Whether the rules check record ids for uniqueness.
    finds_duplicates: bool,
    /// The means and medians (earnings) the source can give, computed from its records.
    magnitudes: Vec<&'a Indicator>,
}

/// The streaming pass's results, by name.
struct PassResults {
    /// One grouping of the checked records by rule, universe and dimension value
    /// (`tabulate::aggregate`).
    aggregated: DataFrame,
    /// Per coded variable, the records and weights per raw code (`harmonize::coverage_plans`).
    coverage: Vec<DataFrame>,
    rule_counts: DataFrame,
    /// The record rules' failing values, counted (`ValidationPlan::failing_values`).
    failing_values: DataFrame,
    flow_totals: DataFrame,
    /// The records the means and medians summarize (`magnitude::records_plan`), if any.
    magnitude_records: Option<magnitude::MagnitudeRecords>,
    /// One frame per record rule that stops a source.
    stops: Vec<DataFrame>,
}

/// A source's count tables and what was concluded of its records.
struct Tallied<'a> {
    tables: Vec<tabulate::Table<'a>>,
    aggregated: DataFrame,
    summary: validate::ValidationSummary,
    coverage: Vec<harmonize::CoverageLine>,
    flows: Vec<validate::FlowTotal>,
    /// Rule results on the records (disaggregation checked on the engine's values).
    checks: Vec<validate::RuleResult>,
    /// Breakdowns no record could be placed in: published at their total only.
    unclassifiable: Vec<NotAvailable>,
}

impl Round {
    /// Build every stage's plans for one source, run them, and conclude.
    ///
    /// One streaming pass over the raw file feeds every consumer through a shared cache: the
    /// harmonized-records and quarantine sinks, the rule counts, and one grouping of the records by
    /// universe and published category, from which the reconciliation counts and every
    /// indicator's cells are read, and one small grouping per coded variable for the coverage
    /// report. Polars buffers the shared stream for its slowest consumer, the records' Parquet
    /// sink, so the heap grows a little with the file (about 6 bytes a record, BENCHMARKS.md
    /// "Larger than memory"); the grouping's grows with the combinations of published categories
    /// that occur. A survey with earnings also holds the records its means and medians summarize
    /// (those stating an amount, a few columns each), since a median needs every amount of its cell.
    pub(super) fn process_source(
        &self,
        spec: &SourceSpec,
        footer: &Provenance,
        release: &mut Release,
    ) -> Result<SourceOutcome> {
        let mut setup = self.pass_setup(spec, footer)?;
        let (mut produced, mut not_available) = self.availability(spec, &setup.provided);
        setup.magnitudes = produced
            .iter()
            .copied()
            .filter(|t| t.is_magnitude())
            .collect();
        produced.retain(|t| t.is_count());
        let (validation, results) = self.stream_records(&setup, &produced, release)?;
        let mut tallied = self.tally(&setup, &produced, &validation, &results, release)?;
        not_available.append(&mut tallied.unclassifiable);
        let id = &spec.source.id;
        let gate = validate::check_quarantined(&self.rules.quarantined, id, &tallied.summary);
        let mut failure = fails_source(&gate);
        tallied.checks.push(gate);
        if let (None, Some(rule)) = (&failure, &self.rules.empty_universe) {
            let judged = judge_universes(rule, spec, &mut tallied.tables, &mut produced);
            failure = fails_source(&judged.result);
            not_available.extend(judged.out_of_scope);
            tallied.checks.push(judged.result);
        }
        self.check_cells(spec, &tallied.tables, &mut tallied.checks);
        let (mut cells, mut disclosure) = self.protected_cells(
            spec,
            &produced,
            &mut tallied.tables,
            &tallied.aggregated,
            &mut not_available,
        )?;
        cells.append(self.magnitude_cells(&setup, &results)?);
        self.check_published(spec, &setup.raw, &cells, &mut tallied.checks);
        cells.apply_validation(
            &failed_rules(&tallied.checks, Severity::Warning),
            &failed_rules(&tallied.checks, Severity::Error),
        );
        note_source_statements(spec, &mut cells);
        let (gate_rule, source_failed) = failure.unzip();
        if let (Some(rule), Some(reason)) = (&gate_rule, &source_failed) {
            // Its quarantine says why; its clean records are not part of the release.
            release.forget(setup.records_folder, &setup.clean_file);
            let tables = [produced.as_slice(), &setup.magnitudes].concat();
            let withdrawn = Withdrawn::new(spec, &tables, rule, reason, disclosure.policy);
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
        let summary = &tallied.summary;
        let mut coverage = summarize_coverage(&tallied.coverage, summary.read);
        if setup.records_folder == Folder::Private {
            // A protected source's per-code counts stay private, as its coverage lines do.
            coverage.iter_mut().for_each(|v| v.conversion.clear());
        }
        Ok(SourceOutcome {
            report: SourceReport {
                id: id.clone(),
                read: summary.read,
                harmonized: summary.clean,
                quarantined: summary.quarantined,
                quarantine_by_rule: summary.by_rule.clone(),
                source_total_rows: setup.raw.total_rows,
                coverage,
                disclosure,
                failed: source_failed,
                pass: Pass::Ran {
                    because: String::new(),
                },
            },
            coverage: tallied.coverage,
            cells,
            not_available,
            validation: tallied.checks,
            flows: tallied.flows,
        })
    }

    /// The means and medians of the source's amounts (earnings), under its disclosure policy.
    fn magnitude_cells(&self, setup: &PassSetup, results: &PassResults) -> Result<Cells> {
        let Some(records) = &results.magnitude_records else {
            return Ok(Cells::default());
        };
        let policy = self.disclosure.for_source(setup.spec)?;
        let tables = &setup.magnitudes;
        magnitude::cells(setup.spec, tables, records, policy, &setup.provided)
    }

    /// Read the source's raw file (its header checked against the spec's expressions) and fix
    /// where its records go.
    fn pass_setup<'a>(
        &self,
        spec: &'a SourceSpec,
        footer: &'a Provenance,
    ) -> Result<PassSetup<'a>> {
        let id = &spec.source.id;
        let raw = ingest::ingest(spec)?;
        ingest::check_expressions(spec, &raw)?;
        let policy = self.disclosure.for_source(spec)?;
        let record_key = match policy.perturbation {
            Some(_) => Some(disclosure::cell_key::record_key(
                &installation::id_key(&self.root)?,
                id,
            )),
            None => None,
        };
        Ok(PassSetup {
            spec,
            raw,
            provided: spec.provided_columns(),
            records_folder: if policy.protects() {
                Folder::Private
            } else {
                Folder::Processed
            },
            clean_file: format!("harmonized/{id}.parquet"),
            quarantine_file: format!("quarantine/{id}.parquet"),
            record_key,
            footer,
            finds_duplicates: !validate::unique_rules_for(spec, &self.rules).is_empty(),
            magnitudes: Vec::new(),
        })
    }

    /// Stream the records through every plan. Uniqueness needs every id seen before any record is
    /// judged. The passes judge the records as if no id repeated and find, on the way, the id
    /// hashes that do; only if some id is confirmed repeated (on the ids themselves: hashes can
    /// collide) are the passes run again, knowing it. A source without repeated ids gets no pass of
    /// its own for them.
    fn stream_records(
        &self,
        setup: &PassSetup,
        produced: &[&Indicator],
        release: &mut Release,
    ) -> Result<(validate::ValidationPlan, PassResults)> {
        let mut duplicates = validate::no_duplicates();
        loop {
            let looks_for_duplicates = setup.finds_duplicates && duplicates.height() == 0;
            let (validation, results, id_hashes) =
                self.stream_once(setup, produced, release, &duplicates, looks_for_duplicates)?;
            if let Some(id_hashes) = id_hashes {
                let confirmed = confirmed_duplicates(setup, id_hashes)?;
                if confirmed.height() > 0 {
                    duplicates = confirmed;
                    continue;
                }
            }
            return Ok((validation, results));
        }
    }

    /// One streaming pass (see `process_source`): the plans, run, and the record-id hashes seen if
    /// `looks_for_duplicates`.
    fn stream_once(
        &self,
        setup: &PassSetup,
        produced: &[&Indicator],
        release: &mut Release,
        duplicates: &DataFrame,
        looks_for_duplicates: bool,
    ) -> Result<(validate::ValidationPlan, PassResults, Option<IdHashes>)> {
        let spec = setup.spec;
        let harmonize::HarmonizedRecords { frame, twinned } =
            harmonize::harmonize(spec, &self.classifications, setup.raw.clone())
                .map_err(|e| Error::polars(&spec.spec_path, "plan the harmonization", e))?;
        let plan = validate::plan(spec, frame, &self.rules, &setup.provided, duplicates);
        // Every consumer shares one scan through an explicit cache.
        let validation = plan.cached();
        let mut plans = self.record_sinks(setup, &validation, &twinned, release)?;
        let sink_count = plans.len();
        plans.extend([
            tabulate::aggregate(
                produced,
                validation.checked(),
                validate::RULE,
                setup.record_key.clone(),
                spec.is_aggregate(),
            ),
            validation.counts(),
            validation.failing_values(),
            validate::flow_totals_plan(validation.checked()),
        ]);
        let (magnitudes, interned) =
            magnitude::records_plan(&setup.magnitudes, validation.checked(), validate::RULE)
                .unzip();
        plans.extend(magnitudes);
        plans.extend(validation.stop_plans());
        let coverage = harmonize::coverage_plans(spec, &validation.checked());
        let coverage_count = coverage.len();
        plans.extend(coverage);
        let id_hashes = Arc::new(Mutex::new(IdHashes::new(
            release.scratch_path(&format!("id-hashes/{}", spec.source.id)),
        )));
        if looks_for_duplicates {
            let sink = validate::id_hashes_sink(spec, validation.checked(), id_hashes.clone())
                .map_err(|e| Error::polars(&spec.spec_path, "plan the uniqueness check", e))?;
            plans.push(sink);
        }
        let ran = run_plans(spec, plans);
        let mut id_hashes = std::mem::take(
            &mut *id_hashes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if let Some((path, e)) = id_hashes.take_failure() {
            let doing = "write the record-id hashes of the uniqueness check";
            return Err(Error::io(path, doing, e));
        }
        // In the order of `plans`: the sinks' (empty) results, then the named ones.
        let mut results = ran?.into_iter().skip(sink_count);
        let mut next = || {
            results.next().ok_or_else(|| {
                Error::new(
                    &spec.spec_path,
                    "",
                    "a plan gave no result",
                    "report this bug",
                )
            })
        };
        let named = PassResults {
            aggregated: next()?,
            rule_counts: next()?,
            failing_values: next()?,
            flow_totals: next()?,
            magnitude_records: match interned {
                Some(interned) => Some(magnitude::MagnitudeRecords {
                    frame: next()?,
                    texts: interned.texts(),
                }),
                None => None,
            },
            stops: (0..validation.stop_plans().len())
                .map(|_| next())
                .collect::<Result<_>>()?,
            coverage: (0..coverage_count).map(|_| next()).collect::<Result<_>>()?,
        };
        Ok((validation, named, looks_for_duplicates.then_some(id_hashes)))
    }

    /// The sinks of a pass: the harmonized records if they are published, and the quarantine (in
    /// the order the release lists its files).
    fn record_sinks(
        &self,
        setup: &PassSetup,
        validation: &validate::ValidationPlan,
        twinned: &BTreeSet<String>,
        release: &mut Release,
    ) -> Result<Vec<LazyFrame>> {
        let (folder, footer) = (setup.records_folder, setup.footer);
        let mut sinks = Vec::new();
        if self.publish_records {
            let clean = published_records(setup.spec, validation.clean(), twinned);
            sinks.push(release.sink_parquet(folder, &setup.clean_file, clean, footer)?);
        }
        let quarantine = validation.quarantine();
        sinks.push(release.sink_parquet(folder, &setup.quarantine_file, quarantine, footer)?);
        Ok(sinks)
    }

    /// From the records' grouping: the count tables, the reconciliation of the records, the
    /// coverage report, the flow totals, and the rules judged on the records.
    fn tally<'a>(
        &self,
        setup: &PassSetup,
        produced: &[&'a Indicator],
        validation: &validate::ValidationPlan,
        results: &PassResults,
        release: &Release,
    ) -> Result<Tallied<'a>> {
        let spec = setup.spec;
        let aggregated = results.aggregated.clone();
        tabulate::check_weight_sums(spec, &aggregated, validate::RULE)?;
        let flows = validate::flow_totals(spec, &results.flow_totals)?;
        let coverage = harmonize::coverage_lines(spec, &results.coverage)
            .map_err(|e| Error::polars(&spec.raw_path, "report the mapping coverage", e))?;
        let clean_written = if self.publish_records {
            Some(release.staged_rows(setup.records_folder, &setup.clean_file)?)
        } else {
            None
        };
        let quarantine_written =
            release.staged_rows(setup.records_folder, &setup.quarantine_file)?;
        let summary = validation.conclude(
            spec,
            &aggregated,
            &results.stops,
            clean_written,
            quarantine_written,
        )?;
        let groups = tabulate::AggregatedGroups::read(spec, &aggregated, validate::RULE)?;
        let mut tables = Vec::new();
        let mut unclassifiable = Vec::new();
        for table in produced {
            let collapsed = tabulate::collapsed(table, &setup.provided);
            let mut rolled = tabulate::roll_up(spec, produced, table, collapsed, &groups)?;
            tabulate::mark_not_covered(&mut rolled, &spec.not_covered_codes());
            for classification in tabulate::mark_unclassifiable(&mut rolled) {
                unclassifiable.push(NotAvailable {
                    indicator: table.id.clone(),
                    source_id: spec.source.id.clone(),
                    dimension: Some(classification),
                    missing: Vec::new(),
                    reason: Some(UNCLASSIFIABLE.to_string()),
                });
            }
            tables.push(rolled);
        }
        let checks = validation.results(spec, &results.rule_counts, &results.failing_values)?;
        Ok(Tallied {
            tables,
            aggregated,
            summary,
            coverage,
            flows,
            checks,
            unclassifiable,
        })
    }

    /// The cell rules (e.g. parts and whole), on the engine's values before anything is withheld.
    fn check_cells(
        &self,
        spec: &SourceSpec,
        tables: &[tabulate::Table],
        checks: &mut Vec<validate::RuleResult>,
    ) {
        let mut unprotected = Cells::default();
        for table in tables {
            unprotected.append(table.cells(spec, false));
        }
        let totals = self.indicators.total_codes();
        let id = &spec.source.id;
        checks.extend(validate::check_cells(
            &self.rules.cells,
            &unprotected,
            &totals,
            id,
        ));
    }

    /// The rules on what is published: the source's own totals, ranges and benchmarks.
    fn check_published(
        &self,
        spec: &SourceSpec,
        raw: &ingest::RawRecords,
        cells: &Cells,
        checks: &mut Vec<validate::RuleResult>,
    ) {
        let id = &spec.source.id;
        if let Some(rule) = &self.rules.source_totals {
            checks.extend(validate::check_source_totals(rule, &raw.total_checks, id));
        }
        let totals = self.indicators.total_codes();
        let ranges = plausibility::ranges(&self.rules.ranges, cells, spec, &totals);
        checks.extend(ranges);
        if let Some(rule) = &self.rules.benchmark {
            let benchmarks = plausibility::benchmarks(rule, &spec.benchmarks, cells, spec, &totals);
            checks.extend(benchmarks);
        }
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
        // Only a suppression pattern needs the links (one pass over the aggregation).
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
        for table in self.indicators.list.iter().filter(|t| t.is_derived()) {
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

    /// The outcome of a source that could not be processed (`error`): nothing of it published.
    pub(super) fn unprocessed(&self, spec: &SourceSpec, error: &Error) -> SourceOutcome {
        // The first line says where and what; the rest (a query plan, the fix) is for the terminal.
        let message = error.to_string();
        let first = message.lines().next().unwrap_or_default();
        let reason = format!("the source could not be processed: {first}");
        let (produced, _) = self.availability(spec, &spec.provided_columns());
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
                pass: Pass::Ran {
                    because: String::new(),
                },
            },
            validation: Vec::new(),
            flows: Vec::new(),
            coverage: Vec::new(),
            cells: withdrawn.cells,
        }
    }
}

/// The empty-universe rule on a source's count tables: those outside the source's scope leave
/// `tables` and `produced` and come back as not available, with why.
fn judge_universes<'a>(
    rule: &crate::rules::EmptyUniverseRule,
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
fn published_records(spec: &SourceSpec, clean: LazyFrame, twinned: &BTreeSet<String>) -> LazyFrame {
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
    // A coded column's `Enum` twin where it has one: the same values, written faster.
    let column = |name: &str| match twinned.contains(name) {
        true => col(harmonize::enum_twin(name)).alias(name),
        false => col(name),
    };
    let contract = RECORD_CONTRACT.iter().map(|c| match c.name {
        "record_id" => harmonize::record_id(spec),
        "weight" => persons_column.clone().alias(persons),
        other => column(other),
    });
    let weight = spec
        .persons_column()
        .map(|_| col("weight_src").alias(persons_src));
    let raw_values = spec
        .variables
        .iter()
        .map(|m| column(&format!("{}_src", m.variable.name())));
    clean.select(contract.chain(weight).chain(raw_values).collect::<Vec<_>>())
}

/// Rules of `severity` that failed on a source: warnings annotate its cells; errors on its tables
/// withhold them (record-level errors have already quarantined their records).
fn failed_rules(checks: &[validate::RuleResult], severity: Severity) -> Vec<String> {
    checks
        .iter()
        .filter(|r| r.failed() && r.severity == severity)
        .filter(|r| {
            severity != Severity::Error
                || ["part_whole", "source_totals"].contains(&r.kind.as_str())
        })
        .map(|r| r.rule.clone())
        .collect()
}

/// Run plans together on the streaming engine; a read error is explained by row where it can be.
fn run_plans(spec: &SourceSpec, plans: Vec<LazyFrame>) -> Result<Vec<DataFrame>> {
    LazyFrame::collect_all_with_engine(
        plans.into_iter().map(|p| p.logical_plan).collect(),
        Engine::Streaming,
        OptFlags::default(),
    )
    .map_err(|e| {
        ingest::explain_read_error(spec, &e)
            .unwrap_or_else(|| Error::polars(&spec.raw_path, "process the records", e))
    })
}

/// The record ids whose hashes repeated, checked on the ids themselves (hashes can collide).
fn confirmed_duplicates(setup: &PassSetup, id_hashes: IdHashes) -> Result<DataFrame> {
    let spec = setup.spec;
    let candidates = id_hashes
        .repeated(repeated_ids::MAX_SORTED)
        .map_err(|(path, e)| Error::io(path, "read back the record-id hashes", e))?;
    if candidates.is_empty() {
        return Ok(validate::no_duplicates());
    }
    let candidates = validate::candidates_frame(candidates)
        .map_err(|e| Error::polars(&spec.raw_path, "list the repeated record ids", e))?;
    let plan = validate::duplicates_plan(spec, setup.raw.clone(), candidates);
    Ok(run_plans(spec, vec![plan])?
        .pop()
        .unwrap_or_else(validate::no_duplicates))
}

/// What the source states about itself, noted on every cell of it: the population it states
/// (working age without age), the part it covers (why the citizens' side is not available) and
/// its workbook's footnotes.
fn note_source_statements(spec: &SourceSpec, cells: &mut Cells) {
    let stated = spec
        .source
        .population
        .as_ref()
        .is_some_and(|p| p.working_age)
        .then(|| crate::cells::POPULATION_STATED_NOTE.to_string());
    let covers = spec.source.covers.map(|c| c.note().to_string());
    let footnotes = spec.footnote_notes().map(|(note, _)| note);
    let statements: Vec<String> = stated.into_iter().chain(covers).chain(footnotes).collect();
    cells.note_every(&statements);
}
