//! `ilms query`: SQL over a round's published outputs, for analysts.
//!
//! Tables: `indicators` (the Hive-partitioned cells, with ref_area and time read from the folder
//! names, both as text), `records` (harmonized records of every source), `quarantine`, `coverage`,
//! `validation` and `labels` (every code's label). Polars SQL: SELECT, WHERE, GROUP BY, JOIN,
//! ORDER BY, LIMIT.
//!
//! Read-only: only a query statement is run (SELECT, WITH, ...), file-reading functions are
//! refused ([`crate::expression::guard`]), and the tables are scans of one sealed release. A query
//! may run under a time and a memory limit ([`query_within`], [`QueryLimits`]).

use std::path::Path;
use std::time::{Duration, Instant};

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::error::{Error, Result};

/// How the result is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryOutput {
    /// An aligned table, every row.
    Table,
    /// CSV on standard output, for a spreadsheet or another tool.
    Csv,
    /// JSON: an array with one object per row (column name to value; null for a missing value).
    Json,
}

/// What one query may use: past either limit, [`query_within`] returns an error.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// Wall-clock time from the start of the query.
    pub timeout: Duration,
    /// Resident memory of the process, in bytes (measured on Linux only: /proc/self/status).
    pub max_memory: u64,
}

/// How often the clock and the memory are looked at while a query runs.
const WATCH_EVERY: Duration = Duration::from_millis(20);

/// [`query`] within `limits`: the query runs on a thread of its own while this one watches the
/// clock and the process's memory, and an answer that comes after the time limit counts as late.
/// Past a limit the error is returned at once, but the query's thread goes on: polars cannot be
/// interrupted mid-plan, so the memory and time it uses come back only when the process ends
/// (`ilms query` exits with the error; a query only reads, so nothing is left half-written).
pub fn query_within(
    processed: &Path,
    sql: &str,
    output: QueryOutput,
    limits: QueryLimits,
) -> Result<String> {
    let start = Instant::now();
    let (sender, answer) = std::sync::mpsc::channel();
    let (folder, text) = (processed.to_path_buf(), sql.to_string());
    let spawned = std::thread::Builder::new()
        .name("ilms-query".into())
        .spawn(move || sender.send(query(&folder, &text, output)));
    let past_limit = |problem: String| {
        Error::new(
            processed,
            "query",
            problem,
            "narrow the query (WHERE on ref_area, time or indicator; LIMIT), or raise --timeout / --max-memory",
        )
    };
    if let Err(e) = spawned {
        return Err(Error::new(
            processed,
            "query",
            format!("could not start the query's thread: {e}"),
            "try again; if it persists, the machine is short of memory or threads",
        ));
    }
    loop {
        use std::sync::mpsc::RecvTimeoutError;
        let answer = answer.recv_timeout(WATCH_EVERY);
        if start.elapsed() > limits.timeout {
            return Err(past_limit(format!(
                "the query ran longer than its time limit ({} s)",
                limits.timeout.as_secs_f64()
            )));
        }
        if let Some(rss) = resident_bytes().filter(|b| *b > limits.max_memory) {
            return Err(past_limit(format!(
                "the query used {} MiB of memory, more than its limit ({} MiB)",
                rss >> 20,
                limits.max_memory >> 20
            )));
        }
        match answer {
            Ok(result) => return result,
            Err(RecvTimeoutError::Timeout) => continue,
            // The thread ended without an answer: it panicked (the message is on standard error).
            Err(RecvTimeoutError::Disconnected) => {
                return Err(Error::new(
                    processed,
                    "query",
                    "the query stopped with an internal error (above)",
                    "report it with the query; meanwhile rewrite the query another way",
                ))
            }
        }
    }
}

/// The process's resident memory in bytes (Linux: `VmRSS` of /proc/self/status); None elsewhere.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Only statements that read: a query (SELECT, WITH, FROM, VALUES) or a look at the tables (SHOW,
/// DESCRIBE, EXPLAIN). Polars' CREATE, INSERT, DROP or TRUNCATE would only touch its in-memory
/// catalogue, but a user typing them expects a change ilms never makes.
fn read_only(sql: &str) -> std::result::Result<(), String> {
    let mut rest = sql.trim_start();
    // Leading comments are skipped.
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    let word: String = rest
        .trim_start_matches('(')
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    const READING: [&str; 7] = [
        "SELECT", "WITH", "FROM", "VALUES", "SHOW", "DESCRIBE", "EXPLAIN",
    ];
    if READING.contains(&word.as_str()) {
        return Ok(());
    }
    Err(format!(
        "'{}' is not a query: ilms query only reads the current release",
        if word.is_empty() {
            rest.chars().take(20).collect()
        } else {
            word
        }
    ))
}

/// Run `sql` over the outputs in `processed` and render the result.
pub fn query(processed: &Path, sql: &str, output: QueryOutput) -> Result<String> {
    read_only(sql)
        .and_then(|_| crate::expression::guard(sql))
        .map_err(|problem| {
            Error::new(
                processed,
                "query",
                problem,
                "query the release's tables: indicators, records, quarantine, coverage, validation, labels",
            )
        })?;
    // Resolved once: the whole query reads one release even if a run makes another current.
    let current = std::fs::canonicalize(processed).unwrap_or_else(|_| processed.to_path_buf());
    let root = current.as_path();
    let mut context = SQLContext::new();
    let mut tables = Vec::new();
    if root.join("indicators").is_dir() {
        context.register("indicators", scan_indicators(root)?);
        tables.push("indicators");
    }
    for (name, folder) in [("records", "harmonized"), ("quarantine", "quarantine")] {
        let dir = root.join(folder);
        if dir.is_dir() {
            context.register(name, union_by_name(&dir)?);
            tables.push(name);
        }
    }
    for (name, file) in [
        ("coverage", "coverage.parquet"),
        ("validation", "validation.parquet"),
        ("labels", "labels.parquet"),
    ] {
        let path = root.join(file);
        if path.is_file() {
            context.register(name, scan(&path, ScanArgsParquet::default())?);
            tables.push(name);
        }
    }
    if tables.is_empty() {
        return Err(Error::new(
            processed,
            "",
            "no published outputs to query",
            "run `ilms run` first (or give the round with --round)",
        ));
    }
    let bad_query = |e: PolarsError| {
        Error::new(
            processed,
            "query",
            format!("the query failed: {e}"),
            format!(
                "tables: {}; check names with e.g. SELECT * FROM indicators LIMIT 5",
                tables.join(", ")
            ),
        )
    };
    let plan = context.execute(sql).map_err(bad_query)?;
    let mut frame = collect(plan).map_err(bad_query)?;
    render(processed, &mut frame, output)
}

/// Run a query's plan. polars 0.55 fails some aggregates over a union of Parquet scans (records,
/// quarantine: COUNT(*) reads no column, "casting from UInt32 to UInt128") when it pushes the
/// projection down; without that push-down the same plan counts right.
fn collect(plan: LazyFrame) -> PolarsResult<DataFrame> {
    match plan.clone().collect() {
        Err(e) if e.to_string().contains("casting from UInt32 to UInt128") => {
            plan.with_projection_pushdown(false).collect()
        }
        other => other,
    }
}

/// The result as the user asked for it.
fn render(processed: &Path, frame: &mut DataFrame, output: QueryOutput) -> Result<String> {
    match output {
        QueryOutput::Csv => {
            let mut out = Vec::new();
            CsvWriter::new(&mut out)
                .finish(frame)
                .map_err(|e| Error::polars(processed, "write the result as CSV", e))?;
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        QueryOutput::Json => {
            let rows = json_rows(frame);
            let text = serde_json::to_string_pretty(&rows)
                .map_err(|e| Error::new(processed, "query", e.to_string(), "report this bug"))?;
            Ok(text + "\n")
        }
        QueryOutput::Table => {
            let rows = frame.height();
            let shown = format_table(frame);
            Ok(format!("{shown}\n{rows} rows\n"))
        }
    }
}

/// One JSON object per row: numbers as numbers (a non-finite float as null), booleans as
/// booleans, null as null, anything else as its text.
fn json_rows(frame: &DataFrame) -> Vec<serde_json::Map<String, serde_json::Value>> {
    use serde_json::Value;
    let columns = frame.columns();
    (0..frame.height())
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    let value = match c.get(row) {
                        Ok(AnyValue::Null) | Err(_) => Value::Null,
                        Ok(AnyValue::Boolean(b)) => Value::Bool(b),
                        Ok(AnyValue::String(s)) => Value::from(s),
                        Ok(AnyValue::StringOwned(s)) => Value::from(s.as_str()),
                        Ok(AnyValue::Float64(f)) => Value::from(f),
                        Ok(AnyValue::Float32(f)) => Value::from(f as f64),
                        Ok(v) if v.is_integer() => match v.extract::<i64>() {
                            Some(i) => Value::from(i),
                            None => v.extract::<u64>().map_or(Value::Null, Value::from),
                        },
                        Ok(v) => Value::from(v.to_string()),
                    };
                    (c.name().to_string(), value)
                })
                .collect()
        })
        .collect()
}

/// The published indicator cells (`processed/indicators/`, Hive-partitioned), with `ref_area` and
/// `time` read from the folder names as text (a time like "2024" must stay text: "2024Q1" exists).
pub fn scan_indicators(processed: &Path) -> Result<LazyFrame> {
    let partitions: Schema = [("ref_area", DataType::String), ("time", DataType::String)]
        .into_iter()
        .map(|(n, t)| Field::new(n.into(), t))
        .collect();
    let args = ScanArgsParquet {
        hive_options: HiveOptions {
            enabled: Some(true),
            schema: Some(std::sync::Arc::new(partitions)),
            ..HiveOptions::new_enabled()
        },
        ..Default::default()
    };
    scan(&processed.join("indicators"), args)
}

fn scan(path: &Path, args: ScanArgsParquet) -> Result<LazyFrame> {
    LazyFrame::scan_parquet(PlRefPath::new(path.to_string_lossy().as_ref()), args)
        .map_err(|e| Error::polars(path, "open the published Parquet", e))
}

/// Every Parquet file of a folder as one table: sources publish different columns (a count or a
/// weight, their own `_src` columns), so a column a file lacks is null there.
fn union_by_name(dir: &Path) -> Result<LazyFrame> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, "list the published files", e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    files.sort();
    let mut frames = Vec::new();
    let mut columns: Vec<(PlSmallStr, DataType)> = Vec::new();
    for file in &files {
        let mut frame = scan(file, ScanArgsParquet::default())?;
        let schema = frame
            .collect_schema()
            .map_err(|e| Error::polars(file, "read the Parquet schema", e))?;
        for (name, dtype) in schema.iter() {
            if !columns.iter().any(|(n, _)| n == name) {
                columns.push((name.clone(), dtype.clone()));
            }
        }
        frames.push((frame, schema));
    }
    let aligned: Vec<LazyFrame> = frames
        .into_iter()
        .map(|(frame, schema)| {
            frame.select(
                columns
                    .iter()
                    .map(|(name, dtype)| match schema.get(name) {
                        Some(_) => col(name.clone()),
                        None => lit(NULL).cast(dtype.clone()).alias(name.clone()),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    if aligned.is_empty() {
        return Err(Error::new(
            dir,
            "",
            "no Parquet files",
            "run `ilms run` first",
        ));
    }
    concat(aligned, UnionArgs::default()).map_err(|e| Error::polars(dir, "combine the files", e))
}

/// The frame as an aligned text table with every row and column.
fn format_table(frame: &DataFrame) -> String {
    let columns = frame.columns();
    let mut cells: Vec<Vec<String>> = vec![columns.iter().map(|c| c.name().to_string()).collect()];
    for row in 0..frame.height() {
        cells.push(
            columns
                .iter()
                .map(|c| match c.get(row) {
                    Ok(AnyValue::Null) | Err(_) => String::new(),
                    Ok(AnyValue::String(s)) => s.to_string(),
                    Ok(value) => value.to_string(),
                })
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..columns.len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    cells
        .iter()
        .map(|row| {
            row.iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
