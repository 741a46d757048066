//! The charts show what the published cells say: one test per kind of chart declared in
//! schemas/charts.toml. The sample round is run once; `tests/chart_check.py` reads each chart's
//! SVG (its texts, bars and points) and the cells (DuckDB over processed/indicators) and compares
//! them: a bar for every published value, its length proportional to it, "not published" for a
//! withheld cell, "not available" only where no cell gives the figure, the total where a source
//! gives no breakdown by sex, labels whole. The PNGs are checked for their size and that their
//! digits are drawn where the font places them.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{assert_python_check_with, text, Round};

/// The sample round, run once for every test of this file.
fn sample_round() -> &'static Round {
    static ROUND: OnceLock<Round> = OnceLock::new();
    ROUND.get_or_init(|| {
        let round = Round::sample();
        let output = round.ilms(&["run", "--quiet"]);
        assert!(
            output.status.success(),
            "ilms run failed:\n{}",
            text(&output.stderr)
        );
        round
    })
}

fn assert_charts_show_the_cells(kind: &str) {
    let round = sample_round();
    assert_python_check_with(
        "chart_check.py",
        &[round.dir.path().as_os_str(), std::ffi::OsStr::new(kind)],
        &format!("charts ok: {kind}"),
    );
}

#[test]
fn bars_by_sex_show_every_published_cell_and_totals_where_sex_is_not_given() {
    assert_charts_show_the_cells("bars_by_sex");
    // Viet Nam's source gives no sex: its by-destination chart draws the totals.
    let svg = std::fs::read_to_string(
        sample_round().path("charts/outflow_by_destination_VNM_2024_VNM_DEPLOY_2024.svg"),
    )
    .expect("Viet Nam's chart by destination");
    assert!(svg.contains("Total (no breakdown by sex)"), "{svg}");
}

#[test]
fn migrants_against_non_migrants_show_every_published_cell() {
    assert_charts_show_the_cells("migrants_vs_nonmigrants");
}

#[test]
fn pyramids_show_every_published_cell() {
    assert_charts_show_the_cells("pyramid");
}

#[test]
fn countries_by_sex_draw_a_total_only_country_as_its_total() {
    assert_charts_show_the_cells("countries_by_sex");
}

#[test]
fn time_series_show_every_published_year() {
    assert_charts_show_the_cells("time_series");
}

#[test]
fn every_svg_has_its_png_of_the_declared_size() {
    let charts = sample_round().path("charts");
    let mut svgs = 0;
    for entry in std::fs::read_dir(&charts).expect("charts folder") {
        let path = entry.expect("chart").path();
        if path.extension().is_some_and(|e| e == "svg") {
            svgs += 1;
            assert_png_size(&path.with_extension("png"), (1400, 900));
        }
    }
    assert!(svgs >= 5, "only {svgs} charts written");
}

/// A PNG's width and height, read from its IHDR chunk.
fn assert_png_size(path: &Path, size: (u32, u32)) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[1..4], b"PNG", "{}", path.display());
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!((word(16), word(20)), size, "{}", path.display());
}
