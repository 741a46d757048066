//! Footnotes: deduplicated, numbered in the order the rows cite them, in plain language (ids of
//! sources and rules only with `technical_notes`).

use super::{FailedRule, TableContext, TableRow};
use crate::ingest::STATED_TOTAL_PUBLISHED;

/// Footnotes, deduplicated.
#[derive(Default)]
pub(super) struct Notes {
    texts: Vec<String>,
}

impl Notes {
    /// The note's provisional number (1-based).
    pub fn add(&mut self, text: String) -> usize {
        match self.texts.iter().position(|t| *t == text) {
            Some(i) => i + 1,
            None => {
                self.texts.push(text);
                self.texts.len()
            }
        }
    }

    /// Renumber the notes in the order the rows (then the total row) cite them.
    pub fn renumber(
        self,
        mut rows: Vec<TableRow>,
        mut total: Option<TableRow>,
    ) -> (Vec<TableRow>, Option<TableRow>, Vec<String>) {
        let mut order: Vec<usize> = Vec::new();
        for row in rows.iter().chain(total.iter()) {
            for n in &row.notes {
                if !order.contains(n) {
                    order.push(*n);
                }
            }
        }
        for row in rows.iter_mut().chain(total.iter_mut()) {
            for n in &mut row.notes {
                *n = order.iter().position(|o| o == n).map_or(0, |p| p + 1);
            }
            row.notes.sort_unstable();
        }
        let texts = order.iter().map(|&n| self.texts[n - 1].clone()).collect();
        (rows, total, texts)
    }
}

/// A source as a footnote names it: its title, with its id when asked for.
pub(super) fn source_name(source: &str, context: &TableContext) -> String {
    match (context.source_titles.get(source), context.technical_notes) {
        (Some(title), true) => format!("{title} ({source})"),
        (Some(title), false) => title.clone(),
        (None, _) => source.to_string(),
    }
}

/// The footnote of a rule a source's cells are marked with: perturbation, or a validation
/// warning, with the numbers the validation report gives for it.
pub(super) fn rule_note(rule: &str, source: &str, context: &TableContext) -> String {
    if rule == crate::cells::PERTURBED_NOTE {
        return "Figures perturbed by a few persons to protect confidentiality; totals may differ slightly from the sum of their parts.".to_string();
    }
    let label = context.labels.label(&format!("ilms:{rule}"));
    // What the source states about itself (its population, its coverage, its workbook's
    // footnotes) is printed in its words, not as a failed check.
    if let (true, Some(statement)) = (is_source_statement(rule), &label) {
        let ends_sentence = statement.ends_with(['.', '!', '?']);
        return format!("{statement}{}", if ends_sentence { "" } else { "." });
    }
    let what = label.unwrap_or_else(|| "The source fails a consistency check".to_string());
    // The cell names its source "FX:ID"; the validation report names it by the spec's id.
    let id = source.split_once(':').map_or(source, |(_, id)| id);
    let found: Option<&FailedRule> = context
        .failed_rules
        .iter()
        .find(|r| r.rule == rule && r.source_id == id);
    let mut text = what.trim_end_matches('.').to_string();
    match found.filter(|r| !r.detail.is_empty()) {
        Some(r) if r.kind == "source_totals" => text.push_str(&format!(
            ": {}. The table shows {}.",
            r.detail,
            if r.detail.contains(STATED_TOTAL_PUBLISHED) {
                "the stated total"
            } else {
                "the sum of the parts"
            }
        )),
        Some(r) => text.push_str(&format!(": {}.", r.detail)),
        None => text.push('.'),
    }
    if context.technical_notes {
        text.push_str(&format!(
            " (Validation rule {rule}, a warning; see the round's validation report.)"
        ));
    }
    text
}

/// A note that is the source's statement about itself (or how a breakdown was read, or that the
/// figure was revised) rather than a rule it fails.
fn is_source_statement(note: &str) -> bool {
    note == crate::cells::POPULATION_STATED_NOTE
        || note.starts_with(crate::cells::COVERS_NOTE)
        || note == crate::cells::REVISED_NOTE
        || note.starts_with("footnote.")
        || note == crate::tabulate::PARTIAL_INPUTS_NOTE
}

/// A total that differs from men + women: the published total, the sum of its parts and the
/// difference, in the table's unit.
pub(super) fn disagreeing_total(total: f64, parts: f64, decimals: usize, unit: &str) -> String {
    let text = |v: f64| super::format_number(v, decimals, true);
    format!(
        "The total, {}, is the figure the source publishes; men and women add up to {} (difference {}; {}).",
        text(total),
        text(parts),
        text(total - parts),
        unit.to_lowercase()
    )
}
