//! Rendering of planned charts with plotters: a frame (title, subtitle, notes, source) and one of
//! three figures (grouped bars, pyramid, lines), to SVG and PNG from the same drawing code.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::glyphs::{text_width, Glyphs};
use super::{Bar, Chart, Figure, Panel, PlannedChart, TOTAL_ONLY};
use crate::annual::format_number;
use crate::error::{Error, Result};

const FONT: &str = "sans-serif";
const WIDTH: u32 = 1400;
const HEIGHT: u32 = 900;
/// Okabe-Ito: colour-blind safe; the first pair is men / women (or the two groups compared).
const SERIES_COLORS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(230, 159, 0),
];
/// Bars of a total where the source gives no breakdown by sex.
const TOTAL_COLOR: RGBColor = RGBColor(120, 120, 120);
const GRID: RGBColor = RGBColor(225, 225, 225);
const GREY: RGBColor = RGBColor(80, 80, 80);

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn register_fonts() -> Result<()> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        let regular = register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        );
        let bold = register_font(
            FONT,
            FontStyle::Bold,
            include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
        );
        if regular.is_err() || bold.is_err() {
            result = Err(Error::new(
                "assets/fonts",
                "",
                "the bundled fonts could not be loaded",
                "rebuild ilms from a complete checkout",
            ));
        }
    });
    result
}

/// Render a planned chart to an SVG and a PNG file.
pub fn render(planned: &PlannedChart, svg: &Path, png: &Path) -> Result<()> {
    register_fonts()?;
    let failed = |path: &Path| {
        let path: PathBuf = path.to_path_buf();
        move |e: String| {
            Error::new(
                &path,
                "",
                format!("could not draw the chart: {e}"),
                "check the output folder is writable",
            )
        }
    };
    {
        let root = SVGBackend::new(svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, &planned.chart).map_err(|e| failed(svg)(e.to_string()))?;
        root.present().map_err(|e| failed(svg)(e.to_string()))?;
    }
    {
        // Text through `Glyphs`: plotters' own bitmap text misplaces glyphs (see glyphs.rs).
        let root = Glyphs::new(BitMapBackend::new(png, (WIDTH, HEIGHT))).into_drawing_area();
        draw(&root, &planned.chart).map_err(|e| failed(png)(e.to_string()))?;
        root.present().map_err(|e| failed(png)(e.to_string()))?;
    }
    Ok(())
}

struct Styles {
    label: TextStyle<'static>,
    small: TextStyle<'static>,
    heading: TextStyle<'static>,
}

fn styles() -> Styles {
    Styles {
        label: TextStyle::from((FONT, 19).into_font()).color(&BLACK),
        small: TextStyle::from((FONT, 17).into_font()).color(&GREY),
        heading: TextStyle::from((FONT, 22).into_font().style(FontStyle::Bold)).color(&BLACK),
    }
}

/// `text` broken at spaces into lines no wider than `width` pixels at plotters' text size `size`
/// (a word wider than that is a line of its own, never cut).
fn wrap(text: &str, width: f64, size: f64, bold: bool) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} {word}"), size, bold) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Lines of text, one under the other from `top`, `step` pixels apart; returns the y below them.
fn draw_lines_of_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lines: &[String],
    (x, top): (i32, i32),
    step: i32,
    style: &TextStyle,
) -> std::result::Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut y = top;
    for line in lines {
        root.draw(&Text::new(line.as_str(), (x, y), style.clone()))?;
        y += step;
    }
    Ok(y)
}

/// The frame (title and subtitle above, notes and source below, each wrapped to the width) and
/// the area left for the figure.
fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
) -> std::result::Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let width = f64::from(WIDTH - 80);
    let title = TextStyle::from((FONT, 34).into_font().style(FontStyle::Bold)).color(&BLACK);
    let subtitle = TextStyle::from((FONT, 24).into_font()).color(&RGBColor(60, 60, 60));
    let small = styles().small;
    let title_lines = wrap(&chart.title, width, 34.0, true);
    let below_title = draw_lines_of_text(root, &title_lines, (40, 24), 36, &title)?;
    let subtitle_lines = wrap(&chart.subtitle, width, 24.0, false);
    let top = draw_lines_of_text(root, &subtitle_lines, (40, below_title + 10), 26, &subtitle)?;
    let mut foot = wrap(&chart.note_line, width, 17.0, false);
    foot.extend(wrap(&chart.source_line, width, 17.0, false));
    let foot_top = HEIGHT as i32 - 10 - 24 * foot.len() as i32;
    draw_lines_of_text(root, &foot, (40, foot_top), 24, &small)?;
    Ok(root.margin(top + 16, HEIGHT as i32 - foot_top + 16, 20, 50))
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let plot = draw_frame(root, chart)?;
    match &chart.figure {
        Figure::Bars(panels) => draw_panels(root, &plot, panels, chart)?,
        Figure::Pyramid { bands, men, women } => draw_pyramid(
            root,
            &plot,
            bands,
            men,
            women,
            &chart.unit_label,
            chart.decimals,
        )?,
        Figure::Lines { years, series } => draw_lines(
            root,
            &plot,
            years,
            series,
            &chart.unit_label,
            chart.decimals,
        )?,
    }
    Ok(())
}

/// Panels of grouped bars side by side on one scale, under one legend.
fn draw_panels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &DrawingArea<DB, Shift>,
    panels: &[Panel],
    chart: &Chart,
) -> DrawResult<DB> {
    let max = panels
        .iter()
        .flat_map(|p| p.series.iter().flat_map(|(_, v)| v.iter()))
        .filter_map(|b| b.value())
        .fold(0.0f64, f64::max);
    let x_max = if max > 0.0 { max * 1.18 } else { 1.0 };
    let mut entries: Vec<(&str, RGBColor)> = Vec::new();
    for panel in panels {
        for (k, (name, _)) in panel.series.iter().enumerate() {
            if !entries.iter().any(|(n, _)| n == name) {
                entries.push((name.as_str(), series_color(k, name)));
            }
        }
    }
    let below_legend = draw_legend_row(root, plot, &entries)?;
    let areas = below_legend.split_evenly((1, panels.len().max(1)));
    // With two panels the category labels need less room each.
    let label_width = if panels.len() > 1 { 330 } else { 420 };
    for (panel, area) in panels.iter().zip(&areas) {
        draw_bars(
            root,
            area,
            panel,
            x_max,
            &chart.unit_label,
            chart.decimals,
            label_width,
        )?;
    }
    Ok(())
}

/// The series' legend as one framed row at the top right of `plot`, above the bars (a legend
/// inside the plot can cover a bar); returns the area below it.
fn draw_legend_row<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &DrawingArea<DB, Shift>,
    entries: &[(&str, RGBColor)],
) -> std::result::Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (x_range, y_range) = plot.get_pixel_range();
    let widths: Vec<i32> = entries
        .iter()
        .map(|(name, _)| 24 + text_width(name, 19.0, false).ceil() as i32 + 20)
        .collect();
    let right = x_range.end - 4;
    let left = right - 12 - widths.iter().sum::<i32>();
    let (top, bottom) = (y_range.start, y_range.start + 30);
    root.draw(&Rectangle::new(
        [(left, top), (right, bottom)],
        WHITE.mix(0.9).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(left, top), (right, bottom)],
        RGBColor(180, 180, 180),
    ))?;
    let mut x = left + 12;
    let middle = (top + bottom) / 2;
    for ((name, color), width) in entries.iter().zip(&widths) {
        root.draw(&Rectangle::new(
            [(x, middle - 8), (x + 16, middle + 8)],
            color.filled(),
        ))?;
        root.draw(&Text::new(
            *name,
            (x + 24, middle),
            styles().label.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        x += width;
    }
    Ok(plot.margin(40, 0, 0, 0))
}

/// An axis tick: one decimal, thousands grouped, ".0" left out.
fn axis_tick(v: f64) -> String {
    format_number(v, 1, true).trim_end_matches(".0").to_string()
}

type Cartesian<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The series' legend in a framed box.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Cartesian<'a, DB>,
    position: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(styles().label)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .draw()
}

/// Text beside a bar: its value, or why there is none.
fn bar_text(bar: Bar, decimals: usize) -> String {
    match bar {
        Bar::Value(v) => format_number(v, decimals, true),
        Bar::Withheld => "not published".into(),
        Bar::NotAvailable => "not available".into(),
        Bar::Omitted => String::new(),
    }
}

/// Where the bars of a category go: for each series, the top of its bar (None: no bar, the slot
/// is omitted), bars of one category stacked from its top, centred, `height` each.
struct Slots {
    n: f64,
    height: f64,
}

impl Slots {
    fn new(panel: &Panel) -> Self {
        let widest = (0..panel.categories.len())
            .map(|i| Self::shown(panel, i).count())
            .max()
            .unwrap_or(1)
            .max(1);
        Slots {
            n: panel.categories.len().max(1) as f64,
            height: 0.8 / widest as f64,
        }
    }

    /// The series with a bar in category `i`.
    fn shown(panel: &Panel, i: usize) -> impl Iterator<Item = usize> + '_ {
        (0..panel.series.len()).filter(move |&k| panel.series[k].1.get(i) != Some(&Bar::Omitted))
    }

    /// The top (y) of series `k`'s bar in category `i`, counted from the chart's bottom.
    fn top(&self, panel: &Panel, i: usize, k: usize) -> Option<f64> {
        let rank = Self::shown(panel, i).position(|s| s == k)?;
        let count = Self::shown(panel, i).count() as f64;
        let margin = (1.0 - count * self.height) / 2.0;
        Some(self.n - i as f64 - margin - rank as f64 * self.height)
    }
}

fn series_color(k: usize, name: &str) -> RGBColor {
    if name == TOTAL_ONLY {
        TOTAL_COLOR
    } else {
        SERIES_COLORS[k % SERIES_COLORS.len()]
    }
}

/// Horizontal grouped bars: category i occupies [n-i-1, n-i) from the top; the series share 80%.
fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    x_max: f64,
    unit_label: &str,
    decimals: usize,
    label_width: u32,
) -> DrawResult<DB> {
    let s = styles();
    let slots = Slots::new(panel);
    let n = slots.n;
    let mut builder = ChartBuilder::on(area);
    builder.x_label_area_size(60).y_label_area_size(label_width);
    if let Some(heading) = &panel.heading {
        builder.caption(heading.as_str(), s.heading.clone());
    }
    let mut chart = builder.build_cartesian_2d(0f64..x_max, 0f64..n)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(6)
        .x_desc(unit_label)
        .axis_desc_style(s.label.clone())
        .label_style(s.label.clone())
        .x_label_formatter(&|v| axis_tick(*v))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;
    let height = slots.height;
    for (k, (name, bars)) in panel.series.iter().enumerate() {
        let color = series_color(k, name);
        let placed: Vec<(f64, Bar)> = (0..bars.len())
            .filter_map(|i| Some((slots.top(panel, i, k)?, bars[i])))
            .collect();
        chart.draw_series(placed.iter().map(|&(top, bar)| {
            let v = bar.value().unwrap_or(0.0);
            Rectangle::new([(0.0, top - height), (v, top)], color.filled())
        }))?;
        for &(top, bar) in &placed {
            let (px, py) = chart.backend_coord(&(bar.value().unwrap_or(0.0), top - height / 2.0));
            root.draw(&Text::new(
                bar_text(bar, decimals),
                (px + 6, py),
                s.small.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
    }
    for (i, category) in panel.categories.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(0.0, n - i as f64 - 0.5));
        draw_label(root, category, (px - 12, py), f64::from(label_width) - 24.0)?;
    }
    Ok(())
}

/// A category's label right-aligned at `at`, wrapped on lines no wider than `width`, centred on it.
fn draw_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    label: &str,
    at: (i32, i32),
    width: f64,
) -> DrawResult<DB> {
    let style = styles().label.pos(Pos::new(HPos::Right, VPos::Center));
    let lines = wrap(label, width, 19.0, false);
    let step = 21;
    let first = at.1 - step * (lines.len() as i32 - 1) / 2;
    for (j, line) in lines.iter().enumerate() {
        root.draw(&Text::new(
            line.as_str(),
            (at.0, first + step * j as i32),
            style.clone(),
        ))?;
    }
    Ok(())
}

/// Men to the left of the axis, women to the right, youngest band at the bottom.
fn draw_pyramid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    bands: &[String],
    men: &[Bar],
    women: &[Bar],
    unit_label: &str,
    decimals: usize,
) -> DrawResult<DB> {
    let s = styles();
    let max = men
        .iter()
        .chain(women)
        .filter_map(|b| b.value())
        .fold(0.0f64, f64::max);
    let x_max = if max > 0.0 { max * 1.3 } else { 1.0 };
    let n = bands.len().max(1) as f64;
    let mut chart = ChartBuilder::on(area)
        .margin_top(36)
        .x_label_area_size(60)
        .y_label_area_size(150)
        .build_cartesian_2d(-x_max..x_max, 0f64..n)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(7)
        .x_desc(unit_label)
        .axis_desc_style(s.label.clone())
        .label_style(s.label.clone())
        .x_label_formatter(&|v| axis_tick(v.abs()))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;
    for (k, (name, bars, sign)) in [("Male", men, -1.0), ("Female", women, 1.0)]
        .into_iter()
        .enumerate()
    {
        let color = SERIES_COLORS[k];
        chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
            let v = bar.value().unwrap_or(0.0) * sign;
            Rectangle::new([(0.0, i as f64 + 0.1), (v, i as f64 + 0.9)], color.filled())
        }))?;
        // Each side is named above it, in its colour (a legend box would cover the top bars).
        let (px, py) = chart.backend_coord(&(sign * x_max / 2.0, n));
        root.draw(&Text::new(
            name,
            (px, py - 10),
            TextStyle::from((FONT, 22).into_font().style(FontStyle::Bold))
                .color(&color)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
        for (i, bar) in bars.iter().enumerate() {
            let at = bar.value().unwrap_or(0.0) * sign;
            let (px, py) = chart.backend_coord(&(at, i as f64 + 0.5));
            let (dx, anchor) = if sign < 0.0 {
                (-6, HPos::Right)
            } else {
                (6, HPos::Left)
            };
            root.draw(&Text::new(
                bar_text(*bar, decimals),
                (px + dx, py),
                s.small.pos(Pos::new(anchor, VPos::Center)),
            ))?;
        }
    }
    for (i, band) in bands.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(-x_max, i as f64 + 0.5));
        draw_label(root, band, (px - 12, py), 126.0)?;
    }
    Ok(())
}

/// A line with points per series; a missing year breaks the line.
fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    years: &[u32],
    series: &[super::LineSeries],
    unit_label: &str,
    decimals: usize,
) -> DrawResult<DB> {
    let s = styles();
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |a, &b| a.max(b));
    let y_max = if max > 0.0 { max * 1.2 } else { 1.0 };
    let first = f64::from(years[0]) - 0.4;
    let last = f64::from(years[years.len() - 1]) + 0.4;
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(60)
        .y_label_area_size(110)
        .margin_right(180)
        .build_cartesian_2d(first..last, 0f64..y_max)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(years.len() + 1)
        .x_label_formatter(&|v| {
            if (v - v.round()).abs() < 1e-6 {
                format!("{}", v.round() as i64)
            } else {
                String::new()
            }
        })
        .y_labels(6)
        .y_desc(unit_label)
        .axis_desc_style(s.label.clone())
        .label_style(s.label.clone())
        .y_label_formatter(&|v| axis_tick(*v))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;
    for (k, line) in series.iter().enumerate() {
        let color = SERIES_COLORS[k % SERIES_COLORS.len()];
        let points: Vec<(f64, Option<f64>)> = years
            .iter()
            .zip(&line.values)
            .map(|(y, v)| (f64::from(*y), *v))
            .collect();
        // Segments between consecutive published years only, none into a year after a break.
        for (pair, after_break) in points.windows(2).zip(&line.after_break[1..]) {
            if let ([(x0, Some(y0)), (x1, Some(y1))], false) = (pair, after_break) {
                chart.draw_series(LineSeries::new(
                    [(*x0, *y0), (*x1, *y1)],
                    color.stroke_width(3),
                ))?;
            }
        }
        chart
            .draw_series(
                points
                    .iter()
                    .filter_map(|(x, y)| y.map(|y| Circle::new((*x, y), 6, color.filled()))),
            )?
            .label(line.label.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 3), (x + 20, y + 3)], color.filled()));
        for (x, y) in points.iter().filter_map(|(x, y)| y.map(|y| (*x, y))) {
            let (px, py) = chart.backend_coord(&(x, y));
            root.draw(&Text::new(
                format_number(y, decimals, true),
                (px, py - 12),
                s.small.pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))?;
        }
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_labels_are_wrapped_at_words_never_cut() {
        assert_eq!(super::wrap("Short", 300.0, 19.0, false), ["Short"]);
        let lines = super::wrap(
            "6. Skilled agricultural, forestry and fishery workers",
            250.0,
            19.0,
            false,
        );
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "6. Skilled agricultural, forestry and fishery workers"
        );
        for line in &lines {
            assert!(super::text_width(line, 19.0, false) <= 250.0, "{line}");
        }
        // A word wider than the room is a line of its own, whole.
        assert_eq!(
            super::wrap("Unbreakableword x", 20.0, 19.0, false),
            ["Unbreakableword", "x"]
        );
    }

    #[test]
    fn digits_are_laid_out_at_one_advance() {
        // DejaVu Sans gives every digit the same advance: "1111" and "8888" are as wide.
        let one = super::text_width("1111", 19.0, false);
        let eight = super::text_width("8888", 19.0, false);
        assert!(one > 0.0 && (one - eight).abs() < 0.01, "{one} {eight}");
    }
}
