//! The conformance corpus of aggregate shapes (tests/fixtures/aggregates/, made by
//! tools/make_aggregate_shapes.py): one case per shape a ministry sends (long or wide in any
//! format, figures in thousands, a breakdown given at its total only, a stated population, a
//! non-citizen-only stock, several tables per workbook, a nil marker, a stated total that disagrees
//! with its parts). Each case's release is read by pandas (tests/aggregates_check.py) and compared
//! with the cells worked out by hand from its raw file.

use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::{assert_clean_failure, assert_python_check_with, copy_tree, ilms_in as ilms, text};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aggregates");
    let mut cases: Vec<PathBuf> = fs::read_dir(dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// The case in a temporary round folder with the repository's schemas.
fn round_of(case: &Path) -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary folder");
    copy_tree(&repo.join("schemas"), &dir.path().join("schemas"));
    copy_tree(case, dir.path());
    dir
}

#[test]
fn every_aggregate_shape_publishes_the_cells_worked_out_by_hand() {
    let cases = corpus();
    let names: Vec<String> = cases
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(String::from))
        .collect();
    for shape in [
        "long_csv",
        "wide_csv",
        "wide_parquet",
        "thousands_xlsx",
        "total_only",
        "non_citizens",
        "total_authoritative",
        "parts_authoritative",
        "several_sheets",
    ] {
        assert!(names.iter().any(|n| n == shape), "no case for {shape}");
    }
    for case in &cases {
        let dir = round_of(case);
        let output = ilms(dir.path(), &["run", "--quiet"]);
        assert!(
            output.status.success(),
            "{}: ilms run failed:\n{}{}",
            case.display(),
            text(&output.stdout),
            text(&output.stderr)
        );
        assert_python_check_with(
            "aggregates_check.py",
            &[dir.path().as_os_str(), case.as_os_str()],
            "aggregates ok",
        );
    }
}

/// The validation report gives both numbers of a disagreeing total and which one is published,
/// and checks the source's percentages against the computed ones.
#[test]
fn a_disagreeing_total_and_a_wrong_percentage_are_reported_with_both_numbers() {
    let case = corpus()
        .into_iter()
        .find(|c| c.ends_with("total_authoritative"))
        .expect("case");
    let dir = round_of(&case);
    let output = ilms(dir.path(), &["validate", "--json", "--quiet"]);
    let results: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&output.stderr)));
    let totals = results
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["rule"] == "source_totals")
        .expect("the source_totals rule");
    assert_eq!(totals["items"], 4, "{totals}");
    assert_eq!(totals["fails"], 2, "{totals}");
    let detail = totals["detail"].as_str().expect("detail");
    for part in [
        "data row 1, column 'Jumlah' = Laki-laki + Perempuan (published: the stated total, the difference counted as 'Tidak diketahui'): the source says 11000, its parts sum to 10000 (difference 1000)",
        "data row 2, column '% Perempuan' = 100 x 'Perempuan' / the total: the source says 60",
    ] {
        assert!(detail.contains(part), "{part}\nnot in: {detail}");
    }
    assert!(
        !detail.contains("data row 1, column '% Perempuan'"),
        "{detail}"
    );
}

#[test]
fn aggregate_spec_mistakes_are_refused_with_the_key_and_the_fix() {
    let case = corpus()
        .into_iter()
        .find(|c| c.ends_with("total_authoritative"))
        .expect("case");
    let edits: [(&str, &str, &str, &str); 5] = [
        (
            "format = \"csv\"",
            "format = \"csv\"\nfootnotes = true",
            "file.footnotes",
            "remove file.footnotes",
        ),
        (
            ", authoritative = \"total\", residual = \"Tidak diketahui\"",
            ", authoritative = \"total\"",
            "file.unpivot.authoritative",
            "residual",
        ),
        (
            "count = \"Orang\"",
            "count = \"Orang\"\nscale = 0",
            "record.scale",
            "1000",
        ),
        (
            "\"origin\", \"earnings\"]",
            "\"origin\", \"earnings\"]\ntotal_only = [\"destination\"]",
            "source.total_only",
            "remove it",
        ),
        (
            "\"origin\", \"earnings\"]",
            "\"origin\", \"earnings\"]\npopulation = { description = \"all workers\", working_age = true }\ncovers = \"non-citizens\"",
            "source.covers",
            "citizenship",
        ),
    ];
    for (from, to, key, fix) in edits {
        let dir = round_of(&case);
        let spec = dir.path().join("sources/idn.toml");
        let original = fs::read_to_string(&spec).expect("spec");
        assert!(original.contains(from), "{from}");
        fs::write(&spec, original.replacen(from, to, 1)).expect("edit");
        let output = ilms(dir.path(), &["check"]);
        assert_clean_failure(&output, "idn.toml", key);
        assert!(
            text(&output.stderr).contains(fix),
            "{key}: {}",
            text(&output.stderr)
        );
    }
    // Footnotes declared for a block of the sheet without notes under the table.
    let case = corpus()
        .into_iter()
        .find(|c| c.ends_with("thousands_xlsx"))
        .expect("case");
    let dir = round_of(&case);
    let spec = dir.path().join("sources/thousands.toml");
    let original = fs::read_to_string(&spec).expect("spec");
    fs::write(
        &spec,
        original.replacen("header_row = 3", "header_row = 3\ncells = \"A1:C5\"", 1),
    )
    .expect("edit");
    let output = ilms(dir.path(), &["check"]);
    assert_clean_failure(&output, "thousands.toml", "file.footnotes");
    assert!(
        text(&output.stderr).contains("no notes under the table"),
        "{}",
        text(&output.stderr)
    );
}
