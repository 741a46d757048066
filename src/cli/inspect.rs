//! `ilms inspect`: a raw file as ilms reads it, to write its spec.

use std::path::PathBuf;

use super::{emit, parse_spec_value};

/// Show a raw file as ilms reads it: columns, storage, row count, value labels, frequent values.
#[derive(clap::Args)]
#[command(
    after_help = "Use it to write a source spec: the column names, codes and labels shown are what the spec refers to.\n\nExamples:\n  ilms inspect raw/lfs_2024.dta\n  ilms inspect raw/deployments.xlsx --sheet \"Table 3\" --header-row 4 --header-rows 2\n  ilms inspect raw/census.csv --delimiter \";\" --encoding windows-1252"
)]
pub struct InspectArgs {
    /// The file to inspect.
    file: PathBuf,
    /// csv, xlsx, xls, dta, sav or parquet (default: from the extension).
    #[arg(long, value_parser = parse_spec_value::<ilms::spec::FileFormat>)]
    format: Option<ilms::spec::FileFormat>,
    /// Text files: utf-8, utf-16le, utf-16be, windows-1252 or latin-1.
    #[arg(long, default_value = "utf-8", value_parser = parse_spec_value::<ilms::spec::TextEncoding>)]
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
}

pub fn run(args: InspectArgs) -> ilms::Result<()> {
    let delimiter = if args.delimiter == "\\t" {
        "\t".into()
    } else {
        args.delimiter
    };
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
    })?)
}
