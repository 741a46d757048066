//! ilms: a labour-migration statistics pipeline.
//!
//! National labour force surveys, censuses and administrative records go in, coded each their own
//! way; comparable ILMS indicators come out (ILOSTAT long form, Parquet, annual tables, charts, a
//! report). Country specifics live in `schemas/` as data; this library holds only the stages, one
//! module each, in the order the data flows:
//!
//! [`ingest`] → [`harmonize`] → [`validate`] → [`tabulate`] → [`publish`] → [`annual`] tables,
//! [`charts`] and the [`report`] page, driven by a [`round::Round`] (the manifest `ilms.toml`).
//!
//! ```no_run
//! let round = ilms::Round::load("ilms.toml")?;
//! let report = round.run(&ilms::RunOptions::default())?;
//! println!("{} cells published", report.cells);
//! # Ok::<(), ilms::Error>(())
//! ```

pub mod annual;
pub mod cells;
pub mod charts;
pub mod classifications;
pub mod coherence;
pub mod contract;
pub mod dictionary;
#[deny(missing_docs)]
pub mod diff;
pub mod disclosure;
#[deny(missing_docs)]
pub mod error;
pub mod export;
pub mod expression;
pub mod generate;
pub mod harmonize;
pub mod indicators;
pub mod ingest;
#[deny(missing_docs)]
pub mod inspect;
pub mod installation;
pub mod kept;
pub mod labels;
pub mod lookup;
pub mod magnitude;
pub mod mirror;
#[deny(missing_docs)]
pub mod outcome;
pub mod paths;
pub mod plausibility;
pub mod progress;
pub mod publish;
#[deny(missing_docs)]
pub mod query;
pub mod repeated_ids;
pub mod report;
#[deny(missing_docs)]
pub mod revisions;
#[deny(missing_docs)]
pub mod round;
pub mod rules;
pub mod sdmx;
pub mod series;
pub mod spec;
#[deny(missing_docs)]
pub mod spec_schema;
pub mod tabulate;
pub mod validate;

pub use error::{Error, Result};
pub use outcome::RunReport;
pub use round::{Round, RunOptions};

// Compile the README's Rust examples as doctests so the documented API stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
