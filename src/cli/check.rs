//! `ilms check`: every spec of the round checked; nothing read beyond headers and compared values.

use super::{emit, RoundArg};

/// Check the round's manifest, specs, classifications, raw-file headers and the raw columns the
/// specs' expressions compare; publish nothing.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  ilms check\n  ilms check --round rounds/2025.toml")]
pub struct CheckArgs {
    #[command(flatten)]
    round: RoundArg,
}

pub fn run(args: CheckArgs) -> ilms::Result<()> {
    let round = ilms::Round::load(&args.round.round)?;
    round.check_expressions()?;
    emit(format_args!(
        "{}: {} sources, {} indicators ({} tables), {} annual tables, {} charts: all specs check out\n",
        args.round.round.display(),
        round.sources.len(),
        round.indicators.ids().len(),
        round.indicators.list.len(),
        round.tables.len(),
        round.charts.len()
    ))
}
