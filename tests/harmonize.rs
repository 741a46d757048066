//! Harmonization: derived variables against hand-computed expectations (tests/fixtures/derived/),
//! and the sample round of the ten member states: every source harmonizes, the coverage reports
//! account for every raw code, the two migrant series never meet in a cell, no personal identifier
//! reaches processed/.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;

mod common;
use common::{
    assert_clean_failure, assert_python_check, collect_files, copy_tree, indicator_cells, text,
    Round,
};

fn parquet(path: &Path) -> DataFrame {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(file)
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run_log(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(dir.join("processed/run_log.json")).expect("run log"))
        .expect("run log JSON")
}

/// A column as text values (nulls as None), in the frame's order.
fn strings(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
    let column = frame
        .column(name)
        .unwrap_or_else(|_| panic!("no column {name}"))
        .cast(&DataType::String)
        .expect("as text");
    column
        .str()
        .expect("text")
        .iter()
        .map(|v| v.map(String::from))
        .collect()
}

/// The derived-variable fixture, run; its harmonized records in file order.
fn derived_round() -> (tempfile::TempDir, DataFrame) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = repo.join("tests/fixtures/derived");
    copy_tree(&repo.join("schemas"), &dir.path().join("schemas"));
    copy_tree(&fixture.join("raw"), &dir.path().join("raw"));
    copy_tree(&fixture.join("sources"), &dir.path().join("sources"));
    fs::copy(fixture.join("ilms.toml"), dir.path().join("ilms.toml")).expect("manifest");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ilms"))
        .args(["run", "--quiet"])
        .current_dir(dir.path())
        .output()
        .expect("run ilms");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let records = parquet(&dir.path().join("processed/harmonized/DERIVED.parquet"))
        .sort(["source_row"], SortMultipleOptions::default())
        .expect("sort");
    (dir, records)
}

#[test]
fn derived_variables_match_hand_computed_expectations() {
    let (_dir, records) = derived_round();
    // One row per person of tests/fixtures/derived/raw/persons.csv, worked out by hand from the
    // ILO definitions (working age 15+, ILOSTAT age bands, the two migrant series against
    // ref_area THA, the activity questions), the correspondences' rule and ISCED aggregates.
    #[rustfmt::skip]
    let expected: [[&str; 15]; 10] = [
        // working_age age_5yr age_10yr age_aggregate youth_adult birth_status citizenship_status lf_status occupation_isco08 industry_isic4 section education edu_aggregate status sex
        ["false", "Y10-14", "YLT15", "YLT15", "YLT15", "NATIVE", "CITIZEN", "", "", "", "", "0", "LTB", "", "M"],
        // age 15: the working-age bound; ISCO-88 1110 and ISIC 3.1 1511 have one target each
        ["true", "Y15-19", "Y15-24", "Y15-24", "Y15-24", "NATIVE", "CITIZEN", "EMP", "1111", "1010", "C", "X", "LTB", "1", "F"],
        // 1221 -> ISCO-08 1311/1312: their common level 131; ISIC 3.1 0121 -> 0141/0142/0144: 014
        ["true", "Y20-24", "Y15-24", "Y15-24", "Y15-24", "FOREIGN", "NONCIT", "EMP", "131", "014", "A", "2", "BAS", "3", "M"],
        // stateless (XXA) is a non-citizen; looked and available: unemployed
        ["true", "Y25-29", "Y25-34", "Y25-54", "YGE25", "FOREIGN", "NONCIT", "UNE", "", "", "", "4", "INT", "", "F"],
        // unknown country of birth: birth status unknown (null), citizenship still known
        ["true", "Y50-54", "Y45-54", "Y25-54", "YGE25", "", "NONCIT", "OLF", "", "", "", "6", "ADV", "", "M"],
        // unknown citizenship; 1223 -> 1323/3123 share no major group: not converted (split); ISIC
        // 0200 -> six classes in divisions 01 and 02, one section: A
        ["true", "Y55-59", "Y55-64", "Y55-64", "YGE25", "FOREIGN", "", "EMP", "", "A", "A", "8", "ADV", "5", "F"],
        // foreign-born citizen; ISIC 2892 -> four sections: not converted; ISCED 9 (n.e.c.): aggregate unknown
        ["true", "Y60-64", "Y55-64", "Y55-64", "YGE25", "FOREIGN", "CITIZEN", "EMP", "", "", "", "9", "", "1", "M"],
        ["true", "YGE65", "YGE65", "YGE65", "YGE25", "FOREIGN", "NONCIT", "OLF", "", "", "", "3", "INT", "", "F"],
        ["true", "YGE65", "YGE65", "YGE65", "YGE25", "NATIVE", "CITIZEN", "OLF", "", "", "", "1", "BAS", "", "M"],
        // status 7 is no ICSE-93 group; the policy is not_classified: kept, status unknown
        ["true", "Y30-34", "Y25-34", "Y25-54", "YGE25", "NATIVE", "CITIZEN", "EMP", "1111", "1010", "C", "3", "INT", "", "F"],
    ];
    let columns = [
        "working_age",
        "age_5yr",
        "age_10yr",
        "age_aggregate",
        "age_youth_adult",
        "birth_status",
        "citizenship_status",
        "lf_status",
        "occupation_isco08",
        "industry_isic4",
        "industry_section",
        "education",
        "education_aggregate",
        "status_in_employment",
        "sex",
    ];
    assert_eq!(records.height(), expected.len());
    for (j, name) in columns.iter().enumerate() {
        let got = strings(&records, name);
        for (i, row) in expected.iter().enumerate() {
            let want = (!row[j].is_empty()).then(|| row[j].to_string());
            assert_eq!(got[i], want, "person {} {name}", i + 1);
        }
    }
    // Kept as not classified, person 10's raw status 7 (which the map lacks) is published as given.
    let raw_status = strings(&records, "status_in_employment_src");
    assert_eq!(raw_status[9].as_deref(), Some("7"));
}

#[test]
fn crosswalked_codes_are_reported_with_their_resolution_and_share() {
    let (dir, _) = derived_round();
    let log = run_log(dir.path());
    let coverage = log["sources"][0]["coverage"]
        .as_array()
        .expect("coverage")
        .clone();
    let variable = |name: &str| {
        coverage
            .iter()
            .find(|v| v["variable"] == name)
            .unwrap_or_else(|| panic!("no coverage for {name}"))
            .clone()
    };
    // Persons 3, 6 and 7 have codes with several targets: 3 of 10 records, for both variables.
    for name in ["occupation", "industry"] {
        let v = variable(name);
        assert_eq!(v["crosswalk_resolved"], 3, "{name}: {v}");
        assert!(
            (v["crosswalk_resolved_share"].as_f64().unwrap_or(0.0) - 0.3).abs() < 1e-12,
            "{v}"
        );
    }
    // The unknown status is counted as not classified, not quarantined.
    assert_eq!(
        variable("status_in_employment")["records"]["not classified"],
        1
    );
    assert_eq!(log["sources"][0]["quarantined"], 0);
    let lines = parquet(&dir.path().join("processed/coverage.parquet"));
    let raw = strings(&lines, "raw_code");
    let resolution = strings(&lines, "resolution");
    let variable_of = strings(&lines, "variable");
    let resolution_of = |var: &str, code: &str| {
        (0..lines.height())
            .find(|&i| variable_of[i].as_deref() == Some(var) && raw[i].as_deref() == Some(code))
            .and_then(|i| resolution[i].clone())
    };
    assert_eq!(
        resolution_of("occupation", "1110").as_deref(),
        Some("unique")
    );
    assert_eq!(
        resolution_of("occupation", "1221").as_deref(),
        Some("common_level")
    );
    assert_eq!(
        resolution_of("occupation", "1223").as_deref(),
        Some("split")
    );
    assert_eq!(
        resolution_of("industry", "0200").as_deref(),
        Some("common_section")
    );
}

/// The repository's sample round, run once per test that needs it.
fn sample_round() -> Round {
    let round = Round::sample();
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    round
}

#[test]
fn every_source_of_the_sample_round_harmonizes_and_coverage_accounts_for_every_raw_code() {
    let round = sample_round();
    let log = run_log(round.dir.path());
    let sources = log["sources"].as_array().expect("sources");
    let members: BTreeSet<&str> = [
        "BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA", "VNM",
    ]
    .into_iter()
    .collect();
    let mut areas = BTreeSet::new();
    for source in sources {
        let id = source["id"].as_str().expect("id");
        let read = source["read"].as_u64().expect("read");
        let harmonized = source["harmonized"].as_u64().expect("harmonized");
        let quarantined = source["quarantined"].as_u64().expect("quarantined");
        assert!(harmonized > 0, "{id}: nothing harmonized");
        assert_eq!(read, harmonized + quarantined, "{id}");
        // A protected source's records are kept out of the release (.ilms/private/).
        let published = round.path(&format!("processed/harmonized/{id}.parquet"));
        let records = parquet(&if published.exists() {
            published
        } else {
            round.path(&format!(".ilms/private/harmonized/{id}.parquet"))
        });
        areas.insert(strings(&records, "ref_area")[0].clone().expect("ref_area"));
        // Every raw record's code is in the coverage report, for every coded variable.
        for variable in source["coverage"].as_array().expect("coverage") {
            let total: u64 = variable["records"]
                .as_object()
                .expect("records by outcome")
                .values()
                .map(|n| n.as_u64().unwrap_or(0))
                .sum();
            assert_eq!(
                total, read,
                "{id} {}: coverage {total} of {read}",
                variable["variable"]
            );
        }
    }
    let areas: BTreeSet<&str> = areas.iter().map(String::as_str).collect();
    assert_eq!(
        areas, members,
        "the round covers the ten ASEAN member states"
    );
}

#[test]
fn the_two_migrant_series_are_never_mixed_in_one_cell() {
    let round = sample_round();
    let cells = indicator_cells(&round.path(""));
    let indicator = strings(&cells, "indicator");
    let source = strings(&cells, "source");
    let classif1 = strings(&cells, "classif1");
    let classif2 = strings(&cells, "classif2");
    let series = |code: &Option<String>| -> Option<&'static str> {
        match code.as_deref() {
            Some(c) if c.starts_with("CBR_") => Some("birth"),
            Some(c) if c.starts_with("CCT_") => Some("citizenship"),
            _ => None,
        }
    };
    let mut by_indicator = std::collections::BTreeMap::<String, BTreeSet<&str>>::new();
    for i in 0..cells.height() {
        let in_cell: BTreeSet<&str> = [series(&classif1[i]), series(&classif2[i])]
            .into_iter()
            .flatten()
            .collect();
        assert!(
            in_cell.len() <= 1,
            "cell {i} mixes the series: {:?} {:?}",
            classif1[i],
            classif2[i]
        );
        by_indicator
            .entry(indicator[i].clone().unwrap_or_default())
            .or_default()
            .extend(in_cell);
    }
    for (id, kinds) in &by_indicator {
        assert!(kinds.len() <= 1, "{id} uses {kinds:?}");
        // An indicator named for a series uses that series (flows and shares may use none).
        if id.contains("_CBR_") || id.ends_with("_CBR_NB") {
            assert_eq!(kinds, &BTreeSet::from(["birth"]), "{id}");
        }
        if id.contains("_CCT_") {
            assert_eq!(kinds, &BTreeSet::from(["citizenship"]), "{id}");
        }
    }
    assert!(by_indicator.len() > 30, "{:?}", by_indicator.keys());
    // A source with citizenship but no country of birth publishes no place-of-birth cells: its
    // citizenship never stands in for birth.
    assert!(
        !(0..cells.height()).any(|i| source[i].as_deref() == Some("BA:SGP_LFS_2024")
            && series(&classif2[i]) == Some("birth")),
        "SGP has no country of birth, yet place-of-birth cells were published"
    );
    // In every harmonized record, each status comes from its own variable only.
    let mut files = Vec::new();
    collect_files(&round.path("processed/harmonized"), &mut files);
    for file in files {
        let records = parquet(&file);
        for (status, variable) in [
            ("birth_status", "country_of_birth"),
            ("citizenship_status", "citizenship"),
        ] {
            let s = strings(&records, status);
            let v = strings(&records, variable);
            assert!(
                s.iter().zip(&v).all(|(s, v)| s.is_some() == v.is_some()),
                "{}: {status} set without {variable} (or the reverse)",
                file.display()
            );
        }
    }
}

/// Every value of the declared identifier columns of the round's sources, read by ilms itself.
fn identifier_values(round_dir: &Path) -> BTreeSet<String> {
    let round = ilms::Round::load(round_dir.join("ilms.toml")).expect("load the round");
    let mut values = BTreeSet::new();
    for spec in &round.sources {
        if spec.record.identifiers().is_empty() {
            continue;
        }
        let raw = ilms::ingest::scan(&spec.raw_path, &spec.file)
            .expect("scan")
            .collect()
            .expect("read");
        for column in spec.record.identifiers() {
            values.extend(strings(&raw, column).into_iter().flatten());
        }
    }
    values
}

#[test]
fn no_personal_identifier_reaches_any_file_under_processed() {
    let round = sample_round();
    let identifiers = identifier_values(round.dir.path());
    assert!(
        identifiers.len() > 3000,
        "expected the deployment files' names and document numbers, found {}",
        identifiers.len()
    );
    // Names repeat ("Maria Santos"); passport and card numbers are unique: both must be absent.
    let patterns: Vec<&String> = identifiers.iter().collect();
    let finder = aho_corasick::AhoCorasick::new(&patterns).expect("identifier matcher");
    let mut files: Vec<PathBuf> = Vec::new();
    collect_files(&round.path("processed"), &mut files);
    assert!(!files.is_empty());
    for file in files {
        // Parquet pages are compressed: read the values, every column as text.
        let text = if file.extension().is_some_and(|e| e == "parquet") {
            let frame = parquet(&file);
            let mut all = String::new();
            for column in frame.get_column_names() {
                for value in strings(&frame, column).into_iter().flatten() {
                    all.push_str(&value);
                    all.push('\n');
                }
            }
            all
        } else {
            String::from_utf8_lossy(&fs::read(&file).expect("read")).into_owned()
        };
        if let Some(found) = finder.find(&text) {
            panic!(
                "{} contains the identifier {:?}",
                file.display(),
                &text[found.start()..found.end()]
            );
        }
    }
}

#[test]
fn spec_mistakes_of_the_harmonization_language_are_refused_with_key_and_fix() {
    let phl = "schemas/sources/phl_deployments_2024.toml";
    let departures = "schemas/sources/tha_departures_2024.toml";
    let mys = "schemas/sources/mys_lfs_2024.toml";
    let cases: [(&str, &str, &str, &str); 10] = [
        // Earnings in something that is no ISO 4217 currency.
        (
            mys,
            "currency = \"MYR\"",
            "currency = \"ringgit\"",
            "variables.earnings.currency",
        ),
        // Hourly earnings without the hours that make them monthly.
        (
            mys,
            "period = \"month\"",
            "period = \"hour\"",
            "variables.earnings.to_monthly",
        ),
        // A currency on a variable that is no amount.
        (
            mys,
            "column = \"UMUR\"",
            "column = \"UMUR\"\ncurrency = \"MYR\"",
            "variables.age",
        ),
        // A variable neither mapped nor declared not provided.
        (phl, "\"lf_status\", ", "", "source.not_provided"),
        // A deployment source that neither states its purpose nor declares it not provided.
        (phl, "purpose = \"employment\"", "", "source.not_provided"),
        // A purpose stated for every record and also declared not provided.
        (
            phl,
            "\"earnings\"]",
            "\"earnings\", \"purpose\"]",
            "source.purpose",
        ),
        // A purpose stated for every record of a source that gives each record's purpose.
        (
            departures,
            "kind = \"microdata\"",
            "kind = \"microdata\"\npurpose = \"employment\"",
            "source.purpose",
        ),
        // A personal identifier used as a variable.
        (
            phl,
            "column = \"AGE\"",
            "column = \"PASSPORT_NO\"",
            "variables.age.column",
        ),
        // An expression that does not compile.
        (
            phl,
            "expr = \"'OUTFLOW'\"",
            "expr = \"CASE WHEN\"",
            "variables.flow.expr",
        ),
        // A classification the variable cannot take.
        (
            "schemas/sources/tha_lfs_2024.toml",
            "classification = \"isco88\"",
            "classification = \"isic31\"",
            "variables.occupation.classification",
        ),
    ];
    for (spec, from, to, key) in cases {
        let round = Round::sample();
        round.edit(spec, from, to);
        let output = round.ilms(&["check"]);
        assert_clean_failure(&output, spec, key);
        assert!(round.outputs().is_empty());
    }
}

#[test]
fn an_amount_that_is_not_a_number_or_is_negative_is_not_stated_and_the_person_kept() {
    let round = Round::sample();
    let raw = round.path("raw/mys_lfs_2024.csv");
    let content = fs::read_to_string(&raw).expect("raw file");
    let mut lines: Vec<String> = content.lines().map(String::from).collect();
    // Three employed persons' earnings (the last column): a thousands separator, a minus sign, an
    // absurd amount. Line i of the file is record (source_row) i.
    let stated: Vec<usize> = (1..lines.len())
        .filter(|&i| !lines[i].ends_with(','))
        .take(3)
        .collect();
    for (&i, bad) in stated.iter().zip(["\"2,500\"", "-300", "250000000"]) {
        let (head, _) = lines[i].rsplit_once(',').expect("a comma");
        lines[i] = format!("{head},{bad}");
    }
    fs::write(&raw, lines.join("\n") + "\n").expect("write raw file");
    let output = round.ilms(&["run", "--quiet"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // Kept, with no amount: in the harmonized records, not in the quarantine.
    let records = parquet(&round.path("processed/harmonized/MYS_LFS_2024.parquet"));
    let rows = records
        .column("source_row")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    let earnings = records.column("earnings").unwrap().f64().unwrap().clone();
    for &i in &stated {
        let at = (0..records.height())
            .find(|&r| rows.i64().unwrap().get(r) == Some(i as i64))
            .unwrap_or_else(|| panic!("record {i} was not kept"));
        assert_eq!(earnings.get(at), None, "record {i}'s amount is not stated");
    }
    // Counted by the warning rule, which names each value.
    let log = run_log(round.dir.path());
    let rule = log["validation"]
        .as_array()
        .expect("validation")
        .iter()
        .find(|r| r["rule"] == "number.earnings" && r["source_id"] == "MYS_LFS_2024")
        .expect("the rule's result");
    assert_eq!(rule["fails"], 3, "{rule}");
    assert_eq!(rule["severity"], "warning", "{rule}");
}

#[test]
fn coverage_counts_match_an_independent_count_of_the_raw_file() {
    // Records and weighted persons per raw code, counted by DuckDB straight from the survey's CSV,
    // against the coverage report (which ilms sums from its one grouping of the records).
    let round = sample_round();
    assert_python_check("coverage_check.py", &round.path(""), "coverage ok");
}

/// The age bands and education aggregates are translation tables of
/// `schemas/classifications/groupings/` checked against the record contract when the round
/// loads: a column the contract does not have, a record column no table gives, or an age that is
/// no number is refused with the table, the column and the fix. The indicator dimensions that
/// group the bands read their groups from the same tables: a band that is no ILOSTAT code, or a
/// 10-year band put in two aggregate bands, is refused.
#[test]
fn grouping_tables_that_do_not_fit_the_record_contract_are_refused() {
    let age = "schemas/classifications/groupings/age.csv";
    let education = "schemas/classifications/groupings/education.csv";
    let refused = |round: &Round, file: &str, problem: &str| {
        let output = round.ilms(&["check"]);
        assert!(!output.status.success(), "{problem}");
        let said = text(&output.stderr);
        assert!(said.contains(file) && said.contains(problem), "{said}");
    };
    let round = Round::sample();
    round.edit(
        education,
        "education,education_aggregate",
        "education,education_level",
    );
    refused(&round, "education.csv", "no column 'education_level'");

    let round = Round::sample();
    fs::remove_file(round.path(education)).expect("remove the table");
    refused(
        &round,
        "groupings",
        "0 translation tables give the record column 'education_aggregate'",
    );

    let round = Round::sample();
    round.edit(age, "\n7,Y05-09", "\nseven,Y05-09");
    refused(&round, "age.csv", "'seven' is not a whole number");

    let round = Round::sample();
    round.edit(
        age,
        "\n30,Y30-34,Y25-34,Y25-54,",
        "\n30,Y30-34,Y25-34,Y15-24,",
    );
    refused(
        &round,
        "age.csv",
        "age_10yr 'Y25-34' is in two groups of age_aggregate: 'Y25-54' and 'Y15-24'",
    );

    let round = Round::sample();
    let bands = fs::read_to_string(round.path(age)).expect("read the age bands");
    fs::write(
        round.path(age),
        bands.replace(",Y55-64,Y55-64,", ",Y55-64,Y55-65,"),
    )
    .expect("write the age bands");
    refused(&round, "age.csv", "'Y55-65' is not a code of AGE_AGGREGATE");

    let round = Round::sample();
    round.edit(education, "\n8,ADV", "\n8,");
    refused(
        &round,
        "education.csv",
        "EDU_ISCED11 codes in no group of education_aggregate: 8",
    );
}

/// The published records take each coded column's `Enum` twin (written without hashing): the
/// twin must hold the text column's values, nulls included, in every source of the sample round.
#[test]
fn every_enum_twin_holds_its_text_columns_values() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let round = ilms::Round::load(repo.join("ilms.toml")).expect("the sample round");
    let mut compared = BTreeSet::new();
    for spec in &round.sources {
        let raw = ilms::ingest::ingest(spec).expect("ingest");
        let harmonized =
            ilms::harmonize::harmonize(spec, &round.classifications, raw).expect("harmonize");
        let twinned = harmonized.twinned.clone();
        let frame = harmonized.frame.collect().expect("harmonized records");
        let twins_in_frame: BTreeSet<String> = frame
            .get_column_names()
            .iter()
            .filter_map(|n| n.strip_prefix("_enum_").map(String::from))
            .collect();
        assert_eq!(twins_in_frame, twinned, "{}: twins named", spec.source.id);
        for name in &twinned {
            let twin = ilms::harmonize::enum_twin(name);
            assert!(
                matches!(
                    frame.column(&twin).expect("twin").dtype(),
                    DataType::Enum(..)
                ),
                "{}: {twin} is not an Enum",
                spec.source.id
            );
            let (mut text, twin_text) = (strings(&frame, name), strings(&frame, &twin));
            if let Some(variable) = name.strip_suffix("_src") {
                // A raw code's twin: null where the map lacks the code (such records are
                // quarantined), the raw code everywhere else.
                let unmapped = frame
                    .column(&format!("_unmapped_{variable}"))
                    .expect("unmapped flag")
                    .bool()
                    .expect("flags")
                    .clone();
                for (value, lacks) in text.iter_mut().zip(unmapped.iter()) {
                    if lacks == Some(true) {
                        *value = None;
                    }
                }
            }
            assert_eq!(text, twin_text, "{}: {name} and its twin", spec.source.id);
            compared.insert(name.clone());
        }
    }
    for name in [
        "ref_area",
        "sex",
        "occupation_isco08",
        "occupation_version",
        "age_5yr",
        "sex_src",
    ] {
        assert!(
            compared.contains(name),
            "no source twins {name}: {compared:?}"
        );
    }
}
