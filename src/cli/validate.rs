//! `ilms validate`: every rule on every source, reported; nothing published.

use super::{emit, QuietArg, RoundArg};

/// Run the validation rules (schemas/rules/) on every source and report; publish nothing.
#[derive(clap::Args)]
#[command(
    after_help = "Prints every rule's items, passes, fails and missing per source, failures first.\nExit code 1 when a rule of severity error fails (its records would be quarantined), else 0.\nWith --quiet only that error is printed (and the JSON with --json).\n\nExamples:\n  ilms validate\n  ilms validate --json > validation.json\n  ilms validate --quiet          exit code and failing rules only\n  ilms validate --round rounds/2025.toml"
)]
pub struct ValidateArgs {
    #[command(flatten)]
    round: RoundArg,
    /// Print the results as JSON (one object per rule and source) instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    quiet: QuietArg,
}

pub fn run(args: ValidateArgs) -> ilms::Result<()> {
    let manifest = &args.round.round;
    let report = ilms::Round::load(manifest)?.validate(&ilms::RunOptions {
        progress: !args.quiet.quiet,
        keep_going: true,
        ..Default::default()
    })?;
    if args.json {
        let text = serde_json::to_string_pretty(&report.validation)
            .map_err(|e| ilms::Error::new(manifest, "", e.to_string(), "report this bug"))?;
        emit(format_args!("{text}\n"))?;
    } else if !args.quiet.quiet {
        emit(report.validation_table())?;
    }
    report.error_if_rules_failed(manifest)
}
