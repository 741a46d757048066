//! The validation conformance corpus (tests/conformance/, made by tools/make_conformance_corpus.py):
//! for each rule type, a round with a VALID and an INVALID source and the counts the rule must
//! report, written by hand. `ilms validate --json` must report exactly those counts, and exit 1 only
//! when a rule of severity error fails.

use std::fs;
use std::path::Path;
use std::process::Command;

mod common;
use common::{copy_tree, text};

#[test]
fn every_rule_type_reports_the_expected_counts_on_valid_and_invalid_data() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = repo.join("tests/conformance");
    let mut cases: Vec<_> = fs::read_dir(&corpus)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let names: Vec<String> = cases
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(String::from))
        .collect();
    for kind in [
        "required",
        "range",
        "pattern",
        "conditional",
        "completeness",
        "domain",
        "uniqueness",
        "source_totals",
    ] {
        assert!(names.iter().any(|n| n == kind), "no case for {kind}");
    }
    for case in &cases {
        let dir = tempfile::tempdir().expect("temporary folder");
        copy_tree(&repo.join("schemas"), &dir.path().join("schemas"));
        copy_tree(case, dir.path());
        let output = Command::new(env!("CARGO_BIN_EXE_ilms"))
            .args(["validate", "--json", "--quiet"])
            .current_dir(dir.path())
            .output()
            .expect("run ilms validate");
        let stderr = text(&output.stderr);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", case.display());
        let results: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
                panic!(
                    "{}: not JSON ({e}): {}{stderr}",
                    case.display(),
                    text(&output.stdout)
                )
            });
        let expected: serde_json::Value =
            serde_json::from_slice(&fs::read(case.join("expected.json")).expect("expected.json"))
                .expect("expected JSON");
        let mut error_failed = false;
        for want in expected.as_array().expect("a list") {
            let got = results
                .as_array()
                .expect("a list")
                .iter()
                .find(|r| r["source_id"] == want["source_id"] && r["rule"] == want["rule"])
                .unwrap_or_else(|| panic!("{}: no result for {want}", case.display()));
            for field in ["items", "passes", "fails", "missing"] {
                assert_eq!(
                    got[field],
                    want[field],
                    "{}: {} on {}: {field}",
                    case.display(),
                    want["rule"],
                    want["source_id"]
                );
            }
            error_failed |= got["severity"] == "error" && got["fails"].as_u64() > Some(0);
        }
        assert_eq!(
            output.status.code(),
            Some(if error_failed { 1 } else { 0 }),
            "{}: exit code; stderr: {stderr}",
            case.display()
        );
        // Nothing published by validate.
        assert!(!dir.path().join("processed").exists(), "{}", case.display());
    }
}
