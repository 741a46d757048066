//! `ilms query`: SQL over the current release.

use super::emit;

/// Run SQL over the published outputs: tables indicators, records, quarantine, coverage, validation, labels.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  ilms query \"SELECT ref_area, obs_value FROM indicators WHERE indicator = 'MNA_OEMP_SEX_CDS_NB' AND sex = 'SEX_T' AND classif1 = 'CDS_DES_TOTAL'\"\n  ilms query --csv \"SELECT * FROM indicators WHERE unit = 'PT'\" > rates.csv\n  ilms query --json \"SELECT source_id, count(*) AS n FROM quarantine GROUP BY source_id\"\n  ilms query --timeout 30 --max-memory 1G \"SELECT sex, COUNT(*) FROM records GROUP BY sex\"\n\nA query only reads the current release (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN; no file-reading\nfunction). Past --timeout or --max-memory it ends with an error and exit 1 (memory is measured on\nLinux only; elsewhere only the time limit applies)."
)]
pub struct QueryArgs {
    /// The SQL query (polars SQL).
    sql: String,
    /// The round manifest (its `[output] processed` folder is queried).
    #[arg(long, default_value = "ilms.toml")]
    round: std::path::PathBuf,
    /// Print CSV instead of a table.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Print JSON: an array with one object per row.
    #[arg(long)]
    json: bool,
    /// Stop the query after this many seconds.
    #[arg(long, default_value_t = 600.0, value_name = "SECONDS", value_parser = seconds)]
    timeout: f64,
    /// Stop the query when the process holds more memory than this (e.g. 512M, 4G; a plain
    /// number is MiB).
    #[arg(long, default_value = "4G", value_name = "SIZE", value_parser = bytes)]
    max_memory: u64,
}

pub fn run(args: QueryArgs) -> ilms::Result<()> {
    use ilms::query::{QueryLimits, QueryOutput};
    let round = ilms::Round::load(&args.round)?;
    let output = match (args.csv, args.json) {
        (true, _) => QueryOutput::Csv,
        (_, true) => QueryOutput::Json,
        _ => QueryOutput::Table,
    };
    let limits = QueryLimits {
        timeout: std::time::Duration::from_secs_f64(args.timeout),
        max_memory: args.max_memory,
    };
    // Past a limit the query's thread is still running and cannot be stopped: returning the error
    // ends the process (main returns), which ends it; a query only reads, nothing is half-written.
    emit(ilms::query::query_within(
        &round.outputs.processed,
        &args.sql,
        output,
        limits,
    )?)
}

/// A positive number of seconds.
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() && s < 1e9 => Ok(s),
        _ => Err(format!(
            "'{text}' is not a positive number of seconds (e.g. 30)"
        )),
    }
}

/// A size in bytes from "512M", "4G", "2048" (MiB).
fn bytes(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let upper = upper.trim_end_matches("IB").trim_end_matches('B');
    let (number, unit) = match upper.chars().last() {
        Some('K') => (&upper[..upper.len() - 1], 1u64 << 10),
        Some('M') => (&upper[..upper.len() - 1], 1 << 20),
        Some('G') => (&upper[..upper.len() - 1], 1 << 30),
        Some('T') => (&upper[..upper.len() - 1], 1 << 40),
        _ => (upper, 1 << 20),
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n > 0.0 && n * (unit as f64) < u64::MAX as f64 => Ok((n * unit as f64) as u64),
        _ => Err(format!(
            "'{text}' is not a size (e.g. 512M, 4G; a plain number is MiB)"
        )),
    }
}
