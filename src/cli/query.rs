//! `ilms query`: SQL over the current release.

use super::emit;

/// Run SQL over the published outputs: tables indicators, records, quarantine, coverage, validation.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  ilms query \"SELECT ref_area, obs_value FROM indicators WHERE indicator = 'MNA_OEMP_SEX_CDS_NB' AND sex = 'SEX_T' AND classif1 = 'CDS_DES_TOTAL'\"\n  ilms query --csv \"SELECT * FROM indicators WHERE unit = 'PT'\" > rates.csv\n  ilms query \"SELECT source_id, count(*) AS n FROM quarantine GROUP BY source_id\""
)]
pub struct QueryArgs {
    /// The SQL query (polars SQL).
    sql: String,
    /// The round manifest (its `[output] processed` folder is queried).
    #[arg(long, default_value = "ilms.toml")]
    round: std::path::PathBuf,
    /// Print CSV instead of a table.
    #[arg(long)]
    csv: bool,
}

pub fn run(args: QueryArgs) -> ilms::Result<()> {
    let round = ilms::Round::load(&args.round)?;
    let output = if args.csv {
        ilms::query::QueryOutput::Csv
    } else {
        ilms::query::QueryOutput::Table
    };
    emit(ilms::query::query(
        &round.outputs.processed,
        &args.sql,
        output,
    )?)
}
