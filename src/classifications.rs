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
    /// The codes of each classification a map may target, as [`CLASSIFICATIONS`] says.
    code_sets: BTreeMap<Target, BTreeSet<String>>,
    /// The official correspondence from each older version to the current one.
    crosswalks: BTreeMap<Target, Crosswalk>,
    /// ISIC Rev.4 codes (section letters, 2-4 digits) with their section.
    pub isic4_sections: BTreeMap<String, String>,
    /// ISIC Rev.3.1 division (2 digits) to its tabulation category (section letter).
    pub isic31_sections: BTreeMap<String, String>,
    /// ILOSTAT source types (BA, AA, FX, ...).
    pub source_types: BTreeMap<String, String>,
    /// The translation tables grouping harmonized codes (`groupings/*.csv`), one per column made.
    pub groupings: Vec<Grouping>,
    /// The groupings of several classification versions into one classification (skill levels,
    /// sectors), from the indicator declarations; set before the specs are read (empty until
    /// then), so a spec's conversions can be checked against them.
    pub shared_groupings: Vec<SharedGrouping>,
}

/// A classification that several versions are grouped into (skill levels of ISCO-88 and of
/// ISCO-08 major groups; broad and aggregate sectors of ISIC Rev.2 major divisions and of ISIC
/// Rev.3.1 and Rev.4 sections), as the indicator declarations group them: a converted code should
/// stay in its own code's group.
#[derive(Debug, Clone)]
pub struct SharedGrouping {
    /// The grouping's classification (`OCU_SKILL`).
    pub classification: String,
    /// Base code of any of the versions (`OCU_ISCO88_9`, `OCU_ISCO08_9`) -> its group
    /// (`OCU_SKILL_L1`).
    pub groups: BTreeMap<String, String>,
}

impl SharedGrouping {
    /// Whether two base codes, each in a version the grouping covers, fall in different groups.
    pub fn moves(&self, own: &str, converted: &str) -> bool {
        match (self.groups.get(own), self.groups.get(converted)) {
            (Some(own), Some(converted)) => own != converted,
            _ => false,
        }
    }
}

/// One record column made from a harmonized variable by a translation table of
/// `groupings/` (age bands, education aggregates): the table's first column is the variable's
/// codes, each other column a record column's value for them. Defined once, as data.
#[derive(Debug, Clone)]
pub struct Grouping {
    pub path: PathBuf,
    /// The harmonized variable grouped (the table's first column).
    pub variable: String,
    /// The record column made.
    pub column: String,
    /// The variable's code -> the column's value.
    pub codes: BTreeMap<String, String>,
}

impl Grouping {
    /// The values by whole number (0, 1, ... up to the largest code), for a numeric variable;
    /// None where the table has no row for a number. Codes that are not whole numbers are left
    /// out (the round refuses them when it loads: `contract::check_groupings`).
    pub fn by_number(&self) -> Vec<Option<String>> {
        let numbered: BTreeMap<usize, &String> = self
            .codes
            .iter()
            .filter_map(|(code, value)| Some((code.parse().ok()?, value)))
            .collect();
        let last = numbered.keys().next_back().map_or(0, |n| n + 1);
        (0..last)
            .map(|n| numbered.get(&n).map(|v| v.to_string()))
            .collect()
    }
}

/// The translation tables of `folder`, every column after the first a grouping, in file order.
fn load_groupings(folder: &Path) -> Result<Vec<Grouping>> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(folder) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect(),
        Err(_) => return Ok(Vec::new()),
    };
    paths.sort();
    let mut groupings = Vec::new();
    for path in paths {
        let table = TextTable::read(&path)?;
        let columns = table.columns();
        let Some(variable) = columns.first() else {
            continue;
        };
        let codes = table.column(variable, "header")?;
        let mut seen = BTreeSet::new();
        if let Some((row, code)) = codes.iter().enumerate().find(|(_, c)| !seen.insert(*c)) {
            return Err(Error::new(
                &path,
                format!("data row {}", row + 1),
                format!("{variable} '{code}' is on two rows"),
                "give each code one row",
            ));
        }
        for column in &columns[1..] {
            let values = table.column(column, "header")?;
            groupings.push(Grouping {
                path: path.clone(),
                variable: variable.clone(),
                column: column.clone(),
                codes: codes.iter().cloned().zip(values).collect(),
            });
        }
    }
    Ok(groupings)
}

/// A classification a code map may target (international, so it may be named in code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, strum::EnumIter)]
pub enum Target {
    Sex,
    LfStatus,
    Iso3,
    Isco08,
    Isco88,
    Isco68,
    Isic4,
    Isic31,
    Isic2,
    Isced11,
    Icse93,
    Flow,
    Purpose,
}

/// Where a classification's codes come from.
#[derive(Debug, Clone, Copy)]
enum CodeSource {
    /// The contract's own codes.
    Fixed(&'static [&'static str]),
    /// A column of a table in the classifications folder; with `prefixes`, every leading part of
    /// a code is a code too (a source may code ISCO-08 only as deep as it knows: 1 to 4 digits).
    Table {
        file: &'static str,
        column: &'static str,
        prefixes: bool,
    },
    /// The suffixes of an ILOSTAT code list's codes (`EDU_ISCED11_3` gives "3").
    CodeList(&'static str),
    /// An older version: the codes its official correspondence to the current version links,
    /// with every shorter prefix down to `shortest_level` characters (ISCO: the major group;
    /// ISIC: the division). With `section_targets`, targets are placed in ISIC Rev.4 sections.
    Correspondence {
        file: &'static str,
        shortest_level: usize,
        section_targets: bool,
    },
    /// An older version whose structure and correspondence the reference data lacks (ISCO-68,
    /// ISIC Rev.2): any code of 1 to `longest` digits, whose first digit is its category at the
    /// published level, and the `named` codes. Its sources are published in it only.
    Digits {
        longest: usize,
        named: &'static [&'static str],
    },
}

/// One classification a map may target: its name in specs, its codes, what a code looks like.
pub struct Classification {
    pub target: Target,
    /// The name a spec's `classification` key gives.
    pub name: &'static str,
    codes: CodeSource,
    /// What a code of it looks like, for messages.
    pub hint: &'static str,
    /// ILOSTAT's classification version of its codes, where one version holds them
    /// (`OCU_ISCO88`): a table in another version read from them says so in a note.
    pub ilostat_version: Option<&'static str>,
}

/// Every classification a map may target. A new one (ICSE-18) is a row here and a variant of
/// [`Target`]; the variables that may use it say so in the record contract (`contract.rs`).
pub const CLASSIFICATIONS: [Classification; 13] = [
    Classification {
        target: Target::Sex,
        name: "sex",
        codes: CodeSource::Fixed(&["M", "F", "O"]),
        hint: "M, F or O (\"\" for not stated)",
        ilostat_version: Some("SEX"),
    },
    Classification {
        target: Target::LfStatus,
        name: "lf_status",
        codes: CodeSource::Fixed(&["EMP", "UNE", "OLF"]),
        hint: "EMP, UNE or OLF (\"\" for not applicable / not stated)",
        ilostat_version: None,
    },
    Classification {
        target: Target::Iso3,
        name: "iso3",
        codes: CodeSource::Table {
            file: COUNTRIES_FILE,
            column: "iso3",
            prefixes: false,
        },
        hint: "an ISO 3166-1 alpha-3 code from countries_iso3.csv (\"\" for not stated)",
        ilostat_version: None,
    },
    Classification {
        target: Target::Isco08,
        name: "isco08",
        codes: CodeSource::Table {
            file: ISCO08_FILE,
            column: "code",
            prefixes: true,
        },
        hint: "an ISCO-08 code from isco08_unit_groups.csv, 1 to 4 digits (\"\" for not stated)",
        ilostat_version: Some("OCU_ISCO08"),
    },
    Classification {
        target: Target::Isco88,
        name: "isco88",
        codes: CodeSource::Correspondence {
            file: ISCO88_CROSSWALK_FILE,
            shortest_level: 1,
            section_targets: false,
        },
        hint: "an ISCO-88 code of crosswalks/isco88_isco08.csv, 1 to 4 digits (\"\" for not stated)",
        ilostat_version: Some("OCU_ISCO88"),
    },
    Classification {
        target: Target::Isco68,
        name: "isco68",
        codes: CodeSource::Digits {
            longest: 5,
            named: &["AF", "X"],
        },
        hint: "an ISCO-68 code as digits, 1 to 5 (5-40.20 is 54020), AF for the armed forces or X for not classifiable (\"\" for not stated)",
        ilostat_version: Some("OCU_ISCO68"),
    },
    Classification {
        target: Target::Isic4,
        name: "isic4",
        codes: CodeSource::Table {
            file: ISIC4_FILE,
            column: "code",
            prefixes: false,
        },
        hint: "an ISIC Rev.4 section letter or 2-4 digit code from isic4_structure.csv (\"\" for not stated)",
        ilostat_version: Some("ECO_ISIC4"),
    },
    Classification {
        target: Target::Isic31,
        name: "isic31",
        codes: CodeSource::Correspondence {
            file: ISIC31_CROSSWALK_FILE,
            shortest_level: 2,
            section_targets: true,
        },
        hint: "an ISIC Rev.3.1 code of crosswalks/isic31_isic4.csv, 2 to 4 digits (\"\" for not stated)",
        ilostat_version: Some("ECO_ISIC3"),
    },
    Classification {
        target: Target::Isic2,
        name: "isic2",
        codes: CodeSource::Digits {
            longest: 4,
            named: &[],
        },
        hint: "an ISIC Rev.2 code, 1 to 4 digits (0: activities not adequately defined; \"\" for not stated)",
        ilostat_version: Some("ECO_ISIC2"),
    },
    Classification {
        target: Target::Isced11,
        name: "isced11",
        codes: CodeSource::CodeList("EDU_ISCED11"),
        hint: "an ISCED 2011 level: X (no schooling), 0 to 8, or 9 (not elsewhere classified); \"\" for not stated",
        ilostat_version: Some("EDU_ISCED11"),
    },
    Classification {
        target: Target::Icse93,
        name: "icse93",
        codes: CodeSource::CodeList("STE_ICSE93"),
        hint: "an ICSE-93 group, 1 to 6 (\"\" for not stated)",
        ilostat_version: Some("STE_ICSE93"),
    },
    Classification {
        target: Target::Flow,
        name: "flow",
        codes: CodeSource::Fixed(&["INFLOW", "OUTFLOW", "RETURN"]),
        hint: "INFLOW, OUTFLOW or RETURN",
        ilostat_version: None,
    },
    Classification {
        target: Target::Purpose,
        name: "purpose",
        codes: CodeSource::Fixed(&["EMPLOYMENT", "FAMILY", "EDUCATION", "OTHER"]),
        hint: "EMPLOYMENT, FAMILY, EDUCATION or OTHER (\"\" for not stated)",
        ilostat_version: None,
    },
];

impl Target {
    /// The classification's row of [`CLASSIFICATIONS`].
    pub fn classification(self) -> &'static Classification {
        // The table lists the targets in their order (a unit test holds it to that).
        &CLASSIFICATIONS[self as usize]
    }

    /// The name a spec's `classification` key gives (`isco88`).
    pub fn name(self) -> &'static str {
        self.classification().name
    }

    pub fn hint(self) -> &'static str {
        self.classification().hint
    }
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
    /// Division -> section of the targets, where sections are a level above the digits (ISIC).
    target_sections: Option<BTreeMap<String, String>>,
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
    /// A version the reference data has no correspondence for (ISCO-68, ISIC Rev.2): not
    /// converted; the source is published in its own version.
    NoCorrespondence,
}

impl Resolution {
    pub fn name(self) -> &'static str {
        match self {
            Resolution::Unique => "unique",
            Resolution::CommonLevel => "common_level",
            Resolution::CommonSection => "common_section",
            Resolution::Split => "split",
            Resolution::NoCorrespondence => "no_correspondence",
        }
    }

    /// Whether the code has a converted code: its links stay in one category at the published
    /// level (ISCO-08 major group, ISIC Rev.4 section).
    pub fn converts(self) -> bool {
        !matches!(self, Resolution::Split | Resolution::NoCorrespondence)
    }
}

impl Crosswalk {
    fn load(
        path: &Path,
        shortest_level: usize,
        target_sections: Option<BTreeMap<String, String>>,
    ) -> Result<Crosswalk> {
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
            target_sections,
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
    /// order of the table's rows). None if the code has no link.
    pub fn resolve(&self, code: &str) -> Option<(Option<String>, Resolution)> {
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
        let sections = self.target_sections.as_ref();
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
pub const GROUPINGS_FOLDER: &str = "groupings";

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

/// The codes in one column of a table; with `prefixes`, every leading part of each code too.
fn table_codes(path: &Path, column: &str, prefixes: bool) -> Result<BTreeSet<String>> {
    let mut codes = BTreeSet::new();
    for code in TextTable::read(path)?.column(column, "header")? {
        let shortest = if prefixes { 1 } else { code.len() };
        for depth in shortest.min(code.len())..=code.len() {
            codes.extend(code.get(..depth).map(String::from));
        }
    }
    Ok(codes)
}

/// Every code of 1 to `longest` digits, and the `named` codes.
fn digit_codes(longest: usize, named: &[&str]) -> BTreeSet<String> {
    let mut codes: BTreeSet<String> = named.iter().map(|c| c.to_string()).collect();
    for digits in 1..=longest as u32 {
        codes.extend(
            (0..10u32.pow(digits)).map(|n| format!("{n:0width$}", width = digits as usize)),
        );
    }
    codes
}

/// The suffixes of an ILOSTAT code list's codes, totals left out (`EDU_ISCED11_3` gives "3").
fn code_list_suffixes(versions: &BTreeMap<String, Vec<Code>>, version: &str) -> BTreeSet<String> {
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
}

impl Classifications {
    /// A code's category at the level tables publish (ISCO major group, ISIC section): what the
    /// base dimensions `OCU_ISCO08_MAJOR`, `OCU_ISCO88_MAJOR`, `ECO_ISIC4_SECTION` and
    /// `ECO_ISIC3_SECTION` read from the record columns. None for other classifications.
    pub fn published_category(&self, target: Target, code: &str) -> Option<String> {
        match target {
            Target::Isco08 | Target::Isco88 => code.get(..1).map(String::from),
            // Every ISIC Rev.4 code, sections included, has its section.
            Target::Isic4 => self.isic4_sections.get(code).cloned(),
            Target::Isic31 => self.isic31_section(code).map(String::from),
            _ => None,
        }
    }

    /// The shared groupings (`OCU_SKILL`) in which a code of an `older` version and its code
    /// `converted` into the `current` one fall in different groups (ISCO-88 9141, skill level 1,
    /// is ISCO-08 5153, level 2): converting it would contradict the groupings of its own code.
    pub fn regrouped_in(&self, older: (Target, &str), converted: (Target, &str)) -> Vec<String> {
        let base_code = |(target, code): (Target, &str)| {
            let version = target.classification().ilostat_version?;
            Some(format!(
                "{version}_{}",
                self.published_category(target, code)?
            ))
        };
        let (Some(own), Some(new)) = (base_code(older), base_code(converted)) else {
            return Vec::new();
        };
        let moved = self.shared_groupings.iter().filter(|g| g.moves(&own, &new));
        moved.map(|g| g.classification.clone()).collect()
    }

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

        let source_types = TextTable::read(&dir.join(SOURCE_TYPES_FILE))?
            .rows(&["code", "label"])?
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        let isic4_sections: BTreeMap<String, String> = TextTable::read(&dir.join(ISIC4_FILE))?
            .rows(&["code", "section"])?
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        let mut code_sets = BTreeMap::new();
        let mut crosswalks = BTreeMap::new();
        for classification in &CLASSIFICATIONS {
            let codes = match classification.codes {
                CodeSource::Fixed(codes) => codes.iter().map(|c| c.to_string()).collect(),
                CodeSource::Table {
                    file,
                    column,
                    prefixes,
                } => table_codes(&dir.join(file), column, prefixes)?,
                CodeSource::CodeList(version) => code_list_suffixes(&versions, version),
                CodeSource::Correspondence {
                    file,
                    shortest_level,
                    section_targets,
                } => {
                    let sections = section_targets.then(|| isic4_sections.clone());
                    let crosswalk = Crosswalk::load(&dir.join(file), shortest_level, sections)?;
                    let codes = crosswalk.source_codes();
                    crosswalks.insert(classification.target, crosswalk);
                    codes
                }
                CodeSource::Digits { longest, named } => digit_codes(longest, named),
            };
            code_sets.insert(classification.target, codes);
        }
        let isic31_sections =
            isic31_sections(&dir.join(ISIC31_SECTIONS_FILE), &code_sets[&Target::Isic31])?;
        Ok(Classifications {
            dir: dir.to_path_buf(),
            versions,
            code_sets,
            crosswalks,
            isic4_sections,
            isic31_sections,
            source_types,
            groupings: load_groupings(&dir.join(GROUPINGS_FOLDER))?,
            shared_groupings: Vec::new(),
        })
    }

    /// The codes of a classification a map may target.
    pub fn codes(&self, target: Target) -> &BTreeSet<String> {
        &self.code_sets[&target]
    }

    /// The official correspondence from an older version to the current one (None for a
    /// current version).
    pub fn crosswalk(&self, target: Target) -> Option<&Crosswalk> {
        self.crosswalks.get(&target)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_lists_each_target_once_in_its_order() {
        use strum::IntoEnumIterator;
        assert_eq!(Target::iter().count(), CLASSIFICATIONS.len());
        for target in Target::iter() {
            assert_eq!(target.classification().target, target);
        }
        let names: BTreeSet<&str> = CLASSIFICATIONS.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), CLASSIFICATIONS.len());
    }

    #[test]
    fn a_split_code_resolves_alike_whatever_the_order_of_the_links() {
        let links = |order: &[usize]| {
            let all = [
                ("9141", "5153"),
                ("9141", "9112"),
                ("5122", "3434"),
                ("5122", "5120"),
            ];
            order
                .iter()
                .map(|&i| (all[i].0.into(), all[i].1.into()))
                .collect()
        };
        let crosswalk = |order: &[usize]| Crosswalk {
            path: PathBuf::from("isco88_isco08.csv"),
            links: links(order),
            shortest_level: 1,
            target_sections: None,
        };
        for code in ["9141", "5122"] {
            let forward = crosswalk(&[0, 1, 2, 3]).resolve(code);
            assert_eq!(forward, crosswalk(&[3, 2, 1, 0]).resolve(code), "{code}");
            assert_eq!(forward, crosswalk(&[1, 0, 3, 2]).resolve(code), "{code}");
        }
        assert_eq!(
            crosswalk(&[0, 1, 2, 3]).resolve("9141"),
            Some((None, Resolution::Split))
        );
    }
}
