//! `ilms diff`: what changed between two releases.

use std::path::PathBuf;

use super::{emit, QuietArg, RoundArg};

/// Show what changed between two releases: cells added, removed, revised and re-flagged.
#[derive(clap::Args)]
#[command(
    after_help = "With no release named, compares the current release with the one before it; with one, that
release with the current one. A cell is revised when its value changed (withheld or published
included), re-flagged when only its observation status or reason for withholding did (e.g. U to
none).

Examples:
  ilms diff                                   what the last run changed
  ilms diff 20260301T101500Z-1a2b3c4d         since a release you cited
  ilms diff A B --out changes                 and every changed cell as Parquet and CSV in changes/
  ilms diff --csv > changes.csv               every changed cell as CSV on standard output
  ilms diff --out changes --quiet             the files only, nothing printed"
)]
pub struct DiffArgs {
    /// The earlier release (an id `ilms releases` lists).
    old: Option<String>,
    /// The later release (default: the current one).
    new: Option<String>,
    /// Also write every changed cell as Parquet and CSV into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print every changed cell as CSV instead of the summary.
    #[arg(long)]
    csv: bool,
    #[command(flatten)]
    round: RoundArg,
    #[command(flatten)]
    quiet: QuietArg,
}

pub fn run(args: DiffArgs) -> ilms::Result<()> {
    let round = ilms::Round::load(&args.round.round)?;
    let (old, new) = ilms::diff::choose(&round.outputs, args.old.as_deref(), args.new.as_deref())?;
    let diff = ilms::diff::diff(&round.outputs, &old, &new)?;
    if let Some(dir) = &args.out {
        for path in diff.write(dir)? {
            if !args.quiet.quiet {
                eprintln!("wrote {}", path.display());
            }
        }
    }
    if args.csv {
        let csv = diff.to_csv(std::path::Path::new("standard output"))?;
        return emit(String::from_utf8_lossy(&csv));
    }
    if args.quiet.quiet {
        return Ok(());
    }
    emit(diff)
}
