//! Charts: report-ready figures from published indicator cells, as SVG and PNG.
//!
//! Charts are declared in `schemas/charts.toml`; [`plan`] works out what each declaration shows
//! from the cells (one chart per source, or one across countries) and [`draw`] renders it. Fonts
//! are bundled (DejaVu Sans, compiled into the binary) so PNGs render the same on a machine
//! without system fonts. A withheld figure is drawn as "not published", a breakdown the source
//! does not give as "not available": never as a zero bar.

mod draw;
mod glyphs;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

pub use draw::render;

use crate::annual::{AnnualTable, Entry, TableUnit};
use crate::cells::Cells;
use crate::classifications::Classifications;
use crate::error::{Error, Result};
use crate::indicators::Indicators;

/// The JSON Schema of the chart declarations (`ilms schema`).
pub(crate) fn json_schema() -> schemars::Schema {
    schemars::schema_for!(ChartsFile)
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ChartsFile {
    charts: Vec<ChartSpec>,
}

/// One declared chart.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    pub id: String,
    pub indicator: String,
    pub kind: ChartKind,
    pub title: String,
    /// The classification version whose codes are the bars (e.g. OCU_ISCO08, CDS_DES).
    #[serde(default)]
    pub classification: Option<String>,
    /// Codes the cells must have in the indicator's other breakdown; for
    /// `migrants_vs_nonmigrants`, the series compared.
    #[serde(default)]
    pub keep: Vec<String>,
    /// Only the N largest categories (by the total of both sexes).
    #[serde(default)]
    pub top: Option<usize>,
    /// `countries_by_sex`: the annual table drawn.
    #[serde(default)]
    pub table: Option<String>,
    /// Counts in persons or thousands (default: the indicator's own unit).
    #[serde(default)]
    pub unit: Option<TableUnit>,
}

impl ChartSpec {
    /// A cell's value in the chart's unit (None: withheld), with the unit's label and decimals.
    fn value(&self, cells: &Cells, i: usize) -> (Option<f64>, (String, usize)) {
        match self.unit {
            Some(unit) if cells.persons[i].is_some() || cells.obs_value[i].is_none() => {
                let scale = if unit == TableUnit::Thousands {
                    1000.0
                } else {
                    1.0
                };
                (
                    cells.persons[i].map(|p| p / scale),
                    (unit.label().to_string(), unit.decimals()),
                )
            }
            _ => (
                cells.obs_value[i],
                unit_label(cells.unit_mult[i], &cells.unit[i]),
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    BarsBySex,
    Pyramid,
    MigrantsVsNonmigrants,
    CountriesBySex,
    TimeSeries,
}

/// Read `schemas/charts.toml` and check each chart names what it needs.
pub fn load_specs(
    path: &Path,
    indicators: &Indicators,
    table_ids: &[&str],
) -> Result<Vec<ChartSpec>> {
    let parsed: ChartsFile =
        crate::error::read_toml(path, "chart declarations", "correct the TOML")?;
    for chart in &parsed.charts {
        let fail = |problem: String, fix: String| {
            Err(Error::new(
                path,
                format!("charts.{}", chart.id),
                problem,
                fix,
            ))
        };
        if !indicators.list.iter().any(|i| i.id == chart.indicator) {
            return fail(
                format!("indicator '{}' is not declared", chart.indicator),
                format!(
                    "declare it in {} or chart another indicator",
                    indicators.path.display()
                ),
            );
        }
        let mut tables = indicators.list.iter().filter(|i| i.id == chart.indicator);
        if tables.clone().any(|i| i.is_magnitude()) {
            return fail(
                format!(
                    "indicator '{}' is a mean or median of earnings",
                    chart.indicator
                ),
                "charts show persons and rates; chart a count or a rate".into(),
            );
        }
        if !tables.all(|i| i.by_sex) {
            return fail(
                format!("indicator '{}' is published without sex", chart.indicator),
                "charts show figures by sex or their totals; chart an indicator with _SEX_ in its id".into(),
            );
        }
        let needs_categories = matches!(
            chart.kind,
            ChartKind::BarsBySex | ChartKind::Pyramid | ChartKind::MigrantsVsNonmigrants
        );
        if needs_categories && chart.classification.is_none() {
            return fail(
                "this kind of chart needs `classification`".into(),
                "give the classification version of the bars, e.g. classification = \"OCU_ISCO08\""
                    .into(),
            );
        }
        if let Err((problem, fix)) = check_keep(chart, indicators) {
            return fail(problem, fix);
        }
        if chart.kind == ChartKind::CountriesBySex
            && !chart
                .table
                .as_deref()
                .is_some_and(|t| table_ids.contains(&t))
        {
            return fail(
                format!("`table` must name an annual table (got {:?})", chart.table),
                format!("use one of: {}", table_ids.join(", ")),
            );
        }
    }
    Ok(parsed.charts)
}

/// A chart's `keep`: codes the indicator publishes (`kept::place`), none of the bars' own
/// breakdown; the two groups a `migrants_vs_nonmigrants` chart compares are of one breakdown,
/// any other chart keeps one code per breakdown.
fn check_keep(
    chart: &ChartSpec,
    indicators: &Indicators,
) -> std::result::Result<(), crate::kept::Problem> {
    let breakdowns = crate::kept::breakdowns(indicators, &chart.indicator);
    let slots = crate::kept::place(&breakdowns, &chart.indicator, &chart.keep)?;
    let bars = chart.classification.as_ref().and_then(|c| {
        breakdowns
            .iter()
            .position(|slot| slot.iter().any(|d| &d.classification == c))
    });
    if let Some(code) = (chart.keep.iter().zip(&slots)).find(|(_, s)| Some(**s) == bars) {
        return Err((
            format!("`keep` code '{}' is of the bars' own breakdown", code.0),
            "keep codes of the indicator's other breakdown (the bars show every category of `classification`)".into(),
        ));
    }
    if chart.kind == ChartKind::MigrantsVsNonmigrants {
        if slots.len() != 2 || slots[0] != slots[1] {
            return Err((
                "`keep` must give the two groups compared, two codes of one breakdown".into(),
                "e.g. keep = [\"CBR_BIR_FOREIGN\", \"CBR_BIR_NATIVE\"]".into(),
            ));
        }
    } else if let Some(i) = (1..slots.len()).find(|&i| slots[..i].contains(&slots[i])) {
        return Err((
            format!(
                "`keep` gives a second code of one breakdown: '{}'",
                chart.keep[i]
            ),
            "a chart shows one category of each breakdown besides its bars: give one code".into(),
        ));
    }
    Ok(())
}

/// One bar (or point) as drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bar {
    Value(f64),
    /// Withheld: drawn as "not published".
    Withheld,
    /// Not given by the source: drawn as "not available".
    NotAvailable,
    /// No bar in this slot: the category's figure is in another series (its total, where the
    /// source gives no breakdown by sex).
    Omitted,
}

impl Bar {
    fn value(self) -> Option<f64> {
        match self {
            Bar::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// The legend of the bars drawn for a category the source gives at its total only.
const TOTAL_ONLY: &str = "Total (no breakdown by sex)";

/// The series men and women and, for each category whose figure by sex is not available but whose
/// total is published (or withheld), a total bar in their place: a breakdown the source does not
/// give is said, the figure it gives is drawn. A series left without bars is dropped.
fn sex_series(
    labels: [String; 2],
    men: Vec<Bar>,
    women: Vec<Bar>,
    total: Vec<Bar>,
) -> Vec<(String, Vec<Bar>)> {
    let total_only: Vec<bool> = (0..total.len())
        .map(|i| {
            men.get(i) == Some(&Bar::NotAvailable)
                && women.get(i) == Some(&Bar::NotAvailable)
                && total[i] != Bar::NotAvailable
        })
        .collect();
    let place = |bars: Vec<Bar>, shown_when: bool| -> Vec<Bar> {
        bars.into_iter()
            .zip(&total_only)
            .map(|(bar, &only)| {
                if only == shown_when {
                    bar
                } else {
                    Bar::Omitted
                }
            })
            .collect()
    };
    let [male, female] = labels;
    [
        (male, place(men, false)),
        (female, place(women, false)),
        (TOTAL_ONLY.to_string(), place(total, true)),
    ]
    .into_iter()
    .filter(|(_, bars)| bars.iter().any(|b| *b != Bar::Omitted))
    .collect()
}

/// Bars of one panel: a group per category, a bar per series.
#[derive(Debug, Clone)]
struct Panel {
    heading: Option<String>,
    categories: Vec<String>,
    series: Vec<(String, Vec<Bar>)>,
}

#[derive(Debug, Clone)]
enum Figure {
    /// Horizontal grouped bars, in one or more panels side by side (one scale).
    Bars(Vec<Panel>),
    /// Age bands bottom (youngest) to top; men to the left, women to the right.
    Pyramid {
        bands: Vec<String>,
        men: Vec<Bar>,
        women: Vec<Bar>,
    },
    /// One line per series over the years.
    Lines {
        years: Vec<u32>,
        series: Vec<LineSeries>,
    },
}

/// One line of a time series: its label, each year's value (None: not published), and the years
/// after a break in series (the line is not joined into them).
#[derive(Debug, Clone)]
struct LineSeries {
    label: String,
    values: Vec<Option<f64>>,
    after_break: Vec<bool>,
}

/// What one chart shows, resolved from the cells.
#[derive(Debug, Clone)]
struct Chart {
    title: String,
    subtitle: String,
    unit_label: String,
    /// Decimals of the values written beside bars and points.
    decimals: usize,
    note_line: String,
    source_line: String,
    figure: Figure,
}

/// A chart to write: file stem and the rendered data.
pub struct PlannedChart {
    pub stem: String,
    /// The declaration it comes from.
    pub id: String,
    pub title: String,
    chart: Chart,
}

impl PlannedChart {
    /// Everything the chart draws, as text: two charts with the same description are the same
    /// picture (for the same build of ilms), so a run may take an earlier release's files.
    pub fn description(&self) -> String {
        format!("{}\n{:?}", self.stem, self.chart)
    }
}

/// What planning needs besides the cells.
pub struct ChartContext<'a> {
    pub classifications: &'a Classifications,
    /// A cell's `source` ("BA:ID") to the source's title.
    pub source_titles: &'a BTreeMap<String, String>,
    /// The round's annual tables (for `countries_by_sex`).
    pub tables: &'a [AnnualTable],
    pub round_name: &'a str,
}

/// Work out the charts the cells support.
pub fn plan(specs: &[ChartSpec], cells: &Cells, context: &ChartContext) -> Vec<PlannedChart> {
    let mut planned = Vec::new();
    for spec in specs {
        match spec.kind {
            ChartKind::BarsBySex | ChartKind::Pyramid | ChartKind::MigrantsVsNonmigrants => {
                planned.extend(plan_per_source(spec, cells, context))
            }
            ChartKind::CountriesBySex => planned.extend(plan_countries(spec, context)),
            ChartKind::TimeSeries => planned.extend(plan_time_series(spec, cells, context)),
        }
    }
    planned
}

/// The axis label of a unit and the decimals its values are written with.
fn unit_label(unit_mult: i32, unit: &str) -> (String, usize) {
    match (unit, unit_mult) {
        ("PT", _) => ("Per cent".to_string(), 1),
        (_, 3) => ("Thousands of persons".to_string(), 1),
        (_, 0) => ("Persons".to_string(), 0),
        (_, m) => (format!("Persons (x 10^{m})"), 1),
    }
}

/// Whether `code` belongs to classification `version` (e.g. OCU_ISCO08_2 to OCU_ISCO08).
fn in_version(code: Option<&str>, version: &str) -> bool {
    code.and_then(|c| c.strip_prefix(version))
        .is_some_and(|rest| rest.starts_with('_'))
}

/// One chart per source that publishes the indicator: bars by sex, a pyramid, or migrants against
/// non-migrants.
fn plan_per_source(spec: &ChartSpec, cells: &Cells, context: &ChartContext) -> Vec<PlannedChart> {
    let cl = context.classifications;
    let reader = PerSourceCells::new(spec, cells, cl);
    let mut planned = Vec::new();
    for ((ref_area, time, source), mine) in reader.groups() {
        let group = SourceGroup::new(&reader, mine);
        let (unit, decimals) = spec.value(cells, group.mine[0]).1;
        let mut notes = Vec::new();
        let figure = match spec.kind {
            ChartKind::Pyramid => group.pyramid(cl),
            ChartKind::MigrantsVsNonmigrants => group.migrants(cl),
            _ => group.bars_by_sex(cl, &mut notes),
        };
        group.add_notes(cl, &mut notes);
        let title = context
            .source_titles
            .get(&source)
            .cloned()
            .unwrap_or_default();
        let source_id = source.split_once(':').map_or(source.as_str(), |(_, id)| id);
        planned.push(PlannedChart {
            // Named by source too: a country may have a survey and a census for one year.
            stem: format!("{}_{ref_area}_{time}_{source_id}", spec.id),
            id: spec.id.clone(),
            title: format!("{}: {}, {time}", spec.title, cl.country_name(&ref_area)),
            chart: Chart {
                title: spec.title.clone(),
                subtitle: format!("{}, {time}", cl.country_name(&ref_area)),
                unit_label: unit,
                decimals,
                note_line: notes.join(" "),
                source_line: format!(
                    "Source: {title} ({source}); ILMS indicator {}.",
                    spec.indicator
                ),
                figure,
            },
        });
    }
    planned
}

/// The cells of a per-source chart: which are its bars, and in which category.
struct PerSourceCells<'a> {
    spec: &'a ChartSpec,
    cells: &'a Cells,
    /// The classification version of the bars.
    version: &'a str,
    /// Its total codes (`SEX_T`, `AGE_YTHADULT_YGE15`), which are not bars.
    totals: BTreeSet<&'a str>,
}

impl<'a> PerSourceCells<'a> {
    fn new(spec: &'a ChartSpec, cells: &'a Cells, cl: &'a Classifications) -> Self {
        let version = spec.classification.as_deref().unwrap_or_default();
        let codes = cl.version(version).unwrap_or_default();
        let totals = codes.iter().filter(|c| c.is_total);
        PerSourceCells {
            spec,
            cells,
            version,
            totals: totals.map(|c| c.code.as_str()).collect(),
        }
    }

    /// The category code of a cell of this chart, if it is one.
    fn category_of(&self, i: usize) -> Option<&'a str> {
        let (spec, cells) = (self.spec, self.cells);
        if cells.indicator[i] != spec.indicator {
            return None;
        }
        let (c1, c2) = (cells.classif1[i].as_deref(), cells.classif2[i].as_deref());
        let (category, other) = if in_version(c1, self.version) {
            (c1, c2)
        } else if in_version(c2, self.version) {
            (c2, c1)
        } else {
            return None;
        };
        let other_ok = match other {
            None => spec.keep.is_empty(),
            Some(code) => spec.keep.iter().any(|k| k == code),
        };
        category.filter(|c| other_ok && !self.totals.contains(c))
    }

    /// The code of a cell's other breakdown (not the bars' classification).
    fn other_of(&self, i: usize) -> Option<&'a str> {
        let c1 = self.cells.classif1[i].as_deref();
        if in_version(c1, self.version) {
            self.cells.classif2[i].as_deref()
        } else {
            c1
        }
    }

    /// The chart's cells by (country, year, source): one chart each.
    fn groups(&self) -> BTreeMap<(String, String, String), Vec<usize>> {
        let cells = self.cells;
        let rows: Vec<usize> = (0..cells.len())
            .filter(|&i| self.category_of(i).is_some())
            .collect();
        let mut groups: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
        for &i in &rows {
            groups
                .entry((
                    cells.ref_area[i].clone(),
                    cells.time[i].clone(),
                    cells.source[i].clone(),
                ))
                .or_default()
                .push(i);
        }
        groups
    }
}

/// The cells of one chart of [`plan_per_source`]: one source's, with their categories (in the
/// cells' order) and the sexes they give.
struct SourceGroup<'r, 'a> {
    reader: &'r PerSourceCells<'a>,
    mine: Vec<usize>,
    categories: Vec<&'a str>,
    sexes: Vec<&'static str>,
}

impl<'r, 'a> SourceGroup<'r, 'a> {
    /// The group of cells `mine`, with the categories and sexes they give.
    fn new(reader: &'r PerSourceCells<'a>, mine: Vec<usize>) -> Self {
        let mut categories: Vec<&str> = Vec::new();
        for &i in &mine {
            let c = reader.category_of(i).unwrap_or_default();
            if !categories.contains(&c) {
                categories.push(c);
            }
        }
        let sexes: Vec<&str> = ["SEX_M", "SEX_F"]
            .into_iter()
            .filter(|s| {
                mine.iter()
                    .any(|&i| reader.cells.sex[i].as_deref() == Some(*s))
            })
            .collect();
        SourceGroup {
            reader,
            mine,
            categories,
            sexes,
        }
    }

    /// The bar of a sex and category (and group of the other breakdown, if given).
    fn bar(&self, sex: &str, category: &str, other: Option<&str>) -> Bar {
        let (spec, cells) = (self.reader.spec, self.reader.cells);
        self.mine
            .iter()
            .find(|&&i| {
                cells.sex[i].as_deref() == Some(sex)
                    && self.reader.category_of(i) == Some(category)
                    && (other.is_none() || self.reader.other_of(i) == other)
            })
            .map_or(Bar::NotAvailable, |&i| {
                match (spec.value(cells, i).0, cells.status[i]) {
                    (Some(v), _) => Bar::Value(v),
                    (None, crate::cells::Status::NotAvailable) => Bar::NotAvailable,
                    (None, _) => Bar::Withheld,
                }
            })
    }

    /// Men and women by age band; bars of the totals where the source gives no sex.
    fn pyramid(&self, cl: &Classifications) -> Figure {
        if self.sexes.is_empty() {
            return self.bars_by_sex(cl, &mut Vec::new());
        }
        let categories = &self.categories;
        Figure::Pyramid {
            bands: categories.iter().map(|c| cl.label(c)).collect(),
            men: categories
                .iter()
                .map(|c| self.bar("SEX_M", c, None))
                .collect(),
            women: categories
                .iter()
                .map(|c| self.bar("SEX_F", c, None))
                .collect(),
        }
    }

    /// A panel per sex (one of both sexes where the source gives no sex), a bar per group
    /// compared.
    fn migrants(&self, cl: &Classifications) -> Figure {
        let categories = &self.categories;
        let sexes = if self.sexes.is_empty() {
            vec!["SEX_T"]
        } else {
            self.sexes.clone()
        };
        Figure::Bars(
            sexes
                .iter()
                .map(|sex| Panel {
                    heading: Some(cl.label(sex)),
                    categories: categories.iter().map(|c| cl.label(c)).collect(),
                    series: self
                        .reader
                        .spec
                        .keep
                        .iter()
                        .map(|group| {
                            (
                                cl.label(group),
                                categories
                                    .iter()
                                    .map(|c| self.bar(sex, c, Some(group)))
                                    .collect(),
                            )
                        })
                        .collect(),
                })
                .collect(),
        )
    }

    /// A bar per sex and category, only the `top` largest categories where the chart says so (a
    /// note says how many there are).
    fn bars_by_sex(&self, cl: &Classifications, notes: &mut Vec<String>) -> Figure {
        let categories = &self.categories;
        let mut shown = categories.clone();
        if let Some(top) = self.reader.spec.top.filter(|&n| n < categories.len()) {
            let total = |c: &&str| self.bar("SEX_T", c, None).value().unwrap_or(-1.0);
            shown.sort_by(|a, b| total(b).total_cmp(&total(a)));
            shown.truncate(top);
            notes.push(format!(
                "The {top} largest of {} categories.",
                categories.len()
            ));
        }
        let bars =
            |sex: &str| -> Vec<Bar> { shown.iter().map(|c| self.bar(sex, c, None)).collect() };
        Figure::Bars(vec![Panel {
            heading: None,
            categories: shown.iter().map(|c| cl.label(c)).collect(),
            series: sex_series(
                [cl.label("SEX_M"), cl.label("SEX_F")],
                bars("SEX_M"),
                bars("SEX_F"),
                bars("SEX_T"),
            ),
        }])
    }

    /// The chart's notes after the figure's own: persons of no stated sex, no breakdown by sex,
    /// and first the one group kept.
    fn add_notes(&self, cl: &Classifications, notes: &mut Vec<String>) {
        let (spec, cells) = (self.reader.spec, self.reader.cells);
        if spec.kind != ChartKind::MigrantsVsNonmigrants {
            let other_sex = self
                .mine
                .iter()
                .filter_map(|&i| cells.sex[i].as_deref())
                .any(|sex| !["SEX_T", "SEX_M", "SEX_F"].contains(&sex));
            if other_sex {
                notes.push("Persons whose sex is not stated are in no bar.".into());
            }
        }
        if self.sexes.is_empty() {
            notes.push(
                "The source does not break the figures down by sex: the bars are totals.".into(),
            );
        }
        if let Some(keep) = spec.keep.first().filter(|_| spec.keep.len() == 1) {
            notes.insert(0, format!("{}.", cl.label(keep)));
        }
    }
}

/// Why bars of an annual table's chart are "not available", row by row: a source that failed (the
/// table's own note), a figure not broken down by sex, a figure the source leaves blank.
fn not_available_note(table: &AnnualTable, rows: &[&crate::annual::TableRow]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut by_sex = false;
    let mut total_only: Vec<&str> = Vec::new();
    for row in rows {
        let [total, men, women, _] = row.entries();
        let na = |e: Entry| e == Entry::NotAvailable;
        let failed = row
            .notes
            .iter()
            .filter_map(|&n| table.notes.get(n - 1))
            .any(|text| text.starts_with("Not published"));
        if failed {
            // The reason is in the table's note; a chart's note line has room for one sentence.
            parts.push(format!(
                "{}: not published, the source could not be used (see the table's notes).",
                row.label
            ));
        } else if na(total) {
            parts.push(format!(
                "{}: the source gives no figure for part of the total.",
                row.label
            ));
        } else if na(men) && na(women) {
            total_only.push(&row.label);
        } else if na(men) || na(women) {
            by_sex = true;
        }
    }
    if by_sex {
        parts.insert(
            0,
            "Not available: the source does not break the figure down by sex.".into(),
        );
    }
    if !total_only.is_empty() {
        parts.insert(
            0,
            format!(
                "{}: total only, the source does not break the figure down by sex.",
                total_only.join(", ")
            ),
        );
    }
    parts.join(" ")
}

/// One chart across countries from an annual table: men and women by country.
fn plan_countries(spec: &ChartSpec, context: &ChartContext) -> Option<PlannedChart> {
    let table = context
        .tables
        .iter()
        .find(|t| Some(&t.id) == spec.table.as_ref())?;
    let rows: Vec<_> = table.rows.iter().filter(|r| r.time.is_some()).collect();
    if rows.is_empty() {
        return None;
    }
    let bar = |e: Entry| match e {
        Entry::Value { value, .. } => Bar::Value(value),
        Entry::Nil => Bar::Value(0.0),
        Entry::Withheld => Bar::Withheld,
        Entry::NotAvailable | Entry::NotApplicable => Bar::NotAvailable,
    };
    let column = |k: usize| -> Vec<Bar> { rows.iter().map(|r| bar(r.entries()[k])).collect() };
    let series = sex_series(
        ["Male".to_string(), "Female".to_string()],
        column(1),
        column(2),
        column(0),
    );
    let years: Vec<&str> = rows.iter().filter_map(|r| r.time.as_deref()).collect();
    let mut note = not_available_note(table, &rows);
    let table_year = table.stem.rsplit('_').next().unwrap_or_default();
    let other_years: Vec<String> = rows
        .iter()
        .filter(|r| r.time.as_deref() != Some(table_year))
        .map(|r| format!("{} {}", r.label, r.time.as_deref().unwrap_or_default()))
        .collect();
    if !other_years.is_empty() {
        note.push_str(&format!(" Reference year: {}.", other_years.join(", ")));
        note = note.trim_start().to_string();
    }
    let first_year = years.iter().min().copied().unwrap_or_default();
    let last_year = years.iter().max().copied().unwrap_or_default();
    Some(PlannedChart {
        stem: format!(
            "{}_{}",
            spec.id,
            table.stem.rsplit('_').next().unwrap_or("latest")
        ),
        id: spec.id.clone(),
        title: table.title.clone(),
        chart: Chart {
            title: spec.title.clone(),
            subtitle: if first_year == last_year {
                first_year.to_string()
            } else {
                format!("Latest year, {first_year} to {last_year}")
            },
            unit_label: table.unit_label().to_string(),
            decimals: table.unit.decimals(),
            note_line: note,
            source_line: format!(
                "Source: {}; national sources in the notes of table {}.",
                context.round_name, table.stem
            ),
            figure: Figure::Bars(vec![Panel {
                heading: None,
                categories: rows.iter().map(|r| r.label.clone()).collect(),
                series,
            }]),
        },
    })
}

/// One chart: a line per country (and source type) with two years or more, both sexes.
fn plan_time_series(
    spec: &ChartSpec,
    cells: &Cells,
    context: &ChartContext,
) -> Option<PlannedChart> {
    let cl = context.classifications;
    let (mut lines, unit) = time_series_lines(spec, cells);
    lines.retain(|_, line| line.values.len() >= 2);
    if lines.is_empty() {
        return None;
    }
    let mut years: Vec<u32> = lines
        .values()
        .flat_map(|l| l.values.keys().copied())
        .collect();
    years.sort_unstable();
    years.dedup();
    let several_types = |area: &str| lines.keys().filter(|(a, _)| a == area).count() > 1;
    let series: Vec<LineSeries> = lines
        .iter()
        .map(|((area, source_type), line)| {
            let mut label = cl.country_name(area);
            if several_types(area) {
                label.push_str(&format!(" ({source_type})"));
            }
            LineSeries {
                label,
                values: years
                    .iter()
                    .map(|y| line.values.get(y).copied().flatten())
                    .collect(),
                after_break: years.iter().map(|y| line.breaks.contains(y)).collect(),
            }
        })
        .collect();
    let mut note_line =
        "Both sexes. A gap: the year is not published or not available.".to_string();
    if series.iter().any(|s| s.after_break.contains(&true)) {
        note_line.push_str(" A line not joined into a year: a break in series (the definition or classification changed).");
    }
    Some(PlannedChart {
        stem: spec.id.clone(),
        id: spec.id.clone(),
        title: spec.title.clone(),
        chart: Chart {
            title: spec.title.clone(),
            subtitle: format!(
                "Countries with two years or more, {} to {}",
                years[0],
                years[years.len() - 1]
            ),
            unit_label: unit.0,
            decimals: unit.1,
            note_line,
            source_line: format!(
                "Source: {}; ILMS indicator {}.",
                context.round_name, spec.indicator
            ),
            figure: Figure::Lines { years, series },
        },
    })
}

/// Values of a time-series chart by (country, source type) and year, both sexes, with the unit
/// of the last such cell.
fn time_series_lines(spec: &ChartSpec, cells: &Cells) -> (TimeSeriesLines, (String, usize)) {
    let mut lines = TimeSeriesLines::new();
    let mut unit = (String::new(), 1);
    for i in 0..cells.len() {
        let codes_ok = [&cells.classif1[i], &cells.classif2[i]]
            .iter()
            .all(|c| c.as_ref().is_none_or(|c| spec.keep.contains(c)));
        let Ok(year) = cells.time[i].parse::<u32>() else {
            continue;
        };
        let total = cells.sex[i].as_deref() == Some("SEX_T");
        if cells.indicator[i] == spec.indicator && total && codes_ok {
            let source_type = cells.source[i].split(':').next().unwrap_or_default();
            let line = lines
                .entry((cells.ref_area[i].clone(), source_type.to_string()))
                .or_default();
            line.values.insert(year, spec.value(cells, i).0);
            // A break of source type starts a line of its own; another break (I11) is a gap.
            if cells.notes[i].iter().any(|n| n.starts_with("I11:")) {
                line.breaks.insert(year);
            }
            unit = spec.value(cells, i).1;
        }
    }
    (lines, unit)
}

/// One (country, source type)'s years in a time series.
#[derive(Default)]
struct TimeSeriesLine {
    /// Each year's value (None: withheld).
    values: BTreeMap<u32, Option<f64>>,
    /// Years whose cells are flagged as after a break in series.
    breaks: std::collections::BTreeSet<u32>,
}

/// A time series' lines by (country, source type).
type TimeSeriesLines = BTreeMap<(String, String), TimeSeriesLine>;

#[cfg(test)]
mod tests {
    use super::{sex_series, Bar, TOTAL_ONLY};

    #[test]
    fn a_time_series_is_not_joined_into_a_year_after_a_break() {
        // One country's survey, 2022 to 2024; 2024's cells follow a change of definition.
        let mut cells = super::Cells::default();
        for (time, value, notes) in [
            ("2022", 10.0, vec![]),
            ("2023", 12.0, vec![]),
            ("2024", 20.0, vec!["I11:269".to_string()]),
        ] {
            let indicator = "MNA_OEMP_SEX_CDS_NB";
            push_cell(&mut cells, indicator, "CDS_DES_TOTAL", time, value);
            *cells.notes.last_mut().expect("a cell") = notes;
        }
        let spec: super::ChartSpec = toml::from_str(
            "id = 'x'\nindicator = 'MNA_OEMP_SEX_CDS_NB'\nkind = 'time_series'\ntitle = 'x'\nkeep = ['CDS_DES_TOTAL']",
        )
        .expect("spec");
        let (lines, _) = super::time_series_lines(&spec, &cells);
        let line = &lines[&("AAA".to_string(), "BA".to_string())];
        assert_eq!(line.values.len(), 3);
        assert_eq!(line.breaks.iter().copied().collect::<Vec<_>>(), [2024]);
    }

    /// One cell of `indicator` at `classif1` in year `time`, for both sexes.
    fn push_cell(
        cells: &mut super::Cells,
        indicator: &str,
        classif1: &str,
        time: &str,
        value: f64,
    ) {
        cells.ref_area.push("AAA".into());
        cells.source.push(format!("BA:AAA_LFS_{time}"));
        cells.indicator.push(indicator.into());
        cells.sex.push(Some("SEX_T".into()));
        cells.classif1.push(Some(classif1.into()));
        cells.classif2.push(None);
        cells.time.push(time.into());
        cells.obs_value.push(Some(value));
        cells.status.push(crate::cells::Status::Published);
        cells.persons.push(Some(value * 1000.0));
        cells.sample_count.push(None);
        cells.note_indicator.push(None);
        cells.notes.push(Vec::new());
        cells.unit.push("PS".into());
        cells.unit_mult.push(3);
    }

    #[test]
    fn a_total_code_is_no_bar_whatever_its_name() {
        let dir = std::path::Path::new("schemas/classifications");
        let cl = crate::classifications::Classifications::load(dir).expect("code lists");
        let mut cells = super::Cells::default();
        // Youth and adults, and their total "15+" (a code that does not end in _TOTAL).
        for code in [
            "AGE_YTHADULT_Y15-24",
            "AGE_YTHADULT_YGE25",
            "AGE_YTHADULT_YGE15",
        ] {
            push_cell(&mut cells, "EMP_TEMP_SEX_AGE_NB", code, "2024", 1.0);
        }
        let spec: super::ChartSpec = toml::from_str(
            "id = 'x'\nindicator = 'EMP_TEMP_SEX_AGE_NB'\nkind = 'bars_by_sex'\ntitle = 'x'\nclassification = 'AGE_YTHADULT'",
        )
        .expect("spec");
        let reader = super::PerSourceCells::new(&spec, &cells, &cl);
        let bars: Vec<_> = (0..cells.len())
            .filter_map(|i| reader.category_of(i))
            .collect();
        assert_eq!(bars, ["AGE_YTHADULT_Y15-24", "AGE_YTHADULT_YGE25"]);
    }

    #[test]
    fn a_total_stands_in_for_a_breakdown_by_sex_the_source_does_not_give() {
        let (na, v) = (Bar::NotAvailable, Bar::Value);
        let labels = || ["Male".to_string(), "Female".to_string()];
        // The second category is given at its total only; the third not at all.
        let series = sex_series(
            labels(),
            vec![v(1.0), na, na],
            vec![v(2.0), na, na],
            vec![v(3.0), v(5.0), na],
        );
        assert_eq!(
            series,
            vec![
                ("Male".to_string(), vec![v(1.0), Bar::Omitted, na]),
                ("Female".to_string(), vec![v(2.0), Bar::Omitted, na]),
                (
                    TOTAL_ONLY.to_string(),
                    vec![Bar::Omitted, v(5.0), Bar::Omitted]
                ),
            ]
        );
        // A source with no sex at all: the totals alone, withheld ones included.
        let series = sex_series(
            labels(),
            vec![na, na],
            vec![na, na],
            vec![v(4.0), Bar::Withheld],
        );
        assert_eq!(
            series,
            vec![(TOTAL_ONLY.to_string(), vec![v(4.0), Bar::Withheld])]
        );
    }
}
