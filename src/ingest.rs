//! Ingest: a raw file as its spec declares it, as a lazy scan with provenance.
//!
//! Every column is read as text so that national codes keep their exact form ("01" is not 1); typing
//! is harmonization's job. Each record gets `source_row`, its 1-based data row number in the file,
//! so every harmonized value and every quarantined record leads back to the raw line.

use std::io::Read;
use std::path::Path;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::spec::{FileFormat, FileSpec, SourceSpec};

/// Name of the row-number column every ingested frame carries.
pub const SOURCE_ROW: &str = "source_row";

/// A raw file as a lazy scan (nothing is read until the runner executes the plan).
pub struct RawRecords {
    pub frame: LazyFrame,
}

/// The spec's delimiter byte (checked to be one byte when the spec loads).
fn separator(file: &FileSpec) -> u8 {
    file.delimiter.as_bytes().first().copied().unwrap_or(b',')
}

fn csv_options(file: &FileSpec) -> CsvReadOptions {
    let separator = separator(file);
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .map_parse_options(move |p| p.with_separator(separator).with_missing_is_null(false))
}

/// The column names of a raw file, read without reading its records (used to check specs).
pub fn read_header(path: &Path, file: &FileSpec) -> Result<Vec<String>> {
    match file.format {
        FileFormat::Csv => {
            let frame = csv_options(file)
                .with_n_rows(Some(0))
                .try_into_reader_with_file_path(Some(path.to_path_buf()))
                .and_then(|r| r.finish())
                .map_err(|e| Error::polars(path, "read the header row", e))?;
            Ok(frame
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect())
        }
    }
}

/// Plan the scan of every record of the source's raw file: all columns as text, plus `source_row`.
pub fn ingest(spec: &SourceSpec) -> Result<RawRecords> {
    let frame = scan(&spec.raw_path, &spec.file)?.with_row_index(SOURCE_ROW, Some(1));
    Ok(RawRecords { frame })
}

/// A lazy scan of a raw file as `file` declares it, every column as text (no `source_row`).
pub fn scan(path: &Path, file: &FileSpec) -> Result<LazyFrame> {
    match file.format {
        FileFormat::Csv => LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref()))
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_separator(separator(file))
            .with_missing_is_null(false)
            .finish()
            .map_err(|e| Error::polars(path, "plan the CSV scan", e)),
    }
}

/// SHA-256 of a file, hex-encoded.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, "open the file", e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| Error::io(path, "read the file", e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}
