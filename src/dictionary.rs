//! The data dictionary written with each release (`processed/data_dictionary.md` and `.json`):
//! every file of a release, each column with its type, unit, code list and meaning, and the codes
//! of ilms' own lists (observation status, reasons for withholding, notes, units) with their
//! labels. What the files hold is declared in `dictionary.toml` beside this module: it describes
//! the tool's outputs, so it ships with the tool; `tests/labels.rs` compares it with a release.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::labels::Labels;

/// The declaration, compiled in.
const DECLARED: &str = include_str!("dictionary.toml");

/// Code lists whose every code is explained in the dictionary (the others are long lists of
/// countries, occupations, ...: `labels.parquet` has them all).
const EXPLAINED_LISTS: [&str; 6] = [
    "OBS_STATUS",
    "SUPPRESSED",
    "NOTE_SOURCE",
    "NOTE",
    "UNIT",
    "UNIT_MULT",
];

/// The dictionary: the release's files.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dictionary {
    #[serde(rename(deserialize = "file", serialize = "files"))]
    pub files: Vec<FileEntry>,
}

/// One file (or family of files: `<placeholders>` in its path) of a release.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative to the release folder (`processed/...`, `charts/...`, `release.json`).
    pub path: String,
    pub format: String,
    pub description: String,
    /// Columns (tables), or top-level keys (JSON); none for pictures, pages and workbooks.
    #[serde(default, rename(deserialize = "column", serialize = "columns"))]
    pub columns: Vec<ColumnEntry>,
}

/// One column of a file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnEntry {
    /// The column's name (`*` stands for any text: `<variable>_src`).
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_list: Option<String>,
    /// Set when only some of the files have the column: which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<String>,
    pub description: String,
}

/// The JSON document: the files, and the codes explained.
#[derive(Serialize)]
struct Document<'a> {
    language: &'a str,
    files: &'a [FileEntry],
    codes: Vec<CodeList>,
}

#[derive(Serialize)]
struct CodeList {
    code_list: String,
    codes: Vec<Code>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    label: String,
}

impl Dictionary {
    /// The compiled-in declaration (`at`: the folder named if it cannot be read, a bug).
    pub fn load(at: &Path) -> Result<Dictionary> {
        toml::from_str(DECLARED).map_err(|e| {
            Error::new(
                at.join("data_dictionary.md"),
                "src/dictionary.toml",
                format!("the data dictionary's declaration does not parse: {e}"),
                "report this bug",
            )
        })
    }

    /// The codes of the explained lists with their labels, in the round's language.
    fn codes(labels: &Labels) -> Vec<CodeList> {
        EXPLAINED_LISTS
            .iter()
            .map(|list| CodeList {
                code_list: list.to_string(),
                codes: labels
                    .codes_of(list)
                    .into_iter()
                    .map(|(code, label)| Code { code, label })
                    .collect(),
            })
            .collect()
    }

    /// The dictionary as JSON.
    pub fn json(&self, labels: &Labels) -> serde_json::Result<String> {
        serde_json::to_string_pretty(&Document {
            language: &labels.language,
            files: &self.files,
            codes: Dictionary::codes(labels),
        })
    }

    /// The dictionary as Markdown: a section per file with a table of its columns, then the codes.
    pub fn markdown(&self, labels: &Labels) -> String {
        let mut out = String::from("# Data dictionary\n\nEvery file of this release, each column with its type, unit, code list and meaning. Codes: `labels.parquet` gives every code's label (`code_list`, `code`, `label`, `language`); the codes of ilms' own lists are explained at the end.\n");
        for file in &self.files {
            out.push_str(&format!(
                "\n## `{}`\n\n{}. {}\n",
                file.path, file.format, file.description
            ));
            if file.columns.is_empty() {
                continue;
            }
            out.push_str("\n| column | type | unit | code list | meaning |\n| --- | --- | --- | --- | --- |\n");
            for c in &file.columns {
                let only = c.only.as_ref().map(|o| format!(" (only {o})"));
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} | {}{} |\n",
                    c.name,
                    c.column_type,
                    c.unit.as_deref().unwrap_or(""),
                    c.code_list.as_deref().unwrap_or(""),
                    c.description.replace('|', "\\|"),
                    only.unwrap_or_default()
                ));
            }
        }
        out.push_str("\n## Codes\n");
        for list in Dictionary::codes(labels) {
            out.push_str(&format!(
                "\n### {}\n\n| code | meaning |\n| --- | --- |\n",
                list.code_list
            ));
            for code in list.codes {
                out.push_str(&format!(
                    "| `{}` | {} |\n",
                    code.code,
                    code.label.replace('|', "\\|")
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declaration_parses_and_documents_every_published_cell_column() {
        let dictionary = Dictionary::load(Path::new("processed")).expect("parses");
        let cells = dictionary
            .files
            .iter()
            .find(|f| f.path.starts_with("processed/indicators/"))
            .expect("the indicator dataset is documented");
        let documented: Vec<&str> = cells.columns.iter().map(|c| c.name.as_str()).collect();
        for column in crate::cells::CELL_COLUMNS {
            assert!(
                documented.contains(&column.name),
                "{} undocumented",
                column.name
            );
        }
    }
}
