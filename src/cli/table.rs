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
  ilms table --out tables                      and as .xlsx, .csv and .md files in tables/, with
                                               annual_tables.xlsx: a contents sheet and Table 1, 2, ...
  ilms table --out tables --quiet              the files only, nothing printed
  ilms table outflow_nationals --year 2023     a declared table for another year
  ilms table outflow_nationals --year 2024 --latest   each country's latest year up to 2024
  ilms table outflow_nationals --period 2023/2024     one table for 2023/2024: each country's
                                               latest year of the two, footnoted
  ilms table outflow_nationals --years 2022-2024      2022, 2023 and 2024 side by side
  ilms table --indicator MNA_OEMP_SEX_CDS_NB --keep CDS_DES_MYS --unit persons
                                               outflows to one destination (named in the title and
                                               the file name)
  ilms table outflow_nationals --countries <ISO3>,<ISO3>   listed countries only (.. rows where no data)
  ilms table outflow_nationals --technical-notes       footnotes also give source and rule ids

In the tables: .. = not available (no data, or the source does not give the figure), n/a = not
applicable (% women of a nil total), \u{2013} = nil, x = not published. The last row is the region's
total (schemas/tables.toml, [region]) where every country gives the figure."
)]
pub struct TableArgs {
    /// A table id of schemas/tables.toml.
    id: Option<String>,
    /// A count indicator, for a table not declared (with --keep for its cells).
    #[arg(long, conflicts_with = "id")]
    indicator: Option<String>,
    /// With --indicator: a code of the cells shown, one per breakdown besides sex, as `keep` in
    /// schemas/tables.toml (e.g. --keep CDS_DES_TOTAL; --keep OCU_SKILL_L1 --keep CBR_BIR_FOREIGN).
    /// ILOSTAT's --classif1 / --classif2 are accepted for it.
    #[arg(long, value_name = "CODE", requires = "indicator", aliases = ["classif1", "classif2"])]
    keep: Vec<String>,
    /// With --indicator: persons or thousands.
    #[arg(long, requires = "indicator", default_value = "thousands", value_parser = parse_spec_value::<ilms::annual::TableUnit>)]
    unit: ilms::annual::TableUnit,
    /// The table's year (default: each country's latest).
    #[arg(long, conflicts_with_all = ["period", "years"])]
    year: Option<u32>,
    /// With --year: each country's latest year up to it, footnoted where it differs.
    #[arg(long, requires = "year")]
    latest: bool,
    /// A period FROM/TO (e.g. 2018/2019): each country's latest year in it, every row footnoted
    /// with its year.
    #[arg(long, value_name = "FROM/TO", value_parser = parse_period, conflicts_with = "years")]
    period: Option<(u32, u32)>,
    /// Several years side by side: 2022,2023,2024 or 2022-2024.
    #[arg(long, value_name = "YEARS", value_parser = parse_years)]
    years: Option<Years>,
    /// Rows, as ISO alpha-3 codes separated by commas (a country without data gets a .. row).
    #[arg(long, value_delimiter = ',')]
    countries: Vec<String>,
    /// Footnotes also name the sources' and validation rules' ids, and the source line the
    /// indicator's code.
    #[arg(long)]
    technical_notes: bool,
    /// Also write each table as .xlsx, .csv and .md into this folder, and all of them as
    /// annual_tables.xlsx (`ilms run` already wrote the declared tables into processed/tables/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    round: RoundArg,
    #[command(flatten)]
    quiet: QuietArg,
}

/// "2018/2019" or "2018-2019": the first and last year of a period.
fn parse_period(value: &str) -> Result<(u32, u32), String> {
    let (from, to) = value
        .split_once(['/', '-'])
        .ok_or_else(|| format!("'{value}' is not a period: give FROM/TO, e.g. 2018/2019"))?;
    let year = |y: &str| {
        y.trim()
            .parse::<u32>()
            .map_err(|_| format!("'{y}' in '{value}' is not a year: give FROM/TO, e.g. 2018/2019"))
    };
    let (from, to) = (year(from)?, year(to)?);
    if from > to {
        return Err(format!(
            "the period {value} ends before it starts: give FROM/TO, e.g. 2018/2019"
        ));
    }
    Ok((from, to))
}

/// The years of `--years` (one value: clap would take a `Vec` for a repeated flag).
#[derive(Clone)]
struct Years(Vec<u32>);

/// "2022,2023,2024" or "2022-2024".
fn parse_years(value: &str) -> Result<Years, String> {
    let bad =
        |y: &str| format!("'{y}' in '{value}' is not a year: give 2022,2023,2024 or 2022-2024");
    let mut years = Vec::new();
    for part in value.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let from: u32 = from.trim().parse().map_err(|_| bad(from))?;
                let to: u32 = to.trim().parse().map_err(|_| bad(to))?;
                if from > to || to - from > 100 {
                    return Err(format!(
                        "'{part}' is not a range of years: give e.g. 2022-2024"
                    ));
                }
                years.extend(from..=to);
            }
            None => years.push(part.trim().parse().map_err(|_| bad(part))?),
        }
    }
    Ok(Years(years))
}

pub fn run(args: TableArgs) -> ilms::Result<()> {
    let round = ilms::Round::load(&args.round.round)?;
    let (year, latest, from) = match args.period {
        Some((from, to)) => (Some(to), true, Some(from)),
        None => (args.year, args.latest, None),
    };
    let specs = round.table_specs(&ilms::round::TableRequest {
        id: args.id,
        indicator: args.indicator,
        keep: args.keep,
        unit: args.unit,
        year,
        latest,
        from,
        years: args.years.map(|y| y.0).unwrap_or_default(),
        technical_notes: args.technical_notes,
        countries: args.countries,
    })?;
    let cells = round.published_cells()?;
    let quiet = args.quiet.quiet;
    let mut tables = Vec::new();
    for spec in &specs {
        let table = round.build_table(spec, &cells, args.technical_notes)?;
        if !quiet {
            emit(format_args!("{}\n", table.to_markdown()))?;
        }
        // The release's own tables are written by `ilms run`; a release is never edited.
        if let Some(dir) = &args.out {
            for path in ilms::annual::write_files(&table, dir)? {
                if !quiet {
                    eprintln!("wrote {}", path.display());
                }
            }
        }
        tables.push(table);
    }
    if let Some(dir) = &args.out {
        let (name, bytes) = ilms::annual::workbook_file(&tables, &round.name)?;
        let path = ilms::annual::write_file(dir, &name, &bytes)?;
        if !quiet {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}
