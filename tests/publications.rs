//! What focal points publish from a round: annual tables (read back with openpyxl), charts (every
//! kind, as PNG and SVG) and the round report (opened in headless Chromium).

mod common;

use common::{assert_clean_failure, assert_python_check, assert_python_check_with, text, Round};
use std::fs;

#[test]
fn annual_tables_read_back_with_openpyxl_match_the_records() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    for stem in [
        "outflow_nationals_2024",
        "stock_migrant_workers_citizenship_2024",
        "stock_migrant_workers_birth_2024",
        "inflow_foreign_workers_2024",
    ] {
        for ext in ["xlsx", "csv", "md"] {
            let file = format!("processed/tables/{stem}.{ext}");
            assert!(round.path(&file).is_file(), "{file} missing");
        }
    }
    assert_python_check("annual_tables.py", round.dir.path(), "annual tables ok");
}

#[test]
fn table_command_takes_a_year_the_latest_year_and_countries() {
    let round = Round::sample();
    assert!(round.ilms(&["run", "--quiet"]).status.success());

    let output = round.ilms(&[
        "table",
        "outflow_nationals",
        "--year",
        "2023",
        "--out",
        "tables",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let markdown = text(&output.stdout);
    assert!(markdown.contains("countries of origin, 2023"), "{markdown}");
    assert!(markdown.contains("| Cambodia | 54,323 |"), "{markdown}");
    assert!(!markdown.contains("Philippines"), "{markdown}");
    assert!(round.path("tables/outflow_nationals_2023.xlsx").is_file());
    // A release is never edited: its tables are the ones `ilms run` wrote.
    assert!(!round
        .path("processed/tables/outflow_nationals_2023.xlsx")
        .exists());

    // The latest year up to 2023 for the listed countries: none for one that reports 2024 only,
    // and a footnote where a country's year is older than the table's.
    let output = round.ilms(&[
        "table",
        "outflow_nationals",
        "--year",
        "2023",
        "--latest",
        "--countries",
        "KHM,LAO,PHL",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let markdown = text(&output.stdout);
    assert!(
        markdown.contains("| Philippines | .. | .. | .. | .. |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("No data for 2023 or an earlier year."),
        "{markdown}"
    );

    let output = round.ilms(&["table", "--year", "2024", "--latest"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let markdown = text(&output.stdout);
    assert!(markdown.contains("Reference year 2021."), "{markdown}");

    let output = round.ilms(&["table", "no_such_table"]);
    assert_clean_failure(&output, "ilms.toml", "");
    assert!(text(&output.stderr).contains("outflow_nationals"));

    let output = round.ilms(&["table", "--indicator", "MNA_OEMP_SEX_CDS_NB"]);
    assert_clean_failure(&output, "ilms.toml", "--keep");
    assert!(text(&output.stderr).contains("\"CDS_DES_TOTAL\""));

    // ILOSTAT's name for the option is taken too; a code the indicator does not have is refused
    // before any cell is read.
    let args = ["table", "--indicator", "MNA_OEMP_SEX_CDS_NB", "--classif1"];
    let output = round.ilms(&[&args[..], &["CDS_DES_TOTL"]].concat());
    assert_clean_failure(&output, "ilms.toml", "--keep");
    assert!(text(&output.stderr).contains("'CDS_DES_TOTL' is not a code"));
    // A code of the indicator that no published cell has: codes that are published are named.
    let output = round.ilms(&[&args[..], &["CDS_DES_ZWE"]].concat());
    assert_clean_failure(&output, "processed/indicators", "MNA_OEMP_SEX_CDS_NB");
    assert!(
        text(&output.stderr).contains("e.g. keep = [\"CDS_DES_TOTAL\"]"),
        "{}",
        text(&output.stderr)
    );

    let output = round.ilms(&["table", "--indicator", "MST_TEMP_SEX_AGE_CCT_RT"]);
    assert_clean_failure(&output, "ilms.toml", "--indicator");
    assert!(text(&output.stderr).contains("not a count"));
}

/// Width and height from a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (be(16), be(20))
}

#[test]
fn every_kind_of_chart_is_drawn_and_not_trivial() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // (file stem, text the SVG must show)
    for (stem, label) in [
        (
            "migrant_employment_by_occupation_sex_isco88_THA_2024_THA_LFS_2024",
            "Elementary occupations",
        ),
        (
            "occupation_migrants_vs_nonmigrants_isco88_THA_2024_THA_LFS_2024",
            "Native-born",
        ),
        (
            "outflow_by_destination_PHL_2024_PHL_DEPLOY_2024",
            "Saudi Arabia",
        ),
        ("migrant_workers_pyramid_SGP_2024_SGP_LFS_2024", "25-34"),
        ("outflow_by_country_2024", "Total (no breakdown by sex)"),
        ("stock_by_country_2024", "Singapore"),
        ("outflow_time_series", "2022"),
    ] {
        let png = fs::read(round.path(&format!("charts/{stem}.png")))
            .unwrap_or_else(|_| panic!("charts/{stem}.png not written"));
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}: PNG signature");
        assert_eq!(png_size(&png), (1400, 900), "{stem}: PNG size");
        assert!(png.len() > 20_000, "{stem}: PNG only {} bytes", png.len());
        let svg = fs::read_to_string(round.path(&format!("charts/{stem}.svg")))
            .unwrap_or_else(|_| panic!("charts/{stem}.svg not written"));
        assert!(
            svg.contains("<svg") && svg.contains(label),
            "{stem}: no '{label}'"
        );
        assert!(svg.contains("Source:"), "{stem}: no source line");
        assert!(
            svg.matches("<rect").count() + svg.matches("<circle").count() > 8,
            "{stem}: too few marks"
        );
    }
}

#[test]
fn round_report_opens_in_headless_chromium_without_console_errors() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let screenshot = round.dir.path().join("report.png");
    // Needs playwright (tests/requirements.txt) and Debian's chromium (scripts/test.sh installs it).
    assert_python_check_with(
        "report_page.py",
        &[round.dir.path().as_os_str(), screenshot.as_os_str()],
        "report ok",
    );
    assert!(fs::metadata(&screenshot).expect("screenshot").len() > 200_000);
}
