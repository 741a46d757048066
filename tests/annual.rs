//! Annual tables a focal point can put in a publication: the reference-period conventions (a year,
//! the latest year up to a year, a period such as "2022/2023"), several years side by side, the
//! region's total row, the round's workbook with its contents sheet, titles and file names that
//! name the category shown, plain-language footnotes; every table read back with openpyxl and
//! checked cell by cell against the published Parquet cells (tests/annual_tables.py).

mod common;

use common::{assert_clean_failure, assert_python_check, assert_python_check_with, text, Round};

#[test]
fn publication_tables_read_back_match_the_published_cells() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(round.path("processed/tables/annual_tables.xlsx").is_file());

    for args in [
        &["outflow_nationals", "--years", "2022-2024"][..],
        &["outflow_nationals", "--period", "2022/2023"],
        &[
            "outflow_nationals",
            "--year",
            "2023",
            "--latest",
            "--countries",
            "KHM,LAO,PHL",
        ],
        &[
            "--indicator",
            "MNA_OEMP_SEX_CDS_NB",
            "--keep",
            "CDS_DES_MYS",
            "--unit",
            "persons",
        ],
    ] {
        let mut all = vec!["table"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--out", "asked", "--quiet"]);
        let output = round.ilms(&all);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(
            output.stdout.is_empty(),
            "--quiet printed {}",
            text(&output.stdout)
        );
    }
    // Two categories never share a file: the destination's table is not the total's.
    for stem in [
        "outflow_nationals_2022-2024",
        "outflow_nationals_2022-2023",
        "outflow_nationals_2023",
        "mna_oemp_sex_cds_nb_cds_des_mys_2024",
    ] {
        for ext in ["xlsx", "csv", "md"] {
            assert!(
                round.path(&format!("asked/{stem}.{ext}")).is_file(),
                "{stem}.{ext}"
            );
        }
    }
    assert_python_check_with(
        "annual_tables.py",
        &[
            round.dir.path().as_os_str(),
            round.path("asked").as_os_str(),
        ],
        "annual tables ok",
    );

    // Source and rule ids only when asked for.
    let plain = text(&round.ilms(&["table", "outflow_nationals"]).stdout);
    let technical = round.ilms(&["table", "outflow_nationals", "--technical-notes"]);
    assert!(technical.status.success(), "{}", text(&technical.stderr));
    let technical = text(&technical.stdout);
    for id in ["FX:IDN_PLACE_2024", "source_totals", "MNA_OEMP_SEX_CDS_NB"] {
        assert!(!plain.contains(id), "{id} in the plain table:\n{plain}");
        assert!(
            technical.contains(id),
            "{id} not in the technical notes:\n{technical}"
        );
    }
    // The workbook total the ministry states and the sum the table shows, with the difference.
    assert!(
        plain.contains("the source says 20601, its parts sum to 20501 (difference 100)")
            && plain.contains("The table shows the sum of the parts."),
        "{plain}"
    );
}

#[test]
fn earlier_years_in_the_shapes_ministries_publish_reach_the_tables() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // Every figure from the raw files (thousands, the stated total, non-citizens only).
    assert_python_check(
        "sample_shapes_check.py",
        round.dir.path(),
        "sample shapes ok",
    );

    // The ministry's stated total is the one shown, with both numbers in its footnote.
    let output = round.ilms(&["table", "outflow_nationals", "--year", "2022"]);
    let table = text(&output.stdout);
    let cambodia = table
        .lines()
        .find(|l| l.starts_with("| Cambodia"))
        .unwrap_or_default();
    assert!(
        cambodia.starts_with("| Cambodia | 64,443 | 38,710 | 24,733 |"),
        "{table}"
    );
    assert!(
        table.contains("the source says 64443, its parts sum to 63443 (difference 1000)")
            && table.contains("The table shows the stated total."),
        "{table}"
    );
    // A workbook's notes under its table, in its own words.
    let output = round.ilms(&["table", "outflow_nationals", "--year", "2023"]);
    let table = text(&output.stdout);
    assert!(
        table.contains("| Myanmar | 2,500 | 1,500 | 1,000 |")
            && table.contains("Note: figures are rounded to the nearest hundred persons")
            && table.contains("Source: Department of Labour, overseas employment statistics"),
        "{table}"
    );
    // A register of non-citizens without age: its year beside the census's, citizens not claimed.
    let output = round.ilms(&[
        "table",
        "stock_migrant_workers_citizenship",
        "--years",
        "2020-2021",
    ]);
    let table = text(&output.stdout);
    assert!(
        table.contains("The source covers non-citizens only")
            && table.contains("gives no age: its persons are taken as of working age."),
        "{table}"
    );
    // A register, then a census: a break in series, footnoted on the row.
    assert!(
        table.contains("Break in series between 2020 and 2021: the type of source changes from \"Other administrative records and related sources\" (2020) to \"Population census\" (2021)"),
        "{table}"
    );
    // Domestic workers: occupations coded to major groups only give no figure (".."), never 0;
    // read from the occupation alone, a figure says it is a lower bound.
    let output = round.ilms(&["table", "outflow_domestic_workers"]);
    let table = text(&output.stdout);
    assert!(
        table.contains("| Lao People's Dem. Rep. | .. | .. | .. | .. |")
            && table.contains("domestic workers are then a lower bound)."),
        "{table}"
    );
    // Persons the breakdown could not place are counted in a footnote beside the figure.
    let output = round.ilms(&["table", "stock_migrant_domestic_workers"]);
    let table = text(&output.stdout);
    assert!(
        table.contains("A further 45.2 thousand persons of this source are in the category \"Domestic work (ilms extension): Not classifiable\""),
        "{table}"
    );
    // Years from one type of source (a ministry's administrative records) have none.
    let output = round.ilms(&["table", "outflow_nationals", "--years", "2022-2024"]);
    let table = text(&output.stdout);
    assert!(
        table.contains("| Cambodia |") && !table.contains("Break in series"),
        "{table}"
    );
}

#[test]
fn table_years_that_do_not_go_together_are_refused() {
    let round = Round::sample();
    // Clap refuses what it can see: a period backwards, --year with --years.
    let output = round.ilms(&["table", "outflow_nationals", "--period", "2024/2022"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("ends before it starts"));
    let output = round.ilms(&["table", "--year", "2023", "--years", "2022-2024"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));

    // The tables file: `from` without a period, a region member that is not a code.
    round.edit(
        "schemas/tables.toml",
        "indicator = \"MNA_OEMP_SEX_CDS_NB\"",
        "indicator = \"MNA_OEMP_SEX_CDS_NB\"\nfrom = 2022",
    );
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "schemas/tables.toml", "tables.outflow_nationals");
    assert!(
        text(&output.stderr).contains("`from`"),
        "{}",
        text(&output.stderr)
    );
    round.edit("schemas/tables.toml", "from = 2022", "years = [2022, 2024]");
    round.edit("schemas/tables.toml", "\"BRN\"", "\"Brunei\"");
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "schemas/tables.toml", "region.members");
    assert!(
        text(&output.stderr).contains("'Brunei'"),
        "{}",
        text(&output.stderr)
    );
}
