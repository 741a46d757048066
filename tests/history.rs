//! Release history: `ilms diff` between two releases of a round, checked against an independent
//! comparison of the two releases' Parquet datasets in DuckDB (`tests/diff_check.py`).

mod common;

use common::*;

#[test]
fn diff_lists_cells_added_removed_revised_and_reflagged_as_duckdb_finds_them() {
    let round = Round::sample();
    // A source title with characters HTML gives a meaning to: the report shows them as text.
    round.edit(
        "schemas/sources/brn_census_2021.toml",
        "title = \"Population and Housing Census 2021 (synthetic sample)\"",
        "title = \"Population & Housing Census 2021 <synthetic sample>\"",
    );
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report = std::fs::read_to_string(round.path("processed/report.html")).expect("report");
    assert!(report.contains("The round's first release"), "{report}");
    assert!(report.contains("Population &amp; Housing Census 2021 &lt;synthetic sample&gt;"));
    assert!(!report.contains("<synthetic") && !report.contains("Population & Housing"));
    let output = round.ilms(&["diff"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("nothing to compare"),
        "{}",
        text(&output.stderr)
    );

    // The first release becomes the edition revisions are noted against; two releases are kept
    // besides it.
    let edition = release_ids(&round).pop().expect("a release");
    round.edit(
        "ilms.toml",
        "[output]\n",
        &format!("[output]\nrevised_since = \"{edition}\"\nkeep_releases = 2\n"),
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
        .split("<p>Since release")
        .nth(1)
        .and_then(|p| p.split("</p>").next())
        .and_then(|p| p.split_once(": "))
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

    // Exactly the cells whose value differs from the edition's carry ilms:revised, in every export.
    let releases_dir = round.path("releases");
    let revisions = [releases_dir.as_os_str(), std::ffi::OsStr::new(&edition)];
    assert_python_check_with("revisions_check.py", &revisions, "revisions ok");

    // The same two releases named, and an unknown one refused with the ones kept.
    let ids = release_ids(&round);
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

    // A re-run with nothing changed: the notes stay (they are against the edition, not the release
    // before), and the edition outlives keep_releases.
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_python_check_with("revisions_check.py", &revisions, "revisions ok");
    assert_eq!(release_ids(&round).len(), 3, "two kept and the edition");
    let log = std::fs::read_to_string(round.path("processed/run_log.json")).expect("run log");
    assert!(log.contains(&format!("\"since\": \"{edition}\"")), "{log}");

    // Another edition named, one with the same figures: no source re-runs, and no cell is noted.
    let second = release_ids(&round)[1].clone();
    round.edit("ilms.toml", &edition, &second);
    let passed = passes(&round, &["--no-records"]);
    assert!(ran(&passed).is_empty(), "{:?}", ran(&passed));
    let log = std::fs::read_to_string(round.path("processed/run_log.json")).expect("run log");
    assert!(log.contains("\"revised\": 0"), "{log}");
    let csv = std::fs::read_to_string(round.path("processed/indicators_ilostat.csv")).expect("csv");
    assert!(!csv.contains("ilms:revised"));
    let edition = second;

    // An edition that is not kept is refused before anything runs.
    round.edit("ilms.toml", &edition, "20200101T000000Z-00000000");
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(!output.status.success());
    let said = text(&output.stderr);
    assert!(
        said.contains("output.revised_since") && said.contains("is kept"),
        "{said}"
    );
}

/// The round's kept releases, newest first (as `ilms releases` lists them).
fn release_ids(round: &Round) -> Vec<String> {
    let releases = round.ilms(&["releases"]);
    text(&releases.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|id| id.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

/// Each source's pass in a `ilms run --json`: source id -> "reused" or "ran: <why>".
fn passes(round: &Round, args: &[&str]) -> std::collections::BTreeMap<String, String> {
    let mut full = vec!["run", "--json"];
    full.extend_from_slice(args);
    let output = round.ilms(&full);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("run --json");
    summary["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            let pass = &s["pass"];
            let how = match pass["how"].as_str() {
                Some("ran") => format!("ran: {}", pass["because"].as_str().unwrap_or_default()),
                other => other.unwrap_or_default().to_string(),
            };
            (s["id"].as_str().expect("id").to_string(), how)
        })
        .collect()
}

/// The sources whose pass is not "reused", with why.
fn ran(passes: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    passes
        .iter()
        .filter(|(_, how)| *how != "reused")
        .map(|(id, how)| format!("{id} {how}"))
        .collect()
}

#[test]
fn a_source_whose_inputs_are_unchanged_is_reused_and_the_release_equals_a_full_run() {
    let round = Round::sample();
    let first = passes(&round, &[]);
    assert_eq!(first.len(), 18);
    assert!(
        first.values().all(|h| h == "ran: no earlier release"),
        "{first:?}"
    );
    assert!(ran(&passes(&round, &[])).is_empty(), "nothing changed");

    // A ministry corrects one small source: only it is read again. A copy of the round (its
    // releases included) re-runs everything; both releases must hold the same outputs.
    round.edit("raw/mys_permits_2024.csv", "02,L,261", "02,L,262");
    let full = tempfile::tempdir().expect("temporary folder");
    let copied = std::process::Command::new("cp")
        .args(["-a", "--"])
        .arg(round.dir.path())
        .arg(full.path().join("round"))
        .status()
        .expect("cp");
    assert!(copied.success());
    let full = Round { dir: full };
    let full_root = full.path("round");
    let again = passes(&round, &[]);
    assert_eq!(
        ran(&again),
        ["MYS_PERMITS_2024 ran: changed: raw file"],
        "{again:?}"
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ilms"))
        .args(["run", "--quiet", "--no-reuse"])
        .current_dir(&full_root)
        .output()
        .expect("run ilms");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_whole_release(round.dir.path());
    let releases = |root: &std::path::Path| {
        [
            root.join("releases/current"),
            root.join(".ilms/private-releases/current/private"),
        ]
    };
    let [public, private] = releases(round.dir.path());
    let [full_public, full_private] = releases(&full_root);
    // The incremental release against the full run's (the script exits 1 on any difference).
    assert_python_check_with(
        "../tools/compare_releases.py",
        &[
            public.as_os_str(),
            full_public.as_os_str(),
            "--private".as_ref(),
            private.as_os_str(),
            full_private.as_os_str(),
        ],
        "private:",
    );

    // One source's code map: that source. A code list every source goes through: all of them.
    round.edit(
        "schemas/classifications/national/tha_lfs_status.csv",
        "1,2,Employer",
        "1,2,Employer (own business)",
    );
    assert_eq!(
        ran(&passes(&round, &["--quiet"])),
        ["THA_LFS_2024 ran: changed: code map schemas/classifications/national/tha_lfs_status.csv"]
    );
    round.edit(
        "schemas/classifications/ilms_codes.csv",
        "# origin: ilms.",
        "# origin: ilms (edited).",
    );
    let all = passes(&round, &["--quiet"]);
    assert!(
        all.values().all(|h| h == "ran: changed: code lists"),
        "{all:?}"
    );

    // --source re-runs a source whatever its inputs; the summary says which ran and why.
    let output = round.ilms(&["run", "--source", "THA_LFS_2024"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary = text(&output.stdout);
    let line = |id: &str| {
        summary
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("THA_LFS_2024").ends_with("ran (named with --source)"),
        "{summary}"
    );
    assert!(line("MYS_LFS_2024").contains("reused from 2"), "{summary}");
    assert_crosscheck(round.dir.path());
}
