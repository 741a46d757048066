//! A look at an .xls file before the Excel reader opens it. calamine reads every sheet of an .xls
//! when it opens the file: it follows the compound file's directory chain until it ends (a chain
//! that loops grows memory until the process is killed: the damaged file the fuzz run found), and
//! reserves memory for the sheet size the file claims (the DIMENSIONS record) and the rectangle its
//! cells' positions span (a claim of billions of cells is an allocation that ends the process).
//! None of that can be caught. Here the compound file is opened, its chains followed with loops
//! refused, the workbook stream taken out, and each sheet's claimed size and cell positions
//! measured against the cell budget, without building anything.

use std::path::Path;

use crate::error::{Error, Result};

/// The first bytes of a compound file (OLE2), the container of .xls workbooks.
const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Sector numbers from this one up mean "none" (end of chain, free, FAT or DIFAT sector).
const NO_SECTOR: u32 = 0xFFFF_FFFA;

/// Columns an .xls sheet has (A to IV, in every BIFF version). A cell past them is damage: the
/// reader takes its position as it is, and the table becomes as wide as it says (a flipped bit made
/// one 4,105 columns wide, and `ilms inspect` then planned its queries without end).
const MAX_COLUMNS: u16 = 256;

/// Refuse an .xls whose sheets claim, or whose cells span, more than `max_cells` cells. Files that
/// are not compound files are left to the reader (an .xlsx, or a file it refuses itself).
pub(super) fn check_sheet_sizes(path: &Path, max_cells: usize) -> Result<()> {
    use std::io::Read;
    let mut start = [0u8; 8];
    let opened = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut start));
    if opened.is_err() || start != SIGNATURE {
        return Ok(()); // the reader gives the error, or it is not an .xls
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "read the workbook", e))?;
    check_bytes(path, &bytes, max_cells)
}

fn check_bytes(path: &Path, bytes: &[u8], max_cells: usize) -> Result<()> {
    let damaged = |what: &str| {
        Error::new(
            path,
            "",
            format!("not a readable Excel workbook: {what}"),
            "check the file is complete and really .xls (open it in Excel or LibreOffice and save it again)",
        )
    };
    let compound =
        Compound::parse(bytes).ok_or_else(|| damaged("its compound-file header is damaged"))?;
    let stream = compound.workbook_stream().ok_or_else(|| {
        damaged(
            "it holds no Workbook stream that can be read (missing, or its chain of sectors loops)",
        )
    })?;
    for (name, sheet) in sheets(&stream) {
        let (claimed, span) = sheet_extent(&stream[sheet..]);
        if let Some((row, column)) = span.widest.filter(|(_, column)| *column >= MAX_COLUMNS) {
            return Err(Error::new(
                path,
                format!("sheet '{name}'"),
                format!(
                    "a cell at row {}, column {} lies past the last column an .xls sheet can have ({MAX_COLUMNS}, column IV): the file is damaged",
                    u32::from(row) + 1,
                    u32::from(column) + 1
                ),
                "open the file in Excel or LibreOffice and save it again (or as CSV), or ask the sender for an undamaged copy",
            ));
        }
        if let Some((what, cells)) = claimed.filter(|(_, cells)| *cells > max_cells) {
            return Err(Error::new(
                path,
                format!("sheet '{name}'"),
                format!(
                    "the sheet {what} {cells} cells, more than ilms reads from one sheet ({max_cells}): the file is damaged or not a table"
                ),
                "open the file in Excel or LibreOffice, save the table alone in a new workbook (or as CSV), and declare that",
            ));
        }
    }
    Ok(())
}

/// Little-endian integers at an offset, None past the end.
fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// A compound file's sectors and allocation table (MS-CFB), enough to read one stream.
struct Compound<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
}

impl<'a> Compound<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Compound<'a>> {
        let shift = u16_at(bytes, 0x1E)?;
        if !(7..=16).contains(&shift) {
            return None;
        }
        let mut compound = Compound {
            bytes,
            sector: 1 << shift,
            fat: Vec::new(),
        };
        let sectors = bytes.len() / compound.sector;
        // The FAT's sectors: 109 listed in the header, the rest in a chain of DIFAT sectors.
        let mut fat_sectors: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(bytes, 0x4C + 4 * i))
            .filter(|s| *s < NO_SECTOR)
            .collect();
        let per_sector = compound.sector / 4;
        let mut difat = u32_at(bytes, 0x44)?;
        let mut steps = 0;
        while difat < NO_SECTOR && steps < sectors {
            let data = compound.sector_bytes(difat)?;
            fat_sectors.extend(
                (0..per_sector - 1)
                    .filter_map(|i| u32_at(data, 4 * i))
                    .filter(|s| *s < NO_SECTOR),
            );
            difat = u32_at(data, 4 * (per_sector - 1))?;
            steps += 1;
        }
        for s in fat_sectors.into_iter().take(sectors) {
            let data = compound.sector_bytes(s)?;
            let entries: Vec<u32> = (0..data.len() / 4)
                .filter_map(|i| u32_at(data, 4 * i))
                .collect();
            compound.fat.extend(entries);
        }
        Some(compound)
    }

    /// Sector `n` (the last one of a file may be short).
    fn sector_bytes(&self, n: u32) -> Option<&'a [u8]> {
        let start = (n as usize).checked_add(1)?.checked_mul(self.sector)?;
        let end = start.saturating_add(self.sector).min(self.bytes.len());
        self.bytes.get(start..end).filter(|s| !s.is_empty())
    }

    /// The bytes of the chain of sectors from `start` in `table`, each sector from `read` (a
    /// missing sector ends it: a damaged chain is read as far as it goes); None if the chain comes
    /// back to a sector it has passed, a loop the reader would follow for ever.
    fn chain(
        &self,
        start: u32,
        table: &[u32],
        read: impl Fn(u32) -> Option<Vec<u8>>,
    ) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut seen = vec![false; table.len()];
        let mut next = start;
        while next < NO_SECTOR {
            let Some(data) = read(next) else { break };
            out.extend(data);
            match seen.get_mut(next as usize) {
                Some(true) => return None,
                Some(passed) => *passed = true,
                None => break,
            }
            next = table[next as usize];
        }
        Some(out)
    }

    fn big_chain(&self, start: u32) -> Option<Vec<u8>> {
        self.chain(start, &self.fat, |n| {
            self.sector_bytes(n).map(<[u8]>::to_vec)
        })
    }

    /// The `Workbook` stream (`Book` in files before Excel 97), found as calamine finds it: the
    /// first directory entry of that name (its 64 name bytes read up to the first NUL, its type
    /// not looked at), small streams (under 4,096 bytes) in the mini stream when there is one.
    fn workbook_stream(&self) -> Option<Vec<u8>> {
        let directory = self.big_chain(u32_at(self.bytes, 0x30)?)?;
        let entries: Vec<&[u8]> = directory.chunks_exact(128).collect();
        let root = entries.first()?;
        let name_of = |entry: &[u8]| {
            let units: Vec<u16> = (0..32).filter_map(|i| u16_at(entry, 2 * i)).collect();
            let name = String::from_utf16_lossy(&units);
            name.split('\0').next().unwrap_or("").to_string()
        };
        let entry = ["Workbook", "Book"].iter().find_map(|wanted| {
            entries
                .iter()
                .find(|e| name_of(e).eq_ignore_ascii_case(wanted))
        })?;
        let start = u32_at(entry, 116)?;
        let size = u32_at(entry, 120)? as usize;
        let has_mini_stream = u32_at(self.bytes, 0x40)? > 0;
        let mut stream = match size < 4096 && has_mini_stream {
            true => self.mini_chain(u32_at(root, 116)?, start)?,
            false => self.big_chain(start)?,
        };
        stream.truncate(size);
        Some(stream)
    }

    /// A small stream, kept in 64-byte sectors inside the root entry's mini stream.
    fn mini_chain(&self, mini_stream_start: u32, start: u32) -> Option<Vec<u8>> {
        let mini_stream = self.big_chain(mini_stream_start)?;
        let table_bytes = self.big_chain(u32_at(self.bytes, 0x3C)?)?;
        let table: Vec<u32> = (0..table_bytes.len() / 4)
            .filter_map(|i| u32_at(&table_bytes, 4 * i))
            .collect();
        self.chain(start, &table, |n| {
            let at = (n as usize).checked_mul(64)?;
            mini_stream
                .get(at..at.saturating_add(64).min(mini_stream.len()))
                .map(<[u8]>::to_vec)
        })
    }
}

/// BIFF records from the start of `stream`: (type, data); a record cut short ends them.
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let kind = u16_at(stream, at)?;
        let length = u16_at(stream, at + 2)? as usize;
        let data = stream.get(at + 4..at + 4 + length)?;
        at += 4 + length;
        Some((kind, data))
    })
}

/// The sheets the workbook globals list (BoundSheet8 records): name and offset in the stream.
fn sheets(stream: &[u8]) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (kind, data) in records(stream) {
        match kind {
            0x0085 => {
                if let Some(offset) = u32_at(data, 0).map(|o| o as usize) {
                    if offset < stream.len() {
                        found.push((sheet_name(data), offset));
                    }
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    found
}

/// A BoundSheet8 record's sheet name (BIFF8: a length, a flag for UTF-16, the characters).
fn sheet_name(data: &[u8]) -> String {
    let length = data.get(6).copied().unwrap_or(0) as usize;
    let name = match data.get(7) {
        Some(1) => {
            let units: Vec<u16> = (0..length)
                .filter_map(|i| u16_at(data, 8 + 2 * i))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => data
            .get(8..(8 + length).min(data.len()))
            .unwrap_or(&[])
            .iter()
            .map(|&b| char::from(b))
            .collect(),
    };
    name.chars().filter(|c| !c.is_control()).collect()
}

/// The most cells the reader would reserve or lay out for one sheet (records from its BOF as
/// calamine reads them): what its DIMENSIONS record claims, or the rectangle its cells span; and
/// the span itself.
fn sheet_extent(sheet: &[u8]) -> (Option<(&'static str, usize)>, Span) {
    let mut largest: Option<(&'static str, usize)> = None;
    let mut bigger = |what: &'static str, cells: usize| {
        if largest.is_none_or(|(_, n)| cells > n) {
            largest = Some((what, cells));
        }
    };
    let mut span = Span::default();
    let (mut seen_bof, mut depth) = (false, 0usize);
    for (kind, data) in records(sheet) {
        if depth > 0 {
            match kind {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        match kind {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x0200 => bigger("claims", dimensions(data)),
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(row), Some(column)) = (u16_at(data, 0), u16_at(data, 2)) {
                    span.add(row, column);
                }
            }
            0x00BD => {
                if let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) {
                    span.add(row, first);
                    if let Some(last) = data.len().checked_sub(2).and_then(|at| u16_at(data, at)) {
                        span.add(row, last);
                    }
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    if let Some(cells) = span.cells() {
        bigger("has cells spread over", cells);
    }
    (largest, span)
}

/// The size the reader reserves for a DIMENSIONS record, computed as calamine 0.38 computes it
/// (first and last row and column; a first column past 255 taken as 0).
fn dimensions(data: &[u8]) -> usize {
    let fields = match data.len() {
        10 => (0..4)
            .map(|i| u16_at(data, 2 * i).map(u32::from))
            .collect::<Option<Vec<_>>>(),
        14 | 16 => Some(vec![
            u32_at(data, 0).unwrap_or(0),
            u32_at(data, 4).unwrap_or(0),
            u16_at(data, 8).map_or(0, u32::from),
            u16_at(data, 10).map_or(0, u32::from),
        ]),
        _ => None,
    };
    let Some([first_row, last_row, mut first_column, last_column]) =
        fields.and_then(|f| <[u32; 4]>::try_from(f).ok())
    else {
        return 0;
    };
    if first_column > 0xFF || last_column < first_column {
        first_column = 0;
    }
    if last_row == 0 || last_column == 0 {
        return 1;
    }
    let rows = (last_row - 1).wrapping_sub(first_row).wrapping_add(1) as usize;
    let columns = (last_column - 1).wrapping_sub(first_column).wrapping_add(1) as usize;
    rows.saturating_mul(columns)
}

/// The rectangle cells' positions span, and the position of a cell furthest right.
#[derive(Default)]
struct Span {
    rows: Option<(u16, u16)>,
    columns: Option<(u16, u16)>,
    widest: Option<(u16, u16)>,
}

impl Span {
    fn add(&mut self, row: u16, column: u16) {
        if self.widest.is_none_or(|(_, c)| column > c) {
            self.widest = Some((row, column));
        }
        let widen = |range: Option<(u16, u16)>, v: u16| {
            Some(range.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
        };
        self.rows = widen(self.rows, row);
        self.columns = widen(self.columns, column);
    }

    fn cells(&self) -> Option<usize> {
        let ((r0, r1), (c0, c1)) = (self.rows?, self.columns?);
        Some((usize::from(r1 - r0) + 1) * (usize::from(c1 - c0) + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claimed_dimensions_are_measured_as_the_reader_reserves_them() {
        let biff8 = |rows: (u32, u32), columns: (u16, u16)| {
            let mut data = Vec::new();
            data.extend(rows.0.to_le_bytes());
            data.extend(rows.1.to_le_bytes());
            data.extend(columns.0.to_le_bytes());
            data.extend(columns.1.to_le_bytes());
            data.extend([0, 0]);
            dimensions(&data)
        };
        assert_eq!(biff8((0, 10), (0, 3)), 30);
        assert_eq!(biff8((0, 0), (0, 0)), 1);
        assert_eq!(biff8((0, 0x7FFF_FFFF), (0, 256)), 0x7FFF_FFFFusize * 256);
        // A last row before the first wraps as in the reader: a huge claim, refused.
        assert!(biff8((10, 5), (0, 3)) > 1 << 30);
        let mut span = Span::default();
        span.add(0, 0);
        span.add(65535, 255);
        assert_eq!(span.cells(), Some(65536 * 256));
    }
}
