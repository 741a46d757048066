//! A table as Markdown, CSV and an Excel sheet; the round's tables as one workbook with a
//! contents sheet and numbered tables.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Url, Workbook, Worksheet, XlsxError};

use super::{AnnualTable, Entry, TableRow, FIGURES};
use crate::error::{Error, Result};

/// The file name of the workbook that holds every table of a round (or of an `ilms table` call).
pub const WORKBOOK: &str = "annual_tables.xlsx";

/// Write a table's files into `dir`, each to a temporary name first, renamed when complete.
pub fn write_files(table: &AnnualTable, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (name, bytes) in table.files()? {
        written.push(write_file(dir, &name, &bytes)?);
    }
    Ok(written)
}

/// Write one file into `dir` (created if need be) by a temporary name, renamed when complete.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create the tables folder", e))?;
    let path = dir.join(name);
    let partial = dir.join(format!(".{name}.partial"));
    std::fs::write(&partial, bytes).map_err(|e| Error::io(&partial, "write the table", e))?;
    std::fs::rename(&partial, &path)
        .map_err(|e| Error::io(&path, "move the table into place", e))?;
    Ok(path)
}

/// Every table in one workbook: a contents sheet listing "Table 1", "Table 2", ... with their
/// titles (each a link to its sheet), then one sheet per table. (file name, contents)
pub fn workbook_file(tables: &[AnnualTable], heading: &str) -> Result<(String, Vec<u8>)> {
    let build = || -> std::result::Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let contents = book.add_worksheet();
        contents.set_name("Contents")?;
        contents.write_string_with_format(0, 0, heading, &title_format())?;
        contents.write_string_with_format(1, 0, "Contents", &Format::new().set_italic())?;
        for (n, table) in tables.iter().enumerate() {
            let sheet = format!("Table {}", n + 1);
            let row = 3 + n as u32;
            contents.write_string(row, 0, &sheet)?;
            let link = Url::new(format!("internal:'{sheet}'!A1")).set_text(&table.title);
            contents.write_url(row, 1, link)?;
        }
        contents.set_column_width(0, 10)?;
        contents.set_column_width(1, 100)?;
        for (n, table) in tables.iter().enumerate() {
            let sheet = book.add_worksheet();
            sheet.set_name(format!("Table {}", n + 1))?;
            table.write_sheet(sheet, &format!("Table {}. {}", n + 1, table.title))?;
        }
        book.save_to_buffer()
    };
    let bytes = build().map_err(|e| {
        Error::new(
            WORKBOOK,
            "",
            format!("could not build the workbook: {e}"),
            "report this bug",
        )
    })?;
    Ok((WORKBOOK.to_string(), bytes))
}

fn title_format() -> Format {
    Format::new().set_bold().set_font_size(13)
}

impl AnnualTable {
    pub fn unit_label(&self) -> &'static str {
        self.unit.label()
    }

    /// Decimals of the figure in column `k` of a group (% women: one).
    fn decimals(&self, k: usize) -> usize {
        if k == 3 {
            1
        } else {
            self.unit.decimals()
        }
    }

    /// Whether the table shows several years side by side.
    fn several_years(&self) -> bool {
        self.groups.len() > 1
    }

    /// The column headings: "Country", each group's figures ("2023 Total" in a table of several
    /// years), "Notes".
    pub fn headings(&self) -> Vec<String> {
        let mut out = vec!["Country".to_string()];
        for group in &self.groups {
            for figure in FIGURES {
                out.push(if group.is_empty() {
                    figure.to_string()
                } else {
                    format!("{group} {figure}")
                });
            }
        }
        out.push("Notes".into());
        out
    }

    /// The countries' rows, then the total row.
    fn all_rows(&self) -> impl Iterator<Item = &TableRow> {
        self.rows.iter().chain(self.total.iter())
    }

    fn note_marks(row: &TableRow) -> String {
        row.notes
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A row's figures as printed (grouped digits when `grouped`, "..", "n/a", "–", "x").
    fn row_texts(&self, row: &TableRow, grouped: bool) -> Vec<String> {
        row.figures
            .iter()
            .flat_map(|group| {
                group
                    .iter()
                    .enumerate()
                    .map(move |(k, e)| e.text(self.decimals(k), grouped))
            })
            .collect()
    }

    /// Each row (the total row last) as text: its label, the figures as printed and its
    /// footnote marks.
    pub fn text_rows(&self) -> Vec<(String, Vec<String>, String)> {
        self.all_rows()
            .map(|row| {
                (
                    row.label.clone(),
                    self.row_texts(row, true),
                    Self::note_marks(row),
                )
            })
            .collect()
    }

    /// The table as Markdown: heading, unit, the grid, numbered notes, legend and source.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("### {}\n\n*{}*\n\n", self.title, self.unit.label());
        let headings = self.headings();
        out.push_str(&format!("| {} |\n", headings.join(" | ")));
        let figures = "---:|".repeat(headings.len() - 2);
        out.push_str(&format!("|:---|{figures}:---|\n"));
        for (label, cells, notes) in self.text_rows() {
            out.push_str(&format!("| {label} | {} | {notes} |\n", cells.join(" | ")));
        }
        out.push_str("\nNotes:\n\n");
        for (i, note) in self.notes.iter().enumerate() {
            out.push_str(&format!("{}. {note}\n", i + 1));
        }
        out.push_str(&format!("\n{}\n\n{}\n", self.legend, self.source_line));
        out
    }

    /// The table as CSV (UTF-8 with a byte-order mark, so Excel reads the dash): a title line,
    /// the unit line, the headings (a line of years above them in a table of several years), the
    /// grid, then the notes, as a focal point would lay it out.
    pub fn to_csv(&self) -> String {
        let mut lines = vec![
            csv_line(&[self.title.as_str()]),
            csv_line(&[self.unit.label()]),
        ];
        if self.several_years() {
            let mut years = vec![String::new()];
            for group in &self.groups {
                years.push(group.clone());
                years.extend([String::new(), String::new(), String::new()]);
            }
            lines.push(csv_line(&years));
            let mut figures = vec!["Country"];
            figures.extend(FIGURES.repeat(self.groups.len()));
            figures.push("Notes");
            lines.push(csv_line(&figures));
        } else {
            lines.push(csv_line(&self.headings()));
        }
        for row in self.all_rows() {
            let mut fields = vec![row.label.clone()];
            fields.extend(self.row_texts(row, false));
            fields.push(Self::note_marks(row));
            lines.push(csv_line(&fields));
        }
        lines.push(String::new());
        lines.push(csv_line(&["Notes:"]));
        for (i, note) in self.notes.iter().enumerate() {
            lines.push(csv_line(&[format!("{}. {note}", i + 1)]));
        }
        lines.push(csv_line(&[self.legend.as_str()]));
        lines.push(csv_line(&[self.source_line.as_str()]));
        format!("\u{feff}{}\n", lines.join("\n"))
    }

    /// The table as an Excel workbook of one sheet: numbers as numbers (a nil is a 0 shown as
    /// "–"), text for "..", "n/a" and "x", title, unit, notes and source lines.
    pub fn to_xlsx(&self) -> std::result::Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(self.sheet_name())?;
        self.write_sheet(sheet, &self.title)?;
        book.save_to_buffer()
    }

    /// The three files of the table: (file name, contents).
    pub fn files(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let xlsx = self.to_xlsx().map_err(|e| {
            Error::new(
                format!("{}.xlsx", self.stem),
                "",
                format!("could not build the workbook: {e}"),
                "report this bug",
            )
        })?;
        Ok(vec![
            (format!("{}.xlsx", self.stem), xlsx),
            (format!("{}.csv", self.stem), self.to_csv().into_bytes()),
            (format!("{}.md", self.stem), self.to_markdown().into_bytes()),
        ])
    }

    /// The table on `sheet`, headed by `title`.
    fn write_sheet(
        &self,
        sheet: &mut Worksheet,
        title: &str,
    ) -> std::result::Result<(), XlsxError> {
        let small = Format::new().set_font_size(9);
        sheet.write_string_with_format(0, 0, title, &title_format())?;
        sheet.write_string_with_format(1, 0, self.unit.label(), &Format::new().set_italic())?;
        let first = self.write_headings(sheet, 3)?;
        let mut r = self.write_xlsx_rows(sheet, first)?;
        r += 1;
        sheet.write_string_with_format(r, 0, "Notes:", &Format::new().set_bold())?;
        r += 1;
        for (i, note) in self.notes.iter().enumerate() {
            sheet.write_string_with_format(r, 0, format!("{}. {note}", i + 1), &small)?;
            r += 1;
        }
        sheet.write_string_with_format(r, 0, &self.legend, &small)?;
        sheet.write_string_with_format(r + 1, 0, &self.source_line, &small)?;
        sheet.set_column_width(0, 36)?;
        let notes_column = 1 + 4 * self.groups.len() as u16;
        for c in 1..notes_column {
            sheet.set_column_width(c, 12)?;
        }
        sheet.set_column_width(notes_column, 10)?;
        sheet.set_freeze_panes(first, 1)?;
        Ok(())
    }

    /// The heading rows from sheet row `r` (the years merged above their figures in a table of
    /// several years); returns the first row of figures.
    fn write_headings(&self, sheet: &mut Worksheet, r: u32) -> std::result::Result<u32, XlsxError> {
        let header = Format::new()
            .set_bold()
            .set_border_bottom(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::Center);
        let mut r = r;
        if self.several_years() {
            for (g, year) in self.groups.iter().enumerate() {
                let c = 1 + 4 * g as u16;
                sheet.merge_range(r, c, r, c + 3, year, &header)?;
            }
            r += 1;
        }
        sheet.write_string_with_format(r, 0, "Country", &header)?;
        for g in 0..self.groups.len() {
            for (k, figure) in FIGURES.iter().enumerate() {
                let c = 1 + 4 * g as u16 + k as u16;
                sheet.write_string_with_format(r, c, *figure, &header)?;
            }
        }
        let notes = 1 + 4 * self.groups.len() as u16;
        sheet.write_string_with_format(r, notes, "Notes", &header)?;
        Ok(r + 1)
    }

    /// The worksheet's name: the table's id as Excel allows it.
    fn sheet_name(&self) -> String {
        // Sheet names: at most 31 characters, none of []:*?/\.
        self.id
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect()
    }

    /// Write the rows (the total row last, in bold) from sheet row `first`; returns the sheet row
    /// after the last.
    fn write_xlsx_rows(
        &self,
        sheet: &mut Worksheet,
        first: u32,
    ) -> std::result::Result<u32, XlsxError> {
        let mut r = first;
        for row in self.all_rows() {
            let bold = self.total.as_ref().is_some_and(|t| std::ptr::eq(t, row));
            let base = if bold {
                Format::new().set_bold().set_border_top(FormatBorder::Thin)
            } else {
                Format::new()
            };
            sheet.write_string_with_format(r, 0, &row.label, &base)?;
            for (g, group) in row.figures.iter().enumerate() {
                for (k, entry) in group.iter().enumerate() {
                    let col = 1 + 4 * g as u16 + k as u16;
                    let number = xlsx_number_format(base.clone(), self.decimals(k));
                    match entry {
                        Entry::Value { value, .. } => {
                            sheet.write_number_with_format(r, col, *value, &number)?;
                        }
                        Entry::Nil => {
                            sheet.write_number_with_format(r, col, 0.0, &number)?;
                        }
                        other => {
                            let symbol = base.clone().set_align(FormatAlign::Right);
                            sheet.write_string_with_format(
                                r,
                                col,
                                other.text(0, false),
                                &symbol,
                            )?;
                        }
                    }
                }
            }
            let notes = 1 + 4 * self.groups.len() as u16;
            sheet.write_string_with_format(r, notes, Self::note_marks(row), &base)?;
            r += 1;
        }
        Ok(r)
    }
}

/// The Excel number format of a figure with `decimals` decimals: digits grouped, a zero shown as
/// "–".
fn xlsx_number_format(base: Format, decimals: usize) -> Format {
    let digits = if decimals == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(decimals))
    };
    base.set_num_format(format!("{digits};-{digits};\"–\""))
}

fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    fields
        .iter()
        .map(|f| {
            let f = f.as_ref();
            if f.contains([',', '"', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A number with `decimals` decimals, thousands separated by commas when `grouped`.
pub fn format_number(value: f64, decimals: usize, grouped: bool) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, ch) in int.chars().enumerate() {
        if grouped && i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rounded_and_grouped() {
        assert_eq!(format_number(1234567.25, 1, true), "1,234,567.2");
        assert_eq!(format_number(1234567.25, 0, false), "1234567");
        assert_eq!(format_number(999.96, 1, true), "1,000.0");
        assert_eq!(format_number(-0.01, 1, true), "0.0");
    }
}
