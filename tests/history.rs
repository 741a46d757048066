//! Release history: `ilms diff` between two releases of a round, checked against an independent
//! comparison of the two releases' Parquet datasets in DuckDB (`tests/diff_check.py`).

mod common;

use common::*;

#[test]
fn diff_lists_cells_added_removed_revised_and_reflagged_as_duckdb_finds_them() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report = std::fs::read_to_string(round.path("processed/report.html")).expect("report");
    assert!(report.contains("The round's first release"), "{report}");
    let output = round.ilms(&["diff"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("nothing to compare"),
        "{}",
        text(&output.stderr)
    );

    // A revised count, a country of origin replaced by another (its cells removed, the other's
    // added), and a stricter reliability threshold (cells re-flagged "U", values unchanged).
    round.edit("raw/mys_permits_2024.csv", "02,L,261", "02,L,262");
    round.edit(
        "raw/mys_permits_2024.csv",
        "07,L,120\n07,P,91",
        "09,L,120\n09,P,91",
    );
    round.edit(
        "schemas/disclosure.toml",
        "unreliable_below = 15",
        "unreliable_below = 20",
    );
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));

    let output = round.ilms(&["diff", "--out", "changes"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary = text(&output.stdout);
    assert!(summary.contains("cells added"), "{summary}");
    assert!(summary.contains("MYS_PERMITS_2024"), "{summary}");
    // The round report's "What changed" says what `ilms diff` says.
    let counts = |line: &str| -> Vec<String> {
        line.split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(String::from)
            .collect()
    };
    let first = summary.lines().next().unwrap_or_default();
    let totals = first.split_once(": ").map_or("", |(_, rest)| rest);
    let report = std::fs::read_to_string(round.path("processed/report.html")).expect("report");
    let said = report
        .lines()
        .find(|l| l.starts_with("<p>Since release"))
        .and_then(|l| l.split_once(": "))
        .map_or("", |(_, rest)| rest);
    assert_eq!(counts(said)[..4], counts(totals)[..4], "{said} vs {totals}");
    assert!(counts(totals)[..4].iter().any(|n| n != "0"), "{totals}");
    assert_python_check_with(
        "diff_check.py",
        &[
            round.path("releases").as_os_str(),
            round.path("changes").as_os_str(),
        ],
        "diff ok",
    );

    // The same two releases named, and an unknown one refused with the ones kept.
    let releases = round.ilms(&["releases"]);
    let ids: Vec<String> = text(&releases.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|id| id.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    let (new, old) = (&ids[0], &ids[1]);
    let named = round.ilms(&["diff", old, new, "--csv"]);
    let default = round.ilms(&["diff", "--csv"]);
    assert!(named.status.success(), "{}", text(&named.stderr));
    assert_eq!(named.stdout, default.stdout);
    assert!(text(&named.stdout)
        .starts_with("ref_area,source,indicator,sex,classif1,classif2,time,change"));
    let output = round.ilms(&["diff", "20990101T000000Z-00000000"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains(old.as_str()),
        "{}",
        text(&output.stderr)
    );
}
