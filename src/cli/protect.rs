//! `ilms protect`: disclosure control on a table made outside ilms.

use std::path::PathBuf;

use super::{emit, parse_spec_value, QuietArg};

/// Protect a table made outside ilms: primary cells and a secondary-suppression pattern.
#[derive(clap::Args)]
#[command(
    after_help = "CELLS: a CSV with one column per dimension (codes, totals included), `freq` (records behind the
cell) and optionally `value` (persons; default freq) and `primary` (true/false, instead of the
frequency rule). HIERARCHIES: a CSV `dimension,parent,child`: a parent cell is the sum of its
children with the same other codes. Writes CELLS with a `status` column (published, primary,
secondary); the pattern is the one `ilms run` uses for complete counts (README: disclosure control).

Examples:
  ilms protect cells.csv hierarchies.csv
  ilms protect cells.csv hierarchies.csv --withheld-below 4 --protection 1 --cost freq --out protected.csv
  ilms protect cells.csv hierarchies.csv --quiet > protected.csv   the table only, no summary"
)]
pub struct ProtectArgs {
    /// The table's cells.
    cells: PathBuf,
    /// The dimensions' hierarchies.
    hierarchies: PathBuf,
    /// Cells of 1 to this minus 1 records are primary.
    #[arg(long, default_value_t = 5)]
    withheld_below: i64,
    /// Persons each primary cell must be able to move each way (down to 0) given what is published.
    #[arg(long, default_value_t = 5)]
    protection: i64,
    /// What withholding a cell costs: value (persons plus the threshold), freq or unity.
    #[arg(long, default_value = "value", value_parser = parse_spec_value::<ilms::disclosure::table::Cost>)]
    cost: ilms::disclosure::table::Cost,
    /// Write the protected table here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    quiet: QuietArg,
}

/// The protected table to `out` or standard output (even with --quiet: it is the output asked
/// for), its summary to standard error.
pub fn run(args: ProtectArgs) -> ilms::Result<()> {
    let (table, summary) =
        ilms::disclosure::table::protect(&ilms::disclosure::table::ProtectOptions {
            cells: args.cells,
            hierarchies: args.hierarchies,
            withheld_below: args.withheld_below,
            protection: args.protection,
            cost: args.cost,
        })?;
    if !args.quiet.quiet {
        eprint!("{summary}");
    }
    match args.out {
        Some(path) => std::fs::write(&path, table)
            .map_err(|e| ilms::Error::io(&path, "write the protected table", e)),
        None => emit(table),
    }
}
