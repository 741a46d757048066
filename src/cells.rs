//! Indicator cells, the unit of publication: typed values inside (a cell's status is a [`Status`],
//! its notes are rule ids), strings only where cells are written ([`Cells::to_frame`]) or read
//! back ([`Cells::from_frame`]). [`CELL_COLUMNS`] is the one list of published columns every
//! writer follows.

use polars::prelude::*;

use crate::indicators::Indicator;
use crate::spec::SourceSpec;

/// The note (`note_source`, "ilms:<this>") on a cell perturbed by the cell-key method.
pub const PERTURBED_NOTE: &str = "cell_key";

/// The note on every cell of a source that states its population (working age without age).
pub const POPULATION_STATED_NOTE: &str = "source.population_stated";

/// The start of the note on every cell of a source that covers part of the population only
/// (`source.covers_non_citizens`, [`crate::spec::Covers::note`]).
pub const COVERS_NOTE: &str = "source.covers_";

/// The note on a cell whose value differs from the one the round's last edition published
/// (`[output] revised_since`).
pub const REVISED_NOTE: &str = "revised";

/// One published column of the cells, and whether ILOSTAT's bulk CSV has it.
#[derive(Debug, Clone, Copy)]
pub struct CellColumn {
    pub name: &'static str,
    pub ilostat: bool,
}

const fn column(name: &'static str, ilostat: bool) -> CellColumn {
    CellColumn { name, ilostat }
}

/// Published columns, ILOSTAT long form (its bulk files' twelve columns) plus sample_count, unit,
/// unit_mult, persons and the disclosure status (see DESIGN.md, Contracts).
pub const CELL_COLUMNS: [CellColumn; 17] = [
    column("ref_area", true),
    column("source", true),
    column("indicator", true),
    column("sex", true),
    column("classif1", true),
    column("classif2", true),
    column("time", true),
    column("obs_value", true),
    column("obs_status", true),
    column("note_classif", true),
    column("note_indicator", true),
    column("note_source", true),
    column("sample_count", false),
    column("unit", false),
    column("unit_mult", false),
    column("persons", false),
    column("suppressed", false),
];

/// What a cell may show.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    #[default]
    Published,
    /// Published, flagged "U".
    Unreliable,
    /// Withheld: too few records.
    Primary,
    /// Withheld: would give a primary cell away.
    Secondary,
    /// Withheld, primary or secondary, under a policy that does not say which (telling a reader a
    /// cell is primary narrows it to 1 to threshold - 1 persons).
    Confidential,
    /// Withheld: an error-severity rule on the source's tables failed.
    FailedValidation,
    /// Published with a small perturbation (cell-key method): its records are not told.
    Perturbed,
    /// No value: the source gives no figure for (part of) the cell, e.g. a blank cell of an
    /// aggregate table. SDMX's "O" (missing value); never a zero.
    NotAvailable,
    /// Published, the first year after a break in series (`series`): flagged "B", ILOSTAT's note
    /// of type I11 says which break.
    Break,
}

impl Status {
    /// ILOSTAT's observation status: "U" unreliable, "S" not published, "O" missing value, "B"
    /// break in series.
    pub fn obs_status(self) -> Option<&'static str> {
        match self {
            Status::Published | Status::Perturbed => None,
            Status::Unreliable => Some("U"),
            Status::NotAvailable => Some("O"),
            Status::Break => Some("B"),
            _ => Some("S"),
        }
    }

    /// Why a cell is withheld (the `suppressed` column).
    pub fn withheld_reason(self) -> Option<&'static str> {
        match self {
            Status::Primary => Some("primary"),
            Status::Secondary => Some("secondary"),
            Status::Confidential => Some("confidential"),
            Status::FailedValidation => Some("validation"),
            _ => None,
        }
    }

    pub fn withheld(self) -> bool {
        self.withheld_reason().is_some()
    }

    /// The status written as `obs_status`, `suppressed` and the notes (the inverse of the three).
    /// A cell withheld for a reason this version does not know (or none) reads as withheld,
    /// reason not told: never as published.
    fn read(obs_status: Option<&str>, suppressed: Option<&str>, notes: &[String]) -> Status {
        match (obs_status, suppressed) {
            (_, Some("primary")) => Status::Primary,
            (_, Some("secondary")) => Status::Secondary,
            (_, Some("validation")) => Status::FailedValidation,
            (_, Some(_)) | (Some("S"), None) => Status::Confidential,
            (Some("U"), None) => Status::Unreliable,
            (Some("O"), None) => Status::NotAvailable,
            (Some("B"), None) => Status::Break,
            _ if notes.iter().any(|n| n == PERTURBED_NOTE) => Status::Perturbed,
            _ => Status::Published,
        }
    }
}

/// One cell before it is published.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell {
    pub value: Option<f64>,
    /// A count's persons, unrounded by the unit (None for rates and shares).
    pub persons: Option<f64>,
    pub records: Option<i64>,
    pub status: Status,
}

/// Cells of indicators of sources, one entry per cell in each vector.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Cells {
    pub ref_area: Vec<String>,
    pub source: Vec<String>,
    pub indicator: Vec<String>,
    /// None for an indicator published without sex (`Indicator::by_sex`).
    pub sex: Vec<Option<String>>,
    pub classif1: Vec<Option<String>>,
    pub classif2: Vec<Option<String>>,
    pub time: Vec<String>,
    /// None where the cell is withheld or not available.
    pub obs_value: Vec<Option<f64>>,
    pub status: Vec<Status>,
    /// A count in persons (obs_value is in the unit, e.g. thousands); None for rates and shares and
    /// for a withheld cell.
    pub persons: Vec<Option<f64>>,
    /// Unweighted records behind the cell; None for an aggregate source (its rows are not records)
    /// and for a withheld cell.
    pub sample_count: Vec<Option<i64>>,
    pub note_indicator: Vec<Option<String>>,
    /// Rule ids noted on the cell (validation warnings on its source, the cell-key method, the rule
    /// a failed source failed), written as "ilms:<id>" separated by "; "; and ILOSTAT's note codes
    /// (a break in series, "I11:266"), written as they are.
    pub notes: Vec<Vec<String>>,
    pub unit: Vec<String>,
    pub unit_mult: Vec<i32>,
}

impl Cells {
    pub fn len(&self) -> usize {
        self.obs_value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.obs_value.is_empty()
    }

    pub fn append(&mut self, other: Cells) {
        self.ref_area.extend(other.ref_area);
        self.source.extend(other.source);
        self.indicator.extend(other.indicator);
        self.sex.extend(other.sex);
        self.classif1.extend(other.classif1);
        self.classif2.extend(other.classif2);
        self.time.extend(other.time);
        self.obs_value.extend(other.obs_value);
        self.status.extend(other.status);
        self.persons.extend(other.persons);
        self.sample_count.extend(other.sample_count);
        self.note_indicator.extend(other.note_indicator);
        self.notes.extend(other.notes);
        self.unit.extend(other.unit);
        self.unit_mult.extend(other.unit_mult);
    }

    /// Add a copy of `from`'s cell `i`.
    pub fn push_copy(&mut self, from: &Cells, i: usize) {
        self.ref_area.push(from.ref_area[i].clone());
        self.source.push(from.source[i].clone());
        self.indicator.push(from.indicator[i].clone());
        self.sex.push(from.sex[i].clone());
        self.classif1.push(from.classif1[i].clone());
        self.classif2.push(from.classif2[i].clone());
        self.time.push(from.time[i].clone());
        self.obs_value.push(from.obs_value[i]);
        self.status.push(from.status[i]);
        self.persons.push(from.persons[i]);
        self.sample_count.push(from.sample_count[i]);
        self.note_indicator.push(from.note_indicator[i].clone());
        self.notes.push(from.notes[i].clone());
        self.unit.push(from.unit[i].clone());
        self.unit_mult.push(from.unit_mult[i]);
    }

    /// Add `notes` to every cell's notes.
    pub fn note_every(&mut self, notes: &[String]) {
        for cell_notes in &mut self.notes {
            cell_notes.extend(notes.iter().cloned());
        }
    }

    /// Apply a source's failed validation rules to its cells: each warning becomes a note on every
    /// cell; a failed error-severity rule on the source's tables withholds every cell, as the
    /// rule's severity promises.
    pub fn apply_validation(&mut self, warnings: &[String], blocking: &[String]) {
        self.note_every(warnings);
        if !blocking.is_empty() {
            for i in 0..self.len() {
                self.obs_value[i] = None;
                self.persons[i] = None;
                self.sample_count[i] = None;
                self.status[i] = Status::FailedValidation;
            }
        }
    }

    /// Add one cell of `indicator` from `spec` (codes: sex where the indicator has it, classif1,
    /// classif2).
    pub(crate) fn push(
        &mut self,
        spec: &SourceSpec,
        indicator: &Indicator,
        codes: &[String],
        cell: Cell,
    ) {
        self.ref_area.push(spec.source.ref_area.clone());
        self.source.push(spec.source.ilostat_source());
        self.indicator.push(indicator.id.clone());
        let (sex, classif) = match codes.split_first() {
            Some((sex, classif)) if indicator.by_sex => (Some(sex.clone()), classif),
            _ => (None, codes),
        };
        self.sex.push(sex);
        self.classif1.push(classif.first().cloned());
        self.classif2.push(classif.get(1).cloned());
        self.time.push(spec.source.time.clone());
        let withheld = cell.status.withheld();
        self.obs_value
            .push((!withheld).then_some(cell.value).flatten());
        self.persons
            .push((!withheld).then_some(cell.persons).flatten());
        self.status.push(cell.status);
        let perturbed = cell.status == Status::Perturbed;
        self.sample_count.push(
            cell.records
                .filter(|_| !withheld && !perturbed && !spec.is_aggregate()),
        );
        self.note_indicator.push(indicator.note_for(spec));
        let notes = if perturbed {
            vec![PERTURBED_NOTE.to_string()]
        } else {
            Vec::new()
        };
        self.notes.push(notes);
        self.unit.push(indicator.unit.clone());
        self.unit_mult.push(indicator.unit_mult);
    }

    /// A failed source's place in the release: each count table it would have given, at its
    /// totals, with no value (status "O") and the rule it failed noted.
    pub fn not_published(spec: &SourceSpec, tables: &[&Indicator], rule: &str) -> Cells {
        let mut cells = Cells::default();
        for table in tables {
            let totals: Vec<String> = table.dimensions.iter().map(|d| d.total.clone()).collect();
            let cell = Cell {
                value: None,
                persons: None,
                records: None,
                status: Status::NotAvailable,
            };
            cells.push(spec, table, &totals, cell);
            if let Some(notes) = cells.notes.last_mut() {
                *notes = vec![rule.to_string()];
            }
        }
        cells
    }

    /// The cells as a frame with the published columns, in [`CELL_COLUMNS`] order.
    pub fn to_frame(&self) -> PolarsResult<DataFrame> {
        let n = self.len();
        let none: Vec<Option<&str>> = vec![None; n];
        let obs_status: Vec<Option<&str>> = self.status.iter().map(|s| s.obs_status()).collect();
        let suppressed: Vec<Option<&str>> =
            self.status.iter().map(|s| s.withheld_reason()).collect();
        let notes: Vec<Option<String>> = self.notes.iter().map(|n| write_notes(n)).collect();
        let columns = CELL_COLUMNS.map(|c| match c.name {
            "ref_area" => Column::new(c.name.into(), &self.ref_area),
            "source" => Column::new(c.name.into(), &self.source),
            "indicator" => Column::new(c.name.into(), &self.indicator),
            "sex" => Column::new(c.name.into(), &self.sex),
            "classif1" => Column::new(c.name.into(), &self.classif1),
            "classif2" => Column::new(c.name.into(), &self.classif2),
            "time" => Column::new(c.name.into(), &self.time),
            "obs_value" => Column::new(c.name.into(), &self.obs_value),
            "obs_status" => Column::new(c.name.into(), &obs_status),
            "note_indicator" => Column::new(c.name.into(), &self.note_indicator),
            "note_source" => Column::new(c.name.into(), &notes),
            "sample_count" => Column::new(c.name.into(), &self.sample_count),
            "unit" => Column::new(c.name.into(), &self.unit),
            "unit_mult" => Column::new(c.name.into(), &self.unit_mult),
            "persons" => Column::new(c.name.into(), &self.persons),
            "suppressed" => Column::new(c.name.into(), &suppressed),
            // ilms notes no classification.
            "note_classif" => Column::new(c.name.into(), &none),
            // A column added to CELL_COLUMNS without its values here: refused below.
            _ => Column::new(c.name.into(), Vec::<bool>::new()),
        });
        if let Some(column) = columns.iter().find(|c| c.len() != n) {
            let name = column.name();
            polars_bail!(ComputeError: "cell column {name} has no values (cells::Cells::to_frame)");
        }
        DataFrame::new(n, columns.into())
    }

    /// Read published cells back (e.g. the Hive dataset of an earlier run): the inverse of
    /// [`Cells::to_frame`].
    pub fn from_frame(frame: &DataFrame) -> PolarsResult<Cells> {
        let cast =
            |name: &str, to: DataType| -> PolarsResult<Column> { frame.column(name)?.cast(&to) };
        let text = |name: &str| -> PolarsResult<Vec<Option<String>>> {
            let column = cast(name, DataType::String)?;
            Ok(column.str()?.iter().map(|v| v.map(String::from)).collect())
        };
        let required = |name: &str| -> PolarsResult<Vec<String>> {
            Ok(text(name)?
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect())
        };
        let float = |name: &str| -> PolarsResult<Vec<Option<f64>>> {
            Ok(cast(name, DataType::Float64)?.f64()?.iter().collect())
        };
        let notes: Vec<Vec<String>> = text("note_source")?
            .iter()
            .map(|n| read_notes(n.as_deref()))
            .collect();
        let status = text("obs_status")?
            .iter()
            .zip(text("suppressed")?)
            .zip(&notes)
            .map(|((obs, why), notes)| Status::read(obs.as_deref(), why.as_deref(), notes))
            .collect();
        let sample_count = cast("sample_count", DataType::Int64)?;
        let unit_mult = cast("unit_mult", DataType::Int32)?;
        Ok(Cells {
            ref_area: required("ref_area")?,
            source: required("source")?,
            indicator: required("indicator")?,
            sex: text("sex")?,
            classif1: text("classif1")?,
            classif2: text("classif2")?,
            time: required("time")?,
            obs_value: float("obs_value")?,
            status,
            persons: float("persons")?,
            sample_count: sample_count.i64()?.iter().collect(),
            note_indicator: text("note_indicator")?,
            notes,
            unit: required("unit")?,
            unit_mult: unit_mult
                .i32()?
                .iter()
                .map(Option::unwrap_or_default)
                .collect(),
        })
    }
}

/// Notes as `note_source`: ilms' rule ids as "ilms:<id>", ILOSTAT's note codes ("I11:266") as they
/// are, separated by "; " (None for none).
fn write_notes(notes: &[String]) -> Option<String> {
    (!notes.is_empty()).then(|| {
        notes
            .iter()
            .map(|id| match is_ilostat_note(id) {
                true => id.clone(),
                false => format!("ilms:{id}"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// ILOSTAT's note codes are `<note type>:<number>` (`I11:266`); ilms' rule ids hold no colon.
pub fn is_ilostat_note(note: &str) -> bool {
    note.split_once(':').is_some_and(|(kind, number)| {
        !kind.is_empty()
            && kind
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
    })
}

/// The inverse of [`write_notes`].
fn read_notes(note_source: Option<&str>) -> Vec<String> {
    note_source
        .into_iter()
        .flat_map(|n| n.split("; "))
        .map(|note| note.strip_prefix("ilms:").unwrap_or(note).to_string())
        .collect()
}
