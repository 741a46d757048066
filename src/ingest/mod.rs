//! Ingest: a raw file as its spec declares it, as text columns with provenance.
//!
//! Every column is read as text so that national codes keep their exact form ("01" is not 1); typing
//! is harmonization's job. Each record gets `source_row`, its 1-based data row number in the file,
//! so every harmonized value and every quarantined record leads back to the raw line.
//!
//! Formats: delimited and fixed-width text in a declared encoding ([`text`]), Excel workbooks
//! ([`workbook`]), Stata and SPSS files with their value labels ([`labelled`]) and Parquet. UTF-8 text
//! and Parquet are scanned lazily (streamed, never loaded whole); the others are what ministries
//! export from desktop tools, read into memory and converted to the same text columns. Whatever the
//! format, the same records give the same text: a missing value is "", a whole number has no ".0".

mod biff;
mod labelled;
mod reshape;
mod text;
mod workbook;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::expression::ColumnValues;
use crate::lookup::{Absent, CodeTable};
use crate::spec::{FileSpec, Header, MapKey, SourceSpec, Unpivot};

pub use reshape::STATED_TOTAL_PUBLISHED;
pub use text::{sniff, TextLayout, TextSniff};
pub(crate) use workbook::leading_rows as workbook_rows;

/// Name of the row-number column every ingested frame carries.
pub use crate::contract::SOURCE_ROW;

/// Value labels of a file's columns: column -> stored code (as text) -> label.
pub type ValueLabels = BTreeMap<String, BTreeMap<String, String>>;

/// A raw file's records, planned as a lazy frame (nothing is read until the runner executes it).
#[derive(Clone)]
pub struct RawRecords {
    /// Every column as text, plus `source_row`.
    pub frame: LazyFrame,
    /// Rows of a workbook that carry the source's own totals, set aside (not records).
    pub total_rows: usize,
    /// The workbook's own totals against the sum of their parts (for the source-totals rule).
    pub total_checks: Vec<TotalCheck>,
    /// Value labels of the columns the frame holds as codes (those mapped by label hold their
    /// labels instead): what an expression comparing a code with a label is told.
    pub code_labels: ValueLabels,
}

/// A total a source states (a "Total" row's cell, a total column) and the sum of its parts.
#[derive(Debug, Clone)]
pub struct TotalCheck {
    /// Which total, for a person: "sheet row 45 'JUMLAH', column 'Perempuan'".
    pub what: String,
    pub stated: f64,
    pub computed: f64,
}

/// A raw file read as text columns, whatever its format.
pub(crate) struct Loaded {
    /// Text columns and `source_row`.
    pub frame: LazyFrame,
    pub columns: Vec<String>,
    /// How the file stores each column (for `ilms inspect`), in column order.
    pub storage: Vec<String>,
    pub labels: ValueLabels,
    pub total_rows: usize,
    pub total_checks: Vec<TotalCheck>,
    /// A workbook's one-cell notes under the table, top to bottom (none for other formats).
    pub footnotes: Vec<String>,
    /// A line about the file itself for `ilms inspect` (format version, sheet, encoding).
    pub description: String,
}

/// Read a raw file as `file` declares it. `header_only` stops after the column names where the
/// format allows (checking a spec must not read a census).
pub(crate) fn load(path: &Path, file: &FileSpec, header_only: bool) -> Result<Loaded> {
    let loaded = match file {
        FileSpec::Csv(csv) => text::load(path, text::Lines::Delimited(csv), header_only)?,
        FileSpec::FixedWidth(fixed) => {
            text::load(path, text::Lines::FixedWidth(fixed), header_only)?
        }
        // A workbook unpivots as it reads, before its total rows and columns are checked.
        FileSpec::Xlsx(book) | FileSpec::Xls(book) => return workbook::load(path, book),
        FileSpec::Dta(_) => labelled::load_dta(path, header_only)?,
        FileSpec::Sav(_) => labelled::load_sav(path, header_only)?,
        FileSpec::Parquet(_) => load_parquet(path)?,
    };
    match file.unpivot() {
        Some(unpivot) => unpivoted(path, unpivot, loaded),
        None => Ok(loaded),
    }
}

/// A wide table in any format as one row per category (see [`reshape`]); read into memory, as
/// the wide tables ministries send are small.
fn unpivoted(path: &Path, unpivot: &Unpivot, mut loaded: Loaded) -> Result<Loaded> {
    let frame = guarded(path, "read", || {
        loaded
            .frame
            .clone()
            .collect()
            .map_err(|e| Error::polars(path, "read the table", e))
    })?;
    let text = |name: &str| -> Result<Vec<String>> {
        let column = frame
            .column(name)
            .and_then(|c| c.cast(&DataType::String))
            .map_err(|e| Error::polars(path, "read the table", e))?;
        let values = column
            .str()
            .map_err(|e| Error::polars(path, "read the table", e))?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect();
        Ok(values)
    };
    let rows: Vec<IdxSize> = text(SOURCE_ROW)?
        .iter()
        .map(|r| r.parse().unwrap_or_default())
        .collect();
    let values = loaded
        .columns
        .iter()
        .map(|c| text(c))
        .collect::<Result<Vec<_>>>()?;
    let row_name = |row: IdxSize| format!("data row {row}");
    let ((columns, values, rows), checks) = reshape::unpivoted(
        path,
        unpivot,
        (loaded.columns.clone(), values, rows),
        &row_name,
    )?;
    loaded.frame = reshape::numbered_frame(path, &columns, values, rows)?;
    loaded.storage = vec!["text".into(); columns.len()];
    loaded.labels.retain(|column, _| columns.contains(column));
    loaded.columns = columns;
    loaded.total_checks.extend(checks);
    Ok(loaded)
}

/// The column names of a raw file and which carry value labels (used to check specs).
pub fn read_header(path: &Path, file: &FileSpec) -> Result<Header> {
    let loaded = load(path, file, true)?;
    Ok(Header {
        labelled: loaded.labels.keys().cloned().collect(),
        columns: loaded.columns,
        footnotes: loaded.footnotes,
    })
}

/// Plan the reading of every record of the source's raw file: all columns as text, plus
/// `source_row`; a column whose map keys on value labels carries its labels instead of its codes.
pub fn ingest(spec: &SourceSpec) -> Result<RawRecords> {
    let mut loaded = load(&spec.raw_path, &spec.file, false)?;
    let mut code_labels = loaded.labels.clone();
    for mapping in &spec.variables {
        if mapping.key != MapKey::Label {
            continue;
        }
        let Some(labels) = loaded.labels.get(&mapping.column) else {
            return Err(Error::new(
                &spec.spec_path,
                format!("variables.{}.key", mapping.variable.name()),
                format!("column '{}' has no value labels", mapping.column),
                "key the map on codes, or label the column in the source file",
            ));
        };
        if code_labels.remove(&mapping.column).is_some() {
            loaded.frame = with_labels(loaded.frame, &mapping.column, labels);
        }
    }
    Ok(RawRecords {
        frame: loaded.frame,
        total_rows: loaded.total_rows,
        total_checks: loaded.total_checks,
        code_labels,
    })
}

/// Check the spec's expressions against what the raw file holds (see [`crate::expression`]): reads
/// only the columns they compare with a literal, and only if there are any.
pub fn check_expressions(spec: &SourceSpec, raw: &RawRecords) -> Result<()> {
    let compared: BTreeSet<String> = spec
        .variables
        .iter()
        .filter_map(|m| m.expr.as_ref())
        .flat_map(crate::expression::comparisons)
        .map(|c| c.column)
        .collect();
    if compared.is_empty() {
        return Ok(());
    }
    let holds = column_values(spec, raw, &compared)?;
    for mapping in &spec.variables {
        if let Some(expr) = &mapping.expr {
            let key = format!("variables.{}.expr", mapping.variable.name());
            crate::expression::check(&spec.spec_path, &key, expr, &holds)?;
        }
    }
    Ok(())
}

/// What the given raw columns hold, as the spec's expressions see them (the columns' distinct
/// values read together): their values, the labels of their codes, the values that are not numbers.
fn column_values(
    spec: &SourceSpec,
    raw: &RawRecords,
    columns: &BTreeSet<String>,
) -> Result<BTreeMap<String, ColumnValues>> {
    let plans = columns.iter().map(|column| {
        raw.frame
            .clone()
            .select([col(column.as_str())])
            .unique(None, UniqueKeepStrategy::Any)
            .with_column(
                col(column.as_str())
                    .cast(DataType::Float64)
                    .is_null()
                    .and(col(column.as_str()).neq(lit("")))
                    .alias("not_number"),
            )
            .sort([column.as_str()], SortMultipleOptions::default())
            .logical_plan
    });
    let distinct = guarded(&spec.raw_path, "read", || {
        LazyFrame::collect_all_with_engine(plans.collect(), Engine::Auto, OptFlags::default())
            .map_err(|e| {
                Error::polars(
                    &spec.raw_path,
                    "read the columns the expressions compare",
                    e,
                )
            })
    })?;
    let mut holds = BTreeMap::new();
    for (column, frame) in columns.iter().zip(&distinct) {
        let text = frame.column(column).and_then(|c| c.str().cloned());
        let not_number = frame.column("not_number").and_then(|c| c.bool().cloned());
        let (Ok(text), Ok(not_number)) = (text, not_number) else {
            continue;
        };
        let mut values = ColumnValues {
            labels: raw.code_labels.get(column).cloned().unwrap_or_default(),
            ..Default::default()
        };
        for (value, not_number) in text.iter().zip(not_number.iter()) {
            let value = value.unwrap_or_default().to_string();
            if not_number == Some(true) {
                values.not_numbers.push(value.clone());
            }
            values.values.insert(value);
        }
        holds.insert(column.clone(), values);
    }
    Ok(holds)
}

/// Replace a column's codes by their value labels; a code without a label keeps its code.
fn with_labels(frame: LazyFrame, column: &str, labels: &BTreeMap<String, String>) -> LazyFrame {
    let labels = CodeTable::new(
        labels
            .iter()
            .map(|(code, label)| (code.clone(), Some(label.clone()))),
    );
    frame.with_column(labels.apply(col(column), Absent::Kept).alias(column))
}

/// A lazy read of a raw file as `file` declares it, every column as text (no `source_row`).
pub fn scan(path: &Path, file: &FileSpec) -> Result<LazyFrame> {
    Ok(load(path, file, false)?
        .frame
        .drop(by_name([SOURCE_ROW], true, false)))
}

/// Parquet: scanned lazily; typed columns become text the way the other readers write them.
fn load_parquet(path: &Path) -> Result<Loaded> {
    let mut frame = LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )
    .map_err(|e| parquet_error(path, e))?;
    let schema = frame.collect_schema().map_err(|e| parquet_error(path, e))?;
    let columns: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let storage = schema.iter_values().map(|d| d.to_string()).collect();
    let text: Vec<Expr> = schema
        .iter()
        .map(|(name, dtype)| as_text(col(name.clone()), dtype).alias(name.clone()))
        .collect();
    Ok(Loaded {
        frame: frame.select(text).with_row_index(SOURCE_ROW, Some(1)),
        columns,
        storage,
        labels: ValueLabels::new(),
        total_rows: 0,
        total_checks: Vec::new(),
        footnotes: Vec::new(),
        description: "Parquet".into(),
    })
}

fn parquet_error(path: &Path, e: PolarsError) -> Error {
    Error::new(
        path,
        "",
        format!("not a readable Parquet file: {e}"),
        "check the file is complete (a truncated copy loses its footer) and really Parquet",
    )
}

/// A typed column as text: missing is "", whole numbers without ".0", as the text readers see them.
fn as_text(value: Expr, dtype: &DataType) -> Expr {
    let text = if dtype.is_float() {
        // Whole numbers as integers ("35", not "35.0"), like the CSV a statistics office would export.
        when(
            value
                .clone()
                .floor()
                .eq(value.clone())
                .and(value.clone().abs().lt(lit(1e15))),
        )
        .then(value.clone().cast(DataType::Int64).cast(DataType::String))
        .otherwise(value.cast(DataType::String))
    } else {
        value.cast(DataType::String)
    };
    text.fill_null(lit(""))
}

/// A number as the text readers write it: whole numbers without a decimal point, others in the
/// shortest form that reads back to the same value.
pub fn number_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

impl Loaded {
    /// What an in-memory reader read: its text columns (in order, each with its values), numbered
    /// from data row 1.
    pub(crate) fn in_memory(
        path: &Path,
        columns: Vec<String>,
        values: Vec<Vec<String>>,
        storage: Vec<String>,
        labels: ValueLabels,
        description: String,
    ) -> Result<Loaded> {
        let frame = DataFrame::new_infer_height(
            columns
                .iter()
                .zip(values)
                .map(|(name, values)| Column::new(name.as_str().into(), values))
                .collect(),
        )
        .map_err(|e| Error::polars(path, "assemble the columns", e))?;
        Ok(Loaded {
            frame: frame.lazy().with_row_index(SOURCE_ROW, Some(1)),
            columns,
            storage,
            labels,
            total_rows: 0,
            total_checks: Vec::new(),
            footnotes: Vec::new(),
            description,
        })
    }
}

thread_local! {
    static IN_GUARDED_READER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is in a third-party reader run by `guarded`: a panic there becomes an
/// error, so the program's panic hook need not print it.
pub fn in_guarded_reader() -> bool {
    IN_GUARDED_READER.get()
}

/// Run a third-party reader so that a panic on a damaged file becomes a clear error, not a crash.
pub(crate) fn guarded<T>(path: &Path, what: &str, read: impl FnOnce() -> Result<T>) -> Result<T> {
    let was = IN_GUARDED_READER.replace(true);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    IN_GUARDED_READER.set(was);
    result.unwrap_or_else(|_| {
        Err(Error::new(
            path,
            "",
            format!("the {what} reader could not make sense of the file: it is damaged or not a {what} file"),
            "export the file again from the program that made it, or check file.format",
        ))
    })
}

/// A clearer error for a failure polars reports while reading the records, where ilms can find
/// the row: a record of a delimited file with more fields than its header.
pub fn explain_read_error(spec: &SourceSpec, error: &PolarsError) -> Option<Error> {
    let FileSpec::Csv(delimited) = &spec.file else {
        return None;
    };
    if !error.to_string().contains("more fields than") {
        return None;
    }
    let ragged = text::first_ragged_record(&spec.raw_path, delimited).ok()??;
    Some(Error::new(
        &spec.raw_path,
        format!("row {} (line {} of the file)", ragged.record, ragged.line),
        format!(
            "the row has {} fields where the header has {}",
            ragged.fields, ragged.expected
        ),
        "correct the row (a delimiter inside a value must be quoted), or check file.delimiter and file.quote",
    ))
}

/// SHA-256 of a file, hex-encoded.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    read_blocks(path, |block| {
        hasher.update(block);
        true
    })?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Hand a file to `each` in blocks of 64 KiB, in bounded memory, until it returns false.
pub(crate) fn read_blocks(path: &Path, mut each: impl FnMut(&[u8]) -> bool) -> Result<()> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, "open the file", e))?;
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| Error::io(path, "read the file", e))?;
        if n == 0 || !each(&buffer[..n]) {
            return Ok(());
        }
    }
}
