//! The round report: one self-contained HTML page (no scripts, no external files) with the
//! sources, a coverage matrix (indicator x country and year), the validation summary, the annual
//! tables and the charts (inline SVG), for a focal point to open in a browser or attach to a mail.

use std::collections::{BTreeMap, BTreeSet};

use crate::annual::AnnualTable;
use crate::cells::Cells;
use crate::classifications::Classifications;
use crate::outcome::RunReport;

/// One source of the round, as the report lists it.
pub struct ReportSource {
    pub id: String,
    pub title: String,
    pub ref_area: String,
    pub time: String,
    /// ILOSTAT source code, "BA:ID".
    pub code: String,
}

/// Everything the page shows.
pub struct ReportInput<'a> {
    pub report: &'a RunReport,
    pub cells: &'a Cells,
    pub sources: Vec<ReportSource>,
    pub tables: &'a [AnnualTable],
    /// (title, SVG document) per chart.
    pub charts: Vec<(String, String)>,
    pub classifications: &'a Classifications,
    /// Every code's label: indicators and rules are shown with their text.
    pub labels: &'a crate::labels::Labels,
    /// What changed since the release that was current when the run began.
    pub changes: &'a Changes,
    /// Flows and stocks between the round's countries.
    pub flows: &'a [crate::coherence::FlowRow],
}

/// The cells of this release against the previous one.
pub enum Changes {
    /// No release was current before this one.
    FirstRelease,
    /// The previous release and this one compared.
    Since(crate::diff::ReleaseDiff),
    /// The previous release could not be read (e.g. outputs adopted from before releases): why.
    NotCompared(String),
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Arial, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; line-height: 1.4; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #0072b2; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .85rem; }
th, td { border: 1px solid #ccc; padding: .2rem .45rem; }
th { background: #f0f4f8; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.matrix td { text-align: center; min-width: 3.2rem; }
.matrix th.ind { white-space: nowrap; font-family: monospace; font-weight: normal; }
.matrix th.ind span, td span.lbl { display: block; font-family: 'DejaVu Sans', Arial, sans-serif; font-size: .75rem; color: #555; white-space: normal; min-width: 14rem; }
.pub { background: #d7efe3; } .part { background: #fbe7c6; } .wh { background: #f6cfc0; } .na { color: #888; }
.fail-error { background: #f6cfc0; } .fail-warning { background: #fbe7c6; }
.notes { font-size: .8rem; color: #444; } figure { margin: 1.5rem 0; } figure svg { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #444; } nav a { margin-right: 1rem; }
";

/// Cells added, removed, revised and re-flagged since the previous release, per source and
/// indicator (`ilms diff` gives each cell with its old and new value).
fn changes_section(input: &ReportInput, out: &mut String) {
    out.push_str("<h2 id=\"changes\">What changed</h2>\n");
    let diff = match input.changes {
        Changes::FirstRelease => {
            out.push_str("<p>The round's first release: nothing to compare with.</p>\n");
            return;
        }
        Changes::NotCompared(why) => {
            out.push_str(&format!(
                "<p>Not compared with the previous release: {}</p>\n",
                esc(why)
            ));
            return;
        }
        Changes::Since(diff) => diff,
    };
    let total = diff.totals();
    out.push_str(&format!(
        "<p>Since release {}: {} cells added, {} removed, {} revised (another value), {} re-flagged (the same value, another status). Each cell with its old and new value: <code>ilms diff {} {}</code>.</p>\n",
        esc(&diff.old), total[0], total[1], total[2], total[3], esc(&diff.old), esc(&diff.new)
    ));
    if diff.counts.is_empty() {
        return;
    }
    out.push_str("<table>\n<tr><th>Source</th><th>Indicator</th><th>Added</th><th>Removed</th><th>Revised</th><th>Re-flagged</th></tr>\n");
    for ((source, indicator), counts) in &diff.counts {
        let name = input.labels.label(indicator).unwrap_or_default();
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}<br><span class=\"notes\">{}</span></td>{}</tr>\n",
            esc(source),
            esc(indicator),
            esc(&name),
            counts
                .map(|n| format!("<td class=\"num\">{n}</td>"))
                .concat()
        ));
    }
    out.push_str("</table>\n");
}

/// The page.
pub fn html(input: &ReportInput) -> String {
    let r = input.report;
    let mut out = String::new();
    out.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&r.round)
    ));
    out.push_str(&format!("<h1>{}</h1>\n", esc(&r.round)));
    out.push_str(&format!(
        "<p>Made by {} from {} sources. Cells: {}; {} on a failed validation rule.</p>\n",
        esc(&r.provenance.tool),
        r.sources.len(),
        esc(&r.cells_summary()),
        r.cell_status.withheld_validation,
    ));
    out.push_str("<nav><a href=\"#changes\">What changed</a><a href=\"#sources\">Sources</a><a href=\"#coverage\">Coverage</a><a href=\"#validation\">Validation</a><a href=\"#flows\">Flows and stocks</a><a href=\"#tables\">Annual tables</a><a href=\"#charts\">Charts</a></nav>\n");
    changes_section(input, &mut out);
    sources_section(input, &mut out);
    coverage_section(input, &mut out);
    validation_section(input, &mut out);
    flows_section(input, &mut out);
    out.push_str("<h2 id=\"tables\">Annual tables</h2>\n");
    for table in input.tables {
        table_html(table, &mut out);
    }
    out.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for (title, svg) in &input.charts {
        out.push_str(&format!(
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            svg_body(svg),
            esc(title)
        ));
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Each origin's outflows beside its destinations' inflows and stocks of its citizens, by year.
fn flows_section(input: &ReportInput, out: &mut String) {
    out.push_str("<h2 id=\"flows\">Flows and stocks</h2>\n<p class=\"notes\">Between the round's countries, both sexes, persons, from the published cells (also in coherence.csv): the outflow as the country of origin reports it (MNA_OEMP_SEX_CDS_NB), the inflow as the destination reports it (MFL_TPOP_SEX_COU_NB), and the destination's stock of the origin's citizens (mirror data, MNA_TPOP_SEX_CRS_NB). The three count different things (deployments, new permits, persons present) and come from different sources: they are set side by side, not expected to agree. U: unreliable; B: break in series; x: withheld; ..: not available, no source, or several sources (each in coherence.csv).</p>\n");
    if input.flows.is_empty() {
        out.push_str("<p>No two countries of the round report on each other.</p>\n");
        return;
    }
    out.push_str("<table>\n<tr><th>Origin</th><th>Destination</th><th>Year</th><th>Outflow (origin)</th><th>Inflow (destination)</th><th>Stock of the origin's citizens (destination)</th></tr>\n");
    let name = |code: &str| esc(&input.classifications.country_name(code));
    for ((origin, destination, time), figures) in input.flows {
        let cells: Vec<String> = figures
            .iter()
            .map(|f| {
                let text = match crate::coherence::persons(f) {
                    Some(p) => {
                        let value = crate::annual::format_number(p, 0, true);
                        match crate::coherence::flag(f) {
                            Some(flag) => format!("{value} {flag}"),
                            None => value,
                        }
                    }
                    None if crate::coherence::shows(f) == "withheld" => "x".into(),
                    None => "..".into(),
                };
                let title = esc(crate::coherence::shows(f));
                format!("<td class=\"num\" title=\"{title}\">{text}</td>")
            })
            .collect();
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td>{}</tr>\n",
            name(origin),
            name(destination),
            esc(time),
            cells.concat()
        ));
    }
    out.push_str("</table>\n");
}

/// A figure a policy keeps confidential is shown as such.
fn hidden(figure: Option<String>) -> String {
    figure.unwrap_or_else(|| "confidential".into())
}

fn sources_section(input: &ReportInput, out: &mut String) {
    out.push_str("<h2 id=\"sources\">Sources</h2>\n<table>\n<tr><th>Source</th><th>Title</th><th>Country</th><th>Year</th><th>Records read</th><th>Harmonized</th><th>Quarantined</th><th>Disclosure policy</th><th>Count cells withheld</th><th>of them secondary</th><th>Persons withheld</th><th>Headline cells withheld</th></tr>\n");
    for source in &input.sources {
        let counts = input.report.sources.iter().find(|s| s.id == source.id);
        let num = |f: fn(&crate::outcome::SourceReport) -> usize| {
            counts.map_or(String::new(), |c| f(c).to_string())
        };
        let disclosure = counts.map(|c| &c.disclosure);
        let withheld =
            disclosure.map_or(String::new(), |d| format!("{} of {}", d.withheld, d.cells));
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            esc(&source.code),
            esc(&source.title),
            esc(&input.classifications.country_name(&source.ref_area)),
            esc(&source.time),
            num(|c| c.read),
            num(|c| c.harmonized),
            num(|c| c.quarantined),
            esc(disclosure.map_or("", |d| d.policy.as_str())),
            withheld,
            disclosure.map_or(String::new(), |d| hidden(d.withheld_secondary.map(|n| n.to_string()))),
            disclosure.map_or(String::new(), |d| hidden(d.persons_withheld.map(|p| format!("{p:.0}")))),
            disclosure.map_or(String::new(), |d| format!(
                "{} of {}",
                d.headline_withheld, d.headline_cells
            )),
        ));
    }
    out.push_str("</table>\n");
}

/// Indicator x (country, year): how many of the indicator's cells are published.
fn coverage_section(input: &ReportInput, out: &mut String) {
    let cells = input.cells;
    let columns: BTreeSet<(String, String)> = input
        .sources
        .iter()
        .map(|s| (s.ref_area.clone(), s.time.clone()))
        .collect();
    // (indicator, country, year) -> (published, withheld, not available: no figure to withhold)
    let mut counts: BTreeMap<(&str, &str, &str), (usize, usize, usize)> = BTreeMap::new();
    for i in 0..cells.len() {
        let entry = counts
            .entry((&cells.indicator[i], &cells.ref_area[i], &cells.time[i]))
            .or_default();
        if cells.obs_value[i].is_some() {
            entry.0 += 1;
        } else if cells.status[i] == crate::cells::Status::NotAvailable {
            entry.2 += 1;
        } else {
            entry.1 += 1;
        }
    }
    // (indicator, country, year) a source of that country and year says it cannot give.
    let source_of: BTreeMap<&str, (&str, &str)> = input
        .sources
        .iter()
        .map(|s| (s.id.as_str(), (s.ref_area.as_str(), s.time.as_str())))
        .collect();
    let not_available: BTreeSet<(&str, &str, &str)> = input
        .report
        .not_available
        .iter()
        .filter(|n| n.dimension.is_none())
        .filter_map(|n| {
            source_of
                .get(n.source_id.as_str())
                .map(|(a, t)| (n.indicator.as_str(), *a, *t))
        })
        .collect();
    out.push_str("<h2 id=\"coverage\">Coverage</h2>\n<p class=\"notes\">Each cell: the indicator's cells published for the country and year, of all its cells. Green: all published; amber: some withheld; red: all withheld; n/a: no source of the country and year gives the indicator (the variables it needs are missing, or it gives no figure). Cells not available (a part of the population or a breakdown the source does not give) are counted in neither. Counts cover every breakdown and classification version.</p>\n<table class=\"matrix\">\n<tr><th>Indicator</th>");
    for (area, time) in &columns {
        out.push_str(&format!(
            "<th title=\"{}\">{} {}</th>",
            esc(&input.classifications.country_name(area)),
            esc(area),
            esc(time)
        ));
    }
    out.push_str("</tr>\n");
    for indicator in &input.report.indicators {
        let label = input.labels.label(indicator).unwrap_or_default();
        out.push_str(&format!(
            "<tr><th class=\"ind\">{}<span>{}</span></th>",
            esc(indicator),
            esc(&label)
        ));
        for (area, time) in &columns {
            let key = (indicator.as_str(), area.as_str(), time.as_str());
            match counts.get(&key) {
                Some(&(0, 0, absent)) => out.push_str(&format!(
                    "<td class=\"na\" title=\"{absent} not available\">n/a</td>"
                )),
                Some(&(published, withheld, absent)) => {
                    let class = match (published, withheld) {
                        (_, 0) => "pub",
                        (0, _) => "wh",
                        _ => "part",
                    };
                    out.push_str(&format!(
                        "<td class=\"{class}\" title=\"{published} published, {withheld} withheld, {absent} not available\">{published}/{}</td>",
                        published + withheld
                    ));
                }
                None if not_available.contains(&key) => out.push_str("<td class=\"na\">n/a</td>"),
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn validation_section(input: &ReportInput, out: &mut String) {
    let results = &input.report.validation;
    let failed: Vec<_> = results.iter().filter(|r| r.failed()).collect();
    out.push_str(&format!(
        "<h2 id=\"validation\">Validation</h2>\n<p>{} rule results on {} sources; {} with failures ({} errors: their records are in the quarantine).</p>\n",
        results.len(),
        input.sources.len(),
        failed.len(),
        failed
            .iter()
            .filter(|r| r.severity == crate::rules::Severity::Error)
            .count()
    ));
    let row = |r: &crate::validate::RuleResult, class: &str| {
        format!(
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}<span class=\"lbl\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            esc(r.severity.name()),
            esc(&r.source_id),
            esc(&r.rule),
            esc(&input.labels.label(&format!("ilms:{}", r.rule)).unwrap_or_default()),
            r.items,
            r.passes,
            r.fails,
            r.missing,
            esc(&r.detail)
        )
    };
    let header = "<table>\n<tr><th>Severity</th><th>Source</th><th>Rule</th><th>Items</th><th>Passes</th><th>Fails</th><th>Missing</th><th>Detail</th></tr>\n";
    out.push_str(header);
    for r in &failed {
        out.push_str(&row(r, &format!("fail-{}", r.severity.name())));
    }
    out.push_str("</table>\n<details><summary>Rules that passed</summary>\n");
    out.push_str(header);
    for r in results.iter().filter(|r| !r.failed()) {
        out.push_str(&row(r, ""));
    }
    out.push_str("</table>\n</details>\n");
}

fn table_html(table: &AnnualTable, out: &mut String) {
    out.push_str(&format!(
        "<h3>{}</h3>\n<p class=\"notes\"><em>{}</em></p>\n<table>\n<tr>",
        esc(&table.title),
        esc(table.unit_label())
    ));
    for heading in table.headings() {
        out.push_str(&format!("<th>{}</th>", esc(&heading)));
    }
    out.push_str("</tr>\n");
    for (label, cells, notes) in table.text_rows() {
        out.push_str(&format!("<tr><td>{}</td>", esc(&label)));
        for cell in cells {
            out.push_str(&format!("<td class=\"num\">{}</td>", esc(&cell)));
        }
        out.push_str(&format!("<td>{}</td></tr>\n", esc(&notes)));
    }
    out.push_str("</table>\n<ol class=\"notes\">\n");
    for note in &table.notes {
        out.push_str(&format!("<li>{}</li>\n", esc(note)));
    }
    out.push_str(&format!(
        "</ol>\n<p class=\"notes\">{}<br>{}</p>\n",
        esc(&table.legend),
        esc(&table.source_line)
    ));
}

/// An SVG document as an element to inline (its XML declaration, if any, dropped).
fn svg_body(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |start| &svg[start..])
}

/// Text escaped for HTML content and attributes.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped() {
        assert_eq!(
            super::esc("Men & women <15> \"x\""),
            "Men &amp; women &lt;15&gt; &quot;x&quot;"
        );
    }
}
