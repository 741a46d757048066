//! Delimited and fixed-width text in a declared encoding.
//!
//! UTF-8 is checked in one buffered pass (so a wrong declaration names its first bad byte) and then
//! scanned lazily, in bounded memory. Other encodings (UTF-16, Windows-1252, Latin-1) are decoded to
//! UTF-8 in memory first: the exports that use them are desktop-sized.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use encoding_rs::{DecoderResult, Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};
use polars::prelude::*;

use super::{Loaded, ValueLabels, SOURCE_ROW};
use crate::error::{Error, Result};
use crate::spec::{DelimitedFile, FixedWidthColumn, FixedWidthFile, TextEncoding};

/// A byte that never occurs in a text line, used to read fixed-width lines as one field.
const WHOLE_LINE: u8 = 0x1f;
/// The single column a fixed-width line is read into before it is cut.
const LINE: &str = "column_1";

/// How a text file's lines become columns: split on a delimiter, or cut at fixed positions.
pub(super) enum Lines<'a> {
    Delimited(&'a DelimitedFile),
    FixedWidth(&'a FixedWidthFile),
}

pub(super) fn load(path: &Path, lines: Lines, header_only: bool) -> Result<Loaded> {
    let (separator, quote, encoding, fixed_columns) = match lines {
        Lines::Delimited(csv) => (csv.delimiter_byte(), csv.quote_byte(), csv.encoding, None),
        Lines::FixedWidth(fixed) => (WHOLE_LINE, None, fixed.encoding, Some(&fixed.columns)),
    };
    let fixed_width = fixed_columns.is_some();
    let empty = std::fs::metadata(path)
        .map_err(|e| Error::io(path, "read the file", e))?
        .len()
        == 0;
    let frame = if empty && fixed_width {
        // No line, no record (a fixed-width file has no header): an empty table, judged like any
        // source without records.
        DataFrame::new_infer_height(vec![Column::new(LINE.into(), Vec::<String>::new())])
            .map_err(|e| text_error(path, e))?
            .lazy()
    } else if empty {
        return Err(Error::new(
            path,
            "",
            "the file is empty: no header line and no record",
            "export the table again with its header line (and its records), or take the source out of the round",
        ));
    } else if encoding == TextEncoding::Utf8 {
        check_utf8(path, if header_only { Some(1 << 16) } else { None })?;
        LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref()))
            .with_has_header(!fixed_width)
            .with_infer_schema_length(Some(0))
            .with_separator(separator)
            .with_quote_char(quote)
            .with_missing_is_null(false)
            .with_n_rows(header_only.then_some(0))
            .finish()
            .map_err(|e| text_error(path, e))?
    } else {
        let text = decode(path, encoding)?;
        CsvReadOptions::default()
            .with_has_header(!fixed_width)
            .with_infer_schema_length(Some(0))
            .with_n_rows(header_only.then_some(0))
            .map_parse_options(|p| {
                p.with_separator(separator)
                    .with_quote_char(quote)
                    .with_missing_is_null(false)
            })
            .into_reader_with_file_handle(Cursor::new(text.into_bytes()))
            .finish()
            .map_err(|e| text_error(path, e))?
            .lazy()
    };
    let mut frame = match fixed_columns {
        Some(columns) => cut_fixed_width(frame, columns),
        None => frame,
    };
    let columns: Vec<String> = frame
        .collect_schema()
        .map_err(|e| text_error(path, e))?
        .iter_names()
        .map(|n| n.to_string())
        .collect();
    Ok(Loaded {
        frame: frame.with_row_index(SOURCE_ROW, Some(1)),
        storage: vec!["text".into(); columns.len()],
        columns,
        labels: ValueLabels::new(),
        total_rows: 0,
        total_checks: Vec::new(),
        footnotes: Vec::new(),
        description: format!(
            "{} text, {}",
            if fixed_width {
                "fixed-width"
            } else {
                "delimited"
            },
            encoding.name()
        ),
    })
}

fn text_error(path: &Path, e: PolarsError) -> Error {
    Error::new(
        path,
        "",
        format!("could not read the text file: {e}"),
        "check file.delimiter and file.quote against the file (`ilms inspect` shows what ilms sees)",
    )
}

/// Fixed-width lines cut into the spec's columns, each trimmed of its padding.
fn cut_fixed_width(lines: LazyFrame, layout: &[FixedWidthColumn]) -> LazyFrame {
    let cuts: Vec<Expr> = layout
        .iter()
        .map(|c| {
            col(LINE)
                .str()
                .slice(lit(c.start as i64 - 1), lit(c.width as u64))
                .str()
                .strip_chars(lit(NULL))
                .fill_null(lit(""))
                .alias(c.name.as_str())
        })
        .collect();
    // A blank line (the usual one at the end of a file) is not a record.
    lines
        .filter(col(LINE).str().strip_chars(lit(NULL)).neq(lit("")))
        .select(cuts)
}

/// Check a file declared UTF-8 is UTF-8 (first `limit` bytes, or all), naming the first bad byte.
/// A NUL byte is refused too: it means UTF-16 read as UTF-8.
fn check_utf8(path: &Path, limit: Option<u64>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "open the file", e))?;
    let mut reader = file.take(limit.unwrap_or(u64::MAX));
    let mut buffer = vec![0u8; 8 << 20];
    let mut carried = 0usize; // bytes of an incomplete character kept from the previous block
    let mut offset = 0u64; // file offset of buffer[0]
    let mut at_start = true;
    loop {
        let n = reader
            .read(&mut buffer[carried..])
            .map_err(|e| Error::io(path, "read the file", e))?;
        let filled = carried + n;
        if filled == 0 {
            return Ok(());
        }
        let block = &buffer[..filled];
        if at_start && (block.starts_with(&[0xff, 0xfe]) || block.starts_with(&[0xfe, 0xff])) {
            return Err(wrong_encoding(
                path,
                0,
                "starts with a UTF-16 byte-order mark",
                "declare file.encoding = \"utf-16le\" or \"utf-16be\"",
            ));
        }
        at_start = false;
        // `contains` on bytes is a vectorized search; the position is wanted only for the error.
        if let Some(at) = block
            .contains(&0)
            .then(|| block.iter().position(|&b| b == 0))
            .flatten()
        {
            return Err(wrong_encoding(
                path,
                offset + at as u64,
                "has a NUL byte (0x00), which UTF-8 text does not contain",
                "the file is probably UTF-16: declare file.encoding = \"utf-16le\" or \"utf-16be\"",
            ));
        }
        match std::str::from_utf8(block) {
            Ok(_) => {
                carried = 0;
                offset += filled as u64;
            }
            // A character cut at the end of a block is completed by the next block ...
            Err(e) if e.error_len().is_none() && n > 0 => {
                let good = e.valid_up_to();
                buffer.copy_within(good..filled, 0);
                offset += good as u64;
                carried = filled - good;
            }
            // ... or by the bytes past the limit of a header check.
            Err(e) if e.error_len().is_none() && limit.is_some() => return Ok(()),
            Err(e) => {
                let good = e.valid_up_to();
                return Err(wrong_encoding(
                    path,
                    offset + good as u64,
                    &format!("is not UTF-8 (byte 0x{:02x})", block[good]),
                    "declare the file's encoding in file.encoding, or --encoding for inspect (\"windows-1252\", \"latin-1\", \"utf-16le\", ...), or re-save it as UTF-8",
                ));
            }
        }
        if n == 0 {
            return Ok(());
        }
    }
}

fn wrong_encoding(path: &Path, offset: u64, what: &str, fix: &str) -> Error {
    Error::new(
        path,
        format!("byte offset {offset}"),
        format!("the file does not match its declared encoding: here it {what}"),
        fix,
    )
}

/// Decode a whole non-UTF-8 file to UTF-8, refusing bytes the declared encoding cannot have.
fn decode(path: &Path, declared: TextEncoding) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "read the file", e))?;
    let (encoding, bom): (&'static Encoding, &[u8]) = match declared {
        TextEncoding::Utf16Le => (UTF_16LE, &[0xff, 0xfe]),
        TextEncoding::Utf16Be => (UTF_16BE, &[0xfe, 0xff]),
        TextEncoding::Windows1252 | TextEncoding::Latin1 => (WINDOWS_1252, &[]),
        TextEncoding::Utf8 => (encoding_rs::UTF_8, &[0xef, 0xbb, 0xbf]),
    };
    let name = declared.name();
    for (other, other_bom) in [
        ("utf-8", &[0xefu8, 0xbb, 0xbf][..]),
        ("utf-16le", &[0xff, 0xfe][..]),
        ("utf-16be", &[0xfe, 0xff][..]),
    ] {
        if other != name && bytes.starts_with(other_bom) && !bytes.starts_with(bom) {
            return Err(wrong_encoding(
                path,
                0,
                &format!("starts with the {other} byte-order mark"),
                &format!("declare file.encoding = \"{other}\""),
            ));
        }
    }
    let body = bytes.strip_prefix(bom).unwrap_or(&bytes);
    let offset_of_body = (bytes.len() - body.len()) as u64;
    if encoding == UTF_16LE || encoding == UTF_16BE {
        // Text in UTF-16 has NUL bytes in every ASCII character; none at all means it is not UTF-16.
        let sample = &body[..body.len().min(4096)];
        if !sample.is_empty() && !sample.contains(&0) {
            return Err(wrong_encoding(
                path,
                offset_of_body,
                "has no NUL bytes, so it is not UTF-16",
                "declare the encoding the file has (\"utf-8\", \"windows-1252\", ...)",
            ));
        }
    } else if std::str::from_utf8(body).is_ok() && !body.is_ascii() {
        // Valid UTF-8 with accented letters is UTF-8: decoding it as Windows-1252 would garble them.
        let at = body.iter().position(|b| !b.is_ascii()).unwrap_or(0);
        return Err(wrong_encoding(
            path,
            offset_of_body + at as u64,
            "holds UTF-8 multi-byte characters",
            "declare file.encoding = \"utf-8\"",
        ));
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(body.len())
        .unwrap_or(body.len() * 3 + 16);
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(body, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(text),
        DecoderResult::Malformed(bad, after) => Err(wrong_encoding(
            path,
            offset_of_body + (read - bad as usize - after as usize) as u64,
            &format!("has a byte sequence that is not {name}"),
            "declare the encoding the file has, or re-save it as UTF-8",
        )),
        DecoderResult::OutputFull => Err(Error::new(
            path,
            "",
            "the decoded text did not fit the buffer",
            "report this bug",
        )),
    }
}

/// A record with more fields than the header, for the message polars' reader does not give:
/// `(record number, line of the file, fields, fields of the header)`.
#[derive(Debug, PartialEq)]
pub struct RaggedRecord {
    pub record: usize,
    pub line: usize,
    pub fields: usize,
    pub expected: usize,
}

/// The first record of a delimited file with more fields than its header (quotes respected: a
/// delimiter or line break inside quotes is part of the field). Read in blocks: the file may be
/// large (other encodings are decoded in memory, as when they are loaded).
pub(super) fn first_ragged_record(
    path: &Path,
    file: &DelimitedFile,
) -> Result<Option<RaggedRecord>> {
    let mut scan = RaggedScan::new(file.delimiter_byte(), file.quote_byte());
    let mut ragged = None;
    if file.encoding == TextEncoding::Utf8 {
        super::read_blocks(path, |block| {
            ragged = scan.feed(block);
            ragged.is_none()
        })?;
    } else {
        ragged = scan.feed(decode(path, file.encoding)?.as_bytes());
    }
    Ok(ragged.or_else(|| scan.finish()))
}

/// Fields counted record by record, the header's count kept as the expected one.
struct RaggedScan {
    delimiter: u8,
    quote: Option<u8>,
    quoted: bool,
    fields: usize,
    has_content: bool,
    line: usize,
    record_line: usize,
    record: usize,
    expected: Option<usize>,
}

impl RaggedScan {
    fn new(delimiter: u8, quote: Option<u8>) -> RaggedScan {
        RaggedScan {
            delimiter,
            quote,
            quoted: false,
            fields: 1,
            has_content: false,
            line: 1,
            record_line: 1,
            record: 0,
            expected: None,
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Option<RaggedRecord> {
        for &byte in bytes {
            if Some(byte) == self.quote {
                self.quoted = !self.quoted;
            } else if byte == self.delimiter && !self.quoted {
                self.fields += 1;
            }
            self.has_content |= byte != b'\n' && byte != b'\r';
            if byte == b'\n' {
                self.line += 1;
                if !self.quoted {
                    if let Some(ragged) = self.end_record() {
                        return Some(ragged);
                    }
                }
            }
        }
        None
    }

    /// The last record, if the file does not end with a line break.
    fn finish(&mut self) -> Option<RaggedRecord> {
        self.end_record()
    }

    fn end_record(&mut self) -> Option<RaggedRecord> {
        let mut ragged = None;
        if self.has_content {
            match self.expected {
                None => self.expected = Some(self.fields),
                Some(n) if self.fields > n => {
                    ragged = Some(RaggedRecord {
                        record: self.record,
                        line: self.record_line,
                        fields: self.fields,
                        expected: n,
                    })
                }
                Some(_) => {}
            }
            self.record += 1;
        }
        (self.fields, self.has_content, self.record_line) = (1, false, self.line);
        ragged
    }
}

/// How many bytes of a text file the sniffer reads.
const SNIFF_BYTES: u64 = 1 << 16;
/// How many lines of them it judges.
const SNIFF_LINES: usize = 100;
/// The delimiters the sniffer tries, as DuckDB's does.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// What the first bytes of a text file say about how to read it (for `ilms inspect`), found the
/// way DuckDB's CSV sniffer finds it: the encoding from a byte-order mark (or the bytes), the
/// delimiter by the most consistent field count over the first lines, the header as the first
/// line of that shape with several fields filled (lines above it are titles), or, with no
/// delimiter and lines of one length, a fixed-width layout.
#[derive(Debug, Clone, PartialEq)]
pub struct TextSniff {
    pub encoding: TextEncoding,
    /// Why: "a UTF-16LE byte-order mark", "valid UTF-8", ...
    pub encoding_evidence: String,
    pub layout: TextLayout,
    /// The first filled lines, for their shape (never to be shown as they are: they may hold names).
    pub first_lines: Vec<String>,
}

/// The shape of a text file's first lines.
#[derive(Debug, Clone, PartialEq)]
pub enum TextLayout {
    Delimited {
        delimiter: u8,
        /// Fields of the header and of most lines.
        fields: usize,
        /// Lines (of those judged, blank ones left out) with that many fields.
        consistent: usize,
        judged: usize,
        /// 1-based line of the file holding the header.
        header_line: usize,
        /// Filled lines above the header (titles, notes).
        title_lines: usize,
        /// The header's fields.
        header: Vec<String>,
    },
    FixedWidth {
        /// Characters per line (line break left out).
        width: usize,
        consistent: usize,
        judged: usize,
    },
    /// One field per line and lines of different lengths: nothing to go on.
    Unknown,
}

/// Sniff a text file (see [`TextSniff`]); reads its first 64 KiB.
pub fn sniff(path: &Path) -> Result<TextSniff> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "open the file", e))?;
    let mut bytes = Vec::new();
    file.take(SNIFF_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, "read the file", e))?;
    let whole = (bytes.len() as u64) < SNIFF_BYTES;
    let (encoding, encoding_evidence) = sniff_encoding(&bytes);
    let text = decode_sample(&bytes, encoding);
    let mut lines: Vec<&str> = text.split('\n').collect();
    if !whole && lines.len() > 1 {
        lines.pop(); // cut by the sample's end
    }
    let lines: Vec<&str> = lines
        .into_iter()
        .take(SNIFF_LINES)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    Ok(TextSniff {
        encoding,
        encoding_evidence,
        layout: sniff_layout(&lines),
        first_lines: lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .take(5)
            .map(|l| l.to_string())
            .collect(),
    })
}

/// The encoding a file's first bytes call for, and why.
fn sniff_encoding(bytes: &[u8]) -> (TextEncoding, String) {
    let evidence = |s: &str| s.to_string();
    if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        return (TextEncoding::Utf8, evidence("a UTF-8 byte-order mark"));
    }
    if bytes.starts_with(&[0xff, 0xfe]) {
        return (
            TextEncoding::Utf16Le,
            evidence("a UTF-16LE byte-order mark"),
        );
    }
    if bytes.starts_with(&[0xfe, 0xff]) {
        return (
            TextEncoding::Utf16Be,
            evidence("a UTF-16BE byte-order mark"),
        );
    }
    if bytes.contains(&0) {
        // ASCII in UTF-16 puts a NUL beside every character: after it (LE) or before it (BE).
        let odd = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        let even = bytes.iter().step_by(2).filter(|&&b| b == 0).count();
        let (encoding, name) = if odd >= even {
            (TextEncoding::Utf16Le, "UTF-16LE")
        } else {
            (TextEncoding::Utf16Be, "UTF-16BE")
        };
        return (
            encoding,
            format!("NUL bytes beside the characters, no byte-order mark: {name}"),
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => (TextEncoding::Utf8, evidence("valid UTF-8")),
        // A character cut by the sample's end is not a fault.
        Err(e) if e.error_len().is_none() => (TextEncoding::Utf8, evidence("valid UTF-8")),
        Err(e) => (
            TextEncoding::Windows1252,
            format!(
                "byte 0x{:02x} at offset {}, which is not UTF-8: a Windows code page (or Latin-1)",
                bytes[e.valid_up_to()],
                e.valid_up_to()
            ),
        ),
    }
}

/// The sample as text in `encoding` (without its byte-order mark), undecodable bytes replaced.
fn decode_sample(bytes: &[u8], encoding: TextEncoding) -> String {
    let encoding = match encoding {
        TextEncoding::Utf16Le => UTF_16LE,
        TextEncoding::Utf16Be => UTF_16BE,
        TextEncoding::Windows1252 | TextEncoding::Latin1 => WINDOWS_1252,
        TextEncoding::Utf8 => encoding_rs::UTF_8,
    };
    encoding.decode_with_bom_removal(bytes).0.into_owned()
}

/// The layout of the first lines: the most consistent delimiter, else fixed width, else unknown.
fn sniff_layout(lines: &[&str]) -> TextLayout {
    let filled: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut best: Option<(usize, usize, u8)> = None; // (consistent lines, fields, delimiter)
    for delimiter in DELIMITERS {
        let counts: Vec<usize> = filled
            .iter()
            .map(|l| split_fields(l, delimiter).len())
            .collect();
        let fields = modal(&counts);
        let consistent = counts.iter().filter(|&&n| n == fields).count();
        // A delimiter splits most lines alike, into two fields or more.
        if fields < 2 || consistent * 2 < filled.len() {
            continue;
        }
        if best.is_none_or(|(c, f, _)| (consistent, fields) > (c, f)) {
            best = Some((consistent, fields, delimiter));
        }
    }
    if let Some((consistent, fields, delimiter)) = best {
        return delimited(lines, delimiter, fields, consistent, filled.len());
    }
    let widths: Vec<usize> = filled.iter().map(|l| l.chars().count()).collect();
    let width = modal(&widths);
    let consistent = widths.iter().filter(|&&w| w == width).count();
    if filled.len() >= 2 && width >= 2 && consistent * 10 >= filled.len() * 9 {
        return TextLayout::FixedWidth {
            width,
            consistent,
            judged: filled.len(),
        };
    }
    TextLayout::Unknown
}

/// The delimited layout: the header is the first line of the usual field count with two fields
/// or more filled; filled lines above it are titles.
fn delimited(
    lines: &[&str],
    delimiter: u8,
    fields: usize,
    consistent: usize,
    judged: usize,
) -> TextLayout {
    let is_header = |l: &&str| {
        let parts = split_fields(l, delimiter);
        parts.len() == fields && parts.iter().filter(|p| !p.trim().is_empty()).count() >= 2
    };
    let at = lines.iter().position(is_header).unwrap_or(0);
    TextLayout::Delimited {
        delimiter,
        fields,
        consistent,
        judged,
        header_line: at + 1,
        title_lines: lines[..at].iter().filter(|l| !l.trim().is_empty()).count(),
        header: split_fields(lines[at], delimiter),
    }
}

/// The most frequent of `counts` (the larger on a tie); 0 for none.
fn modal(counts: &[usize]) -> usize {
    let mut frequency: BTreeMap<usize, usize> = BTreeMap::new();
    for &n in counts {
        *frequency.entry(n).or_default() += 1;
    }
    frequency
        .into_iter()
        .max_by_key(|&(n, times)| (times, n))
        .map_or(0, |(n, _)| n)
}

/// A line's fields, double quotes respected (a delimiter inside quotes is part of the field) and
/// removed.
fn split_fields(line: &str, delimiter: u8) -> Vec<String> {
    let delimiter = delimiter as char;
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c == delimiter && !quoted => fields.push(String::new()),
            c => fields.last_mut().map_or((), |f| f.push(c)),
        }
    }
    fields.into_iter().map(|f| f.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_record_with_more_fields_than_the_header_is_found_quotes_respected() {
        let ragged_in = |text: &[u8]| {
            let mut scan = RaggedScan::new(b',', Some(b'"'));
            scan.feed(text).or_else(|| scan.finish())
        };
        let text = b"a,b,c\r\n1,\"x,\ny\",3\r\n\r\n4,5,6,7";
        assert_eq!(
            ragged_in(text),
            Some(RaggedRecord {
                record: 2,
                line: 5,
                fields: 4,
                expected: 3
            })
        );
        assert_eq!(ragged_in(b"a,b\n1,2\n3,4"), None);
    }

    #[test]
    fn the_sniffer_finds_delimiter_title_lines_and_fixed_width() {
        let layout = sniff_layout(&["Table 3: workers", "", "a;b;c", "1;\"x;y\";3", "4;5;6"]);
        match layout {
            TextLayout::Delimited {
                delimiter,
                fields,
                header_line,
                title_lines,
                ..
            } => assert_eq!(
                (delimiter, fields, header_line, title_lines),
                (b';', 3, 3, 1)
            ),
            other => panic!("{other:?}"),
        }
        let fixed = sniff_layout(&["0001M25MYS", "0002F31IDN", "0003F19PHL"]);
        assert!(
            matches!(fixed, TextLayout::FixedWidth { width: 10, .. }),
            "{fixed:?}"
        );
        assert_eq!(
            sniff_encoding(&[0xff, 0xfe, b'a', 0]).0,
            TextEncoding::Utf16Le
        );
        assert_eq!(sniff_encoding(b"caf\xe9,1").0, TextEncoding::Windows1252);
    }
}
