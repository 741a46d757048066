//! Plausibility of a source's figures, declared as data (`schemas/rules/`, a spec's
//! `[[benchmark]]`): the Q-checks harmonized-survey projects run after tabulation.
//!
//! - An indicator whose universe holds no record of a source that provides the variables it reads
//!   (employment 0 in a labour force survey: a map that sends every code to "not stated"). Where
//!   the source's scope explains it (the universe asks for a value the spec never gives the
//!   variable: `flow = 'RETURN'` where `flow` is the constant 'INFLOW' or maps only to it), the
//!   indicator is "not available" from the source instead: it is outside what the source counts.
//! - Rates and shares at their national total outside a plausible range.
//! - Benchmark figures: the office's own published totals, checked within a tolerance, with both
//!   numbers in the report.

use std::collections::BTreeSet;

use polars::prelude::Expr;

use crate::cells::Cells;
use crate::rules::{BenchmarkRule, EmptyUniverseRule, RangeRule, Severity};
use crate::spec::{Benchmark, SourceSpec};
use crate::tabulate::Table;
use crate::validate::RuleResult;

/// The indicators named by range rules and by the specs' benchmarks must be declared.
pub fn check_declared(
    rules: &crate::rules::Rules,
    specs: &[SourceSpec],
    indicators: &crate::indicators::Indicators,
) -> crate::error::Result<()> {
    let ids = indicators.ids();
    let unknown = |id: &str, file: &std::path::Path, key: String| -> crate::error::Result<()> {
        if ids.iter().any(|i| i == id) {
            return Ok(());
        }
        Err(crate::error::Error::new(
            file,
            key,
            format!("'{id}' is not a declared indicator"),
            "name an indicator of schemas/indicators.toml (its id, e.g. MST_TUNE_SEX_AGE_CBR_RT)",
        ))
    };
    let rules_folder = rules
        .files
        .first()
        .and_then(|f| f.parent())
        .unwrap_or(std::path::Path::new(""));
    for rule in &rules.ranges {
        let key = format!("range {}", rule.id);
        unknown(&rule.indicator, rules_folder, key.clone())?;
        if rule.min > rule.max || rule.min.is_nan() || rule.max.is_nan() {
            return Err(crate::error::Error::new(
                rules_folder,
                key,
                format!("min {} is above max {}", rule.min, rule.max),
                "give min <= max, in the indicator's unit",
            ));
        }
    }
    for spec in specs {
        for (i, benchmark) in spec.benchmarks.iter().enumerate() {
            unknown(
                &benchmark.indicator,
                &spec.spec_path,
                format!("benchmark[{i}].indicator"),
            )?;
            check_benchmark_codes(benchmark, indicators).map_err(|(key, problem, fix)| {
                let key = format!("benchmark[{i}].{key}");
                crate::error::Error::new(&spec.spec_path, key, problem, fix)
            })?;
        }
    }
    Ok(())
}

/// A benchmark's sex and `keep` are codes its indicator publishes, one per breakdown (a cell has
/// one code in each), so a misspelt code is refused rather than found "not published". The
/// problem comes with the key it is at (`sex` or `keep`).
fn check_benchmark_codes(
    benchmark: &Benchmark,
    indicators: &crate::indicators::Indicators,
) -> Result<(), (&'static str, String, String)> {
    // The sex codes the indicator publishes (an indicator without sex: its total only).
    let sexes: Vec<_> = (indicators.list.iter())
        .filter(|t| t.id == benchmark.indicator && t.by_sex)
        .filter_map(|t| t.dimensions.first())
        .collect();
    // After SEX_T, the sex dimension's own codes (its total, SEX_T, first: dropped as a repeat).
    let mut sex_codes = vec!["SEX_T"];
    sex_codes.extend(crate::kept::published_codes(&sexes));
    sex_codes.dedup();
    if !sex_codes.contains(&benchmark.sex.as_str()) {
        return Err((
            "sex",
            format!(
                "sex '{}' is not a code {} publishes",
                benchmark.sex, benchmark.indicator
            ),
            format!("give one of {}", sex_codes.join(", ")),
        ));
    }
    let breakdowns = crate::kept::breakdowns(indicators, &benchmark.indicator);
    let slots = crate::kept::place(&breakdowns, &benchmark.indicator, &benchmark.keep)
        .map_err(|(problem, fix)| ("keep", problem, fix))?;
    let mut seen = BTreeSet::new();
    if let Some((code, _)) = (benchmark.keep.iter().zip(&slots)).find(|(_, s)| !seen.insert(**s)) {
        return Err((
            "keep",
            format!("`keep` gives a second code of one breakdown: '{code}'"),
            "a published cell has one code per breakdown: give one (a breakdown not named is at its total)".into(),
        ));
    }
    Ok(())
}

/// The values a variable can take in a source, where the spec narrows them: a constant
/// expression (`flow = 'INFLOW'` for every record), or a map whose targets are a few codes.
pub fn scope(spec: &SourceSpec) -> Vec<(String, BTreeSet<String>)> {
    spec.variables
        .iter()
        .filter_map(|m| {
            let constant = match m.expr.as_ref() {
                Some(Expr::Literal(value)) => Some(value.extract_str()?.to_string()),
                _ => None,
            };
            let values: BTreeSet<String> = match (constant, &m.codes) {
                (Some(raw), Some(codes)) => codes.get(&raw).into_iter().cloned().collect(),
                (Some(raw), None) => [raw].into(),
                (None, Some(codes)) => codes.values().filter(|v| !v.is_empty()).cloned().collect(),
                (None, None) => return None,
            };
            Some((m.variable.name().to_string(), values))
        })
        .collect()
}

/// Why a universe holds for no record by the spec's design: it compares a variable only with
/// values the source never gives it (`flow = 'RETURN'` in a register of inflows).
fn outside_scope(universe: &Expr, scope: &[(String, BTreeSet<String>)]) -> Option<String> {
    let compared = crate::expression::comparisons(universe);
    scope.iter().find_map(|(variable, values)| {
        let literals: Vec<&str> = compared
            .iter()
            .filter(|c| &c.column == variable && !c.ordering)
            .filter_map(|c| match &c.literal {
                crate::expression::Literal::Text(t) => Some(t.as_str()),
                crate::expression::Literal::Number(_) => None,
            })
            .collect();
        (!literals.is_empty() && literals.iter().all(|l| !values.contains(*l))).then(|| {
            let shown: Vec<&str> = values.iter().map(String::as_str).collect();
            format!(
                "outside the source's scope: its {variable} is only {}",
                shown.join(", ")
            )
        })
    })
}

/// What the empty-universe check found on a source's count tables.
pub struct EmptyUniverses {
    pub result: RuleResult,
    /// Tables outside the source's scope: (indicator id, why), to list as not available.
    pub out_of_scope: Vec<(String, String)>,
}

/// Judge the universes of a source's count tables: a table whose grand total has no record is
/// out of scope (its universe compares a variable only with values the spec never gives it) or
/// fails the rule.
pub fn empty_universes(
    rule: &EmptyUniverseRule,
    spec: &SourceSpec,
    tables: &[Table],
) -> EmptyUniverses {
    let scope = scope(spec);
    let mut result = result(rule.id.clone(), "empty_universe", rule.severity, spec);
    let mut out_of_scope = Vec::new();
    let mut failed = Vec::new();
    for table in tables {
        // The grid starts with every dimension at its total.
        let Some(total) = table.tallies.first() else {
            continue;
        };
        result.items += 1;
        if total.records > 0 || total.blank > 0 {
            result.passes += 1;
            continue;
        }
        match outside_scope(&table.indicator.universe, &scope) {
            None => {
                result.fails += 1;
                failed.push(table.indicator.id.clone());
            }
            Some(why) => {
                result.passes += 1;
                out_of_scope.push((table.indicator.id.clone(), why));
            }
        }
    }
    failed.dedup();
    if !failed.is_empty() {
        result.detail = format!(
            "no record in the universe of {} (the source provides the variables they read)",
            failed.join(", ")
        );
    }
    EmptyUniverses {
        result,
        out_of_scope,
    }
}

/// Check each range rule on a source's published cells at their national total (`totals`: the
/// total code of every breakdown, e.g. `AGE_YTHADULT_YGE15` for the working-age rates).
pub fn ranges(
    rules: &[RangeRule],
    cells: &Cells,
    spec: &SourceSpec,
    totals: &BTreeSet<&str>,
) -> Vec<RuleResult> {
    let mut results = Vec::new();
    for rule in rules {
        let mut result = result(rule.id.clone(), "range", rule.severity, spec);
        let mut outside = Vec::new();
        for i in (0..cells.len())
            .filter(|&i| cells.indicator[i] == rule.indicator && at_total(cells, i, totals))
        {
            result.items += 1;
            match cells.obs_value[i] {
                None => result.missing += 1,
                Some(v) if (rule.min..=rule.max).contains(&v) => result.passes += 1,
                Some(v) => {
                    result.fails += 1;
                    let sex = cells.sex[i].as_deref().unwrap_or("total");
                    outside.push(format!("{sex} {v:.1}"));
                }
            }
        }
        if result.items == 0 {
            continue;
        }
        if !outside.is_empty() {
            result.detail = format!(
                "{} outside {}–{}: {}",
                rule.indicator,
                rule.min,
                rule.max,
                outside.join(", ")
            );
        }
        results.push(result);
    }
    results
}

/// Check a spec's benchmark figures against the source's published cells (`totals` as for
/// [`ranges`]: a breakdown the benchmark does not keep is at its total).
pub fn benchmarks(
    rule: &BenchmarkRule,
    benchmarks: &[Benchmark],
    cells: &Cells,
    spec: &SourceSpec,
    totals: &BTreeSet<&str>,
) -> Option<RuleResult> {
    if benchmarks.is_empty() {
        return None;
    }
    let mut result = result(rule.id.clone(), "benchmark", rule.severity, spec);
    let mut lines = Vec::new();
    for benchmark in benchmarks {
        result.items += 1;
        let found = (0..cells.len()).find(|&i| matches(benchmark, cells, i, totals));
        // A count in persons (its unrounded figure), a rate in percent.
        let ours = found.and_then(|i| match cells.persons[i] {
            Some(persons) => Some((persons, 0)),
            None => cells.obs_value[i].map(|v| (v, 2)),
        });
        let Some((ours, decimals)) = ours else {
            result.missing += 1;
            lines.push(format!(
                "{}: no published figure to compare",
                benchmark_cell(benchmark)
            ));
            continue;
        };
        let difference = (ours - benchmark.value) / benchmark.value.abs().max(f64::MIN_POSITIVE);
        let within = difference.abs() <= rule.tolerance_share;
        if within {
            result.passes += 1;
        } else {
            result.fails += 1;
        }
        lines.push(format!(
            "{}: ilms {ours:.decimals$}, published {:.decimals$}{} ({:+.2}%){}",
            benchmark_cell(benchmark),
            benchmark.value,
            if benchmark.published_in.is_empty() {
                String::new()
            } else {
                format!(" in {}", benchmark.published_in)
            },
            100.0 * difference,
            if within {
                ""
            } else {
                " — outside the tolerance"
            }
        ));
    }
    result.detail = lines.join("; ");
    Some(result)
}

/// The cell a benchmark is compared with, as the report names it: "MST_TPOP_SEX_CBR_NB SEX_T
/// CBR_BIR_FOREIGN".
fn benchmark_cell(benchmark: &Benchmark) -> String {
    let mut codes = vec![benchmark.indicator.as_str(), benchmark.sex.as_str()];
    codes.extend(benchmark.keep.iter().map(String::as_str));
    codes.join(" ")
}

fn matches(benchmark: &Benchmark, cells: &Cells, i: usize, totals: &BTreeSet<&str>) -> bool {
    let codes: Vec<&String> = [&cells.classif1[i], &cells.classif2[i]]
        .into_iter()
        .flatten()
        .collect();
    cells.indicator[i] == benchmark.indicator
        // A table without sex is its total.
        && cells.sex[i].as_deref().unwrap_or("SEX_T") == benchmark.sex
        && benchmark.keep.iter().all(|k| codes.contains(&k))
        && codes
            .iter()
            .all(|c| totals.contains(c.as_str()) || benchmark.keep.contains(c))
}

/// Every breakdown but sex at its total.
fn at_total(cells: &Cells, i: usize, totals: &BTreeSet<&str>) -> bool {
    [&cells.classif1[i], &cells.classif2[i]]
        .iter()
        .all(|c| c.as_deref().is_none_or(|c| totals.contains(c)))
}

fn result(rule: String, kind: &str, severity: Severity, spec: &SourceSpec) -> RuleResult {
    RuleResult {
        source_id: spec.source.id.clone(),
        rule,
        kind: kind.into(),
        severity,
        items: 0,
        passes: 0,
        fails: 0,
        missing: 0,
        detail: String::new(),
        failing_values: None,
    }
}
