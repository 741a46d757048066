//! The `ilms` command: parses arguments, calls the library, maps errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ilms",
    version,
    about = "Labour-migration statistics: ingest national sources, harmonize to ILO definitions, validate, publish ILMS indicators",
    after_help = "Examples:\n  ilms run                      run the round in ./ilms.toml (all stages)\n  ilms run --round other.toml   run another round manifest\n  ilms check                    check every spec of the round without reading records\n  ilms generate --rows 1000000 --out bench-data/1M   a bigger synthetic round for benchmarks\n\nExit codes: 0 success, 1 a spec, input or output problem (the message says which file and what to do), 2 bad arguments."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run every stage on the round: ingest, harmonize, validate, tabulate, publish, charts.
    #[command(
        after_help = "Examples:\n  ilms run\n  ilms run --round rounds/2025.toml --quiet\n  ilms run --no-records          indicators only, for large rounds"
    )]
    Run {
        /// The round manifest.
        #[arg(long, default_value = "ilms.toml")]
        round: PathBuf,
        /// No progress bars (the summary is still printed).
        #[arg(long)]
        quiet: bool,
        /// Do not publish the harmonized records (overrides `[output] records` in the manifest):
        /// indicators, quarantine and run log only, which is much faster on large rounds.
        #[arg(long)]
        no_records: bool,
    },
    /// Generate a large synthetic round for benchmarks by resampling a source of a round (seeded).
    #[command(
        after_help = "Writes OUT/ilms.toml, OUT/schemas/ (copied) and the source's raw file, bigger, as CSV and Parquet.\n\nExamples:\n  ilms generate --rows 10000000 --out bench-data/10M\n  ilms run --round bench-data/10M/ilms.toml"
    )]
    Generate {
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
    },
    /// Check the round's manifest, specs, classifications and raw-file headers; read no records.
    #[command(after_help = "Examples:\n  ilms check\n  ilms check --round rounds/2025.toml")]
    Check {
        /// The round manifest.
        #[arg(long, default_value = "ilms.toml")]
        round: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run {
        round: PathBuf::from("ilms.toml"),
        quiet: false,
        no_records: false,
    });
    let result = match command {
        Command::Run {
            round,
            quiet,
            no_records,
        } => ilms::Round::load(&round).and_then(|mut r| {
            if no_records {
                r.publish_records = false;
            }
            let report = r.run(&ilms::RunOptions { progress: !quiet })?;
            print!("{report}");
            Ok(())
        }),
        Command::Generate {
            round,
            source,
            rows,
            seed,
            out,
        } => {
            let options = ilms::generate::GenerateOptions {
                round,
                source,
                rows,
                seed,
                out,
            };
            ilms::generate::generate(&options).map(|manifest| {
                println!(
                    "generated {} rows; run it with: ilms run --round {}",
                    options.rows,
                    manifest.display()
                );
            })
        }
        Command::Check { round } => ilms::Round::load(&round).map(|r| {
            println!(
                "{}: {} sources, {} indicators, {} charts: all specs check out",
                round.display(),
                r.sources.len(),
                r.indicators.list.len(),
                r.charts.len()
            );
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
