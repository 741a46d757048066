//! `ilms run`: every stage on the round, one release made current.

use std::path::PathBuf;

use super::{emit, emit_json, QuietArg, RoundArg};

/// Run every stage on the round: ingest, harmonize, validate, tabulate, publish, charts.
#[derive(clap::Args)]
#[command(
    after_help = "With --json, standard output is one JSON object: `ok` (true or false), `errors` (each with
`file`, `location`, `problem`, `fix`; every problem found, not only the first), `warnings` (e.g.
an old release that could not be removed) and, when the run succeeded, the fields of
processed/run_log.json (`round`, `release`, `sources` with `read`, `harmonized`, `quarantined`,
`cells`, `cell_status`, `not_available`, `validation`, `files`, `provenance`, ...). Errors are
also printed on standard error; the exit code is 1 on failure.

Examples:
  ilms run
  ilms run --round rounds/2025.toml --quiet   nothing printed unless something fails
  ilms run --json > run.json                  the run's summary for a script
  ilms run --no-records          indicators only, for large rounds
  ilms run --keep-going          publish the other sources when one fails
  ilms run --source MYS_LFS_2024 re-run one source after a correction; its release goes to .ilms/runs/MYS_LFS_2024"
)]
pub struct RunArgs {
    #[command(flatten)]
    round: RoundArg,
    #[command(flatten)]
    quiet: QuietArg,
    /// Print the run's summary as JSON on standard output (see below) instead of a table.
    #[arg(long)]
    json: bool,
    /// Do not publish the harmonized records (overrides `[output] records` in the manifest):
    /// indicators, quarantine and run log only, which is much faster on large rounds.
    #[arg(long)]
    no_records: bool,
    /// Publish the other sources when one fails as a whole (no clean record, or too many
    /// quarantined: schemas/rules); it is then not available, with the reason.
    #[arg(long)]
    keep_going: bool,
    /// Run only this source (repeat for several): every stage, its release written to --out,
    /// the round's release left as it is.
    #[arg(long = "source", value_name = "ID")]
    sources: Vec<String>,
    /// Where a run of some sources (--source) writes its release (default:
    /// .ilms/runs/<ID> beside the manifest).
    #[arg(long, requires = "sources")]
    out: Option<PathBuf>,
}

/// What `--json` adds to the run log's fields.
#[derive(serde::Serialize)]
struct RunJson<'a> {
    /// Problems that did not stop the run (the terminal shows them after the summary).
    warnings: Vec<&'a String>,
    #[serde(flatten)]
    report: &'a ilms::RunReport,
}

pub fn run(args: RunArgs) -> ilms::Result<()> {
    let result = run_round(&args);
    match (&result, args.json) {
        (Ok(report), true) => emit_json(
            Some(&RunJson {
                warnings: report
                    .publish_warnings
                    .iter()
                    .chain(&report.tidy_problems)
                    .collect(),
                report,
            }),
            None,
        )?,
        (Err(e), true) => emit_json(None::<&RunJson>, Some(e))?,
        (Ok(report), false) if !args.quiet.quiet => emit(report)?,
        _ => {}
    }
    result.map(|_| ())
}

fn run_round(args: &RunArgs) -> ilms::Result<ilms::RunReport> {
    let quiet = args.quiet.quiet;
    let mut round = ilms::Round::load(&args.round.round)?;
    if args.no_records {
        round.publish_records = false;
    }
    if !args.sources.is_empty() {
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| round.root.join(".ilms/runs").join(args.sources.join("+")));
        round.only_sources(&args.sources, &out)?;
        if !quiet && !args.json {
            eprintln!(
                "running {} alone: its release goes to {} (the round's release is left as it is)",
                args.sources.join(", "),
                out.display()
            );
        }
    }
    round.run(&ilms::RunOptions {
        progress: !quiet,
        keep_going: args.keep_going,
    })
}
