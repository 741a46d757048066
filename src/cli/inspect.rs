//! `ilms inspect`: a raw file as ilms reads it, to write its spec.

use std::path::PathBuf;

use super::{emit, parse_spec_value};

/// Show a raw file as ilms reads it: how to read it, columns, storage, row count, value labels,
/// frequent values.
#[derive(clap::Args)]
#[command(
    after_help = "Use it to write a source spec: the column names, codes and labels shown are what the spec refers to.\n\nWhat is not given is sniffed from the file's first lines, as DuckDB's CSV sniffer does: a text file's encoding (byte-order mark), delimiter (comma, semicolon, tab, pipe: the one that splits the lines alike) and header line, or fixed-width lines; a workbook's header row below title rows. The report says what to declare in the spec. Columns that look like personal identifiers (names, passport or card numbers) are masked.\n\nExamples:\n  ilms inspect raw/lfs_2024.dta\n  ilms inspect raw/outflows.tsv                    # encoding, delimiter, header sniffed\n  ilms inspect raw/deployments.xlsx --sheet \"Table 3\" --header-row 4 --header-rows 2\n  ilms inspect raw/census.csv --delimiter \";\" --encoding windows-1252\n  ilms inspect raw/deployments.csv --show-identifiers"
)]
pub struct InspectArgs {
    /// The file to inspect.
    file: PathBuf,
    /// csv, fixed_width, xlsx, xls, dta, sav or parquet (default: from the extension).
    #[arg(long, value_parser = parse_spec_value::<ilms::spec::FileFormat>)]
    format: Option<ilms::spec::FileFormat>,
    /// Text files: utf-8, utf-16le, utf-16be, windows-1252 or latin-1 (default: sniffed).
    #[arg(long, value_parser = parse_spec_value::<ilms::spec::TextEncoding>)]
    encoding: Option<ilms::spec::TextEncoding>,
    /// Text files: the field delimiter ("\t" for tab; default: sniffed).
    #[arg(long)]
    delimiter: Option<String>,
    /// Workbooks: the sheet (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Workbooks: the sheet row of the header (default: the first row with two cells filled).
    #[arg(long)]
    header_row: Option<u32>,
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
    /// Show the values of columns that look like personal identifiers (masked by default).
    #[arg(long)]
    show_identifiers: bool,
}

pub fn run(args: InspectArgs) -> ilms::Result<()> {
    let delimiter = args
        .delimiter
        .map(|d| if d == "\\t" { "\t".into() } else { d });
    emit(ilms::inspect::inspect(&ilms::inspect::InspectOptions {
        path: args.file,
        format: args.format,
        encoding: args.encoding,
        delimiter,
        sheet: args.sheet,
        header_row: args.header_row,
        header_rows: args.header_rows,
        values: args.values,
        sample_rows: args.sample_rows,
        show_identifiers: args.show_identifiers,
    })?)
}
