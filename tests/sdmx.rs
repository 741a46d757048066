//! SDMX exports (README "SDMX"): the structure message and the SDMX-CSV files of a run of the sample
//! round, read and validated by sdmx1 (tests/sdmx_check.py), a mutated copy refused, and a wrong
//! dataflow declaration refused when the round loads.

use std::fs;

mod common;
use common::{assert_clean_failure, python, text, Round};

/// Run the sample round once (the run takes a while; every assertion on its outputs is here).
#[test]
fn sdmx_exports_are_valid_against_their_structure_and_equal_the_cells() {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));

    let xml = fs::read_to_string(round.path("processed/sdmx_structure.xml")).expect("structure");
    assert!(xml.starts_with("<?xml") && xml.contains("<structure:DataStructure id=\"DSD_ILMS\""));
    let check = sdmx_check(&round);
    assert!(check.0, "sdmx_check.py failed:\n{}", check.1);
    assert!(check.1.contains("sdmx ok"), "{}", check.1);

    // Withheld cells: NaN, OBS_STATUS Q and a CONF_STATUS, never an empty value or "S".
    let combined = fs::read_to_string(round.path("processed/indicators_sdmx.csv")).expect("csv");
    let header: Vec<&str> = combined
        .lines()
        .next()
        .expect("header")
        .split(',')
        .collect();
    let at = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let rows: Vec<Vec<&str>> = combined
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let withheld: Vec<&Vec<&str>> = rows.iter().filter(|r| r[at("OBS_STATUS")] == "Q").collect();
    assert!(!withheld.is_empty(), "the sample round withholds cells");
    for row in &withheld {
        assert_eq!(row[at("OBS_VALUE")], "NaN", "{row:?}");
        assert!(
            ["A", "C", "D", "N"].contains(&row[at("CONF_STATUS")]),
            "{row:?}"
        );
    }
    assert!(rows.iter().all(|r| !r[at("OBS_VALUE")].is_empty()));
    assert!(rows.iter().all(|r| r[at("OBS_STATUS")] != "S"));

    // The checker fails on a code its code list lacks, in the data and in the structure.
    let flow = round.path("processed/sdmx_dataflows/DF_EMP_MNAO_SEX_CDS_NB.csv");
    let original = fs::read_to_string(&flow).expect("outflows by destination");
    assert!(original.contains(",SEX_T,CDS_DES_MYS,"), "{original}");
    fs::write(
        &flow,
        original.replacen(",SEX_T,CDS_DES_MYS,", ",SEX_T,CDS_DES_XYZ,", 1),
    )
    .expect("mutate");
    let check = sdmx_check(&round);
    assert!(!check.0, "a destination not in CL_CDS passed:\n{}", check.1);
    assert!(check.1.contains("CDS 'CDS_DES_XYZ'") && check.1.contains("not in its code list"));
    fs::write(&flow, &original).expect("restore");

    let structure = round.path("processed/sdmx_structure.xml");
    let code = "<structure:Code id=\"SEX_F\">";
    assert!(xml.contains(code));
    fs::write(
        &structure,
        xml.replace(code, "<structure:Code id=\"SEX_W\">"),
    )
    .expect("mutate");
    let check = sdmx_check(&round);
    assert!(!check.0, "SEX_F missing from CL_SEX passed:\n{}", check.1);
    assert!(check.1.contains("SEX 'SEX_F'"), "{}", check.1);
}

/// tests/sdmx_check.py on the round: (success, stdout and stderr).
fn sdmx_check(round: &Round) -> (bool, String) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdmx_check.py");
    let out = python()
        .arg(script)
        .arg(round.dir.path())
        .output()
        .expect("python3 must be installed (see tests/requirements.txt)");
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    (out.status.success(), said)
}

#[test]
fn a_dataflow_that_does_not_fit_its_indicator_is_refused_when_the_round_loads() {
    let round = Round::sample();
    // Occupation counts mapped to the economic-activity dataflow: breakdowns differ.
    round.edit(
        "schemas/sdmx.toml",
        "id = \"DF_EMP_TEMP_SEX_OCU_CBR_NB\"",
        "id = \"DF_EMP_TEMP_SEX_ECO_CBR_NB\"",
    );
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "schemas/sdmx.toml", "dataflow[0]");
    assert!(
        text(&output.stderr).contains("OCU, CBR"),
        "{}",
        text(&output.stderr)
    );

    let round = Round::sample();
    round.edit(
        "schemas/sdmx.toml",
        "id = \"DF_EMP_TEMP_SEX_OCU_CBR_NB\"",
        "id = \"DF_EMP_TEMP_SEX_OCU_CBR_XX\"",
    );
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "schemas/sdmx.toml", "dataflow[0]");
    assert!(text(&output.stderr).contains("not an ILOSTAT 2026 dataflow id"));

    let round = Round::sample();
    round.edit(
        "schemas/sdmx.toml",
        "id = \"DF_EMP_TEMP_SEX_ECO_CBR_NB\"\nindicator = \"MST_TEMP_SEX_ECO_CBR_NB\"",
        "id = \"DF_EMP_TEMP_SEX_OCU_CBR_NB\"\nindicator = \"MST_TEMP_SEX_OCU_CBR_NB\"",
    );
    let output = round.ilms(&["check"]);
    assert_clean_failure(&output, "schemas/sdmx.toml", "dataflow[1]");
    assert!(
        text(&output.stderr).contains("declared again"),
        "{}",
        text(&output.stderr)
    );
}

/// Two sources giving the same country and year of a dataflow's indicator (here the same
/// ministry table declared twice): the run publishes, that country and year is left out of the
/// dataflow's file with a warning, the other countries stay, and the combined SDMX-CSV keeps both.
#[test]
fn a_country_year_two_sources_give_is_left_out_of_its_dataflow_with_a_warning() {
    let round = Round::sample();
    let spec = fs::read_to_string(round.path("schemas/sources/khm_outflows_2024.toml")).unwrap();
    assert!(spec.contains("id = \"KHM_OUTFLOW_2024\""));
    fs::write(
        round.path("schemas/sources/khm_outflows_2024_again.toml"),
        spec.replace(
            "id = \"KHM_OUTFLOW_2024\"",
            "id = \"KHM_OUTFLOW_2024_AGAIN\"",
        ),
    )
    .expect("second spec");
    round.edit(
        "ilms.toml",
        "\"schemas/sources/khm_outflows_2024.toml\",",
        "\"schemas/sources/khm_outflows_2024.toml\",\n  \"schemas/sources/khm_outflows_2024_again.toml\",",
    );
    let output = round.ilms(&["run", "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("--json");
    let warnings: Vec<&str> = json["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    let flow = "DF_EMP_MNAO_SEX_CDS_NB";
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("KHM 2024 left out of")
                && w.contains(flow)
                && w.contains("FX:KHM_OUTFLOW_2024 and FX:KHM_OUTFLOW_2024_AGAIN")),
        "{warnings:#?}"
    );
    let log = fs::read_to_string(round.path("processed/run_log.json")).expect("run log");
    assert!(log.contains("\"publish_warnings\"") && log.contains("KHM 2024 left out of"));

    let file = fs::read_to_string(round.path(&format!("processed/sdmx_dataflows/{flow}.csv")))
        .expect("the dataflow's file is still written");
    let country_years: std::collections::BTreeSet<(&str, &str)> = file
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[3], fields[8])
        })
        .collect();
    assert!(
        !country_years.contains(&("KHM", "2024")),
        "KHM 2024 is left out"
    );
    for kept in [("KHM", "2023"), ("PHL", "2024")] {
        assert!(country_years.contains(&kept), "{kept:?} stays");
    }
    let combined = fs::read_to_string(round.path("processed/indicators_sdmx.csv")).unwrap();
    for source in ["FX_KHM_OUTFLOW_2024,", "FX_KHM_OUTFLOW_2024_AGAIN,"] {
        assert!(combined.contains(source), "{source}");
    }
    let check = sdmx_check(&round);
    assert!(check.0, "sdmx_check.py failed:\n{}", check.1);
}
