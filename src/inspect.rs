//! `ilms inspect`: what a statistician needs to write a spec for a file — how to read it (encoding,
//! delimiter, where the header is, sniffed as DuckDB's CSV sniffer does), its columns, how each is
//! stored, row count, value labels and the most frequent values — read the way `ilms run` reads
//! it. Columns that look like personal identifiers are masked.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::ingest::{self, TextLayout, TextSniff, SOURCE_ROW};
use crate::spec::{
    DatasetFile, DelimitedFile, FileFormat, FileSpec, FixedWidthFile, TextEncoding, WorkbookFile,
};

/// How to read the file: the `[file]` keys of a spec, from the command line.
pub struct InspectOptions {
    /// The file to inspect.
    pub path: PathBuf,
    /// Default: from the file's extension.
    pub format: Option<FileFormat>,
    /// Text files; None: as the file's first bytes say.
    pub encoding: Option<TextEncoding>,
    /// Text files; None: the delimiter that splits the first lines alike.
    pub delimiter: Option<String>,
    /// Workbooks; None: the first sheet.
    pub sheet: Option<String>,
    /// Workbooks; None: the first row with two cells filled or more (rows above are titles).
    pub header_row: Option<u32>,
    /// Workbooks: how many rows the header spans (a heading over its sub-headings).
    pub header_rows: u32,
    /// How many of each column's most frequent values to show.
    pub values: usize,
    /// Distinct and most frequent values are counted over the first this many rows (memory stays
    /// bounded on a census); the row count and blanks cover the whole file.
    pub sample_rows: usize,
    /// Show the values of columns that look like personal identifiers (masked by default).
    pub show_identifiers: bool,
}

/// What the sniffing found: lines of advice, and whether the file can be read as declared.
struct Sniffed {
    advice: Vec<String>,
    /// Why the file is not read (fixed-width lines, title lines above a text header): the report
    /// ends with the advice.
    stop: Option<String>,
}

/// The report `ilms inspect` prints for the file: how to read it, its columns and values, and
/// the `[file]` keys of a spec that reads it.
pub fn inspect(options: &InspectOptions) -> Result<String> {
    let path = &options.path;
    let format = file_format(options)?;
    let mut file = file_spec(options, format);
    let sniffed = match &mut file {
        FileSpec::Csv(_) | FileSpec::FixedWidth(_) => {
            sniff_text(options, &ingest::sniff(path)?, &mut file)
        }
        FileSpec::Xlsx(book) | FileSpec::Xls(book) => sniff_workbook(options, book),
        FileSpec::Dta(_) | FileSpec::Sav(_) | FileSpec::Parquet(_) => Sniffed {
            advice: Vec::new(),
            stop: None,
        },
    };
    let mut out = String::new();
    if let Some(kind) = &sniffed.stop {
        let _ = writeln!(out, "{}: {kind}", display(path));
        write_advice(&mut out, &sniffed.advice);
        return Ok(out);
    }
    let loaded = ingest::load(path, &file, false)?;
    let _ = writeln!(out, "{}: {}", display(path), loaded.description);
    let summaries = summarize(&loaded, options)?;
    let rows = summaries.number("_rows")?;
    write_overview(&mut out, &loaded, rows, options);
    write_advice(&mut out, &sniffed.advice);
    write_footnotes(&mut out, &loaded.footnotes);
    let masked = write_columns(&mut out, &loaded, &summaries, options)?;
    write_masked_hint(&mut out, &masked);
    Ok(out)
}

/// A workbook's notes under its table, and how a spec carries them into the cells' notes.
fn write_footnotes(out: &mut String, footnotes: &[String]) {
    if footnotes.is_empty() {
        return;
    }
    let _ = writeln!(out, "Notes under the table:");
    for note in footnotes {
        let _ = writeln!(out, "  {note}");
    }
    let _ = writeln!(
        out,
        "  (a spec's `file.footnotes = true` carries them into the cells' note_source)"
    );
}

/// The file's format: the one given, or the one its extension says.
fn file_format(options: &InspectOptions) -> Result<FileFormat> {
    match options.format {
        Some(format) => Ok(format),
        None => FileFormat::from_extension(&options.path).ok_or_else(|| {
            Error::new(
                &options.path,
                "",
                "the file's extension does not say its format",
                "give --format (csv, fixed_width, xlsx, xls, dta, sav, parquet)",
            )
        }),
    }
}

/// The `[file]` table of a spec that reads the file the way the command line says (what is not
/// given is filled in by the sniffing).
fn file_spec(options: &InspectOptions, format: FileFormat) -> FileSpec {
    let path = options.path.clone();
    let encoding = options.encoding.unwrap_or_default();
    let dataset = || DatasetFile {
        path: path.clone(),
        unpivot: None,
    };
    let workbook = || WorkbookFile {
        path: path.clone(),
        sheet: options.sheet.clone(),
        cells: None,
        header_row: options.header_row.unwrap_or(1),
        header_rows: options.header_rows,
        total_rows: None,
        unpivot: None,
        total_columns: Vec::new(),
        footnotes: false,
    };
    match format {
        FileFormat::Csv => FileSpec::Csv(DelimitedFile {
            path,
            encoding,
            delimiter: options.delimiter.clone().unwrap_or_else(|| ",".into()),
            quote: "\"".into(),
            unpivot: None,
        }),
        FileFormat::FixedWidth => FileSpec::FixedWidth(FixedWidthFile {
            path,
            encoding,
            columns: Vec::new(),
            unpivot: None,
        }),
        FileFormat::Xlsx => FileSpec::Xlsx(workbook()),
        FileFormat::Xls => FileSpec::Xls(workbook()),
        FileFormat::Dta => FileSpec::Dta(dataset()),
        FileFormat::Sav => FileSpec::Sav(dataset()),
        FileFormat::Parquet => FileSpec::Parquet(dataset()),
    }
}

/// The advice on a text file from its sniffed first lines; the encoding and delimiter not given
/// on the command line are taken from them.
fn sniff_text(options: &InspectOptions, sniff: &TextSniff, file: &mut FileSpec) -> Sniffed {
    let mut advice = vec![encoding_advice(options, sniff, file)];
    let fixed_width = options.format == Some(FileFormat::FixedWidth)
        || (options.delimiter.is_none() && matches!(sniff.layout, TextLayout::FixedWidth { .. }));
    if fixed_width {
        advice.extend(fixed_width_advice(sniff));
        let stop = "fixed-width text (its first line is a record, not a header)";
        return Sniffed {
            advice,
            stop: Some(stop.into()),
        };
    }
    let TextLayout::Delimited {
        delimiter,
        fields,
        consistent,
        judged,
        header_line,
        title_lines,
        header,
    } = &sniff.layout
    else {
        advice.push(
            "delimiter: none splits the lines alike (one column, or --delimiter to say which)"
                .into(),
        );
        return Sniffed { advice, stop: None };
    };
    let found = format!(
        "{} ({fields} fields on {consistent} of {judged} lines)",
        delimiter_name(*delimiter)
    );
    match &options.delimiter {
        Some(given) if given.as_bytes() != [*delimiter] => advice.push(format!(
            "delimiter: the lines split alike on {found}, not on the given {given:?}"
        )),
        _ => {
            let declared = (*delimiter as char).to_string();
            advice.push(format!(
                "delimiter: {found}: declare file.delimiter = {declared:?}"
            ));
            if let FileSpec::Csv(csv) = file {
                csv.delimiter = declared;
            }
        }
    }
    if *title_lines == 0 {
        advice.push(format!("header: line {header_line}"));
        return Sniffed { advice, stop: None };
    }
    advice.extend([
        format!(
            "header: line {header_line}, below {title_lines} title line(s) with one field filled; its columns: {}",
            header.join(", ")
        ),
        format!(
            "ilms reads a text file's header from its first line (file.header_row is for workbooks): remove the title lines, e.g. `tail -n +{header_line} {} > table.csv`, or export the table without its title; then inspect it again",
            display(&options.path)
        ),
    ]);
    Sniffed {
        advice,
        stop: Some("delimited text with title lines above its header".into()),
    }
}

/// The encoding line of the advice; the encoding to read with goes into `file`.
fn encoding_advice(options: &InspectOptions, sniff: &TextSniff, file: &mut FileSpec) -> String {
    let found = sniff.encoding.name();
    match options.encoding {
        Some(given) if given != sniff.encoding => format!(
            "encoding: {} says {found:?}, but {:?} is given",
            sniff.encoding_evidence,
            given.name()
        ),
        Some(_) => format!("encoding: {found} ({})", sniff.encoding_evidence),
        None => {
            if let FileSpec::Csv(csv) = file {
                csv.encoding = sniff.encoding;
            }
            let default = if sniff.encoding == TextEncoding::Utf8 {
                " (the default)"
            } else {
                ""
            };
            format!(
                "encoding: {}: declare file.encoding = {found:?}{default}",
                sniff.encoding_evidence
            )
        }
    }
}

/// The advice on a fixed-width file: declare the format and the columns' positions, found on a
/// ruler over the first lines' shape (their characters as classes, never as they are).
fn fixed_width_advice(sniff: &TextSniff) -> Vec<String> {
    let mut advice = Vec::new();
    if let TextLayout::FixedWidth {
        width,
        consistent,
        judged,
    } = sniff.layout
    {
        advice.push(format!(
            "layout: no delimiter splits the lines alike, and {consistent} of {judged} lines are {width} characters long: fixed-width"
        ));
    }
    advice.push("declare format = \"fixed_width\" and each column's position in file.columns, e.g. columns = [{ name = \"HHNO\", start = 1, width = 5 }, ...]; the first line is read as a record".into());
    let width = sniff
        .first_lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let tens: String = (1..=width)
        .map(|p| {
            if p % 10 == 0 {
                char::from_digit((p / 10 % 10) as u32, 10).unwrap_or('0')
            } else {
                ' '
            }
        })
        .collect();
    let units: String = (1..=width)
        .map(|p| char::from_digit((p % 10) as u32, 10).unwrap_or('0'))
        .collect();
    advice.push("positions, and the shape of the first lines (9 digit, A letter, . blank; values not shown):".into());
    advice.push(format!("  {tens}"));
    advice.push(format!("  {units}"));
    for line in &sniff.first_lines {
        advice.push(format!("  {}", shape(line)));
    }
    advice
}

/// A line's characters as classes: digits 9, letters A, blanks ".", the rest as they are.
fn shape(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            c if c.is_numeric() => '9',
            c if c.is_alphabetic() => 'A',
            c if c.is_whitespace() => '.',
            c => c,
        })
        .collect()
}

fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".into(),
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        b'|' => "pipe".into(),
        other => format!("{:?}", other as char),
    }
}

/// The advice on a workbook: where its header is, when not given (the first row with two cells
/// filled or more; rows above hold titles). A sheet that cannot be read is left to the reader,
/// whose error says why.
fn sniff_workbook(options: &InspectOptions, file: &mut WorkbookFile) -> Sniffed {
    let mut sniffed = Sniffed {
        advice: Vec::new(),
        stop: None,
    };
    if options.header_row.is_some() {
        return sniffed;
    }
    let Ok((first, rows)) = ingest::workbook_rows(&options.path, file, 50) else {
        return sniffed;
    };
    let filled = |row: &Vec<String>| row.iter().filter(|c| !c.is_empty()).count();
    let Some(at) = rows.iter().position(|r| filled(r) >= 2) else {
        return sniffed;
    };
    let header_row = (first + at) as u32;
    if header_row == 1 {
        sniffed.advice.push("header: sheet row 1".into());
        return sniffed;
    }
    let titles = rows[..at].iter().filter(|r| filled(r) > 0).count();
    file.header_row = header_row;
    sniffed.advice.push(format!(
        "header: sheet row {header_row}, below {titles} title row(s) with one cell filled: declare file.header_row = {header_row} (here: --header-row {header_row}; read so below)"
    ));
    sniffed
}

fn write_advice(out: &mut String, advice: &[String]) {
    if advice.is_empty() {
        return;
    }
    let _ = writeln!(out, "how to read it (sniffed from its first lines):");
    for line in advice {
        let _ = writeln!(out, "  {line}");
    }
}

/// The column table; returns the masked columns, each with why it looks like an identifier.
fn write_columns(
    out: &mut String,
    loaded: &ingest::Loaded,
    summaries: &Summaries,
    options: &InspectOptions,
) -> Result<Vec<(String, String)>> {
    let width = loaded
        .columns
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        out,
        "\n{:<width$}  {:<10} {:>8} {:>9}  most frequent values (count)",
        "column", "stored as", "blank", "distinct"
    );
    let mut masked = Vec::new();
    for (i, c) in loaded.columns.iter().enumerate() {
        let reason = identifier_reason(c, &summaries.shape(i)?);
        let shown = match (&reason, options.show_identifiers) {
            (Some(why), false) => {
                masked.push((c.clone(), why.clone()));
                "masked (looks like an identifier)".to_string()
            }
            _ => summaries.most_frequent(i, c)?.join(", "),
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:<10} {:>8} {:>9}  {}",
            c,
            loaded.storage.get(i).map(String::as_str).unwrap_or(""),
            summaries.number(&format!("_blank{i}"))?,
            summaries.number(&format!("_distinct{i}"))?,
            shown
        );
        match loaded.labels.get(c) {
            Some(labels) if reason.is_none() || options.show_identifiers => {
                let listed: Vec<String> =
                    labels.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                let _ = writeln!(out, "{:<width$}  value labels: {}", "", listed.join(", "));
            }
            _ => {}
        }
    }
    Ok(masked)
}

fn write_masked_hint(out: &mut String, masked: &[(String, String)]) {
    if masked.is_empty() {
        return;
    }
    let listed: Vec<String> = masked
        .iter()
        .map(|(c, why)| format!("{c} ({why})"))
        .collect();
    let names: Vec<String> = masked.iter().map(|(c, _)| format!("{c:?}")).collect();
    let _ = writeln!(
        out,
        "\nmasked, as they look like personal identifiers: {}.\nIf they are, list them in the spec: [record] identifiers = [{}] (never harmonized or written; a record_id made of them is a keyed hash). --show-identifiers shows their values.",
        listed.join(", "),
        names.join(", ")
    );
}

/// Words of a column header that name a personal identifier.
const IDENTIFIER_WORDS: [&str; 12] = [
    "passport",
    "paspor",
    "pasaporte",
    "passeport",
    "phone",
    "telephone",
    "mobile",
    "email",
    "nric",
    "nrc",
    "ssn",
    "ktp",
];
/// Pairs of header words that do: "ID no", "card number".
const IDENTIFIER_PAIRS: [(&str, &str); 5] = [
    ("id", "no"),
    ("id", "number"),
    ("ic", "no"),
    ("card", "no"),
    ("card", "number"),
];
/// Header words for a name, and the words that make it the name of a place or a thing.
const NAME_WORDS: [&str; 7] = [
    "name",
    "names",
    "nama",
    "nombre",
    "surname",
    "firstname",
    "lastname",
];
const THING_WORDS: [&str; 14] = [
    "country",
    "negara",
    "destination",
    "place",
    "city",
    "province",
    "district",
    "region",
    "occupation",
    "job",
    "industry",
    "sector",
    "employer",
    "company",
];

/// Why a column looks like a personal identifier, if it does: by its header's words (a name, a
/// passport or phone number) or by its values' shape (mostly distinct tokens of letters and
/// digits of one length, like document numbers).
fn identifier_reason(header: &str, shape: &Shape) -> Option<String> {
    let lower = header.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
    let pair = words
        .windows(2)
        .any(|w| IDENTIFIER_PAIRS.contains(&(w[0], w[1])));
    if has(&IDENTIFIER_WORDS) || pair || (has(&NAME_WORDS) && !has(&THING_WORDS)) {
        return Some("its header".into());
    }
    let n = shape.filled;
    let document_like = n >= 10
        && shape.distinct * 10 >= n * 9
        && shape.spaces == 0
        && shape.decimals == 0
        && shape.digits * 10 >= n * 9
        && shape.max_len <= shape.min_len + 2
        && shape.min_len >= 6
        && (shape.letters * 2 >= n || shape.min_len >= 8);
    document_like.then(|| {
        format!(
            "{} distinct values of {}-{} letters and digits",
            shape.distinct, shape.min_len, shape.max_len
        )
    })
}

/// The shape of a column's filled values over the sample.
struct Shape {
    filled: u64,
    distinct: u64,
    min_len: u64,
    max_len: u64,
    digits: u64,
    letters: u64,
    spaces: u64,
    decimals: u64,
}

/// Run the summary queries together over the loaded file.
fn summarize<'a>(loaded: &ingest::Loaded, options: &'a InspectOptions) -> Result<Summaries<'a>> {
    let frame = loaded
        .frame
        .clone()
        .drop(by_name([SOURCE_ROW], true, false));
    let failed = |e| Error::polars(&options.path, "read the file", e);
    // The sample is read once and its queries run in memory: planned over the file's reading, each
    // column's query re-planned every column, and the streaming engine lays out a select of many
    // columns in time growing with their square (a table 4,105 columns wide, from a damaged .xls,
    // grew past 3 GB; a CSV of 1,000 columns took 62 s). The whole file is still streamed once.
    let sample = frame
        .clone()
        .limit(options.sample_rows as IdxSize)
        .collect()
        .map_err(failed)?
        .lazy();
    let mut plans = summary_plans(frame, sample, &loaded.columns, options).into_iter();
    let whole = plans.next().map(|p| p.logical_plan);
    let mut results = LazyFrame::collect_all_with_engine(
        whole.into_iter().collect(),
        Engine::Streaming,
        OptFlags::default(),
    )
    .map_err(failed)?;
    results.extend(
        LazyFrame::collect_all_with_engine(
            plans.map(|p| p.logical_plan).collect(),
            Engine::InMemory,
            OptFlags::default(),
        )
        .map_err(failed)?,
    );
    Ok(Summaries {
        path: &options.path,
        results,
    })
}

/// The queries collected together: the row count and every column's blanks over the whole file,
/// then the distinct counts and the values' shapes, then each column's most frequent values over
/// the sample (the first `sample_rows` rows, read).
fn summary_plans(
    frame: LazyFrame,
    sample: LazyFrame,
    columns: &[String],
    options: &InspectOptions,
) -> Vec<LazyFrame> {
    // One pass for the row count and every column's blanks; distinct and most frequent values
    // over the first `sample_rows` rows.
    let mut summary_exprs = vec![len().alias("_rows")];
    for (i, c) in columns.iter().enumerate() {
        summary_exprs.push(
            col(c.as_str())
                .eq(lit(""))
                .sum()
                .alias(format!("_blank{i}")),
        );
    }
    let shapes: Vec<Expr> = columns
        .iter()
        .enumerate()
        .flat_map(|(i, c)| shape_exprs(i, c))
        .collect();
    let mut plans = vec![frame.select(summary_exprs), sample.clone().select(shapes)];
    for c in columns {
        plans.push(
            sample
                .clone()
                .group_by([col(c.as_str())])
                .agg([len().alias("n")])
                .sort_by_exprs(
                    [col("n"), col(c.as_str())],
                    SortMultipleOptions::default().with_order_descending_multi([true, false]),
                )
                .limit(options.values as IdxSize),
        );
    }
    plans
}

/// Column `i`'s distinct values and the shape of its filled values (see [`Shape`]).
fn shape_exprs(i: usize, column: &str) -> [Expr; 8] {
    let filled = col(column).filter(col(column).neq(lit("")));
    let count = |pattern: &str| {
        filled
            .clone()
            .str()
            .contains(lit(pattern.to_string()), false)
            .sum()
    };
    [
        col(column).n_unique().alias(format!("_distinct{i}")),
        col(column).neq(lit("")).sum().alias(format!("_filled{i}")),
        filled
            .clone()
            .str()
            .len_chars()
            .min()
            .alias(format!("_minlen{i}")),
        filled
            .clone()
            .str()
            .len_chars()
            .max()
            .alias(format!("_maxlen{i}")),
        count("[0-9]").alias(format!("_digits{i}")),
        count(r"\p{L}").alias(format!("_letters{i}")),
        count(r"\s").alias(format!("_spaces{i}")),
        count(r"^[+-]?[0-9]*[.,][0-9]+$").alias(format!("_decimals{i}")),
    ]
}

/// The report's lines under the file's: rows and columns, and how much of the file the value
/// counts cover.
fn write_overview(out: &mut String, loaded: &ingest::Loaded, rows: u64, options: &InspectOptions) {
    let _ = writeln!(
        out,
        "{} rows, {} columns{}",
        rows,
        loaded.columns.len(),
        if loaded.total_rows > 0 {
            format!(" ({} total rows set aside)", loaded.total_rows)
        } else {
            String::new()
        }
    );
    if rows > options.sample_rows as u64 {
        let _ = writeln!(
            out,
            "distinct and most frequent values: first {} rows (--sample-rows)",
            options.sample_rows
        );
    }
}

/// The collected results of [`summary_plans`], read for the report.
struct Summaries<'a> {
    path: &'a Path,
    results: Vec<DataFrame>,
}

impl Summaries<'_> {
    /// A failure reading the results, named for the file.
    fn fail(&self, e: PolarsError) -> Error {
        Error::polars(self.path, "summarize the columns", e)
    }

    /// A count by its alias: the row count or a column's blanks (first query), a column's distinct
    /// values or shape (second); 0 where there is no value (a column without filled values).
    fn number(&self, name: &str) -> Result<u64> {
        let summary = if name.starts_with("_rows") || name.starts_with("_blank") {
            &self.results[0]
        } else {
            &self.results[1]
        };
        summary
            .column(name)
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(|e| self.fail(e))?
            .u64()
            .map_err(|e| self.fail(e))
            .map(|v| v.get(0).unwrap_or(0))
    }

    /// Column `i`'s values' shape.
    fn shape(&self, i: usize) -> Result<Shape> {
        Ok(Shape {
            filled: self.number(&format!("_filled{i}"))?,
            distinct: self.number(&format!("_distinct{i}"))?,
            min_len: self.number(&format!("_minlen{i}"))?,
            max_len: self.number(&format!("_maxlen{i}"))?,
            digits: self.number(&format!("_digits{i}"))?,
            letters: self.number(&format!("_letters{i}"))?,
            spaces: self.number(&format!("_spaces{i}"))?,
            decimals: self.number(&format!("_decimals{i}"))?,
        })
    }

    /// Column `i`'s most frequent values, each as "value (count)".
    fn most_frequent(&self, i: usize, column: &str) -> Result<Vec<String>> {
        let top = &self.results[i + 2];
        let values = top
            .column(column)
            .map_err(|e| self.fail(e))?
            .str()
            .map_err(|e| self.fail(e))?;
        let counts = top
            .column("n")
            .and_then(|n| n.cast(&DataType::UInt64))
            .map_err(|e| self.fail(e))?;
        let counts = counts.u64().map_err(|e| self.fail(e))?;
        Ok(values
            .iter()
            .zip(counts.iter())
            .map(|(v, n)| {
                let v = v.unwrap_or("");
                let v = if v.is_empty() { "(blank)" } else { v };
                format!("{v} ({})", n.unwrap_or(0))
            })
            .collect())
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(filled: u64, distinct: u64, len: (u64, u64), letters: u64) -> Shape {
        Shape {
            filled,
            distinct,
            min_len: len.0,
            max_len: len.1,
            digits: filled,
            letters,
            spaces: 0,
            decimals: 0,
        }
    }

    #[test]
    fn identifiers_are_told_by_header_words_and_by_the_shape_of_document_numbers() {
        let none = shape(0, 0, (0, 0), 0);
        for header in ["WORKER_NAME", "PASSPORT_NO", "Nama", "ID No.", "phone"] {
            assert!(identifier_reason(header, &none).is_some(), "{header}");
        }
        for header in ["Country name", "Nama Negara", "HH_ID", "AGE", "JANTINA"] {
            assert!(identifier_reason(header, &none).is_none(), "{header}");
        }
        // Document numbers: distinct, one length, letters and digits.
        assert!(identifier_reason("DOC", &shape(100, 100, (9, 9), 100)).is_some());
        // Household numbers repeat; short codes are codes.
        assert!(identifier_reason("HH", &shape(100, 25, (6, 6), 100)).is_none());
        assert!(identifier_reason("OCC", &shape(100, 100, (4, 4), 0)).is_none());
    }
}
