//! Hardening (issues 19 and 23): an .xls cell past the sheet's last column (the second damaged
//! .xls the fuzz run found) is refused, and a wide table is inspected within a memory limit; `ilms query`'s limits are decided by the library, which returns an
//! error, not by a process exit inside it; record ids are HMAC-SHA256 from the `hmac` crate, the
//! same as the hand-written code they replace.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;
use common::{assert_clean_failure, text};

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// `ilms inspect <path>` under a 4 GB address-space limit (a reader that grows fails, not the
/// machine), ended after `seconds`.
fn inspect_bounded(path: &Path, seconds: u32) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 4000000; exec timeout {seconds} '{}' inspect '{}'",
            env!("CARGO_BIN_EXE_ilms"),
            path.display()
        ))
        .output()
        .expect("sh")
}

/// The fixture `lfs.xls` with the column of one NUMBER record (row 196, stream offset 29,741:
/// file offset 30,259) set to `column` (0-based).
fn lfs_xls_with_a_cell_at_column(column: u16, dir: &Path) -> PathBuf {
    let mut bytes = fs::read(repo("tests/fixtures/formats/raw/lfs.xls")).expect("fixture");
    let at = 512 + 29_741 + 4 + 2;
    assert_eq!(&bytes[at - 6..at - 4], &[0x03, 0x02], "a NUMBER record");
    assert_eq!(&bytes[at..at + 2], &[8, 0], "in column 9");
    bytes[at..at + 2].copy_from_slice(&column.to_le_bytes());
    let path = dir.join(format!("column_{column}.xls"));
    fs::write(&path, bytes).expect("write");
    path
}

#[cfg(unix)]
#[test]
fn an_xls_cell_past_the_last_column_is_refused_and_wide_tables_are_inspected_in_bounded_memory() {
    // The file the fuzz run kept: one bit flipped in a cell's column (9 -> 4105). It made the
    // table 4,105 columns wide; `ilms inspect` then grew past 2.5 GB planning its queries.
    let crash = repo("tests/fixtures/crashes/xls_mutated_seed1_run72_grows_without_end.xls");
    let output = inspect_bounded(&crash, 300);
    assert_clean_failure(
        &output,
        "xls_mutated_seed1_run72_grows_without_end.xls",
        "sheet 'LFS'",
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("a cell at row 196, column 4105 lies past the last column an .xls sheet can have (256, column IV)"),
        "{stderr}"
    );

    // The class, at its edge: column 257 is refused, column 256 (IV) is a table 256 wide.
    let dir = tempfile::tempdir().expect("temporary folder");
    let past = inspect_bounded(&lfs_xls_with_a_cell_at_column(256, dir.path()), 300);
    assert_clean_failure(&past, "column_256.xls", "row 196, column 257 lies past");
    let last = inspect_bounded(&lfs_xls_with_a_cell_at_column(255, dir.path()), 300);
    assert_eq!(last.status.code(), Some(0), "{}", text(&last.stderr));
    assert!(
        text(&last.stdout).contains("256 columns"),
        "{}",
        text(&last.stdout)
    );

    // A CSV 1,000 columns wide, every cell filled (wide tables are legal in CSV): inspected under
    // the 4 GB limit. Before, 1,000 mostly blank columns took 62 s and 1 GB, and 4,000 filled ones
    // passed 2 GB within 120 s; the time still grows faster than the columns (RELIABILITY.md).
    let columns = 1000;
    let mut csv = (0..columns)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    for row in 0..200 {
        csv.push('\n');
        let cells: Vec<String> = (0..columns)
            .map(|i| ((row * 7 + i) % 10).to_string())
            .collect();
        csv.push_str(&cells.join(","));
    }
    let wide = dir.path().join("wide.csv");
    fs::write(&wide, csv).expect("write");
    let started = Instant::now();
    let output = inspect_bounded(&wide, 600);
    let took = started.elapsed();
    eprintln!("inspect of {columns} columns: {:.1} s", took.as_secs_f64());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("c999"), "every column listed");
    assert!(took < Duration::from_secs(300), "{took:?}");
}

/// A folder of published outputs holding one small table (`coverage.parquet`).
fn processed_with_a_table() -> tempfile::TempDir {
    use polars::prelude::*;
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut frame = df!("raw_code" => ["1", "2", "2"], "records" => [3u64, 4, 5]).expect("frame");
    let file = fs::File::create(dir.path().join("coverage.parquet")).expect("create");
    ParquetWriter::new(file).finish(&mut frame).expect("write");
    dir
}

#[test]
fn query_limits_are_an_error_the_library_returns() {
    use ilms::query::{query_within, QueryLimits, QueryOutput};
    let processed = processed_with_a_table();
    let sql =
        "SELECT raw_code, SUM(records) AS n FROM coverage GROUP BY raw_code ORDER BY raw_code";
    let roomy = QueryLimits {
        timeout: Duration::from_secs(120),
        max_memory: u64::MAX,
    };
    let answer = query_within(processed.path(), sql, QueryOutput::Csv, roomy).expect("answer");
    assert_eq!(answer.replace("\r\n", "\n"), "raw_code,n\n1,3\n2,9\n");

    // Past the memory limit (this process holds more than a byte): an error, and the caller, not
    // the library, decides what happens next (here: the test goes on).
    let tiny = QueryLimits {
        max_memory: 1,
        ..roomy
    };
    if cfg!(target_os = "linux") {
        let error = query_within(processed.path(), sql, QueryOutput::Csv, tiny)
            .expect_err("past the memory limit")
            .to_string();
        assert!(error.contains("more than its limit (0 MiB)"), "{error}");
        assert!(error.contains("--max-memory"), "{error}");
    }
    let late = QueryLimits {
        timeout: Duration::from_nanos(1),
        ..roomy
    };
    let error = query_within(processed.path(), sql, QueryOutput::Csv, late)
        .expect_err("past the time limit")
        .to_string();
    assert!(error.contains("longer than its time limit"), "{error}");
    // A query refused before it runs is refused the same way within limits.
    let error = query_within(
        processed.path(),
        "DROP TABLE coverage",
        QueryOutput::Csv,
        roomy,
    )
    .expect_err("not a query")
    .to_string();
    assert!(error.contains("is not a query"), "{error}");
}

/// The hand-written HMAC-SHA256 that `ilms::harmonize::keyed_hash` used before the `hmac` crate
/// (RFC 2104 over `sha2`), kept here as the reference the crate must match byte for byte.
fn hand_written_hmac(key: &[u8], text: &str) -> String {
    use sha2::{Digest, Sha256};
    const BLOCK: usize = 64;
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block_key.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(text.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn keyed(key: &[u8], text: &str) -> String {
    let hasher = ilms::harmonize::keyed_hasher(key).expect("any key length");
    ilms::harmonize::keyed_hash(&hasher, text)
}

#[test]
fn record_ids_are_the_same_hmac_sha256_as_the_hand_written_one() {
    // RFC 4231's test cases whose data is text (2, 3 and 4 are bytes 0xdd / 0xcd, not UTF-8),
    // truncated to 128 bits as record ids are: 1, 2, 6 and 7 (6 and 7: a 131-byte key, hashed
    // first).
    let long_key = [0xaau8; 131];
    for (key, data, expected) in [
        (&[0x0bu8; 20][..], "Hi There", "b0344c61d8db38535ca8afceaf0bf12b"),
        (&b"Jefe"[..], "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c7"),
        (&long_key[..], "Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f"),
        (&long_key[..], "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.", "9b09ffa71b942fcb27635fbcd5b0e944"),
    ] {
        assert_eq!(keyed(key, data), expected, "{data}");
        assert_eq!(hand_written_hmac(key, data), expected, "{data}");
    }
    // Seeded keys of every length from 0 to 200 bytes (below, at and above the 64-byte block)
    // and texts like the identifiers ids are made of.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for length in 0..=200usize {
        let key: Vec<u8> = (0..length).map(|_| next() as u8).collect();
        for text in [
            "",
            "A1234567",
            "P-998877-MYS-2024",
            "é — ü",
            &"x".repeat(300),
        ] {
            assert_eq!(
                keyed(&key, text),
                hand_written_hmac(&key, text),
                "key of {length} bytes, {text:?}"
            );
        }
    }
}
