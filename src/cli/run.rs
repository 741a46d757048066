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
  ilms run --source MYS_LFS_2024 re-run one source whatever its inputs; the others are reused
  ilms run --source MYS_LFS_2024 --out trial   run one source alone into trial/, the round's release left as it is
  ilms run --no-reuse            re-run every source

A source whose raw file, spec, code maps and everything every source goes through (the manifest
apart from its list of sources, indicator declarations, rules, disclosure policies, code lists,
the build of ilms) are unchanged since the current release takes its results from that release:
the summary's `pass` column says which sources ran and why."
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
    /// Re-run this source even if its inputs are unchanged (repeat for several); the other
    /// sources are reused where unchanged. With --out: run it alone into another folder.
    #[arg(long = "source", value_name = "ID")]
    sources: Vec<String>,
    /// Run the --source sources alone and write their release under this folder, the round's
    /// release left as it is (a trial run).
    #[arg(long, requires = "sources")]
    out: Option<PathBuf>,
    /// Run every source from its raw file, reusing nothing from the current release.
    #[arg(long)]
    no_reuse: bool,
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
    round.known_sources(&args.sources)?;
    if let Some(out) = &args.out {
        round.only_sources(&args.sources, out)?;
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
        reuse: !args.no_reuse,
        rerun: args.sources.clone(),
    })
}
