//! `ilms inspect`: what a statistician needs to write a spec for a file — its columns, how each is
//! stored, row count, value labels and the most frequent values — read the way `ilms run` reads it.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::ingest::{self, SOURCE_ROW};
use crate::spec::{FileFormat, FileSpec, TextEncoding};

/// How to read the file: the `[file]` keys of a spec, from the command line.
pub struct InspectOptions {
    pub path: PathBuf,
    /// Default: from the file's extension.
    pub format: Option<FileFormat>,
    pub encoding: TextEncoding,
    pub delimiter: String,
    pub sheet: Option<String>,
    pub header_row: u32,
    pub header_rows: u32,
    /// How many of each column's most frequent values to show.
    pub values: usize,
    /// Distinct and most frequent values are counted over the first this many rows (memory stays
    /// bounded on a census); the row count and blanks cover the whole file.
    pub sample_rows: usize,
}

pub fn inspect(options: &InspectOptions) -> Result<String> {
    let path = &options.path;
    let file = file_spec(options, file_format(options)?);
    let loaded = ingest::load(path, &file, false)?;
    let frame = loaded
        .frame
        .clone()
        .drop(by_name([SOURCE_ROW], true, false));
    let summaries = Summaries {
        path,
        results: LazyFrame::collect_all_with_engine(
            summary_plans(frame, &loaded.columns, options)
                .into_iter()
                .map(|p| p.logical_plan)
                .collect(),
            Engine::Streaming,
            OptFlags::default(),
        )
        .map_err(|e| Error::polars(path, "read the file", e))?,
    };

    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", display(path), loaded.description);
    let rows = summaries.number("_rows")?;
    write_overview(&mut out, &loaded, rows, options);
    let width = loaded
        .columns
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        out,
        "\n{:<width$}  {:<10} {:>8} {:>9}  most frequent values (count)",
        "column", "stored as", "blank", "distinct"
    );
    for (i, c) in loaded.columns.iter().enumerate() {
        let shown = summaries.most_frequent(i, c)?;
        let _ = writeln!(
            out,
            "{:<width$}  {:<10} {:>8} {:>9}  {}",
            c,
            loaded.storage.get(i).map(String::as_str).unwrap_or(""),
            summaries.number(&format!("_blank{i}"))?,
            summaries.number(&format!("_distinct{i}"))?,
            shown.join(", ")
        );
        if let Some(labels) = loaded.labels.get(c) {
            let listed: Vec<String> = labels.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let _ = writeln!(out, "{:<width$}  value labels: {}", "", listed.join(", "));
        }
    }
    Ok(out)
}

/// The file's format: the one given, or the one its extension says; a fixed-width file is refused
/// (it has no column names to inspect).
fn file_format(options: &InspectOptions) -> Result<FileFormat> {
    let path = &options.path;
    let format = match options.format {
        Some(format) => format,
        None => FileFormat::from_extension(path).ok_or_else(|| {
            Error::new(
                path,
                "",
                "the file's extension does not say its format",
                "give --format (csv, xlsx, xls, dta, sav, parquet)",
            )
        })?,
    };
    if format == FileFormat::FixedWidth {
        return Err(Error::new(
            path,
            "",
            "a fixed-width file has no column names to inspect",
            "inspect it as text (--format csv) and write the layout in the spec's file.columns",
        ));
    }
    Ok(format)
}

/// The `[file]` table of a spec that reads the file the way the command line says.
fn file_spec(options: &InspectOptions, format: FileFormat) -> FileSpec {
    FileSpec {
        path: options.path.clone(),
        format,
        encoding: options.encoding,
        delimiter: options.delimiter.clone(),
        quote: "\"".into(),
        columns: Vec::new(),
        sheet: options.sheet.clone(),
        cells: None,
        header_row: options.header_row,
        header_rows: options.header_rows,
        total_rows: None,
        unpivot: None,
        total_columns: Vec::new(),
    }
}

/// The queries collected together: the row count and every column's blanks over the whole file,
/// then the distinct counts, then each column's most frequent values over the sample.
fn summary_plans(frame: LazyFrame, columns: &[String], options: &InspectOptions) -> Vec<LazyFrame> {
    // One pass for the row count and every column's blanks; distinct and most frequent values
    // over the first `sample_rows` rows.
    let mut summary_exprs = vec![len().alias("_rows")];
    for (i, c) in columns.iter().enumerate() {
        summary_exprs.push(
            col(c.as_str())
                .eq(lit(""))
                .sum()
                .alias(format!("_blank{i}")),
        );
    }
    let sample = frame.clone().limit(options.sample_rows as IdxSize);
    let distinct: Vec<Expr> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| col(c.as_str()).n_unique().alias(format!("_distinct{i}")))
        .collect();
    let mut plans = vec![frame.select(summary_exprs), sample.clone().select(distinct)];
    for c in columns {
        plans.push(
            sample
                .clone()
                .group_by([col(c.as_str())])
                .agg([len().alias("n")])
                .sort_by_exprs(
                    [col("n"), col(c.as_str())],
                    SortMultipleOptions::default().with_order_descending_multi([true, false]),
                )
                .limit(options.values as IdxSize),
        );
    }
    plans
}

/// The report's lines under the file's: rows and columns, and how much of the file the value
/// counts cover.
fn write_overview(out: &mut String, loaded: &ingest::Loaded, rows: u64, options: &InspectOptions) {
    let _ = writeln!(
        out,
        "{} rows, {} columns{}",
        rows,
        loaded.columns.len(),
        if loaded.total_rows > 0 {
            format!(" ({} total rows set aside)", loaded.total_rows)
        } else {
            String::new()
        }
    );
    if rows > options.sample_rows as u64 {
        let _ = writeln!(
            out,
            "distinct and most frequent values: first {} rows (--sample-rows)",
            options.sample_rows
        );
    }
}

/// The collected results of [`summary_plans`], read for the report.
struct Summaries<'a> {
    path: &'a Path,
    results: Vec<DataFrame>,
}

impl Summaries<'_> {
    /// A failure reading the results, named for the file.
    fn fail(&self, e: PolarsError) -> Error {
        Error::polars(self.path, "summarize the columns", e)
    }

    /// A count by its alias: the row count, a column's blanks or its distinct values.
    fn number(&self, name: &str) -> Result<u64> {
        let summary = if name.starts_with("_distinct") {
            &self.results[1]
        } else {
            &self.results[0]
        };
        summary
            .column(name)
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(|e| self.fail(e))?
            .u64()
            .map_err(|e| self.fail(e))
            .map(|v| v.get(0).unwrap_or(0))
    }

    /// Column `i`'s most frequent values, each as "value (count)".
    fn most_frequent(&self, i: usize, column: &str) -> Result<Vec<String>> {
        let top = &self.results[i + 2];
        let values = top
            .column(column)
            .map_err(|e| self.fail(e))?
            .str()
            .map_err(|e| self.fail(e))?;
        let counts = top
            .column("n")
            .and_then(|n| n.cast(&DataType::UInt64))
            .map_err(|e| self.fail(e))?;
        let counts = counts.u64().map_err(|e| self.fail(e))?;
        Ok(values
            .iter()
            .zip(counts.iter())
            .map(|(v, n)| {
                let v = v.unwrap_or("");
                let v = if v.is_empty() { "(blank)" } else { v };
                format!("{v} ({})", n.unwrap_or(0))
            })
            .collect())
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
