//! `ilms generate`: a large synthetic round for benchmarks.

use std::path::PathBuf;

use super::{emit, QuietArg};

/// Generate a large synthetic round for benchmarks by resampling a source of a round (seeded).
#[derive(clap::Args)]
#[command(
    after_help = "Writes OUT/ilms.toml, OUT/schemas/ (copied) and the source's raw file, bigger, as CSV and Parquet.\n\nExamples:\n  ilms generate --rows 10000000 --out bench-data/10M\n  ilms run --round bench-data/10M/ilms.toml"
)]
pub struct GenerateArgs {
    /// The round to copy.
    #[arg(long, default_value = "ilms.toml")]
    round: PathBuf,
    /// Source id to resample (default: the round's first source).
    #[arg(long)]
    source: Option<String>,
    /// Number of records to generate.
    #[arg(long)]
    rows: usize,
    /// Seed: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder for the generated round (must not exist, or be empty).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    quiet: QuietArg,
}

pub fn run(args: GenerateArgs) -> ilms::Result<()> {
    let options = ilms::generate::GenerateOptions {
        round: args.round,
        source: args.source,
        rows: args.rows,
        seed: args.seed,
        out: args.out,
    };
    let manifest = ilms::generate::generate(&options)?;
    if args.quiet.quiet {
        return Ok(());
    }
    emit(format_args!(
        "generated {} rows; run it with: ilms run --round {}\n",
        options.rows,
        manifest.display()
    ))
}
