//! Validation on the sample round: the Indonesian ministry workbook's wrong total row is caught with
//! both numbers, outflows are set against inflows, the report loads in DuckDB, and `ilms validate`
//! reports without publishing.

use std::process::Command;

mod common;
use common::{python, text, Round};

#[test]
fn the_wrong_total_of_a_ministry_workbook_is_caught_with_both_numbers() {
    let round = Round::sample();
    let output = round.ilms(&["run"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary = text(&output.stdout);
    assert!(summary.contains("source_totals"), "{summary}");
    // The numbers, independently: pandas reads the workbook, DuckDB reads the report.
    let check = python()
        .arg("-c")
        .arg(
            r#"
import sys, duckdb, pandas as pd
sheet = pd.read_excel("raw/idn_placements_2024.xlsx", sheet_name="Penempatan 2024", header=3)
sheet = sheet.dropna(subset=["Negara Tujuan"])
parts = sheet[sheet["Negara Tujuan"] != "JUMLAH"]
total = sheet[sheet["Negara Tujuan"] == "JUMLAH"].iloc[0]
stated, summed = int(total["Perempuan"]), int(parts["Perempuan"].sum())
assert stated != summed, (stated, summed)
row = duckdb.execute("""select fails, detail from 'processed/validation.parquet'
                    where source_id = 'IDN_PLACE_2024' and rule = 'source_totals'""").fetchone()
assert row is not None, "no source_totals result"
fails, detail = row
want = f"column 'Perempuan': the source says {stated}, its parts sum to {summed} (difference {stated - summed})"
assert fails >= 1 and want in detail, (fails, detail, want)
# The whole report loads, one row per rule and source, counts adding up.
bad = duckdb.execute("""select count(*) from 'processed/validation.parquet'
                    where passes + fails + missing <> items""").fetchone()[0]
assert bad == 0, bad
# Coherence: the Philippines' deployments to Malaysia against Malaysia's permits to Filipinos.
phl = pd.read_csv("raw/phl_deployments_2024.csv")
outflow = int((phl["DESTINATION"] == "MALAYSIA").sum())
permits = pd.read_csv("raw/mys_permits_2024.csv", dtype=str)
inflow = int(permits.loc[permits["WARGANEGARA"] == "07", "PERMIT_BARU"].astype(int).sum())
detail = duckdb.execute("""select detail from 'processed/validation.parquet'
                           where rule = 'coherence.outflow_inflow' and detail like '%PHL -> MYS%'""").fetchone()[0]
assert f"outflow {outflow} " in detail and f"inflow {inflow} " in detail, (detail, outflow, inflow)
# A range rule judges a rate at every national total, whatever its breakdown calls the total
# (AGE_YTHADULT_YGE15 for the working-age bands, not *_TOTAL).
at_total = lambda c: f"({c} is null or {c} like '%_TOTAL' or {c} = 'AGE_YTHADULT_YGE15')"
cells = duckdb.execute(f"""select count(*) from read_parquet('processed/indicators/**/*.parquet',
                           hive_partitioning = true, hive_types = {{'time': VARCHAR}})
                           where indicator = 'MST_TUNE_SEX_AGE_CBR_RT' and source = 'BA:MYS_LFS_2024'
                           and {at_total('classif1')} and {at_total('classif2')}""").fetchone()[0]
items = duckdb.execute("""select items from 'processed/validation.parquet'
                          where source_id = 'MYS_LFS_2024' and rule = 'plausible.unemployment_rate'""").fetchone()[0]
assert cells == items and cells > 0, (cells, items)
print("ok", stated, summed)
"#,
        )
        .current_dir(round.dir.path())
        .output()
        .expect("python3 (pip install -r tests/requirements.txt)");
    assert!(
        check.status.success() && text(&check.stdout).starts_with("ok"),
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
}

#[test]
fn validate_reports_every_rule_publishes_nothing_and_fails_on_error_rules() {
    let round = Round::sample();
    let output = Command::new(env!("CARGO_BIN_EXE_ilms"))
        .args(["validate"])
        .current_dir(round.dir.path())
        .output()
        .expect("run ilms validate");
    // The sample round carries keying errors on purpose: error rules fail, exit 1.
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let table = text(&output.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("source") && lines[0].contains("missing"),
        "{table}"
    );
    // Failures first, errors before warnings.
    assert!(
        lines[1].contains(" error ") && !lines[1].trim_end().ends_with(" 0"),
        "{table}"
    );
    for expected in [
        "required.weight",
        "unmapped_code.sex",
        "source_totals",
        "part_whole.sex",
    ] {
        assert!(
            table.contains(expected),
            "{expected} missing from:\n{table}"
        );
    }
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("severity error failed") && stderr.contains("fix: "),
        "{stderr}"
    );
    assert!(round.outputs().is_empty(), "validate published files");
}

#[test]
fn a_warning_notes_the_cells_it_touches_and_an_error_on_tables_withholds_them() {
    // As shipped, source_totals is a warning: Indonesia's cells are published with a note.
    let round = Round::sample();
    assert!(round.ilms(&["run", "--quiet"]).status.success());
    let script = r#"
import sys, duckdb
rows = duckdb.execute("""select source, note_source, count(*) as cells, count(obs_value) as shown,
    count(*) filter (where suppressed = 'validation') as blocked
    from read_parquet('processed/indicators/**/*.parquet', hive_partitioning = true)
    group by all order by source""").fetchall()
for r in rows: print("|".join(str(x) for x in r))
"#;
    let read = |round: &Round| {
        let out = python()
            .args(["-c", script])
            .current_dir(round.dir.path())
            .output()
            .expect("python3");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let warned = read(&round);
    assert!(
        warned.contains("FX:IDN_PLACE_2024|ilms:source_totals|75|75|0")
            && warned.contains(
                "FX:IDN_PLACE_2024|ilms:breakdown.partial_inputs; ilms:source_totals|9|9|0"
            ),
        "{warned}"
    );
    assert!(
        warned.contains("BA:MYS_LFS_2024|ilms:conditional.employed_has_occupation|"),
        "{warned}"
    );
    assert!(warned.contains("BA:THA_LFS_2024|None|"), "{warned}");

    // Made an error, the same failure withholds every Indonesian cell (and the cells of Cambodia's
    // 2022 totals, whose stated total also differs from its parts) and nothing else.
    let rules = round.path("schemas/rules/cells.toml");
    let text_rules = std::fs::read_to_string(&rules).expect("rules");
    let strict = text_rules.replace(
        "id = \"source_totals\"\ntolerance = 0.5\nseverity = \"warning\"",
        "id = \"source_totals\"\ntolerance = 0.5\nseverity = \"error\"",
    );
    assert_ne!(
        strict, text_rules,
        "source_totals rule not found in cells.toml"
    );
    std::fs::write(&rules, strict).expect("write rules");
    let run = round.ilms(&["run"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("and 88 of a source whose tables failed an error-severity rule"),
        "{}",
        text(&run.stdout)
    );
    let blocked = read(&round);
    assert!(
        blocked.contains("FX:IDN_PLACE_2024|None|75|0|75")
            && blocked.contains("FX:IDN_PLACE_2024|ilms:breakdown.partial_inputs|9|0|9")
            && blocked.contains("FX:KHM_TOTALS_2022|None|4|0|4"),
        "{blocked}"
    );
    assert!(
        blocked.contains("FX:PHL_DEPLOY_2024|None|84|84|0"),
        "{blocked}"
    );
    let validate = round.ilms(&["validate", "--quiet"]);
    assert_eq!(
        validate.status.code(),
        Some(1),
        "{}",
        text(&validate.stdout)
    );
}
