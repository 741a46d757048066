//! Fault injection: publishing fails, or the process dies, at each step; after each, the current
//! release is whole and is either the previous release, unchanged, or the new one.
//!
//! Needs `--features fault-injection` (scripts/test.sh passes it): `ILMS_FAULT=<step>` fails a
//! step as a full disk or a refused rename would, `ILMS_FAULT=abort:<step>` ends the process there
//! with no clean-up, as kill -9 would. Runs two small sources into a release of their own
//! (`--source ... --out trial`): the same publishing as the round's.
#![cfg(feature = "fault-injection")]

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

mod common;
use common::{assert_whole_release, collect_files, text, Round};

/// The steps of publishing, in order: every file written into the release's own folder, its
/// release.json, the files and folders flushed to disk, the folder renamed to its id (sealed),
/// the `current` link switched.
const STEPS: [&str; 5] = ["write", "manifest", "sync", "seal", "switch"];

fn trial_args() -> Vec<&'static str> {
    vec![
        "run",
        "--quiet",
        "--source",
        "KHM_OUTFLOW_2024",
        "--source",
        "LAO_OUTFLOW_2024",
        "--out",
        "trial",
    ]
}

fn trial_run(round: &Round, fault: Option<&str>) -> Output {
    trial_run_told(round, fault, true)
}

/// The trial run, quiet (only errors) or with its summary on stdout (`quiet` false).
fn trial_run_told(round: &Round, fault: Option<&str>, quiet: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ilms"));
    let args = trial_args()
        .into_iter()
        .filter(|a| quiet || *a != "--quiet");
    command.args(args).current_dir(round.dir.path());
    if let Some(fault) = fault {
        command.env("ILMS_FAULT", fault);
    }
    command.output().expect("run ilms")
}

/// Every file the trial's links show (processed/, charts/, private/), with its bytes; the run
/// log, which names its release, is left out when `with_log` is false.
fn snapshot(round: &Round, with_log: bool) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for folder in ["trial/processed", "trial/charts", "trial/private"] {
        collect_files(&round.path(folder), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .filter(|p| with_log || !p.ends_with("run_log.json"))
        .map(|p| (p.clone(), fs::read(&p).expect("read output")))
        .collect()
}

/// Release folders left in the store (ids, unfinished ones included).
fn release_folders(round: &Round) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(round.path("trial/releases"))
        .expect("releases")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "current")
        .collect();
    names.sort();
    names
}

#[test]
fn a_failed_or_killed_publish_leaves_the_previous_release_whole_and_current() {
    let round = Round::sample();
    let first = trial_run(&round, None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let previous_id = assert_whole_release(&round.path("trial"));
    let previous = snapshot(&round, true);
    // The next release would differ: a new title for one source.
    round.edit(
        "schemas/sources/khm_outflows_2024.toml",
        "title = \"",
        "title = \"Revised: ",
    );

    for step in STEPS {
        for fault in [step.to_string(), format!("abort:{step}")] {
            let output = trial_run(&round, Some(&fault));
            assert!(!output.status.success(), "{fault}: the run succeeded");
            if fault.starts_with("abort:") {
                assert_eq!(output.status.code(), None, "{fault}: not ended by a signal");
            } else {
                assert_eq!(output.status.code(), Some(1), "{fault}");
                let stderr = text(&output.stderr);
                assert!(
                    stderr.contains(&format!("injected fault at {step}")),
                    "{stderr}"
                );
                // A failed run removes what it wrote: nothing but the previous release is left.
                assert_eq!(
                    release_folders(&round),
                    std::slice::from_ref(&previous_id),
                    "{fault}"
                );
            }
            assert_eq!(
                assert_whole_release(&round.path("trial")),
                previous_id,
                "{fault}: another release became current"
            );
            // The public release is untouched; a run killed between the two switches leaves the
            // confidential part one release ahead (checked below).
            assert!(
                public(&snapshot(&round, true)) == public(&previous),
                "{fault}: the release changed"
            );
            if fault != "abort:switch" {
                assert!(
                    snapshot(&round, true) == previous,
                    "{fault}: records changed"
                );
            }
        }
    }
    // The next run, even one that fails, first puts the confidential part back with the release.
    let output = trial_run(&round, Some("write"));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        snapshot(&round, true) == previous,
        "the records were not put back"
    );

    // The next run clears what the killed runs left and publishes the new release.
    let output = trial_run(&round, None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let new_id = assert_whole_release(&round.path("trial"));
    assert_ne!(new_id, previous_id);
    let new = snapshot(&round, false);
    assert!(
        new != snapshot_without_log(&previous),
        "the release did not change"
    );
    let left: Vec<String> = release_folders(&round)
        .into_iter()
        .filter(|n| n.ends_with(".partial") || n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "unfinished releases left: {left:?}");
    assert_eq!(release_folders(&round), [previous_id, new_id]);
}

/// The files of processed/ and charts/ only.
fn public(files: &[(PathBuf, Vec<u8>)]) -> Vec<(PathBuf, Vec<u8>)> {
    files
        .iter()
        .filter(|(p, _)| !p.to_string_lossy().contains("trial/private"))
        .cloned()
        .collect()
}

fn snapshot_without_log(files: &[(PathBuf, Vec<u8>)]) -> Vec<(PathBuf, Vec<u8>)> {
    files
        .iter()
        .filter(|(p, _)| !p.ends_with("run_log.json"))
        .cloned()
        .collect()
}

#[test]
fn old_releases_beyond_the_number_kept_are_removed_and_a_failure_to_remove_one_is_told() {
    let round = Round::sample();
    round.edit("ilms.toml", "[output]", "[output]\nkeep_releases = 2");
    let mut ids = Vec::new();
    for _ in 0..3 {
        let output = trial_run(&round, None);
        assert!(output.status.success(), "{}", text(&output.stderr));
        ids.push(assert_whole_release(&round.path("trial")));
    }
    assert_eq!(release_folders(&round), ids[1..].to_vec());

    // The new release is current even when an old one cannot be removed; the run says which.
    let output = trial_run_told(&round, Some("prune"), false);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("warning:")
            && stdout.contains(&ids[1])
            && stdout.contains("remove it by hand"),
        "{stdout}"
    );
    let id = assert_whole_release(&round.path("trial"));
    assert_eq!(
        release_folders(&round),
        vec![ids[1].clone(), ids[2].clone(), id]
    );

    // A folder in the store not named like a release is never counted or removed.
    fs::create_dir_all(round.path("trial/releases/notes")).expect("a folder of the user's");
    assert!(trial_run(&round, None).status.success());
    assert!(round.path("trial/releases/notes").is_dir());
    // A link the user made where processed/ is shown is not re-pointed.
    fs::remove_file(round.path("trial/processed")).expect("remove the link");
    std::os::unix::fs::symlink("/tmp", round.path("trial/processed"))
        .expect("a link of the user's");
    let output = trial_run(&round, None);
    common::assert_clean_failure(&output, "trial/processed", "not to a current release");
    // Fewer than two releases kept is refused.
    round.edit("ilms.toml", "keep_releases = 2", "keep_releases = 1");
    common::assert_clean_failure(
        &trial_run(&round, None),
        "ilms.toml",
        "output.keep_releases",
    );
}

#[test]
fn kill_9_at_any_moment_of_a_run_leaves_a_whole_release() {
    let round = Round::sample();
    let started = std::time::Instant::now();
    let first = trial_run(&round, None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let run_ms = started.elapsed().as_millis() as u64;
    let previous_id = assert_whole_release(&round.path("trial"));
    // Kill points spread over a run, from its start to past its usual end: wherever the kill
    // lands, the current release is a whole one.
    let mut outcomes = Vec::new();
    for tenth in [1, 3, 5, 7, 8, 9, 10, 11, 13] {
        let delay_ms = run_ms * tenth / 10;
        let mut child = Command::new(env!("CARGO_BIN_EXE_ilms"))
            .args(trial_args())
            .current_dir(round.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ilms");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().expect("wait");
        let id = assert_whole_release(&round.path("trial"));
        outcomes.push((delay_ms, status.success(), id != previous_id));
    }
    eprintln!("kill -9 after (ms, run finished, new release current): {outcomes:?}");
    // Some runs were cut short: the previous release stayed current for those.
    assert!(
        outcomes.iter().any(|(_, finished, _)| !finished),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().all(|(_, finished, new)| !finished || *new),
        "{outcomes:?}"
    );
}

#[test]
fn two_runs_at_once_one_publishes_and_the_other_refuses_with_a_message() {
    let round = Round::sample();
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_ilms"))
            .args(trial_args())
            .current_dir(round.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ilms")
    };
    let (a, b) = (start(), start());
    let outputs = [
        a.wait_with_output().expect("wait"),
        b.wait_with_output().expect("wait"),
    ];
    let published = outputs.iter().filter(|o| o.status.success()).count();
    eprintln!("two runs at once: {published} published");
    assert!(published >= 1, "neither run published");
    for output in outputs.iter().filter(|o| !o.status.success()) {
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("another ilms run is publishing"),
            "{stderr}"
        );
    }
    assert_whole_release(&round.path("trial"));
}
