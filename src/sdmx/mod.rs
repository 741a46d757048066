//! SDMX: the published cells as SDMX-CSV 2.0 and their structures as an SDMX-ML 2.1 structure
//! message, for the combined dataflow `ILMS:DF_ILMS` and one dataflow per ILOSTAT 2026 id
//! (`schemas/sdmx.toml`).
//!
//! Statuses follow SDMX's cross-domain code lists, not ILOSTAT's bulk flags (which the ILOSTAT CSV
//! and the Parquet keep): OBS_STATUS from CL_OBS_STATUS, CONF_STATUS from CL_CONF_STATUS; a cell
//! without a value has OBS_VALUE `NaN`, SDMX-CSV's missing value.

mod csv;
mod dataflows;
mod structure;

pub use csv::{combined_csv, dataflow_csv, DataflowFiles};
pub(crate) use dataflows::json_schema as dataflows_json_schema;
pub use dataflows::{Dataflow, Dataflows, NoDataflow};
pub use structure::{structure_message, StructureInput};

use crate::cells::Status;

/// The agency that maintains every structure ilms writes (ids follow ILOSTAT's; the structures
/// are ilms's, not ILO's).
pub const AGENCY: &str = "ILMS";
/// The version of every structure ilms writes.
pub const VERSION: &str = "1.0";
/// The combined dataflow: every indicator, keyed by source and indicator.
pub const COMBINED: &str = "DF_ILMS";
/// The combined dataflow as SDMX-CSV's STRUCTURE_ID writes it.
pub const SDMX_DATAFLOW: &str = "ILMS:DF_ILMS(1.0)";
/// Where the structure message is written in `processed/`.
pub const STRUCTURE_FILE: &str = "sdmx_structure.xml";
/// Where the per-dataflow SDMX-CSV files are written in `processed/`.
pub const DATAFLOW_FOLDER: &str = "sdmx_dataflows";

/// CL_OBS_STATUS codes ilms uses, with SDMX's names (SDMX:CL_OBS_STATUS 2.2).
pub const OBS_STATUS_CODES: [(&str, &str); 5] = [
    ("A", "Normal value"),
    ("B", "Time series break"),
    ("U", "Low reliability"),
    ("Q", "Missing value; suppressed"),
    ("O", "Missing value"),
];

/// CL_CONF_STATUS codes ilms uses, with SDMX's names.
pub const CONF_STATUS_CODES: [(&str, &str); 5] = [
    ("F", "Free (free for publication)"),
    ("A", "Primary confidentiality due to small counts"),
    ("C", "Confidential statistical information"),
    (
        "D",
        "Secondary confidentiality set by the sender, not for publication",
    ),
    ("N", "Not for publication, restricted for internal use only"),
];

/// A cell's OBS_STATUS. "U" (low reliability) is CL_OBS_STATUS's own code; a withheld cell is "Q"
/// (suppressed: its CONF_STATUS says why); not available is "O" (missing value: the source gives no
/// figure; not "M", which says the figure cannot exist). A perturbed cell is a normal value, its
/// note says so.
pub fn obs_status(status: Status) -> &'static str {
    match status {
        Status::Published | Status::Perturbed => "A",
        Status::Unreliable => "U",
        Status::NotAvailable => "O",
        Status::Break => "B",
        Status::Primary | Status::Secondary | Status::Confidential | Status::FailedValidation => {
            "Q"
        }
    }
}

/// A cell's CONF_STATUS: "F" free unless withheld; "A" primary (too few records), "D" secondary
/// (withheld so a primary cell cannot be derived), "C" confidential (primary or secondary, the
/// policy does not tell), "N" withheld because its source failed an error rule.
pub fn conf_status(status: Status) -> &'static str {
    match status {
        Status::Primary => "A",
        Status::Secondary => "D",
        Status::Confidential => "C",
        Status::FailedValidation => "N",
        Status::Published
        | Status::Unreliable
        | Status::Perturbed
        | Status::NotAvailable
        | Status::Break => "F",
    }
}

/// A source as an SDMX id: ids admit no ':', so "BA:MYS_LFS_2024" is "BA_MYS_LFS_2024" (the
/// ILOSTAT source type is always the first two letters).
pub fn source_id(source: &str) -> String {
    source.replace(':', "_")
}

/// FREQ and TIME_PERIOD of an ilms period: "2024" is annual, "2024Q3" quarterly ("2024-Q3"),
/// "2024M09" monthly ("2024-M09"), SDMX's reporting-period forms.
pub fn period(time: &str) -> (&'static str, String) {
    match time.get(4..5) {
        Some("Q") => ("Q", format!("{}-{}", &time[..4], &time[4..])),
        Some("M") => ("M", format!("{}-{}", &time[..4], &time[4..])),
        _ => ("A", time.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_take_sdmx_reporting_forms() {
        assert_eq!(period("2024"), ("A", "2024".to_string()));
        assert_eq!(period("2024Q3"), ("Q", "2024-Q3".to_string()));
        assert_eq!(period("2024M09"), ("M", "2024-M09".to_string()));
    }

    #[test]
    fn every_status_has_codes_from_the_lists_written() {
        for status in [
            Status::Published,
            Status::Unreliable,
            Status::Primary,
            Status::Secondary,
            Status::Confidential,
            Status::FailedValidation,
            Status::Perturbed,
            Status::NotAvailable,
        ] {
            assert!(OBS_STATUS_CODES.iter().any(|c| c.0 == obs_status(status)));
            assert!(CONF_STATUS_CODES.iter().any(|c| c.0 == conf_status(status)));
            assert_eq!(status.withheld(), conf_status(status) != "F", "{status:?}");
        }
    }
}
