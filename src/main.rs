//! The `ilms` command: parses arguments, calls the library, maps errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ilms",
    version,
    arg_required_else_help = true,
    about = "Labour-migration statistics: ingest national sources, harmonize to ILO definitions, validate, publish ILMS indicators",
    after_help = "Examples:\n  ilms run                      run the round in ./ilms.toml (all stages)\n  ilms run --round other.toml   run another round manifest\n  ilms check                    check every spec of the round; publish nothing\n  ilms validate                 run the validation rules and report; publish nothing\n  ilms inspect raw/lfs.dta      columns, codes and value labels of a raw file, to write its spec\n  ilms generate --rows 1000000 --out bench-data/1M   a bigger synthetic round for benchmarks\n\nExit codes: 0 success, 1 a spec, input or output problem (the message says which file and what to do), 2 bad arguments."
)]
struct Cli {
    /// Required: `ilms` alone prints this help rather than replacing the release.
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every stage on the round: ingest, harmonize, validate, tabulate, publish, charts.
    #[command(
        after_help = "Examples:\n  ilms run\n  ilms run --round rounds/2025.toml --quiet\n  ilms run --no-records          indicators only, for large rounds\n  ilms run --keep-going          publish the other sources when one fails\n  ilms run --source MYS_LFS_2024 re-run one source after a correction; its release goes to .ilms/runs/MYS_LFS_2024"
    )]
    Run {
        /// The round manifest.
        #[arg(long, default_value = "ilms.toml")]
        round: PathBuf,
        /// No progress bars (the summary is still printed).
        #[arg(long)]
        quiet: bool,
        /// Do not publish the harmonized records (overrides `[output] records` in the manifest):
        /// indicators, quarantine and run log only, which is much faster on large rounds.
        #[arg(long)]
        no_records: bool,
        /// Publish the other sources when one fails as a whole (no clean record, or too many
        /// quarantined: schemas/rules); it is then not available, with the reason.
        #[arg(long)]
        keep_going: bool,
        /// Run only this source (repeat for several): every stage, its release written to --out,
        /// the round's release left as it is.
        #[arg(long = "source", value_name = "ID")]
        sources: Vec<String>,
        /// Where a run of some sources (--source) writes its release (default:
        /// .ilms/runs/<ID> beside the manifest).
        #[arg(long, requires = "sources")]
        out: Option<PathBuf>,
    },
    /// Generate a large synthetic round for benchmarks by resampling a source of a round (seeded).
    #[command(
        after_help = "Writes OUT/ilms.toml, OUT/schemas/ (copied) and the source's raw file, bigger, as CSV and Parquet.\n\nExamples:\n  ilms generate --rows 10000000 --out bench-data/10M\n  ilms run --round bench-data/10M/ilms.toml"
    )]
    Generate {
        /// The round to copy.
        #[arg(long, default_value = "ilms.toml")]
        round: PathBuf,
        /// Source id to resample (default: the round's first source).
        #[arg(long)]
        source: Option<String>,
        /// Number of records to generate.
        #[arg(long)]
        rows: usize,
        /// Seed: the same seed gives the same file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Folder for the generated round (must not exist, or be empty).
        #[arg(long)]
        out: PathBuf,
    },
    /// Show a raw file as ilms reads it: columns, storage, row count, value labels, frequent values.
    #[command(
        after_help = "Use it to write a source spec: the column names, codes and labels shown are what the spec refers to.\n\nExamples:\n  ilms inspect raw/lfs_2024.dta\n  ilms inspect raw/deployments.xlsx --sheet \"Table 3\" --header-row 4 --header-rows 2\n  ilms inspect raw/census.csv --delimiter \";\" --encoding windows-1252"
    )]
    Inspect {
        /// The file to inspect.
        file: PathBuf,
        /// csv, xlsx, xls, dta, sav or parquet (default: from the extension).
        #[arg(long, value_parser = parse_format)]
        format: Option<ilms::spec::FileFormat>,
        /// Text files: utf-8, utf-16le, utf-16be, windows-1252 or latin-1.
        #[arg(long, default_value = "utf-8", value_parser = parse_encoding)]
        encoding: ilms::spec::TextEncoding,
        /// Text files: the field delimiter ("\t" for tab).
        #[arg(long, default_value = ",")]
        delimiter: String,
        /// Workbooks: the sheet (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// Workbooks: the sheet row of the header.
        #[arg(long, default_value_t = 1)]
        header_row: u32,
        /// Workbooks: how many rows the header spans.
        #[arg(long, default_value_t = 1)]
        header_rows: u32,
        /// How many of each column's most frequent values to show.
        #[arg(long, default_value_t = 8)]
        values: usize,
        /// Count distinct and frequent values over the first N rows (the row count and blanks
        /// always cover the whole file).
        #[arg(long, default_value_t = 1_000_000)]
        sample_rows: usize,
    },
    /// Run the validation rules (schemas/rules/) on every source and report; publish nothing.
    #[command(
        after_help = "Prints every rule's items, passes, fails and missing per source, failures first.\nExit code 1 when a rule of severity error fails (its records would be quarantined), else 0.\n\nExamples:\n  ilms validate\n  ilms validate --json > validation.json\n  ilms validate --round rounds/2025.toml"
    )]
    Validate {
        /// The round manifest.
        #[arg(long, default_value = "ilms.toml")]
        round: PathBuf,
        /// Print the results as JSON (one object per rule and source) instead of a table.
        #[arg(long)]
        json: bool,
        /// No progress bars.
        #[arg(long)]
        quiet: bool,
    },
    /// Run SQL over the published outputs: tables indicators, records, quarantine, coverage, validation.
    #[command(
        after_help = "Examples:\n  ilms query \"SELECT ref_area, obs_value FROM indicators WHERE indicator = 'MNA_OEMP_SEX_CDS_NB' AND sex = 'SEX_T' AND classif1 = 'CDS_DES_TOTAL'\"\n  ilms query --csv \"SELECT * FROM indicators WHERE unit = 'PT'\" > rates.csv\n  ilms query \"SELECT source_id, count(*) AS n FROM quarantine GROUP BY source_id\""
    )]
    Query {
        /// The SQL query (polars SQL).
        sql: String,
        /// The round manifest (its `[output] processed` folder is queried).
        #[arg(long, default_value = "ilms.toml")]
        round: PathBuf,
        /// Print CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// Annual tables for focal points (Total / Men / Women / % women by country) as .xlsx, .csv, .md.
    #[command(
        after_help = "Reads the cells the last `ilms run` published. With no ID and no --indicator, writes every table of
schemas/tables.toml. Prints each table as Markdown.

Examples:
  ilms table                                   every declared table (Markdown on standard output)
  ilms table --out tables                      and as .xlsx, .csv and .md files in tables/
  ilms table outflow_nationals --year 2023     a declared table for another year
  ilms table outflow_nationals --year 2024 --latest   each country's latest year up to 2024
  ilms table --indicator MNA_OEMP_SEX_CDS_NB --classif1 CDS_DES_TOTAL --unit persons
  ilms table outflow_nationals --countries <ISO3>,<ISO3>   listed countries only (n/a rows where no data)

In the tables: n/a = the source does not give the figure, \u{2013} = nil, x = not published."
    )]
    Table {
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
        #[arg(long, requires = "indicator", default_value = "thousands", value_parser = parse_unit)]
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
        /// The round manifest.
        #[arg(long, default_value = "ilms.toml")]
        round: PathBuf,
    },
    /// Protect a table made outside ilms: primary cells and a secondary-suppression pattern.
    #[command(
        after_help = "CELLS: a CSV with one column per dimension (codes, totals included), `freq` (records behind the
cell) and optionally `value` (persons; default freq) and `primary` (true/false, instead of the
frequency rule). HIERARCHIES: a CSV `dimension,parent,child`: a parent cell is the sum of its
children with the same other codes. Writes CELLS with a `status` column (published, primary,
secondary); the pattern is the one `ilms run` uses for complete counts (README: disclosure control).

Examples:
  ilms protect cells.csv hierarchies.csv
  ilms protect cells.csv hierarchies.csv --withheld-below 4 --protection 1 --cost freq --out protected.csv"
    )]
    Protect {
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
        #[arg(long, default_value = "value", value_parser = parse_cost)]
        cost: ilms::disclosure::table::Cost,
        /// Write the protected table here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check the round's manifest, specs, classifications, raw-file headers and the raw columns the
    /// specs' expressions compare; publish nothing.
    #[command(after_help = "Examples:\n  ilms check\n  ilms check --round rounds/2025.toml")]
    Check {
        /// The round manifest.
        #[arg(long, default_value = "ilms.toml")]
        round: PathBuf,
    },
    /// List the releases kept (`[output] releases`), newest first, and which one is current.
    #[command(
        after_help = "Each `ilms run` writes a release of its own and makes it current in one step; processed/ and
charts/ show the current one. A release's release.json lists its inputs and every file with its
size and SHA-256.

Examples:\n  ilms releases\n  ilms releases --round rounds/2025.toml"
    )]
    Releases {
        /// The round manifest.
        #[arg(long, default_value = "ilms.toml")]
        round: PathBuf,
    },
}

/// Parse a spec value (`"xlsx"`, `"utf-8"`) the way the spec file would.
fn parse_spec_value<T: serde::de::DeserializeOwned>(value: &str) -> Result<T, String> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(value))
        .map_err(|e| e.to_string())
}

fn parse_format(value: &str) -> Result<ilms::spec::FileFormat, String> {
    parse_spec_value(value)
}

fn parse_unit(value: &str) -> Result<ilms::annual::TableUnit, String> {
    parse_spec_value(value)
}

fn parse_cost(value: &str) -> Result<ilms::disclosure::table::Cost, String> {
    parse_spec_value(value)
}

fn parse_encoding(value: &str) -> Result<ilms::spec::TextEncoding, String> {
    parse_spec_value(value)
}

/// Print to standard output. A reader that stops early (`ilms query ... | head`) closes the pipe;
/// that ends the output quietly, where `print!` would panic. Other write errors are reported.
fn emit(text: impl std::fmt::Display) -> ilms::Result<()> {
    use std::io::Write;
    match write!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(ilms::Error::io("standard output", "write the output", e))
        }
        _ => Ok(()),
    }
}

/// `ilms protect`: the protected table to `out` or standard output, its summary to standard error.
fn protect_table(
    options: ilms::disclosure::table::ProtectOptions,
    out: Option<PathBuf>,
) -> ilms::Result<()> {
    let (table, summary) = ilms::disclosure::table::protect(&options)?;
    eprint!("{summary}");
    match out {
        Some(path) => std::fs::write(&path, table)
            .map_err(|e| ilms::Error::io(&path, "write the protected table", e)),
        None => emit(table),
    }
}

fn main() -> ExitCode {
    ilms::tabulate::size_group_tables();
    let cli = Cli::parse();
    let command = cli.command;
    let result = match command {
        Command::Run {
            round,
            quiet,
            no_records,
            keep_going,
            sources,
            out,
        } => ilms::Round::load(&round).and_then(|mut r| {
            if no_records {
                r.publish_records = false;
            }
            if !sources.is_empty() {
                let out = out.unwrap_or_else(|| r.root.join(".ilms/runs").join(sources.join("+")));
                r.only_sources(&sources, &out)?;
                if !quiet {
                    eprintln!(
                    "running {} alone: its release goes to {} (the round's release is left as it is)",
                    sources.join(", "),
                        out.display()
                    );
                }
            }
            let report = r.run(&ilms::RunOptions {
                progress: !quiet,
                keep_going,
            })?;
            emit(report)
        }),
        Command::Generate {
            round,
            source,
            rows,
            seed,
            out,
        } => {
            let options = ilms::generate::GenerateOptions {
                round,
                source,
                rows,
                seed,
                out,
            };
            ilms::generate::generate(&options).and_then(|manifest| {
                emit(format_args!(
                    "generated {} rows; run it with: ilms run --round {}\n",
                    options.rows,
                    manifest.display()
                ))
            })
        }
        Command::Inspect {
            file,
            format,
            encoding,
            delimiter,
            sheet,
            header_row,
            header_rows,
            values,
            sample_rows,
        } => ilms::inspect::inspect(&ilms::inspect::InspectOptions {
            path: file,
            format,
            encoding,
            delimiter: if delimiter == "\\t" {
                "\t".into()
            } else {
                delimiter
            },
            sheet,
            header_row,
            header_rows,
            values,
            sample_rows,
        })
        .and_then(emit),
        Command::Validate { round, json, quiet } => ilms::Round::load(&round)
            .and_then(|r| {
                r.validate(&ilms::RunOptions {
                    progress: !quiet,
                    keep_going: true,
                })
            })
            .and_then(|report| {
                if json {
                    let text = serde_json::to_string_pretty(&report.validation).map_err(|e| {
                        ilms::Error::new(&round, "", e.to_string(), "report this bug")
                    })?;
                    emit(format_args!("{text}\n"))?;
                } else {
                    emit(report.validation_table())?;
                }
                let failed = report.failed_errors();
                if failed.is_empty() {
                    Ok(())
                } else {
                    Err(ilms::Error::new(
                        &round,
                        "",
                        format!(
                            "{} rule result(s) of severity error failed: {}",
                            failed.len(),
                            failed
                                .iter()
                                .map(|r| format!("{} on {}", r.rule, r.source_id))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        "correct the records or the specs (the quarantine of `ilms run` lists every failing record)",
                    ))
                }
            }),
        Command::Protect {
            cells,
            hierarchies,
            withheld_below,
            protection,
            cost,
            out,
        } => protect_table(
            ilms::disclosure::table::ProtectOptions {
                cells,
                hierarchies,
                withheld_below,
                protection,
                cost,
            },
            out,
        ),
        Command::Query { sql, round, csv } => ilms::Round::load(&round).and_then(|r| {
            let output = if csv {
                ilms::query::QueryOutput::Csv
            } else {
                ilms::query::QueryOutput::Table
            };
            emit(ilms::query::query(&r.outputs.processed, &sql, output)?)
        }),
        Command::Table {
            id,
            indicator,
            classif1,
            classif2,
            unit,
            year,
            latest,
            countries,
            out,
            round,
        } => ilms::Round::load(&round).and_then(|r| {
            let mut specs = match (&id, indicator) {
                (Some(id), _) => match r.tables.iter().find(|t| &t.id == id) {
                    Some(spec) => vec![spec.clone()],
                    None => {
                        return Err(ilms::Error::new(
                            &round,
                            "",
                            format!("no table '{id}' is declared"),
                            format!(
                                "use one of: {}",
                                r.tables
                                    .iter()
                                    .map(|t| t.id.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ))
                    }
                },
                (None, Some(indicator)) => {
                    let label = r
                        .indicators
                        .list
                        .iter()
                        .find(|i| i.id == indicator)
                        .map_or(indicator.clone(), |i| i.label.clone());
                    let spec = ilms::annual::TableSpec {
                        id: indicator.to_lowercase(),
                        title: format!("{label}, {{year}}"),
                        indicator,
                        classif1,
                        classif2,
                        unit,
                        year: None,
                        latest: false,
                        countries: Vec::new(),
                    };
                    ilms::annual::check_spec(&spec, &r.indicators).map_err(
                        |(problem, fix)| ilms::Error::new(&round, "--indicator", problem, fix),
                    )?;
                    vec![spec]
                }
                (None, None) => r.tables.clone(),
            };
            for spec in &mut specs {
                if year.is_some() {
                    spec.year = year;
                    spec.latest = latest;
                }
                if !countries.is_empty() {
                    spec.countries = countries.iter().map(|c| c.trim().to_uppercase()).collect();
                }
            }
            let cells = r.published_cells()?;
            let titles = r.source_titles();

            for spec in &specs {
                if let Some(fix) = ilms::annual::codes_hint(spec, &cells) {
                    return Err(ilms::Error::new(
                        r.outputs.processed.join("indicators"),
                        &spec.indicator,
                        format!(
                            "no published cell of {} has classif1 {} and classif2 {}",
                            spec.indicator,
                            spec.classif1.as_deref().unwrap_or("(none)"),
                            spec.classif2.as_deref().unwrap_or("(none)")
                        ),
                        fix,
                    ));
                }
                let table = ilms::annual::build(spec, &cells, &r.table_context(&titles));
                emit(format_args!("{}\n", table.to_markdown()))?;
                // The release's own tables are written by `ilms run`; a release is never edited.
                if let Some(dir) = &out {
                    for path in ilms::annual::write_files(&table, dir)? {
                        eprintln!("wrote {}", path.display());
                    }
                }
            }
            Ok(())
        }),
        Command::Releases { round } => ilms::Round::load(&round)
            .and_then(|r| emit(ilms::publish::releases_table(&r.outputs.releases))),
        Command::Check { round } => ilms::Round::load(&round).and_then(|r| {
            r.check_expressions()?;
            emit(format_args!(
                "{}: {} sources, {} indicators ({} tables), {} annual tables, {} charts: all specs check out\n",
                round.display(),
                r.sources.len(),
                r.indicators.ids().len(),
                r.indicators.list.len(),
                r.tables.len(),
                r.charts.len()
            ))
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
