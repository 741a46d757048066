//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test crate uses its own subset

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create folder");
    for entry in fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy file");
        }
    }
}

pub fn collect_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.path().is_dir() {
            collect_files(&entry.path(), into);
        } else {
            into.push(entry.path());
        }
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A run must have failed cleanly: exit code 1, a message naming `file` and `key` with a fix, no panic.
pub fn assert_clean_failure(output: &Output, file: &str, key: &str) {
    let stderr = text(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "exit code; stderr:\n{stderr}"
    );
    assert!(stderr.starts_with("error: "), "stderr:\n{stderr}");
    assert!(
        stderr.contains(file),
        "message should name {file}:\n{stderr}"
    );
    assert!(stderr.contains(key), "message should name {key}:\n{stderr}");
    assert!(
        stderr.contains("fix: "),
        "message should say what to do:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
}

/// Run the independent DuckDB cross-check (tests/crosscheck.py) on a finished round folder.
pub fn assert_crosscheck(round_dir: &Path) {
    let check = python()
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crosscheck.py"))
        .arg(round_dir)
        .output()
        .expect("python3 must be installed (see tests/requirements.txt)");
    assert!(
        check.status.success(),
        "independent cross-check failed (pip install -r tests/requirements.txt if modules are missing):\n{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
    assert!(
        text(&check.stdout).contains("crosscheck ok"),
        "{}",
        text(&check.stdout)
    );
}

pub fn python() -> Command {
    Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()))
}
