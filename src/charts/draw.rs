//! Rendering of planned charts with plotters: a frame (title, subtitle, notes, source) and one of
//! three figures (grouped bars, pyramid, lines), to SVG and PNG from the same drawing code.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Bar, Chart, Figure, Panel, PlannedChart};
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
        let root = BitMapBackend::new(png, (WIDTH, HEIGHT)).into_drawing_area();
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

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let title = TextStyle::from((FONT, 34).into_font().style(FontStyle::Bold)).color(&BLACK);
    let subtitle = TextStyle::from((FONT, 24).into_font()).color(&RGBColor(60, 60, 60));
    let s = styles();
    root.draw(&Text::new(chart.title.as_str(), (40, 24), title))?;
    root.draw(&Text::new(chart.subtitle.as_str(), (40, 70), subtitle))?;
    root.draw(&Text::new(
        chart.note_line.as_str(),
        (40, HEIGHT as i32 - 62),
        s.small.clone(),
    ))?;
    root.draw(&Text::new(
        chart.source_line.as_str(),
        (40, HEIGHT as i32 - 36),
        s.small.clone(),
    ))?;
    let plot = root.margin(110, 90, 20, 50);
    match &chart.figure {
        Figure::Bars(panels) => {
            let max = panels
                .iter()
                .flat_map(|p| p.series.iter().flat_map(|(_, v)| v.iter()))
                .filter_map(|b| b.value())
                .fold(0.0f64, f64::max);
            let x_max = if max > 0.0 { max * 1.18 } else { 1.0 };
            let areas = plot.split_evenly((1, panels.len().max(1)));
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
        }
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
    let n = panel.categories.len().max(1) as f64;
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
    let groups = panel.series.len().max(1) as f64;
    let height = 0.8 / groups;
    for (k, (name, bars)) in panel.series.iter().enumerate() {
        let color = SERIES_COLORS[k % SERIES_COLORS.len()];
        let top = |i: usize| n - i as f64 - 0.1 - k as f64 * height;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, bar)| {
                let v = bar.value().unwrap_or(0.0);
                Rectangle::new([(0.0, top(i) - height), (v, top(i))], color.filled())
            }))?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 16, y + 8)], color.filled()));
        for (i, bar) in bars.iter().enumerate() {
            let at = bar.value().unwrap_or(0.0);
            let (px, py) = chart.backend_coord(&(at, top(i) - height / 2.0));
            root.draw(&Text::new(
                bar_text(*bar, decimals),
                (px + 6, py),
                s.small.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
    }
    for (i, category) in panel.categories.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(0.0, n - i as f64 - 0.5));
        root.draw(&Text::new(
            shorten(category, if label_width < 400 { 30 } else { 40 }),
            (px - 12, py),
            s.label.pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

/// A label cut at a word boundary to fit beside the bars.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';']))
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
        root.draw(&Text::new(
            band.as_str(),
            (px - 12, py),
            s.label.pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// A line with points per series; a missing year breaks the line.
fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    years: &[u32],
    series: &[(String, Vec<Option<f64>>)],
    unit_label: &str,
    decimals: usize,
) -> DrawResult<DB> {
    let s = styles();
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
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
    for (k, (name, values)) in series.iter().enumerate() {
        let color = SERIES_COLORS[k % SERIES_COLORS.len()];
        let points: Vec<(f64, Option<f64>)> = years
            .iter()
            .zip(values)
            .map(|(y, v)| (f64::from(*y), *v))
            .collect();
        // Segments between consecutive published years only.
        for pair in points.windows(2) {
            if let [(x0, Some(y0)), (x1, Some(y1))] = pair {
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
            .label(name.as_str())
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
    fn long_labels_are_cut_at_a_word() {
        assert_eq!(super::shorten("Short", 30), "Short");
        assert_eq!(
            super::shorten("Technicians and associate professionals", 30),
            "Technicians and associate…"
        );
    }
}
