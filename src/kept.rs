//! The codes a spec keeps (`keep` in tables.toml, charts.toml and a source's `[[benchmark]]`):
//! each placed in the breakdown of the indicator its classification belongs to, and checked
//! against the codes that breakdown publishes, so a misspelt code is refused when the spec is
//! loaded rather than giving a table of ".." or a benchmark with nothing to compare.

use std::collections::BTreeSet;

use crate::indicators::{Dimension, Indicators};

/// What is wrong with a spec's `keep` and how to fix it (the caller names the file and key).
pub type Problem = (String, String);

/// Per breakdown slot besides sex, the dimensions the versions of `indicator` have there (an
/// indicator declared with several classification versions of a slot has several).
pub fn breakdowns<'a>(indicators: &'a Indicators, indicator: &str) -> Vec<Vec<&'a Dimension>> {
    let mut slots: Vec<Vec<&Dimension>> = Vec::new();
    for table in indicators.list.iter().filter(|i| i.id == indicator) {
        let classif = table.dimensions.iter().skip(usize::from(table.by_sex));
        for (slot, dimension) in classif.enumerate() {
            if slots.len() <= slot {
                slots.push(Vec::new());
            }
            if !slots[slot].iter().any(|d| d.name == dimension.name) {
                slots[slot].push(dimension);
            }
        }
    }
    slots
}

/// The classifications of a slot, for messages ("OCU_ISCO08 or OCU_ISCO88").
pub fn slot_names(slot: &[&Dimension]) -> String {
    let names: BTreeSet<&str> = slot.iter().map(|d| d.classification.as_str()).collect();
    names.into_iter().collect::<Vec<_>>().join(" or ")
}

/// Each code of `keep`, in its order, with the slot of `indicator`'s breakdowns (`slots`, from
/// [`breakdowns`]) it sits in: the slot whose classification is its longest prefix (so
/// `OCU_SKILL_L1` is not taken for an `OCU` classification), and the code one that slot
/// publishes (a category, the total or the unknown).
pub fn place(
    slots: &[Vec<&Dimension>],
    indicator: &str,
    keep: &[String],
) -> Result<Vec<usize>, Problem> {
    keep.iter()
        .map(|code| {
            let Some((slot, dimensions)) = slot_of(slots, code) else {
                let names: Vec<String> = slots.iter().map(|s| slot_names(s)).collect();
                return Err((
                    format!("`keep` code '{code}' is not of a breakdown of {indicator}"),
                    format!("its breakdowns besides sex: {}", or_none(&names)),
                ));
            };
            if published_codes(&dimensions).contains(&code.as_str()) {
                Ok(slot)
            } else {
                Err(not_published(code, indicator, &dimensions))
            }
        })
        .collect()
}

/// The slot whose classification is `code`'s longest prefix, and its dimensions of that
/// classification.
fn slot_of<'a>(slots: &[Vec<&'a Dimension>], code: &str) -> Option<(usize, Vec<&'a Dimension>)> {
    let prefix_length = |d: &Dimension| {
        code.strip_prefix(d.classification.as_str())
            .filter(|rest| rest.starts_with('_'))
            .map(|_| d.classification.len())
    };
    let (length, slot) = slots
        .iter()
        .enumerate()
        .filter_map(|(slot, dims)| {
            dims.iter()
                .filter_map(|d| prefix_length(d))
                .max()
                .map(|l| (l, slot))
        })
        .max()?;
    let dimensions = slots[slot]
        .iter()
        .copied()
        .filter(|d| prefix_length(d) == Some(length))
        .collect();
    Some((slot, dimensions))
}

/// The codes the dimensions publish, each once: the total, the categories, the unknown and the
/// codes published where observed.
pub fn published_codes<'a>(dimensions: &[&'a Dimension]) -> Vec<&'a str> {
    let mut codes: Vec<&str> = Vec::new();
    for dimension in dimensions {
        let categories = dimension.categories.iter().map(|c| c.code.as_str());
        let others = dimension.unknown.iter().chain(&dimension.if_observed);
        for code in std::iter::once(dimension.total.as_str())
            .chain(categories)
            .chain(others.map(String::as_str))
        {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
    codes
}

/// A code of the right classification that no version of the breakdown publishes (a misspelling,
/// or a level the indicator does not tabulate): name a few it does.
fn not_published(code: &str, indicator: &str, dimensions: &[&Dimension]) -> Problem {
    let codes = published_codes(dimensions);
    let shown = codes.len().min(8);
    let more = if codes.len() > shown { ", ..." } else { "" };
    (
        format!(
            "`keep` code '{code}' is not a code {indicator} publishes in its {} breakdown",
            slot_names(dimensions)
        ),
        format!(
            "give one of its codes ({} codes: {}{more}; schemas/classifications/ilostat_codelists.csv lists them)",
            codes.len(),
            codes[..shown].join(", ")
        ),
    )
}

fn or_none(list: &[String]) -> String {
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}
