//! Source specs (`schemas/sources/*.toml`): how one national file maps to the harmonized record.
//!
//! A spec is checked completely before any data is read: unknown keys, columns the raw file does not
//! have, map targets outside their classification and maps that are not functions are all refused
//! here, each with the spec file, the key and what would fix it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::classifications::{Classifications, TextTable};
use crate::error::{Error, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    source: SourceMeta,
    file: FileSpec,
    record: RecordSpec,
    #[serde(default)]
    variables: BTreeMap<String, VariableSpec>,
}

/// Who and what the source describes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceMeta {
    pub id: String,
    pub title: String,
    /// ISO 3166-1 alpha-3 of the country the source describes.
    pub ref_area: String,
    /// Reference period: YYYY, YYYYQn or YYYYMnn.
    pub time: String,
    /// ILOSTAT source type (BA labour force survey, AA census, FX administrative records...).
    pub source_type: String,
    pub kind: SourceKind,
}

impl SourceMeta {
    /// The source as ILOSTAT's `source` column writes it: "<source type>:<id>", e.g. "BA:XYZ_LFS_2024".
    pub fn ilostat_source(&self) -> String {
        format!("{}:{}", self.source_type, self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// One row per person (or per administrative record).
    Microdata,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    pub path: PathBuf,
    pub format: FileFormat,
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
}

fn default_delimiter() -> String {
    ",".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Csv,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    /// Columns that together identify a record; joined with "-" into `record_id`.
    pub id_columns: Vec<String>,
    /// Survey weight column; absent means every record weighs 1.
    pub weight: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariableSpec {
    column: String,
    map: Option<BTreeMap<String, String>>,
    map_file: Option<MapFile>,
    classification: Option<String>,
    #[serde(default)]
    unmapped: Unmapped,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    path: PathBuf,
    from: String,
    to: String,
}

/// What to do with a raw code the map does not know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unmapped {
    /// Set the record aside in the quarantine with the reason.
    #[default]
    Quarantine,
    /// Stop the run.
    Error,
}

/// The harmonized variables a spec may fill, and what their values must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable {
    Sex,
    Age,
    CountryOfBirth,
    Citizenship,
    LfStatus,
    Occupation,
}

impl Variable {
    pub const ALL: [Variable; 6] = [
        Variable::Sex,
        Variable::Age,
        Variable::CountryOfBirth,
        Variable::Citizenship,
        Variable::LfStatus,
        Variable::Occupation,
    ];

    /// The harmonized column name (the contract in DESIGN.md).
    pub fn name(self) -> &'static str {
        match self {
            Variable::Sex => "sex",
            Variable::Age => "age",
            Variable::CountryOfBirth => "country_of_birth",
            Variable::Citizenship => "citizenship",
            Variable::LfStatus => "lf_status",
            Variable::Occupation => "occupation",
        }
    }

    fn from_name(name: &str) -> Option<Variable> {
        Variable::ALL.into_iter().find(|v| v.name() == name)
    }

    /// The classification a coded variable's targets must belong to; None for numeric variables.
    fn target(self) -> Option<Target> {
        match self {
            Variable::Sex => Some(Target::Sex),
            Variable::Age => None,
            Variable::CountryOfBirth | Variable::Citizenship => Some(Target::Iso3),
            Variable::LfStatus => Some(Target::LfStatus),
            Variable::Occupation => Some(Target::Isco08),
        }
    }
}

/// Target classifications of coded variables (international, so they may be named in code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Sex,
    LfStatus,
    Iso3,
    Isco08,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Sex => "sex",
            Target::LfStatus => "lf_status",
            Target::Iso3 => "iso3",
            Target::Isco08 => "isco08",
        }
    }

    fn accepts(self, code: &str, cl: &Classifications) -> bool {
        match self {
            Target::Sex => ["M", "F", "O"].contains(&code),
            Target::LfStatus => ["EMP", "UNE", "OLF"].contains(&code),
            Target::Iso3 => cl.countries.contains(code),
            Target::Isco08 => cl.isco08.contains(code),
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Target::Sex => "M, F or O (\"\" for not stated)",
            Target::LfStatus => "EMP, UNE or OLF (\"\" for not applicable / not stated)",
            Target::Iso3 => {
                "an ISO 3166-1 alpha-3 code from countries_iso3.csv (\"\" for not stated)"
            }
            Target::Isco08 => {
                "an ISCO-08 code from isco08_unit_groups.csv, 1 to 4 digits (\"\" for not stated)"
            }
        }
    }
}

/// A harmonized variable as the spec declares it, with its code map resolved and checked.
#[derive(Debug, Clone)]
pub struct VariableMapping {
    pub variable: Variable,
    /// The raw column it comes from.
    pub column: String,
    /// Raw code to international code; "" as target means not stated. None for numeric variables.
    pub codes: Option<BTreeMap<String, String>>,
    /// The CSV the codes came from, if any (resolved; recorded in the provenance).
    pub map_file: Option<PathBuf>,
    pub unmapped: Unmapped,
}

/// A checked source spec: everything the stages need, with paths resolved against the round folder.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// The spec file itself (for messages and provenance).
    pub spec_path: PathBuf,
    pub source: SourceMeta,
    pub file: FileSpec,
    /// `file.path` resolved against the round folder.
    pub raw_path: PathBuf,
    pub record: RecordSpec,
    pub variables: Vec<VariableMapping>,
}

impl SourceSpec {
    pub fn variable(&self, variable: Variable) -> Option<&VariableMapping> {
        self.variables.iter().find(|m| m.variable == variable)
    }

    /// Load and check a spec. `root` is the round folder that relative paths start from.
    pub fn load(spec_path: &Path, root: &Path, cl: &Classifications) -> Result<SourceSpec> {
        let parsed: SpecFile = crate::error::read_toml(
            spec_path,
            "spec",
            "correct the spec (see schemas/sources/README.md for the keys)",
        )?;
        check_meta(spec_path, &parsed.source, cl)?;
        if parsed.file.delimiter.len() != 1 {
            return Err(Error::new(
                spec_path,
                "file.delimiter",
                format!("delimiter '{}' is not a single byte", parsed.file.delimiter),
                "give one character, e.g. \",\", \";\" or \"\\t\"",
            ));
        }
        let raw_path = root.join(&parsed.file.path);
        if !raw_path.is_file() {
            return Err(Error::new(
                spec_path,
                "file.path",
                format!("raw file {} not found", raw_path.display()),
                "put the file in raw/ or correct file.path (relative to the round manifest's folder)",
            ));
        }
        let header = crate::ingest::read_header(&raw_path, &parsed.file)?;
        let require_column = |column: &str, key: &str| -> Result<()> {
            if header.iter().any(|h| h == column) {
                Ok(())
            } else {
                Err(Error::new(
                    spec_path,
                    key,
                    format!(
                        "column '{column}' is not in {} (its columns: {})",
                        raw_path.display(),
                        header.join(", ")
                    ),
                    "name a column the raw file has (ilms is case-sensitive)",
                ))
            }
        };
        if parsed.record.id_columns.is_empty() {
            return Err(Error::new(
                spec_path,
                "record.id_columns",
                "no identifying columns",
                "list the columns that together identify a record, e.g. [\"HH_ID\", \"PERSON_NO\"]",
            ));
        }
        for column in &parsed.record.id_columns {
            require_column(column, "record.id_columns")?;
        }
        if let Some(weight) = &parsed.record.weight {
            require_column(weight, "record.weight")?;
        }

        let mut variables = Vec::new();
        for (name, declared) in parsed.variables {
            let key = format!("variables.{name}");
            let variable = Variable::from_name(&name).ok_or_else(|| {
                let known: Vec<_> = Variable::ALL.iter().map(|v| v.name()).collect();
                Error::new(
                    spec_path,
                    &key,
                    format!("'{name}' is not a harmonized variable"),
                    format!("use one of: {}", known.join(", ")),
                )
            })?;
            require_column(&declared.column, &format!("{key}.column"))?;
            let codes = resolve_codes(spec_path, root, &key, variable, &declared, cl)?;
            variables.push(VariableMapping {
                variable,
                column: declared.column,
                codes,
                map_file: declared.map_file.as_ref().map(|m| root.join(&m.path)),
                unmapped: declared.unmapped,
            });
        }
        Ok(SourceSpec {
            spec_path: spec_path.to_path_buf(),
            source: parsed.source,
            file: parsed.file,
            raw_path,
            record: parsed.record,
            variables,
        })
    }
}

fn check_meta(spec_path: &Path, meta: &SourceMeta, cl: &Classifications) -> Result<()> {
    let valid_id = !meta.id.is_empty()
        && meta
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_id {
        return Err(Error::new(
            spec_path,
            "source.id",
            format!("'{}' is not a usable source id", meta.id),
            "use letters, digits, '_' and '-' only (it names output files)",
        ));
    }
    if !cl.countries.contains(&meta.ref_area) {
        return Err(Error::new(
            spec_path,
            "source.ref_area",
            format!("'{}' is not an ISO 3166-1 alpha-3 code", meta.ref_area),
            "use a code from schemas/classifications/countries_iso3.csv",
        ));
    }
    if !valid_time(&meta.time) {
        return Err(Error::new(
            spec_path,
            "source.time",
            format!("'{}' is not a reference period", meta.time),
            "write YYYY, YYYYQn (n = 1-4) or YYYYMnn (nn = 01-12), e.g. \"2024\" or \"2024Q3\"",
        ));
    }
    if !cl.source_types.contains(&meta.source_type) {
        return Err(Error::new(
            spec_path,
            "source.source_type",
            format!("'{}' is not an ILOSTAT source type", meta.source_type),
            "use a code from schemas/classifications/ilostat_source_types.csv (BA labour force survey, AA census, FX administrative records, ...)",
        ));
    }
    Ok(())
}

/// YYYY, YYYYQn or YYYYMnn, as ILOSTAT writes time.
pub fn valid_time(time: &str) -> bool {
    let (year, rest) = time.split_at(time.len().min(4));
    if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    match rest.as_bytes() {
        [] => true,
        [b'Q', q] => (b'1'..=b'4').contains(q),
        [b'M', a, b] => matches!((a, b), (b'0', b'1'..=b'9') | (b'1', b'0'..=b'2')),
        _ => false,
    }
}

fn resolve_codes(
    spec_path: &Path,
    root: &Path,
    key: &str,
    variable: Variable,
    declared: &VariableSpec,
    cl: &Classifications,
) -> Result<Option<BTreeMap<String, String>>> {
    let Some(target) = variable.target() else {
        if declared.map.is_some() || declared.map_file.is_some() {
            return Err(Error::new(
                spec_path,
                key,
                format!("'{}' is numeric and takes no code map", variable.name()),
                "remove map / map_file",
            ));
        }
        return Ok(None);
    };
    if let Some(name) = &declared.classification {
        if name != target.name() {
            return Err(Error::new(
                spec_path,
                format!("{key}.classification"),
                format!("'{name}' is not supported for {}", variable.name()),
                format!("use \"{}\"", target.name()),
            ));
        }
    }
    let pairs: Vec<(String, String, String)> = match (&declared.map, &declared.map_file) {
        (Some(_), Some(_)) => {
            return Err(Error::new(
                spec_path,
                key,
                "both map and map_file are given",
                "keep one of them",
            ))
        }
        (None, None) => {
            return Err(Error::new(
                spec_path,
                key,
                "no code map",
                "add map = { \"raw code\" = \"international code\", ... } or map_file = { path, from, to }",
            ))
        }
        (Some(inline), None) => inline
            .iter()
            .map(|(from, to)| (from.clone(), to.clone(), format!("{key}.map.\"{from}\"")))
            .collect(),
        (None, Some(file)) => {
            let table = TextTable::read(&root.join(&file.path)).map_err(|mut e| {
                e.location = format!("(named by {} at {key}.map_file.path) {}", spec_path.display(), e.location);
                e
            })?;
            let from = table.column(&file.from, &format!("{key}.map_file.from"))?;
            let to = table.column(&file.to, &format!("{key}.map_file.to"))?;
            from.into_iter()
                .zip(to)
                .enumerate()
                .map(|(i, (f, t))| (f, t, format!("{key}.map_file ({} data row {})", file.path.display(), i + 1)))
                .collect()
        }
    };
    let mut codes = BTreeMap::new();
    for (from, to, location) in pairs {
        if !to.is_empty() && !target.accepts(&to, cl) {
            return Err(Error::new(
                spec_path,
                &location,
                format!(
                    "'{from}' maps to '{to}', which is not a {} code",
                    target.name()
                ),
                format!("map to {}", target.hint()),
            ));
        }
        if let Some(previous) = codes.insert(from.clone(), to.clone()) {
            if previous != to {
                return Err(Error::new(
                    spec_path,
                    &location,
                    format!("raw code '{from}' maps to both '{previous}' and '{to}': the map is not a function"),
                    "give each raw code one target",
                ));
            }
        }
    }
    Ok(Some(codes))
}

#[cfg(test)]
mod tests {
    use super::valid_time;

    #[test]
    fn reference_periods() {
        for ok in ["2024", "2024Q1", "2024Q4", "2024M01", "2024M12"] {
            assert!(valid_time(ok), "{ok}");
        }
        for bad in ["24", "2024Q5", "2024M13", "2024M00", "2024-01", "20244", ""] {
            assert!(!valid_time(bad), "{bad}");
        }
    }
}
