//! `ilms releases`: the releases kept, newest first.

use super::{emit, RoundArg};

/// List the releases kept (`[output] releases`), newest first, and which one is current.
#[derive(clap::Args)]
#[command(
    after_help = "Each `ilms run` writes a release of its own and makes it current in one step; processed/ and
charts/ show the current one. A release's release.json lists its inputs and every file with its
size and SHA-256.

Examples:\n  ilms releases\n  ilms releases --round rounds/2025.toml"
)]
pub struct ReleasesArgs {
    #[command(flatten)]
    round: RoundArg,
}

pub fn run(args: ReleasesArgs) -> ilms::Result<()> {
    let round = ilms::Round::load(&args.round.round)?;
    emit(ilms::publish::releases_table(&round.outputs.releases))
}
