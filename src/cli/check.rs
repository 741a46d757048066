//! `ilms check`: every spec of the round checked; nothing read beyond headers and compared values.

use super::{emit, emit_json, QuietArg, RoundArg};

/// Check the round's manifest, specs, classifications, raw-file headers and the raw columns the
/// specs' expressions compare; publish nothing.
#[derive(clap::Args)]
#[command(
    after_help = "Every problem is reported, not only the first: each spec is checked even when another fails
(a spec that fails leaves out only the checks that need it), then exit code 1.

With --json, standard output is one JSON object: `ok`, `errors` (each with `file`, `location`,
`problem`, `fix`) and, when the round loaded, `round` (`name`, `sources` (their ids),
`indicators`, `indicator_tables`, `annual_tables`, `charts`).

Examples:
  ilms check
  ilms check --round rounds/2025.toml
  ilms check --quiet && ilms run      run only when every spec checks out
  ilms check --json | jq '.errors[] | .file + \": \" + .problem'"
)]
pub struct CheckArgs {
    #[command(flatten)]
    round: RoundArg,
    #[command(flatten)]
    quiet: QuietArg,
    /// Print the findings as JSON on standard output (see below).
    #[arg(long)]
    json: bool,
}

/// What `--json` says about a round that loaded.
#[derive(serde::Serialize)]
struct Checked {
    round: CheckedRound,
}

#[derive(serde::Serialize)]
struct CheckedRound {
    name: String,
    sources: Vec<String>,
    indicators: usize,
    indicator_tables: usize,
    annual_tables: usize,
    charts: usize,
}

pub fn run(args: CheckArgs) -> ilms::Result<()> {
    let (checked, result) = match ilms::Round::load(&args.round.round) {
        Err(e) => (None, Err(e)),
        Ok(round) => {
            let checked = Checked {
                round: CheckedRound {
                    name: round.name.clone(),
                    sources: round.sources.iter().map(|s| s.source.id.clone()).collect(),
                    indicators: round.indicators.ids().len(),
                    indicator_tables: round.indicators.list.len(),
                    annual_tables: round.tables.len(),
                    charts: round.charts.len(),
                },
            };
            (Some(checked), round.check_expressions())
        }
    };
    if args.json {
        emit_json(checked.as_ref(), result.as_ref().err())?;
    } else if let (Some(checked), Ok(()), false) = (&checked, &result, args.quiet.quiet) {
        let round = &checked.round;
        emit(format_args!(
            "{}: {} sources, {} indicators ({} tables), {} annual tables, {} charts: all specs check out\n",
            args.round.round.display(),
            round.sources.len(),
            round.indicators,
            round.indicator_tables,
            round.annual_tables,
            round.charts
        ))?;
    }
    result
}
