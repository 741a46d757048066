//! The command line's habits (issue 21), as users of ripgrep, cargo and uv expect them: `ilms`
//! alone prints help and runs nothing; `--quiet` prints only errors; `--json` gives a summary a
//! script can read; `check` and `run` list every broken spec, not only the first.

use std::fs;
use std::process::{Command, Output};

mod common;
use common::{assert_clean_failure, text, Round};

/// A command that succeeded and printed nothing at all.
fn assert_silent_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        text(&output.stderr)
    );
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "{what} --quiet printed:\n{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Standard output parsed as JSON.
fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\nstderr:\n{}",
            text(&output.stdout),
            text(&output.stderr)
        )
    })
}

#[test]
fn every_command_with_quiet_says_so_in_its_help_with_examples() {
    let round = Round::sample();
    for command in [
        "run", "check", "validate", "table", "diff", "generate", "protect",
    ] {
        let output = round.ilms(&[command, "--help"]);
        let help = text(&output.stdout);
        assert!(output.status.success(), "{command} --help");
        assert!(
            help.contains("-q, --quiet") && help.contains("Examples:"),
            "{command}:\n{help}"
        );
        if ["run", "check", "validate"].contains(&command) {
            assert!(help.contains("--json"), "{command}:\n{help}");
        }
    }
    assert!(round.outputs().is_empty());
}

/// `ilms` alone, as ripgrep and uv do (a missing command is a usage error): the help on standard
/// error, exit code 2, and the release as it was.
fn assert_alone_prints_usage_and_runs_nothing(round: &Round) {
    let before = round.outputs();
    let releases = || fs::read_dir(round.path("releases")).map_or(0, |r| r.count());
    let kept = releases();
    let output = round.ilms(&[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let help = text(&output.stderr);
    for expected in [
        "Usage: ilms",
        "Commands:",
        "ilms run",
        "check",
        "Examples:",
        "--json",
    ] {
        assert!(help.contains(expected), "no {expected:?} in:\n{help}");
    }
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    assert_eq!(round.outputs(), before, "ilms alone changed the release");
    assert_eq!(releases(), kept, "ilms alone made a release");
}

#[test]
fn quiet_prints_nothing_on_success_and_only_the_error_on_failure() {
    let round = Round::sample();
    // Without --quiet the run prints its summary (about 150 lines) ...
    let output = round.ilms(&["run", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).lines().count() > 50);
    // ... with it, nothing; a second run makes a second release for diff.
    assert_silent_success(&round.ilms(&["run", "--quiet", "--no-records"]), "run");
    assert!(round.path("processed/indicators_ilostat.csv").is_file());
    assert_silent_success(&round.ilms(&["check", "-q"]), "check");
    assert_silent_success(
        &round.ilms(&["table", "--quiet", "--out", "tables"]),
        "table",
    );
    assert!(round.path("tables/outflow_nationals_2024.xlsx").is_file());
    assert_silent_success(
        &round.ilms(&["diff", "--quiet", "--out", "changes"]),
        "diff",
    );
    assert!(round.path("changes").read_dir().expect("changes").count() > 0);
    assert_silent_success(
        &round.ilms(&["generate", "--rows", "200", "--out", "gen", "--quiet"]),
        "generate",
    );
    assert!(round.path("gen/ilms.toml").is_file());
    assert_alone_prints_usage_and_runs_nothing(&round);

    // The sample round fails error rules on purpose: validate --quiet prints only that error.
    let output = round.ilms(&["validate", "--quiet"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("of severity error failed"),
        "{stderr}"
    );

    // A broken spec: the error, with its file, key and fix, and nothing on standard output.
    round.edit(
        "schemas/sources/mys_lfs_2024.toml",
        "\"2\" = \"F\"",
        "\"2\" = \"W\"",
    );
    for command in ["run", "check"] {
        let output = round.ilms(&[command, "--quiet"]);
        assert_clean_failure(
            &output,
            "schemas/sources/mys_lfs_2024.toml",
            "variables.sex",
        );
        assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    }
}

#[test]
fn json_summaries_parse_and_say_what_the_release_and_the_round_hold() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--json", "--no-records"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let mut report = json(&output);
    assert_eq!(report["ok"], true);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(report["warnings"], serde_json::json!([]));
    // The release named is the current one, and its cells are the rows of its ILOSTAT CSV.
    let current = fs::read_link(round.path("releases/current")).expect("current release");
    assert_eq!(
        report["release"].as_str(),
        current.file_name().and_then(|n| n.to_str())
    );
    let csv = fs::read_to_string(round.path("processed/indicators_ilostat.csv")).expect("csv");
    assert_eq!(
        report["cells"].as_u64(),
        Some(csv.lines().count() as u64 - 1)
    );
    let sources = report["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 18);
    for source in sources {
        let count = |key: &str| source[key].as_u64().expect(key);
        assert!(count("read") > 0, "{source}");
        assert_eq!(count("read"), count("harmonized") + count("quarantined"));
    }
    // The rest is the run log, field for field.
    let object = report.as_object_mut().expect("an object");
    for key in ["ok", "errors", "warnings"] {
        object.remove(key);
    }
    let log: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(round.path("processed/run_log.json")).expect("run log"),
    )
    .expect("run log parses");
    assert_eq!(report, log, "run --json and run_log.json differ");

    let output = round.ilms(&["check", "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let checked = json(&output);
    assert_eq!(checked["ok"], true);
    assert_eq!(checked["errors"], serde_json::json!([]));
    assert_eq!(
        checked["round"]["sources"].as_array().map(Vec::len),
        Some(18)
    );
    assert_eq!(checked["round"]["indicators"], 77);
    assert_eq!(checked["round"]["indicator_tables"], 232);
    assert_eq!(checked["round"]["annual_tables"], 6);

    // A failure is JSON too (exit 1), every problem with where, what and what to do.
    round.edit(
        "schemas/sources/mys_lfs_2024.toml",
        "column = \"JANTINA\"",
        "column = \"SEX\"",
    );
    for command in ["run", "check"] {
        let output = round.ilms(&[command, "--json"]);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
        let failed = json(&output);
        assert_eq!(failed["ok"], false, "{failed}");
        let errors = failed["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{failed}");
        assert_eq!(errors[0]["file"], "schemas/sources/mys_lfs_2024.toml");
        assert_eq!(errors[0]["location"], "variables.sex.column");
        assert!(errors[0]["problem"]
            .as_str()
            .expect("problem")
            .contains("'SEX'"));
        assert!(!errors[0]["fix"].as_str().expect("fix").is_empty());
        assert!(text(&output.stderr).starts_with("error: "));
    }
}

/// The broken specs of `every_broken_spec_is_listed_by_check_and_by_run`: (spec, key).
/// In the manifest's order, which is the order they are reported in.
const BROKEN: [(&str, &str); 4] = [
    ("schemas/sources/mys_lfs_2024.toml", "variables.sex"),
    ("schemas/sources/tha_lfs_2024.toml", "variables.lf_status"),
    ("schemas/sources/sgp_lfs_2024.toml", "variables.sex.column"),
    ("schemas/sources/khm_outflows_2024.toml", "file.path"),
];

#[test]
fn every_broken_spec_is_listed_by_check_and_by_run() {
    let round = Round::sample();
    // A bad code map, a missing column, a bad expression and a missing file, in four specs.
    round.edit(BROKEN[0].0, "\"2\" = \"F\"", "\"2\" = \"W\"");
    round.edit(BROKEN[1].0, "WHEN \"worked\" = ''", "WHEN \"wrked\" = ''");
    round.edit(BROKEN[2].0, "column = \"sex\"", "column = \"gender\"");
    fs::remove_file(round.path("raw/khm_outflows_2024.tsv")).expect("remove raw file");

    for command in ["check", "run"] {
        let output = round.ilms(&[command]);
        let stderr = text(&output.stderr);
        assert_clean_failure(&output, BROKEN[0].0, BROKEN[0].1);
        assert!(
            stderr.starts_with("error: 4 problems found"),
            "{command}:\n{stderr}"
        );
        // Each problem on an `error:` line of its own naming its spec and key, with its fix.
        let problems: Vec<&str> = stderr.split("\nerror: ").skip(1).collect();
        assert_eq!(problems.len(), 4, "{command}:\n{stderr}");
        for ((spec, key), problem) in BROKEN.iter().zip(&problems) {
            assert!(
                problem.starts_with(&format!("{spec}: {key}")) && problem.contains("\n  fix: "),
                "{command}: expected {spec}: {key} in:\n{problem}"
            );
        }
        assert!(problems[1].contains("wrked"), "{}", problems[1]);
        assert!(problems[2].contains("'gender'"), "{}", problems[2]);
        assert!(
            problems[3].contains("raw/khm_outflows_2024.tsv"),
            "{}",
            problems[3]
        );
        assert!(round.outputs().is_empty(), "{command} wrote outputs");
    }
    let output = round.ilms(&["check", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let found = json(&output);
    let errors = found["errors"].as_array().expect("errors");
    let named: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| {
            let file = e["file"].as_str().expect("file");
            let location = e["location"].as_str().expect("location");
            let key = BROKEN
                .iter()
                .find(|(spec, key)| *spec == file && location.starts_with(key))
                .map_or(location, |(_, key)| key);
            (file, key)
        })
        .collect();
    assert_eq!(named, BROKEN.to_vec(), "{found}");
    assert!(found["round"].is_null(), "{found}");
}

#[test]
fn check_lists_every_expression_that_the_raw_values_contradict() {
    // Expressions that compile but do not fit what the raw columns hold are found when check
    // reads the compared columns: each source's problem, not only the first source's.
    let round = Round::sample();
    let tha = "schemas/sources/tha_lfs_2024.toml";
    let sgp = "schemas/sources/sgp_lfs_2024.toml";
    round.edit(
        tha,
        "WHEN \"worked\" = '' THEN ''",
        "WHEN \"worked\" = 'yes' THEN ''",
    );
    round.edit(
        sgp,
        "column = \"lfs\"",
        "expr = \"CASE WHEN \\\"citizenship\\\" > 5 THEN '' ELSE \\\"lfs\\\" END\"",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_ilms"))
        .args(["check"])
        .current_dir(round.dir.path())
        .output()
        .expect("run ilms check");
    assert_clean_failure(&output, tha, ".expr");
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: 2 problems found"), "{stderr}");
    assert!(
        stderr.contains(&format!("\nerror: {tha}: variables.lf_status.expr"))
            && stderr.contains("never holds 'yes'"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("\nerror: {sgp}: variables.lf_status.expr"))
            && stderr.contains("holds values that are not numbers"),
        "{stderr}"
    );
}
