//! Time (and, under /usr/bin/time, measure the memory of) the parts of a source's processing, to
//! see where a run spends its time. Release build:
//!
//!     cargo build --release --example profile_pass
//!     /usr/bin/time -v target/release/examples/profile_pass bench-data/10M/ilms.toml aggregate
//!
//! Parts: scan, raw-nulls / harmonized-nulls / records-nulls (every column of the raw, harmonized
//! or clean records computed, nothing written), records (harmonized-records sink alone),
//! quarantine, aggregate, second-pass (consumers sharing one cached scan, as `ilms run` does
//! without its records; `CONSUMERS=q,a,v,c,n` picks them: quarantine sink, aggregation, coverage
//! counts, rule counts, a row count), groups (prints how many groups the aggregation of the records
//! has), harmonized-columns (each harmonized column computed alone, timed), checks (each rule's
//! judgement computed alone, timed), keys / keys-each (the aggregation's keys without grouping,
//! together or each alone; `KEYS=_in` or `KEYS=_d_` keeps those whose name starts so, `PRINT=1`
//! prints their expressions).
use std::time::Instant;

use ilms::{harmonize, ingest, publish, tabulate, validate, Round};
use polars::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // As the `ilms` binary sets it (src/main.rs, set_up_process), so the profile is of a run.
    if std::env::var_os("POLARS_HOT_TABLE_SIZE").is_none() {
        std::env::set_var("POLARS_HOT_TABLE_SIZE", "65536");
    }
    let manifest = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ilms.toml".into());
    let part = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "second-pass".into());
    let round = Round::load(&manifest)?;
    let spec = &round.sources[0];
    let raw = ingest::ingest(spec)?;
    let validation = validate::plan(
        spec,
        harmonize::harmonize(spec, &round.classifications, raw)?.frame,
        &round.rules,
        &spec.provided_columns(),
        &validate::no_duplicates(),
    );
    let indicators: Vec<_> = round.indicators.list.iter().collect();
    let out = std::env::temp_dir().join("ilms-profile.parquet");
    let sink = |lf: LazyFrame| {
        lf.sink(
            SinkDestination::File {
                target: SinkTarget::Path(PlRefPath::new(out.to_string_lossy().as_ref())),
            },
            FileWriteFormat::Parquet(std::sync::Arc::new(publish::parquet_options(None))),
            UnifiedSinkArgs::default(),
        )
    };
    let plans = match part.as_str() {
        "scan" => vec![ingest::ingest(spec)?.frame.select([len()])],
        "records" => vec![sink(validation.clean())?],
        "raw-nulls" => vec![ingest::ingest(spec)?
            .frame
            .select([all().as_expr().null_count()])],
        "harmonized-nulls" => {
            vec![
                harmonize::harmonize(spec, &round.classifications, ingest::ingest(spec)?)?
                    .frame
                    .select([all().as_expr().null_count()]),
            ]
        }
        "records-nulls" => vec![validation.clean().select([all().as_expr().null_count()])],
        "harmonized-columns" => return time_each_column(spec, &round),
        "explain-counts" => {
            println!("{}", validation.counts().explain(true)?);
            return Ok(());
        }
        "checks" => return time_columns_alone(validation.checked(), |n| n.starts_with("_check")),
        "keys" | "keys-each" => return time_keys(&indicators, validation.checked(), &part),
        "groups" => vec![tabulate::aggregate(
            &indicators,
            validation.checked(),
            validate::RULE,
            None,
            false,
        )
        .select([len()])],
        "quarantine" => vec![sink(validation.quarantine())?],
        "aggregate" => vec![tabulate::aggregate(
            &indicators,
            validation.checked(),
            validate::RULE,
            None,
            false,
        )],
        _ => {
            let cached = validation.cached();
            let wanted = std::env::var("CONSUMERS").unwrap_or_else(|_| "q,a".into());
            let mut plans = Vec::new();
            for w in wanted.split(',') {
                match w {
                    "q" => plans.push(sink(cached.quarantine())?),
                    "a" => plans.push(tabulate::aggregate(
                        &indicators,
                        cached.checked(),
                        validate::RULE,
                        None,
                        false,
                    )),
                    "v" => plans.extend(harmonize::coverage_plans(spec, &cached.checked())),
                    "c" => plans.push(cached.counts()),
                    "n" => plans.push(cached.checked().select([len()])),
                    _ => {}
                }
            }
            plans
        }
    };
    let start = Instant::now();
    let out = LazyFrame::collect_all_with_engine(
        plans.into_iter().map(|p| p.logical_plan).collect(),
        Engine::Streaming,
        OptFlags::default(),
    )?;
    println!("{part}: {:.2} s", start.elapsed().as_secs_f64());
    if part == "groups" {
        println!("{out:?}");
    }
    Ok(())
}

/// Each harmonized column computed alone (its null count), timed: which derivations cost.
fn time_each_column(
    spec: &ilms::spec::SourceSpec,
    round: &Round,
) -> Result<(), Box<dyn std::error::Error>> {
    let harmonized =
        harmonize::harmonize(spec, &round.classifications, ingest::ingest(spec)?)?.frame;
    time_columns_alone(harmonized, |_| true)
}

/// Each column of `frame` that `wanted` names computed alone (its null count), timed.
fn time_columns_alone(
    frame: LazyFrame,
    wanted: impl Fn(&str) -> bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let names = frame
        .clone()
        .collect_schema()?
        .iter_names()
        .filter(|name| wanted(name.as_str()))
        .cloned()
        .collect::<Vec<_>>();
    for name in names {
        let start = Instant::now();
        frame
            .clone()
            .select([col(name.clone()).null_count()])
            .collect_with_engine(Engine::Streaming)?;
        println!("{name}: {:.2} s", start.elapsed().as_secs_f64());
    }
    Ok(())
}

/// The aggregation's per-record key expressions (universe flags, dimension values; not the
/// groupings it reads from their base after grouping) computed without grouping, all together or
/// each alone: what the grouping itself costs beyond them.
fn time_keys(
    indicators: &[&ilms::indicators::Indicator],
    checked: LazyFrame,
    part: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let keys: Vec<(String, Expr)> = tabulate::aggregation_keys(indicators, validate::RULE)
        .into_iter()
        .map(|(name, expr)| (name.clone(), expr.alias(name.as_str())))
        .collect();
    let prefix = std::env::var("KEYS").unwrap_or_default();
    let keys: Vec<(String, Expr)> = keys
        .into_iter()
        .filter(|(n, _)| n.starts_with(&prefix))
        .collect();
    let groups: Vec<Vec<(String, Expr)>> = if part == "keys" {
        vec![keys]
    } else {
        keys.into_iter().map(|k| vec![k]).collect()
    };
    if std::env::var_os("PRINT").is_some() {
        for group in &groups {
            for (name, expr) in group {
                println!("{name}: {expr:?}");
            }
        }
    }
    for group in groups {
        let start = Instant::now();
        let exprs: Vec<Expr> = group.iter().map(|(_, e)| e.clone().null_count()).collect();
        checked
            .clone()
            .select(exprs)
            .collect_with_engine(Engine::Streaming)?;
        let names: Vec<&str> = group.iter().map(|(n, _)| n.as_str()).collect();
        println!(
            "{:.2} s  {}",
            start.elapsed().as_secs_f64(),
            if names.len() > 3 {
                format!("{} keys", names.len())
            } else {
                names.join(", ")
            }
        );
    }
    Ok(())
}
