//! Delimited and fixed-width text in a declared encoding.
//!
//! UTF-8 is checked in one buffered pass (so a wrong declaration names its first bad byte) and then
//! scanned lazily, in bounded memory. Other encodings (UTF-16, Windows-1252, Latin-1) are decoded to
//! UTF-8 in memory first: the exports that use them are desktop-sized.

use std::io::{Cursor, Read};
use std::path::Path;

use encoding_rs::{DecoderResult, Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};
use polars::prelude::*;

use super::{Loaded, ValueLabels, SOURCE_ROW};
use crate::error::{Error, Result};
use crate::spec::{FileFormat, FileSpec, FixedWidthColumn, TextEncoding};

/// A byte that never occurs in a text line, used to read fixed-width lines as one field.
const WHOLE_LINE: u8 = 0x1f;
/// The single column a fixed-width line is read into before it is cut.
const LINE: &str = "column_1";

pub(super) fn load(path: &Path, file: &FileSpec, header_only: bool) -> Result<Loaded> {
    let fixed_width = file.format == FileFormat::FixedWidth;
    let (separator, quote) = if fixed_width {
        (WHOLE_LINE, None)
    } else {
        (file.delimiter_byte(), file.quote_byte())
    };
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
    } else if file.encoding == TextEncoding::Utf8 {
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
        let text = decode(path, file.encoding)?;
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
    let mut frame = if fixed_width {
        cut_fixed_width(frame, &file.columns)
    } else {
        frame
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
        description: format!(
            "{} text, {}",
            if fixed_width {
                "fixed-width"
            } else {
                "delimited"
            },
            file.encoding.name()
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
pub(super) fn first_ragged_record(path: &Path, file: &FileSpec) -> Result<Option<RaggedRecord>> {
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
}
