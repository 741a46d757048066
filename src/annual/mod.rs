//! Annual tables for focal points: one row per country (and source), Total / Men / Women /
//! % women for one year or several side by side, a region's total row, written as .xlsx, .csv and
//! Markdown, and all of a round's tables as one workbook with a contents sheet.
//!
//! Built from published cells only, so a table never says more than the Parquet does: a withheld
//! cell is "x", a figure the source does not give is "..", a published zero is "–", a % of nothing
//! is "n/a" (not applicable). Tables are declared in `schemas/tables.toml`; `ilms table` also
//! makes one for any count indicator.
//!
//! - `reference`: which years a table shows (a year, the latest up to a year, a period, several);
//! - `rows`: the rows built from the cells, their footnotes, the region's total row;
//! - `notes`: footnotes, numbered in the order the rows cite them;
//! - `write`: Markdown, CSV, the workbook and the round's workbook with its contents sheet.

mod notes;
mod reference;
mod rows;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use crate::cells::Cells;
use crate::classifications::Classifications;
use crate::error::{Error, Result};
use crate::indicators::{Indicators, Reliability};

pub use reference::Reference;
pub use write::{format_number, workbook_file, write_file, write_files, WORKBOOK};

/// Column headings of one year's figures, in order (the country and notes columns around them).
pub const FIGURES: [&str; 4] = ["Total", "Men", "Women", "% women"];
/// Column headings of a one-year table, in order.
pub const COLUMNS: [&str; 6] = ["Country", "Total", "Men", "Women", "% women", "Notes"];

/// The JSON Schema of the annual table declarations (`ilms schema`).
pub(crate) fn json_schema() -> schemars::Schema {
    schemars::schema_for!(TablesFile)
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TablesFile {
    region: Option<Region>,
    tables: Vec<TableSpec>,
}

/// A group of countries whose total a table shows as its last row (`[region]` of the tables file).
#[derive(Debug, Clone, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// The row's label ("ASEAN").
    pub label: String,
    /// Its members, ISO 3166-1 alpha-3.
    pub members: Vec<String>,
}

/// One declared annual table.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    pub id: String,
    /// "{year}" is replaced by the table's year (or period, or years).
    pub title: String,
    /// A count indicator.
    pub indicator: String,
    /// The codes of the cells shown, one per breakdown the indicator has besides sex (e.g. a
    /// total), in any order.
    #[serde(default)]
    pub keep: Vec<String>,
    /// `keep` placed in the indicator's classif1 / classif2 slots (when the tables are loaded);
    /// unset where the indicator has no such breakdown.
    #[serde(skip)]
    pub classif1: Option<String>,
    #[serde(skip)]
    pub classif2: Option<String>,
    #[serde(default)]
    pub unit: TableUnit,
    /// The table's year; unset: each country's latest year.
    pub year: Option<u32>,
    /// With a year: each country's latest year up to it (a footnote gives the year used).
    #[serde(default)]
    pub latest: bool,
    /// With `latest`: the earliest year a figure may be from; the table is titled for the period
    /// ("2018/2019") and every row's year is footnoted.
    pub from: Option<u32>,
    /// Several years side by side (instead of `year`): Total / Men / Women / % women for each.
    #[serde(default)]
    pub years: Vec<u32>,
    /// Rows, as ISO 3166-1 alpha-3 codes; a listed country without data gets a ".." row.
    /// Unset: every country that publishes the indicator.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Whether to end with the region's total row (when the tables file declares a region).
    #[serde(default = "yes")]
    pub total: bool,
    /// The tables file's region, given to every table it declares.
    #[serde(skip)]
    pub region: Option<Region>,
}

fn yes() -> bool {
    true
}

impl TableSpec {
    /// A table of `indicator`'s cells with the codes `keep`, for one that is not declared
    /// (placed in its breakdowns by [`place_kept`]).
    pub fn of_indicator(
        indicator: &str,
        label: &str,
        keep: &[String],
        labels: &crate::labels::Labels,
    ) -> TableSpec {
        // Every selected category is named in the title and the file name, so tables of two
        // categories never share a title or overwrite each other's files.
        let chosen: Vec<&String> = keep.iter().collect();
        let named: Vec<String> = chosen
            .iter()
            .map(|c| labels.label(c).unwrap_or_else(|| c.to_string()))
            .collect();
        let mut id = indicator.to_lowercase();
        for code in &chosen {
            id.push('_');
            id.push_str(&code.to_lowercase());
        }
        TableSpec {
            id,
            title: if named.is_empty() {
                format!("{label}, {{year}}")
            } else {
                format!("{label} ({}), {{year}}", named.join("; "))
            },
            indicator: indicator.to_string(),
            keep: keep.to_vec(),
            classif1: None,
            classif2: None,
            unit: TableUnit::default(),
            year: None,
            latest: false,
            from: None,
            years: Vec::new(),
            countries: Vec::new(),
            total: true,
            region: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TableUnit {
    Persons,
    #[default]
    Thousands,
}

impl TableUnit {
    pub fn label(self) -> &'static str {
        match self {
            TableUnit::Persons => "Persons",
            TableUnit::Thousands => "Thousands of persons",
        }
    }

    pub fn decimals(self) -> usize {
        match self {
            TableUnit::Persons => 0,
            TableUnit::Thousands => 1,
        }
    }
}

/// Read `schemas/tables.toml` and check each table against the round's indicators.
pub fn load_specs(path: &Path, indicators: &Indicators) -> Result<Vec<TableSpec>> {
    let parsed: TablesFile =
        crate::error::read_toml(path, "annual table declarations", "correct the TOML")?;
    if let Some(region) = &parsed.region {
        if let Some(bad) = region.members.iter().find(|m| !is_iso3(m)) {
            return Err(Error::new(
                path,
                "region.members",
                format!("'{bad}' is not an ISO 3166-1 alpha-3 code"),
                "list the region's countries as ISO 3166-1 alpha-3 codes (three capital letters)",
            ));
        }
    }
    let mut tables = parsed.tables;
    for spec in &mut tables {
        spec.region = parsed.region.clone();
        let key = format!("tables.{}", spec.id);
        let at = |(problem, fix): (String, String)| Error::new(path, &key, problem, fix);
        check_spec(spec, indicators).map_err(at)?;
        place_kept(spec, indicators).map_err(at)?;
    }
    Ok(tables)
}

/// `spec.keep` placed in the indicator's breakdown slots (`kept::place`) as the table's
/// classif1 and classif2: one code for every slot, as a table shows one category of each.
pub fn place_kept(
    spec: &mut TableSpec,
    indicators: &Indicators,
) -> std::result::Result<(), (String, String)> {
    let slots = crate::kept::breakdowns(indicators, &spec.indicator);
    let placed = crate::kept::place(&slots, &spec.indicator, &spec.keep)?;
    let mut kept: [Option<String>; 2] = [None, None];
    for (code, slot) in spec.keep.iter().zip(placed) {
        if let Some(earlier) = kept[slot].replace(code.clone()) {
            return Err((
                format!("`keep` gives two codes of one breakdown: '{earlier}' and '{code}'"),
                "give one code per breakdown (a table shows one category of each)".into(),
            ));
        }
    }
    if let Some(slot) = (0..slots.len()).find(|&s| kept[s].is_none()) {
        return Err((
            format!(
                "`keep` gives no code of {}'s breakdown {}",
                spec.indicator,
                crate::kept::slot_names(&slots[slot])
            ),
            format!(
                "add the code of the cells shown, e.g. \"{}\"",
                slots[slot][0].total
            ),
        ));
    }
    // In breakdown order: the table's name does not depend on the order the codes were given.
    spec.keep = kept.iter().flatten().cloned().collect();
    [spec.classif1, spec.classif2] = kept;
    Ok(())
}

fn is_iso3(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Whether `spec` names a count indicator with the classification codes it gives, and years
/// that go together.
pub fn check_spec(
    spec: &TableSpec,
    indicators: &Indicators,
) -> std::result::Result<(), (String, String)> {
    let tables: Vec<_> = indicators
        .list
        .iter()
        .filter(|i| i.id == spec.indicator)
        .collect();
    if tables.is_empty() {
        return Err((
            format!("indicator '{}' is not declared", spec.indicator),
            format!("use one of {}", indicators.path.display()),
        ));
    }
    if tables
        .iter()
        .any(|t| matches!(t.measure, crate::indicators::Measure::Mirror { .. }))
    {
        return Err((
            format!("indicator '{}' is mirror data", spec.indicator),
            "annual tables do not show mirror data (nationals abroad) yet; choose a count of the round's own sources".into(),
        ));
    }
    if tables.iter().any(|t| t.is_magnitude()) {
        return Err((
            format!(
                "indicator '{}' is a mean or median of earnings (unit {})",
                spec.indicator, tables[0].unit
            ),
            "annual tables show counts by sex; read earnings from the Parquet, the ILOSTAT CSV or SDMX (e.g. ilms query)".into(),
        ));
    }
    if !tables.iter().all(|t| t.is_count()) {
        return Err((
            format!(
                "indicator '{}' is not a count (its unit is {})",
                spec.indicator, tables[0].unit
            ),
            "annual tables show counts by sex; choose an indicator ending in _NB".into(),
        ));
    }
    if !tables.iter().all(|t| t.by_sex) {
        return Err((
            format!("indicator '{}' is published without sex", spec.indicator),
            "annual tables show counts by sex; choose an indicator with _SEX_ in its id".into(),
        ));
    }
    reference::check(spec)
}

/// Where no published cell has the table's codes kept: codes the indicator's cells do have, to
/// name in the error (None when some cell matches).
pub fn codes_hint(spec: &TableSpec, cells: &Cells) -> Option<String> {
    let mut published = BTreeSet::new();
    for i in 0..cells.len() {
        if cells.indicator[i] != spec.indicator {
            continue;
        }
        if cells.classif1[i] == spec.classif1 && cells.classif2[i] == spec.classif2 {
            return None;
        }
        let codes = [&cells.classif1[i], &cells.classif2[i]];
        let kept = codes
            .iter()
            .filter_map(|c| (*c).clone())
            .collect::<Vec<_>>();
        // The totals first: they are the table every source has.
        let quoted: Vec<String> = kept.iter().map(|c| format!("\"{c}\"")).collect();
        published.insert((
            !kept.iter().all(|c| c.ends_with("_TOTAL")),
            format!("[{}]", quoted.join(", ")),
        ));
    }
    if published.is_empty() {
        return Some(format!(
            "no published cells of {}: run the round that has it",
            spec.indicator
        ));
    }
    let examples: Vec<String> = published.into_iter().take(3).map(|(_, k)| k).collect();
    Some(format!(
        "keep the codes of published cells (`keep` in the tables file, one --keep each in ilms table), e.g. keep = {}",
        examples.join(" or ")
    ))
}

/// How a table cell reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry {
    Value {
        value: f64,
        unreliable: bool,
    },
    /// A published zero ("–").
    Nil,
    /// No figure: the source does not give it, or there is no data for the year ("..").
    NotAvailable,
    /// The figure has no meaning (a % of a nil total): "n/a".
    NotApplicable,
    /// Withheld for confidentiality or reliability ("x").
    Withheld,
}

impl Entry {
    fn text(self, decimals: usize, grouped: bool) -> String {
        match self {
            Entry::Value { value, .. } => format_number(value, decimals, grouped),
            Entry::Nil => "–".into(),
            Entry::NotAvailable => "..".into(),
            Entry::NotApplicable => "n/a".into(),
            Entry::Withheld => "x".into(),
        }
    }
}

/// One row: a country's figures from one source (or, in a table of several years, from the
/// source of each year), or the region's total.
#[derive(Debug, Clone)]
pub struct TableRow {
    pub ref_area: String,
    pub label: String,
    /// The reference year of the figures, the latest of a table of several years (None: no data).
    pub time: Option<String>,
    pub source: Option<String>,
    /// Total, men, women, % women: one group per column group of the table.
    pub figures: Vec<[Entry; 4]>,
    /// Footnote numbers (1-based, into [`AnnualTable::notes`]).
    pub notes: Vec<usize>,
}

impl TableRow {
    /// The figures of the table's last (or only) year.
    pub fn entries(&self) -> [Entry; 4] {
        self.figures
            .last()
            .copied()
            .unwrap_or([Entry::NotAvailable; 4])
    }
}

/// An annual table, ready to write.
#[derive(Debug, Clone)]
pub struct AnnualTable {
    pub id: String,
    /// File names: the id and the table's year (or period, or years).
    pub stem: String,
    pub title: String,
    pub unit: TableUnit,
    /// One heading per column group: the years of a table of several years; one empty heading
    /// otherwise.
    pub groups: Vec<String>,
    /// The countries' rows, by name.
    pub rows: Vec<TableRow>,
    /// The region's total row, when the table has one.
    pub total: Option<TableRow>,
    pub notes: Vec<String>,
    pub legend: String,
    pub source_line: String,
}

/// What the table builder needs besides the cells.
pub struct TableContext<'a> {
    pub classifications: &'a Classifications,
    pub indicators: &'a Indicators,
    /// A cell's `source` ("FX:ID") to the source's title.
    pub source_titles: &'a BTreeMap<String, String>,
    pub reliability: Reliability,
    /// Named in the table's source line.
    pub round_name: &'a str,
    /// Every code's label (a validation note's text).
    pub labels: &'a crate::labels::Labels,
    /// Sources that failed as a whole in this run: a ".." row each, with the reason.
    pub failed: Vec<FailedSource>,
    /// The validation results that failed (the release's `validation.parquet`): their details
    /// give the numbers in a footnote.
    pub failed_rules: Vec<FailedRule>,
    /// Footnotes also name the sources' and rules' ids (`ilms table --technical-notes`).
    pub technical_notes: bool,
}

/// A source none of whose cells is published (e.g. every record quarantined).
#[derive(Debug, Clone)]
pub struct FailedSource {
    pub ref_area: String,
    pub time: String,
    /// As cells name it ("FX:ID").
    pub source: String,
    pub reason: String,
    /// The count indicators it would have given.
    pub indicators: BTreeSet<String>,
}

/// A validation rule that failed on a source (a row of `validation.parquet`).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedRule {
    /// The source's id (as in the spec, not "FX:ID").
    pub source_id: String,
    pub rule: String,
    /// part_whole, source_totals, ...
    pub kind: String,
    /// What failed, with its numbers.
    pub detail: String,
}

/// Build a table from published cells.
pub fn build(spec: &TableSpec, cells: &Cells, context: &TableContext) -> AnnualTable {
    rows::build(spec, cells, context)
}
