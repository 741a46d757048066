//! The round report: one self-contained HTML page (no scripts, no external files) with the
//! sources, a coverage matrix (indicator x country and year), the validation summary, the annual
//! tables and the charts (inline SVG), for a focal point to open in a browser or attach to a mail.

use std::collections::{BTreeMap, BTreeSet};

use crate::annual::AnnualTable;
use crate::cells::Cells;
use crate::classifications::Classifications;
use crate::outcome::RunReport;

use maud::{html, Markup, PreEscaped, DOCTYPE};

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
fn changes_section(input: &ReportInput) -> Markup {
    html! {
        h2 id="changes" { "What changed" }
        @match input.changes {
            Changes::FirstRelease => {
                p { "The round's first release: nothing to compare with." }
            }
            Changes::NotCompared(why) => {
                p { "Not compared with the previous release: " (why) }
            }
            Changes::Since(diff) => { (changes_table(input, diff)) }
        }
    }
}

fn changes_table(input: &ReportInput, diff: &crate::diff::ReleaseDiff) -> Markup {
    let total = diff.totals();
    html! {
        p {
            "Since release " (diff.old) ": " (total[0]) " cells added, " (total[1]) " removed, "
            (total[2]) " revised (another value), " (total[3])
            " re-flagged (the same value, another status). Each cell with its old and new value: "
            code { "ilms diff " (diff.old) " " (diff.new) } "."
        }
        @if !diff.counts.is_empty() {
            table {
                tr {
                    th { "Source" } th { "Indicator" } th { "Added" } th { "Removed" }
                    th { "Revised" } th { "Re-flagged" }
                }
                @for ((source, indicator), counts) in &diff.counts {
                    tr {
                        td { (source) }
                        td {
                            (indicator) br;
                            span.notes { (input.labels.label(indicator).unwrap_or_default()) }
                        }
                        @for n in counts { td.num { (n) } }
                    }
                }
            }
        }
    }
}

/// The page.
pub fn html(input: &ReportInput) -> String {
    let r = input.report;
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (r.round) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (r.round) }
                p {
                    "Made by " (r.provenance.tool) " from " (r.sources.len()) " sources. Cells: "
                    (r.cells_summary()) "; " (r.cell_status.withheld_validation)
                    " on a failed validation rule."
                }
                nav {
                    a href="#changes" { "What changed" } a href="#sources" { "Sources" }
                    a href="#coverage" { "Coverage" } a href="#validation" { "Validation" }
                    a href="#flows" { "Flows and stocks" } a href="#tables" { "Annual tables" }
                    a href="#charts" { "Charts" }
                }
                (changes_section(input))
                (sources_section(input))
                (coverage_section(input))
                (validation_section(input))
                (flows_section(input))
                h2 id="tables" { "Annual tables" }
                @for table in input.tables { (table_html(table)) }
                h2 id="charts" { "Charts" }
                @for (title, svg) in &input.charts {
                    // The charts' own SVG, made by plotters from escaped text: inlined as it is.
                    figure { (PreEscaped(svg_body(svg))) figcaption { (title) } }
                }
            }
        }
    };
    page.into_string()
}

/// Each origin's outflows beside its destinations' inflows and stocks of its citizens, by year.
fn flows_section(input: &ReportInput) -> Markup {
    let name = |code: &str| input.classifications.country_name(code);
    let figure = |f| match crate::coherence::persons(f) {
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
    html! {
        h2 id="flows" { "Flows and stocks" }
        p.notes { (FLOWS_NOTE) }
        @if input.flows.is_empty() {
            p { "No two countries of the round report on each other." }
        } @else {
            table {
                tr {
                    th { "Origin" } th { "Destination" } th { "Year" } th { "Outflow (origin)" }
                    th { "Inflow (destination)" }
                    th { "Stock of the origin's citizens (destination)" }
                }
                @for ((origin, destination, time), figures) in input.flows {
                    tr {
                        td { (name(origin)) } td { (name(destination)) } td { (time) }
                        @for f in figures {
                            td.num title=(crate::coherence::shows(f)) { (figure(f)) }
                        }
                    }
                }
            }
        }
    }
}

const FLOWS_NOTE: &str = "Between the round's countries, both sexes, persons, from the published cells (also in coherence.csv): the outflow as the country of origin reports it (MNA_OEMP_SEX_CDS_NB), the inflow as the destination reports it (MFL_TPOP_SEX_COU_NB), and the destination's stock of the origin's citizens (mirror data, MNA_TPOP_SEX_CRS_NB). The three count different things (deployments, new permits, persons present) and come from different sources: they are set side by side, not expected to agree. U: unreliable; B: break in series; x: withheld; ..: not available, no source, or several sources (each in coherence.csv).";

/// A figure a policy keeps confidential is shown as such.
fn hidden(figure: Option<String>) -> String {
    figure.unwrap_or_else(|| "confidential".into())
}

fn sources_section(input: &ReportInput) -> Markup {
    html! {
        h2 id="sources" { "Sources" }
        table {
            tr {
                th { "Source" } th { "Title" } th { "Country" } th { "Year" } th { "Records read" }
                th { "Harmonized" } th { "Quarantined" } th { "Disclosure policy" }
                th { "Count cells withheld" } th { "of them secondary" } th { "Persons withheld" }
                th { "Headline cells withheld" }
            }
            @for source in &input.sources { (source_row(input, source)) }
        }
    }
}

fn source_row(input: &ReportInput, source: &ReportSource) -> Markup {
    let counts = input.report.sources.iter().find(|s| s.id == source.id);
    let num = |f: fn(&crate::outcome::SourceReport) -> usize| {
        counts.map_or(String::new(), |c| f(c).to_string())
    };
    let disclosure = counts.map(|c| &c.disclosure);
    let shown = |f: &dyn Fn(&crate::disclosure::DisclosureSummary) -> String| {
        disclosure.map_or(String::new(), f)
    };
    html! {
        tr {
            td { (source.code) } td { (source.title) }
            td { (input.classifications.country_name(&source.ref_area)) } td { (source.time) }
            td.num { (num(|c| c.read)) } td.num { (num(|c| c.harmonized)) }
            td.num { (num(|c| c.quarantined)) }
            td { (shown(&|d| d.policy.clone())) }
            td.num { (shown(&|d| format!("{} of {}", d.withheld, d.cells))) }
            td.num { (shown(&|d| hidden(d.withheld_secondary.map(|n| n.to_string())))) }
            td.num { (shown(&|d| hidden(d.persons_withheld.map(|p| format!("{p:.0}"))))) }
            td.num { (shown(&|d| format!("{} of {}", d.headline_withheld, d.headline_cells))) }
        }
    }
}

/// Per (indicator, country, year): the cells published, withheld, and not available (no figure
/// to withhold).
type CoverageCounts<'a> = BTreeMap<(&'a str, &'a str, &'a str), (usize, usize, usize)>;

fn coverage_counts(cells: &Cells) -> CoverageCounts<'_> {
    let mut counts = CoverageCounts::new();
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
    counts
}

/// (indicator, country, year) a source of that country and year says it cannot give.
fn not_available<'a>(input: &'a ReportInput) -> BTreeSet<(&'a str, &'a str, &'a str)> {
    let source_of: BTreeMap<&str, (&str, &str)> = input
        .sources
        .iter()
        .map(|s| (s.id.as_str(), (s.ref_area.as_str(), s.time.as_str())))
        .collect();
    input
        .report
        .not_available
        .iter()
        .filter(|n| n.dimension.is_none())
        .filter_map(|n| {
            source_of
                .get(n.source_id.as_str())
                .map(|(a, t)| (n.indicator.as_str(), *a, *t))
        })
        .collect()
}

const COVERAGE_NOTE: &str = "Each cell: the indicator's cells published for the country and year, of all its cells. Green: all published; amber: some withheld; red: all withheld; n/a: no source of the country and year gives the indicator (the variables it needs are missing, or it gives no figure). Cells not available (a part of the population or a breakdown the source does not give) are counted in neither. Counts cover every breakdown and classification version.";

/// Indicator x (country, year): how many of the indicator's cells are published.
fn coverage_section(input: &ReportInput) -> Markup {
    let columns: BTreeSet<(&str, &str)> = input
        .sources
        .iter()
        .map(|s| (s.ref_area.as_str(), s.time.as_str()))
        .collect();
    let counts = coverage_counts(input.cells);
    let not_available = not_available(input);
    let cell = |key: (&str, &str, &str)| match counts.get(&key) {
        Some(&(0, 0, absent)) => html! {
            td.na title=(format!("{absent} not available")) { "n/a" }
        },
        Some(&(published, withheld, absent)) => {
            let class = match (published, withheld) {
                (_, 0) => "pub",
                (0, _) => "wh",
                _ => "part",
            };
            let title =
                format!("{published} published, {withheld} withheld, {absent} not available");
            html! { td class=(class) title=(title) { (published) "/" (published + withheld) } }
        }
        None if not_available.contains(&key) => html! { td.na { "n/a" } },
        None => html! { td {} },
    };
    html! {
        h2 id="coverage" { "Coverage" }
        p.notes { (COVERAGE_NOTE) }
        table.matrix {
            tr {
                th { "Indicator" }
                @for (area, time) in &columns {
                    th title=(input.classifications.country_name(area)) { (area) " " (time) }
                }
            }
            @for indicator in &input.report.indicators {
                tr {
                    th.ind {
                        (indicator)
                        span { (input.labels.label(indicator).unwrap_or_default()) }
                    }
                    @for (area, time) in &columns { (cell((indicator.as_str(), area, time))) }
                }
            }
        }
    }
}

fn validation_section(input: &ReportInput) -> Markup {
    let results = &input.report.validation;
    let failed: Vec<_> = results.iter().filter(|r| r.failed()).collect();
    let errors = (failed.iter())
        .filter(|r| r.severity == crate::rules::Severity::Error)
        .count();
    let row = |r: &crate::validate::RuleResult, class: String| {
        html! {
            tr class=(class) {
                td { (r.severity.name()) } td { (r.source_id) }
                td {
                    (r.rule)
                    span.lbl { (input.labels.label(&format!("ilms:{}", r.rule)).unwrap_or_default()) }
                }
                td.num { (r.items) } td.num { (r.passes) } td.num { (r.fails) }
                td.num { (r.missing) } td { (r.detail) }
            }
        }
    };
    let header = html! {
        tr {
            th { "Severity" } th { "Source" } th { "Rule" } th { "Items" } th { "Passes" }
            th { "Fails" } th { "Missing" } th { "Detail" }
        }
    };
    html! {
        h2 id="validation" { "Validation" }
        p {
            (results.len()) " rule results on " (input.sources.len()) " sources; " (failed.len())
            " with failures (" (errors) " errors: their records are in the quarantine)."
        }
        table {
            (header)
            @for r in &failed { (row(r, format!("fail-{}", r.severity.name()))) }
        }
        details {
            summary { "Rules that passed" }
            table {
                (header)
                @for r in results.iter().filter(|r| !r.failed()) { (row(r, String::new())) }
            }
        }
    }
}

fn table_html(table: &AnnualTable) -> Markup {
    html! {
        h3 { (table.title) }
        p.notes { em { (table.unit_label()) } }
        table {
            tr { @for heading in table.headings() { th { (heading) } } }
            @for (label, cells, notes) in table.text_rows() {
                tr {
                    td { (label) }
                    @for cell in cells { td.num { (cell) } }
                    td { (notes) }
                }
            }
        }
        ol.notes { @for note in &table.notes { li { (note) } } }
        p.notes { (table.legend) br; (table.source_line) }
    }
}

/// An SVG document as an element to inline (its XML declaration, if any, dropped).
fn svg_body(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |start| &svg[start..])
}
