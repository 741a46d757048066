//! Source specs (`schemas/sources/*.toml`): how one national file maps to the harmonized record.
//!
//! A spec is checked completely before any data is read: unknown keys, columns the raw file does not
//! have, map targets outside their classification and maps that are not functions are all refused
//! here, each with the spec file, the key and what would fix it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::Expr;
use serde::Deserialize;

use crate::classifications::{Classifications, Resolution, Target, TextTable};
use crate::contract::{Basis, Variable, RECORD_CONTRACT};
use crate::error::{Error, Result};
use crate::expression;
use crate::paths::{RoundFolder, OUTSIDE_FIX};

/// The JSON Schema of a source spec (`ilms schema`).
pub(crate) fn json_schema() -> schemars::Schema {
    schemars::schema_for!(SpecFile)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    source: SourceMeta,
    file: FileSpec,
    record: RecordSpec,
    #[serde(default)]
    variables: BTreeMap<String, VariableSpec>,
    /// Figures the office published for the source (checked by the benchmark rule).
    #[serde(default)]
    benchmark: Vec<Benchmark>,
}

/// Who and what the source describes.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
    /// Harmonized variables the source does not provide (e.g. ["sex"] for a table not split by
    /// sex): their indicators are "not available" for the source, never zero.
    #[serde(default)]
    pub not_provided: Vec<String>,
    /// The disclosure policy (schemas/disclosure.toml) when not the default of the source's kind.
    #[serde(default)]
    pub disclosure: Option<String>,
    /// Variables the source gives at their total only (outflows by sex with destination "All
    /// countries"): indicators broken down by them publish the total, the breakdown not available.
    #[serde(default)]
    pub total_only: Vec<String>,
    /// The population the source states it covers, where it does not give the variable that
    /// would tell (a stock of employed migrants without age).
    #[serde(default)]
    pub population: Option<StatedPopulation>,
    /// The part of the population the source covers ("non-citizens", "foreign-born"): the other
    /// side, and the total that would include it, are not available (never 0).
    #[serde(default)]
    pub covers: Option<Covers>,
    /// The one purpose every departure of the source is for, where it has no purpose variable
    /// (deployment records: employment). Its records enter the tables of departures for that
    /// purpose; the outflow for every purpose is not available from it.
    #[serde(default)]
    pub purpose: Option<Purpose>,
}

/// Why a national departs (the contract's `purpose`): a source of departures for every purpose
/// gives it per record; a source of one purpose states it (`source.purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Employment,
    Family,
    Education,
    Other,
}

impl Purpose {
    /// The harmonized code.
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Employment => "EMPLOYMENT",
            Purpose::Family => "FAMILY",
            Purpose::Education => "EDUCATION",
            Purpose::Other => "OTHER",
        }
    }
}

/// A population the source states, in words and in what it implies for the contract.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatedPopulation {
    /// The source's own words, e.g. "all persons employed, of any age".
    pub description: String,
    /// Every record is of working age (age not given): the working-age universes accept them, with
    /// the note `ilms:source.population_stated` on the source's cells.
    #[serde(default)]
    pub working_age: bool,
}

/// A country's own definition of a migrant, which ILOSTAT's "total and migrants" indicators
/// (`MIG_STATUS`) follow: the round declares one per country (`[migrants]` in the manifest), so
/// the same records publish the place-of-birth and citizenship series apart and this one beside.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MigrantDefinition {
    /// Persons born abroad (place of birth).
    ForeignBorn,
    /// Persons who are not citizens (citizenship; stateless persons included).
    NonCitizen,
}

impl MigrantDefinition {
    /// The harmonized variable the definition reads.
    pub fn variable(self) -> Variable {
        match self {
            MigrantDefinition::ForeignBorn => Variable::CountryOfBirth,
            MigrantDefinition::NonCitizen => Variable::Citizenship,
        }
    }

    /// The harmonized column giving a migrant's country of origin under the definition.
    pub fn country_column(self) -> &'static str {
        match self {
            MigrantDefinition::ForeignBorn => "country_of_birth",
            MigrantDefinition::NonCitizen => "citizenship",
        }
    }

    /// The status column it reads, and the value there that makes a migrant.
    pub fn status(self) -> (&'static str, &'static str) {
        match self {
            MigrantDefinition::ForeignBorn => ("birth_status", "FOREIGN"),
            MigrantDefinition::NonCitizen => ("citizenship_status", "NONCIT"),
        }
    }

    /// ILOSTAT's note saying which definition a figure follows (`note_indicator`, type T36).
    pub fn ilostat_note(self) -> &'static str {
        match self {
            MigrantDefinition::ForeignBorn => "T36:3214",
            MigrantDefinition::NonCitizen => "T36:3215",
        }
    }

    /// The part of the population a source covers under this definition is the migrants.
    pub fn is_covered_by(self, covers: Covers) -> bool {
        matches!(
            (self, covers),
            (MigrantDefinition::ForeignBorn, Covers::ForeignBorn)
                | (MigrantDefinition::NonCitizen, Covers::NonCitizens)
        )
    }
}

/// The part of the population a source covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Covers {
    /// Non-citizens only (a register of foreign workers).
    NonCitizens,
    /// Foreign-born persons only.
    ForeignBorn,
}

impl Covers {
    /// The harmonized columns whose breakdown the coverage limits.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            Covers::NonCitizens => &["citizenship_status", "citizenship"],
            Covers::ForeignBorn => &["birth_status", "country_of_birth"],
        }
    }

    /// The ILOSTAT codes the source cannot give: the side it does not cover and the totals that
    /// would include it.
    pub fn not_covered(self) -> &'static [&'static str] {
        match self {
            // The totals by country (CCT_CTZ, CBR_BRT) are of non-citizens / foreign-born only
            // (their indicators' universes say so): they stay.
            Covers::NonCitizens => &["CCT_CIT_TOTAL", "CCT_CIT_CITIZEN"],
            Covers::ForeignBorn => &["CBR_BIR_TOTAL", "CBR_BIR_NATIVE"],
        }
    }

    /// The part covered, in words.
    pub fn name(self) -> &'static str {
        match self {
            Covers::NonCitizens => "non-citizens",
            Covers::ForeignBorn => "foreign-born persons",
        }
    }

    /// The note (`ilms:<this>`) on the source's cells.
    pub fn note(self) -> &'static str {
        match self {
            Covers::NonCitizens => "source.covers_non_citizens",
            Covers::ForeignBorn => "source.covers_foreign_born",
        }
    }
}

impl SourceMeta {
    /// The source as ILOSTAT's `source` column writes it: "<source type>:<id>", e.g. "BA:XYZ_LFS_2024".
    pub fn ilostat_source(&self) -> String {
        format!("{}:{}", self.source_type, self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// One row per person (or per administrative record), with a weight or weight 1.
    Microdata,
    /// One row per table cell (e.g. deployments by sex x destination x occupation), with a count.
    Aggregate,
}

/// How to read the raw file: its path, and the keys of its `format` (a key another format takes
/// is refused when the spec is parsed, as an unknown key).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum FileSpec {
    /// Delimited text (CSV, TSV, ...).
    Csv(DelimitedFile),
    /// Fixed-width text, columns at the positions `columns` gives.
    FixedWidth(FixedWidthFile),
    /// Excel 2007+ workbook.
    Xlsx(WorkbookFile),
    /// Excel 97-2003 workbook.
    Xls(WorkbookFile),
    /// Stata dataset, releases 102-119.
    Dta(DatasetFile),
    /// SPSS system file, .sav or compressed .zsav.
    Sav(DatasetFile),
    /// Apache Parquet.
    Parquet(DatasetFile),
}

/// `format = "csv"`: delimited text.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelimitedFile {
    pub path: PathBuf,
    /// The character encoding (utf-8, utf-16le, utf-16be, windows-1252, latin-1).
    #[serde(default)]
    pub encoding: TextEncoding,
    /// The field delimiter, one character.
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    /// The quote character, one character, or "" for none.
    #[serde(default = "default_quote")]
    pub quote: String,
    /// A wide table (one column per category, e.g. Male / Female) read as one row per category.
    pub unpivot: Option<Unpivot>,
}

/// `format = "fixed_width"`: fixed-width text.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixedWidthFile {
    pub path: PathBuf,
    /// The character encoding (utf-8, utf-16le, utf-16be, windows-1252, latin-1).
    #[serde(default)]
    pub encoding: TextEncoding,
    /// The column layout.
    pub columns: Vec<FixedWidthColumn>,
    /// A wide table (one column per category, e.g. Male / Female) read as one row per category.
    pub unpivot: Option<Unpivot>,
}

/// `format = "xlsx"` or `"xls"`: a table on a worksheet.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkbookFile {
    pub path: PathBuf,
    /// The worksheet (default: the first).
    pub sheet: Option<String>,
    /// The block of cells holding the table, e.g. "B4:H40" (default: the whole sheet); for a
    /// sheet with notes beside the table or several tables.
    pub cells: Option<String>,
    /// The 1-based sheet row of the header (rows above it, titles, are skipped).
    #[serde(default = "default_header_row")]
    pub header_row: u32,
    /// How many rows the header spans; a merged group cell is read across its columns.
    #[serde(default = "default_header_rows")]
    pub header_rows: u32,
    /// Rows that carry the source's own totals, kept out of the records.
    pub total_rows: Option<TotalRows>,
    /// A wide table (one column per category, e.g. Male / Female) read as one row per category.
    pub unpivot: Option<Unpivot>,
    /// Columns that hold the sum of other columns (a "Total" column), checked row by row.
    #[serde(default)]
    pub total_columns: Vec<TotalColumn>,
    /// The one-cell notes under the table ("Figures in thousands", "Source: ...") are carried
    /// into the source's cells' `note_source`, each note in the workbook's words.
    #[serde(default)]
    pub footnotes: bool,
}

/// `format = "dta"`, `"sav"` or `"parquet"`: a dataset that records its own columns and types.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetFile {
    pub path: PathBuf,
    /// A wide table (one column per category, e.g. Male / Female) read as one row per category.
    pub unpivot: Option<Unpivot>,
}

/// A column of a workbook that states the sum of other columns of the same row.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TotalColumn {
    pub total: String,
    pub parts: Vec<String>,
}

/// Columns of a wide table that become rows: each data row gives one row per listed column, with
/// the column's name in `name` and its cell in `value`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unpivot {
    pub columns: Vec<String>,
    pub name: String,
    pub value: String,
    /// The column stating each row's total of `columns` (e.g. "Total"): checked against their sum
    /// (rule `source_totals`, both numbers in the validation report) and not read as a category.
    pub total: Option<String>,
    /// Which figure is published where the stated total and the parts disagree.
    #[serde(default)]
    pub authoritative: Authoritative,
    /// With `authoritative = "total"`: the category the difference is counted in (a code the
    /// variable's map knows, e.g. "Not stated" mapped to ""), so the published total is the stated one.
    pub residual: Option<String>,
    /// Columns stating a part's percentage of the total (e.g. "% women"), checked against the one
    /// computed (rule `source_totals`) and not read as categories.
    #[serde(default)]
    pub percents: Vec<PercentColumn>,
}

/// Which figure a source's stated total and its parts is published when they disagree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Authoritative {
    /// The parts: the published total is their sum (the stated one is in the validation report).
    #[default]
    Parts,
    /// The stated total: the difference is counted in `unpivot.residual`.
    Total,
}

/// A column stating the percentage `part` is of the row's total.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PercentColumn {
    pub column: String,
    pub part: String,
}

fn default_delimiter() -> String {
    ",".into()
}

fn default_quote() -> String {
    "\"".into()
}

fn default_header_row() -> u32 {
    1
}

fn default_header_rows() -> u32 {
    1
}

/// The formats a raw file may be in (a spec's `file.format`, `ilms inspect --format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Delimited text (CSV, TSV, ...).
    Csv,
    /// Fixed-width text, columns at the positions `file.columns` gives.
    FixedWidth,
    /// Excel 2007+ workbook.
    Xlsx,
    /// Excel 97-2003 workbook.
    Xls,
    /// Stata dataset, releases 102-119.
    Dta,
    /// SPSS system file, .sav or compressed .zsav.
    Sav,
    /// Apache Parquet.
    Parquet,
}

impl FileFormat {
    /// The format a file name suggests, for `ilms inspect`.
    pub fn from_extension(path: &Path) -> Option<FileFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "tsv" | "txt" => FileFormat::Csv,
            "xlsx" | "xlsm" => FileFormat::Xlsx,
            "xls" => FileFormat::Xls,
            "dta" => FileFormat::Dta,
            "sav" | "zsav" => FileFormat::Sav,
            "parquet" => FileFormat::Parquet,
            _ => return None,
        })
    }
}

/// Character encodings a text source may declare.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub enum TextEncoding {
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    Utf16Be,
    #[serde(rename = "windows-1252")]
    Windows1252,
    /// ISO-8859-1; decoded as windows-1252, its superset for every printable character.
    #[serde(rename = "latin-1")]
    Latin1,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Windows1252 => "windows-1252",
            TextEncoding::Latin1 => "latin-1",
        }
    }
}

/// One column of a fixed-width file: its name and where it sits on the line (in characters).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixedWidthColumn {
    pub name: String,
    /// 1-based position of the column's first character.
    pub start: usize,
    pub width: usize,
}

/// Rows of a workbook table that hold the source's own totals (e.g. a "Total" row).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TotalRows {
    /// The column whose value marks a total row.
    pub column: String,
    /// The values that mark it, e.g. ["Total", "TOTAL"].
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    /// Columns that together identify a record; joined with "-" into `record_id`.
    pub id_columns: Vec<String>,
    /// Survey weight column (microdata); absent means every record weighs 1.
    pub weight: Option<String>,
    /// Count column (aggregate sources): the persons the table cell counts.
    pub count: Option<String>,
    /// How the table writes a true zero ("-", "0", "…"): such a count is 0. A blank count is "not
    /// available" (the source gives no figure) unless this is "".
    pub nil: Option<String>,
    /// Persons one unit of the count stands for: 1000 for a table in thousands (default 1).
    pub scale: Option<u32>,
    /// Columns holding personal data (names, passport numbers): never written. If an id column is
    /// one of them, `record_id` is a keyed hash instead of the raw values. Required (`[]` if there
    /// are none) for record-level administrative data: see [`RecordSpec::identifiers`].
    #[serde(default, rename = "identifiers")]
    declared_identifiers: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct VariableSpec {
    /// The raw column; or `expr`.
    column: Option<String>,
    /// A polars SQL expression over raw columns computing the raw value (e.g. a CASE over several
    /// survey questions); or `column`.
    expr: Option<String>,
    /// Raw values already are codes of the classification: no map needed.
    #[serde(default)]
    as_is: bool,
    /// "code" (default) or "label": which of a labelled column's values the map keys on.
    #[serde(default)]
    key: MapKey,
    map: Option<BTreeMap<String, String>>,
    map_file: Option<MapFile>,
    classification: Option<String>,
    #[serde(default)]
    unmapped: Unmapped,
    /// Earnings: the currency of the amounts (ISO 4217, e.g. "EUR").
    currency: Option<String>,
    /// Earnings: the period an amount is for (month, week, year, hour).
    period: Option<Period>,
    /// Earnings: what an amount is multiplied by to make it monthly (default: 1 for a month, 52/12
    /// for a week, 1/12 for a year; an hourly amount needs it: the hours worked in a month).
    to_monthly: Option<f64>,
}

/// The period an amount of earnings is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Month,
    Week,
    Year,
    Hour,
}

impl Period {
    /// The factor making an amount for this period monthly, where the period fixes it.
    fn to_monthly(self) -> Option<f64> {
        match self {
            Period::Month => Some(1.0),
            Period::Week => Some(52.0 / 12.0),
            Period::Year => Some(1.0 / 12.0),
            Period::Hour => None,
        }
    }
}

/// How a source's amounts of earnings become the contract's: monthly, in the source's currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    /// ISO 4217 code of the local currency the amounts are in.
    pub currency: String,
    pub period: Period,
    /// Multiplies a raw amount into a monthly one.
    pub to_monthly: f64,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MapFile {
    path: PathBuf,
    from: String,
    to: String,
}

/// Which value of a labelled column (Stata, SPSS) a code map keys on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MapKey {
    /// The stored code, e.g. "1".
    #[default]
    Code,
    /// The code's value label, e.g. "Male"; a code without a label keeps its code.
    Label,
}

/// What to do with a raw code the map does not know.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Unmapped {
    /// Set the record aside in the quarantine with the reason.
    #[default]
    Quarantine,
    /// Stop the run.
    Error,
    /// Keep the record, harmonized as not classified (the variable's unknown category).
    NotClassified,
}

/// How a variable coded in an older classification version reaches the current one.
#[derive(Debug, Clone)]
pub struct CrosswalkUse {
    /// The correspondence table (recorded in the provenance); None for a version the reference
    /// data has none for (ISCO-68, ISIC Rev.2): no code of it converts.
    pub path: Option<PathBuf>,
    /// The older version the source codes in (ISCO-88, ISIC Rev.3.1, ISCO-68, ISIC Rev.2).
    pub version: Target,
    /// Raw code -> (its code in the older classification, how the correspondence was resolved).
    pub via: BTreeMap<String, (String, Resolution)>,
    /// Raw code -> its code in the current version, for the codes that convert (their links stay
    /// in one ISCO-08 major group or ISIC Rev.4 section).
    pub converted: BTreeMap<String, String>,
    /// Raw code -> the shared groupings (`OCU_SKILL`) its converted code falls in another group
    /// of than its own code ([`Classifications::regrouped_in`]). The record keeps the converted
    /// code; the tables in the current version are not published.
    pub regrouped: BTreeMap<String, Vec<String>>,
}

impl CrosswalkUse {
    /// Whether every code the map can give converts faithfully: into one category at the
    /// published level, in the same skill level or sector as its own code (then the source's
    /// tables in the current version are published too, converted).
    pub fn faithful(&self) -> bool {
        // With no correspondence nothing converts, even where the map gives no code at all.
        self.path.is_some()
            && self.via.values().all(|(_, r)| r.converts())
            && self.regrouped.is_empty()
    }
}

/// A harmonized variable as the spec declares it, with its code map resolved and checked.
#[derive(Debug, Clone)]
pub struct VariableMapping {
    pub variable: Variable,
    /// The raw column it comes from; for an expression, the name of the column it computes.
    pub column: String,
    /// The compiled `expr` (a polars SQL expression over raw columns) that computes the raw value,
    /// if not a column; see [`crate::expression`].
    pub expr: Option<Expr>,
    /// Raw code to international code (in the source's own version: ISCO-88 codes for an ISCO-88
    /// source); "" as target means not stated. None for numeric variables.
    pub codes: Option<BTreeMap<String, String>>,
    /// The CSV the codes came from, if any (resolved; recorded in the provenance).
    pub map_file: Option<PathBuf>,
    pub unmapped: Unmapped,
    /// Whether the map keys on the column's value labels instead of its codes.
    pub key: MapKey,
    /// Set when the map targets an older classification version.
    pub crosswalk: Option<CrosswalkUse>,
    /// Earnings: the currency and the conversion to a monthly amount.
    pub amount: Option<Amount>,
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
    /// The office's own published figures for the source (`[[benchmark]]`).
    pub benchmarks: Vec<Benchmark>,
    /// The workbook's notes carried into `note_source` (`file.footnotes`), top to bottom.
    pub footnotes: Vec<String>,
    /// Key for hashing identifying `record_id`s; set by the round (it is the installation's secret,
    /// not part of the spec).
    pub id_key: Option<std::sync::Arc<[u8]>>,
    /// The migrant definition the round declares for the source's country (`[migrants]`), if any.
    pub migrant_definition: Option<MigrantDefinition>,
}

impl SourceSpec {
    /// The workbook's notes as cells carry them (`ilms:<this>` in `note_source`), each with its
    /// text: "footnote.<source id>.<n>", numbered from 1 down the sheet.
    pub fn footnote_notes(&self) -> impl Iterator<Item = (String, &str)> {
        self.footnotes.iter().enumerate().map(|(i, text)| {
            (
                format!("footnote.{}.{}", self.source.id, i + 1),
                text.as_str(),
            )
        })
    }

    /// The note on the source's means and medians saying what their amounts are (note id, text):
    /// the currency, and how they were made monthly.
    pub fn amount_note(&self) -> Option<(String, String)> {
        let amount = self.variables.iter().find_map(|m| m.amount.as_ref())?;
        let how = match amount.period {
            Period::Month => "as the source gives them".to_string(),
            Period::Week => format!("from amounts per week x {:.4}", amount.to_monthly),
            Period::Year => format!("from amounts per year x {:.4}", amount.to_monthly),
            Period::Hour => format!("from amounts per hour x {} hours", amount.to_monthly),
        };
        let text = format!(
            "Monthly amounts in {} (ISO 4217, the source's currency), {how}",
            amount.currency
        );
        Some((format!("amount.{}", self.source.id), text))
    }

    /// The part of the population the source covers, and whether it is the migrants under the
    /// country's definition (non-citizens where migrants are non-citizens).
    fn coverage(&self) -> Option<(Covers, bool)> {
        let covers = self.source.covers?;
        let migrants = self
            .migrant_definition
            .is_some_and(|d| d.is_covered_by(covers));
        Some((covers, migrants))
    }

    /// The harmonized columns whose breakdown the source's coverage (`source.covers`) limits:
    /// the covered variable's, and the migrant status and origin where they are the migrants.
    pub fn covered_columns(&self) -> Vec<&'static str> {
        let Some((covers, migrants)) = self.coverage() else {
            return Vec::new();
        };
        let by_definition = ["migrant_status", "migrant_country"];
        let extra = if migrants { &by_definition[..] } else { &[] };
        [covers.inputs(), extra].concat()
    }

    /// The ILOSTAT codes the source's coverage cannot give: the side it does not cover and the
    /// totals that would include it, in its own breakdown and as the non-migrants.
    pub fn not_covered_codes(&self) -> Vec<&'static str> {
        let Some((covers, migrants)) = self.coverage() else {
            return Vec::new();
        };
        let by_definition = ["MIG_STATUS_TOTAL", "MIG_STATUS_NONMIG"];
        let extra = if migrants { &by_definition[..] } else { &[] };
        [covers.not_covered(), extra].concat()
    }

    /// The column holding the persons each record stands for: the survey weight of microdata, or
    /// the count of an aggregate table's cell. None: every record is one person.
    pub fn persons_column(&self) -> Option<&str> {
        self.record
            .weight
            .as_deref()
            .or(self.record.count.as_deref())
    }

    /// Whether `record_id` must be hashed: an id column holds a personal identifier.
    pub fn hashes_record_id(&self) -> bool {
        self.record
            .id_columns
            .iter()
            .any(|c| self.record.identifiers().contains(c))
    }

    pub fn is_aggregate(&self) -> bool {
        self.source.kind == SourceKind::Aggregate
    }

    pub fn variable(&self, variable: Variable) -> Option<&VariableMapping> {
        self.variables.iter().find(|m| m.variable == variable)
    }

    /// Harmonized columns this source actually provides (read off the record contract). The
    /// others are null because the source does not have them: an indicator that needs one is
    /// "not available" for the source, never zero.
    pub fn provided_columns(&self) -> BTreeSet<String> {
        let mapped = |v: Variable| self.variable(v).is_some();
        // A source that states its population is of working age provides working_age without age.
        let stated_working_age = self
            .source
            .population
            .as_ref()
            .is_some_and(|p| p.working_age);
        let crosswalk = |v: Variable| self.variable(v).and_then(|m| m.crosswalk.as_ref());
        RECORD_CONTRACT
            .iter()
            .filter(|c| match c.basis {
                Basis::Always => true,
                Basis::Identity => false,
                _ if c.name == "working_age" && stated_working_age => true,
                // A source of departures for another purpose only gives no departure for employment.
                _ if c.name == "for_employment" => {
                    self.source.purpose == Some(Purpose::Employment) || mapped(Variable::Purpose)
                }
                Basis::Variable(v) | Basis::DerivedFrom(v) | Basis::GroupedFrom(v) => mapped(v),
                Basis::Converted(v) => mapped(v) && crosswalk(v).is_none_or(|c| c.faithful()),
                Basis::OwnVersion(v, version) => crosswalk(v).is_some_and(|c| c.version == version),
                Basis::Migrant => self
                    .migrant_definition
                    .is_some_and(|d| mapped(d.variable())),
            })
            .map(|c| c.name.to_string())
            .collect()
    }

    /// Harmonized columns of the variables the source gives at their total only
    /// (`source.total_only`), with the columns derived from them: breakdowns over them are
    /// published at their total.
    pub fn total_only_columns(&self) -> BTreeSet<String> {
        let total_only = |v: Variable| self.source.total_only.iter().any(|n| n == v.name());
        RECORD_CONTRACT
            .iter()
            .filter(|c| match c.basis {
                Basis::Variable(v) | Basis::DerivedFrom(v) | Basis::GroupedFrom(v) => total_only(v),
                Basis::Migrant => self
                    .migrant_definition
                    .is_some_and(|d| total_only(d.variable())),
                _ => false,
            })
            .map(|c| c.name.to_string())
            .collect()
    }

    /// Parse and check a spec file on its own, and find its raw file. `round` is the round folder
    /// that relative paths start from (and the folders they may lead to). The result is bound to
    /// the raw file's header by [`SourceSpec::bind`].
    pub fn parse(
        spec_path: &Path,
        round: &RoundFolder,
        cl: &Classifications,
    ) -> Result<ParsedSpec> {
        let parsed: SpecFile = crate::error::read_toml(
            spec_path,
            "spec",
            "correct the spec (see schemas/sources/README.md for the keys)",
        )
        .map_err(|e| file_key_error(spec_path).unwrap_or(e))?;
        check_meta(spec_path, &parsed.source, cl)?;
        check_file(spec_path, &parsed.file)?;
        let raw_path = resolve_raw_path(spec_path, round, &parsed.file)?;
        Ok(ParsedSpec {
            spec_path: spec_path.to_path_buf(),
            parsed,
            raw_path,
        })
    }

    /// Bind a parsed spec to its raw file's `header`: every column it names must be there, and
    /// each variable's codes map into its classification.
    pub fn bind(
        spec: ParsedSpec,
        header: &Header,
        round: &RoundFolder,
        cl: &Classifications,
    ) -> Result<SourceSpec> {
        let ParsedSpec {
            spec_path,
            parsed,
            raw_path,
        } = spec;
        let check = SpecCheck {
            spec_path: &spec_path,
            round,
            cl,
            raw_path: &raw_path,
            header,
        };
        check.record_columns(parsed.source.kind, &parsed.record)?;
        if let Some(total) = parsed.file.workbook().and_then(|b| b.total_rows.as_ref()) {
            check.require_column(&total.column, "file.total_rows.column")?;
        }

        let not_provided = &parsed.source.not_provided;
        let mut variables = Vec::new();
        for (name, declared) in parsed.variables {
            variables.push(check.variable(&name, &declared, not_provided, &parsed.record)?);
        }
        check_not_provided(&spec_path, &parsed.source, &variables)?;
        check_population(&spec_path, &parsed.source, &parsed.record, &variables)?;
        check.identifier_columns(&parsed.source, &parsed.record)?;
        let footnotes = check.footnotes(&parsed.file)?;
        Ok(SourceSpec {
            spec_path,
            source: parsed.source,
            file: parsed.file,
            raw_path,
            record: parsed.record,
            variables,
            benchmarks: parsed.benchmark,
            footnotes,
            id_key: None,
            migrant_definition: None,
        })
    }
}

/// A spec file parsed and checked on its own, its raw file found; not yet bound to the raw file's
/// header.
pub struct ParsedSpec {
    spec_path: PathBuf,
    parsed: SpecFile,
    /// The raw file, inside the round's folders.
    pub raw_path: PathBuf,
}

impl ParsedSpec {
    /// How the raw file is laid out (what reading its header needs).
    pub fn file(&self) -> &FileSpec {
        &self.parsed.file
    }
}

/// A spec's `[[benchmark]]`: a figure the office published for the source.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    pub indicator: String,
    #[serde(default = "total_sex")]
    pub sex: String,
    /// The codes the cell has in its breakdowns besides sex; a breakdown not named is at its
    /// total (default: the indicator's total).
    #[serde(default)]
    pub keep: Vec<String>,
    /// In persons for a count, in percent for a rate or share.
    pub value: f64,
    /// Where the office published it (for the report).
    #[serde(default)]
    pub published_in: String,
}

fn total_sex() -> String {
    "SEX_T".into()
}

/// What a spec can refer to in a raw file: its columns, and which of them carry value labels.
pub struct Header {
    pub columns: Vec<String>,
    pub labelled: BTreeSet<String>,
    /// A workbook's one-cell notes under the table, top to bottom.
    pub footnotes: Vec<String>,
}

/// The raw file `file.path` names, resolved against the round folder; refused if it leads
/// outside the round's folders or is not there.
fn resolve_raw_path(spec_path: &Path, round: &RoundFolder, file: &FileSpec) -> Result<PathBuf> {
    let raw_path = round
        .resolve(file.path())
        .map_err(|problem| Error::new(spec_path, "file.path", problem, OUTSIDE_FIX))?;
    if !raw_path.is_file() {
        return Err(Error::new(
            spec_path,
            "file.path",
            format!("raw file {} not found", raw_path.display()),
            "put the file in raw/ or correct file.path (relative to the round manifest's folder)",
        ));
    }
    Ok(raw_path)
}

/// What checking a spec against its raw file needs at each step: the spec (named in messages),
/// the round its paths resolve in, the classifications, and the raw file with its header.
struct SpecCheck<'a> {
    spec_path: &'a Path,
    round: &'a RoundFolder,
    cl: &'a Classifications,
    raw_path: &'a Path,
    header: &'a Header,
}

impl SpecCheck<'_> {
    /// The notes `file.footnotes` carries: the workbook must have some under its table.
    fn footnotes(&self, file: &FileSpec) -> Result<Vec<String>> {
        if !file.workbook().is_some_and(|b| b.footnotes) {
            return Ok(Vec::new());
        }
        if self.header.footnotes.is_empty() {
            return Err(Error::new(
                self.spec_path,
                "file.footnotes",
                format!(
                    "{} has no notes under the table (one-cell rows after the blank row that ends it)",
                    self.raw_path.display()
                ),
                "remove file.footnotes, or check file.sheet and file.cells (`ilms inspect` shows the sheet)",
            ));
        }
        Ok(self.header.footnotes.clone())
    }

    /// Refuses a column the raw file does not have, naming the spec key that gives it.
    fn require_column(&self, column: &str, key: &str) -> Result<()> {
        if self.header.columns.iter().any(|h| h == column) {
            Ok(())
        } else {
            Err(Error::new(
                self.spec_path,
                key,
                format!(
                    "column '{column}' is not in {} (its columns: {})",
                    self.raw_path.display(),
                    self.header.columns.join(", ")
                ),
                "name a column the raw file has (ilms is case-sensitive)",
            ))
        }
    }

    /// Checks `[record]`: identifying columns the raw file has, and the weight (microdata) or
    /// count (aggregate table) the source's kind calls for.
    fn record_columns(&self, kind: SourceKind, record: &RecordSpec) -> Result<()> {
        let spec_path = self.spec_path;
        if record.id_columns.is_empty() {
            return Err(Error::new(
                spec_path,
                "record.id_columns",
                "no identifying columns",
                "list the columns that together identify a record, e.g. [\"HH_ID\", \"PERSON_NO\"]",
            ));
        }
        for column in &record.id_columns {
            self.require_column(column, "record.id_columns")?;
        }
        match (kind, &record.weight, &record.count) {
            (SourceKind::Microdata, _, None) if record.nil.is_some() => {
                return Err(Error::new(
                    spec_path,
                    "record.nil",
                    "a nil marker applies to the counts of an aggregate table",
                    "remove record.nil, or set source.kind = \"aggregate\" for a table of counts",
                ))
            }
            (SourceKind::Microdata, weight, None) => {
                if let Some(weight) = weight {
                    self.require_column(weight, "record.weight")?;
                }
            }
            (SourceKind::Aggregate, None, Some(count)) => {
                self.require_column(count, "record.count")?
            }
            (SourceKind::Microdata, _, Some(_)) => {
                return Err(Error::new(
                    spec_path,
                    "record.count",
                    "a microdata source has no count column",
                    "use record.weight for a survey weight, or set source.kind = \"aggregate\" for a table of counts",
                ))
            }
            (SourceKind::Aggregate, Some(_), _) | (SourceKind::Aggregate, None, None) => {
                return Err(Error::new(
                    spec_path,
                    "record.count",
                    "an aggregate source needs its count column, and takes no weight",
                    "name the column that holds each cell's number of persons in record.count",
                ))
            }
        }
        Ok(())
    }

    /// Checks one `[variables.<name>]` entry against the raw file and resolves its code map.
    fn variable(
        &self,
        name: &str,
        declared: &VariableSpec,
        not_provided: &[String],
        record: &RecordSpec,
    ) -> Result<VariableMapping> {
        let spec_path = self.spec_path;
        let key = format!("variables.{name}");
        let variable = harmonized_variable(spec_path, &key, name)?;
        let (column, expr) = self.value_source(name, &key, declared, record)?;
        if record.is_identifier(&column) {
            return Err(identifier_used(
                spec_path,
                &format!("{key}.column"),
                &column,
            ));
        }
        if declared.key == MapKey::Label && !self.header.labelled.contains(&column) {
            return Err(Error::new(
                spec_path,
                format!("{key}.key"),
                format!(
                    "column '{column}' has no value labels in {}",
                    self.raw_path.display()
                ),
                "key the map on codes (remove key = \"label\"), or label the column in the source file (see `ilms inspect`)",
            ));
        }
        let (codes, crosswalk) =
            resolve_codes(spec_path, self.round, &key, variable, declared, self.cl)?;
        if not_provided.iter().any(|n| n == name) {
            return Err(Error::new(
                spec_path,
                "source.not_provided",
                format!("'{name}' is both mapped and declared not provided"),
                "remove it from one of the two",
            ));
        }
        let amount = amount(spec_path, &key, variable, declared)?;
        Ok(VariableMapping {
            variable,
            column,
            expr,
            codes,
            // Checked to be inside the round by resolve_codes, which read it.
            map_file: declared
                .map_file
                .as_ref()
                .map(|m| self.round.root.join(&m.path)),
            unmapped: declared.unmapped,
            key: declared.key,
            crosswalk,
            amount,
        })
    }

    /// Where a variable's raw value comes from: a column of the raw file, or an expression over
    /// raw columns (compiled, and refused if it reads a personal identifier). Returns the column
    /// name (for an expression, the name of the column it computes) and the compiled expression.
    fn value_source(
        &self,
        name: &str,
        key: &str,
        declared: &VariableSpec,
        record: &RecordSpec,
    ) -> Result<(String, Option<Expr>)> {
        let spec_path = self.spec_path;
        match (&declared.column, &declared.expr) {
            (Some(column), None) => {
                self.require_column(column, &format!("{key}.column"))?;
                Ok((column.clone(), None))
            }
            (None, Some(text)) => {
                let expr = expression::compile(spec_path, &format!("{key}.expr"), text)?;
                let used_columns = expression::columns(&expr).map_err(|problem| {
                    Error::new(
                        spec_path,
                        format!("{key}.expr"),
                        problem,
                        "write the raw columns by name, e.g. CONCAT_WS('-', \"A\", \"B\")",
                    )
                })?;
                for used in used_columns {
                    self.require_column(&used, &format!("{key}.expr"))?;
                    if record.is_identifier(&used) {
                        return Err(identifier_used(spec_path, &format!("{key}.expr"), &used));
                    }
                }
                Ok((format!("{name} (expression)"), Some(expr)))
            }
            _ => Err(Error::new(
                spec_path,
                key,
                "give either column or expr",
                "column = \"RAW_COLUMN\", or expr = \"CASE WHEN ... END\" (a polars SQL expression over raw columns)",
            )),
        }
    }

    /// Checks the personal identifiers: declared where the source calls for it, columns of the
    /// raw file, and neither the weight nor the count.
    fn identifier_columns(&self, source: &SourceMeta, record: &RecordSpec) -> Result<()> {
        check_identifiers_declared(self.spec_path, source, record)?;
        for column in record.identifiers() {
            self.require_column(column, "record.identifiers")?;
        }
        for (column, key) in [
            (&record.weight, "record.weight"),
            (&record.count, "record.count"),
        ] {
            if let Some(column) = column {
                if record.identifiers().contains(column) {
                    return Err(identifier_used(self.spec_path, key, column));
                }
            }
        }
        Ok(())
    }
}

/// Earnings' currency and period, checked: given for earnings (both), refused for any other
/// variable.
fn amount(
    spec_path: &Path,
    key: &str,
    variable: Variable,
    declared: &VariableSpec,
) -> Result<Option<Amount>> {
    let given = declared.currency.is_some() || declared.period.is_some();
    if variable != Variable::Earnings {
        if given || declared.to_monthly.is_some() {
            return Err(Error::new(
                spec_path,
                key,
                format!(
                    "currency, period and to_monthly belong to earnings, not to '{}'",
                    variable.name()
                ),
                "remove them",
            ));
        }
        return Ok(None);
    }
    let currency = declared.currency.clone().unwrap_or_default();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Error::new(
            spec_path,
            format!("{key}.currency"),
            format!("'{currency}' is not an ISO 4217 currency code"),
            "give the currency the amounts are in, e.g. currency = \"EUR\"",
        ));
    }
    let Some(period) = declared.period else {
        return Err(Error::new(
            spec_path,
            format!("{key}.period"),
            "the period the amounts are for is not given",
            "give period = \"month\", \"week\", \"year\" or \"hour\"",
        ));
    };
    let to_monthly = declared.to_monthly.or(period.to_monthly()).unwrap_or(0.0);
    if !(to_monthly.is_finite() && to_monthly > 0.0) {
        return Err(Error::new(
            spec_path,
            format!("{key}.to_monthly"),
            "an amount for this period needs a positive factor to make it monthly",
            "give to_monthly, e.g. the usual hours worked in a month for an hourly amount (to_monthly = 173.3 for 40 hours a week)",
        ));
    }
    Ok(Some(Amount {
        currency,
        period,
        to_monthly,
    }))
}

/// The harmonized variable a `[variables.<name>]` table names; refused, with the names there
/// are, if none.
fn harmonized_variable(spec_path: &Path, key: &str, name: &str) -> Result<Variable> {
    Variable::from_name(name).ok_or_else(|| {
        let known: Vec<_> = Variable::all().map(|v| v.name()).collect();
        Error::new(
            spec_path,
            key,
            format!("'{name}' is not a harmonized variable"),
            format!("use one of: {}", known.join(", ")),
        )
    })
}

/// Checks that `source.not_provided` names harmonized variables, and that every variable of the
/// contract is either mapped or declared not provided.
fn check_not_provided(
    spec_path: &Path,
    source: &SourceMeta,
    variables: &[VariableMapping],
) -> Result<()> {
    // Every variable of the contract is either mapped or declared not provided (or given at its
    // total only), so a forgotten variable is caught here rather than published as "not
    // available" unnoticed.
    // A purpose the source states for every record accounts for the purpose variable too.
    let stated_purpose = source.purpose.map(|_| Variable::Purpose.name().to_string());
    let not_provided: Vec<String> = source
        .not_provided
        .iter()
        .chain(&source.total_only)
        .cloned()
        .chain(stated_purpose)
        .collect();
    for (key, name) in source
        .not_provided
        .iter()
        .map(|n| ("source.not_provided", n))
        .chain(source.total_only.iter().map(|n| ("source.total_only", n)))
    {
        if variables.iter().any(|m| m.variable.name() == name) {
            return Err(Error::new(
                spec_path,
                key,
                format!("'{name}' is both mapped and declared in {key}"),
                "remove it from one of the two",
            ));
        }
        if source.not_provided.contains(name) && source.total_only.contains(name) {
            return Err(Error::new(
                spec_path,
                "source.total_only",
                format!("'{name}' is both not provided and given at its total only"),
                "keep it in one of the two: total_only when the source gives the figures at the variable's total (\"All countries\"), not_provided when it gives nothing",
            ));
        }
        if Variable::from_name(name).is_none() {
            return Err(Error::new(
                spec_path,
                key,
                format!("'{name}' is not a harmonized variable"),
                format!(
                    "use names from: {}",
                    Variable::all()
                        .map(|v| v.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let missing: Vec<&str> = Variable::all()
        .map(|v| v.name())
        .filter(|n| {
            !variables.iter().any(|m| m.variable.name() == *n)
                && !not_provided.iter().any(|d| d == n)
        })
        .collect();
    if !missing.is_empty() {
        return Err(Error::new(
            spec_path,
            "source.not_provided",
            format!(
                "the spec neither maps nor declares missing: {}",
                missing.join(", ")
            ),
            if missing.contains(&Variable::Purpose.name()) {
                "map each of them in [variables], or list those the source does not have in source.not_provided; a source of departures for employment only (deployments) states purpose = \"employment\" in [source] instead"
            } else {
                "map each of them in [variables], or list those the source does not have in source.not_provided"
            },
        ));
    }
    Ok(())
}

/// The population a source states and the part it covers must fit what it maps: a stated working
/// age stands in for an age the source does not give, a coverage limits a breakdown it gives; a
/// count scale belongs to an aggregate table.
fn check_population(
    spec_path: &Path,
    source: &SourceMeta,
    record: &RecordSpec,
    variables: &[VariableMapping],
) -> Result<()> {
    let mapped = |v: Variable| variables.iter().any(|m| m.variable == v);
    if let Some(population) = &source.population {
        if population.description.trim().is_empty() {
            return Err(Error::new(
                spec_path,
                "source.population.description",
                "the stated population has no description",
                "give the source's own words, e.g. description = \"all persons employed, of any age\"",
            ));
        }
        if population.working_age && mapped(Variable::Age) {
            return Err(Error::new(
                spec_path,
                "source.population.working_age",
                "the source gives age, so working age is computed from it",
                "remove working_age (it stands in for an age the source does not give)",
            ));
        }
    }
    if source.kind == SourceKind::Aggregate && mapped(Variable::Earnings) {
        return Err(Error::new(
            spec_path,
            "variables.earnings",
            "an aggregate table's rows are cells, not persons: their amounts cannot be averaged",
            "give earnings from microdata (one row per person), or list earnings in source.not_provided",
        ));
    }
    let purpose = Variable::Purpose.name();
    if source.purpose.is_some() && source.not_provided.iter().any(|n| n == purpose) {
        return Err(Error::new(
            spec_path,
            "source.purpose",
            "the purpose is both stated for every record and declared not provided",
            "keep source.purpose when every departure is for that purpose (deployments: \"employment\"), or remove it",
        ));
    }
    if source.purpose.is_some() && mapped(Variable::Purpose) {
        return Err(Error::new(
            spec_path,
            "source.purpose",
            "the source gives each record's purpose, so it states none for them all",
            "remove source.purpose (it stands in for a purpose variable the source does not give)",
        ));
    }
    if let Some(covers) = source.covers {
        let variable = match covers {
            Covers::NonCitizens => Variable::Citizenship,
            Covers::ForeignBorn => Variable::CountryOfBirth,
        };
        if !mapped(variable) {
            return Err(Error::new(
                spec_path,
                "source.covers",
                format!(
                    "the source covers part of the population by {}, which it does not map",
                    variable.name()
                ),
                format!(
                    "map {} (e.g. as_is, or a map of its country codes; \"XXX\" for a country not stated)",
                    variable.name()
                ),
            ));
        }
    }
    match record.scale {
        Some(0) => Err(Error::new(
            spec_path,
            "record.scale",
            "a scale of 0 would make every count 0",
            "give the persons one unit stands for: 1000 for a table in thousands, or remove record.scale",
        )),
        Some(_) if source.kind != SourceKind::Aggregate => Err(Error::new(
            spec_path,
            "record.scale",
            "a scale applies to the counts of an aggregate table",
            "remove record.scale, or set source.kind = \"aggregate\" for a table of counts",
        )),
        _ => Ok(()),
    }
}

/// The `[file]` values serde cannot judge: which keys a format takes is its type's to say.
fn check_file(spec_path: &Path, file: &FileSpec) -> Result<()> {
    match file {
        FileSpec::Csv(csv) => check_delimited(spec_path, csv)?,
        FileSpec::FixedWidth(fixed) => check_column_layout(spec_path, &fixed.columns)?,
        FileSpec::Xlsx(book) | FileSpec::Xls(book) => check_workbook(spec_path, book)?,
        FileSpec::Dta(_) | FileSpec::Sav(_) | FileSpec::Parquet(_) => {}
    }
    match file.unpivot() {
        Some(unpivot) => check_unpivot(spec_path, unpivot),
        None => Ok(()),
    }
}

/// The `[file]` key a spec that serde refused gets wrong, said as a person would: a key its
/// format does not take (`footnotes` of a csv file, with the formats that take it), a value of the
/// wrong type (serde buffers a tagged table and loses the key), or a fixed-width file without its
/// layout. Each key is tried alone with the format, so the formats' own types decide.
fn file_key_error(spec_path: &Path) -> Option<Error> {
    let text = std::fs::read_to_string(spec_path).ok()?;
    let table = text.parse::<toml::Table>().ok()?;
    let file = table.get("file")?.as_table()?;
    let declared = file.get("format")?.as_str()?;
    if declared == "fixed_width" && !file.contains_key("columns") {
        return refuse_file_key(
            spec_path,
            "columns",
            "a fixed-width file needs its column layout".into(),
            "add columns = [{ name = \"HH_ID\", start = 1, width = 6 }, ...] (start is 1-based)",
        )
        .err();
    }
    let alone = |format: &str, key: &str, value: &toml::Value| {
        let mut alone = toml::Table::new();
        alone.insert("format".into(), format.into());
        alone.insert("path".into(), "x".into());
        alone.insert(key.into(), value.clone());
        FileSpec::deserialize(toml::Value::Table(alone)).err()
    };
    // Unknown at the top of [file], not inside one of its tables (a typo in `unpivot`).
    let takes = |format: &str, key: &str, value: &toml::Value| {
        alone(format, key, value)
            .is_none_or(|e| !e.to_string().contains(&format!("unknown field `{key}`")))
    };
    for (key, value) in file.iter().filter(|(key, _)| *key != "format") {
        if !takes(declared, key, value) {
            return Some(misplaced_file_key(spec_path, declared, key, &|f| {
                takes(f, key, value)
            }));
        }
        match alone(declared, key, value) {
            Some(e) if !e.to_string().starts_with("missing field") => {
                let problem = e.to_string().lines().next().unwrap_or_default().to_string();
                return refuse_file_key(spec_path, key, problem, "correct the value").err();
            }
            _ => {}
        }
    }
    None
}

/// A `[file]` key the declared format does not take, with the formats that take it.
fn misplaced_file_key(
    spec_path: &Path,
    declared: &str,
    key: &str,
    takes: &dyn Fn(&str) -> bool,
) -> Error {
    let formats = ["csv", "fixed_width", "xlsx", "xls", "dta", "sav", "parquet"];
    let takers: Vec<&str> = formats.into_iter().filter(|f| takes(f)).collect();
    let applies = match takers.is_empty() {
        true => "no format takes it".to_string(),
        false => format!("it applies to {} files", takers.join(", ")),
    };
    Error::new(
        spec_path,
        format!("file.{key}"),
        format!("a {declared} file takes no key '{key}': {applies}"),
        format!("remove file.{key}, or correct file.format"),
    )
}

/// Refuses the `[file]` key `key` with the problem and its fix.
fn refuse_file_key(spec_path: &Path, key: &str, problem: String, fix: &str) -> Result<()> {
    Err(Error::new(spec_path, format!("file.{key}"), problem, fix))
}

/// Delimited text: a one-byte delimiter and quote.
fn check_delimited(spec_path: &Path, file: &DelimitedFile) -> Result<()> {
    let refuse =
        |key: &str, problem: String, fix: &str| refuse_file_key(spec_path, key, problem, fix);
    if file.delimiter.len() != 1 {
        return refuse(
            "delimiter",
            format!("delimiter '{}' is not a single byte", file.delimiter),
            "give one character, e.g. \",\", \";\" or \"\\t\"",
        );
    }
    if file.quote.len() > 1 {
        return refuse(
            "quote",
            format!("quote '{}' is not a single byte", file.quote),
            "give one character, usually \"\\\"\", or \"\" when fields are never quoted",
        );
    }
    Ok(())
}

/// `file.columns` of a fixed-width file: at least one, each at a valid position and none
/// overlapping another.
fn check_column_layout(spec_path: &Path, columns: &[FixedWidthColumn]) -> Result<()> {
    let refuse =
        |key: &str, problem: String, fix: &str| refuse_file_key(spec_path, key, problem, fix);
    if columns.is_empty() {
        return refuse(
            "columns",
            "a fixed-width file needs its column layout".into(),
            "add columns = [{ name = \"HH_ID\", start = 1, width = 6 }, ...] (start is 1-based)",
        );
    }
    let mut taken: Vec<(usize, usize, &str)> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        if c.start == 0 || c.width == 0 {
            return refuse(
                &format!("columns[{i}]"),
                format!(
                    "column '{}' has start {} and width {}",
                    c.name, c.start, c.width
                ),
                "positions start at 1 and widths are at least 1",
            );
        }
        let end = c.start + c.width;
        if let Some((_, _, other)) = taken.iter().find(|(s, e, _)| c.start < *e && *s < end) {
            return refuse(
                &format!("columns[{i}]"),
                format!("column '{}' overlaps column '{other}'", c.name),
                "give each column its own characters",
            );
        }
        taken.push((c.start, end, &c.name));
    }
    Ok(())
}

/// A workbook: a valid block of cells and header rows counted from 1.
fn check_workbook(spec_path: &Path, file: &WorkbookFile) -> Result<()> {
    let refuse =
        |key: &str, problem: String, fix: &str| refuse_file_key(spec_path, key, problem, fix);
    if let Some(cells) = &file.cells {
        if cell_block(cells).is_none() {
            return refuse(
                "cells",
                format!("'{cells}' is not a block of cells"),
                "write the top-left and bottom-right cells as Excel does, e.g. \"B4:H40\"",
            );
        }
    }
    if file.header_row == 0 || file.header_rows == 0 {
        return refuse(
            "header_row",
            "header_row and header_rows count from 1".into(),
            "give the sheet row of the header as Excel numbers it (1 = the first row)",
        );
    }
    Ok(())
}

/// `file.unpivot`: a stated total made authoritative needs the column that states it and the
/// category its difference from the parts is counted in.
fn check_unpivot(spec_path: &Path, unpivot: &Unpivot) -> Result<()> {
    let refuse =
        |key: &str, problem: String, fix: &str| refuse_file_key(spec_path, key, problem, fix);
    if unpivot.columns.is_empty() {
        return refuse(
            "unpivot.columns",
            "no columns to unpivot".into(),
            "list the columns that are categories, e.g. columns = [\"Men\", \"Women\"]",
        );
    }
    if unpivot.authoritative == Authoritative::Total
        && (unpivot.total.is_none() || unpivot.residual.is_none())
    {
        return refuse(
            "unpivot.authoritative",
            "the stated total is authoritative, but the spec does not say which column states it or where the difference goes".into(),
            "add total = \"<the total column>\" and residual = \"<a category the map knows>\" (e.g. \"Not stated\" mapped to \"\"), or authoritative = \"parts\"",
        );
    }
    if let Some(residual) = &unpivot.residual {
        if unpivot.columns.contains(residual) {
            return refuse(
                "unpivot.residual",
                format!("'{residual}' is one of the unpivoted columns"),
                "give the difference a category of its own, e.g. \"Not stated\"",
            );
        }
    }
    Ok(())
}

/// A block of cells in Excel's notation ("B4:H40") as 0-based (row, column) corners, top-left first.
pub fn cell_block(text: &str) -> Option<((u32, u32), (u32, u32))> {
    let cell = |a1: &str| -> Option<(u32, u32)> {
        let split = a1.find(|c: char| c.is_ascii_digit())?;
        let (letters, digits) = a1.split_at(split);
        if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let column = letters
            .to_ascii_uppercase()
            .bytes()
            .try_fold(0u32, |n, b| {
                n.checked_mul(26)?.checked_add(u32::from(b - b'A') + 1)
            })?;
        let row: u32 = digits.parse().ok()?;
        (row >= 1).then(|| (row - 1, column - 1))
    };
    let (from, to) = text.split_once(':')?;
    let (from, to) = (cell(from.trim())?, cell(to.trim())?);
    (from.0 <= to.0 && from.1 <= to.1).then_some((from, to))
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
    if !cl.codes(Target::Iso3).contains(&meta.ref_area) {
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
    if !cl.source_types.contains_key(&meta.source_type) {
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

impl FileSpec {
    /// The raw file, relative to the round manifest's folder.
    pub fn path(&self) -> &Path {
        match self {
            FileSpec::Csv(f) => &f.path,
            FileSpec::FixedWidth(f) => &f.path,
            FileSpec::Xlsx(f) | FileSpec::Xls(f) => &f.path,
            FileSpec::Dta(f) | FileSpec::Sav(f) | FileSpec::Parquet(f) => &f.path,
        }
    }

    pub fn format(&self) -> FileFormat {
        match self {
            FileSpec::Csv(_) => FileFormat::Csv,
            FileSpec::FixedWidth(_) => FileFormat::FixedWidth,
            FileSpec::Xlsx(_) => FileFormat::Xlsx,
            FileSpec::Xls(_) => FileFormat::Xls,
            FileSpec::Dta(_) => FileFormat::Dta,
            FileSpec::Sav(_) => FileFormat::Sav,
            FileSpec::Parquet(_) => FileFormat::Parquet,
        }
    }

    /// The wide table's columns read as rows, if the file is one.
    pub fn unpivot(&self) -> Option<&Unpivot> {
        match self {
            FileSpec::Csv(f) => f.unpivot.as_ref(),
            FileSpec::FixedWidth(f) => f.unpivot.as_ref(),
            FileSpec::Xlsx(f) | FileSpec::Xls(f) => f.unpivot.as_ref(),
            FileSpec::Dta(f) | FileSpec::Sav(f) | FileSpec::Parquet(f) => f.unpivot.as_ref(),
        }
    }

    /// The workbook keys, for a workbook.
    pub fn workbook(&self) -> Option<&WorkbookFile> {
        match self {
            FileSpec::Xlsx(f) | FileSpec::Xls(f) => Some(f),
            _ => None,
        }
    }
}

impl DelimitedFile {
    /// The delimiter as the byte the reader splits on (checked to be one byte when parsed).
    pub fn delimiter_byte(&self) -> u8 {
        self.delimiter.as_bytes().first().copied().unwrap_or(b',')
    }

    /// The quote character, if any.
    pub fn quote_byte(&self) -> Option<u8> {
        self.quote.as_bytes().first().copied()
    }
}

impl RecordSpec {
    /// Columns holding personal data, as declared (none if the key is absent).
    pub fn identifiers(&self) -> &[String] {
        self.declared_identifiers.as_deref().unwrap_or(&[])
    }

    /// Whether `column` is declared a personal identifier.
    fn is_identifier(&self, column: &str) -> bool {
        self.identifiers().iter().any(|c| c == column)
    }
}

/// Record-level administrative data (ILOSTAT source types F*: registers, permits, deployments)
/// usually carry names and document numbers: its spec must say which columns are personal
/// identifiers, or `identifiers = []`, rather than leave it out and publish them as `record_id`.
fn check_identifiers_declared(
    spec_path: &Path,
    source: &SourceMeta,
    record: &RecordSpec,
) -> Result<()> {
    let administrative = source.source_type.starts_with('F');
    if source.kind == SourceKind::Microdata
        && administrative
        && record.declared_identifiers.is_none()
    {
        return Err(Error::new(
            spec_path,
            "record.identifiers",
            format!(
                "record-level administrative data (source type {}) without a list of the columns that identify persons",
                source.source_type
            ),
            "list the columns holding names, passport or card numbers, e.g. identifiers = [\"NAME\", \"PASSPORT_NO\"] (never written; a record_id made of them is a keyed hash), or identifiers = [] if the file has none",
        ));
    }
    Ok(())
}

fn identifier_used(spec_path: &Path, key: &str, column: &str) -> Error {
    Error::new(
        spec_path,
        key,
        format!("'{column}' is declared a personal identifier (record.identifiers)"),
        "identifiers are never harmonized or written; use another column",
    )
}

type ResolvedCodes = (Option<BTreeMap<String, String>>, Option<CrosswalkUse>);

/// A raw code, the code it maps to, and where the spec says so (the key named in messages).
type CodePair = (String, String, String);

/// Resolves a variable's code map to harmonized codes: None for a numeric variable; for a map
/// to an older classification version, also how the correspondence led to each code.
fn resolve_codes(
    spec_path: &Path,
    round: &RoundFolder,
    key: &str,
    variable: Variable,
    declared: &VariableSpec,
    cl: &Classifications,
) -> Result<ResolvedCodes> {
    let Some(target) = map_target(spec_path, key, variable, declared)? else {
        return Ok((None, None));
    };
    let pairs = code_pairs(spec_path, round, key, declared, target, cl)?;
    let codes = code_map(spec_path, target, cl, pairs)?;
    // An older version is composed with the official correspondence, resolved by its rule, into
    // the variable's current version (its first classification; `target` is one of them).
    let current = variable.targets().first().copied().unwrap_or(target);
    through_crosswalk(spec_path, key, (target, current), cl, codes)
}

/// The classification a variable's map targets: its `classification`, or the variable's default.
/// None for a numeric variable, which is refused if the spec gives it a map.
fn map_target(
    spec_path: &Path,
    key: &str,
    variable: Variable,
    declared: &VariableSpec,
) -> Result<Option<Target>> {
    let targets = variable.targets();
    let Some(default_target) = targets.first().copied() else {
        if declared.map.is_some() || declared.map_file.is_some() || declared.as_is {
            return Err(Error::new(
                spec_path,
                key,
                format!("'{}' is numeric and takes no code map", variable.name()),
                "remove map / map_file / as_is",
            ));
        }
        return Ok(None);
    };
    let target = match &declared.classification {
        None => default_target,
        Some(name) => targets
            .iter()
            .copied()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                Error::new(
                    spec_path,
                    format!("{key}.classification"),
                    format!("'{name}' is not supported for {}", variable.name()),
                    format!(
                        "use one of: {}",
                        targets
                            .iter()
                            .map(|t| t.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?,
    };
    Ok(Some(target))
}

/// The (raw code, target code) pairs the spec declares, from exactly one of `map`, `map_file`
/// and `as_is`.
fn code_pairs(
    spec_path: &Path,
    round: &RoundFolder,
    key: &str,
    declared: &VariableSpec,
    target: Target,
    cl: &Classifications,
) -> Result<Vec<CodePair>> {
    match (&declared.map, &declared.map_file, declared.as_is) {
        (Some(inline), None, false) => Ok(inline
            .iter()
            .map(|(from, to)| (from.clone(), to.clone(), format!("{key}.map.\"{from}\"")))
            .collect()),
        (None, Some(file), false) => map_file_pairs(spec_path, round, key, file),
        // Raw values are the classification's own codes; a blank is "not stated".
        (None, None, true) => Ok(cl
            .codes(target)
            .iter()
            .cloned()
            .chain([String::new()])
            .map(|c| (c.clone(), c, format!("{key}.as_is")))
            .collect()),
        (None, None, false) => Err(Error::new(
            spec_path,
            key,
            "no code map",
            "add map = { \"raw code\" = \"international code\", ... }, map_file = { path, from, to }, or as_is = true if raw values already are codes",
        )),
        _ => Err(Error::new(
            spec_path,
            key,
            "more than one of map, map_file and as_is",
            "keep one of them",
        )),
    }
}

/// The code pairs of a `map_file`: its `from` and `to` columns, read from a CSV inside the round.
fn map_file_pairs(
    spec_path: &Path,
    round: &RoundFolder,
    key: &str,
    file: &MapFile,
) -> Result<Vec<CodePair>> {
    let path = round.resolve(&file.path).map_err(|problem| {
        Error::new(
            spec_path,
            format!("{key}.map_file.path"),
            problem,
            OUTSIDE_FIX,
        )
    })?;
    let table = TextTable::read(&path).map_err(|mut e| {
        e.location = format!(
            "(named by {} at {key}.map_file.path) {}",
            spec_path.display(),
            e.location
        );
        e
    })?;
    let from = table.column(&file.from, &format!("{key}.map_file.from"))?;
    let to = table.column(&file.to, &format!("{key}.map_file.to"))?;
    Ok(from
        .into_iter()
        .zip(to)
        .enumerate()
        .map(|(i, (f, t))| {
            (
                f,
                t,
                format!(
                    "{key}.map_file ({} data row {})",
                    file.path.display(),
                    i + 1
                ),
            )
        })
        .collect())
}

/// The pairs as a map from raw code to target code, refusing a target outside the classification
/// and a raw code given two targets (the map must be a function).
fn code_map(
    spec_path: &Path,
    target: Target,
    cl: &Classifications,
    pairs: Vec<CodePair>,
) -> Result<BTreeMap<String, String>> {
    let mut codes = BTreeMap::new();
    for (from, to, location) in pairs {
        if !to.is_empty() && !cl.codes(target).contains(&to) {
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
    Ok(codes)
}

/// A map to the current version as it is. Keeps a map to an older classification version in that
/// version (the source is tabulated in its own codes) and converts each code by the official
/// correspondence where that is faithful: the map, and the correspondence used (for each raw code,
/// its older code, its converted code if any and how the links were resolved, and whether the
/// conversion moves it to another skill level or sector than its own code's). A blank (not
/// stated) stays blank.
fn through_crosswalk(
    spec_path: &Path,
    key: &str,
    (target, current): (Target, Target),
    cl: &Classifications,
    codes: BTreeMap<String, String>,
) -> Result<ResolvedCodes> {
    if target == current {
        return Ok((Some(codes), None));
    }
    let Some(crosswalk) = cl.crosswalk(target) else {
        let older = without_correspondence(target, &codes);
        return Ok((Some(codes), Some(older)));
    };
    let (mut via, mut converted, mut regrouped) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for (from, old) in &codes {
        if old.is_empty() {
            continue;
        }
        let (new, resolution) = crosswalk.resolve(old).ok_or_else(|| {
            Error::new(
                spec_path,
                key,
                format!("'{old}' has no link in {}", crosswalk.path.display()),
                "map to a code the correspondence table knows",
            )
        })?;
        if let Some(new) = new {
            let moved = cl.regrouped_in((target, old), (current, &new));
            if !moved.is_empty() {
                regrouped.insert(from.clone(), moved);
            }
            converted.insert(from.clone(), new);
        }
        via.insert(from.clone(), (old.clone(), resolution));
    }
    Ok((
        Some(codes),
        Some(CrosswalkUse {
            path: Some(crosswalk.path.clone()),
            version: target,
            via,
            converted,
            regrouped,
        }),
    ))
}

/// A map to an older version with no correspondence to the current one: each code stays in its
/// own version and none converts.
fn without_correspondence(target: Target, codes: &BTreeMap<String, String>) -> CrosswalkUse {
    let via = codes
        .iter()
        .filter(|(_, old)| !old.is_empty())
        .map(|(from, old)| (from.clone(), (old.clone(), Resolution::NoCorrespondence)))
        .collect();
    CrosswalkUse {
        path: None,
        version: target,
        via,
        converted: BTreeMap::new(),
        regrouped: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::valid_time;

    #[test]
    fn cell_blocks() {
        assert_eq!(super::cell_block("A1:B2"), Some(((0, 0), (1, 1))));
        assert_eq!(super::cell_block("b4:aa40"), Some(((3, 1), (39, 26))));
        for bad in ["A1", "B4:A1", "A0:B2", "4B:H40", ":", "A1:B"] {
            assert_eq!(super::cell_block(bad), None, "{bad}");
        }
    }

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
