//! Charts: report-ready figures from published indicator cells, as SVG and PNG.
//!
//! Fonts are bundled (DejaVu Sans, compiled into the binary) so PNGs render the same on a machine
//! without system fonts. Charts are declared in `schemas/charts.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Deserialize;

use crate::classifications::Classifications;
use crate::error::{Error, Result};
use crate::tabulate::Cells;

const FONT: &str = "sans-serif";
const WIDTH: u32 = 1400;
const HEIGHT: u32 = 900;
/// Colour-blind safe pair (Okabe-Ito blue and vermillion), then more of the same palette.
const SERIES_COLORS: [RGBColor; 4] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChartsFile {
    charts: Vec<ChartSpec>,
}

/// One declared chart.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    pub id: String,
    pub indicator: String,
    pub kind: ChartKind,
    /// The classification version of the bars (an indicator may publish several).
    pub classif1: String,
    pub classif2: String,
    pub title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    BarsBySex,
}

pub fn load_specs(path: &Path) -> Result<Vec<ChartSpec>> {
    let parsed: ChartsFile =
        crate::error::read_toml(path, "chart declarations", "correct the TOML")?;
    Ok(parsed.charts)
}

fn register_fonts() -> Result<()> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        let regular = register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../assets/fonts/DejaVuSans.ttf"),
        );
        let bold = register_font(
            FONT,
            FontStyle::Bold,
            include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf"),
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

/// What one chart shows, resolved from the cells.
struct BarChart {
    title: String,
    subtitle: String,
    source_line: String,
    note_line: String,
    categories: Vec<String>,
    /// (legend label, one value per category)
    series: Vec<(String, Vec<f64>)>,
    unit_label: String,
}

/// A chart to write: file stem and the rendered data.
pub struct PlannedChart {
    pub stem: String,
    data: BarChart,
}

/// Work out the charts the cells support (one per chart spec and source that has the indicator).
/// `source_titles` maps a cell's `source` ("BA:ID") to the source's title for the source line.
pub fn plan(
    specs: &[ChartSpec],
    cells: &Cells,
    cl: &Classifications,
    source_titles: &BTreeMap<String, String>,
) -> Vec<PlannedChart> {
    let label = |code: &str| -> String {
        cl.versions
            .values()
            .flatten()
            .find(|c| c.code == code)
            .map(|c| c.label.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let mut planned = Vec::new();
    for spec in specs {
        let ChartKind::BarsBySex = spec.kind;
        let rows: Vec<usize> = (0..cells.len())
            .filter(|&i| {
                cells.indicator[i] == spec.indicator
                    && cells.classif2[i].as_deref() == Some(spec.classif2.as_str())
                    && cells.classif1[i]
                        .as_deref()
                        .is_some_and(|c| c.starts_with(&format!("{}_", spec.classif1)))
            })
            .collect();
        let mut sources: Vec<(String, String, String)> = rows
            .iter()
            .map(|&i| {
                (
                    cells.ref_area[i].clone(),
                    cells.time[i].clone(),
                    cells.source[i].clone(),
                )
            })
            .collect();
        sources.sort();
        sources.dedup();
        for (ref_area, time, source) in sources {
            let mine: Vec<usize> = rows
                .iter()
                .copied()
                .filter(|&i| {
                    cells.ref_area[i] == ref_area
                        && cells.time[i] == time
                        && cells.source[i] == source
                })
                .collect();
            // Categories and sexes in publication order, totals left out.
            let mut categories: Vec<String> = Vec::new();
            let mut sexes: Vec<String> = Vec::new();
            for &i in &mine {
                let c1 = cells.classif1[i].clone().unwrap_or_default();
                if !c1.ends_with("_TOTAL") && !categories.contains(&c1) {
                    categories.push(c1);
                }
                // Men and women are charted; other / not stated sex goes to the note line.
                if ["SEX_M", "SEX_F"].contains(&cells.sex[i].as_str())
                    && !sexes.contains(&cells.sex[i])
                {
                    sexes.push(cells.sex[i].clone());
                }
            }
            let value = |sex: &str, c1: &str| {
                mine.iter()
                    .find(|&&i| cells.sex[i] == sex && cells.classif1[i].as_deref() == Some(c1))
                    .map(|&i| cells.obs_value[i].unwrap_or(f64::NAN))
                    .unwrap_or(0.0)
            };
            let series = sexes
                .iter()
                .map(|s| (label(s), categories.iter().map(|c| value(s, c)).collect()))
                .collect();
            let unit_mult = mine.first().map(|&i| cells.unit_mult[i]).unwrap_or(0);
            let unit_label = match unit_mult {
                3 => "Thousands of persons".to_string(),
                0 => "Persons".to_string(),
                m => format!("Persons (x 10^{m})"),
            };
            let other_sex: f64 = mine
                .iter()
                .filter(|&&i| !["SEX_T", "SEX_M", "SEX_F"].contains(&cells.sex[i].as_str()))
                .filter(|&&i| {
                    cells.classif1[i]
                        .as_deref()
                        .is_some_and(|c| c.ends_with("_TOTAL"))
                })
                .filter_map(|&i| cells.obs_value[i])
                .sum();
            let mut note_line = format!(
                "Migrant workers: {} persons.",
                label(&spec.classif2).to_lowercase()
            );
            if other_sex > 0.0 {
                note_line.push_str(&format!(
                    " Not shown: {} {} with sex not stated or other.",
                    format_value(other_sex),
                    unit_label.to_lowercase()
                ));
            }
            let country = cl_country_name(cl, &ref_area);
            let title = source_titles.get(&source).cloned().unwrap_or_default();
            planned.push(PlannedChart {
                // Named by source too: a country may have a survey and a census for one year.
                stem: format!(
                    "{}_{}_{}_{}",
                    spec.id,
                    ref_area,
                    time,
                    source.split_once(':').map_or(source.as_str(), |(_, id)| id)
                ),
                data: BarChart {
                    title: spec.title.clone(),
                    subtitle: format!("{country}, {time}"),
                    source_line: format!(
                        "Source: {title} ({source}); ILMS indicator {}.",
                        spec.indicator
                    ),
                    note_line,
                    categories: categories.iter().map(|c| label(c)).collect(),
                    series,
                    unit_label,
                },
            });
        }
    }
    planned
}

fn cl_country_name(cl: &Classifications, iso3: &str) -> String {
    cl.version("CBR_BRT")
        .ok()
        .and_then(|codes| codes.iter().find(|c| c.code == format!("CBR_BRT_{iso3}")))
        .map(|c| c.label.clone())
        .unwrap_or_else(|| iso3.to_string())
}

/// Render a planned chart to an SVG and a PNG file.
pub fn render(chart: &PlannedChart, svg: &Path, png: &Path) -> Result<()> {
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
        draw(&root, &chart.data).map_err(|e| failed(svg)(e.to_string()))?;
        root.present().map_err(|e| failed(svg)(e.to_string()))?;
    }
    {
        let root = BitMapBackend::new(png, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, &chart.data).map_err(|e| failed(png)(e.to_string()))?;
        root.present().map_err(|e| failed(png)(e.to_string()))?;
    }
    Ok(())
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &BarChart,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let title_style = TextStyle::from((FONT, 34).into_font().style(FontStyle::Bold)).color(&BLACK);
    let subtitle_style = TextStyle::from((FONT, 24).into_font()).color(&RGBColor(60, 60, 60));
    let label_style = TextStyle::from((FONT, 19).into_font()).color(&BLACK);
    let small_style = TextStyle::from((FONT, 17).into_font()).color(&RGBColor(80, 80, 80));

    root.draw(&Text::new(data.title.as_str(), (40, 24), title_style))?;
    root.draw(&Text::new(data.subtitle.as_str(), (40, 70), subtitle_style))?;
    root.draw(&Text::new(
        data.note_line.as_str(),
        (40, HEIGHT as i32 - 62),
        small_style.clone(),
    ))?;
    root.draw(&Text::new(
        data.source_line.as_str(),
        (40, HEIGHT as i32 - 36),
        small_style.clone(),
    ))?;

    let plot = root.margin(110, 90, 20, 50);
    let n = data.categories.len().max(1) as f64;
    let max = data
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max);
    let x_max = if max > 0.0 { max * 1.15 } else { 1.0 };
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(60)
        .y_label_area_size(420)
        .build_cartesian_2d(0f64..x_max, 0f64..n)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(data.unit_label.as_str())
        .axis_desc_style(label_style.clone())
        .label_style(label_style.clone())
        .x_label_formatter(&|v| format_value(*v).trim_end_matches(".0").to_string())
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .draw()?;

    // Bars: category i occupies [n-i-1, n-i) from the top; the series share 80% of it.
    let groups = data.series.len().max(1) as f64;
    let bar = 0.8 / groups;
    for (s, (name, values)) in data.series.iter().enumerate() {
        let color = SERIES_COLORS[s % SERIES_COLORS.len()];
        let top = |i: usize| n - i as f64 - 0.1 - s as f64 * bar;
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                // A withheld cell (NaN) has no bar, only its mark.
                let v = if v.is_nan() { 0.0 } else { v };
                Rectangle::new([(0.0, top(i) - bar), (v, top(i))], color.filled())
            }))?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 16, y + 8)], color.filled()));
        for (i, &v) in values
            .iter()
            .enumerate()
            .filter(|(_, &v)| v > 0.0 || v.is_nan())
        {
            let (text, at) = if v.is_nan() {
                ("not published".to_string(), 0.0)
            } else {
                (format_value(v), v)
            };
            let (px, py) = chart.backend_coord(&(at, top(i) - bar / 2.0));
            root.draw(&Text::new(
                text,
                (px + 6, py),
                small_style.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
    }
    for (i, category) in data.categories.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(0.0, n - i as f64 - 0.5));
        root.draw(&Text::new(
            category.as_str(),
            (px - 12, py),
            label_style.pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(label_style)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .draw()?;
    Ok(())
}

/// Values as a report prints them: one decimal, thousands separated.
fn format_value(v: f64) -> String {
    let text = format!("{v:.1}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, "0"));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{grouped}.{frac}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_grouped() {
        assert_eq!(super::format_value(1234567.25), "1,234,567.2");
        assert_eq!(super::format_value(12.0), "12.0");
        assert_eq!(super::format_value(0.0), "0.0");
    }
}
