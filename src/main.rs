//! The `ilms` command: parses arguments, sets the process up, hands each subcommand to its module
//! under `cli/`, and maps errors to exit codes.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ilms",
    version,
    arg_required_else_help = true,
    about = "Labour-migration statistics: ingest national sources, harmonize to ILO definitions, validate, publish ILMS indicators",
    after_help = "Examples:\n  ilms run                      run the round in ./ilms.toml (all stages)\n  ilms run --round other.toml   run another round manifest\n  ilms run --quiet              print nothing unless something fails\n  ilms run --json > run.json    the run's summary as JSON\n  ilms check                    check every spec of the round (every problem listed); publish nothing\n  ilms validate                 run the validation rules and report; publish nothing\n  ilms inspect raw/lfs.dta      columns, codes and value labels of a raw file, to write its spec\n  ilms generate --rows 1000000 --out bench-data/1M   a bigger synthetic round for benchmarks\n\n`ilms` alone prints this help (exit code 2) and runs nothing: `ilms run` runs the round.\n\nExit codes: 0 success, 1 a spec, input or output problem (the message says which file and what to do), 2 bad arguments."
)]
struct Cli {
    /// Required: `ilms` alone prints this help rather than replacing the release.
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every stage on the round: ingest, harmonize, validate, tabulate, publish, charts.
    Run(cli::run::RunArgs),
    /// Generate a large synthetic round for benchmarks by resampling a source of a round (seeded).
    Generate(cli::generate::GenerateArgs),
    /// Show a raw file as ilms reads it: columns, storage, row count, value labels, frequent values.
    Inspect(cli::inspect::InspectArgs),
    /// Run the validation rules (schemas/rules/) on every source and report; publish nothing.
    Validate(cli::validate::ValidateArgs),
    /// Run SQL over the published outputs: tables indicators, records, quarantine, coverage, validation.
    Query(cli::query::QueryArgs),
    /// Annual tables for focal points (Total / Men / Women / % women by country) as .xlsx, .csv, .md.
    Table(cli::table::TableArgs),
    /// Protect a table made outside ilms: primary cells and a secondary-suppression pattern.
    Protect(cli::protect::ProtectArgs),
    /// Check the round's manifest, specs, classifications, raw-file headers and the raw columns the
    /// specs' expressions compare; publish nothing.
    Check(cli::check::CheckArgs),
    /// List the releases kept (`[output] releases`), newest first, and which one is current.
    Releases(cli::releases::ReleasesArgs),
    /// Show what changed between two releases: cells added, removed, revised and re-flagged.
    Diff(cli::diff::DiffArgs),
    /// Print or write the JSON Schemas of the spec files, for editors that complete and check TOML.
    Schema(cli::schema::SchemaArgs),
}

/// Process-wide settings, made once before any thread starts.
fn set_up_process() {
    // Polars' streaming group-by keeps 4,096 groups per thread in a table and sets the others
    // aside until the end. A round's record combinations (2,282 in the benchmark round, more in a
    // census) collide in a table that small, and what was set aside grew with the file: 600 MiB
    // more at 50M records. A value the user set is kept.
    const GROUP_TABLE: &str = "POLARS_HOT_TABLE_SIZE";
    if std::env::var_os(GROUP_TABLE).is_none() {
        std::env::set_var(GROUP_TABLE, "65536");
    }
    // A panic in a third-party reader on a damaged file is reported as an error with the file's
    // name (ingest::guarded); printing the panic too would only confuse.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !ilms::ingest::in_guarded_reader() {
            default_hook(info)
        }
    }));
}

fn main() -> ExitCode {
    set_up_process();
    let result = match Cli::parse().command {
        Command::Run(args) => cli::run::run(args),
        Command::Generate(args) => cli::generate::run(args),
        Command::Inspect(args) => cli::inspect::run(args),
        Command::Validate(args) => cli::validate::run(args),
        Command::Query(args) => cli::query::run(args),
        Command::Table(args) => cli::table::run(args),
        Command::Protect(args) => cli::protect::run(args),
        Command::Check(args) => cli::check::run(args),
        Command::Releases(args) => cli::releases::run(args),
        Command::Diff(args) => cli::diff::run(args),
        Command::Schema(args) => cli::schema::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
