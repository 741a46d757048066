//! `ilms query`: SQL over a round's published outputs, for analysts.
//!
//! Tables: `indicators` (the Hive-partitioned cells, with ref_area and time read from the folder
//! names, both as text), `records` (harmonized records of every source), `quarantine`, `coverage`
//! and `validation`. Polars SQL: SELECT, WHERE, GROUP BY, JOIN, ORDER BY, LIMIT.

use std::path::Path;

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
}

/// Run `sql` over the outputs in `processed` and render the result.
pub fn query(processed: &Path, sql: &str, output: QueryOutput) -> Result<String> {
    crate::expression::guard(sql).map_err(|problem| {
        Error::new(
            processed,
            "query",
            problem,
            "query the release's tables: indicators, records, quarantine, coverage, validation",
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
    let mut frame = match plan.clone().collect() {
        // polars 0.55 fails COUNT(*) over a union of Parquet scans (records, quarantine) when it
        // pushes the empty projection down ("casting from UInt32 to UInt128"); without that
        // push-down the same plan counts right.
        Err(e) if e.to_string().contains("casting from UInt32 to UInt128") => {
            plan.with_projection_pushdown(false).collect()
        }
        other => other,
    }
    .map_err(bad_query)?;
    match output {
        QueryOutput::Csv => {
            let mut out = Vec::new();
            CsvWriter::new(&mut out)
                .finish(&mut frame)
                .map_err(|e| Error::polars(processed, "write the result as CSV", e))?;
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        QueryOutput::Table => {
            let rows = frame.height();
            let shown = format_table(&frame);
            Ok(format!("{shown}\n{rows} rows\n"))
        }
    }
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
