//! Mutation fuzzing of the readers and of the spec, rule and policy parsers, within a short budget.
//!
//! The corpus is committed: the format fixtures (`tests/fixtures/formats/raw/`: delimited text in
//! four encodings, xlsx, xls, dta 114-119, sav, zsav, parquet) and the sample round's specs and
//! rules. Each execution mutates one input (bits flipped, bytes set to edge values, ranges deleted,
//! duplicated or cut short; inside an .xlsx, its sheet's XML) with a seeded generator and reads it
//! as `ilms inspect` or `ilms check` would. Any outcome but a value or an `ilms::Error` (a panic, an
//! abort, a stack overflow) fails the test; before each execution the input is written to
//! `target/tmp/fuzz-last-input.*`, so a crash that kills the process can be replayed. .xls inputs
//! (the intact fixture and the damaged files fuzz runs found, `tests/fixtures/crashes/`) are read
//! by the `ilms inspect` binary under a 4 GB memory limit, so that an abort fails the test instead
//! of ending it. Runs per target: `ILMS_FUZZ_RUNS` (default 150); seed: `ILMS_FUZZ_SEED` (default 1).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod common;
use common::Round;

/// A small, seeded xorshift generator: the same seed gives the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to four mutations of `input`.
fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..=rng.below(4) {
        if bytes.is_empty() {
            bytes.push(rng.next() as u8);
        }
        let at = rng.below(bytes.len());
        match rng.below(6) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = [0x00, 0xff, 0x7f, 0x80, b'"', b',', b'\n'][rng.below(7)],
            2 => {
                let end = (at + 1 + rng.below(64)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + 1 + rng.below(256)).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                bytes.splice(at..at, chunk);
            }
            4 => bytes.truncate(at),
            _ => {
                let value = (rng.next() as u32).to_le_bytes();
                let end = (at + 4).min(bytes.len());
                bytes.splice(at..end, value);
            }
        }
    }
    bytes
}

/// An .xlsx with its first sheet's XML mutated (a mutation of the zip itself mostly fails its
/// checksum before any parsing).
fn mutate_xlsx_sheet(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(input)).expect("fixture xlsx");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).expect("part");
        let name = part.name().expect("part name").to_string();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).expect("read part");
        if name == "xl/worksheets/sheet1.xml" {
            bytes = mutate(&bytes, rng);
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start part");
        out.write_all(&bytes).expect("write part");
    }
    out.finish().expect("finish zip").into_inner()
}

fn last_input(extension: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-last-input.{extension}"))
}

fn runs() -> usize {
    std::env::var("ILMS_FUZZ_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

fn seed() -> u64 {
    std::env::var("ILMS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// Read every mutation of one fixture as `ilms inspect` does; returns (executions, errors).
fn fuzz_reader(fixture: &str, rng: &mut Rng) -> (usize, usize) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/raw");
    let input = fs::read(source.join(fixture)).expect("fixture");
    let extension = fixture.rsplit('.').next().expect("extension");
    let path = last_input(extension);
    let mut errors = 0;
    for run in 0..runs() {
        let mutated = if extension == "xlsx" && run % 2 == 0 {
            mutate_xlsx_sheet(&input, rng)
        } else {
            mutate(&input, rng)
        };
        fs::write(&path, &mutated).expect("write the input");
        let options = ilms::inspect::InspectOptions {
            path: path.clone(),
            format: ilms::spec::FileFormat::from_extension(Path::new(fixture)),
            encoding: Some(encoding_of(fixture)),
            delimiter: Some(
                match fixture {
                    "lfs_bom_semicolon.csv" => ";",
                    "lfs_utf16.tsv" => "\t",
                    _ => ",",
                }
                .into(),
            ),
            sheet: None,
            header_row: Some(1),
            header_rows: 1,
            values: 3,
            sample_rows: 1000,
            show_identifiers: false,
        };
        let outcome = std::panic::catch_unwind(|| ilms::inspect::inspect(&options));
        match outcome {
            Ok(Ok(_)) => {}
            Ok(Err(_)) => errors += 1,
            Err(_) => panic!(
                "{fixture}: run {run} (seed {}) panicked; the input is in {}",
                seed(),
                path.display()
            ),
        }
    }
    (runs(), errors)
}

fn encoding_of(fixture: &str) -> ilms::spec::TextEncoding {
    use ilms::spec::TextEncoding;
    match fixture {
        "lfs_cp1252.csv" => TextEncoding::Windows1252,
        "lfs_utf16.tsv" => TextEncoding::Utf16Le,
        _ => TextEncoding::Utf8,
    }
}

#[test]
fn every_reader_survives_mutated_files_with_a_value_or_an_error() {
    let mut rng = Rng(seed().wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let started = Instant::now();
    let mut summary = Vec::new();
    for fixture in [
        "lfs.csv",
        "lfs_bom_semicolon.csv",
        "lfs_cp1252.csv",
        "lfs_utf16.tsv",
        "lfs.txt",
        "lfs.xlsx",
        "lfs_114.dta",
        "lfs_118.dta",
        "lfs.sav",
        "lfs.zsav",
        "lfs.parquet",
    ] {
        let (executions, errors) = fuzz_reader(fixture, &mut rng);
        summary.push(format!(
            "{fixture}: {executions} runs, {errors} clean errors"
        ));
    }
    eprintln!(
        "readers fuzzed in {:.1} s (seed {}): {}",
        started.elapsed().as_secs_f64(),
        seed(),
        summary.join("; ")
    );
}

/// An .xls inspection still running after this long is taken as a hang (an intact one takes
/// about a second in a debug build).
const HANG_SECONDS: u32 = 120;

/// Each mutation of an .xls read by `ilms inspect` in a process of its own under a 4 GB
/// address-space limit and a time limit: exit 0 or 1 is a value or a clean error; anything else
/// (an abort, a signal, a panic's 101, `timeout`'s 124 for a hang) is a crash.
#[cfg(unix)]
#[test]
fn the_xls_reader_survives_mutated_files_with_a_value_or_an_error() {
    let mut rng = Rng(seed().wrapping_mul(0x94d0_49bb_1331_11eb) | 1);
    let started = Instant::now();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut summary = Vec::new();
    for fixture in [
        "tests/fixtures/formats/raw/lfs.xls",
        "tests/fixtures/crashes/xls_claims_a_huge_sheet.xls",
    ] {
        let input = fs::read(repo.join(fixture)).expect("fixture");
        let path = last_input("xls");
        let mut errors = 0;
        for run in 0..runs() {
            fs::write(&path, mutate(&input, &mut rng)).expect("write the input");
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "ulimit -v 4000000; exec timeout {HANG_SECONDS} '{}' inspect '{}'",
                    env!("CARGO_BIN_EXE_ilms"),
                    path.display()
                ))
                .output()
                .expect("sh");
            match output.status.code() {
                Some(0) => {}
                Some(1) => errors += 1,
                _ => panic!(
                    "{fixture}: run {run} (seed {}) crashed ({}): {}; the input is in {}",
                    seed(),
                    output.status,
                    String::from_utf8_lossy(&output.stderr),
                    path.display()
                ),
            }
        }
        summary.push(format!("{fixture}: {} runs, {errors} clean errors", runs()));
    }
    eprintln!(
        "xls fuzzed in {:.1} s (seed {}): {}",
        started.elapsed().as_secs_f64(),
        seed(),
        summary.join("; ")
    );
}

#[test]
fn the_spec_and_rule_parsers_survive_mutated_files_with_a_value_or_an_error() {
    let mut rng = Rng(seed().wrapping_mul(0xbf58_476d_1ce4_e5b9) | 1);
    let round = Round::sample();
    let started = Instant::now();
    let mut summary = Vec::new();
    for file in [
        "schemas/sources/khm_outflows_2024.toml",
        "schemas/sources/mys_lfs_2024.toml",
        "schemas/rules/records.toml",
        "schemas/disclosure.toml",
    ] {
        let path = round.path(file);
        let original = fs::read(&path).expect("round file");
        let mut errors = 0;
        let runs = runs() / 3;
        for run in 0..runs {
            let mutated = mutate(&original, &mut rng);
            fs::write(&path, &mutated).expect("write the input");
            fs::write(last_input("toml"), &mutated).expect("keep the input");
            let manifest = round.path("ilms.toml");
            match std::panic::catch_unwind(|| ilms::Round::load(&manifest)) {
                Ok(Ok(_)) => {}
                Ok(Err(_)) => errors += 1,
                Err(_) => panic!("{file}: run {run} (seed {}) panicked", seed()),
            }
        }
        fs::write(&path, &original).expect("restore");
        summary.push(format!("{file}: {runs} runs, {errors} clean errors"));
    }
    eprintln!(
        "parsers fuzzed in {:.1} s (seed {}): {}",
        started.elapsed().as_secs_f64(),
        seed(),
        summary.join("; ")
    );
}
