//! Ingest formats: the fixture round in tests/fixtures/formats/ holds the same 500 persons as CSV
//! (UTF-8, UTF-8 with BOM and ';', UTF-16 TSV, Windows-1252), fixed-width text, .xlsx, .xls, Stata
//! 114, 115, 117, 118 and 119, SPSS .sav and .zsav and Parquet, plus an aggregate workbook counting them; made by
//! tools/make_format_fixtures.py with pandas, openpyxl, xlwt, pyreadstat and pyarrow. Header-only
//! copies of the files (no record) are in empty/ (tools/make_empty_format_fixtures.py).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;

mod common;
use common::{
    assert_clean_failure, assert_crosscheck, collect_files, copy_tree, indicator_cells, python,
    text,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats")
}

/// The fixture round in a temporary folder, with the repository's schemas/ beside it.
struct FixtureRound {
    dir: tempfile::TempDir,
}

impl FixtureRound {
    fn new() -> FixtureRound {
        let dir = tempfile::tempdir().expect("temporary folder");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_tree(&repo.join("schemas"), &dir.path().join("schemas"));
        fs::copy(fixtures().join("ilms.toml"), dir.path().join("ilms.toml")).expect("manifest");
        fs::copy(
            fixtures().join("sdmx_none.toml"),
            dir.path().join("sdmx_none.toml"),
        )
        .expect("SDMX dataflows");
        copy_tree(&fixtures().join("raw"), &dir.path().join("raw"));
        copy_tree(&fixtures().join("sources"), &dir.path().join("sources"));
        FixtureRound { dir }
    }

    /// A round of one source: the fixture spec `spec`, pointed at `raw` (copied in), with the
    /// `[file]` line `from` replaced by `to` if given.
    fn single(spec: &str, raw: &Path, edit: Option<(&str, &str)>) -> FixtureRound {
        let round = FixtureRound::new();
        let name = raw.file_name().and_then(|n| n.to_str()).expect("file name");
        fs::copy(raw, round.path(&format!("raw/{name}"))).expect("copy raw file");
        let mut text = fs::read_to_string(round.path(&format!("sources/{spec}"))).expect("spec");
        let path_line = text
            .lines()
            .find(|l| l.starts_with("path = \"raw/"))
            .expect("spec has a raw path")
            .to_string();
        text = text.replacen(&path_line, &format!("path = \"raw/{name}\""), 1);
        if let Some((from, to)) = edit {
            assert!(text.contains(from), "{spec} has no {from:?}");
            text = text.replacen(from, to, 1);
        }
        fs::write(round.path("sources/only.toml"), text).expect("write spec");
        let manifest = fs::read_to_string(round.path("ilms.toml")).expect("manifest");
        let start = manifest.find("sources = [").expect("sources list");
        let end = start + manifest[start..].find(']').expect("end of list");
        let manifest = format!(
            "{}sources = [\"sources/only.toml\"]{}",
            &manifest[..start],
            &manifest[end + 1..]
        );
        fs::write(round.path("ilms.toml"), manifest).expect("write manifest");
        round
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn ilms(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_ilms"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run ilms")
    }

    fn outputs(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        collect_files(&self.path("processed"), &mut files);
        collect_files(&self.path("charts"), &mut files);
        files
    }

    fn parquet(&self, relative: &str) -> DataFrame {
        let file = fs::File::open(self.path(relative)).expect(relative);
        ParquetReader::new(file).finish().expect(relative)
    }
}

/// A source's published harmonized records, without the source id, in raw-file order.
fn records(round: &FixtureRound, folder: &str, id: &str, drop: &[&str]) -> DataFrame {
    let mut frame = round
        .parquet(&format!("processed/{folder}/{id}.parquet"))
        .drop("source_id")
        .expect("source_id column");
    for column in drop {
        frame = frame.drop(column).expect("column to drop");
    }
    frame
        .sort(["source_row"], SortMultipleOptions::default())
        .expect("sort")
}

/// One source's indicator cells, without the source, in a fixed order.
fn cells(all: &DataFrame, id: &str) -> DataFrame {
    let source = format!("BA:{id}");
    all.clone()
        .lazy()
        .filter(col("source").eq(lit(source.as_str())))
        .drop(by_name(["source"], true, false))
        .sort(
            ["indicator", "sex", "classif1", "classif2"],
            SortMultipleOptions::default(),
        )
        .collect()
        .expect("cells")
}

const FORMATS: [&str; 16] = [
    "FMT_CSV_BOM",
    "FMT_TSV_UTF16",
    "FMT_CSV_CP1252",
    "FMT_FWF",
    "FMT_XLSX",
    "FMT_XLS",
    "FMT_DTA118",
    "FMT_DTA114",
    "FMT_DTA115",
    "FMT_DTA117",
    "FMT_DTA119",
    "FMT_SAV",
    "FMT_ZSAV",
    "FMT_PARQUET",
    "FMT_DTA_LABELS",
    "FMT_SAV_LABELS",
];

#[test]
fn the_same_records_through_every_format_give_identical_outputs() {
    let round = FixtureRound::new();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // Every cell of every source recomputed by DuckDB from the published records.
    assert_crosscheck(round.dir.path());

    let baseline = records(&round, "harmonized", "FMT_CSV", &[]);
    let baseline_quarantine = records(&round, "quarantine", "FMT_CSV", &[]);
    let indicators = indicator_cells(round.dir.path());
    let baseline_cells = cells(&indicators, "FMT_CSV");
    assert_eq!(baseline.height() + baseline_quarantine.height(), 500);
    assert_eq!(baseline_quarantine.height(), 3, "the three keying errors");
    for id in FORMATS {
        // A map keyed on value labels keeps the label as the raw value: compare the rest.
        let labels = id.ends_with("_LABELS");
        let drop: &[&str] = if labels { &["sex_src"] } else { &[] };
        let harmonized = records(&round, "harmonized", id, drop);
        let expected = if labels {
            baseline.clone().drop("sex_src").expect("sex_src")
        } else {
            baseline.clone()
        };
        assert!(
            harmonized.equals_missing(&expected),
            "{id}: harmonized records differ from the CSV's:\n{harmonized}\n{expected}"
        );
        let quarantine = records(&round, "quarantine", id, &[]);
        assert!(
            quarantine.equals_missing(&baseline_quarantine),
            "{id}: quarantine differs:\n{quarantine}\n{baseline_quarantine}"
        );
        let published = cells(&indicators, id);
        assert!(
            published.equals_missing(&baseline_cells),
            "{id}: indicator cells differ from the CSV's"
        );
    }
    // The label-keyed maps really read labels.
    let labelled = round.parquet("processed/harmonized/FMT_DTA_LABELS.parquet");
    let sex_src = labelled
        .column("sex_src")
        .expect("sex_src")
        .str()
        .expect("text")
        .iter()
        .flatten()
        .map(String::from)
        .collect::<std::collections::BTreeSet<_>>();
    assert!(
        sex_src.contains("Lelaki") && sex_src.contains("Perempuan"),
        "{sex_src:?}"
    );
}

#[test]
fn an_aggregate_table_gives_the_cells_of_the_records_it_counts() {
    let round = FixtureRound::new();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let indicators = indicator_cells(round.dir.path());
    let aggregate = cells(&indicators, "AGG_XLSX");
    let persons = cells(&indicators, "MICRO_UNWEIGHTED");
    assert!(aggregate.height() > 0);
    assert!(
        aggregate
            .drop("sample_count")
            .expect("column")
            .equals_missing(&persons.drop("sample_count").expect("column")),
        "the aggregate table's cells differ from its records' cells"
    );
    // Counts are not sample records: an aggregate source publishes no sample counts.
    assert_eq!(
        aggregate
            .column("sample_count")
            .expect("column")
            .null_count(),
        aggregate.height()
    );
    // Its harmonized lines carry a count, as the contract says, and the "Total" row is set aside.
    let lines = round.parquet("processed/harmonized/AGG_XLSX.parquet");
    assert!(lines.column("count").is_ok() && lines.column("weight").is_err());
    let log: serde_json::Value =
        serde_json::from_slice(&fs::read(round.path("processed/run_log.json")).expect("log"))
            .expect("run log JSON");
    let source = log["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["id"] == "AGG_XLSX")
        .expect("AGG_XLSX in the log");
    assert_eq!(source["source_total_rows"], 1);
    assert_eq!(
        source["read"],
        source["harmonized"].as_u64().unwrap_or(0) + source["quarantined"].as_u64().unwrap_or(0)
    );
}

/// The fixture spec that reads each binary format.
fn spec_for(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("xlsx") => "fmt_xlsx.toml",
        Some("xls") => "fmt_xls.toml",
        Some("dta") => "fmt_dta118.toml",
        Some("sav") | Some("zsav") => "fmt_sav.toml",
        Some("parquet") => "fmt_parquet.toml",
        other => panic!("no spec for {other:?}"),
    }
}

#[test]
fn damaged_binary_files_are_refused_with_a_clear_error_and_nothing_written() {
    let mut per_format = std::collections::BTreeMap::<String, usize>::new();
    let mut damaged: Vec<PathBuf> = fs::read_dir(fixtures().join("corrupt"))
        .expect("corrupt fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    damaged.sort();
    for file in &damaged {
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        let round = FixtureRound::single(spec_for(file), file, None);
        let output = round.ilms(&["run", "--quiet"]);
        assert_clean_failure(&output, name, "");
        assert!(round.outputs().is_empty(), "{name}: outputs written");
        let inspected = round.ilms(&["inspect", &format!("raw/{name}")]);
        assert_clean_failure(&inspected, name, "");
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        *per_format.entry(extension.to_string()).or_default() += 1;
    }
    for format in ["xlsx", "xls", "dta", "sav", "zsav", "parquet"] {
        assert!(
            per_format.get(format).copied().unwrap_or(0) >= 5,
            "fewer than five damaged {format} files: {per_format:?}"
        );
    }
}

/// Offset of the first byte that is not ASCII.
fn first_non_ascii(path: &Path) -> usize {
    fs::read(path)
        .expect("read fixture")
        .iter()
        .position(|b| !b.is_ascii())
        .expect("a non-ASCII byte")
}

#[test]
fn a_wrong_encoding_declaration_names_the_file_and_the_first_bad_byte() {
    let raw = fixtures().join("raw");
    // (fixture spec, file, edit of the spec, what the message must say)
    type Case<'a> = (&'a str, PathBuf, Option<(&'a str, &'a str)>, String);
    let cases: Vec<Case> = vec![
        // Windows-1252 declared as UTF-8 (the default): the first accented letter.
        (
            "fmt_csv.toml",
            raw.join("lfs_cp1252.csv"),
            None,
            format!(
                "byte offset {}",
                first_non_ascii(&raw.join("lfs_cp1252.csv"))
            ),
        ),
        // UTF-16 declared as UTF-8: its byte-order mark.
        (
            "fmt_tsv_utf16.toml",
            raw.join("lfs_utf16.tsv"),
            Some(("encoding = \"utf-16le\"", "encoding = \"utf-8\"")),
            "byte offset 0".into(),
        ),
        // UTF-8 declared as Windows-1252: would garble the accents, so refused.
        (
            "fmt_csv_cp1252.toml",
            raw.join("lfs.csv"),
            None,
            format!("byte offset {}", first_non_ascii(&raw.join("lfs.csv"))),
        ),
        // Windows-1252 declared as UTF-16.
        (
            "fmt_tsv_utf16.toml",
            raw.join("lfs_cp1252.csv"),
            None,
            "not UTF-16".into(),
        ),
    ];
    for (spec, file, edit, expected) in cases {
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        let round = FixtureRound::single(spec, &file, edit);
        let output = round.ilms(&["run", "--quiet"]);
        assert_clean_failure(&output, name, &expected);
        assert!(round.outputs().is_empty(), "{name}: outputs written");
    }
}

#[test]
fn a_blank_row_inside_a_workbook_table_is_refused_not_taken_as_its_end() {
    let file = fixtures().join("invalid/lfs_blank_row_inside.xlsx");
    let round = FixtureRound::single("fmt_xlsx.toml", &file, None);
    let output = round.ilms(&["run", "--quiet"]);
    // The blank row is sheet row 40; the table goes on at row 41.
    assert_clean_failure(&output, "lfs_blank_row_inside.xlsx", "row 41");
    assert!(text(&output.stderr).contains("blank sheet row 40"));
    assert!(round.outputs().is_empty());
}

#[test]
fn a_block_of_cells_limits_the_workbook_table() {
    let file = fixtures().join("raw/lfs.xlsx");
    // The whole table as a block: the same records as without it.
    let round = FixtureRound::single(
        "fmt_xlsx.toml",
        &file,
        Some(("header_row = 4", "header_row = 4\ncells = \"A4:J504\"")),
    );
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let records = round.parquet("processed/harmonized/FMT_XLSX.parquet");
    assert_eq!(records.height(), 497);
    // A block of the first three columns: the weight column is outside it, and the spec says so.
    let round = FixtureRound::single(
        "fmt_xlsx.toml",
        &file,
        Some(("header_row = 4", "header_row = 4\ncells = \"A4:C504\"")),
    );
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "only.toml", "record.weight");
    // A block that is not one is refused when the spec loads.
    let round = FixtureRound::single(
        "fmt_xlsx.toml",
        &file,
        Some(("header_row = 4", "header_row = 4\ncells = \"C504:A4\"")),
    );
    assert_clean_failure(&round.ilms(&["check"]), "only.toml", "file.cells");
}

#[test]
fn inspect_shows_columns_storage_labels_and_frequent_values() {
    let round = FixtureRound::new();
    let dta = round.ilms(&["inspect", "raw/lfs_118.dta"]);
    let shown = text(&dta.stdout);
    assert!(dta.status.success(), "{}", text(&dta.stderr));
    for expected in [
        "Stata dta, release 118",
        "500 rows, 10 columns",
        "value labels: 1 = Lelaki, 2 = Perempuan, 9 = Tidak dinyatakan",
        "str2",
        "1 (264), 2 (232), 9 (3), 3 (1)",
    ] {
        assert!(
            shown.contains(expected),
            "missing {expected:?} in:\n{shown}"
        );
    }
    let text_file = round.ilms(&[
        "inspect",
        "raw/lfs_cp1252.csv",
        "--encoding",
        "windows-1252",
    ]);
    let shown = text(&text_file.stdout);
    assert!(
        shown.contains("Señora") && shown.contains("Kg. Baharú"),
        "{shown}"
    );
    let table = round.ilms(&[
        "inspect",
        "raw/lfs_table.xlsx",
        "--sheet",
        "Table 3",
        "--header-row",
        "4",
        "--header-rows",
        "2",
    ]);
    let shown = text(&table.stdout);
    // Merged group cells ("Person" over Sex and Age) name the columns under them.
    for expected in [
        "Person Sex",
        "Person Age",
        "Country of citizenship",
        "Number of persons",
    ] {
        assert!(
            shown.contains(expected),
            "missing {expected:?} in:\n{shown}"
        );
    }
}

/// Header-only copies of the fixture files, in tests/fixtures/formats/empty/ (made by
/// tools/make_empty_format_fixtures.py), with the fixture spec that reads each: every format the
/// product reads, the label-keyed maps and the aggregate workbook.
const HEADER_ONLY: [(&str, &str); 18] = [
    ("fmt_csv.toml", "lfs.csv"),
    ("fmt_csv_bom.toml", "lfs_bom_semicolon.csv"),
    ("fmt_tsv_utf16.toml", "lfs_utf16.tsv"),
    ("fmt_csv_cp1252.toml", "lfs_cp1252.csv"),
    // Fixed width has no header line: a file with no record is empty (0 bytes).
    ("fmt_fwf.toml", "lfs.txt"),
    ("fmt_xlsx.toml", "lfs.xlsx"),
    ("fmt_xls.toml", "lfs.xls"),
    ("fmt_dta114.toml", "lfs_114.dta"),
    ("fmt_dta115.toml", "lfs_115.dta"),
    ("fmt_dta117.toml", "lfs_117.dta"),
    ("fmt_dta118.toml", "lfs_118.dta"),
    ("fmt_dta119.toml", "lfs_119.dta"),
    ("fmt_dta_labels.toml", "lfs_118.dta"),
    ("fmt_sav.toml", "lfs.sav"),
    ("fmt_zsav.toml", "lfs.zsav"),
    ("fmt_sav_labels.toml", "lfs.zsav"),
    ("fmt_parquet.toml", "lfs.parquet"),
    ("agg_xlsx.toml", "lfs_table.xlsx"),
];

/// Where a round published a number for source `id`: its lines in the ILOSTAT and SDMX files, its
/// cells in the indicator partitions, and the Malaysia rows of the annual tables that show a value
/// ("–" nil or a number) rather than ".." (or "n/a").
fn published_for(round: &FixtureRound, id: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Its rows there say "not available" (no value, status "O"); a value is a publication.
    // The ILOSTAT CSV's obs_value follows six code columns and their labels.
    for (file, value_at) in [("indicators_ilostat.csv", 13), ("indicators_sdmx.csv", 10)] {
        let csv = fs::read_to_string(round.path(&format!("processed/{file}"))).unwrap_or_default();
        found.extend(
            csv.lines()
                .filter(|l| l.contains(id))
                // SDMX-CSV's missing value is NaN.
                .filter(|l| {
                    csv_fields(l)
                        .get(value_at)
                        .is_some_and(|v| !v.is_empty() && v != "NaN")
                })
                .map(|l| format!("{file}: {l}")),
        );
    }
    let mut files = Vec::new();
    collect_files(&round.path("processed/indicators"), &mut files);
    if !files.is_empty() {
        let mine = cells(&indicator_cells(round.dir.path()), id);
        let valued = mine
            .column("obs_value")
            .expect("obs_value")
            .is_not_null()
            .sum()
            .unwrap_or(0);
        if valued > 0 {
            found.push(format!("processed/indicators: {valued} cells with a value"));
        }
    }
    files.clear();
    collect_files(&round.path("processed/tables"), &mut files);
    for table in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "md"))
    {
        let shown = fs::read_to_string(table).expect("table");
        for row in shown.lines().filter(|l| l.starts_with("| Malaysia |")) {
            // Country | Total | Men | Women | % women | Notes
            let values: Vec<&str> = row.split('|').map(str::trim).skip(2).take(4).collect();
            // ".." no figure, "n/a" not applicable (a % of nothing).
            if values.iter().any(|v| *v != ".." && *v != "n/a") {
                found.push(format!("{}: {row}", table.display()));
            }
        }
    }
    found
}

#[test]
fn a_header_only_file_in_every_format_fails_and_publishes_no_zero() {
    let mut failures = Vec::new();
    for (spec, file) in HEADER_ONLY {
        let id = spec.trim_end_matches(".toml").to_uppercase();
        let round = FixtureRound::single(spec, &fixtures().join("empty").join(file), None);
        let output = round.ilms(&["run", "--quiet", "--no-records"]);
        let stderr = text(&output.stderr);
        let code = output.status.code();
        eprintln!(
            "{id} ({file}): exit {code:?}: {}",
            stderr.lines().next().unwrap_or("")
        );
        let mut problems = Vec::new();
        if matches!(code, Some(101) | Some(134)) || stderr.contains("panicked") {
            problems.push("panic".to_string());
        }
        if code != Some(1) {
            problems.push(format!("exit code {code:?}, not 1"));
        }
        if !(stderr.contains(&id)
            && stderr.contains("source.quarantined_share")
            && stderr.contains("the file has no record"))
        {
            problems.push(
                "the message does not name the source and rule source.quarantined_share, \
                 and say the file has no record"
                    .into(),
            );
        }
        // A failed run publishes nothing: there is no earlier release here to keep.
        if !round.outputs().is_empty() {
            problems.push(format!("files written: {:?}", round.outputs()));
        }
        // Going on past the failure publishes the rest (here nothing else) and this source as not
        // available with the reason, never as zeros.
        let kept = round.ilms(&["run", "--quiet", "--no-records", "--keep-going"]);
        let kept_stderr = text(&kept.stderr);
        if matches!(kept.status.code(), Some(101) | Some(134)) || kept_stderr.contains("panicked") {
            problems.push(format!("panic with --keep-going:\n{kept_stderr}"));
        }
        let published = published_for(&round, &id);
        if !published.is_empty() {
            problems.push(format!("published with --keep-going: {published:#?}"));
        }
        let log = fs::read_to_string(round.path("processed/run_log.json")).unwrap_or_default();
        if !log.contains("not published: the source failed rule source.quarantined_share") {
            problems.push(format!(
                "--keep-going (exit {:?}) wrote no run log saying why the source is not \
                 published; stderr: {}",
                kept.status.code(),
                kept_stderr.lines().next().unwrap_or("")
            ));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{id} ({file}): {}\nstderr:\n{stderr}",
                problems.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "a header-only file that is not refused as a source with no record:\n\n{}",
        failures.join("\n\n")
    );
}

/// Workbooks made by Python in the round's raw/: a table with one stray cell at the sheet's last
/// row and column, one whose filled cells spread over the whole sheet, and one whose sheet unpacks
/// to more than a gigabyte (a zip bomb of 1 MB).
const HOSTILE_WORKBOOKS: &str = r#"
import sys, zipfile, openpyxl
raw = sys.argv[1]
def table():
    wb = openpyxl.Workbook(); ws = wb.active
    ws.append(["Destination", "Men", "Women"])
    for row in [("SAU", 10, 20), ("MYS", 7, 3)]:
        ws.append(list(row))
    return wb, ws
wb, ws = table(); ws.cell(row=1048576, column=16384, value="x"); wb.save(f"{raw}/stray.xlsx")
wb, ws = table()
ws.cell(row=1048576, column=16383, value="x"); ws.cell(row=1048576, column=16384, value="y")
wb.save(f"{raw}/spread.xlsx")
src = zipfile.ZipFile(f"{raw}/stray.xlsx")
with zipfile.ZipFile(f"{raw}/bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
    for item in src.infolist():
        if item.filename != "xl/worksheets/sheet1.xml":
            out.writestr(item, src.read(item.filename))
    with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
        block = b" " * (1 << 24)
        for _ in range(65):  # 1,040 MiB of blanks
            sheet.write(block)
"#;

#[test]
fn workbooks_are_read_within_a_memory_budget_and_a_far_stray_cell_is_ignored() {
    let round = FixtureRound::new();
    let made = python()
        .args(["-c", HOSTILE_WORKBOOKS])
        .arg(round.path("raw"))
        .output()
        .expect("python3");
    assert!(made.status.success(), "{}", text(&made.stderr));

    // The stray cell does not make the table a million rows by 16,384 columns.
    let stray = round.ilms(&["inspect", "raw/stray.xlsx"]);
    let shown = text(&stray.stdout);
    assert!(stray.status.success(), "{}", text(&stray.stderr));
    assert!(shown.contains("2 rows, 3 columns"), "{shown}");

    let spread = round.ilms(&["inspect", "raw/spread.xlsx"]);
    assert_clean_failure(&spread, "spread.xlsx", "sheet 'Sheet'");
    assert!(
        text(&spread.stderr).contains("file.cells"),
        "{}",
        text(&spread.stderr)
    );

    let bomb = round.ilms(&["inspect", "raw/bomb.xlsx"]);
    assert_clean_failure(&bomb, "bomb.xlsx", "xl/worksheets/sheet1.xml");
    assert!(
        text(&bomb.stderr).contains("unpacks to 1040 MB"),
        "{}",
        text(&bomb.stderr)
    );
}

/// A CSV line's fields (labels may hold quoted commas).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}
