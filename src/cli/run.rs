//! `ilms run`: every stage on the round, one release made current.

use std::path::PathBuf;

use super::{emit, RoundArg};

/// Run every stage on the round: ingest, harmonize, validate, tabulate, publish, charts.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  ilms run\n  ilms run --round rounds/2025.toml --quiet\n  ilms run --no-records          indicators only, for large rounds\n  ilms run --keep-going          publish the other sources when one fails\n  ilms run --source MYS_LFS_2024 re-run one source after a correction; its release goes to .ilms/runs/MYS_LFS_2024"
)]
pub struct RunArgs {
    #[command(flatten)]
    round: RoundArg,
    /// No progress bars (the summary is still printed).
    #[arg(long)]
    quiet: bool,
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

pub fn run(args: RunArgs) -> ilms::Result<()> {
    let mut round = ilms::Round::load(&args.round.round)?;
    if args.no_records {
        round.publish_records = false;
    }
    if !args.sources.is_empty() {
        let out = args
            .out
            .unwrap_or_else(|| round.root.join(".ilms/runs").join(args.sources.join("+")));
        round.only_sources(&args.sources, &out)?;
        if !args.quiet {
            eprintln!(
                "running {} alone: its release goes to {} (the round's release is left as it is)",
                args.sources.join(", "),
                out.display()
            );
        }
    }
    let report = round.run(&ilms::RunOptions {
        progress: !args.quiet,
        keep_going: args.keep_going,
    })?;
    emit(report)
}
