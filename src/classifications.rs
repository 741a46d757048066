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
    /// ISCO-88 codes, 1 to 4 digits (those the official correspondence links).
    pub isco88: BTreeSet<String>,
    /// ISIC Rev.4 codes (section letters, 2-4 digits) with their section.
    pub isic4_sections: BTreeMap<String, String>,
    /// ISIC Rev.3.1 codes, 2 to 4 digits (those the official correspondence links).
    pub isic31: BTreeSet<String>,
    /// ISIC Rev.3.1 division (2 digits) to its tabulation category (section letter).
    pub isic31_sections: BTreeMap<String, String>,
    /// ISCED 2011 levels ("X" no schooling, "0" to "8", "9" not elsewhere classified).
    pub isced11: BTreeSet<String>,
    /// ICSE-93 groups ("1" to "6").
    pub icse93: BTreeSet<String>,
    pub isco88_to_isco08: Crosswalk,
    pub isic31_to_isic4: Crosswalk,
    /// ILOSTAT source types (BA, AA, FX, ...).
    pub source_types: BTreeMap<String, String>,
}

/// An official correspondence from an older classification version to the one ilms harmonizes to.
#[derive(Debug, Clone)]
pub struct Crosswalk {
    pub path: PathBuf,
    /// (from, to) links in the official table's order.
    pub links: Vec<(String, String)>,
    /// How many leading characters of a target identify a usable level (ISCO: 1, the major group;
    /// ISIC: 2, the division). A common part shorter than this is no level at all.
    pub shortest_level: usize,
}

/// How a code that the correspondence links to several targets was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// One target: nothing to resolve.
    Unique,
    /// Several targets that agree down to a level: that level (e.g. the ISCO-08 sub-major group).
    CommonLevel,
    /// Several targets in different ISIC divisions of one section: the section.
    CommonSection,
    /// Several targets that share no level (ISCO: major group; ISIC: section): not converted,
    /// never placed by the order of the table's rows; the source is published in its own version.
    Split,
}

impl Resolution {
    pub fn name(self) -> &'static str {
        match self {
            Resolution::Unique => "unique",
            Resolution::CommonLevel => "common_level",
            Resolution::CommonSection => "common_section",
            Resolution::Split => "split",
        }
    }

    /// Whether the code converts faithfully: its links stay in one category at the published
    /// level (ISCO-08 major group, ISIC Rev.4 section).
    pub fn converts(self) -> bool {
        self != Resolution::Split
    }
}

impl Crosswalk {
    fn load(path: &Path, shortest_level: usize) -> Result<Crosswalk> {
        let table = TextTable::read(path)?;
        let links = table
            .rows(&["from", "to"])?
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        Ok(Crosswalk {
            path: path.to_path_buf(),
            links,
            shortest_level,
        })
    }

    /// The source codes the correspondence knows, with every shorter prefix (a 2-digit code stands
    /// for all the 4-digit codes under it).
    fn source_codes(&self) -> BTreeSet<String> {
        let mut codes = BTreeSet::new();
        for (from, _) in &self.links {
            for depth in self.shortest_level.min(from.len())..=from.len() {
                codes.insert(from[..depth].to_string());
            }
        }
        codes
    }

    /// The target of a source code: the one target if there is one; else the deepest level all
    /// targets share; else (ISIC) their common section; else none (`Split`: the links span several
    /// categories at the published level, so no target is faithful, and none is picked by the
    /// order of the table's rows). None if the code has no link. `sections` (division -> section)
    /// is given for ISIC, whose sections are a level above the digits.
    pub fn resolve(
        &self,
        code: &str,
        sections: Option<&BTreeMap<String, String>>,
    ) -> Option<(Option<String>, Resolution)> {
        let mut targets: Vec<&str> = Vec::new();
        for (from, to) in &self.links {
            if from.starts_with(code) && !targets.contains(&to.as_str()) {
                targets.push(to);
            }
        }
        let first = *targets.first()?;
        if targets.len() == 1 {
            return Some((Some(first.to_string()), Resolution::Unique));
        }
        let common = targets.iter().fold(first.len(), |n, t| {
            first
                .chars()
                .zip(t.chars())
                .take(n)
                .take_while(|(a, b)| a == b)
                .count()
        });
        if common >= self.shortest_level {
            return Some((Some(first[..common].to_string()), Resolution::CommonLevel));
        }
        let section_of = |t: &str| sections?.get(t.get(..2).unwrap_or(t)).cloned();
        if let Some(section) = section_of(first) {
            if targets
                .iter()
                .all(|t| section_of(t).as_deref() == Some(&section))
            {
                return Some((Some(section), Resolution::CommonSection));
            }
        }
        Some((None, Resolution::Split))
    }
}

pub const CODELISTS_FILE: &str = "ilostat_codelists.csv";
pub const COUNTRIES_FILE: &str = "countries_iso3.csv";
pub const ISCO08_FILE: &str = "isco08_unit_groups.csv";
pub const SOURCE_TYPES_FILE: &str = "ilostat_source_types.csv";
pub const ISIC4_FILE: &str = "isic4_structure.csv";
pub const ISCO88_CROSSWALK_FILE: &str = "crosswalks/isco88_isco08.csv";
pub const ISIC31_CROSSWALK_FILE: &str = "crosswalks/isic31_isic4.csv";
pub const ISIC31_SECTIONS_FILE: &str = "isic31_sections.csv";

/// The ISIC Rev.3.1 sections by division; every division the correspondence links must have one.
fn isic31_sections(path: &Path, isic31: &BTreeSet<String>) -> Result<BTreeMap<String, String>> {
    let sections: BTreeMap<String, String> = TextTable::read(path)?
        .rows(&["division", "section"])?
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    for code in isic31 {
        let division = code.get(..2).unwrap_or(code);
        if !sections.contains_key(division) {
            return Err(Error::new(
                path,
                division,
                format!("ISIC Rev.3.1 division '{division}' (of code {code} in {ISIC31_CROSSWALK_FILE}) has no section"),
                "add the division with its section letter (A to Q)",
            ));
        }
    }
    Ok(sections)
}

impl Classifications {
    /// The ISIC Rev.3.1 section of a code (its division's), if it has one.
    pub fn isic31_section(&self, code: &str) -> Option<&str> {
        self.isic31_sections
            .get(code.get(..2).unwrap_or(code))
            .map(String::as_str)
    }

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
            .rows(&["code", "label"])?
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        let isic4 = TextTable::read(&dir.join(ISIC4_FILE))?;
        let isic4_sections = isic4
            .rows(&["code", "section"])?
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        // ISCED and ICSE codes are the suffixes of ILOSTAT's codes (EDU_ISCED11_3 -> "3").
        let suffixes = |version: &str| -> BTreeSet<String> {
            let prefix = format!("{version}_");
            versions
                .get(version)
                .map(|codes| {
                    codes
                        .iter()
                        .filter(|c| !c.is_total)
                        .filter_map(|c| c.code.strip_prefix(&prefix).map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let isced11 = suffixes("EDU_ISCED11");
        let icse93 = suffixes("STE_ICSE93");
        let isco88_to_isco08 = Crosswalk::load(&dir.join(ISCO88_CROSSWALK_FILE), 1)?;
        let isic31_to_isic4 = Crosswalk::load(&dir.join(ISIC31_CROSSWALK_FILE), 2)?;
        let isic31 = isic31_to_isic4.source_codes();
        let isic31_sections = isic31_sections(&dir.join(ISIC31_SECTIONS_FILE), &isic31)?;
        Ok(Classifications {
            dir: dir.to_path_buf(),
            isco88: isco88_to_isco08.source_codes(),
            isic31,
            isic31_sections,
            versions,
            countries,
            isco08,
            isic4_sections,
            isced11,
            icse93,
            isco88_to_isco08,
            isic31_to_isic4,
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

    /// The label of an ILOSTAT code of any version (the code itself if no list has it).
    pub fn label(&self, code: &str) -> String {
        self.versions
            .values()
            .flatten()
            .find(|c| c.code == code)
            .map(|c| c.label.clone())
            .unwrap_or_else(|| code.to_string())
    }

    /// A country's name from its ISO 3166-1 alpha-3 code (the country-of-birth list's labels).
    pub fn country_name(&self, iso3: &str) -> String {
        let code = format!("CBR_BRT_{iso3}");
        self.versions
            .get("CBR_BRT")
            .and_then(|codes| codes.iter().find(|c| c.code == code))
            .map(|c| c.label.clone())
            .unwrap_or_else(|| iso3.to_string())
    }
}
