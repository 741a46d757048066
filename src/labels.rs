//! Labels for every code a release publishes: countries, sources, indicators, sex and classif
//! codes, observation status, reasons for withholding, units and notes. English comes from the
//! code lists under `schemas/classifications/` (ILOSTAT's lists, its note codes, the ILMS
//! indicator list, and `ilms_codes.csv` for ilms' own codes); another language is data too, a file
//! `<language>.csv` in the round's labels folder that overrides the English text of the codes it
//! lists (the others keep their English label).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::classifications::{Classifications, TextTable, SOURCE_TYPES_FILE};
use crate::error::{Error, Result};
use crate::indicators::Indicators;
use crate::rules::Rules;
use crate::spec::SourceSpec;

/// The language every code has a label in.
pub const ENGLISH: &str = "en";
/// ilms' own codes and the names of the classification versions (in the classifications folder).
pub const ILMS_CODES_FILE: &str = "ilms_codes.csv";
/// ILOSTAT's note codes, as `<type>:<id>` (in the classifications folder).
pub const NOTES_FILE: &str = "ilostat_notes.csv";
/// ILOSTAT's ILMS indicator list, with the indicators' English names.
pub const INDICATORS_FILE: &str = "ilms_2019_indicators.csv";

/// The code list of the names of classification versions, which prefix sex and classif labels.
const VERSIONS: &str = "CLASSIF_VERSION";
/// Where the label of `ilms:revised` names the edition ([`Labels::name_edition`]).
const EDITION: &str = "EDITION";
/// Separator of several notes in one label (as ILOSTAT's own tools join them).
const NOTE_JOIN: &str = " | ";

/// One labelled code.
#[derive(Debug, Clone)]
struct Entry {
    code_list: String,
    code: String,
    /// The label by language ("en" always).
    text: BTreeMap<String, String>,
    /// The classification version whose name prefixes the label ("Sex: Female").
    version: Option<String>,
}

/// Every code's label, in English and in the round's language.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// The language outputs are labelled in (`[round] language`, default "en").
    pub language: String,
    entries: Vec<Entry>,
    /// A code as published to its entry (the first list that has it).
    by_code: BTreeMap<String, usize>,
    /// (code list, code) to its entry.
    by_key: BTreeMap<(String, String), usize>,
}

/// What labels are built from besides the classifications folder.
pub struct LabelSources<'a> {
    pub classifications: &'a Classifications,
    pub sources: &'a [SourceSpec],
    pub indicators: &'a Indicators,
    pub rules: &'a Rules,
    /// The folder of `<language>.csv` files and the language chosen.
    pub folder: &'a Path,
    pub language: &'a str,
}

impl Labels {
    /// Every code's English label, then the chosen language's file over it. A classification
    /// version without a name or a translation of an unknown code is an error naming the file and
    /// what to add.
    pub fn load(from: &LabelSources) -> Result<Labels> {
        let dir = &from.classifications.dir;
        let mut labels = Labels {
            language: from.language.to_string(),
            ..Labels::default()
        };
        let ilms_codes = TextTable::read(&dir.join(ILMS_CODES_FILE))?;
        for row in ilms_codes.rows(&["code_list", "code", "label"])? {
            labels.add(&row[0], &row[1], &row[2], None);
        }
        let countries = TextTable::read(&dir.join(crate::classifications::COUNTRIES_FILE))?;
        for row in countries.rows(&["iso3", "name"])? {
            labels.add("REF_AREA", &row[0], &row[1], None);
        }
        for row in TextTable::read(&dir.join(NOTES_FILE))?.rows(&["code", "label"])? {
            labels.add("NOTE", &row[0], &row[1], None);
        }
        labels.add_versions(from.classifications, &ilms_codes.path)?;
        labels.add_indicators(dir, from.indicators)?;
        labels.add_sources(dir, from.sources)?;
        labels.add_rules(from.rules);
        if from.language != ENGLISH {
            labels.translate(&from.folder.join(format!("{}.csv", from.language)))?;
        }
        Ok(labels)
    }

    fn add(&mut self, code_list: &str, code: &str, label: &str, version: Option<&str>) {
        let key = (code_list.to_string(), code.to_string());
        if self.by_key.contains_key(&key) {
            return;
        }
        let index = self.entries.len();
        self.entries.push(Entry {
            code_list: code_list.to_string(),
            code: code.to_string(),
            text: BTreeMap::from([(ENGLISH.to_string(), label.to_string())]),
            version: version.map(String::from),
        });
        self.by_key.insert(key, index);
        self.by_code.entry(code.to_string()).or_insert(index);
    }

    /// Sex and classif codes, each list under its version's name (which must be in ilms_codes.csv).
    fn add_versions(&mut self, classifications: &Classifications, names: &Path) -> Result<()> {
        for (version, codes) in &classifications.versions {
            if !self
                .by_key
                .contains_key(&(VERSIONS.into(), version.clone()))
            {
                return Err(Error::new(
                    names,
                    version,
                    format!("the classification version {version} has no name"),
                    format!("add a row `{VERSIONS},{version},<its name>` (e.g. \"Occupation (ISCO-08)\")"),
                ));
            }
            for code in codes {
                self.add(version, &code.code, &code.label, Some(version));
            }
        }
        Ok(())
    }

    /// Indicators by ILOSTAT's English name, or the name declared in schemas/indicators.toml.
    fn add_indicators(&mut self, dir: &Path, indicators: &Indicators) -> Result<()> {
        let list = TextTable::read(&dir.join(INDICATORS_FILE))?;
        let ilostat: BTreeMap<String, String> = list
            .rows(&["CIC_INDICATOR_CODE", "IND_TEXT_EN"])?
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        for indicator in &indicators.list {
            let name = ilostat.get(&indicator.id).unwrap_or(&indicator.label);
            self.add("INDICATOR", &indicator.id, name, None);
        }
        Ok(())
    }

    /// Sources as cells name them ("BA:ID"): the source type's name and the spec's title.
    fn add_sources(&mut self, dir: &Path, sources: &[SourceSpec]) -> Result<()> {
        let types: BTreeMap<String, String> = TextTable::read(&dir.join(SOURCE_TYPES_FILE))?
            .rows(&["code", "label"])?
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        for spec in sources {
            let source = &spec.source;
            let label = match types.get(&source.source_type) {
                Some(kind) => format!("{kind} - {}", source.title),
                None => source.title.clone(),
            };
            self.add("SOURCE", &source.ilostat_source(), &label, None);
            for (note, text) in spec.footnote_notes() {
                self.add("NOTE_SOURCE", &format!("ilms:{note}"), text, None);
            }
            if let Some((note, text)) = spec.amount_note() {
                self.add("NOTE_SOURCE", &format!("ilms:{note}"), &text, None);
            }
        }
        Ok(())
    }

    /// Every rule may be noted on cells ("ilms:<id>" in note_source): its label from
    /// ilms_codes.csv, else the rule's own message, else what the note says about the source.
    fn add_rules(&mut self, rules: &Rules) {
        for (id, message) in rule_ids(rules) {
            let label = message.unwrap_or_else(|| {
                format!("The source fails validation rule {id} (see the validation report)")
            });
            self.add("NOTE_SOURCE", &format!("ilms:{id}"), &label, None);
        }
    }

    /// A language file (`code_list,code,label`) over the English labels.
    fn translate(&mut self, path: &Path) -> Result<()> {
        if !path.is_file() {
            return Err(Error::new(
                path,
                "",
                format!("no labels for the language '{}'", self.language),
                format!("write {} (columns code_list, code, label; README: Labels) or set [round] language = \"{ENGLISH}\"", path.display()),
            ));
        }
        let table = TextTable::read(path)?;
        for (i, row) in table
            .rows(&["code_list", "code", "label"])?
            .into_iter()
            .enumerate()
        {
            let key = (row[0].clone(), row[1].clone());
            let Some(&index) = self.by_key.get(&key) else {
                return Err(Error::new(
                    path,
                    format!("data row {}", i + 1),
                    format!("no code {} in the code list {}", row[1], row[0]),
                    "translate codes the English lists have (processed/labels.parquet lists them with their code list)",
                ));
            };
            if row[2].trim().is_empty() {
                return Err(Error::new(
                    path,
                    format!("data row {}", i + 1),
                    format!("the label of {} is empty", row[1]),
                    "give the label, or leave the row out to keep the English one",
                ));
            }
            self.entries[index]
                .text
                .insert(self.language.clone(), row[2].clone());
        }
        Ok(())
    }

    /// An entry's label in `language` (English where it has none), prefixed by its version's name.
    fn text(&self, index: usize, language: &str) -> String {
        let entry = &self.entries[index];
        let own = |e: &Entry| {
            e.text
                .get(language)
                .or_else(|| e.text.get(ENGLISH))
                .cloned()
                .unwrap_or_default()
        };
        let version = entry
            .version
            .as_ref()
            .and_then(|v| self.by_key.get(&(VERSIONS.to_string(), v.clone())));
        match version {
            Some(&v) => format!("{}: {}", own(&self.entries[v]), own(entry)),
            None => own(entry),
        }
    }

    /// The label of a code as published, in the round's language (None if no list has it).
    pub fn label(&self, code: &str) -> Option<String> {
        let &index = self.by_code.get(code)?;
        Some(self.text(index, &self.language))
    }

    /// Name the edition revisions are noted against in the label of `ilms:revised` (its text says
    /// `EDITION` where the release id goes), in every language; without one (a release made
    /// under another setting, read by `ilms table`), say where it is named.
    pub fn name_edition(&mut self, release: Option<&str>) {
        let code = format!("ilms:{}", crate::cells::REVISED_NOTE);
        let name = release.unwrap_or("named in its run log (revisions.since)");
        if let Some(&index) = self.by_key.get(&("NOTE_SOURCE".to_string(), code)) {
            for text in self.entries[index].text.values_mut() {
                *text = text.replace(EDITION, name);
            }
        }
    }

    /// The label of a code of a given list (e.g. "UNIT", "PS").
    pub fn label_in(&self, code_list: &str, code: &str) -> Option<String> {
        let &index = self
            .by_key
            .get(&(code_list.to_string(), code.to_string()))?;
        Some(self.text(index, &self.language))
    }

    /// The codes of a list with their labels, in the list's order.
    pub fn codes_of(&self, code_list: &str) -> Vec<(String, String)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.code_list == code_list)
            .map(|(i, e)| (e.code.clone(), self.text(i, &self.language)))
            .collect()
    }

    /// The label of a notes cell: each note ("; " between them in note_source) labelled, joined by
    /// " | "; None if a note has no label.
    pub fn notes_label(&self, notes: &str) -> Option<String> {
        let labels: Option<Vec<String>> = notes.split("; ").map(|n| self.label(n)).collect();
        Some(labels?.join(NOTE_JOIN))
    }

    /// The labels as a table: code_list, code, label, language; every code in English and, when
    /// the round has another language, every code again in it (English where it has no text).
    pub fn frame(&self) -> PolarsResult<DataFrame> {
        let mut languages = vec![ENGLISH.to_string()];
        if self.language != ENGLISH {
            languages.push(self.language.clone());
        }
        let (mut lists, mut codes, mut texts, mut langs) = (vec![], vec![], vec![], vec![]);
        for language in &languages {
            for (i, entry) in self.entries.iter().enumerate() {
                lists.push(entry.code_list.clone());
                codes.push(entry.code.clone());
                texts.push(self.text(i, language));
                langs.push(language.clone());
            }
        }
        DataFrame::new_infer_height(vec![
            Column::new("code_list".into(), lists),
            Column::new("code".into(), codes),
            Column::new("label".into(), texts),
            Column::new("language".into(), langs),
        ])
    }

    /// The label twin of a code column: each value's label (null where the value is null).
    pub fn column(&self, codes: &Column, notes: bool) -> PolarsResult<Column> {
        let name = format!("{}.label", codes.name());
        let values = codes.cast(&DataType::String)?;
        let labels: Vec<Option<String>> = values
            .str()?
            .iter()
            .map(|code| {
                let code = code?;
                if notes {
                    self.notes_label(code)
                } else {
                    self.label(code)
                }
            })
            .collect();
        Ok(Column::new(name.into(), labels))
    }
}

/// Every rule id of the round, with its message where the rule has one.
fn rule_ids(rules: &Rules) -> Vec<(String, Option<String>)> {
    let with = |id: &String, message: &String| (id.clone(), Some(message.clone()));
    let bare = |id: &String| (id.clone(), None);
    let mut ids: Vec<_> = rules
        .records
        .iter()
        .map(|r| with(&r.id, &r.message))
        .collect();
    ids.extend(rules.unique.iter().map(|r| with(&r.id, &r.message)));
    ids.extend(rules.completeness.iter().map(|r| bare(&r.id)));
    ids.extend(rules.cells.iter().map(|r| bare(&r.id)));
    ids.extend(rules.ranges.iter().map(|r| bare(&r.id)));
    ids.extend(rules.source_totals.iter().map(|r| bare(&r.id)));
    ids.extend(rules.coherence.iter().map(|r| bare(&r.id)));
    ids.extend(rules.empty_universe.iter().map(|r| bare(&r.id)));
    ids.extend(rules.benchmark.iter().map(|r| bare(&r.id)));
    ids.push(bare(&rules.quarantined.id));
    ids
}

/// The default folder of language files, relative to the round.
pub fn default_folder() -> PathBuf {
    "schemas/labels".into()
}

/// The default language.
pub fn default_language() -> String {
    ENGLISH.to_string()
}
