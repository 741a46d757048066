//! Excel workbooks (.xlsx, .xls) as ministries lay them out: title rows above the table, a header
//! over one or more rows with merged group cells, a "Total" row, footnotes under the table.
//!
//! The table starts at `file.header_row` and ends at the first blank row; lines below it must be
//! notes (one cell). Rows whose `file.total_rows.column` holds one of its labels are the source's own
//! totals: they are counted and set aside, never taken as records.

use std::path::Path;

use calamine::{open_workbook_auto, Cell, Data, Range, Reader, Sheets};

use polars::prelude::IdxSize;

use super::{guarded, number_text, reshape, Loaded, TotalCheck, ValueLabels};
use crate::error::{Error, Result};
use crate::spec::{cell_block, TotalColumn, WorkbookFile};

pub(super) fn load(path: &Path, file: &WorkbookFile) -> Result<Loaded> {
    let (sheet, range) = guarded(path, "Excel", || read_sheet(path, file))?;
    let sheet_row = |index: usize| index + 1 + range.start().map_or(0, |(r, _)| r as usize);
    let width = range.width();
    let rows: Vec<&[Data]> = range.rows().collect();
    // Index in `rows` of the header's first row (sheet rows are 1-based, the range may start lower).
    let first = header_start(path, &sheet, file, rows.len(), &sheet_row)?;
    let header_end = first + file.header_rows as usize;
    let columns = header_names(
        path,
        &sheet,
        &rows[first..header_end],
        width,
        sheet_row(first),
    )?;

    // The table: from below the header to the first blank row.
    let body = &rows[header_end..];
    let body_row = |i: usize| sheet_row(header_end + i);
    let end = table_end(path, &sheet, body, &body_row)?;
    let table = &body[..end];
    let footnotes = notes_below(&body[end..]);
    // Columns at the right edge with neither a header nor data are formatting, not columns.
    let columns = without_blank_edge_columns(columns, table);
    let is_total = total_row_test(file, &columns);
    let (values, data_rows, total_rows) = split_total_rows(table, columns.len(), &is_total);
    let storage: Vec<String> = (0..columns.len())
        .map(|j| storage_of(table.iter().map(|row| &row[j])))
        .collect();
    let mut total_checks =
        source_totals(path, &sheet, file, &columns, table, &is_total, &body_row)?;
    let (columns, values, data_rows, storage) = match &file.unpivot {
        Some(unpivot) => {
            // Data row i of the table is sheet row body_row(i - 1).
            let row_name = |row: IdxSize| format!("sheet row {}", body_row(row as usize - 1));
            let ((columns, values, rows), checks) =
                reshape::unpivoted(path, unpivot, (columns, values, data_rows), &row_name)?;
            total_checks.extend(checks);
            let storage = vec!["text".into(); columns.len()];
            (columns, values, rows, storage)
        }
        None => (columns, values, data_rows, storage),
    };
    Ok(Loaded {
        frame: reshape::numbered_frame(path, &columns, values, data_rows)?,
        columns,
        storage,
        labels: ValueLabels::new(),
        total_rows,
        total_checks,
        footnotes,
        description: format!(
            "Excel workbook, sheet '{sheet}', header at sheet row {}, {} data rows to sheet row {}",
            file.header_row,
            end,
            sheet_row(header_end + end).saturating_sub(1)
        ),
    })
}

/// The first `n` rows of the declared sheet as text, and the sheet row of the first (for `ilms
/// inspect` to find the header below title rows). Read as [`load`] reads the sheet.
pub(crate) fn leading_rows(
    path: &Path,
    file: &WorkbookFile,
    n: usize,
) -> Result<(usize, Vec<Vec<String>>)> {
    let (_, range) = guarded(path, "Excel", || read_sheet(path, file))?;
    let first = 1 + range.start().map_or(0, |(r, _)| r as usize);
    let rows = range
        .rows()
        .take(n)
        .map(|row| row.iter().map(cell_text).collect())
        .collect();
    Ok((first, rows))
}

/// Index in `rows` (the sheet's cells, `row_count` rows from sheet row `sheet_row(0)`) of the
/// header's first row, or an error when the declared header rows are not all among them.
fn header_start(
    path: &Path,
    sheet: &str,
    file: &WorkbookFile,
    row_count: usize,
    sheet_row: &dyn Fn(usize) -> usize,
) -> Result<usize> {
    // `sheet_row(0)` is the sheet row of the range's first row.
    (file.header_row as usize)
        .checked_sub(sheet_row(0))
        .filter(|first| first + (file.header_rows as usize) <= row_count)
        .ok_or_else(|| {
            Error::new(
                path,
                format!("sheet '{sheet}'"),
                format!(
                    "the header rows {}-{} are outside the sheet's cells (rows {}-{})",
                    file.header_row,
                    file.header_row + file.header_rows - 1,
                    sheet_row(0),
                    sheet_row(row_count.saturating_sub(1))
                ),
                "set file.header_row to the sheet row of the table's header (`ilms inspect` shows the sheet)",
            )
        })
}

/// How many of the rows below the header (`body`) belong to the table: up to the first blank row.
/// Only one-cell notes may follow it; a row below with more cells is an error.
fn table_end(
    path: &Path,
    sheet: &str,
    body: &[&[Data]],
    body_row: &dyn Fn(usize) -> usize,
) -> Result<usize> {
    let end = body
        .iter()
        .position(|row| row.iter().all(|c| cell_text(c).is_empty()))
        .unwrap_or(body.len());
    if let Some(below) = body[end..]
        .iter()
        .position(|row| row.iter().filter(|c| !cell_text(c).is_empty()).count() > 1)
    {
        return Err(Error::new(
            path,
            format!("sheet '{sheet}' row {}", body_row(end + below)),
            format!(
                "the table ends at the blank sheet row {}, but row {} below it holds data",
                body_row(end),
                body_row(end + below)
            ),
            "remove the blank row inside the table (only one-cell notes may follow a table)",
        ));
    }
    Ok(end)
}

/// The one-cell notes below a table (what [`table_end`] allows there), top to bottom.
fn notes_below(rows: &[&[Data]]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| row.iter().map(cell_text).find(|text| !text.is_empty()))
        .collect()
}

/// The column names without the unnamed columns at the right edge that hold no data in `table`.
fn without_blank_edge_columns(mut columns: Vec<String>, table: &[&[Data]]) -> Vec<String> {
    while columns.len() > 1
        && columns.last().is_some_and(|n| n.starts_with("column "))
        && table
            .iter()
            .all(|row| cell_text(&row[columns.len() - 1]).is_empty())
    {
        columns.pop();
    }
    columns
}

/// Whether a row of the table is one of the source's own totals: its `file.total_rows.column`
/// holds one of the labels (never, without `file.total_rows` or when the table lacks the column).
fn total_row_test<'a>(file: &'a WorkbookFile, columns: &[String]) -> impl Fn(&[Data]) -> bool + 'a {
    let total_column = match &file.total_rows {
        Some(total) => columns.iter().position(|c| *c == total.column),
        None => None,
    };
    move |row: &[Data]| match (&file.total_rows, total_column) {
        (Some(total), Some(at)) => {
            let value = cell_text(&row[at]);
            total.labels.contains(&value)
        }
        _ => false,
    }
}

/// The table's cells as text, column by column, with each data row's number in the table (1-based,
/// total rows counted), total rows set aside: (values, data row numbers, number of total rows).
fn split_total_rows(
    table: &[&[Data]],
    width: usize,
    is_total: &dyn Fn(&[Data]) -> bool,
) -> (Vec<Vec<String>>, Vec<IdxSize>, usize) {
    let mut values: Vec<Vec<String>> = vec![Vec::new(); width];
    let mut data_rows: Vec<IdxSize> = Vec::new();
    let mut total_rows = 0;
    for (i, row) in table.iter().enumerate() {
        if is_total(row) {
            total_rows += 1;
            continue;
        }
        for (column, cell) in values.iter_mut().zip(row.iter()) {
            column.push(cell_text(cell));
        }
        data_rows.push(i as IdxSize + 1);
    }
    (values, data_rows, total_rows)
}

/// A cell as a number for a total check: blank is 0, text that is not a number is None.
fn cell_number(cell: &Data) -> Option<f64> {
    match cell {
        Data::Empty => Some(0.0),
        Data::Int(i) => Some(*i as f64),
        Data::Float(f) => Some(*f),
        Data::String(s) if s.trim().is_empty() => Some(0.0),
        Data::String(s) => s.trim().replace(',', "").parse().ok(),
        _ => None,
    }
}

/// The workbook's own totals against the sum of their parts: each total row's numeric cells
/// against the column sums of the other rows of the table, and each declared total column against
/// the sum of its part columns in every row.
fn source_totals(
    path: &Path,
    sheet: &str,
    file: &WorkbookFile,
    columns: &[String],
    table: &[&[Data]],
    is_total: &dyn Fn(&[Data]) -> bool,
    sheet_row: &dyn Fn(usize) -> usize,
) -> Result<Vec<TotalCheck>> {
    let index = |name: &str, key: &str| column_index(path, sheet, columns, name, key);
    let label_column = match &file.total_rows {
        Some(t) => Some(index(&t.column, "file.total_rows.column")?),
        None => None,
    };
    let mut checks = total_row_checks(columns, table, is_total, sheet_row, label_column);
    for total in &file.total_columns {
        let at = index(&total.total, "file.total_columns.total")?;
        let parts: Vec<usize> = total
            .parts
            .iter()
            .map(|p| index(p, "file.total_columns.parts"))
            .collect::<Result<_>>()?;
        checks.extend(total_column_checks(
            total, at, &parts, table, is_total, sheet_row,
        ));
    }
    Ok(checks)
}

/// The position of column `name`, which the spec's setting `key` names; an error listing the
/// table's columns when it has none of that name.
fn column_index(
    path: &Path,
    sheet: &str,
    columns: &[String],
    name: &str,
    key: &str,
) -> Result<usize> {
    columns.iter().position(|c| c == name).ok_or_else(|| {
        Error::new(
            path,
            format!("sheet '{sheet}'"),
            format!(
                "{key} names column '{name}', which the table does not have (its columns: {})",
                columns.join(", ")
            ),
            "name columns of the header (`ilms inspect` shows them)",
        )
    })
}

/// Each total row's numeric cells (but its label's, in `label_column`) against the column sums of
/// the other rows of the table.
fn total_row_checks(
    columns: &[String],
    table: &[&[Data]],
    is_total: &dyn Fn(&[Data]) -> bool,
    sheet_row: &dyn Fn(usize) -> usize,
    label_column: Option<usize>,
) -> Vec<TotalCheck> {
    let mut checks = Vec::new();
    for (i, row) in table.iter().enumerate().filter(|(_, r)| is_total(r)) {
        for (j, name) in columns.iter().enumerate() {
            let stated = match (Some(j) == label_column, cell_number(&row[j])) {
                (false, Some(n)) if !matches!(row[j], Data::Empty) => n,
                _ => continue,
            };
            // A column with text among its parts is not a column of numbers: nothing to check.
            let parts: Option<f64> = table
                .iter()
                .filter(|r| !is_total(r))
                .map(|r| cell_number(&r[j]))
                .sum();
            if let Some(computed) = parts {
                checks.push(TotalCheck {
                    what: format!(
                        "total row '{}' (sheet row {}), column '{name}'",
                        label_column.map(|l| cell_text(&row[l])).unwrap_or_default(),
                        sheet_row(i)
                    ),
                    stated,
                    computed,
                });
            }
        }
    }
    checks
}

/// A declared total column (at `at`) against the sum of its part columns (at `parts`), in every
/// row of the table that is not a total row.
fn total_column_checks(
    total: &TotalColumn,
    at: usize,
    parts: &[usize],
    table: &[&[Data]],
    is_total: &dyn Fn(&[Data]) -> bool,
    sheet_row: &dyn Fn(usize) -> usize,
) -> Vec<TotalCheck> {
    let mut checks = Vec::new();
    for (i, row) in table.iter().enumerate().filter(|(_, r)| !is_total(r)) {
        let stated = cell_number(&row[at]);
        let computed: Option<f64> = parts.iter().map(|&p| cell_number(&row[p])).sum();
        if let (Some(stated), Some(computed)) = (stated, computed) {
            checks.push(TotalCheck {
                what: format!(
                    "sheet row {}, column '{}' = {}",
                    sheet_row(i),
                    total.total,
                    total.parts.join(" + ")
                ),
                stated,
                computed,
            });
        }
    }
    checks
}

/// Most bytes one part of an .xlsx may unpack to: a sheet of 20 million cells is under it; a small
/// file that unpacks to gigabytes (a zip bomb) is refused before it is read.
const MAX_UNPACKED: u64 = 1 << 30;

/// Refuse an .xlsx with a part that unpacks to more than [`MAX_UNPACKED`] bytes: the size each part
/// declares first, then the bytes it really unpacks to, counted as it is decompressed (a zip may
/// understate its sizes), before the workbook reader loads any of it.
fn check_unpacked_size(path: &Path) -> Result<()> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(()); // opening it again below gives the error
    };
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(()); // not a zip: an .xls, or damaged (the reader says which)
    };
    let limit = MAX_UNPACKED;
    for index in 0..archive.len() {
        let Ok((name, declared, packed)) = archive.by_index_raw(index).map(|p| {
            let name = p.name().map(|n| n.into_owned()).unwrap_or_default();
            (name, p.size(), p.compressed_size())
        }) else {
            continue;
        };
        let problem = if declared > limit {
            format!(
                "this part of the workbook unpacks to {} MB ({} MB packed)",
                declared >> 20,
                packed >> 20
            )
        } else {
            // A part that cannot be opened is left to the reader, which names the problem.
            let Ok(part) = archive.by_index(index) else {
                continue;
            };
            match counted_bytes(part, limit) {
                Ok(unpacked) if unpacked <= limit => continue,
                Ok(_) => format!(
                    "this part of the workbook unpacks to more than {} ({} MB packed), though the file says {declared} bytes",
                    size_text(limit),
                    packed >> 20
                ),
                // The decompressor stops a part that gives more than it declares.
                Err(e) => {
                    return Err(Error::new(
                        path,
                        name,
                        format!("this part of the workbook cannot be unpacked as the file declares it ({declared} bytes): {e}"),
                        "the file is damaged or crafted: save the table again from Excel or LibreOffice, or as CSV",
                    ))
                }
            }
        };
        return Err(Error::new(
            path,
            name,
            format!("{problem}, more than ilms reads ({})", size_text(limit)),
            "save the table alone in a new workbook, or as CSV",
        ));
    }
    Ok(())
}

fn size_text(bytes: u64) -> String {
    match bytes % (1 << 20) {
        0 => format!("{} MB", bytes >> 20),
        _ => format!("{bytes} bytes"),
    }
}

/// How many bytes `part` gives, counted up to past `limit`.
fn counted_bytes(mut part: impl std::io::Read, limit: u64) -> std::io::Result<u64> {
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    while total <= limit {
        match part.read(&mut buffer)? {
            0 => break,
            n => total += n as u64,
        }
    }
    Ok(total)
}

/// Open the workbook and read the declared sheet (or the first).
fn read_sheet(path: &Path, file: &WorkbookFile) -> Result<(String, Range<Data>)> {
    check_unpacked_size(path)?;
    super::biff::check_sheet_sizes(path, MAX_CELLS)?;
    let mut workbook = open_workbook_auto(path).map_err(|e| {
        Error::new(
            path,
            "",
            format!("not a readable Excel workbook: {e}"),
            "check the file is complete and really .xlsx / .xls (open it in Excel or LibreOffice)",
        )
    })?;
    let names = workbook.sheet_names();
    let sheet = match &file.sheet {
        Some(name) if names.contains(name) => name.clone(),
        Some(name) => {
            return Err(Error::new(
                path,
                "",
                format!(
                    "the workbook has no sheet '{name}' (its sheets: {})",
                    names.join(", ")
                ),
                "correct file.sheet",
            ))
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::new(path, "", "the workbook has no sheets", "check the file"))?,
    };
    let block = file.cells.as_deref().and_then(cell_block);
    let range = match &mut workbook {
        Sheets::Xlsx(xlsx) => xlsx_range(path, xlsx, &sheet, block)?,
        _ => workbook
            .worksheet_range(&sheet)
            .map_err(|e| unreadable(path, &sheet, e))?,
    };
    // Only the declared block of cells (checked when the spec loaded), if any.
    let range = match block {
        Some((from, to)) => range.range(from, to),
        None => range,
    };
    Ok((sheet, range))
}

fn unreadable(path: &Path, sheet: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        path,
        format!("sheet '{sheet}'"),
        format!("could not read the sheet: {e}"),
        "check the file is complete (open it in Excel or LibreOffice)",
    )
}

/// An .xlsx sheet may hold up to 16,384 x 1,048,576 cells: its filled cells (within `block`, if
/// given) are gathered one by one and the table's range built from them within a budget (an .xls
/// sheet is at most 256 x 65,536).
fn xlsx_range<RS: std::io::Read + std::io::Seek>(
    path: &Path,
    xlsx: &mut calamine::Xlsx<RS>,
    sheet: &str,
    block: Option<((u32, u32), (u32, u32))>,
) -> Result<Range<Data>> {
    let mut reader = xlsx
        .worksheet_cells_reader(sheet)
        .map_err(|e| unreadable(path, sheet, e))?;
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(path, sheet, e))? {
        let value = Data::from(cell.get_value().clone());
        let inside = block.is_none_or(|(from, to)| within(cell.get_position(), from, to));
        if inside && value != Data::Empty {
            cells.push(Cell::new(cell.get_position(), value));
        }
        if cells.len() > MAX_CELLS {
            return Err(too_large(path, sheet, "more than 20 million filled cells"));
        }
    }
    used_range(path, sheet, cells)
}

/// Most filled cells read from one sheet, and most cells in the rectangle a table is read from
/// (about 32 bytes each): far above any table a ministry sends, far below the machine's memory.
const MAX_CELLS: usize = 20_000_000;

fn within(position: (u32, u32), from: (u32, u32), to: (u32, u32)) -> bool {
    (from.0..=to.0).contains(&position.0) && (from.1..=to.1).contains(&position.1)
}

/// The rectangle of the sheet's filled cells, without a cell that is alone in both its row and its
/// column far from the others (a stray mark at the sheet's last row and column would otherwise
/// make the table 16,384 columns by a million rows).
fn used_range(path: &Path, sheet: &str, mut cells: Vec<Cell<Data>>) -> Result<Range<Data>> {
    use std::collections::HashMap;
    let mut per_row: HashMap<u32, usize> = HashMap::new();
    let mut per_column: HashMap<u32, usize> = HashMap::new();
    for cell in &cells {
        let (row, column) = cell.get_position();
        *per_row.entry(row).or_default() += 1;
        *per_column.entry(column).or_default() += 1;
    }
    let alone = |cell: &Cell<Data>| {
        let (row, column) = cell.get_position();
        per_row[&row] == 1 && per_column[&column] == 1
    };
    let last_row = cells
        .iter()
        .filter(|c| !alone(c))
        .map(|c| c.get_position().0)
        .max();
    let last_column = cells
        .iter()
        .filter(|c| !alone(c))
        .map(|c| c.get_position().1)
        .max();
    if let (Some(last_row), Some(last_column)) = (last_row, last_column) {
        // A lone cell is kept within reach of the table (a one-cell note below it).
        cells.retain(|c| {
            let (row, column) = c.get_position();
            !alone(c)
                || (row <= last_row.saturating_add(1000)
                    && column <= last_column.saturating_add(100))
        });
    }
    let rows = cells.iter().map(|c| c.get_position().0);
    let columns = cells.iter().map(|c| c.get_position().1);
    let height = rows
        .clone()
        .max()
        .zip(rows.min())
        .map_or(0, |(a, b)| (a - b) as usize + 1);
    let width = columns
        .clone()
        .max()
        .zip(columns.min())
        .map_or(0, |(a, b)| (a - b) as usize + 1);
    if height.saturating_mul(width) > MAX_CELLS {
        return Err(too_large(
            path,
            sheet,
            &format!("filled cells spread over {height} rows by {width} columns"),
        ));
    }
    Ok(Range::from_sparse(cells))
}

fn too_large(path: &Path, sheet: &str, what: &str) -> Error {
    Error::new(
        path,
        format!("sheet '{sheet}'"),
        format!("the sheet has {what}, more than ilms reads from one sheet (20 million cells)"),
        "give the table's block with file.cells (e.g. cells = \"A1:H5000\"), or clear the cells far from the table",
    )
}

/// Column names from the header rows: a merged group cell (its value sits in its first column) is
/// carried across the blank cells to its right, and the rows' parts are joined with a space.
fn header_names(
    path: &Path,
    sheet: &str,
    header: &[&[Data]],
    width: usize,
    first_sheet_row: usize,
) -> Result<Vec<String>> {
    let mut parts: Vec<Vec<String>> = vec![Vec::new(); width];
    let last = header.len() - 1;
    for (i, row) in header.iter().enumerate() {
        let mut carried = String::new();
        for (j, cell) in row.iter().enumerate() {
            let text = cell_text(cell);
            if !text.is_empty() {
                carried = text.clone();
            }
            let part = if i < last && text.is_empty() {
                carried.clone()
            } else {
                text
            };
            if !part.is_empty() {
                parts[j].push(part);
            }
        }
    }
    let mut names: Vec<String> = Vec::with_capacity(width);
    for (j, part) in parts.into_iter().enumerate() {
        let name = if part.is_empty() {
            format!("column {}", column_letter(j))
        } else {
            part.join(" ")
        };
        if names.contains(&name) {
            return Err(Error::new(
                path,
                format!("sheet '{sheet}' row {first_sheet_row}"),
                format!("two columns of the header are both named '{name}'"),
                "check file.header_row and file.header_rows cover the whole header",
            ));
        }
        names.push(name);
    }
    Ok(names)
}

/// Excel's letter for a 0-based column index (0 = A, 26 = AA).
fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push((b'A' + (index % 26) as u8) as char);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

/// A cell as text, the way the other readers write values.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        // Dates stay Excel serial numbers: no harmonized variable is a date.
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        // An error cell (#REF!, #N/A) is kept as written; no code map knows it, so the record
        // is quarantined with it.
        Data::Error(e) => e.to_string(),
    }
}

/// How a column's cells are stored: number, text, or mixed.
fn storage_of<'a>(cells: impl Iterator<Item = &'a Data>) -> String {
    let (mut numbers, mut texts) = (0, 0);
    for cell in cells {
        match cell {
            Data::Int(_) | Data::Float(_) => numbers += 1,
            Data::Empty => {}
            _ => texts += 1,
        }
    }
    match (numbers, texts) {
        (0, 0) => "empty",
        (_, 0) => "number",
        (0, _) => "text",
        _ => "mixed",
    }
    .into()
}
