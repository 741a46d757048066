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
    assert_python_check("crosscheck.py", round_dir, "crosscheck ok");
}

/// Run one of the Python checks in tests/ on a finished round folder; it must print `ok`.
pub fn assert_python_check(script: &str, round_dir: &Path, ok: &str) {
    assert_python_check_with(script, &[round_dir.as_os_str()], ok);
}

/// Run a Python check in tests/ with these arguments; it must succeed and print `ok`.
pub fn assert_python_check_with(script: &str, args: &[&std::ffi::OsStr], ok: &str) {
    let check = python()
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests")
                .join(script),
        )
        .args(args)
        .output()
        .expect("python3 must be installed (see tests/requirements.txt)");
    assert!(
        check.status.success(),
        "{script} failed (pip install -r tests/requirements.txt if modules are missing):\n{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
    assert!(text(&check.stdout).contains(ok), "{}", text(&check.stdout));
}

/// The published indicator cells of a finished round: every part of the Hive-partitioned dataset
/// `processed/indicators/ref_area=../time=../part-0.parquet`, with the two partition columns.
pub fn indicator_cells(round_dir: &Path) -> polars::prelude::DataFrame {
    use polars::prelude::*;
    let mut parts = Vec::new();
    let mut files = Vec::new();
    collect_files(&round_dir.join("processed/indicators"), &mut files);
    for file in files {
        let key = |name: &str| {
            file.ancestors()
                .filter_map(|a| {
                    a.file_name()?
                        .to_str()?
                        .strip_prefix(&format!("{name}="))
                        .map(String::from)
                })
                .next()
                .unwrap_or_else(|| panic!("{}: no {name}= folder", file.display()))
        };
        let frame = ParquetReader::new(fs::File::open(&file).expect("part file"))
            .finish()
            .expect("part file reads");
        let n = frame.height();
        let frame = frame
            .hstack(&[
                Column::new("ref_area".into(), vec![key("ref_area"); n]),
                Column::new("time".into(), vec![key("time"); n]),
            ])
            .expect("add partition columns");
        parts.push(frame.lazy());
    }
    assert!(!parts.is_empty(), "no indicator partitions written");
    concat(parts, UnionArgs::default())
        .and_then(|f| f.collect())
        .expect("concatenate partitions")
}

/// Run the ilms binary in `dir` with `args`.
pub fn ilms_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ilms"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run ilms")
}

pub fn python() -> Command {
    Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()))
}

/// A copy of the repository's round (manifest, schemas, raw files) in a temporary folder.
pub struct Round {
    pub dir: tempfile::TempDir,
}

impl Round {
    pub fn sample() -> Round {
        let dir = tempfile::tempdir().expect("temporary folder");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        fs::copy(repo.join("ilms.toml"), dir.path().join("ilms.toml")).expect("copy manifest");
        copy_tree(&repo.join("schemas"), &dir.path().join("schemas"));
        copy_tree(&repo.join("raw"), &dir.path().join("raw"));
        Round { dir }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn ilms(&self, args: &[&str]) -> Output {
        ilms_in(self.dir.path(), args)
    }

    /// Replace `from` by `to` in a file of the round (the replacement must happen).
    pub fn edit(&self, relative: &str, from: &str, to: &str) {
        let path = self.path(relative);
        let text = fs::read_to_string(&path).expect("read file to edit");
        assert!(text.contains(from), "{relative} does not contain {from:?}");
        fs::write(&path, text.replacen(from, to, 1)).expect("write edited file");
    }

    /// Every file under processed/ and charts/, with its bytes.
    pub fn outputs(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        for folder in ["processed", "charts"] {
            collect_files(&self.path(folder), &mut files);
        }
        files.sort();
        files
            .into_iter()
            .map(|p| (p.clone(), fs::read(&p).expect("read output")))
            .collect()
    }
}

/// The current release under `root` (which holds `releases/`) is whole: its processed/ and
/// charts/ hold exactly the files its release.json lists, each with the listed size and SHA-256,
/// and no unfinished release is current. Returns the release's id.
pub fn assert_whole_release(root: &Path) -> String {
    use sha2::{Digest, Sha256};
    let current = root.join("releases/current");
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(current.join("release.json"))
            .expect("release.json of the current release"),
    )
    .expect("release.json parses");
    let mut listed: Vec<(String, u64, String)> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["bytes"].as_u64().expect("bytes"),
                f["sha256"].as_str().expect("sha256").to_string(),
            )
        })
        .collect();
    listed.sort();
    let mut found = Vec::new();
    for folder in ["processed", "charts"] {
        collect_files(&current.join(folder), &mut found);
    }
    let mut present: Vec<(String, u64, String)> = found
        .iter()
        .map(|path| {
            let bytes = fs::read(path).expect("read a released file");
            let relative = path.strip_prefix(&current).expect("inside the release");
            (
                relative.to_string_lossy().to_string(),
                bytes.len() as u64,
                format!("{:x}", Sha256::digest(&bytes)),
            )
        })
        .collect();
    present.sort();
    assert!(!listed.is_empty(), "the release lists no files");
    assert_eq!(
        present, listed,
        "the current release differs from its release.json"
    );
    let id = manifest["id"].as_str().expect("id").to_string();
    let target = fs::read_link(&current).expect("current is a link");
    assert_eq!(
        target,
        PathBuf::from(&id),
        "current points at another release"
    );
    id
}
