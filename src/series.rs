//! Breaks in series across the round's years. A country's indicator whose figures for a year come
//! from another type of source than its previous year's, whose breakdown is coded in another
//! version of a classification, or whose definition changed (another migrant definition, another
//! stated population or coverage), is flagged as ILOSTAT flags a break: ILOSTAT's note of type I11
//! ("break in series") saying which kind on every cell of that year, and observation status "B" on
//! those published without another flag (an unreliable or perturbed cell keeps its own status; the
//! note still says).

use std::collections::{BTreeMap, BTreeSet};

use crate::cells::{Cells, Status};

/// I11:266 "Other or unspecified type of break": ILOSTAT's note for a change of source.
pub const SOURCE_BREAK: &str = "I11:266";

/// I11:269 "Change in definition or concept": ILOSTAT's note for a definition that changed.
pub const DEFINITION_BREAK: &str = "I11:269";

/// ILOSTAT's break note for a classification revised, by family; None for a family whose
/// versions are not editions of one classification (age bands, place of birth).
fn classification_break(family: &str) -> Option<&'static str> {
    match family {
        "OCU" => Some("I11:267"),
        "ECO" => Some("I11:271"),
        "EDU" => Some("I11:2114"),
        "STE" => Some(SOURCE_BREAK),
        _ => None,
    }
}

/// What one year of a country's indicator is made of.
#[derive(Default)]
struct Year {
    cells: Vec<usize>,
    /// ILOSTAT source types (the `BA` of `BA:MYS_LFS_2024`).
    source_types: BTreeSet<String>,
    /// Classification family (`OCU`) to the versions its codes are in (`OCU_ISCO08`).
    versions: BTreeMap<String, BTreeSet<String>>,
    /// What defines each source's figures: the indicator's definition note (`T36:3215`, migrants
    /// are non-citizens) and the source's statements of its population and coverage.
    definitions: BTreeMap<String, BTreeSet<String>>,
}

/// Flag every break in series; returns how many cells were noted. The indicators in
/// `by_residence` (mirror data) are a series per country of residence (their classif1): each
/// comes from another country's sources.
pub fn flag_breaks(cells: &mut Cells, by_residence: &BTreeSet<String>) -> usize {
    let mut found: Vec<(Vec<usize>, Vec<String>)> = Vec::new();
    for years in series(cells, by_residence).values() {
        let mut previous: Option<&Year> = None;
        for year in years.values() {
            let notes = previous
                .map(|before| breaks(before, year))
                .unwrap_or_default();
            if !notes.is_empty() {
                found.push((year.cells.clone(), notes));
            }
            previous = Some(year);
        }
    }
    let mut noted = 0;
    for (indices, notes) in found {
        for i in indices {
            note_break(cells, i, &notes);
            noted += 1;
        }
    }
    noted
}

/// A series: country, indicator, country of residence (mirror data only) and frequency (periods
/// of one frequency sort as text: `2024`, `2024Q1`, `2024M01`).
type SeriesKey<'a> = (&'a str, &'a str, Option<&'a str>, Option<char>);

/// The cells with a figure (not withheld, not "not available"), by series, then by period in order.
fn series<'a>(
    cells: &'a Cells,
    by_residence: &BTreeSet<String>,
) -> BTreeMap<SeriesKey<'a>, BTreeMap<&'a str, Year>> {
    let mut series: BTreeMap<SeriesKey, BTreeMap<&str, Year>> = BTreeMap::new();
    for i in 0..cells.len() {
        if cells.obs_value[i].is_none() {
            continue;
        }
        let frequency = cells.time[i].chars().find(|c| c.is_ascii_alphabetic());
        let residence = cells.classif1[i]
            .as_deref()
            .filter(|_| by_residence.contains(&cells.indicator[i]));
        let key = (
            cells.ref_area[i].as_str(),
            cells.indicator[i].as_str(),
            residence,
            frequency,
        );
        let year = series
            .entry(key)
            .or_default()
            .entry(cells.time[i].as_str())
            .or_default();
        year.cells.push(i);
        let source = year.definitions.entry(cells.source[i].clone());
        source.or_default().extend(definitions(cells, i));
        let source_type = cells.source[i].split(':').next().unwrap_or_default();
        year.source_types.insert(source_type.to_string());
        for code in [&cells.classif1[i], &cells.classif2[i]]
            .into_iter()
            .flatten()
        {
            if let Some((family, version)) = version_of(code) {
                let versions = year.versions.entry(family.to_string()).or_default();
                versions.insert(version.to_string());
            }
        }
    }
    series
}

/// The notes on cell `i` that say what its figure is a count of.
pub fn definitions(cells: &Cells, i: usize) -> impl Iterator<Item = String> + '_ {
    let stated = cells.notes[i].iter().filter(|note| {
        *note == crate::cells::POPULATION_STATED_NOTE || note.starts_with(crate::cells::COVERS_NOTE)
    });
    cells.note_indicator[i].iter().chain(stated).cloned()
}

/// A classification code's family and edition: `OCU_ISCO08_1` is in `OCU_ISCO08`, family `OCU`.
/// Groupings published beside every edition (`OCU_SKILL`, `ECO_SECTOR`, `ECO_AGGREGATE`) are no
/// edition: their names end in no number, and they would hide the change.
fn version_of(code: &str) -> Option<(&str, &str)> {
    let mut underscores = code.match_indices('_').map(|(i, _)| i);
    let family_end = underscores.next()?;
    let version_end = underscores.next()?;
    let (family, version) = (&code[..family_end], &code[..version_end]);
    let edition = version.ends_with(|c: char| c.is_ascii_digit());
    (edition && classification_break(family).is_some()).then_some((family, version))
}

/// The break notes between two years of a series: a source of another type, a family whose
/// codes share no version with the year before, or other definitions.
fn breaks(before: &Year, year: &Year) -> Vec<String> {
    let mut notes = Vec::new();
    if before.source_types.is_disjoint(&year.source_types) {
        notes.push(SOURCE_BREAK.to_string());
    }
    // A year of two sources breaks only if neither is defined as a source of the year before.
    let defined_before: BTreeSet<_> = before.definitions.values().collect();
    if year
        .definitions
        .values()
        .all(|d| !defined_before.contains(d))
    {
        notes.push(DEFINITION_BREAK.to_string());
    }
    for (family, versions) in &year.versions {
        let changed = before
            .versions
            .get(family)
            .is_some_and(|earlier| earlier.is_disjoint(versions));
        let note = classification_break(family)
            .unwrap_or(SOURCE_BREAK)
            .to_string();
        if changed && !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes
}

fn note_break(cells: &mut Cells, i: usize, notes: &[String]) {
    cells.notes[i].extend(notes.iter().cloned());
    if cells.status[i] == Status::Published {
        cells.status[i] = Status::Break;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(cells: &mut Cells, source: &str, time: &str, classif1: &str, status: Status) {
        cells.ref_area.push("AAA".into());
        cells.source.push(source.into());
        cells.indicator.push("MST_TEMP_SEX_OCU_CBR_NB".into());
        cells.sex.push(Some("SEX_T".into()));
        cells.classif1.push(Some(classif1.into()));
        cells.classif2.push(Some("CBR_BIR_FOREIGN".into()));
        cells.time.push(time.into());
        cells.obs_value.push(Some(1.0));
        cells.status.push(status);
        cells.persons.push(Some(1.0));
        cells.sample_count.push(Some(1));
        cells.note_indicator.push(None);
        cells.notes.push(Vec::new());
        cells.unit.push("persons".into());
        cells.unit_mult.push(0);
    }

    #[test]
    fn mirror_data_is_a_series_per_country_of_residence() {
        // Nationals of AAA counted by a census in one country (2021) and a survey in another
        // (2024): two series, no break; one country's census then survey: a break.
        let mut cells = Cells::default();
        for (source, time, residence) in [
            ("AA:BBB_CENSUS", "2021", "CRS_RES_BBB"),
            ("BA:CCC_LFS", "2024", "CRS_RES_CCC"),
            ("BA:BBB_LFS", "2024", "CRS_RES_BBB"),
        ] {
            cell(&mut cells, source, time, residence, Status::Published);
        }
        let mirrored: BTreeSet<String> = ["MST_TEMP_SEX_OCU_CBR_NB".to_string()].into();
        assert_eq!(flag_breaks(&mut cells, &mirrored), 1);
        assert!(cells.notes[1].is_empty());
        assert_eq!(cells.notes[2], [SOURCE_BREAK]);
    }

    #[test]
    fn a_change_of_source_type_or_classification_version_is_a_break() {
        let mut cells = Cells::default();
        cell(
            &mut cells,
            "BA:LFS_2022",
            "2022",
            "OCU_ISCO88_1",
            Status::Published,
        );
        // Same type, same version: no break.
        cell(
            &mut cells,
            "BA:LFS_2023",
            "2023",
            "OCU_ISCO88_1",
            Status::Published,
        );
        // Same type, ISCO-08 now: occupation classification revised.
        cell(
            &mut cells,
            "BA:LFS_2024",
            "2024",
            "OCU_ISCO08_1",
            Status::Unreliable,
        );
        cell(
            &mut cells,
            "BA:LFS_2024",
            "2024",
            "OCU_ISCO08_2",
            Status::Published,
        );
        // A census in 2025, ISCO-08 still: a change of source.
        cell(
            &mut cells,
            "AA:CENSUS_2025",
            "2025",
            "OCU_ISCO08_1",
            Status::Published,
        );
        assert_eq!(flag_breaks(&mut cells, &BTreeSet::new()), 3);
        assert!(cells.notes[0].is_empty() && cells.notes[1].is_empty());
        assert_eq!(cells.notes[2], ["I11:267"]);
        assert_eq!(cells.status[2], Status::Unreliable, "U is kept");
        assert_eq!(cells.status[3], Status::Break);
        assert_eq!(cells.notes[4], ["I11:266"]);
        assert_eq!(cells.status[4], Status::Break);
    }

    #[test]
    fn groupings_beside_each_edition_do_not_hide_a_revision_and_periods_keep_apart() {
        let mut cells = Cells::default();
        cell(
            &mut cells,
            "BA:LFS_2023",
            "2023",
            "OCU_ISCO88_1",
            Status::Published,
        );
        cell(
            &mut cells,
            "BA:LFS_2023",
            "2023",
            "OCU_SKILL_L1",
            Status::Published,
        );
        cell(
            &mut cells,
            "BA:LFS_2024",
            "2024",
            "OCU_ISCO08_1",
            Status::Published,
        );
        cell(
            &mut cells,
            "BA:LFS_2024",
            "2024",
            "OCU_SKILL_L1",
            Status::Published,
        );
        // A quarter is another series: no break against the years.
        cell(
            &mut cells,
            "AA:CENSUS_2024",
            "2024Q1",
            "OCU_ISCO08_1",
            Status::Published,
        );
        assert_eq!(flag_breaks(&mut cells, &BTreeSet::new()), 2);
        assert_eq!(cells.notes[2], ["I11:267"]);
        assert_eq!(cells.notes[3], ["I11:267"]);
        assert!(cells.notes[4].is_empty());
    }

    #[test]
    fn a_year_with_nothing_published_is_no_previous_year() {
        let mut cells = Cells::default();
        cell(
            &mut cells,
            "AA:REG_2022",
            "2022",
            "OCU_ISCO08_1",
            Status::Published,
        );
        cell(
            &mut cells,
            "BA:LFS_2023",
            "2023",
            "OCU_ISCO08_1",
            Status::FailedValidation,
        );
        cells.obs_value[1] = None;
        cell(
            &mut cells,
            "BA:LFS_2024",
            "2024",
            "OCU_ISCO08_1",
            Status::Published,
        );
        assert_eq!(flag_breaks(&mut cells, &BTreeSet::new()), 1);
        assert_eq!(
            cells.notes[2],
            ["I11:266"],
            "against 2022, the last year with a figure"
        );
    }

    #[test]
    fn another_definition_in_a_source_of_the_same_type_is_a_break() {
        // Migrants foreign-born in 2022 and 2023, non-citizens from 2024: a change in definition
        // or concept (I11:269); a source that states its population: one too.
        let mut cells = Cells::default();
        for (source, time) in [
            ("BA:LFS_2022", "2022"),
            ("BA:LFS_2023", "2023"),
            ("BA:LFS_2024", "2024"),
            ("BA:LFS_2025", "2025"),
        ] {
            cell(&mut cells, source, time, "OCU_ISCO08_1", Status::Published);
        }
        cells.note_indicator[0] = Some("T36:3214".into());
        cells.note_indicator[1] = Some("T36:3214".into());
        cells.note_indicator[2] = Some("T36:3215".into());
        cells.note_indicator[3] = Some("T36:3215".into());
        cells.notes[3].push(crate::cells::POPULATION_STATED_NOTE.into());
        // A second source of 2023 defined otherwise is no break: the first goes on as before.
        cell(
            &mut cells,
            "BA:OTHER_2023",
            "2023",
            "OCU_ISCO08_2",
            Status::Published,
        );
        cells.note_indicator[4] = Some("T36:3216".into());
        assert_eq!(flag_breaks(&mut cells, &BTreeSet::new()), 2);
        assert!(cells.notes[4].is_empty());
        assert!(cells.notes[1].is_empty());
        assert_eq!(cells.notes[2], [DEFINITION_BREAK]);
        assert_eq!(cells.status[2], Status::Break);
        assert_eq!(
            cells.notes[3],
            [crate::cells::POPULATION_STATED_NOTE, DEFINITION_BREAK]
        );
    }

    #[test]
    fn versions_that_coexist_and_missing_years_are_no_break() {
        let mut cells = Cells::default();
        cell(
            &mut cells,
            "BA:LFS_2020",
            "2020",
            "AGE_5YRBANDS_Y15-19",
            Status::Published,
        );
        cell(
            &mut cells,
            "BA:LFS_2020",
            "2020",
            "AGE_AGGREGATE_Y15-24",
            Status::Published,
        );
        // Two years later, one of the two versions only: not disjoint, no break.
        cell(
            &mut cells,
            "BA:LFS_2022",
            "2022",
            "AGE_AGGREGATE_Y15-24",
            Status::Published,
        );
        cell(
            &mut cells,
            "BA:LFS_2022",
            "2022",
            "OCU_ISCO08_1",
            Status::NotAvailable,
        );
        cells.obs_value[3] = None;
        assert_eq!(flag_breaks(&mut cells, &BTreeSet::new()), 0);
        assert!(cells.notes.iter().all(Vec::is_empty));
    }
}
