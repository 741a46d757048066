//! Integration tests: run the `ilms` binary on a copy of the sample round in a temporary folder.

use std::fs;

use std::process::Command;

mod common;
use common::{
    assert_clean_failure, assert_crosscheck, assert_python_check, assert_python_check_with,
    assert_whole_release, python, text, Round,
};

/// Run ilms, expect a clean refusal naming `file` and `key`, and no output written. Returns stderr.
fn assert_refused_and_nothing_written(
    round: &Round,
    args: &[&str],
    file: &str,
    key: &str,
) -> String {
    let output = round.ilms(args);
    assert_clean_failure(&output, file, key);
    assert!(
        round.outputs().is_empty(),
        "outputs written after a failed run"
    );
    text(&output.stderr)
}

#[test]
fn sample_round_publishes_cells_that_match_an_independent_duckdb_computation() {
    let round = Round::sample();
    let output = round.ilms(&["run"]);
    assert!(
        output.status.success(),
        "ilms run failed:\n{}",
        text(&output.stderr)
    );
    let summary = text(&output.stdout);
    assert!(
        summary.contains("MYS_LFS_2024") && summary.contains("published"),
        "{summary}"
    );

    for file in [
        "processed/indicators/ref_area=MYS/time=2024/part-0.parquet",
        "processed/indicators_ilostat.csv",
        "processed/indicators_sdmx.csv",
        "processed/harmonized/MYS_LFS_2024.parquet",
        "processed/quarantine/MYS_LFS_2024.parquet",
        "processed/run_log.json",
    ] {
        assert!(round.path(file).is_file(), "{file} missing");
    }
    // One whole release, current, and nothing unfinished beside it.
    assert_whole_release(round.dir.path());
    let releases: Vec<String> = fs::read_dir(round.path("releases"))
        .expect("releases")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(releases.len(), 2, "{releases:?}");

    assert_audit(round.dir.path());
    assert_python_check("exports.py", round.dir.path(), "exports ok");
    // Flows and stocks between the round's countries, as DuckDB finds them in the cells.
    assert_python_check("coherence_check.py", round.dir.path(), "coherence ok");
    // Means and medians of earnings, against numpy over DuckDB's selection of the records.
    assert_python_check("earnings_check.py", round.dir.path(), "earnings ok");
    assert_disclosure_targets(&round);
}

#[test]
fn a_mean_dominated_by_one_amount_is_withheld_by_the_p_percent_rule() {
    let round = Round::sample();
    let raw = round.path("raw/mys_lfs_2024.csv");
    let content = fs::read_to_string(&raw).expect("raw file");
    // One of the twelve employed non-citizens of a sex not stated (code 9) now earns 9 million a
    // month: the eleven others' amounts are far under 10% of it, so the cells of that group are
    // dominated (the margins over sex are not).
    let target = content
        .lines()
        .find(|l| {
            let f: Vec<&str> = l.split(',').collect();
            f.len() == 10 && f[2] == "9" && !["01", "99"].contains(&f[5]) && !f[9].is_empty()
        })
        .expect("an employed non-citizen of a sex not stated")
        .to_string();
    let (head, _) = target.rsplit_once(',').expect("the earnings column");
    round.edit("raw/mys_lfs_2024.csv", &target, &format!("{head},9000000"));
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_python_check_with(
        "earnings_check.py",
        &[round.dir.path().as_os_str(), "--dominated".as_ref()],
        "earnings ok",
    );
}

/// The cross-check, which also writes the true values of the withheld cells, then the attacker's
/// audit of every withheld cell by linear programming against those values.
fn assert_audit(round_dir: &std::path::Path) {
    let truth = tempfile::tempdir().expect("temporary folder");
    let truth = truth.path().join("truth.parquet");
    assert_python_check_with(
        "crosscheck.py",
        &[round_dir.as_os_str(), "--truth".as_ref(), truth.as_os_str()],
        "crosscheck ok",
    );
    assert_python_check_with(
        "recover.py",
        &[round_dir.as_os_str(), truth.as_os_str()],
        "recover ok",
    );
}

/// The figures users need are published: no headline cell (every breakdown at its total or the
/// migrant category, sex T/M/F) of 15 records or more is withheld, at most 8% of all count cells
/// are, and at most 15% of any microdata source's.
fn assert_disclosure_targets(round: &Round) {
    let log: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(round.path("processed/run_log.json")).expect("run log"),
    )
    .expect("run log is JSON");
    let (mut cells, mut withheld, mut headline) = (0, 0, 0);
    for source in log["sources"].as_array().expect("sources") {
        let d = &source["disclosure"];
        let n = |k: &str| d[k].as_u64().expect(k);
        let source_withheld = n("withheld");
        assert_eq!(n("headline_withheld_reliable"), 0, "{source}");
        if n("cells") > 0 && d["policy"] != "published_table" {
            assert!(
                source_withheld as f64 <= 0.15 * n("cells") as f64,
                "more than 15% withheld: {source}"
            );
        }
        cells += n("cells");
        withheld += source_withheld;
        headline += n("headline_cells");
    }
    assert!(
        headline > 0,
        "no headline cell found: the check proves nothing"
    );
    assert!(withheld > 0, "nothing withheld: the check proves nothing");
    assert!(
        withheld as f64 <= 0.08 * cells as f64,
        "{withheld} of {cells} count cells withheld"
    );
}

#[test]
fn complete_counts_with_not_stated_protected_like_any_cell_pass_the_audit() {
    let round = with_complete_count_policy("complete_count_strict");
    let output = round.ilms(&["run"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("complete_count_strict"));
    assert_audit(round.dir.path());
    assert_disclosure_targets(&round);
    // The pattern does not depend on the number of threads.
    let first = fs::read(round.path("processed/indicators_ilostat.csv")).expect("csv");
    let output = Command::new(env!("CARGO_BIN_EXE_ilms"))
        .args(["run", "--quiet", "--no-records"])
        .current_dir(round.dir.path())
        .env("POLARS_MAX_THREADS", "1")
        .output()
        .expect("run ilms");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let second = fs::read(round.path("processed/indicators_ilostat.csv")).expect("csv");
    assert!(first == second, "one thread gave another pattern");
}

#[test]
fn suppression_pattern_is_no_worse_than_the_anchors_on_their_test_tables() {
    assert_python_check_with(
        "anchors.py",
        &[
            env!("CARGO_BIN_EXE_ilms").as_ref(),
            "--require-best".as_ref(),
        ],
        "anchors ok",
    );
}

#[test]
fn parquet_footer_carries_provenance() {
    let round = Round::sample();
    assert!(round.ilms(&["run", "--quiet"]).status.success());
    let script = r#"
import sys, pyarrow.parquet as pq
meta = pq.read_metadata(sys.argv[1]).metadata
keys = {k.decode(): v.decode() for k, v in meta.items()}
assert keys["ilms:tool"].startswith("ilms "), keys
assert "raw/mys_lfs_2024.csv" in keys["ilms:inputs"], keys["ilms:inputs"]
assert "schemas/sources/mys_lfs_2024.toml" in keys["ilms:specs"], keys["ilms:specs"]
print("ok")
"#;
    let out = python()
        .args(["-c", script])
        .arg(round.path("processed/indicators/ref_area=MYS/time=2024/part-0.parquet"))
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn malformed_spec_is_refused_and_nothing_is_written() {
    let round = Round::sample();
    round.edit("schemas/sources/mys_lfs_2024.toml", "[record]", "[record");
    let stderr = assert_refused_and_nothing_written(
        &round,
        &["run"],
        "schemas/sources/mys_lfs_2024.toml",
        "line ",
    );
    assert!(stderr.contains("malformed spec"));
}

#[test]
fn unknown_column_in_spec_is_refused_with_the_key_and_the_columns_the_file_has() {
    let round = Round::sample();
    round.edit(
        "schemas/sources/mys_lfs_2024.toml",
        "column = \"JANTINA\"",
        "column = \"SEX\"",
    );
    let stderr = assert_refused_and_nothing_written(
        &round,
        &["run"],
        "schemas/sources/mys_lfs_2024.toml",
        "variables.sex.column",
    );
    assert!(stderr.contains("'SEX'") && stderr.contains("JANTINA"));
}

#[test]
fn missing_raw_file_is_refused_and_nothing_is_written() {
    let round = Round::sample();
    fs::remove_file(round.path("raw/mys_lfs_2024.csv")).expect("remove raw file");
    let stderr = assert_refused_and_nothing_written(
        &round,
        &["run"],
        "schemas/sources/mys_lfs_2024.toml",
        "file.path",
    );
    assert!(stderr.contains("raw/mys_lfs_2024.csv"));
}

#[test]
fn a_failed_run_leaves_the_previous_release_intact() {
    let round = Round::sample();
    assert!(round.ilms(&["run", "--quiet"]).status.success());
    let before = round.outputs();
    assert!(!before.is_empty());
    // A map target outside its classification is refused before any record is read.
    round.edit(
        "schemas/sources/mys_lfs_2024.toml",
        "\"2\" = \"F\"",
        "\"2\" = \"W\"",
    );
    let output = round.ilms(&["run"]);
    assert_clean_failure(
        &output,
        "schemas/sources/mys_lfs_2024.toml",
        "variables.sex",
    );
    assert_eq!(round.outputs(), before, "the previous release changed");
}

#[test]
fn map_that_is_not_a_function_is_refused() {
    let round = Round::sample();
    let map = "schemas/classifications/national/mys_lfs_countries.csv";
    let mut text_map = fs::read_to_string(round.path(map)).unwrap();
    text_map.push_str("02,PHL,Duplicate\n");
    fs::write(round.path(map), text_map).unwrap();
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "mys_lfs_2024.toml", "not a function");
}

#[test]
fn unmapped_code_with_error_policy_stops_the_run_naming_row_and_code() {
    let round = Round::sample();
    round.edit(
        "schemas/sources/mys_lfs_2024.toml",
        "\"9\" = \"\" }\nunmapped = \"quarantine\"",
        "\"9\" = \"\" }\nunmapped = \"error\"",
    );
    let stderr = assert_refused_and_nothing_written(
        &round,
        &["run"],
        "raw/mys_lfs_2024.csv",
        "column JANTINA",
    );
    assert!(stderr.contains("row 102 '3'"), "{stderr}");

    // With --keep-going the source is left out (none of its files, its indicators not available
    // with the reason) and the others are published.
    let output = round.ilms(&["run", "--keep-going"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("MYS_LFS_2024") && stdout.contains("not published: the source failed"),
        "{stdout}"
    );
    assert!(!round
        .path("processed/harmonized/MYS_LFS_2024.parquet")
        .exists());
    assert!(!round
        .path("processed/quarantine/MYS_LFS_2024.parquet")
        .exists());
    assert!(round
        .path("processed/harmonized/THA_LFS_2024.parquet")
        .exists());
    let csv = fs::read_to_string(round.path("processed/indicators_ilostat.csv")).expect("csv");
    assert!(csv.contains("THA_LFS_2024"));
    for line in csv.lines().filter(|l| l.contains("MYS_LFS_2024")) {
        assert!(
            line.contains(",2024,,O,") && line.contains(",ilms:source.unprocessed,"),
            "{line}"
        );
    }
    let log = fs::read_to_string(round.path("processed/run_log.json")).expect("log");
    assert!(
        log.contains("not published: the source could not be processed: raw/mys_lfs_2024.csv"),
        "the reason is in the run log"
    );
    let chart = fs::read_to_string(round.path("charts/stock_by_country_2024.svg")).expect("chart");
    assert!(
        chart.contains("Malaysia: not published, the source could not be used"),
        "the chart says why Malaysia has no bars"
    );
}

#[test]
fn check_reads_no_records_and_reports_the_round() {
    let round = Round::sample();
    let output = round.ilms(&["check"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("18 sources, 77 indicators (232 tables), 6 annual tables"),
        "{}",
        text(&output.stdout)
    );
    assert!(round.outputs().is_empty());
}

#[test]
fn bad_indicator_expression_is_refused_at_load_time() {
    let round = Round::sample();
    round.edit(
        "schemas/indicators.toml",
        "value = \"birth_status\"",
        "value = \"birth_stats\"",
    );
    let output = round.ilms(&["check"]);
    assert_clean_failure(
        &output,
        "schemas/indicators.toml",
        "dimensions.CBR_BIR.value",
    );
    assert!(text(&output.stderr).contains("birth_stats"));
}

#[test]
fn an_indicator_by_sex_or_not_as_its_id_says_and_none_without_sex_in_an_annual_table() {
    // ILOSTAT's id says whether an indicator is by sex (_SEX_): a declaration that disagrees is
    // refused where it is written.
    let round = Round::sample();
    round.edit(
        "schemas/indicators.toml",
        "id = \"MST_MEMP_COU_NB\"\nlabel = \"Employed migrants by country of origin\"\npopulation = \"stock\"\n",
        "id = \"MST_MEMP_COU_NB\"\nlabel = \"Employed migrants by country of origin\"\npopulation = \"stock\"\nsex = \"SEX\"\n",
    );
    let output = round.ilms(&["check"]);
    assert_clean_failure(
        &output,
        "schemas/indicators.toml",
        "indicators.MST_MEMP_COU_NB.sex",
    );
    // An annual table shows figures by sex: one naming an indicator without sex is refused.
    let round = Round::sample();
    round.edit(
        "schemas/tables.toml",
        "indicator = \"MNA_OEMP_SEX_CDS_NB\"",
        "indicator = \"MST_MEMP_COU_NB\"",
    );
    let output = round.ilms(&["check"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("published without sex"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn help_shows_examples() {
    let output = Command::new(env!("CARGO_BIN_EXE_ilms"))
        .arg("--help")
        .output()
        .unwrap();
    let help = text(&output.stdout);
    assert!(output.status.success());
    assert!(
        help.contains("Examples:") && help.contains("ilms run"),
        "{help}"
    );
    // `ilms` alone prints the help and touches nothing (it used to run and replace the release).
    let round = Round::sample();
    let output = round.ilms(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("Examples:"),
        "{}",
        text(&output.stderr)
    );
    assert!(round.outputs().is_empty());
}

#[test]
fn generate_is_deterministic_and_its_round_runs_and_cross_checks() {
    let round = Round::sample();
    let gen = |seed: &str, out: &str| {
        let output = round.ilms(&["generate", "--rows", "5000", "--seed", seed, "--out", out]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        fs::read(round.path(&format!("{out}/raw/mys_lfs_2024.csv"))).expect("generated CSV")
    };
    let first = gen("7", "gen-a");
    assert_eq!(first, gen("7", "gen-b"), "same seed, different files");
    assert_ne!(first, gen("8", "gen-c"), "different seeds, same file");
    assert_eq!(text(&first).lines().count(), 5001, "header + 5000 rows");
    assert!(
        round.path("gen-a/raw/mys_lfs_2024.parquet").is_file(),
        "Parquet copy"
    );

    let output = round.ilms(&["run", "--round", "gen-a/ilms.toml", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_crosscheck(&round.path("gen-a"));

    let refused = round.ilms(&["generate", "--rows", "10", "--out", "gen-a"]);
    assert_clean_failure(&refused, "gen-a", "not empty");
}

#[test]
fn no_records_publishes_the_same_cells_without_the_harmonized_records() {
    let with = Round::sample();
    assert!(with.ilms(&["run", "--quiet"]).status.success());
    let without = Round::sample();
    let output = without.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        !without.path("processed/harmonized").exists(),
        "harmonized records written"
    );
    assert!(without
        .path("processed/quarantine/MYS_LFS_2024.parquet")
        .is_file());
    let read = |round: &Round| {
        let script =
            "import sys, pandas as pd; print(pd.read_parquet(sys.argv[1]).to_csv(index=False))";
        let out = python()
            .args(["-c", script])
            .arg(round.path("processed/indicators"))
            .output()
            .expect("python3");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert_eq!(read(&with), read(&without), "cells differ");
}

#[test]
fn quarantine_names_row_record_rule_column_and_raw_value() {
    let round = Round::sample();
    assert!(round.ilms(&["run", "--quiet"]).status.success());
    let script = r#"
import sys, pandas as pd
q = pd.read_parquet(sys.argv[1]).sort_values("source_row")
rows = [tuple(r) for r in q[["source_row", "record_id", "rule", "column", "raw_value"]].itertuples(index=False)]
print(rows)
assert rows == [
    (102, "H00033-1", "unmapped_code.sex", "JANTINA", "3"),
    (2025, "H00675-2", "unmapped_code.occupation", "PEKERJAAN", "7777"),
    (3334, "H01139-3", "required.weight", "PEMBERAT", ""),
], rows
assert q["message"].str.len().min() > 20
"#;
    assert_python_snippet(
        script,
        &round.path("processed/quarantine/MYS_LFS_2024.parquet"),
    );
}

#[test]
fn blank_or_impossible_age_is_quarantined_not_silently_left_out() {
    let round = Round::sample();
    // Data rows 1 and 2 of the file (lines 2 and 3) are employed persons aged 28 and 35.
    round.edit("raw/mys_lfs_2024.csv", "H00001,1,2,28,", "H00001,1,2,,");
    round.edit("raw/mys_lfs_2024.csv", "H00001,2,2,35,", "H00001,2,2,135,");
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let script = r#"
import sys, pandas as pd
q = pd.read_parquet(sys.argv[1])
age = q[q.rule == "range.age"].sort_values("source_row")
assert list(zip(age.source_row, age.raw_value)) == [(1, ""), (2, "135")], age
"#;
    assert_python_snippet(
        script,
        &round.path("processed/quarantine/MYS_LFS_2024.parquet"),
    );
    assert_crosscheck(round.dir.path());
}

#[test]
fn query_runs_sql_over_the_published_dataset_and_agrees_with_duckdb() {
    let round = Round::sample();
    assert!(round.ilms(&["run", "--quiet"]).status.success());
    let sql =
        "SELECT ref_area, time, obs_value FROM indicators WHERE indicator = 'MNA_OEMP_SEX_CDS_NB' \
               AND sex = 'SEX_T' AND classif1 = 'CDS_DES_TOTAL' ORDER BY ref_area, time";
    let output = round.ilms(&["query", "--csv", sql]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let ours = text(&output.stdout);
    let script = r#"
import sys, duckdb
rows = duckdb.execute(f"""select ref_area, time, obs_value from read_parquet('{sys.argv[1]}/**/*.parquet',
    hive_partitioning = true, hive_types = {{'time': VARCHAR}}) where indicator = 'MNA_OEMP_SEX_CDS_NB'
    and sex = 'SEX_T' and classif1 = 'CDS_DES_TOTAL' order by ref_area, time""").fetchall()
print("ref_area,time,obs_value")
for r in rows: print(f"{r[0]},{r[1]},{r[2]}")
"#;
    let duck = python()
        .args(["-c", script])
        .arg(round.path("processed/indicators"))
        .output()
        .expect("python3");
    assert!(duck.status.success(), "{}", text(&duck.stderr));
    assert_eq!(ours.trim(), text(&duck.stdout).trim());
    assert!(ours.lines().count() > 5, "{ours}");

    // COUNT(*) over the records and quarantine of every source (a union of Parquet files) agrees
    // with DuckDB's count of the same files.
    for (table, folder) in [("records", "harmonized"), ("quarantine", "quarantine")] {
        let output = round.ilms(&[
            "query",
            "--csv",
            &format!("SELECT COUNT(*) AS n FROM {table}"),
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let duck = python()
            .args([
                "-c",
                "import sys, duckdb; print(duckdb.execute(f\"select count(*) from read_parquet('{sys.argv[1]}/*.parquet', union_by_name=true)\").fetchone()[0])",
            ])
            .arg(round.path(&format!("processed/{folder}")))
            .output()
            .expect("python3");
        assert!(duck.status.success(), "{}", text(&duck.stderr));
        assert_eq!(
            text(&output.stdout).trim(),
            format!("n\n{}", text(&duck.stdout).trim())
        );
    }

    let bad = round.ilms(&["query", "SELECT nope FROM indicators"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("nope") && text(&bad.stderr).contains("fix:"));

    // A reader that stops early (`| head`): the output, far larger than a pipe's buffer, ends
    // quietly instead of in a panic.
    let mut early = Command::new(env!("CARGO_BIN_EXE_ilms"))
        .args(["query", "--csv", "SELECT * FROM indicators"])
        .current_dir(round.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run ilms");
    drop(early.stdout.take());
    let early = early.wait_with_output().expect("wait for ilms");
    assert!(early.status.success(), "{}", text(&early.stderr));
    assert!(
        !text(&early.stderr).contains("panicked"),
        "{}",
        text(&early.stderr)
    );
}

#[test]
fn every_ilms_indicator_is_declared_or_listed_with_a_reason() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let log: serde_json::Value =
        serde_json::from_slice(&fs::read(round.path("processed/run_log.json")).expect("run log"))
            .expect("run log JSON");
    let listed = |key: &str| -> std::collections::BTreeSet<String> {
        log[key]
            .as_array()
            .expect(key)
            .iter()
            .map(|v| {
                v.as_str()
                    .or_else(|| v["id"].as_str())
                    .expect("id")
                    .to_string()
            })
            .collect()
    };
    let declared = listed("indicators");
    let not_declared = listed("not_declared");
    assert!(declared.is_disjoint(&not_declared));
    let reference =
        fs::read_to_string(round.path("schemas/classifications/ilms_2019_indicators.csv"))
            .expect("ILMS list");
    let ilms: std::collections::BTreeSet<String> = reference
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("CIC_INDICATOR_CODE"))
        .filter_map(|l| l.split(',').next().map(String::from))
        .filter(|id| !id.is_empty())
        .collect();
    assert_eq!(ilms.len(), 73);
    // The ilms extensions (migrant domestic work, all-age non-citizens) are declared beside the
    // ILMS list, not in it.
    let extensions: std::collections::BTreeSet<String> = [
        "MST_TEMP_SEX_DOM_CBR_NB",
        "MST_TEMP_SEX_DOM_CCT_NB",
        "MNA_OEMP_SEX_DOM_NB",
        "MST_NCTT_SEX_CCT_NB",
    ]
    .map(String::from)
    .into();
    assert!(extensions.is_subset(&declared) && extensions.is_disjoint(&ilms));
    let declared: std::collections::BTreeSet<String> =
        declared.difference(&extensions).cloned().collect();
    let all: std::collections::BTreeSet<String> = declared.union(&not_declared).cloned().collect();
    assert_eq!(all, ilms, "declared + not declared must be the ILMS list");
    assert_eq!(declared.len(), 73);
    for entry in log["not_declared"].as_array().expect("not_declared") {
        assert!(
            entry["reason"].as_str().is_some_and(|r| r.len() > 20),
            "{entry}"
        );
    }
}

/// The sample round with its complete counts (census, registers) under another policy of
/// schemas/disclosure.toml.
fn with_complete_count_policy(policy: &str) -> Round {
    let round = Round::sample();
    let path = round.path("schemas/disclosure.toml");
    let default = std::fs::read_to_string(&path).expect("policy file");
    let changed = default.replace(
        "complete_count = \"complete_count\"",
        &format!("complete_count = \"{policy}\""),
    );
    assert_ne!(
        default, changed,
        "the default line of schemas/disclosure.toml moved"
    );
    std::fs::write(&path, changed).expect("write policy");
    round
}

#[test]
fn complete_counts_by_the_cell_key_method_publish_every_cell_perturbed_the_same_way_each_run() {
    let round = with_complete_count_policy("complete_count_cell_key");
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // Values within the perturbation of DuckDB's, the same quantity the same in every table.
    assert_crosscheck(round.dir.path());
    let log: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(round.path("processed/run_log.json")).expect("run log"),
    )
    .expect("run log is JSON");
    let census = log["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["id"] == "BRN_CENSUS_2021")
        .expect("the census");
    assert_eq!(census["disclosure"]["policy"], "complete_count_cell_key");
    assert_eq!(census["disclosure"]["withheld"], 0);
    let table =
        fs::read_to_string(round.path("processed/tables/stock_migrant_workers_birth_2024.md"))
            .expect("annual table");
    assert!(table.contains("perturbed"), "{table}");
    // The record keys come from the round's secret key: a second run perturbs the same way.
    let first = fs::read(round.path("processed/indicators_ilostat.csv")).expect("csv");
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let second = fs::read(round.path("processed/indicators_ilostat.csv")).expect("csv");
    assert!(first == second, "a second run perturbed differently");
}

#[test]
fn a_biased_perturbation_table_is_refused_naming_the_row() {
    let round = with_complete_count_policy("complete_count_cell_key");
    let path = round.path("schemas/disclosure.toml");
    let text_before = fs::read_to_string(&path).expect("policy file");
    let biased = text_before.replace(
        "probability = [0.05, 0.2, 0.5, 0.2, 0.05]",
        "probability = [0.05, 0.2, 0.4, 0.3, 0.05]",
    );
    assert_ne!(text_before, biased);
    fs::write(&path, biased).expect("write policy");
    let output = round.ilms(&["check"]);
    assert_clean_failure(
        &output,
        "disclosure.toml",
        "policies.complete_count_cell_key.ptable[1]",
    );
    assert!(text(&output.stderr).contains("mean perturbation"));
}

#[test]
fn weights_that_are_not_finite_or_absurdly_large_are_quarantined_not_counted_as_zero() {
    let round = Round::sample();
    round.edit(
        "raw/mys_lfs_2024.csv",
        "H00001,1,2,28,01,01,1,5312,1339.9394",
        "H00001,1,2,28,01,01,1,5312,NaN",
    );
    round.edit(
        "raw/mys_lfs_2024.csv",
        "H00001,2,2,35,01,01,1,3432,1310.8299",
        "H00001,2,2,35,01,01,1,3432,inf",
    );
    let third = fs::read_to_string(round.path("raw/mys_lfs_2024.csv"))
        .expect("raw")
        .lines()
        .nth(3)
        .expect("a third record")
        .to_string();
    // The weight is the ninth column (earnings come after it).
    let mut fields: Vec<&str> = third.split(',').collect();
    fields[8] = "1e300";
    round.edit("raw/mys_lfs_2024.csv", &third, &fields.join(","));
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let script = r#"
import sys, pandas as pd
q = pd.read_parquet(sys.argv[1])
w = q[q.rule == "required.weight"]
assert {(1, "NaN"), (2, "inf"), (3, "1e300")} <= set(zip(w.source_row, w.raw_value)), w[["source_row", "raw_value"]]
"#;
    assert_python_snippet(
        script,
        &round.path("processed/quarantine/MYS_LFS_2024.parquet"),
    );
    assert_crosscheck(round.dir.path());
}

#[test]
fn a_source_with_no_record_is_not_published_as_zeros() {
    let round = Round::sample();
    assert!(round
        .ilms(&["run", "--quiet", "--no-records"])
        .status
        .success());
    let before = fs::read(round.path("processed/indicators_ilostat.csv")).expect("csv");
    // The permits file keeps its header and loses every row.
    fs::write(
        round.path("raw/mys_permits_2024.csv"),
        "WARGANEGARA,JANTINA,PERMIT_BARU\n",
    )
    .expect("write");
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("MYS_PERMITS_2024")
            && stderr.contains("source.quarantined_share")
            && stderr.contains("the file has no record")
            && stderr.contains("--keep-going"),
        "{stderr}"
    );
    let after = fs::read(round.path("processed/indicators_ilostat.csv")).expect("csv");
    assert!(before == after, "a failed run changed the release");

    let output = round.ilms(&["run", "--quiet", "--no-records", "--keep-going"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let csv = fs::read_to_string(round.path("processed/indicators_ilostat.csv")).expect("csv");
    // Its indicators are in the exports as not available (no value, "O"), with the rule it failed.
    let failed: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains("MYS_PERMITS_2024"))
        .collect();
    assert!(!failed.is_empty());
    for line in failed {
        assert!(
            line.contains(",2024,,O,") && line.contains(",ilms:source.quarantined_share,"),
            "{line}"
        );
    }
    assert!(
        csv.contains("MYS_LFS_2024"),
        "the other sources are published"
    );
    let log = fs::read_to_string(round.path("processed/run_log.json")).expect("log");
    assert!(log.contains("not published: the source failed rule source.quarantined_share"));
    // A file with not even a header line cannot be checked: a clear error before any record.
    fs::write(round.path("raw/mys_permits_2024.csv"), "").expect("write");
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "raw/mys_permits_2024.csv", "the file is empty");
    fs::write(
        round.path("raw/mys_permits_2024.csv"),
        "WARGANEGARA,JANTINA,PERMIT_BARU\n",
    )
    .expect("write");
    // The summary does not count the failed source's cells as published.
    let output = round.ilms(&["run", "--no-records", "--keep-going"]);
    let stdout = text(&output.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("MYS_PERMITS_2024")
                && l.contains("not published: the source failed")),
        "{stdout}"
    );
    let table = fs::read_to_string(round.path("processed/tables/inflow_foreign_workers_2024.md"))
        .expect("the inflow table");
    assert!(
        table.contains("| Malaysia | .. | .. | .. | .. |") && table.contains("Not published"),
        "{table}"
    );
}

#[test]
fn the_charts_folder_holds_exactly_the_charts_of_the_current_release() {
    let round = Round::sample();
    // A charts folder of an earlier ilms (a real folder, not a link) is kept as a release of its
    // own; the charts/ users open then shows the current release's charts only.
    fs::create_dir_all(round.path("charts")).expect("charts folder");
    fs::write(round.path("charts/README.md"), "kept\n").expect("readme");
    fs::write(round.path("charts/pyramid_XXX_2019_OLD.svg"), "<svg/>").expect("stale chart");
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(!round.path("charts/pyramid_XXX_2019_OLD.svg").exists());
    assert!(!round.path("charts/README.md").exists());
    assert!(round.path("charts/outflow_by_country_2024.svg").exists());
    let earlier = round.path("releases/0-earlier-outputs/charts");
    assert_eq!(
        fs::read_to_string(earlier.join("README.md")).expect("the earlier README kept"),
        "kept\n"
    );
    assert!(earlier.join("pyramid_XXX_2019_OLD.svg").is_file());
    assert!(fs::symlink_metadata(round.path("charts"))
        .expect("charts")
        .file_type()
        .is_symlink());
    assert_whole_release(round.dir.path());
    let listed = text(&round.ilms(&["releases"]).stdout);
    assert!(
        listed.contains("0-earlier-outputs") && listed.contains("current"),
        "{listed}"
    );
}

/// Run a Python snippet on one file (its path is `sys.argv[1]`); it must succeed.
fn assert_python_snippet(script: &str, file: &std::path::Path) {
    let out = python()
        .args(["-c", script])
        .arg(file)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn expressions_are_checked_against_what_the_raw_columns_hold() {
    let tha = "schemas/sources/tha_lfs_2024.toml";
    let worked_blank = "WHEN \"worked\" = '' THEN ''";
    // (spec, what to replace, by what, what the message must say)
    let cases = [
        (
            tha,
            worked_blank,
            "WHEN \"age\" < '15' THEN ''",
            "text order is not number order",
        ),
        (
            tha,
            worked_blank,
            "WHEN \"worked\" = 'yes' THEN ''",
            "never holds 'yes' (its values: '', '1', '2')",
        ),
        (
            "schemas/sources/sgp_lfs_2024.toml",
            "column = \"lfs\"",
            "expr = \"\"\"CASE WHEN \"lfs\" = 'Employed' THEN '1' ELSE \"lfs\" END\"\"\"",
            "'Employed' is a value label of column 'lfs'; expressions see its codes",
        ),
        (
            "schemas/sources/sgp_lfs_2024.toml",
            "column = \"lfs\"",
            "expr = \"CASE WHEN \\\"citizenship\\\" > 5 THEN '' ELSE \\\"lfs\\\" END\"",
            "compared with the number 5 but holds values that are not numbers: 'BD'",
        ),
    ];
    for (spec, from, to, says) in cases {
        let round = Round::sample();
        round.edit(spec, from, to);
        let output = round.ilms(&["check"]);
        assert_clean_failure(&output, spec, ".expr");
        assert!(
            text(&output.stderr).contains(says),
            "{to}: {}",
            text(&output.stderr)
        );
    }

    // A column compared with a number is read as a number: the check and the run pass, and the
    // comparison is numeric (no record under 18 gets a labour force status).
    let round = Round::sample();
    round.edit(
        tha,
        worked_blank,
        "WHEN \"age\" < 18 OR \"worked\" = '' THEN ''",
    );
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = round.ilms(&[
        "query",
        "--csv",
        "SELECT age, lf_status FROM records WHERE source_id = 'THA_LFS_2024' AND age < 20",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows = text(&output.stdout);
    let (mut young, mut with_status) = (0, 0);
    for line in rows.lines().skip(1) {
        let (age, status) = line.split_once(',').expect("two columns");
        let age: i32 = age.parse().expect("age");
        if age < 18 {
            assert_eq!(status, "", "age {age} has status {status}");
        } else if !status.is_empty() {
            with_status += 1;
        }
        young += 1;
    }
    assert!(young > 1000 && with_status > 100, "{young} {with_status}");
}

#[test]
fn a_blank_cell_of_an_aggregate_table_is_not_available_unless_the_spec_declares_its_nil_marker() {
    let round = Round::sample();
    round.edit("raw/mys_permits_2024.csv", "02,P,97", "02,P,");
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // Women from code 02 (Indonesia) are blank: that cell and every margin it is part of have no
    // value and status "O"; men are published.
    let cells = |round: &Round| {
        let output = round.ilms(&[
            "query",
            "--csv",
            "SELECT sex, classif1, obs_value, obs_status FROM indicators \
             WHERE source = 'FX:MYS_PERMITS_2024' AND indicator = 'MFL_TPOP_SEX_COU_NB' \
             AND classif1 IN ('COU_ORI_TOTAL', 'COU_ORI_IDN') ORDER BY sex, classif1",
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout)
    };
    assert_eq!(
        cells(&round),
        "sex,classif1,obs_value,obs_status\n\
         SEX_F,COU_ORI_IDN,,O\nSEX_F,COU_ORI_TOTAL,,O\n\
         SEX_M,COU_ORI_IDN,0.261,\nSEX_M,COU_ORI_TOTAL,10.763,\n\
         SEX_T,COU_ORI_IDN,,O\nSEX_T,COU_ORI_TOTAL,,O\n"
    );
    let table = fs::read_to_string(round.path("processed/tables/inflow_foreign_workers_2024.md"))
        .expect("the inflow table");
    assert!(
        table.contains("| Malaysia | .. | 10,763 | .. | .. |"),
        "{table}"
    );
    // The run log counts them with the round's other cells not available (sources covering part
    // of the population, breakdowns a source cannot give).
    let count = |sql: &str| {
        let output = round.ilms(&["query", "--csv", sql]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout)
            .lines()
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    let permits =
        "SELECT COUNT(*) FROM indicators WHERE obs_status = 'O' AND source = 'FX:MYS_PERMITS_2024'";
    // Four in the inflow by country of origin, four in the same records by citizenship.
    assert_eq!(count(permits), "8");
    let all = count("SELECT COUNT(*) FROM indicators WHERE obs_status = 'O'");
    let log = fs::read_to_string(round.path("processed/run_log.json")).expect("log");
    assert!(
        log.contains(&format!("\"not_available\": {all}")),
        "the run log counts them ({all})"
    );

    // A dash is not a number: quarantined (and here that is more than 5% of the table).
    round.edit("raw/mys_permits_2024.csv", "02,P,", "02,P,-");
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("required.count")
            || text(&output.stderr).contains("quarantined")
    );
    // Declared as the table's nil marker, the dash is a true zero.
    round.edit(
        "schemas/sources/mys_permits_2024.toml",
        "count = \"PERMIT_BARU\"",
        "count = \"PERMIT_BARU\"\nnil = \"-\"",
    );
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        cells(&round),
        "sex,classif1,obs_value,obs_status\n\
         SEX_F,COU_ORI_IDN,0.0,\nSEX_F,COU_ORI_TOTAL,3.332,\n\
         SEX_M,COU_ORI_IDN,0.261,\nSEX_M,COU_ORI_TOTAL,10.763,\n\
         SEX_T,COU_ORI_IDN,0.261,\nSEX_T,COU_ORI_TOTAL,14.095,\n"
    );
}

#[test]
fn run_source_runs_one_source_alone_and_leaves_the_release_as_it_is() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let before = round.outputs();
    let output = round.ilms(&[
        "run",
        "--no-records",
        "--source",
        "THA_LFS_2024",
        "--out",
        ".ilms/runs/THA_LFS_2024",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains(".ilms/runs/THA_LFS_2024"),
        "{}",
        text(&output.stderr)
    );
    assert!(round.outputs() == before, "the round's release changed");
    // The source alone gives exactly the cells it gives in the whole round.
    let lines = |path: &str| -> Vec<String> {
        let csv = fs::read_to_string(round.path(path)).expect("csv");
        csv.lines()
            .filter(|l| l.contains("THA_LFS_2024"))
            .map(String::from)
            .collect()
    };
    let alone = lines(".ilms/runs/THA_LFS_2024/processed/indicators_ilostat.csv");
    assert!(alone.len() > 1000);
    assert_eq!(alone, lines("processed/indicators_ilostat.csv"));
    let all =
        fs::read_to_string(round.path(".ilms/runs/THA_LFS_2024/processed/indicators_ilostat.csv"))
            .expect("csv");
    assert_eq!(all.lines().count(), alone.len() + 1, "only that source");

    let output = round.ilms(&["run", "--source", "NOPE"]);
    assert_clean_failure(&output, "ilms.toml", "--source");
    assert!(text(&output.stderr).contains("THA_LFS_2024"));
    let output = round.ilms(&["run", "--source", "THA_LFS_2024", "--out", "."]);
    assert_clean_failure(&output, ".", "--out");
    assert!(round.outputs() == before, "the round's release changed");
}

#[test]
fn plausibility_checks_fail_an_empty_universe_and_report_ranges_and_benchmarks() {
    let round = Round::sample();
    // Every employed person mapped to "not stated": the employed universe is empty.
    round.edit(
        "schemas/sources/tha_lfs_2024.toml",
        "OR \"has_job\" = '1' THEN 'EMP'",
        "OR \"has_job\" = '1' THEN ''",
    );
    // The office's employed figure 10% above ours; an unemployment range ours falls outside.
    round.edit(
        "schemas/sources/mys_lfs_2024.toml",
        "value = 19405600",
        "value = 21346000",
    );
    round.edit(
        "schemas/rules/plausibility.toml",
        "min = 0.0\nmax = 40.0",
        "min = 5.0\nmax = 40.0",
    );
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("THA_LFS_2024: the source failed rule plausible.universe_not_empty: no record in the universe of MST_TEMP_SEX_OCU_CBR_NB"),
        "{stderr}"
    );
    let output = round.ilms(&["run", "--quiet", "--no-records", "--keep-going"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let log = fs::read_to_string(round.path("processed/run_log.json")).expect("log");
    for expected in [
        "MST_TEMP_SEX_AGE_CBR_NB SEX_T: ilms 19405614, published 21346000 in LFS 2024 report, table 1 (synthetic): employed persons (-9.09%) — outside the tolerance",
        "MST_TUNE_SEX_AGE_CBR_RT outside 5–40: SEX_T 4.3",
        // A register of permits counts inflows only: returns are outside its scope, not 0.
        "outside the source's scope: its flow is only INFLOW",
    ] {
        assert!(log.contains(expected), "{expected} not in the run log");
    }
    let csv = fs::read_to_string(round.path("processed/indicators_ilostat.csv")).expect("csv");
    assert!(
        !csv.contains("FX:MYS_PERMITS_2024,MNA_XRET"),
        "returns published from permits"
    );
}

#[test]
fn a_source_whose_every_record_is_quarantined_is_not_published_as_zeros() {
    // The map keys on the SPSS value labels; read as codes ("1", "2"), no record's sex is mapped.
    let round = Round::sample();
    round.edit(
        "schemas/sources/tha_lfs_2024.toml",
        "key = \"label\"                          # the map keys on the value labels of the SPSS file\n",
        "",
    );
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("THA_LFS_2024: the source failed rule source.quarantined_share: all 30000 records quarantined"),
        "{stderr}"
    );
    assert!(
        round.outputs().is_empty(),
        "a failed run published something"
    );
    let output = round.ilms(&["run", "--quiet", "--no-records", "--keep-going"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let csv = fs::read_to_string(round.path("processed/indicators_ilostat.csv")).expect("csv");
    let tha: Vec<&str> = csv.lines().filter(|l| l.contains("THA_LFS_2024")).collect();
    assert!(!tha.is_empty());
    for line in tha {
        assert!(
            line.contains(",2024,,O,") && line.contains(",ilms:source.quarantined_share,"),
            "{line}"
        );
    }
    let table = fs::read_to_string(
        round.path("processed/tables/stock_migrant_workers_citizenship_2024.md"),
    )
    .expect("the stock table");
    assert!(
        table.contains("| Thailand | .. | .. | .. | .. |"),
        "{table}"
    );
}

#[test]
fn the_id_key_is_private_long_enough_and_a_second_run_waits_for_the_lock() {
    let round = Round::sample();
    // An empty key (left by a run that hit a full disk) or a short one is refused.
    fs::create_dir_all(round.path(".ilms")).expect("folder");
    fs::write(round.path(".ilms/id_key"), "").expect("key");
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, ".ilms/id_key", "the id key has 0 bytes");
    let output = Command::new(env!("CARGO_BIN_EXE_ilms"))
        .args(["check"])
        .env("ILMS_ID_KEY", "a")
        .current_dir(round.dir.path())
        .output()
        .expect("run ilms");
    assert_clean_failure(&output, "ILMS_ID_KEY", "the id key has 1 bytes");
    // A new key: 64 hex digits, readable by its owner only, in a folder only its owner enters.
    fs::remove_file(round.path(".ilms/id_key")).expect("remove");
    let output = round.ilms(&["check"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let key = fs::read_to_string(round.path(".ilms/id_key")).expect("key");
    assert!(
        key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &str| {
        fs::metadata(round.path(p))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(".ilms/id_key"), 0o600);
    assert_eq!(mode(".ilms"), 0o700);

    // While another process holds the run lock, a run refuses and publishes nothing.
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(round.path(".ilms/run.lock"))
        .expect("lock file");
    lock.try_lock().expect("take the lock");
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert_clean_failure(&output, ".ilms/run.lock", "another ilms run is publishing");
    assert!(round.outputs().is_empty());
    drop(lock);
    let output = round.ilms(&["run", "--quiet", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn personal_identifiers_cannot_be_reached_by_a_pattern_or_left_undeclared() {
    let spec = "schemas/sources/phl_deployments_2024.toml";
    // An expression that would gather the passport numbers through a column pattern.
    let round = Round::sample();
    round.edit(
        spec,
        "[variables.sex]\ncolumn = \"SEX\"",
        "[variables.sex]\nexpr = \"CASE WHEN CONCAT_WS('|', COLUMNS('^PASS.*$')) = '' THEN 'X' ELSE \\\"SEX\\\" END\"",
    );
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, spec, "variables.sex.expr");
    assert!(
        text(&output.stderr).contains("by a pattern"),
        "{}",
        text(&output.stderr)
    );
    // Record-level administrative data must say which columns identify persons.
    let round = Round::sample();
    round.edit(
        spec,
        "identifiers = [\"WORKER_NAME\", \"PASSPORT_NO\"]\n",
        "",
    );
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, spec, "record.identifiers");
    assert!(
        text(&output.stderr).contains("identifiers = []"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn paths_leading_outside_the_round_are_refused_unless_the_manifest_allows_the_folder() {
    let spec = "schemas/sources/khm_outflows_2024.toml";
    let round = Round::sample();
    for hostile in ["/etc/passwd", "../../../../../../etc/passwd"] {
        round.edit(
            spec,
            "path = \"raw/khm_outflows_2024.tsv\"",
            &format!("path = \"{hostile}\""),
        );
        let output = round.ilms(&["check"]);
        assert_clean_failure(&output, spec, "file.path");
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("leads outside the round folder"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("root:"),
            "a line of the file was echoed: {stderr}"
        );
        round.edit(
            spec,
            &format!("path = \"{hostile}\""),
            "path = \"raw/khm_outflows_2024.tsv\"",
        );
    }
    round.edit(
        "ilms.toml",
        "indicators = \"schemas/indicators.toml\"",
        "indicators = \"/etc/hosts\"",
    );
    assert_clean_failure(&round.ilms(&["check"]), "ilms.toml", "round.indicators");
    round.edit(
        "ilms.toml",
        "indicators = \"/etc/hosts\"",
        "indicators = \"schemas/indicators.toml\"",
    );

    // A folder outside the round, named in the manifest, may be read.
    let outside = tempfile::tempdir().expect("outside folder");
    let moved = outside.path().join("khm.tsv");
    fs::rename(round.path("raw/khm_outflows_2024.tsv"), &moved).expect("move the raw file");
    round.edit(
        spec,
        "path = \"raw/khm_outflows_2024.tsv\"",
        &format!("path = \"{}\"", moved.display()),
    );
    assert_clean_failure(&round.ilms(&["check"]), spec, "file.path");
    round.edit(
        "ilms.toml",
        "[round]",
        &format!(
            "[round]\noutside_folders = [\"{}\"]",
            outside.path().display()
        ),
    );
    let output = round.ilms(&["check"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn a_row_with_more_fields_than_the_header_is_named_by_its_row_and_line() {
    let round = Round::sample();
    let path = round.path("raw/mys_lfs_2024.csv");
    let text_before = fs::read_to_string(&path).expect("raw file");
    let mut lines: Vec<String> = text_before.lines().map(String::from).collect();
    lines[99].push_str(",EXTRA");
    fs::write(&path, lines.join("\n") + "\n").expect("write raw file");
    let output = round.ilms(&[
        "run",
        "--quiet",
        "--source",
        "MYS_LFS_2024",
        "--out",
        "trial",
    ]);
    assert_clean_failure(
        &output,
        "raw/mys_lfs_2024.csv",
        "row 99 (line 100 of the file)",
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("11 fields where the header has 10"),
        "{stderr}"
    );
    assert!(!stderr.contains("truncate_ragged_lines"), "{stderr}");
}

#[test]
fn hostile_queries_and_a_mistyped_rules_file_are_refused_with_a_message() {
    let round = Round::sample();
    for (sql, says) in [
        ("SELECT * FROM read_csv('/etc/passwd')", "reads a file"),
        (
            &format!(
                "SELECT * FROM indicators WHERE {}",
                vec!["obs_value = 1"; 3000].join(" OR ")
            ) as &str,
            "more than the 2000 allowed",
        ),
    ] {
        let output = round.ilms(&["query", sql]);
        assert_clean_failure(&output, "processed", says);
    }
    fs::rename(
        round.path("schemas/rules/records.toml"),
        round.path("schemas/rules/records.tmol"),
    )
    .expect("rename");
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "schemas/rules/records.tmol", "not a rules file");
}
