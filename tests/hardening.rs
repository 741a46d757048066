//! Hardening (issue 19) and `ilms query` (issue 21): every table answers every aggregate as DuckDB
//! does; a query only reads, and ends at its time or memory limit; a damaged .xls that claims a
//! huge sheet, or a zip that understates its sizes, is refused with a message; a link inside a
//! folder the round reads whole may not lead outside the round.
//!
//! Runs with the fault-injection suite (`--features fault-injection`).
#![cfg(feature = "fault-injection")]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{assert_clean_failure, assert_whole_release, python, text, Round};

fn ilms_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ilms"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run ilms")
}

/// Two JSON values equal, floats within a relative 1e-9 (a sum's last bits depend on its order).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Rows in a stable order (a GROUP BY's order is not defined).
fn sorted(rows: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut rows = rows.as_array().expect("an array of rows").clone();
    rows.sort_by_key(|r| r.to_string());
    rows
}

#[test]
fn query_answers_every_aggregate_on_every_table_as_duckdb_does() {
    let round = Round::sample();
    let run = round.ilms(&["run", "--quiet"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let processed = fs::canonicalize(round.path("processed")).expect("processed");
    let reference = python()
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/query_check.py"))
        .arg(&processed)
        .output()
        .expect("python3");
    assert!(reference.status.success(), "{}", text(&reference.stderr));
    let cases: serde_json::Value = serde_json::from_slice(&reference.stdout).expect("JSON");
    let cases = cases.as_array().expect("cases");
    // 5 tables x 4 queries: COUNT(*) alone, numeric and text aggregates, a GROUP BY.
    assert_eq!(cases.len(), 20, "{cases:?}");
    for case in cases {
        let sql = case["sql"].as_str().expect("sql");
        let output = round.ilms(&["query", "--json", sql]);
        assert!(output.status.success(), "{sql}: {}", text(&output.stderr));
        let ours: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{sql}: not JSON ({e}): {}", text(&output.stdout)));
        let (ours, duck) = (sorted(&ours), sorted(&case["rows"]));
        assert!(!duck.is_empty(), "{sql}: no rows");
        assert!(
            ours.len() == duck.len() && ours.iter().zip(&duck).all(|(a, b)| same(a, b)),
            "{sql}:\nilms   {ours:?}\nduckdb {duck:?}"
        );
    }
}

#[test]
fn a_query_only_reads_and_ends_at_its_time_or_memory_limit() {
    let round = Round::sample();
    let run = round.ilms(&["run", "--quiet"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let before = round.outputs();
    for sql in [
        "DROP TABLE indicators",
        "CREATE TABLE x AS SELECT * FROM indicators",
        "INSERT INTO indicators SELECT * FROM indicators",
        "TRUNCATE indicators",
        " -- a comment first\nDELETE FROM records",
        "COPY indicators TO '/tmp/x.csv'",
    ] {
        let output = round.ilms(&["query", sql]);
        assert_clean_failure(&output, "processed", "is not a query");
    }
    let commented = round.ilms(&[
        "query",
        "--csv",
        "/* n */ SELECT COUNT(*) AS n FROM indicators",
    ]);
    assert!(commented.status.success(), "{}", text(&commented.stderr));

    // Past the time limit: exit 1 naming the limit, whatever the query was doing.
    let slow = round.ilms(&[
        "query",
        "--timeout",
        "0.001",
        "SELECT * FROM records ORDER BY record_id",
    ]);
    assert_clean_failure(&slow, "processed", "longer than its time limit (0.001 s)");
    // Past the memory limit (a process holds more than 1 MiB before it reads a row).
    let big = round.ilms(&["query", "--max-memory", "1M", "SELECT * FROM records"]);
    assert_clean_failure(&big, "processed", "more than its limit (1 MiB)");
    for bad in [["--timeout", "0"], ["--max-memory", "lots"]] {
        let output = round.ilms(&["query", bad[0], bad[1], "SELECT 1"]);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
    }
    // Within its limits a query answers; --json gives one object per row.
    let json = round.ilms(&[
        "query",
        "--json",
        "--timeout",
        "120",
        "--max-memory",
        "8G",
        "SELECT sex, COUNT(*) AS n FROM records GROUP BY sex ORDER BY sex",
    ]);
    assert!(json.status.success(), "{}", text(&json.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let rows = rows.as_array().expect("array");
    assert!(rows.len() >= 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r["n"].as_u64().is_some_and(|n| n > 0) && !r["sex"].is_number()),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r["sex"].is_string()), "{rows:?}");

    // Nothing a query did changed the release.
    assert!(round.outputs() == before, "a query changed the release");
    assert_whole_release(round.dir.path());
}

#[test]
fn a_damaged_xls_that_claims_a_huge_sheet_is_refused_within_memory() {
    let crash = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/crashes/xls_claims_a_huge_sheet.xls");
    // Under a 4 GB address-space limit, as the fuzz run that found it (it aborted with exit 134).
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 4000000; exec '{}' inspect '{}'",
            env!("CARGO_BIN_EXE_ilms"),
            crash.display()
        ))
        .output()
        .expect("sh");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("xls_claims_a_huge_sheet.xls")
            && stderr.contains("chain of sectors loops")
            && stderr.contains("fix:")
            && !stderr.contains("panicked"),
        "{stderr}"
    );
    // The intact .xls it was made from still reads.
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/raw/lfs.xls");
    let output = ilms_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["inspect", &good.to_string_lossy()],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn a_zip_that_understates_its_unpacked_size_is_refused() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let book = dir.path().join("liar.xlsx");
    // A valid workbook whose sheet part really unpacks to 3 MB (a long run of empty rows) while the
    // zip's headers say 1,000 bytes: refused by the count before the workbook reader opens it
    // (which would fail later, naming the sheet, not the part).
    let script = r#"
import sys, struct, zipfile, openpyxl
path = sys.argv[1]
wb = openpyxl.Workbook(); ws = wb.active; ws.title = "data"
ws.append(["sex", "count"]); ws.append(["M", 1])
wb.save(path)
with zipfile.ZipFile(path) as z:
    parts = {n: z.read(n) for n in z.namelist()}
sheet = "xl/worksheets/sheet1.xml"
parts[sheet] = parts[sheet].replace(b"</sheetData>", b"<row/>" * 500000 + b"</sheetData>")
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    for n, data in parts.items(): z.writestr(n, data)
raw = bytearray(open(path, "rb").read())
name = sheet.encode()
for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
    at = raw.find(signature)
    while at >= 0:
        if raw[at + name_at:at + name_at + len(name)] == name:
            struct.pack_into("<I", raw, at + size_at, 1000)
        at = raw.find(signature, at + 1)
open(path, "wb").write(raw)
"#;
    let made = python()
        .args(["-c", script])
        .arg(&book)
        .output()
        .expect("python3");
    assert!(made.status.success(), "{}", text(&made.stderr));
    let output = ilms_in(dir.path(), &["inspect", "liar.xlsx"]);
    assert_clean_failure(&output, "liar.xlsx", "as the file declares it (1000 bytes)");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("xl/worksheets/sheet1.xml") && !stderr.contains("sheet 'data'"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_link_inside_a_folder_read_whole_may_not_lead_outside_the_round() {
    let round = Round::sample();
    for (link, key) in [
        ("schemas/rules/stolen.toml", "round.rules"),
        (
            "schemas/classifications/crosswalks/isco88_isco08.csv",
            "round.classifications",
        ),
    ] {
        let path = round.path(link);
        let saved = fs::read(&path).ok();
        let _ = fs::remove_file(&path);
        std::os::unix::fs::symlink("/etc/passwd", &path).expect("link");
        let output = round.ilms(&["check"]);
        assert_clean_failure(&output, "ilms.toml", key);
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("leads outside the round folder"),
            "{stderr}"
        );
        assert!(stderr.contains(link), "{stderr}");
        assert!(
            !stderr.contains("root:"),
            "a line of /etc/passwd quoted: {stderr}"
        );
        // Allowed once the manifest names the folder.
        fs::remove_file(&path).expect("unlink");
        if let Some(bytes) = saved {
            fs::write(&path, bytes).expect("restore");
        }
    }
    let outside = tempfile::tempdir().expect("outside folder");
    let rules = outside.path().join("extra.toml");
    fs::copy(round.path("schemas/rules/records.toml"), &rules).expect("copy");
    fs::rename(
        round.path("schemas/rules/records.toml"),
        round.path("records.toml.away"),
    )
    .expect("move");
    std::os::unix::fs::symlink(&rules, round.path("schemas/rules/records.toml")).expect("link");
    let refused = round.ilms(&["check"]);
    assert_clean_failure(&refused, "ilms.toml", "round.rules");
    let manifest = fs::read_to_string(round.path("ilms.toml")).expect("manifest");
    let allowed = manifest.replacen(
        "[round]\n",
        &format!(
            "[round]\noutside_folders = [{:?}]\n",
            outside.path().to_string_lossy()
        ),
        1,
    );
    assert_ne!(allowed, manifest, "the manifest has no [round] line");
    fs::write(round.path("ilms.toml"), allowed).expect("write manifest");
    let output = round.ilms(&["check"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
}
