//! The JSON Schemas of the spec files (`ilms schema`): the committed ones are what the types give
//! today, every spec file of the sample round and of the test fixtures is valid under its schema,
//! the schema and `ilms check` refuse the same mistakes (`tests/spec_schema_check.py`), and taplo,
//! the engine of the editors' TOML support, checks the round's specs with them (`.taplo.toml`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_python_check_with, ilms_in as ilms, python, text, Round};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_committed_schemas_are_the_ones_the_types_give() {
    let out = tempfile::tempdir().expect("temporary folder");
    let written = ilms(
        repo(),
        &["schema", "--out", &out.path().display().to_string()],
    );
    assert!(written.status.success(), "{}", text(&written.stderr));
    let names = |dir: &Path| {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("schema folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let committed = repo().join("schemas/json");
    assert_eq!(names(out.path()), names(&committed));
    assert_eq!(names(&committed).len(), 8);
    for name in names(&committed) {
        let fresh = fs::read_to_string(out.path().join(&name)).expect("written schema");
        let kept = fs::read_to_string(committed.join(&name)).expect("committed schema");
        assert!(
            fresh == kept,
            "schemas/json/{name} is out of date: run `ilms schema --out schemas/json`"
        );
    }
}

#[test]
fn the_schemas_and_ilms_check_agree() {
    let round = Round::sample();
    let mut manifests: Vec<PathBuf> = Vec::new();
    for folder in ["tests/fixtures", "tests/fixtures/aggregates"] {
        for entry in fs::read_dir(repo().join(folder)).expect("fixtures") {
            let manifest = entry.expect("entry").path().join("ilms.toml");
            if manifest.is_file() {
                manifests.push(manifest);
            }
        }
    }
    assert!(manifests.len() >= 10, "{manifests:?}");
    let mut args = vec![
        repo().join("schemas/json").into_os_string(),
        env!("CARGO_BIN_EXE_ilms").into(),
        round.dir.path().as_os_str().to_owned(),
    ];
    args.extend(manifests.into_iter().map(PathBuf::into_os_string));
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    assert_python_check_with("spec_schema_check.py", &args, "schemas ok: 8 schemas");
}

/// The taplo installed with the test requirements (`pip install taplo`), in the Python
/// scripts folder, which need not be on the PATH.
fn taplo() -> Command {
    let scripts = python()
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .expect("python3 must be installed");
    let installed = PathBuf::from(text(&scripts.stdout).trim()).join("taplo");
    Command::new(if installed.is_file() {
        installed
    } else {
        PathBuf::from("taplo")
    })
}

#[test]
fn taplo_checks_the_round_with_the_schemas() {
    let checked = taplo()
        .arg("check")
        .current_dir(repo())
        .output()
        .expect("taplo must be installed: pip install -r tests/requirements.txt");
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    let said = text(&checked.stderr);
    assert!(
        said.contains("found files total=") && !said.contains("total=0"),
        "{said}"
    );

    let round = Round::sample();
    fs::copy(repo().join(".taplo.toml"), round.path(".taplo.toml")).expect("copy .taplo.toml");
    round.edit(
        "schemas/sources/mys_lfs_2024.toml",
        "format = \"csv\"",
        "format = \"csv\"\nsheet = \"A\"",
    );
    let checked = taplo()
        .arg("check")
        .current_dir(round.dir.path())
        .output()
        .expect("run taplo");
    let said = text(&checked.stderr);
    assert!(!checked.status.success(), "{said}");
    assert!(
        said.contains("mys_lfs_2024.toml") && said.contains("oneOf"),
        "{said}"
    );
}

/// A `[file]` mistake serde reports at the table (it buffers a table tagged by `format`) is said
/// at its key: a value of the wrong type, a typo inside `unpivot`, a fixed-width file without
/// its layout.
#[test]
fn file_mistakes_are_named_at_their_key() {
    let cases = [
        (
            "schemas/sources/mmr_outflows_2023.toml",
            "header_row = 4",
            "header_row = \"4\"",
            "file.header_row: invalid type: string \"4\"",
        ),
        (
            "schemas/sources/mmr_outflows_2023.toml",
            "total = \"Total\" }",
            "totl = \"Total\" }",
            "file.unpivot: unknown field `totl`",
        ),
        (
            "schemas/sources/mys_lfs_2024.toml",
            "format = \"csv\"",
            "format = \"csv\"\nfootnotes = true",
            "file.footnotes: a csv file takes no key 'footnotes': it applies to xlsx, xls files",
        ),
    ];
    for (spec, from, to, said) in cases {
        let round = Round::sample();
        round.edit(spec, from, to);
        let output = round.ilms(&["check"]);
        assert!(!output.status.success(), "{to}");
        assert!(
            text(&output.stderr).contains(said),
            "{}",
            text(&output.stderr)
        );
    }
    let round = Round::sample();
    let spec = round.path("schemas/sources/brn_census_2021.toml");
    let original = fs::read_to_string(&spec).expect("spec");
    let start = original.find("\ncolumns = [").expect("layout");
    let end = start + original[start..].find("\n]\n").expect("end of layout") + 3;
    fs::write(
        &spec,
        format!("{}{}", &original[..start + 1], &original[end..]),
    )
    .expect("edit");
    let output = round.ilms(&["check"]);
    assert!(
        text(&output.stderr).contains("file.columns: a fixed-width file needs its column layout"),
        "{}",
        text(&output.stderr)
    );
}

/// A key of the vocabulary before it was made one word per idea is refused with the key that
/// replaced it (README "Spec vocabulary"), and only where that key is taken; a `keep` (tables,
/// charts, benchmarks) is placed in the indicator's breakdowns, one code each, and a code no
/// breakdown publishes is refused.
#[test]
fn old_keys_are_refused_with_their_new_name_and_table_codes_fit_the_indicator() {
    let cases = [
        (
            "schemas/indicators.toml",
            "population = \"stock\"",
            "records = \"stock\"",
            "`records` is now written population = \"stock\"",
        ),
        (
            "schemas/tables.toml",
            "keep = [\"CDS_DES_TOTAL\"]",
            "classif1 = \"CDS_DES_TOTAL\"",
            "`classif1` is now written keep = [",
        ),
        (
            "schemas/charts.toml",
            "classification = \"OCU_ISCO08\"",
            "categories = \"OCU_ISCO08\"",
            "`categories` is now written classification = ",
        ),
        (
            "schemas/rules/records.toml",
            "source_kind = \"microdata\"",
            "sources = \"microdata\"",
            "`sources` is now written source_kind = ",
        ),
        (
            "schemas/tables.toml",
            "keep = [\"AGE_AGGREGATE_TOTAL\", \"CCT_CIT_NONCIT\"]",
            "keep = [\"CCT_CIT_NONCIT\"]",
            "`keep` gives no code of MST_TEMP_SEX_AGE_CCT_NB's breakdown AGE_",
        ),
        (
            "schemas/tables.toml",
            "keep = [\"CDS_DES_TOTAL\"]",
            "keep = [\"CBR_BIR_FOREIGN\"]",
            "`keep` code 'CBR_BIR_FOREIGN' is not of a breakdown of MNA_OEMP_SEX_CDS_NB",
        ),
        (
            "schemas/indicators.toml",
            "keep = [\"CBR_BIR_FOREIGN\"]",
            "keep = [\"CBR_BIR_FOREIGN\", \"CBR_BIR_NATIVE\"]",
            "a share keeps one category of `over`, not 2",
        ),
        (
            "schemas/rules/records.toml",
            "kind = \"conditional\"",
            "type = \"conditional\"",
            "`type` is now written kind = ",
        ),
        (
            "schemas/tables.toml",
            "keep = [\"CDS_DES_TOTAL\"]",
            "keep = [\"CDS_DES_TOTL\"]",
            "`keep` code 'CDS_DES_TOTL' is not a code MNA_OEMP_SEX_CDS_NB publishes in its CDS_DES breakdown",
        ),
        (
            "schemas/charts.toml",
            "keep = [\"CCT_CIT_NONCIT\"]",
            "keep = [\"CCT_CIT_NONCITIZEN\"]",
            "`keep` code 'CCT_CIT_NONCITIZEN' is not a code MST_TEMP_SEX_AGE_CCT_NB publishes",
        ),
        (
            "schemas/sources/mys_lfs_2024.toml",
            "keep = [\"CCT_CIT_NONCIT\"]",
            "keep = [\"CCT_CIT_NONCIT\", \"CCT_CIT_CITIZEN\"]",
            "benchmark[1].keep: `keep` gives a second code of one breakdown: 'CCT_CIT_CITIZEN'",
        ),
        (
            "schemas/charts.toml",
            "keep = [\"CBR_BIR_FOREIGN\", \"CBR_BIR_NATIVE\"]",
            "keep = [\"CBR_BIR_FOREIGN\", \"OCU_ISCO08_1\"]",
            "`keep` code 'OCU_ISCO08_1' is of the bars' own breakdown",
        ),
        (
            "schemas/charts.toml",
            "keep = [\"CBR_BIR_FOREIGN\"]",
            "keep = [\"CBR_BIR_FOREIGN\", \"CBR_BIR_NATIVE\"]",
            "`keep` gives a second code of one breakdown: 'CBR_BIR_NATIVE'",
        ),
        (
            "schemas/sources/mys_lfs_2024.toml",
            "keep = [\"CCT_CIT_NONCIT\"]",
            "keep = [\"CCT_CIT_NONCT\"]",
            "`keep` code 'CCT_CIT_NONCT' is not a code MST_TEMP_SEX_AGE_CCT_NB publishes",
        ),
        (
            "schemas/sources/mys_lfs_2024.toml",
            "keep = [\"CCT_CIT_NONCIT\"]",
            "keep = [\"CCT_CIT_NONCIT\"]\nsex = \"SEX_W\"",
            "sex 'SEX_W' is not a code MST_TEMP_SEX_AGE_CCT_NB publishes",
        ),
    ];
    for (spec, from, to, said) in cases {
        let round = Round::sample();
        round.edit(spec, from, to);
        let output = round.ilms(&["check"]);
        assert!(!output.status.success(), "{to}");
        assert!(
            text(&output.stderr).contains(said),
            "{to}: {}",
            text(&output.stderr)
        );
    }
    // `type` was `kind` in a [[record]] rule only: elsewhere it is an unknown key, not a renamed one.
    let round = Round::sample();
    round.edit(
        "schemas/rules/plausibility.toml",
        "id = \"plausible.unemployment_rate\"",
        "id = \"plausible.unemployment_rate\"\ntype = \"range\"",
    );
    let output = round.ilms(&["check"]);
    let said = text(&output.stderr);
    assert!(
        !output.status.success() && said.contains("unknown field `type`"),
        "{said}"
    );
    assert!(!said.contains("is now written"), "{said}");
}
