//! `ilms inspect` sniffs a file the way DuckDB's CSV sniffer does (byte-order mark, delimiter,
//! title rows above the header, fixed-width lines) and says what to declare, masking columns that
//! look like personal identifiers; `ilms validate` shows each failing rule's failing values,
//! counted, never an identifier's. Fixtures are written by the tests themselves.

use std::fs;
use std::path::Path;
use std::process::Output;

mod common;
use common::{python, text, Round};

/// `ilms inspect <file> <args>` in `dir`.
fn inspect(dir: &Path, file: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ilms"))
        .arg("inspect")
        .arg(file)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run ilms inspect")
}

/// The standard output of a run that must succeed, without a panic.
fn succeeded(output: &Output) -> String {
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stdout
}

fn assert_contains(shown: &str, expected: &[&str]) {
    for e in expected {
        assert!(shown.contains(e), "missing {e:?} in:\n{shown}");
    }
}

#[test]
fn a_byte_order_mark_and_the_delimiter_are_sniffed_and_declared() {
    let dir = tempfile::tempdir().expect("temporary folder");
    // Excel's "Unicode text": UTF-16LE with a byte-order mark, tab-delimited.
    let rows = "SEX\tDEST\tWORKERS\r\n1\t01\t154\r\n2\t01\t136\r\n1\t02\t77\r\n";
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(rows.encode_utf16().flat_map(|u| u.to_le_bytes()));
    fs::write(dir.path().join("outflows.tsv"), utf16).expect("write fixture");
    let shown = succeeded(&inspect(dir.path(), "outflows.tsv", &[]));
    assert_contains(
        &shown,
        &[
            "a UTF-16LE byte-order mark: declare file.encoding = \"utf-16le\"",
            "tab (3 fields on 4 of 4 lines): declare file.delimiter = \"\\t\"",
            "header: line 1",
            "3 rows, 3 columns",
            "154 (1)",
        ],
    );
    // A UTF-8 byte-order mark (Excel's "CSV UTF-8") before semicolons.
    let mut utf8 = vec![0xef, 0xbb, 0xbf];
    utf8.extend(b"SEXE;AGE;PAYS\n1;25;Pays-Bas\n2;31;Suisse\n");
    fs::write(dir.path().join("semicolons.csv"), utf8).expect("write fixture");
    let shown = succeeded(&inspect(dir.path(), "semicolons.csv", &[]));
    assert_contains(
        &shown,
        &[
            "a UTF-8 byte-order mark: declare file.encoding = \"utf-8\" (the default)",
            "semicolon (3 fields on 3 of 3 lines): declare file.delimiter = \";\"",
            "2 rows, 3 columns",
            "Pays-Bas (1)",
        ],
    );
    // A delimiter given that the lines do not split on is named beside the one they do.
    let given = inspect(dir.path(), "semicolons.csv", &["--delimiter", ","]);
    assert_contains(
        &text(&given.stdout),
        &[
            "the lines split alike on semicolon",
            "not on the given \",\"",
        ],
    );
}

#[test]
fn title_lines_above_a_text_header_are_found_and_the_way_round_them_said() {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(
        dir.path().join("table3.csv"),
        "Table 3. Workers deployed by sex and destination, 2024\r\nSource: ministry records,,\r\n\r\nSEX,DESTINATION,WORKERS\r\nM,MALAYSIA,120\r\nF,MALAYSIA,98\r\nF,\"HONG KONG, CHINA\",41\r\n",
    )
    .expect("write fixture");
    let output = inspect(dir.path(), "table3.csv", &[]);
    let shown = succeeded(&output);
    assert_contains(
        &shown,
        &[
            "header: line 4, below 2 title line(s)",
            "its columns: SEX, DESTINATION, WORKERS",
            "file.header_row is for workbooks",
            "tail -n +4 table3.csv > table.csv",
        ],
    );
    // The title is not taken for the header (the old report's one column "Table 3. ...").
    assert!(!shown.contains("rows, 1 columns"), "{shown}");
}

#[test]
fn a_workbook_header_below_title_rows_is_found_and_read_there() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let made = python()
        .args([
            "-c",
            r#"
import sys, openpyxl
book = openpyxl.Workbook()
sheet = book.active
sheet.title = "Table 3"
sheet["A1"] = "Table 3. Placements by destination and sex, 2024"
sheet["A2"] = "Source: ministry of manpower"
sheet.append([])
for row in [["Destination", "Male", "Female"], ["MALAYSIA", 120, 98], ["TAIWAN", 77, 31], ["JAPAN", 12, 9]]:
    sheet.append(row)
book.save(sys.argv[1])
"#,
        ])
        .arg(dir.path().join("placements.xlsx"))
        .output()
        .expect("python3 with openpyxl (tests/requirements.txt)");
    assert!(made.status.success(), "{}", text(&made.stderr));
    let shown = succeeded(&inspect(dir.path(), "placements.xlsx", &[]));
    assert_contains(
        &shown,
        &[
            "header: sheet row 4, below 2 title row(s)",
            "declare file.header_row = 4",
            "header at sheet row 4",
            "3 rows, 3 columns",
            "MALAYSIA (1)",
        ],
    );
    // Not the old advice to remove a blank row.
    assert!(!shown.contains("blank row"), "{shown}");
    // A header row given is taken as given.
    let given = inspect(dir.path(), "placements.xlsx", &["--header-row", "4"]);
    let given = succeeded(&given);
    assert!(
        given.contains("3 rows, 3 columns") && !given.contains("title row"),
        "{given}"
    );
}

#[test]
fn a_fixed_width_file_is_not_read_as_a_header_and_its_values_are_not_shown() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let records = [
        "0000101M034MYSTAN ALI      5312",
        "0000102F029MYSSITI AMINAH  3432",
        "0000201F041IDNDEWI LESTARI 9111",
        "0000301M025PHLJOSE RIZAL   8322",
    ];
    fs::write(dir.path().join("census.txt"), records.join("\r\n") + "\r\n").expect("write");
    let shown = succeeded(&inspect(dir.path(), "census.txt", &[]));
    assert_contains(
        &shown,
        &[
            "fixed-width text (its first line is a record, not a header)",
            "4 of 4 lines are 31 characters long: fixed-width",
            "declare format = \"fixed_width\"",
            "file.columns",
            // The ruler and the first line's shape: positions without the values.
            "1234567890123456789012345678901",
            "9999999A999AAAAAA.AAA......9999",
        ],
    );
    for record in records {
        let name = &record[14..27];
        assert!(!shown.contains(name.trim()), "{name} shown:\n{shown}");
        assert!(!shown.contains(&record[..7]), "record shown:\n{shown}");
    }
    // Declared fixed-width, the same.
    let declared = inspect(dir.path(), "census.txt", &["--format", "fixed_width"]);
    assert!(succeeded(&declared).contains("declare format = \"fixed_width\""));
}

#[test]
fn columns_that_look_like_personal_identifiers_are_masked_with_the_hint() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut csv = String::from("WORKER_NAME,PASSPORT_NO,DOC_REF,SEX,AGE,DESTINATION\n");
    let mut secrets = Vec::new();
    for i in 0..40u32 {
        let name = format!("Person Number{i:02} Dela Cruz");
        // Passport-like: a letter, seven digits, a letter.
        let passport = format!(
            "P{:07}{}",
            1_234_567 + i * 7919,
            (b'A' + (i % 26) as u8) as char
        );
        // A document number under a header that does not say so: found by its shape.
        let doc = format!("X{:08}", 40_000_000 + i * 104_729);
        csv.push_str(&format!(
            "{name},{passport},{doc},{},{},MALAYSIA\n",
            if i % 2 == 0 { "F" } else { "M" },
            20 + i % 30
        ));
        secrets.extend([name, passport, doc]);
    }
    fs::write(dir.path().join("deployments.csv"), csv).expect("write fixture");
    let shown = succeeded(&inspect(dir.path(), "deployments.csv", &[]));
    assert_contains(
        &shown,
        &[
            "masked (looks like an identifier)",
            "WORKER_NAME (its header)",
            "PASSPORT_NO (its header)",
            "DOC_REF (40 distinct values of 9-9 letters and digits)",
            "identifiers = [\"WORKER_NAME\", \"PASSPORT_NO\", \"DOC_REF\"]",
            "--show-identifiers",
            "MALAYSIA (40)",
        ],
    );
    for secret in &secrets {
        assert!(!shown.contains(secret.as_str()), "{secret} shown:\n{shown}");
    }
    assert_eq!(
        shown.matches("masked (looks like an identifier)").count(),
        3
    );
    let unmasked = succeeded(&inspect(
        dir.path(),
        "deployments.csv",
        &["--show-identifiers"],
    ));
    assert!(unmasked.contains(&secrets[1]), "{unmasked}");
}

/// The sample round with one source only.
fn round_of(spec: &str) -> Round {
    let round = Round::sample();
    fs::write(
        round.path("ilms.toml"),
        format!(
            "[round]\nname = \"one source\"\nsources = [\"schemas/sources/{spec}\"]\nindicators = \"schemas/indicators.toml\"\nclassifications = \"schemas/classifications\"\n\n[output]\nprocessed = \"processed\"\ncharts = \"charts\"\n"
        ),
    )
    .expect("write manifest");
    round
}

/// Replace the `column`-th field of data rows `rows` (1-based) of a CSV of the round.
fn set_field(round: &Round, file: &str, column: usize, rows: &[(usize, &str)]) {
    let path = round.path(file);
    let original = fs::read_to_string(&path).expect("read raw file");
    let mut lines: Vec<String> = original.lines().map(String::from).collect();
    for (row, value) in rows {
        let mut fields: Vec<&str> = lines[*row].split(',').collect();
        fields[column] = value;
        lines[*row] = fields.join(",");
    }
    fs::write(&path, lines.join("\n") + "\n").expect("write raw file");
}

#[test]
fn validate_shows_the_failing_values_counted_in_the_table_json_and_report() {
    let round = round_of("mys_lfs_2024.toml");
    // Ages out of range: 150 once, -3 twice (UMUR is the fourth column).
    set_field(
        &round,
        "raw/mys_lfs_2024.csv",
        3,
        &[(10, "150"), (20, "-3"), (30, "-3")],
    );
    let table = round.ilms(&["validate"]);
    let shown = text(&table.stdout);
    assert_eq!(table.status.code(), Some(1), "{}", text(&table.stderr));
    let line = shown
        .lines()
        .find(|l| l.contains("range.age"))
        .unwrap_or_else(|| panic!("no range.age line:\n{shown}"));
    assert!(
        line.contains("3 of 40001 records fail: UMUR=-3 (2), UMUR=150 (1)"),
        "{line}"
    );
    let json = round.ilms(&["validate", "--json"]);
    let results: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("validate --json parses");
    let age = results
        .as_array()
        .expect("a list of results")
        .iter()
        .find(|r| r["rule"] == "range.age")
        .expect("range.age");
    assert_eq!(age["fails"], 3);
    let values = &age["failing_values"];
    assert_eq!(values["column"], "UMUR");
    assert_eq!(values["distinct"], 2);
    assert_eq!(values["masked"], false);
    assert_eq!(values["top"][0]["value"], "-3");
    assert_eq!(values["top"][0]["records"], 2);
    assert_eq!(values["top"][1]["value"], "150");
    assert_eq!(values["top"][1]["records"], 1);
    // The report of a run carries the same, checked by DuckDB against the raw file.
    let run = round.ilms(&["run", "--quiet", "--keep-going"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let check = python()
        .arg("-c")
        .arg(
            r#"
import duckdb
raw = duckdb.execute("""select UMUR, count(*) from read_csv('raw/mys_lfs_2024.csv', all_varchar=true)
                        where try_cast(UMUR as integer) not between 0 and 120 group by 1
                        order by 2 desc, 1""").fetchall()
want = ", ".join(f"UMUR={v} ({n})" for v, n in raw)
detail = duckdb.execute("""select detail from 'processed/validation.parquet'
                           where rule = 'range.age'""").fetchone()[0]
assert want in detail, (want, detail)
print("ok", want)
"#,
        )
        .current_dir(round.dir.path())
        .output()
        .expect("python3 with duckdb (tests/requirements.txt)");
    assert!(
        text(&check.stdout).starts_with("ok"),
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
}

#[test]
fn validate_counts_but_never_shows_failing_identifiers() {
    let round = round_of("phl_deployments_2024.toml");
    // The same passport twice: every record of the id fails uniqueness.
    let path = round.path("raw/phl_deployments_2024.csv");
    let original = fs::read_to_string(&path).expect("read raw file");
    let second = original.lines().nth(1).expect("a record").to_string();
    fs::write(&path, format!("{original}{second}\n")).expect("write raw file");
    let passport = second.split(',').nth(1).expect("passport").to_string();
    let name = second.split(',').next().expect("name").to_string();
    for args in [&["validate"][..], &["validate", "--json"][..]] {
        let output = round.ilms(args);
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert!(
            stdout.contains("values not shown: PASSPORT_NO holds personal identifiers"),
            "{stdout}{stderr}"
        );
        for secret in [&passport, &name] {
            assert!(
                !stdout.contains(secret.as_str()) && !stderr.contains(secret.as_str()),
                "{secret} shown:\n{stdout}{stderr}"
            );
        }
    }
}
