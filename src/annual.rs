//! Annual tables for focal points: one row per country (and source), Total / Men / Women /
//! % women, written as .xlsx, .csv and Markdown.
//!
//! Built from published cells only, so a table never says more than the Parquet does: a withheld
//! cell is "x", a breakdown the source does not give is "n/a", a published zero is "–". Tables are
//! declared in `schemas/tables.toml`; `ilms table` also makes one for any count indicator.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::Deserialize;

use crate::cells::{Cells, Status};
use crate::classifications::Classifications;
use crate::error::{Error, Result};
use crate::indicators::{Indicators, Reliability};

/// Column headings, in order.
pub const COLUMNS: [&str; 6] = ["Country", "Total", "Men", "Women", "% women", "Notes"];
const SEXES: [&str; 3] = ["SEX_T", "SEX_M", "SEX_F"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TablesFile {
    tables: Vec<TableSpec>,
}

/// One declared annual table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    pub id: String,
    /// "{year}" is replaced by the table's year.
    pub title: String,
    /// A count indicator.
    pub indicator: String,
    /// The classif1 / classif2 code of the cells shown (e.g. a total); unset where the
    /// indicator has no such breakdown.
    pub classif1: Option<String>,
    pub classif2: Option<String>,
    #[serde(default)]
    pub unit: TableUnit,
    /// The table's year; unset: each country's latest year.
    pub year: Option<u32>,
    /// With a year: each country's latest year up to it (a footnote gives the year used).
    #[serde(default)]
    pub latest: bool,
    /// Rows, as ISO 3166-1 alpha-3 codes; a listed country without data gets an "n/a" row.
    /// Unset: every country that publishes the indicator.
    #[serde(default)]
    pub countries: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
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
    for spec in &parsed.tables {
        check_spec(spec, indicators).map_err(|(problem, fix)| {
            Error::new(path, format!("tables.{}", spec.id), problem, fix)
        })?;
    }
    Ok(parsed.tables)
}

/// Whether `spec` names a count indicator with the classification codes it gives.
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
    if !tables.iter().all(|t| t.is_count()) {
        return Err((
            format!(
                "indicator '{}' is not a count (its unit is {})",
                spec.indicator, tables[0].unit
            ),
            "annual tables show counts by sex; choose an indicator ending in _NB".into(),
        ));
    }
    Ok(())
}

/// Write a table's files into `dir`, each to a temporary name first, renamed when complete.
pub fn write_files(table: &AnnualTable, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create the tables folder", e))?;
    let mut written = Vec::new();
    for (name, bytes) in table.files()? {
        let path = dir.join(&name);
        let partial = dir.join(format!(".{name}.partial"));
        std::fs::write(&partial, bytes).map_err(|e| Error::io(&partial, "write the table", e))?;
        std::fs::rename(&partial, &path)
            .map_err(|e| Error::io(&path, "move the table into place", e))?;
        written.push(path);
    }
    Ok(written)
}

/// Where no published cell has the table's classification codes: the total codes the indicator's
/// cells do have, to name in the error (None when some cell matches).
pub fn codes_hint(spec: &TableSpec, cells: &Cells) -> Option<String> {
    let mut totals = BTreeSet::new();
    for i in 0..cells.len() {
        if cells.indicator[i] != spec.indicator {
            continue;
        }
        if cells.classif1[i] == spec.classif1 && cells.classif2[i] == spec.classif2 {
            return None;
        }
        for (flag, code) in [
            ("--classif1", &cells.classif1[i]),
            ("--classif2", &cells.classif2[i]),
        ] {
            if let Some(code) = code.as_deref().filter(|c| c.ends_with("_TOTAL")) {
                totals.insert(format!("{flag} {code}"));
            }
        }
    }
    Some(if totals.is_empty() {
        format!(
            "no published cells of {}: run the round that has it",
            spec.indicator
        )
    } else {
        format!(
            "give the cells to show, e.g. {}",
            totals.into_iter().collect::<Vec<_>>().join(" or ")
        )
    })
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
    /// The source does not give this figure ("n/a").
    NotAvailable,
    /// Withheld for confidentiality or reliability ("x").
    Withheld,
}

impl Entry {
    fn text(self, decimals: usize, grouped: bool) -> String {
        match self {
            Entry::Value { value, .. } => format_number(value, decimals, grouped),
            Entry::Nil => "–".into(),
            Entry::NotAvailable => "n/a".into(),
            Entry::Withheld => "x".into(),
        }
    }
}

/// One row: a country's figures from one source.
#[derive(Debug, Clone)]
pub struct TableRow {
    pub ref_area: String,
    pub label: String,
    /// The reference year of the figures (None: no data).
    pub time: Option<String>,
    pub source: Option<String>,
    /// Total, men, women, % women.
    pub entries: [Entry; 4],
    /// Footnote numbers (1-based, into [`AnnualTable::notes`]).
    pub notes: Vec<usize>,
}

/// An annual table, ready to write.
#[derive(Debug, Clone)]
pub struct AnnualTable {
    pub id: String,
    /// File names: the id and the table's year.
    pub stem: String,
    pub title: String,
    pub unit: TableUnit,
    pub rows: Vec<TableRow>,
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
    /// Sources that failed as a whole in this run: an "n/a" row each, with the reason.
    pub failed: Vec<FailedSource>,
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

/// The row of a source that failed as a whole: "n/a" throughout, the reason in a footnote.
fn failed_row(
    source: &FailedSource,
    label: &str,
    context: &TableContext,
    notes: &mut Notes,
) -> TableRow {
    let title = context
        .source_titles
        .get(&source.source)
        .map(|t| format!("{t} ({})", source.source))
        .unwrap_or_else(|| source.source.clone());
    let note = notes.add(format!(
        "Not published: {title} could not be used ({}).",
        source.reason
    ));
    TableRow {
        ref_area: source.ref_area.clone(),
        label: label.to_string(),
        time: Some(source.time.clone()),
        source: Some(source.source.clone()),
        entries: [Entry::NotAvailable; 4],
        notes: vec![note],
    }
}

/// The cells a table reads: by (country, source, year), each sex's cell index.
type FoundCells = BTreeMap<(String, String, String), BTreeMap<&'static str, usize>>;

/// Build a table from published cells.
pub fn build(spec: &TableSpec, cells: &Cells, context: &TableContext) -> AnnualTable {
    let found = found_cells(spec, cells, context);
    let chosen = chosen_years(spec, &found);
    let table_year = table_year(spec, &chosen, context);
    let failed = failed_in_table(spec, table_year, context);
    let countries = table_countries(spec, &chosen, &failed);

    let mut builder = RowBuilder {
        spec,
        cells,
        context,
        found: &found,
        table_year,
        notes: Notes::default(),
        rows: Vec::new(),
    };
    for area in &countries {
        builder.add_country(area, chosen.get(area), &failed);
    }
    let RowBuilder {
        mut rows, notes, ..
    } = builder;
    rows.sort_by(|a, b| a.label.cmp(&b.label));
    // Footnotes numbered in the order the sorted rows first cite them.
    let (rows, notes) = notes.renumber(rows);
    finish_table(spec, context, table_year, rows, notes)
}

/// A cell's year as a number (0 when it is not one).
fn year_of(time: &str) -> u32 {
    time.parse::<u32>().unwrap_or(0)
}

/// Whether a figure of `time` belongs in a table of `year` (up to it, with `latest`).
fn fits(year: Option<u32>, latest: bool, time: &str) -> bool {
    match (year, latest) {
        (Some(year), false) => year_of(time) == year,
        (Some(year), true) => year_of(time) <= year,
        (None, _) => true,
    }
}

/// The cells this table reads, by (country, source, year) and sex.
fn found_cells(spec: &TableSpec, cells: &Cells, context: &TableContext) -> FoundCells {
    // Annual tables take annual figures only (a quarterly or monthly source is another table).
    let mut found = FoundCells::new();
    for i in 0..cells.len() {
        let is_year = cells.time[i].len() == 4 && cells.time[i].bytes().all(|b| b.is_ascii_digit());
        if cells.indicator[i] == spec.indicator
            && cells.classif1[i] == spec.classif1
            && cells.classif2[i] == spec.classif2
            && SEXES.contains(&cells.sex[i].as_str())
            && is_year
            // A failed source's "not available" cells: its own row says why.
            && !context.failed.iter().any(|f| f.source == cells.source[i] && f.time == cells.time[i])
        {
            let key = (
                cells.ref_area[i].clone(),
                cells.source[i].clone(),
                cells.time[i].clone(),
            );
            let sex = SEXES
                .iter()
                .find(|s| **s == cells.sex[i])
                .copied()
                .unwrap_or("SEX_T");
            found.entry(key).or_default().insert(sex, i);
        }
    }
    found
}

/// Each country's year: the given one, or its latest (up to the given one).
fn chosen_years(spec: &TableSpec, found: &FoundCells) -> BTreeMap<String, String> {
    let mut chosen: BTreeMap<String, String> = BTreeMap::new();
    for (area, _, time) in found.keys() {
        if fits(spec.year, spec.latest, time) {
            let best = chosen.entry(area.clone()).or_insert_with(|| time.clone());
            if year_of(time) > year_of(best) {
                *best = time.clone();
            }
        }
    }
    chosen
}

/// The table's year: the given one, or the latest of the countries' years and of the failed
/// sources' years.
fn table_year(
    spec: &TableSpec,
    chosen: &BTreeMap<String, String>,
    context: &TableContext,
) -> Option<u32> {
    // A failed source counts for the table's year too: its row says why it is not available.
    let failed_years = context
        .failed
        .iter()
        .filter(|f| f.indicators.contains(&spec.indicator))
        .map(|f| year_of(&f.time))
        .filter(|y| spec.year.is_none_or(|year| *y <= year));
    spec.year.or_else(|| {
        chosen
            .values()
            .map(|t| year_of(t))
            .chain(failed_years)
            .max()
    })
}

/// The failed sources of the table's indicator and year: an "n/a" row each.
fn failed_in_table<'a>(
    spec: &TableSpec,
    table_year: Option<u32>,
    context: &'a TableContext,
) -> Vec<&'a FailedSource> {
    context
        .failed
        .iter()
        .filter(|f| {
            fits(spec.year.or(table_year), spec.latest, &f.time)
                && f.indicators.contains(&spec.indicator)
        })
        .collect()
}

/// The table's countries: those listed, or every one with a figure or a failed source.
fn table_countries(
    spec: &TableSpec,
    chosen: &BTreeMap<String, String>,
    failed: &[&FailedSource],
) -> Vec<String> {
    if spec.countries.is_empty() {
        let areas: BTreeSet<String> = chosen
            .keys()
            .cloned()
            .chain(failed.iter().map(|f| f.ref_area.clone()))
            .collect();
        areas.into_iter().collect()
    } else {
        spec.countries.clone()
    }
}

/// How a published cell reads in a table of `unit`.
fn cell_entry(cells: &Cells, i: usize, unit: TableUnit) -> Entry {
    let status = cells.status[i];
    match (status, cells.persons[i]) {
        (Status::NotAvailable, _) => Entry::NotAvailable,
        (status, _) if status.withheld() => Entry::Withheld,
        (_, None) => Entry::Withheld,
        (_, Some(0.0)) => Entry::Nil,
        (status, Some(p)) => Entry::Value {
            value: match unit {
                TableUnit::Persons => p,
                TableUnit::Thousands => p / 1000.0,
            },
            unreliable: status == Status::Unreliable,
        },
    }
}

/// The headings of the columns whose figure is flagged unreliable.
fn unreliable_columns(entries: [Entry; 4]) -> Vec<&'static str> {
    entries
        .iter()
        .zip(&COLUMNS[1..5])
        .filter(|(e, _)| {
            matches!(
                e,
                Entry::Value {
                    unreliable: true,
                    ..
                }
            )
        })
        .map(|(_, c)| *c)
        .collect()
}

/// The footnote of a rule a source's cells are marked with: perturbation, or a validation
/// warning.
fn rule_note(rule: &str, labels: &crate::labels::Labels) -> String {
    if rule == crate::cells::PERTURBED_NOTE {
        "Figures perturbed by a few persons to protect confidentiality (cell-key method); totals may differ slightly from the sum of their parts.".to_string()
    } else {
        // The rule's label says what failed; its id finds it in the validation report.
        let what = labels
            .label(&format!("ilms:{rule}"))
            .map(|l| format!("{l}: "))
            .unwrap_or_default();
        format!("{what}the source fails validation rule '{rule}' (a warning); see the round's validation report.")
    }
}

/// The table's rows and footnotes as they are built, country by country.
struct RowBuilder<'a> {
    spec: &'a TableSpec,
    cells: &'a Cells,
    context: &'a TableContext<'a>,
    found: &'a FoundCells,
    table_year: Option<u32>,
    notes: Notes,
    rows: Vec<TableRow>,
}

impl RowBuilder<'_> {
    /// A country's rows: one per failed source, then one per source of its chosen year (`time`),
    /// or an "n/a" row when it has neither.
    fn add_country(&mut self, area: &String, time: Option<&String>, failed: &[&FailedSource]) {
        let name = self.context.classifications.country_name(area);
        let failed_here: Vec<&&FailedSource> =
            failed.iter().filter(|f| &f.ref_area == area).collect();
        for source in &failed_here {
            self.rows
                .push(failed_row(source, &name, self.context, &mut self.notes));
        }
        let Some(time) = time else {
            if !failed_here.is_empty() {
                return;
            }
            let when = self
                .table_year
                .map_or("this round".to_string(), |y| y.to_string());
            let note = self.notes.add(format!("No data for {when}."));
            self.rows.push(TableRow {
                ref_area: area.clone(),
                label: name,
                time: None,
                source: None,
                entries: [Entry::NotAvailable; 4],
                notes: vec![note],
            });
            return;
        };
        let found = self.found;
        let sources: Vec<(&String, &BTreeMap<&str, usize>)> = found
            .iter()
            .filter(|((a, _, t), _)| a == area && t == time)
            .map(|((_, source, _), sexes)| (source, sexes))
            .collect();
        for (source, sexes) in &sources {
            let label = if sources.len() > 1 {
                format!(
                    "{name} ({})",
                    self.context
                        .source_titles
                        .get(*source)
                        .cloned()
                        .unwrap_or_else(|| (*source).clone())
                )
            } else {
                name.clone()
            };
            let row = self.source_row(area, label, time, source, sexes);
            self.rows.push(row);
        }
    }

    /// The row of a country's figures from one source, with its footnotes.
    fn source_row(
        &mut self,
        area: &str,
        label: String,
        time: &str,
        source: &str,
        sexes: &BTreeMap<&str, usize>,
    ) -> TableRow {
        let entry = |sex: &str| -> Entry {
            sexes.get(sex).map_or(Entry::NotAvailable, |&i| {
                cell_entry(self.cells, i, self.spec.unit)
            })
        };
        let [total, men, women] = [entry("SEX_T"), entry("SEX_M"), entry("SEX_F")];
        let entries = [total, men, women, percent_women(total, women)];
        TableRow {
            ref_area: area.to_string(),
            label,
            time: Some(time.to_string()),
            source: Some(source.to_string()),
            entries,
            notes: self.row_notes(time, source, entries, sexes),
        }
    }

    /// A source row's footnotes: its source, a year other than the table's, unreliable figures
    /// and the rules its cells are marked with.
    fn row_notes(
        &mut self,
        time: &str,
        source: &str,
        entries: [Entry; 4],
        sexes: &BTreeMap<&str, usize>,
    ) -> Vec<usize> {
        let notes = &mut self.notes;
        let mut row_notes = Vec::new();
        let title = self
            .context
            .source_titles
            .get(source)
            .map(|t| format!("{t} ({source})"))
            .unwrap_or_else(|| source.to_string());
        row_notes.push(notes.add(format!("Source: {title}.")));
        if self.table_year.is_some_and(|y| y != year_of(time)) {
            row_notes.push(notes.add(format!("Reference year {time}.")));
        }
        let unreliable = unreliable_columns(entries);
        if !unreliable.is_empty() {
            row_notes.push(notes.add(format!(
                "Unreliable (fewer than {} sample records, flag U): {}.",
                self.context.reliability.unreliable_below,
                unreliable.join(", ")
            )));
        }
        let checked: BTreeSet<&str> = sexes
            .values()
            .flat_map(|&i| self.cells.notes[i].iter().map(String::as_str))
            .collect();
        for rule in checked {
            row_notes.push(notes.add(rule_note(rule, self.context.labels)));
        }
        row_notes.sort_unstable();
        row_notes.dedup();
        row_notes
    }
}

/// The table with its title, file stem, legend and source line.
fn finish_table(
    spec: &TableSpec,
    context: &TableContext,
    table_year: Option<u32>,
    rows: Vec<TableRow>,
    notes: Vec<String>,
) -> AnnualTable {
    let year_text = table_year.map_or("latest year".to_string(), |y| y.to_string());
    let indicator_label = context
        .indicators
        .list
        .iter()
        .find(|i| i.id == spec.indicator)
        .map_or(String::new(), |i| format!(" ({})", i.label));
    AnnualTable {
        id: spec.id.clone(),
        stem: match table_year {
            Some(year) => format!("{}_{year}", spec.id),
            None => spec.id.clone(),
        },
        title: spec.title.replace("{year}", &year_text),
        unit: spec.unit,
        rows,
        notes,
        legend: format!(
            "n/a: not available (the source does not give this figure). –: nil. x: not published \
             (fewer than {} records, or it would give such a figure away).",
            context.reliability.withheld_below
        ),
        source_line: format!(
            "Source: {}; ILMS indicator {}{}; computed by ilms {} from the published cells.",
            context.round_name,
            spec.indicator,
            indicator_label,
            env!("CARGO_PKG_VERSION")
        ),
    }
}

/// % women = 100 x women / total, from the published figures.
fn percent_women(total: Entry, women: Entry) -> Entry {
    match (total, women) {
        (Entry::NotAvailable, _) | (_, Entry::NotAvailable) | (Entry::Nil, _) => {
            Entry::NotAvailable
        }
        (Entry::Withheld, _) | (_, Entry::Withheld) => Entry::Withheld,
        (Entry::Value { .. }, Entry::Nil) => Entry::Nil,
        (
            Entry::Value {
                value: t,
                unreliable: u1,
            },
            Entry::Value {
                value: w,
                unreliable: u2,
            },
        ) => Entry::Value {
            value: 100.0 * w / t,
            unreliable: u1 || u2,
        },
    }
}

/// Footnotes, deduplicated.
#[derive(Default)]
struct Notes {
    texts: Vec<String>,
}

impl Notes {
    /// The note's provisional number (1-based).
    fn add(&mut self, text: String) -> usize {
        match self.texts.iter().position(|t| *t == text) {
            Some(i) => i + 1,
            None => {
                self.texts.push(text);
                self.texts.len()
            }
        }
    }

    /// Renumber the notes in the order the rows cite them.
    fn renumber(self, mut rows: Vec<TableRow>) -> (Vec<TableRow>, Vec<String>) {
        let mut order: Vec<usize> = Vec::new();
        for row in &rows {
            for n in &row.notes {
                if !order.contains(n) {
                    order.push(*n);
                }
            }
        }
        for row in &mut rows {
            for n in &mut row.notes {
                *n = order.iter().position(|o| o == n).map_or(0, |p| p + 1);
            }
            row.notes.sort_unstable();
        }
        let texts = order.iter().map(|&n| self.texts[n - 1].clone()).collect();
        (rows, texts)
    }
}

impl AnnualTable {
    pub fn unit_label(&self) -> &'static str {
        self.unit.label()
    }

    fn decimals(&self, column: usize) -> usize {
        if column == 3 {
            1
        } else {
            self.unit.decimals()
        }
    }

    fn note_marks(row: &TableRow) -> String {
        row.notes
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Each row as text: its label, the four figures as printed (grouped digits, n/a, –, x) and
    /// its footnote marks.
    pub fn text_rows(&self) -> Vec<(String, Vec<String>, String)> {
        self.rows
            .iter()
            .map(|row| {
                let cells = row
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(c, e)| e.text(self.decimals(c), true))
                    .collect();
                (row.label.clone(), cells, Self::note_marks(row))
            })
            .collect()
    }

    /// The table as Markdown: heading, unit, the grid, numbered notes, legend and source.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("### {}\n\n*{}*\n\n", self.title, self.unit.label());
        out.push_str(&format!("| {} |\n", COLUMNS.join(" | ")));
        out.push_str("|:---|---:|---:|---:|---:|:---|\n");
        for (label, cells, notes) in self.text_rows() {
            out.push_str(&format!("| {label} | {} | {notes} |\n", cells.join(" | ")));
        }
        out.push_str("\nNotes:\n\n");
        for (i, note) in self.notes.iter().enumerate() {
            out.push_str(&format!("{}. {note}\n", i + 1));
        }
        out.push_str(&format!("\n{}\n\n{}\n", self.legend, self.source_line));
        out
    }

    /// The table as CSV (UTF-8 with a byte-order mark, so Excel reads the dash): a title line,
    /// the unit line, the grid, then the notes, as a focal point would lay it out.
    pub fn to_csv(&self) -> String {
        let mut lines = vec![
            csv_line(&[self.title.as_str()]),
            csv_line(&[self.unit.label()]),
            csv_line(&COLUMNS),
        ];
        for row in &self.rows {
            let mut fields = vec![row.label.clone()];
            fields.extend(
                row.entries
                    .iter()
                    .enumerate()
                    .map(|(c, e)| e.text(self.decimals(c), false)),
            );
            fields.push(Self::note_marks(row));
            lines.push(csv_line(&fields));
        }
        lines.push(String::new());
        lines.push(csv_line(&["Notes:"]));
        for (i, note) in self.notes.iter().enumerate() {
            lines.push(csv_line(&[format!("{}. {note}", i + 1)]));
        }
        lines.push(csv_line(&[self.legend.as_str()]));
        lines.push(csv_line(&[self.source_line.as_str()]));
        format!("\u{feff}{}\n", lines.join("\n"))
    }

    /// The table as an Excel workbook: numbers as numbers (a nil is a 0 shown as "–"), text for
    /// "n/a" and "x", title, unit, notes and source lines.
    pub fn to_xlsx(&self) -> std::result::Result<Vec<u8>, XlsxError> {
        self.xlsx_workbook()?.save_to_buffer()
    }

    /// The three files of the table: (file name, contents).
    pub fn files(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let xlsx = self.to_xlsx().map_err(|e| {
            Error::new(
                format!("{}.xlsx", self.stem),
                "",
                format!("could not build the workbook: {e}"),
                "report this bug",
            )
        })?;
        Ok(vec![
            (format!("{}.xlsx", self.stem), xlsx),
            (format!("{}.csv", self.stem), self.to_csv().into_bytes()),
            (format!("{}.md", self.stem), self.to_markdown().into_bytes()),
        ])
    }

    fn xlsx_workbook(&self) -> std::result::Result<Workbook, XlsxError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(self.sheet_name())?;
        let title = Format::new().set_bold().set_font_size(13);
        let italic = Format::new().set_italic();
        let header = Format::new()
            .set_bold()
            .set_border_bottom(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::Center);
        let small = Format::new().set_font_size(9);

        sheet.write_string_with_format(0, 0, &self.title, &title)?;
        sheet.write_string_with_format(1, 0, self.unit.label(), &italic)?;
        let header_row = 3;
        for (c, heading) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(header_row, c as u16, *heading, &header)?;
        }
        let mut r = self.write_xlsx_rows(sheet, header_row + 1)?;
        r += 1;
        sheet.write_string_with_format(r, 0, "Notes:", &Format::new().set_bold())?;
        r += 1;
        for (i, note) in self.notes.iter().enumerate() {
            sheet.write_string_with_format(r, 0, format!("{}. {note}", i + 1), &small)?;
            r += 1;
        }
        sheet.write_string_with_format(r, 0, &self.legend, &small)?;
        sheet.write_string_with_format(r + 1, 0, &self.source_line, &small)?;
        sheet.set_column_width(0, 36)?;
        for c in 1..5 {
            sheet.set_column_width(c, 12)?;
        }
        sheet.set_column_width(5, 10)?;
        sheet.set_freeze_panes(header_row + 1, 1)?;
        Ok(book)
    }

    /// The worksheet's name: the table's id as Excel allows it.
    fn sheet_name(&self) -> String {
        // Sheet names: at most 31 characters, none of []:*?/\.
        self.id
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect()
    }

    /// Write the rows from sheet row `first`; returns the sheet row after the last.
    fn write_xlsx_rows(
        &self,
        sheet: &mut Worksheet,
        first: u32,
    ) -> std::result::Result<u32, XlsxError> {
        let symbol = Format::new().set_align(FormatAlign::Right);
        let mut r = first;
        for row in &self.rows {
            sheet.write_string(r, 0, &row.label)?;
            for (c, entry) in row.entries.iter().enumerate() {
                let col = c as u16 + 1;
                match entry {
                    Entry::Value { value, .. } => {
                        sheet.write_number_with_format(
                            r,
                            col,
                            *value,
                            &xlsx_number_format(self.decimals(c)),
                        )?;
                    }
                    Entry::Nil => {
                        sheet.write_number_with_format(
                            r,
                            col,
                            0.0,
                            &xlsx_number_format(self.decimals(c)),
                        )?;
                    }
                    other => {
                        sheet.write_string_with_format(r, col, other.text(0, false), &symbol)?;
                    }
                }
            }
            sheet.write_string(r, 5, Self::note_marks(row))?;
            r += 1;
        }
        Ok(r)
    }
}

/// The Excel number format of a figure with `decimals` decimals: digits grouped, a zero shown as
/// "–".
fn xlsx_number_format(decimals: usize) -> Format {
    let digits = if decimals == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(decimals))
    };
    Format::new().set_num_format(format!("{digits};-{digits};\"–\""))
}

fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    fields
        .iter()
        .map(|f| {
            let f = f.as_ref();
            if f.contains([',', '"', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A number with `decimals` decimals, thousands separated by commas when `grouped`.
pub fn format_number(value: f64, decimals: usize, grouped: bool) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, ch) in int.chars().enumerate() {
        if grouped && i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rounded_and_grouped() {
        assert_eq!(format_number(1234567.25, 1, true), "1,234,567.2");
        assert_eq!(format_number(1234567.25, 0, false), "1234567");
        assert_eq!(format_number(999.96, 1, true), "1,000.0");
        assert_eq!(format_number(-0.01, 1, true), "0.0");
    }

    #[test]
    fn percent_women_follows_its_parts() {
        let v = |value| Entry::Value {
            value,
            unreliable: false,
        };
        assert_eq!(
            percent_women(v(200.0), v(50.0)),
            Entry::Value {
                value: 25.0,
                unreliable: false
            }
        );
        assert_eq!(
            percent_women(v(200.0), Entry::NotAvailable),
            Entry::NotAvailable
        );
        assert_eq!(percent_women(Entry::Withheld, v(5.0)), Entry::Withheld);
        assert_eq!(percent_women(v(10.0), Entry::Nil), Entry::Nil);
        assert_eq!(percent_women(Entry::Nil, Entry::Nil), Entry::NotAvailable);
    }
}
