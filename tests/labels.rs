//! Labels and the data dictionary (issue 21): the ILOSTAT CSV's `.label` columns read alone by a
//! script, `labels` in `ilms query`, labels in the report, a second language declared as data, and
//! the dictionary compared with the files a release actually holds, both ways.

mod common;

use std::fs;
use std::path::Path;

use common::{assert_clean_failure, assert_python_check, collect_files, text, Round};
use polars::prelude::*;

#[test]
fn a_release_is_labelled_and_its_dictionary_matches_its_files() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));

    // Every code of the ILOSTAT CSV has its label, equal to the code lists'; a readable table
    // from the labels alone; the README's pandas snippet reads time as text.
    assert_python_check("labels_table.py", round.dir.path(), "labels ok");

    // The report names indicators and rules by their labels too.
    let report = fs::read_to_string(round.path("processed/report.html")).expect("report");
    for label in [
        "Employment by sex, occupation and place of birth",
        "Men and women do not add up to the total",
    ] {
        assert!(report.contains(label), "{label} not in the report");
    }

    let release = round.path("releases/current");
    let dictionary: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(round.path("processed/data_dictionary.json")).expect("dictionary"),
    )
    .expect("the dictionary is JSON");
    let markdown = fs::read_to_string(round.path("processed/data_dictionary.md")).expect("md");
    let entries = dictionary["files"].as_array().expect("files");
    for entry in entries {
        let path = entry["path"].as_str().expect("path");
        assert!(
            markdown.contains(&format!("## `{path}`")),
            "{path} not in the Markdown"
        );
    }
    // Flags and notes are explained with their text.
    for explained in [
        "| `U` | Unreliable",
        "| `ilms:source_totals` |",
        "| `T36:3214` |",
    ] {
        assert!(markdown.contains(explained), "{explained} not explained");
    }

    let mut files = Vec::new();
    collect_files(&release, &mut files);
    let files: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(&release).expect("in the release"))
        .map(|f| f.to_string_lossy().replace('\\', "/"))
        .collect();
    let mut problems = Vec::new();
    let mut used = vec![false; entries.len()];
    for file in &files {
        let matching: Vec<usize> = (0..entries.len())
            .filter(|&i| matches(entries[i]["path"].as_str().unwrap_or(""), file))
            .collect();
        match matching.as_slice() {
            [i] => {
                used[*i] = true;
                problems.extend(column_problems(&release.join(file), file, &entries[*i]));
            }
            [] => problems.push(format!("{file}: written but not in the dictionary")),
            _ => problems.push(format!("{file}: documented by several entries")),
        }
    }
    for (entry, used) in entries.iter().zip(used) {
        let path = entry["path"].as_str().unwrap_or("");
        if !used {
            problems.push(format!("{path}: documented but not written"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // labels.parquet is the table `labels` of ilms query: joined to the cells.
    let output = round.ilms(&[
        "query",
        "--csv",
        "SELECT i.sex, l.label FROM indicators i JOIN labels l ON l.code = i.sex WHERE l.language = 'en' AND i.indicator = 'MST_TEMP_SEX_OCU_CBR_NB' GROUP BY i.sex, l.label ORDER BY i.sex",
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.contains("SEX_F,Sex: Female") && stdout.contains("SEX_T,Sex: Total"),
        "{stdout}"
    );
}

/// Does a file path match a documented path (`<...>` stands for one name or part of one)?
fn matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    pattern.len() == path.len() && pattern.iter().zip(&path).all(|(p, f)| part_matches(p, f))
}

fn part_matches(pattern: &str, name: &str) -> bool {
    let Some(start) = pattern.find('<') else {
        return pattern == name;
    };
    let end = pattern[start..]
        .find('>')
        .map_or(pattern.len(), |e| start + e + 1);
    let (prefix, rest) = (&pattern[..start], &pattern[end..]);
    let Some(tail) = name.strip_prefix(prefix) else {
        return false;
    };
    // A year (or a period of years, 2022-2023) is digits: `annual_tables.xlsx` is not a table of
    // the year "tables".
    let fits = |text: &str| {
        &pattern[start..end] != "<year>" || text.chars().all(|c| c.is_ascii_digit() || c == '-')
    };
    // The placeholder takes at least one character; the rest must match what follows.
    (1..=tail.len())
        .filter(|&n| tail.is_char_boundary(n) && fits(&tail[..n]))
        .any(|n| part_matches(rest, &tail[n..]))
}

/// A documented column name (`*` any text) matching a column.
fn column_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        Some((before, after)) => {
            name.len() > before.len() + after.len()
                && name.starts_with(before)
                && name.ends_with(after)
        }
        None => pattern == name,
    }
}

/// The columns (or top-level keys) a file has, with their types where the format has them.
fn actual_columns(path: &Path, relative: &str) -> Option<Vec<(String, Option<String>)>> {
    let extension = path.extension()?.to_str()?;
    match extension {
        "parquet" => {
            let frame = ParquetReader::new(fs::File::open(path).expect("open"))
                .finish()
                .expect("the Parquet file reads");
            Some(
                frame
                    .schema()
                    .iter()
                    .map(|(name, dtype)| (name.to_string(), Some(type_name(dtype))))
                    .collect(),
            )
        }
        // An annual table's CSV is a table for reading (title, unit, grid and notes lines).
        "csv" if !relative.starts_with("processed/tables/") => {
            let csv = fs::read_to_string(path).expect("read");
            let header = csv.trim_start_matches('\u{feff}').lines().next()?;
            Some(header.split(',').map(|c| (c.to_string(), None)).collect())
        }
        "json" => {
            let value: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(path).expect("read")).expect("json");
            Some(
                value
                    .as_object()?
                    .keys()
                    .map(|k| (k.clone(), None))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// The dictionary's name of a Parquet column's type.
fn type_name(dtype: &DataType) -> String {
    match dtype {
        DataType::String => "string".into(),
        DataType::Float64 => "float64".into(),
        DataType::Int64 => "int64".into(),
        DataType::Int32 => "int32".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::Boolean => "boolean".into(),
        other => format!("{other}"),
    }
}

/// What differs between a file's columns and its dictionary entry (both ways; types for Parquet).
fn column_problems(path: &Path, relative: &str, entry: &serde_json::Value) -> Vec<String> {
    // (name, type, whether only some of the files have it)
    let documented: Vec<(String, String, bool)> = entry["columns"]
        .as_array()
        .map(|columns| {
            columns
                .iter()
                .map(|c| {
                    let field = |k: &str| c[k].as_str().unwrap_or("").to_string();
                    (field("name"), field("type"), c.get("only").is_some())
                })
                .collect()
        })
        .unwrap_or_default();
    let Some(actual) = actual_columns(path, relative) else {
        return Vec::new();
    };
    // Partition columns are in the folder names (`ref_area=<ISO3>`), not in the file.
    let pattern = entry["path"].as_str().unwrap_or("");
    let in_folder = |name: &str| pattern.contains(&format!("{name}=<"));
    let mut problems = Vec::new();
    for (name, dtype) in &actual {
        match documented.iter().find(|(d, _, _)| column_matches(d, name)) {
            None => problems.push(format!("{relative}: column {name} not in the dictionary")),
            Some((_, t, _)) => {
                if let Some(dtype) = dtype.as_ref().filter(|d| *d != t) {
                    problems.push(format!(
                        "{relative}: column {name} is {dtype}, the dictionary says {t}"
                    ));
                }
            }
        }
    }
    for (name, _, only_some) in &documented {
        let present = actual.iter().any(|(a, _)| column_matches(name, a));
        if !present && !in_folder(name) && !only_some {
            problems.push(format!(
                "{relative}: documented column {name} not in the file"
            ));
        }
    }
    problems
}

#[test]
fn a_second_language_declared_as_data_labels_the_outputs() {
    let round = Round::sample();
    fs::create_dir_all(round.path("schemas/labels")).expect("labels folder");
    fs::write(
        round.path("schemas/labels/fr.csv"),
        "# a small French label file for the test\ncode_list,code,label\nCLASSIF_VERSION,SEX,Sexe\nSEX,SEX_F,Femmes\nREF_AREA,MYS,Malaisie\nOBS_STATUS,O,\"Non disponible (la source ne donne pas le chiffre)\"\n",
    )
    .expect("write fr.csv");
    round.edit(
        "ilms.toml",
        "classifications = \"schemas/classifications\"\n",
        "classifications = \"schemas/classifications\"\nlanguage = \"fr\"\n",
    );
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let csv = fs::read_to_string(round.path("processed/indicators_ilostat.csv")).expect("csv");
    // Translated where the file says, English elsewhere (SEX_M keeps "Male" under "Sexe").
    for expected in [
        "MYS,Malaisie,",
        ",SEX_F,Sexe: Femmes,",
        ",SEX_M,Sexe: Male,",
        "\nTHA,Thailand,",
    ] {
        assert!(csv.contains(expected), "{expected} not in the ILOSTAT CSV");
    }
    let labels = labels_frame(&round.path("processed/labels.parquet"));
    let french = labels
        .lazy()
        .filter(
            col("language")
                .eq(lit("fr"))
                .and(col("code").eq(lit("SEX_F"))),
        )
        .collect()
        .expect("filter");
    assert_eq!(french.height(), 1, "{french}");
    let label = french
        .column("label")
        .expect("label")
        .str()
        .expect("text")
        .get(0);
    assert_eq!(label, Some("Sexe: Femmes"));

    // A translation of a code no list has is refused, naming the file and the row.
    fs::write(
        round.path("schemas/labels/fr.csv"),
        "code_list,code,label\nSEX,SEX_F,Femmes\nSEX,SEX_Q,Autre\n",
    )
    .expect("write fr.csv");
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "schemas/labels/fr.csv", "data row 2");
    assert!(text(&output.stderr).contains("no code SEX_Q in the code list SEX"));
    // A language without its file is refused.
    round.edit("ilms.toml", "language = \"fr\"", "language = \"de\"");
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "schemas/labels/de.csv", "");
}

fn labels_frame(path: &Path) -> DataFrame {
    ParquetReader::new(fs::File::open(path).expect("labels.parquet"))
        .finish()
        .expect("labels.parquet reads")
}
