//! Code lists and crosswalks from `schemas/classifications/` (CSV, `#` lines name their origin).
//! Loaded once per round; stages look codes up here instead of hard-coding them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

/// A CSV table read as text: every column a string, so codes such as "01" keep their leading zeros.
pub struct TextTable {
    pub path: PathBuf,
    pub frame: DataFrame,
}

impl TextTable {
    pub fn read(path: &Path) -> Result<TextTable> {
        if !path.is_file() {
            return Err(Error::new(
                path,
                "",
                "file not found",
                "check the path (paths are relative to the round manifest's folder)",
            ));
        }
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .map_parse_options(|p| p.with_comment_prefix(Some("#")).with_missing_is_null(false))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish())
            .map_err(|e| Error::polars(path, "read the CSV table", e))?;
        Ok(TextTable {
            path: path.to_path_buf(),
            frame,
        })
    }

    pub fn columns(&self) -> Vec<String> {
        self.frame
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    /// The values of one column, "" for empty cells; an error naming the column if it is absent.
    pub fn column(&self, name: &str, key: &str) -> Result<Vec<String>> {
        let series = self.frame.column(name).map_err(|_| {
            Error::new(
                &self.path,
                key,
                format!(
                    "no column '{name}' (columns: {})",
                    self.columns().join(", ")
                ),
                "name a column the file has",
            )
        })?;
        let strings = series
            .str()
            .map_err(|e| Error::polars(&self.path, "read a text column", e))?;
        Ok(strings
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect())
    }

    /// The named columns, row by row.
    pub fn rows(&self, names: &[&str]) -> Result<Vec<Vec<String>>> {
        let columns: Vec<Vec<String>> = names
            .iter()
            .map(|n| self.column(n, "header"))
            .collect::<Result<_>>()?;
        Ok((0..self.frame.height())
            .map(|i| columns.iter().map(|c| c[i].clone()).collect())
            .collect())
    }
}

/// One ILOSTAT code (e.g. `OCU_ISCO08_9` in version `OCU_ISCO08`).
#[derive(Debug, Clone)]
pub struct Code {
    pub code: String,
    pub level: u32,
    pub is_total: bool,
    pub label: String,
    pub sort: i64,
}

/// All code lists of a round.
pub struct Classifications {
    pub dir: PathBuf,
    /// ILOSTAT classification version (e.g. `SEX`, `OCU_ISCO08`) to its codes in sort order.
    pub versions: BTreeMap<String, Vec<Code>>,
    /// ISO 3166-1 alpha-3 codes (plus XXA, stateless).
    pub countries: BTreeSet<String>,
    /// ISCO-08 codes at every level: major (1 digit) to unit group (4 digits).
    pub isco08: BTreeSet<String>,
    /// ILOSTAT source types (BA, AA, FX, ...).
    pub source_types: BTreeSet<String>,
}

pub const CODELISTS_FILE: &str = "ilostat_codelists.csv";
pub const COUNTRIES_FILE: &str = "countries_iso3.csv";
pub const ISCO08_FILE: &str = "isco08_unit_groups.csv";
pub const SOURCE_TYPES_FILE: &str = "ilostat_source_types.csv";

impl Classifications {
    pub fn load(dir: &Path) -> Result<Classifications> {
        let codelists = TextTable::read(&dir.join(CODELISTS_FILE))?;
        let mut versions: BTreeMap<String, Vec<Code>> = BTreeMap::new();
        let rows = codelists.rows(&["version", "code", "level", "is_total", "label", "sort"])?;
        for (i, c) in rows.iter().enumerate() {
            let parse_num = |s: &str, what: &str| {
                s.parse::<i64>().map_err(|_| {
                    Error::new(
                        &codelists.path,
                        format!("data row {}", i + 1),
                        format!("{what} '{s}' is not a whole number"),
                        "rebuild the file with tools/build_classifications.py",
                    )
                })
            };
            versions.entry(c[0].clone()).or_default().push(Code {
                code: c[1].clone(),
                level: parse_num(&c[2], "level")? as u32,
                is_total: c[3] == "Y",
                label: c[4].clone(),
                sort: parse_num(&c[5], "sort")?,
            });
        }
        for codes in versions.values_mut() {
            codes.sort_by_key(|c| c.sort);
        }

        let countries = TextTable::read(&dir.join(COUNTRIES_FILE))?
            .column("iso3", "header")?
            .into_iter()
            .collect();
        let mut isco08 = BTreeSet::new();
        for unit in TextTable::read(&dir.join(ISCO08_FILE))?.column("code", "header")? {
            // A source may code occupation only as deep as it knows: every prefix is a valid code.
            for depth in 1..=unit.len() {
                isco08.insert(unit[..depth].to_string());
            }
        }
        let source_types = TextTable::read(&dir.join(SOURCE_TYPES_FILE))?
            .column("code", "header")?
            .into_iter()
            .collect();
        Ok(Classifications {
            dir: dir.to_path_buf(),
            versions,
            countries,
            isco08,
            source_types,
        })
    }

    /// The codes of a classification version, or an error naming the file that should hold them.
    pub fn version(&self, version: &str) -> Result<&[Code]> {
        self.versions
            .get(version)
            .map(|v| v.as_slice())
            .ok_or_else(|| {
                Error::new(
                    self.dir.join(CODELISTS_FILE),
                    version,
                    format!("no classification version '{version}'"),
                    "use a version the code list has (e.g. SEX, OCU_ISCO08, CBR_BIR, CCT_CIT)",
                )
            })
    }
}
