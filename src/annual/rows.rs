//! A table's rows from the published cells: each country's figures for each column group, their
//! footnotes, and the region's total row.

use std::collections::{BTreeMap, BTreeSet};

use super::notes::{self, Notes};
use super::reference::{year_of, Reference, Window, YearNotes};
use super::{AnnualTable, Entry, TableContext, TableRow, TableSpec, TableUnit};
use crate::cells::{Cells, Status};

/// What a table reads for one (country, year, source): each sex's cell, or why the source failed.
enum Found {
    Cells(BTreeMap<String, usize>),
    Failed(String),
}

/// The cells a table reads, by (country, year, source).
type FoundCells = BTreeMap<(String, String, String), Found>;

/// Build a table from published cells.
pub(super) fn build(spec: &TableSpec, cells: &Cells, context: &TableContext) -> AnnualTable {
    let found = found_cells(spec, cells, context);
    let reference = spec.reference();
    let groups = reference.groups();
    let chosen = chosen_years(&found, &groups);
    let latest = chosen
        .values()
        .flatten()
        .flatten()
        .filter_map(|t| year_of(t))
        .max();
    let countries = if spec.countries.is_empty() {
        chosen.keys().cloned().collect()
    } else {
        spec.countries.clone()
    };
    let mut builder = RowBuilder {
        spec,
        cells,
        context,
        found: &found,
        reference: &reference,
        latest,
        notes: Notes::default(),
        rows: Vec::new(),
    };
    let none = vec![None; groups.len()];
    for area in &countries {
        let years = chosen.get(area).unwrap_or(&none);
        if groups.len() == 1 {
            builder.add_country(area, years[0].as_deref());
        } else {
            builder.add_years(area, years);
        }
    }
    builder.rows.sort_by(|a, b| a.label.cmp(&b.label));
    let total = builder.total_row(&groups);
    let RowBuilder { rows, notes, .. } = builder;
    // Footnotes numbered in the order the sorted rows first cite them.
    let (rows, total, notes) = notes.renumber(rows, total);
    let (title_year, stem_year) = reference
        .texts(latest)
        .unwrap_or_else(|| ("latest year".into(), String::new()));
    let headings = groups.into_iter().map(|(_, heading)| heading).collect();
    AnnualTable {
        id: spec.id.clone(),
        stem: if stem_year.is_empty() {
            spec.id.clone()
        } else {
            format!("{}_{stem_year}", spec.id)
        },
        title: spec.title.replace("{year}", &title_year),
        unit: spec.unit,
        groups: headings,
        rows,
        total,
        notes,
        legend: legend(context),
        source_line: source_line(spec, context),
    }
}

fn legend(context: &TableContext) -> String {
    format!(
        "..: not available (no data, or the source does not give this figure). n/a: not applicable. \
         –: nil. x: not published (fewer than {} records, or it would give such a figure away).",
        context.reliability.withheld_below
    )
}

fn source_line(spec: &TableSpec, context: &TableContext) -> String {
    let indicator = context
        .indicators
        .list
        .iter()
        .find(|i| i.id == spec.indicator)
        .map_or(spec.indicator.clone(), |i| i.label.clone());
    let id = if context.technical_notes {
        format!(" ({})", spec.indicator)
    } else {
        String::new()
    };
    format!(
        "Source: {}; {indicator}{id}; computed by ilms {} from the published figures.",
        context.round_name,
        env!("CARGO_PKG_VERSION")
    )
}

/// The cells this table reads (annual figures only: a quarterly source is another table), and
/// the sources that failed as a whole.
fn found_cells(spec: &TableSpec, cells: &Cells, context: &TableContext) -> FoundCells {
    let failed = |i: usize| {
        context
            .failed
            .iter()
            .any(|f| f.source == cells.source[i] && f.time == cells.time[i])
    };
    let mut found = FoundCells::new();
    for i in 0..cells.len() {
        if cells.indicator[i] == spec.indicator
            && cells.classif1[i] == spec.classif1
            && cells.classif2[i] == spec.classif2
            && cells.sex[i].is_some()
            && year_of(&cells.time[i]).is_some()
            // A failed source's "not available" cells: its own row says why.
            && !failed(i)
        {
            let key = (
                cells.ref_area[i].clone(),
                cells.time[i].clone(),
                cells.source[i].clone(),
            );
            if let (Found::Cells(sexes), Some(sex)) = (
                found
                    .entry(key)
                    .or_insert_with(|| Found::Cells(BTreeMap::new())),
                &cells.sex[i],
            ) {
                sexes.insert(sex.clone(), i);
            }
        }
    }
    for f in context
        .failed
        .iter()
        .filter(|f| f.indicators.contains(&spec.indicator) && year_of(&f.time).is_some())
    {
        let key = (f.ref_area.clone(), f.time.clone(), f.source.clone());
        found.insert(key, Found::Failed(f.reason.clone()));
    }
    found
}

/// Each country's year in each column group: its latest inside the group's window.
fn chosen_years(
    found: &FoundCells,
    groups: &[(Window, String)],
) -> BTreeMap<String, Vec<Option<String>>> {
    let mut chosen: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    for (area, time, _) in found.keys() {
        for (g, (window, _)) in groups.iter().enumerate() {
            if !window.fits(time) {
                continue;
            }
            let years = chosen
                .entry(area.clone())
                .or_insert_with(|| vec![None; groups.len()]);
            if years[g].as_deref().is_none_or(|best| best < time.as_str()) {
                years[g] = Some(time.clone());
            }
        }
    }
    chosen
}

/// The sources that give a country's figures for a year.
fn sources<'a>(found: &'a FoundCells, area: &str, time: &str) -> Vec<(&'a String, &'a Found)> {
    found
        .iter()
        .filter(|((a, t, _), _)| a == area && t == time)
        .map(|((_, _, source), found)| (source, found))
        .collect()
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
        .zip(super::FIGURES)
        .filter(|(e, _)| {
            matches!(
                e,
                Entry::Value {
                    unreliable: true,
                    ..
                }
            )
        })
        .map(|(_, c)| c)
        .collect()
}

/// A year of a row as shown, for breaks in series against the next.
#[derive(Clone)]
struct Shown {
    time: String,
    source: String,
    /// None: the year's source failed, and states nothing.
    definitions: Option<BTreeSet<String>>,
}

/// % women = 100 x women / total, from the published figures; not applicable to a nil total.
pub(super) fn percent_women(total: Entry, women: Entry) -> Entry {
    match (total, women) {
        (Entry::Nil, _) => Entry::NotApplicable,
        (Entry::NotAvailable | Entry::NotApplicable, _)
        | (_, Entry::NotAvailable | Entry::NotApplicable) => Entry::NotAvailable,
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

/// The table's rows and footnotes as they are built, country by country.
struct RowBuilder<'a> {
    spec: &'a TableSpec,
    cells: &'a Cells,
    context: &'a TableContext<'a>,
    found: &'a FoundCells,
    reference: &'a Reference,
    /// The latest year any row shows.
    latest: Option<u32>,
    notes: Notes,
    rows: Vec<TableRow>,
}

impl RowBuilder<'_> {
    fn table_year(&self) -> Option<u32> {
        match self.reference {
            Reference::Year(y) | Reference::UpTo { to: y, .. } => Some(*y),
            _ => self.latest,
        }
    }

    /// A country's rows in a one-year table: one per source of its year, or a ".." row.
    fn add_country(&mut self, area: &str, time: Option<&str>) {
        let name = self.context.classifications.country_name(area);
        let Some(time) = time else {
            let note = self.notes.add(self.reference.no_data(self.table_year()));
            self.rows.push(TableRow {
                ref_area: area.to_string(),
                label: name,
                time: None,
                source: None,
                figures: vec![[Entry::NotAvailable; 4]],
                notes: vec![note],
            });
            return;
        };
        let sources = sources(self.found, area, time);
        let several = sources.len() > 1;
        for (source, found) in sources {
            let label = if several {
                format!("{name} ({})", self.source_title(source))
            } else {
                name.clone()
            };
            let mut notes = Vec::new();
            let figures = self.figures(time, source, found, "", &mut notes);
            notes.sort_unstable();
            notes.dedup();
            self.rows.push(TableRow {
                ref_area: area.to_string(),
                label,
                time: Some(time.to_string()),
                source: Some(source.clone()),
                figures: vec![figures],
                notes,
            });
        }
    }

    /// A country's row in a table of several years: each year's figures from its source.
    fn add_years(&mut self, area: &str, years: &[Option<String>]) {
        let mut row = TableRow {
            ref_area: area.to_string(),
            label: self.context.classifications.country_name(area),
            time: None,
            source: None,
            figures: Vec::new(),
            notes: Vec::new(),
        };
        // The year and source of the row's previous figure, and the last year with cells (a
        // source that failed states no definition), for breaks in series.
        let mut previous: Option<Shown> = None;
        let mut defined: Option<Shown> = None;
        for time in years {
            let sources = time
                .as_deref()
                .map_or(Vec::new(), |t| sources(self.found, area, t));
            let figures = match (time, sources.as_slice()) {
                (Some(time), [(source, found)]) => {
                    let current = Shown {
                        time: time.clone(),
                        source: (*source).clone(),
                        definitions: self.definitions(found),
                    };
                    for note in self.breaks_in_series(previous.as_ref(), defined.as_ref(), &current)
                    {
                        row.notes.push(self.notes.add(note));
                    }
                    if current.definitions.is_some() {
                        defined = Some(current.clone());
                    }
                    previous = Some(current);
                    row.time = Some(time.clone());
                    row.source = Some((*source).clone());
                    self.figures(time, source, found, time, &mut row.notes)
                }
                (Some(time), [_, _, ..]) => {
                    let names: Vec<String> =
                        sources.iter().map(|(s, _)| self.source_title(s)).collect();
                    row.notes.push(self.notes.add(format!(
                        "{time}: {} sources give a figure ({}); see the table of {time} alone.",
                        names.len(),
                        names.join("; ")
                    )));
                    [Entry::NotAvailable; 4]
                }
                _ => [Entry::NotAvailable; 4],
            };
            row.figures.push(figures);
        }
        row.notes.sort_unstable();
        row.notes.dedup();
        self.rows.push(row);
    }

    /// Two years of a row from different types of source (a register, then a census), or whose
    /// figures are defined otherwise (another migrant definition, stated population or coverage):
    /// breaks in series, as ILOSTAT flags them.
    fn breaks_in_series(
        &self,
        earlier: Option<&Shown>,
        defined: Option<&Shown>,
        later: &Shown,
    ) -> Vec<String> {
        let kind = |source: &str| {
            source
                .split_once(':')
                .map_or(source, |(t, _)| t)
                .to_string()
        };
        let to = &later.time;
        let mut breaks = Vec::new();
        if let Some(earlier) = earlier.filter(|e| kind(&e.source) != kind(&later.source)) {
            let (before, after, from) = (kind(&earlier.source), kind(&later.source), &earlier.time);
            let name = |code: &str| {
                let types = &self.context.classifications.source_types;
                types.get(code).map_or(code.to_string(), String::clone)
            };
            breaks.push(format!(
                "Break in series between {from} and {to}: the type of source changes from \"{}\" ({from}) to \"{}\" ({to}); the years are not strictly comparable.",
                name(&before),
                name(&after),
            ));
        }
        let then = defined.and_then(|e| Some((&e.time, e.definitions.as_ref()?)));
        if let (Some((from, then)), Some(now)) = (then, &later.definitions) {
            if then != now {
                breaks.push(format!(
                    "Break in series between {from} and {to}: a change in definition or concept ({from}: {}; {to}: {}); the years are not strictly comparable.",
                    self.describe(then.difference(now)),
                    self.describe(now.difference(then)),
                ));
            }
        }
        breaks
    }

    /// The definitions behind a year's figures ([`crate::series::definitions`]); none from a
    /// source that failed.
    fn definitions(&self, found: &Found) -> Option<BTreeSet<String>> {
        match found {
            Found::Cells(sexes) => Some(
                sexes
                    .values()
                    .flat_map(|&i| crate::series::definitions(self.cells, i))
                    .collect(),
            ),
            Found::Failed(_) => None,
        }
    }

    /// Definitions in words: ILOSTAT's note labels, the source's statements (their first clause).
    fn describe<'d>(&self, definitions: impl Iterator<Item = &'d String>) -> String {
        let labels = &self.context.labels;
        let words: Vec<String> = definitions
            .map(|d| {
                let code = if crate::cells::is_ilostat_note(d) {
                    d.clone()
                } else {
                    format!("ilms:{d}")
                };
                let label = labels.label(&code).unwrap_or(code);
                label.split(": ").next().unwrap_or_default().to_string()
            })
            .collect();
        if words.is_empty() {
            return "as the indicator defines it".to_string();
        }
        words.join("; ")
    }

    fn source_title(&self, source: &str) -> String {
        notes::source_name(source, self.context)
    }

    /// One source's figures for one year, its footnotes added to `notes`; `year` prefixes the
    /// footnotes of a table of several years.
    fn figures(
        &mut self,
        time: &str,
        source: &str,
        found: &Found,
        year: &str,
        notes: &mut Vec<usize>,
    ) -> [Entry; 4] {
        let sexes = match found {
            Found::Cells(sexes) => sexes,
            Found::Failed(reason) => {
                notes.push(self.notes.add(format!(
                    "Not published: {} could not be used ({reason}).",
                    self.source_title(source)
                )));
                return [Entry::NotAvailable; 4];
            }
        };
        let entry = |sex: &str| {
            sexes.get(sex).map_or(Entry::NotAvailable, |&i| {
                cell_entry(self.cells, i, self.spec.unit)
            })
        };
        let [total, men, women] = [entry("SEX_T"), entry("SEX_M"), entry("SEX_F")];
        let entries = [total, men, women, percent_women(total, women)];
        notes.extend(self.figure_notes(time, source, entries, sexes, year));
        entries
    }

    /// A source's footnotes: its name, a year other than the table's, unreliable figures, the
    /// rules its cells are marked with, a total that differs from its parts.
    fn figure_notes(
        &mut self,
        time: &str,
        source: &str,
        entries: [Entry; 4],
        sexes: &BTreeMap<String, usize>,
        year: &str,
    ) -> Vec<usize> {
        let prefix = if year.is_empty() {
            String::new()
        } else {
            format!("{year}: ")
        };
        let mut texts = vec![format!("{prefix}Source: {}.", self.source_title(source))];
        let note_year = match self.reference.footnote_unless(self.table_year()) {
            YearNotes::Every => true,
            YearNotes::Unless(year) => year.is_some_and(|y| Some(y) != year_of(time)),
            YearNotes::None => false,
        };
        if note_year {
            texts.push(format!("Reference year {time}."));
        }
        let unreliable = unreliable_columns(entries);
        if !unreliable.is_empty() {
            texts.push(format!(
                "{prefix}Unreliable (fewer than {} sample records): {}.",
                self.context.reliability.unreliable_below,
                unreliable.join(", ")
            ));
        }
        if let Some(text) = self.revised_columns(sexes) {
            texts.push(format!("{prefix}{text}"));
        }
        // ILOSTAT's own notes (a break in series) are not rules: the row's break footnote says it.
        // A revision is told per column above.
        let rules: BTreeSet<&str> = sexes
            .values()
            .flat_map(|&i| self.cells.notes[i].iter().map(String::as_str))
            .filter(|note| !crate::cells::is_ilostat_note(note))
            .filter(|note| *note != crate::cells::REVISED_NOTE)
            .collect();
        for rule in &rules {
            let text = notes::rule_note(rule, source, self.context);
            texts.push(format!("{prefix}{text}"));
        }
        if !rules.contains(crate::cells::PERTURBED_NOTE) {
            if let Some(text) = self.disagreeing_total(sexes) {
                texts.push(format!("{prefix}{text}"));
            }
        }
        let shown = matches!(entries[0], Entry::Value { .. } | Entry::Nil);
        if let Some(text) = self.unclassified_beside(time, source).filter(|_| shown) {
            texts.push(format!("{prefix}{text}"));
        }
        texts.into_iter().map(|t| self.notes.add(t)).collect()
    }

    /// The columns whose figure was revised since the round's last edition, in a footnote.
    fn revised_columns(&self, sexes: &BTreeMap<String, usize>) -> Option<String> {
        let revised: Vec<&str> = ["SEX_T", "SEX_M", "SEX_F"]
            .into_iter()
            .zip(super::FIGURES)
            .filter(|(sex, _)| {
                sexes.get(*sex).is_some_and(|&i| {
                    let notes = &self.cells.notes[i];
                    notes.iter().any(|n| n == crate::cells::REVISED_NOTE)
                })
            })
            .map(|(_, column)| column)
            .collect();
        let code = format!("ilms:{}", crate::cells::REVISED_NOTE);
        let label = self.context.labels.label(&code)?;
        let label = label.trim_end_matches('.');
        (!revised.is_empty()).then(|| format!("{label} ({}).", revised.join(", ")))
    }

    /// Persons of the same source and year that the shown category's breakdown could not place
    /// (its unknown code: "not classifiable" beside domestic workers): the figures shown may be
    /// understated by up to that many.
    fn unclassified_beside(&self, time: &str, source: &str) -> Option<String> {
        let (spec, cells) = (self.spec, self.cells);
        let shown = spec.classif1.as_deref()?;
        let unknown = self
            .context
            .indicators
            .list
            .iter()
            .filter(|t| t.id == spec.indicator)
            .flat_map(|t| &t.dimensions)
            .find(|d| d.categories.iter().any(|c| c.code == shown))?
            .unknown
            .as_deref()
            .filter(|u| *u != shown)?;
        let i = (0..cells.len()).find(|&i| {
            cells.indicator[i] == spec.indicator
                && cells.source[i] == source
                && cells.time[i] == time
                && cells.sex[i].as_deref() == Some("SEX_T")
                && cells.classif1[i].as_deref() == Some(unknown)
                && cells.classif2[i] == spec.classif2
        })?;
        let persons = cells.persons[i].filter(|p| *p > 0.0)?;
        let (scale, unit) = match spec.unit {
            TableUnit::Persons => (1.0, "persons"),
            TableUnit::Thousands => (1000.0, "thousand persons"),
        };
        let what = self
            .context
            .labels
            .label(unknown)
            .unwrap_or_else(|| unknown.to_string());
        Some(format!(
            "A further {} {unit} of this source are in the category \"{what}\": the figures shown may be understated by up to as many.",
            super::format_number(persons / scale, spec.unit.decimals(), true),
        ))
    }

    /// A published total that differs from the sum of its parts by sex (both numbers published).
    fn disagreeing_total(&self, sexes: &BTreeMap<String, usize>) -> Option<String> {
        let total = self.cells.persons[*sexes.get("SEX_T")?]?;
        let parts: Vec<Option<f64>> = sexes
            .iter()
            .filter(|(sex, _)| sex.as_str() != "SEX_T")
            .map(|(_, &i)| self.cells.persons[i])
            .collect();
        if parts.is_empty() || parts.iter().any(Option::is_none) {
            return None;
        }
        let sum: f64 = parts.into_iter().flatten().sum();
        // Half a person: counts are whole persons; survey estimates are rounded alike.
        if (total - sum).abs() <= 0.5 {
            return None;
        }
        let scale = match self.spec.unit {
            TableUnit::Persons => 1.0,
            TableUnit::Thousands => 1000.0,
        };
        Some(notes::disagreeing_total(
            total / scale,
            sum / scale,
            self.spec.unit.decimals(),
            self.spec.unit.label(),
        ))
    }

    /// The region's total row: the sum of its members' rows where every one gives the figure.
    fn total_row(&mut self, groups: &[(Window, String)]) -> Option<TableRow> {
        let region = self.spec.region.as_ref().filter(|_| self.spec.total)?;
        let members: Vec<&TableRow> = self
            .rows
            .iter()
            .filter(|r| region.members.contains(&r.ref_area))
            .collect();
        if members.len() < 2 {
            return None;
        }
        let mut notes = Vec::new();
        let mut areas: Vec<&str> = members.iter().map(|r| r.ref_area.as_str()).collect();
        areas.dedup();
        let shown = if areas.len() == region.members.len() {
            format!(
                "{}: the sum of its {} member states.",
                region.label,
                areas.len()
            )
        } else {
            format!(
                "{}: the sum of the {} member states in the table.",
                region.label,
                areas.len()
            )
        };
        notes.push(self.notes.add(shown));
        if areas.len() < members.len() {
            // Two rows of one country (two sources) cannot both be added.
            notes.push(self.notes.add(format!(
                "{} total not shown: a country has figures from two sources.",
                region.label
            )));
            return Some(total_of(
                region,
                vec![[Entry::NotAvailable; 4]; groups.len()],
                notes,
            ));
        }
        let mut figures = Vec::new();
        for (g, (_, heading)) in groups.iter().enumerate() {
            let (sums, missing) = sum_group(&members, g);
            if !missing.is_empty() {
                notes.push(
                    self.notes
                        .add(missing_note(&region.label, heading, &sums, &missing)),
                );
            }
            figures.push(sums);
        }
        Some(total_of(region, figures, notes))
    }
}

fn total_of(region: &super::Region, figures: Vec<[Entry; 4]>, notes: Vec<usize>) -> TableRow {
    TableRow {
        ref_area: String::new(),
        label: region.label.clone(),
        time: None,
        source: None,
        figures,
        notes,
    }
}

/// The sums of one column group over the member rows (".." where one gives no figure), and the
/// rows that give none, by column.
fn sum_group(members: &[&TableRow], g: usize) -> ([Entry; 4], Vec<(usize, String)>) {
    let mut sums = [Entry::Nil; 4];
    let mut missing = Vec::new();
    for k in 0..3 {
        let (mut sum, mut unreliable, mut complete) = (0.0, false, true);
        for row in members {
            match row.figures.get(g).map_or(Entry::NotAvailable, |f| f[k]) {
                Entry::Value {
                    value,
                    unreliable: u,
                } => {
                    sum += value;
                    unreliable |= u;
                }
                Entry::Nil => {}
                _ => {
                    complete = false;
                    missing.push((k, row.label.clone()));
                }
            }
        }
        sums[k] = match (complete, sum) {
            (false, _) => Entry::NotAvailable,
            (true, 0.0) => Entry::Nil,
            (true, value) => Entry::Value { value, unreliable },
        };
    }
    sums[3] = percent_women(sums[0], sums[2]);
    (sums, missing)
}

/// "ASEAN total not shown for Men, Women (2023): <country> gives no figure."
fn missing_note(
    label: &str,
    heading: &str,
    sums: &[Entry; 4],
    missing: &[(usize, String)],
) -> String {
    let columns: Vec<&str> = super::FIGURES
        .iter()
        .zip(sums)
        .filter(|(_, e)| **e == Entry::NotAvailable)
        .map(|(c, _)| *c)
        .collect();
    let mut who: Vec<&str> = missing.iter().map(|(_, l)| l.as_str()).collect();
    who.sort_unstable();
    who.dedup();
    let when = if heading.is_empty() {
        String::new()
    } else {
        format!(" ({heading})")
    };
    let verb = if who.len() == 1 { "gives" } else { "give" };
    format!(
        "{label} total not shown for {}{when}: {} {verb} no figure.",
        columns.join(", "),
        who.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(value: f64) -> Entry {
        Entry::Value {
            value,
            unreliable: false,
        }
    }

    #[test]
    fn percent_women_follows_its_parts() {
        assert_eq!(percent_women(v(200.0), v(50.0)), v(25.0));
        assert_eq!(
            percent_women(v(200.0), Entry::NotAvailable),
            Entry::NotAvailable
        );
        assert_eq!(percent_women(Entry::Withheld, v(5.0)), Entry::Withheld);
        assert_eq!(percent_women(v(10.0), Entry::Nil), Entry::Nil);
        assert_eq!(percent_women(Entry::Nil, Entry::Nil), Entry::NotApplicable);
    }

    #[test]
    fn a_region_total_needs_every_member() {
        let row = |label: &str, figures: [Entry; 4]| TableRow {
            ref_area: label.to_uppercase(),
            label: label.into(),
            time: Some("2024".into()),
            source: None,
            figures: vec![figures],
            notes: Vec::new(),
        };
        let a = row("a", [v(10.0), v(6.0), v(4.0), v(40.0)]);
        let b = row(
            "b",
            [
                v(5.0),
                Entry::NotAvailable,
                Entry::NotAvailable,
                Entry::NotAvailable,
            ],
        );
        let (sums, missing) = sum_group(&[&a, &b], 0);
        assert_eq!(
            sums,
            [
                v(15.0),
                Entry::NotAvailable,
                Entry::NotAvailable,
                Entry::NotAvailable
            ]
        );
        assert_eq!(
            missing_note("Region", "", &sums, &missing),
            "Region total not shown for Men, Women, % women: b gives no figure."
        );
        let (sums, missing) = sum_group(&[&a, &a], 0);
        assert_eq!(sums, [v(20.0), v(12.0), v(8.0), v(40.0)]);
        assert!(missing.is_empty());
    }
}
