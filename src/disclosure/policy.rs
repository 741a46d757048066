//! The disclosure policy as data (`schemas/disclosure.toml`): what is flagged, withheld and
//! protected, chosen per kind of source (README "Reliability and disclosure control").

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::spec::SourceSpec;

/// How withheld cells are protected against being worked out from what is published.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Secondary {
    /// Primary withholding only: the published figures are estimates, and differencing two
    /// estimates gives an estimate, not a count of persons.
    Off,
    /// Complementary cells withheld so that no withheld cell can be narrowed, from everything
    /// published and the knowledge that counts are not negative, to an interval narrower than the
    /// protection level (a pattern found by linear programming, see `pattern`).
    Suppression,
}

/// How a "not stated" category (sex, occupation, place of birth... unknown) is judged.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum NotStated {
    /// Like any category: a small "not stated" cell is primary.
    Protect,
    /// A cell is judged by the persons sharing its stated attributes: "not stated" describes
    /// nobody, so a cell with a not-stated code is primary only when the same cell with that
    /// code at its total is.
    StatedAttributes,
}

/// One policy: thresholds on the records behind a cell (persons, for an aggregate table).
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(skip_deserializing)]
    pub name: String,
    /// What the policy is for, in a sentence (shown in the run log).
    pub description: String,
    /// Cells from fewer records are flagged unreliable ("U"); 0: no flag.
    #[serde(default)]
    pub unreliable_below: i64,
    /// Cells from 1 to this many records minus one are not published (primary); 0: none.
    #[serde(default)]
    pub withheld_below: i64,
    pub secondary: Secondary,
    /// Secondary suppression: the width, in persons, that every withheld cell's interval must keep
    /// on each side of its value (down to 0 below).
    #[serde(default)]
    pub protection: i64,
    #[serde(default = "default_not_stated")]
    pub not_stated: NotStated,
    /// Secondary suppression: whether `suppressed` tells primary from secondary cells. Telling
    /// them apart tells a reader that a primary cell holds 1 to `withheld_below - 1` persons, which
    /// narrows it more than the protection allows; "confidential" for both keeps that hidden.
    #[serde(default)]
    pub reveal_reason: bool,
    /// Complete counts only: every cell published, perturbed by the cell-key method (no cell
    /// withheld; `withheld_below` 0 and `secondary` "off").
    #[serde(default)]
    pub perturbation: Option<Perturbation>,
    /// The perturbation table: per range of cell sizes, the perturbations and their probabilities.
    #[serde(default)]
    pub ptable: Vec<PerturbationRow>,
    /// Means and medians of amounts (earnings): the p% rule's p. A cell is withheld (primary)
    /// where the amounts after its two largest add up to less than p percent of the largest; 0:
    /// no such rule.
    #[serde(default)]
    pub dominance_p: f64,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Perturbation {
    CellKey,
}

/// One row of a perturbation table: cells of `from` to `to` persons (no `to`: and more) move by
/// `perturbation[i]` with probability `probability[i]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerturbationRow {
    pub from: i64,
    #[serde(default)]
    pub to: Option<i64>,
    pub perturbation: Vec<i64>,
    pub probability: Vec<f64>,
}

impl PerturbationRow {
    pub fn covers(&self, persons: i64) -> bool {
        persons >= self.from && self.to.is_none_or(|to| persons <= to)
    }

    /// What is wrong with the row, if anything: it must be a distribution of mean 0 (unbiased)
    /// that never takes a cell below 0.
    fn problem(&self) -> Option<String> {
        let total: f64 = self.probability.iter().sum();
        let mean: f64 = self
            .perturbation
            .iter()
            .zip(&self.probability)
            .map(|(p, q)| *p as f64 * q)
            .sum();
        let lowest = self.perturbation.iter().min().copied().unwrap_or(0);
        if self.perturbation.len() != self.probability.len() || self.perturbation.is_empty() {
            Some("perturbation and probability differ in length".into())
        } else if self.probability.iter().any(|q| *q < 0.0) || (total - 1.0).abs() > 1e-9 {
            Some(format!("probabilities sum to {total}, not 1"))
        } else if mean.abs() > 1e-9 {
            Some(format!("the mean perturbation is {mean}, not 0"))
        } else if self.from < 1 || self.from + lowest < 0 {
            Some(format!("a cell of {} persons could go below 0", self.from))
        } else {
            None
        }
    }
}

fn default_not_stated() -> NotStated {
    NotStated::StatedAttributes
}

impl Policy {
    /// Whether the policy protects counts of persons (suppression or perturbation): the source's
    /// records, and anything counting them exactly, must then stay out of the release.
    pub fn protects(&self) -> bool {
        self.secondary == Secondary::Suppression || self.perturbation.is_some()
    }

    /// Whether `n` records (or persons) make a cell primary.
    pub fn primary(&self, n: i64) -> bool {
        n > 0 && n < self.withheld_below
    }

    pub fn unreliable(&self, n: i64) -> bool {
        n > 0 && n < self.unreliable_below
    }
}

/// The JSON Schema of the disclosure policies (`ilms schema`).
pub(crate) fn json_schema() -> schemars::Schema {
    schemars::schema_for!(PolicyFile)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    /// The policy each kind of source gets unless its spec names one (`source.disclosure`).
    defaults: Defaults,
    headline: Headline,
    policies: BTreeMap<String, Policy>,
}

/// The figures users need most, reported on per source.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Headline {
    /// A count cell is a headline cell when each of its codes is a total or one of these.
    pub codes: BTreeSet<String>,
    /// Headline cells with this many records or more are counted apart when withheld.
    pub records: i64,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Microdata with a survey weight: sample surveys.
    pub sample_survey: String,
    /// Microdata without a weight: censuses and registers (complete counts).
    pub complete_count: String,
    /// Aggregate tables a ministry or office has already published.
    pub aggregate: String,
}

/// The round's disclosure policies.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Policies {
    #[serde(skip)]
    pub path: PathBuf,
    pub defaults: Defaults,
    pub headline: Headline,
    pub policies: BTreeMap<String, Policy>,
}

impl Policies {
    pub fn load(path: &Path) -> Result<Policies> {
        let parsed: PolicyFile = crate::error::read_toml(
            path,
            "disclosure policy",
            "correct the TOML (see the comments at the top of schemas/disclosure.toml)",
        )?;
        let mut policies = parsed.policies;
        for (name, policy) in policies.iter_mut() {
            policy.name = name.clone();
            check(path, policy)?;
        }
        let defaults = parsed.defaults;
        for (kind, name) in [
            ("sample_survey", &defaults.sample_survey),
            ("complete_count", &defaults.complete_count),
            ("aggregate", &defaults.aggregate),
        ] {
            if !policies.contains_key(name) {
                return Err(unknown_policy(
                    path,
                    &format!("defaults.{kind}"),
                    name,
                    &policies,
                ));
            }
        }
        Ok(Policies {
            path: path.to_path_buf(),
            defaults,
            headline: parsed.headline,
            policies,
        })
    }

    /// The policy a source gets: the one its spec names, else its kind's default.
    pub fn for_source(&self, spec: &SourceSpec) -> Result<&Policy> {
        let name = match &spec.source.disclosure {
            Some(name) => name,
            None if spec.is_aggregate() => &self.defaults.aggregate,
            None if spec.record.weight.is_some() => &self.defaults.sample_survey,
            None => &self.defaults.complete_count,
        };
        let policy = self.policies.get(name).ok_or_else(|| {
            unknown_policy(&spec.spec_path, "source.disclosure", name, &self.policies)
        })?;
        if policy.perturbation.is_some() && (spec.is_aggregate() || spec.record.weight.is_some()) {
            return Err(Error::new(
                &spec.spec_path,
                "source.disclosure",
                format!("policy '{name}' perturbs counts of persons, and this source is not a complete count of persons (it has a weight, or is an aggregate table)"),
                "use the cell-key method for census or register microdata without weights only",
            ));
        }
        Ok(policy)
    }

    /// The thresholds sample surveys get by default (footnotes of annual tables quote them).
    pub fn survey(&self) -> &Policy {
        &self.policies[&self.defaults.sample_survey]
    }
}

fn check(path: &Path, policy: &Policy) -> Result<()> {
    let key = format!("policies.{}", policy.name);
    if policy.perturbation.is_some() {
        return check_ptable(path, &key, policy);
    }
    let problem = if policy.withheld_below < 0 || policy.unreliable_below < 0 {
        Some("a threshold is negative")
    } else if policy.unreliable_below > 0 && policy.withheld_below > policy.unreliable_below {
        Some("withheld_below is above unreliable_below")
    } else if policy.secondary == Secondary::Suppression && policy.protection <= 0 {
        Some("secondary suppression needs a protection level of 1 person or more")
    } else if policy.protection < 0 {
        Some("the protection level is negative")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::new(
            path,
            key,
            problem,
            "use thresholds of 0 or more with withheld_below <= unreliable_below (ILO: 5 and 15), and protection >= 1 with secondary = \"suppression\"",
        )),
        None => Ok(()),
    }
}

/// A cell-key policy: withholding off, and rows that cover every size from 1 up, each a valid
/// distribution.
fn check_ptable(path: &Path, key: &str, policy: &Policy) -> Result<()> {
    let fix = "give ptable rows from 1 upward without gaps (the last without `to`), each with probabilities summing to 1 and mean perturbation 0, and set withheld_below = 0, secondary = \"off\"";
    if policy.withheld_below != 0 || policy.secondary != Secondary::Off {
        return Err(Error::new(
            path,
            key,
            "a cell-key policy publishes every cell: withholding and secondary suppression must be off",
            fix,
        ));
    }
    let mut next = Some(1);
    for (i, row) in policy.ptable.iter().enumerate() {
        let at = format!("{key}.ptable[{i}]");
        if let Some(problem) = row.problem() {
            return Err(Error::new(path, at, problem, fix));
        }
        if Some(row.from) != next {
            return Err(Error::new(path, at, "rows leave a gap or overlap", fix));
        }
        next = row.to.map(|to| to + 1);
    }
    if next.is_some() {
        return Err(Error::new(
            path,
            key,
            "the perturbation table does not cover every cell size",
            fix,
        ));
    }
    Ok(())
}

fn unknown_policy(
    file: &Path,
    key: &str,
    name: &str,
    policies: &BTreeMap<String, Policy>,
) -> Error {
    Error::new(
        file,
        key,
        format!("no disclosure policy named '{name}'"),
        format!(
            "use one of the policies of schemas/disclosure.toml: {}",
            policies.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    )
}
