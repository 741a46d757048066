//! Classification versions as ILOSTAT publishes them (issue 26): a source coded in ISCO-88 / ISIC
//! Rev.3.1 is published in those versions, converted to ISCO-08 / ISIC Rev.4 only where every code
//! converts faithfully (noted on each converted cell), and nothing depends on the order of a
//! correspondence table's rows. Independent checks: tests/classification_versions.py.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use polars::prelude::*;

mod common;
use common::{assert_python_check_with, indicator_cells, text, Round};

const THA: &str = "BA:THA_LFS_2024";
const CROSSWALKS: [&str; 2] = [
    "schemas/classifications/crosswalks/isco88_isco08.csv",
    "schemas/classifications/crosswalks/isic31_isic4.csv",
];

fn run(round: &Round, args: &[&str]) {
    let output = round.ilms(args);
    assert!(output.status.success(), "{}", text(&output.stderr));
}

fn check(mode: &str, dirs: &[&Path]) {
    let mut args = vec![std::ffi::OsStr::new(mode)];
    args.extend(dirs.iter().map(|d| d.as_os_str()));
    assert_python_check_with("classification_versions.py", &args, "versions ok");
}

fn texts(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
    frame
        .column(name)
        .unwrap_or_else(|_| panic!("no column {name}"))
        .str()
        .expect("text")
        .iter()
        .map(|v| v.map(String::from))
        .collect()
}

/// The crosswalk's data rows shuffled (seeded, not by their own order), its comments and header kept.
fn shuffle_rows(path: &Path, seed: u64) {
    let content = fs::read_to_string(path).expect("crosswalk");
    let (head, rows): (Vec<&str>, Vec<&str>) = {
        let lines: Vec<&str> = content.lines().collect();
        let header = lines
            .iter()
            .position(|l| !l.starts_with('#'))
            .expect("header");
        (lines[..=header].to_vec(), lines[header + 1..].to_vec())
    };
    let mut keyed: Vec<(u64, &str)> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut x = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
            x ^= x >> 33;
            (x, *row)
        })
        .collect();
    keyed.sort();
    let shuffled: Vec<&str> = keyed.into_iter().map(|(_, r)| r).collect();
    assert_ne!(shuffled, rows, "the shuffle must move rows");
    fs::write(
        path,
        format!("{}\n{}\n", head.join("\n"), shuffled.join("\n")),
    )
    .expect("write");
}

#[test]
fn thailand_is_published_in_its_own_versions_and_no_cell_depends_on_the_crosswalk_row_order() {
    let round = Round::sample();
    run(&round, &["run", "--quiet"]);
    // Every THA cell of ISCO-88, ISIC Rev.3.1, skill levels and sectors against the raw .sav;
    // no ISCO-08 / ISIC Rev.4 cell, and the run log says why.
    check("raw", &[round.dir.path()]);
    check("faithful", &[round.dir.path()]);
    // The run log gives each ISCO-88 / ISIC Rev.3.1 code's treatment, as the coverage report does.
    check("runlog", &[round.dir.path()]);

    // The coverage report says per code how it was treated: split codes are not converted.
    let coverage = ParquetReader::new(
        fs::File::open(round.path("processed/coverage.parquet")).expect("coverage"),
    )
    .finish()
    .expect("coverage reads");
    let (source, resolution, harmonized, version) = (
        texts(&coverage, "source_id"),
        texts(&coverage, "resolution"),
        texts(&coverage, "harmonized"),
        texts(&coverage, "version"),
    );
    let mut split = 0;
    for i in 0..coverage.height() {
        if source[i].as_deref() != Some("THA_LFS_2024") || resolution[i].is_none() {
            continue;
        }
        assert!(matches!(version[i].as_deref(), Some("isco88" | "isic31")));
        let is_split = resolution[i].as_deref() == Some("split");
        assert_eq!(harmonized[i].is_none(), is_split, "line {i}");
        split += usize::from(is_split);
    }
    assert!(split > 0, "the sample survey has codes whose links split");
    assert!(
        !resolution.iter().flatten().any(|r| r == "first_link"),
        "no code is placed by the order of a correspondence table's rows"
    );

    // A breakdown read from the ISCO-88 / ISIC Rev.3.1 codes in a classification that does not
    // name the version (skill levels, sectors, domestic work) is noted; one in that version is not.
    let cells = common::indicator_cells(round.dir.path());
    let (area, classif1, classif2, notes) = (
        texts(&cells, "ref_area"),
        texts(&cells, "classif1"),
        texts(&cells, "classif2"),
        texts(&cells, "note_source"),
    );
    let mut noted_by_version = BTreeMap::new();
    for i in 0..cells.height() {
        if area[i].as_deref() != Some("THA") {
            continue;
        }
        let codes = [&classif1[i], &classif2[i]];
        let version = [
            "OCU_ISCO88",
            "ECO_ISIC3",
            "OCU_SKILL",
            "ECO_SECTOR",
            "DOM_WORK",
        ]
        .into_iter()
        .find(|v| {
            codes
                .iter()
                .any(|c| c.as_deref().is_some_and(|c| c.starts_with(v)))
        });
        let Some(version) = version else { continue };
        let noted = notes[i]
            .as_deref()
            .is_some_and(|n| n.contains("ilms:classification.own_version"));
        let counts: &mut (usize, usize) = noted_by_version.entry(version).or_default();
        if noted {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    for (version, (noted, not_noted)) in &noted_by_version {
        let own = version.starts_with("OCU_ISCO88") || version.starts_with("ECO_ISIC3");
        assert_eq!(
            *noted == 0,
            own,
            "{version}: {noted} noted, {not_noted} not"
        );
        assert_eq!(
            *not_noted == 0,
            !own,
            "{version}: {noted} noted, {not_noted} not"
        );
    }
    assert_eq!(noted_by_version.len(), 5, "{noted_by_version:?}");
    let table =
        fs::read_to_string(round.path("processed/tables/stock_migrant_domestic_workers_2024.md"))
            .expect("annual table");
    assert!(
        table.contains(
            "Read from the source's own, older classification version (ISCO-88 / ISIC Rev.3.1 or ISCO-68 / ISIC Rev.2 codes)"
        ),
        "{table}"
    );

    // The same round with both correspondence tables' rows shuffled: the same cells, THA's alone.
    let shuffled = Round::sample();
    for (seed, crosswalk) in CROSSWALKS.iter().enumerate() {
        shuffle_rows(&shuffled.path(crosswalk), seed as u64 + 26);
    }
    let out = shuffled.path("tha_only");
    let out_arg = out.to_str().expect("path");
    run(
        &shuffled,
        &[
            "run",
            "--quiet",
            "--source",
            "THA_LFS_2024",
            "--out",
            out_arg,
        ],
    );
    check("same", &[round.dir.path(), &out]);
}

const NATIONAL: &str = "schemas/classifications/national";

/// Thailand's spec with maps of only the codes that convert faithfully, as the Python check
/// reads the correspondences (`maps`: links in one ISCO-08 major group of the same skill level,
/// one ISIC Rev.4 section of the same broad and aggregate sector); other codes not classified.
/// `extra_occupation` adds codes to the occupation map.
fn faithful_maps(round: &Round, extra_occupation: &[&str]) {
    let folder = python_maps(round, "maps");
    let occupations = folder.join("tha_faithful_isco88.csv");
    let mut map = fs::read_to_string(&occupations).expect("map");
    map.extend(extra_occupation.iter().map(|c| format!("{c},{c}\n")));
    fs::write(&occupations, map).expect("write map");
    map_thailand(
        round,
        [
            ("isco88", "tha_faithful_isco88.csv"),
            ("isic31", "tha_faithful_isic31.csv"),
        ],
        "not_classified",
    );
}

/// The maps a mode of the Python check writes into the round's national folder (returned).
fn python_maps(round: &Round, mode: &str) -> std::path::PathBuf {
    let folder = round.path(NATIONAL);
    assert_python_check_with(
        "classification_versions.py",
        &[
            std::ffi::OsStr::new(mode),
            round.dir.path().as_os_str(),
            folder.as_os_str(),
        ],
        "maps written",
    );
    folder
}

/// Thailand's occupation and industry (`as_is` ISCO-88 / ISIC Rev.3.1 codes in its spec) mapped
/// instead by the maps given (the classification each targets, its file in the national folder),
/// a code a map lacks treated as `unmapped`.
fn map_thailand(round: &Round, maps: [(&str, &str); 2], unmapped: &str) {
    let as_is = [
        "\"isco88\"              # ISCO-88 codes, converted by the ILO correspondence",
        "\"isic31\"              # ISIC Rev.3.1 codes, converted by the UN correspondence",
    ];
    for (old, (variable, file)) in as_is.iter().zip(maps) {
        round.edit(
            "schemas/sources/tha_lfs_2024.toml",
            &format!("classification = {old}\nas_is = true"),
            &format!("classification = \"{variable}\"\nmap_file = {{ path = \"{NATIONAL}/{file}\", from = \"code\", to = \"{variable}\" }}\nunmapped = \"{unmapped}\""),
        );
    }
}

fn run_thailand(round: &Round) -> std::path::PathBuf {
    let out = round.path("tha_only");
    let out_arg = out.to_str().expect("path");
    run(
        round,
        &[
            "run",
            "--quiet",
            "--source",
            "THA_LFS_2024",
            "--out",
            out_arg,
        ],
    );
    out
}

#[test]
fn a_source_whose_codes_all_convert_is_published_in_both_versions_with_the_conversion_noted() {
    let round = Round::sample();
    faithful_maps(&round, &[]);
    let out = run_thailand(&round);
    check("faithful", &[&out]);
    check("runlog", &[&out]);
    // The ISCO-08 / ISIC Rev.4 cells from the converted codes; the skill levels and sectors
    // (from the own codes) equal the ones computed from the converted codes.
    check("converted", &[&out]);
    let cells = indicator_cells(&out);
    let (source, indicator, classif1, notes, sex, classif2) = (
        texts(&cells, "source"),
        texts(&cells, "indicator"),
        texts(&cells, "classif1"),
        texts(&cells, "note_source"),
        texts(&cells, "sex"),
        texts(&cells, "classif2"),
    );
    let mut seen = BTreeSet::new();
    let (mut converted, mut own) = (0, 0);
    let tables = ["MST_TEMP_SEX_OCU_CBR_NB", "MST_TEMP_SEX_ECO_CBR_NB"];
    for i in 0..cells.height() {
        if source[i].as_deref() != Some(THA)
            || !tables.contains(&indicator[i].as_deref().unwrap_or(""))
        {
            continue;
        }
        let code = classif1[i].clone().unwrap_or_default();
        let noted = notes[i]
            .as_deref()
            .is_some_and(|n| n.contains("ilms:classification.converted"));
        if code.starts_with("OCU_ISCO08_") || code.starts_with("ECO_ISIC4_") {
            assert!(noted, "{code}: converted, but not noted");
            converted += 1;
        } else {
            assert!(
                !noted,
                "{code}: in the source's own version, but noted as converted"
            );
            own += usize::from(code.starts_with("OCU_ISCO88_") || code.starts_with("ECO_ISIC3_"));
        }
        // Skill levels and sectors come from one version only: no key twice.
        let key = (
            indicator[i].clone(),
            sex[i].clone(),
            classif1[i].clone(),
            classif2[i].clone(),
        );
        assert!(seen.insert(key.clone()), "cell {key:?} published twice");
    }
    assert!(
        converted > 0 && own > 0,
        "{converted} converted, {own} ISCO-88 / ISIC Rev.3.1 cells"
    );
}

/// The reasons the run log gives for the tables of `dimension` not published for Thailand.
fn unpublished_reasons(out: &Path, dimension: &str) -> Vec<String> {
    let log: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(out.join("processed/run_log.json")).expect("run log"),
    )
    .expect("run log is JSON");
    log["not_available"]
        .as_array()
        .expect("not_available")
        .iter()
        .filter(|n| n["source_id"] == "THA_LFS_2024" && n["dimension"] == dimension)
        .filter_map(|n| n["reason"].as_str().map(String::from))
        .collect()
}

/// Whether any published cell has a code of `version` in either breakdown.
fn publishes(out: &Path, version: &str) -> bool {
    let cells = indicator_cells(out);
    let prefix = format!("{version}_");
    ["classif1", "classif2"]
        .iter()
        .flat_map(|column| texts(&cells, column))
        .flatten()
        .any(|c| c.starts_with(&prefix))
}

/// No cell in `version` is published, and the run log gives the reason, which says `says` and
/// names the `code` added to the map; the reasons, for further checks.
fn assert_unpublished(out: &Path, version: &str, says: &str, code: &str) -> Vec<String> {
    assert!(
        !publishes(out, version),
        "{version} cells with {code} in the map"
    );
    let reasons = unpublished_reasons(out, version);
    assert!(
        !reasons.is_empty(),
        "no reason for the unpublished {version} tables"
    );
    for reason in &reasons {
        assert!(reason.contains(says) && reason.contains(code), "{reason}");
    }
    reasons
}

/// One code that ILO moved to another skill level (ISCO-88 9141 building caretakers, level 1, is
/// ISCO-08 5153, level 2) keeps the source's ISCO-08 tables unpublished, with the reason: they
/// would contradict the skill levels published from the ISCO-88 codes. Its industry, all
/// faithful, is still converted. Then one industry code moved to another aggregate sector
/// (ISIC Rev.3.1 3710 recycling, manufacturing, is ISIC Rev.4 3830, in section E) does the same
/// for ISIC Rev.4.
#[test]
fn a_code_converted_into_another_skill_level_or_sector_keeps_its_current_version_unpublished() {
    let round = Round::sample();
    faithful_maps(&round, &["9141"]);
    let out = run_thailand(&round);
    check("runlog", &[&out]);
    for version in ["OCU_ISCO88", "OCU_SKILL", "ECO_ISIC4"] {
        assert!(publishes(&out, version), "no {version} cells");
    }
    let reasons = assert_unpublished(
        &out,
        "OCU_ISCO08",
        "1 converts into another OCU_SKILL group",
        "9141",
    );
    for reason in reasons {
        assert!(!reason.contains("into several"), "{reason}");
    }

    let industries = round.path(&format!("{NATIONAL}/tha_faithful_isic31.csv"));
    let map = fs::read_to_string(&industries).expect("map");
    fs::write(&industries, format!("{map}3710,3710\n")).expect("write map");
    fs::remove_dir_all(&out).expect("remove the first run's output");
    let out = run_thailand(&round);
    check("runlog", &[&out]);
    assert!(publishes(&out, "ECO_ISIC3") && publishes(&out, "ECO_AGGREGATE"));
    assert_unpublished(
        &out,
        "ECO_ISIC4",
        "1 converts into another ECO_AGGREGATE group",
        "3710",
    );
}

/// A protected source's per-code counts stay out of the public run log, as its coverage lines
/// stay out of the public coverage report: its `conversion` lists are empty, its counts per
/// variable remain.
#[test]
fn a_protected_source_has_no_per_code_counts_in_the_run_log() {
    let round = Round::sample();
    round.edit(
        "schemas/sources/tha_lfs_2024.toml",
        "kind = \"microdata\"\n",
        "kind = \"microdata\"\ndisclosure = \"complete_count\"\n",
    );
    run(&round, &["run", "--quiet"]);
    let log: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(round.path("processed/run_log.json")).expect("run log"),
    )
    .expect("run log is JSON");
    let source = log["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["id"] == "THA_LFS_2024")
        .expect("THA_LFS_2024 in the run log");
    let coverage = source["coverage"].as_array().expect("coverage");
    let occupation = coverage
        .iter()
        .find(|v| v["variable"] == "occupation")
        .expect("occupation coverage");
    assert!(
        occupation["not_converted"].as_u64() > Some(0),
        "{occupation}"
    );
    assert!(
        coverage.iter().all(|v| v.get("conversion").is_none()),
        "{coverage:?}"
    );
}

/// A source coded in ISCO-68 and ISIC Rev.2 (Thailand's survey recoded by the test's own maps) is
/// published in ISCO-68 major groups and ISIC Rev.2 major divisions, with broad and aggregate
/// sectors from its own codes; with no correspondence in the reference data, nothing is published in
/// ISCO-08 / ISIC Rev.4 (the run log says why) and no skill level (ISCO-68 has none).
#[test]
fn a_source_coded_in_isco68_and_isic2_is_published_in_those_versions_only() {
    let round = Round::sample();
    python_maps(&round, "older_maps");
    map_thailand(
        &round,
        [("isco68", "tha_isco68.csv"), ("isic2", "tha_isic2.csv")],
        "error",
    );
    let out = run_thailand(&round);
    check("older", &[&out, round.dir.path()]);
    assert!(publishes(&out, "OCU_ISCO68") && publishes(&out, "ECO_ISIC2"));
    let records = ParquetReader::new(
        fs::File::open(out.join("processed/harmonized/THA_LFS_2024.parquet")).expect("records"),
    )
    .finish()
    .expect("records read");
    let versions: BTreeSet<Option<String>> = texts(&records, "occupation_version")
        .into_iter()
        .chain(texts(&records, "industry_version"))
        .collect();
    assert_eq!(
        versions,
        BTreeSet::from([Some("ISCO68".to_string()), Some("ISIC2".to_string())])
    );
}
