//! `ilms table`: annual tables from the current release, printed and optionally written.

use std::path::PathBuf;

use super::{emit, parse_spec_value, QuietArg, RoundArg};

/// Annual tables for focal points (Total / Men / Women / % women by country) as .xlsx, .csv, .md.
#[derive(clap::Args)]
#[command(
    after_help = "Reads the cells the last `ilms run` published. With no ID and no --indicator, writes every table of
schemas/tables.toml. Prints each table as Markdown.

Examples:
  ilms table                                   every declared table (Markdown on standard output)
  ilms table --out tables                      and as .xlsx, .csv and .md files in tables/
  ilms table --out tables --quiet              the files only, nothing printed
  ilms table outflow_nationals --year 2023     a declared table for another year
  ilms table outflow_nationals --year 2024 --latest   each country's latest year up to 2024
  ilms table --indicator MNA_OEMP_SEX_CDS_NB --classif1 CDS_DES_TOTAL --unit persons
  ilms table outflow_nationals --countries <ISO3>,<ISO3>   listed countries only (n/a rows where no data)

In the tables: n/a = the source does not give the figure, \u{2013} = nil, x = not published."
)]
pub struct TableArgs {
    /// A table id of schemas/tables.toml.
    id: Option<String>,
    /// A count indicator, for a table not declared (with --classif1/--classif2 for its cells).
    #[arg(long, conflicts_with = "id")]
    indicator: Option<String>,
    /// With --indicator: the classif1 code of the cells shown (e.g. CDS_DES_TOTAL).
    #[arg(long, requires = "indicator")]
    classif1: Option<String>,
    /// With --indicator: the classif2 code of the cells shown (e.g. CCT_CIT_NONCIT).
    #[arg(long, requires = "indicator")]
    classif2: Option<String>,
    /// With --indicator: persons or thousands.
    #[arg(long, requires = "indicator", default_value = "thousands", value_parser = parse_spec_value::<ilms::annual::TableUnit>)]
    unit: ilms::annual::TableUnit,
    /// The table's year (default: each country's latest).
    #[arg(long)]
    year: Option<u32>,
    /// With --year: each country's latest year up to it, footnoted where it differs.
    #[arg(long, requires = "year")]
    latest: bool,
    /// Rows, as ISO alpha-3 codes separated by commas (a country without data gets an n/a row).
    #[arg(long, value_delimiter = ',')]
    countries: Vec<String>,
    /// Also write each table as .xlsx, .csv and .md into this folder (`ilms run` already wrote
    /// the declared tables into processed/tables/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    round: RoundArg,
    #[command(flatten)]
    quiet: QuietArg,
}

pub fn run(args: TableArgs) -> ilms::Result<()> {
    let round = ilms::Round::load(&args.round.round)?;
    let specs = round.table_specs(&ilms::round::TableRequest {
        id: args.id,
        indicator: args.indicator,
        classif1: args.classif1,
        classif2: args.classif2,
        unit: args.unit,
        year: args.year,
        latest: args.latest,
        countries: args.countries,
    })?;
    let cells = round.published_cells()?;
    for spec in &specs {
        let table = round.build_table(spec, &cells)?;
        if !args.quiet.quiet {
            emit(format_args!("{}\n", table.to_markdown()))?;
        }
        // The release's own tables are written by `ilms run`; a release is never edited.
        if let Some(dir) = &args.out {
            for path in ilms::annual::write_files(&table, dir)? {
                if !args.quiet.quiet {
                    eprintln!("wrote {}", path.display());
                }
            }
        }
    }
    Ok(())
}
