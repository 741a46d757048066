//! JSON Schemas of the spec files, generated from the types ilms parses them into: an editor that
//! reads JSON Schema (VS Code's Even Better TOML, taplo, IntelliJ) completes and checks a spec as
//! it is written. They say which keys a file takes, their types and the words allowed; `ilms check`
//! then also checks the values against the raw files and the classifications.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One kind of spec file and its schema.
pub struct SpecSchema {
    /// The schema's file name (`source.schema.json`).
    pub file_name: &'static str,
    /// What the files are, for the schema's title.
    pub title: &'static str,
    /// Where the sample round keeps such files (a round may put them elsewhere).
    pub files: &'static str,
    schema: fn() -> schemars::Schema,
}

/// Every kind of spec file a round reads.
pub const SPEC_SCHEMAS: [SpecSchema; 8] = [
    SpecSchema {
        file_name: "manifest.schema.json",
        title: "ilms round manifest",
        files: "ilms.toml",
        schema: crate::round::manifest_json_schema,
    },
    SpecSchema {
        file_name: "source.schema.json",
        title: "ilms source spec",
        files: "schemas/sources/*.toml",
        schema: crate::spec::json_schema,
    },
    SpecSchema {
        file_name: "indicators.schema.json",
        title: "ilms indicator declarations",
        files: "schemas/indicators.toml",
        schema: crate::indicators::json_schema,
    },
    SpecSchema {
        file_name: "rules.schema.json",
        title: "ilms validation rules",
        files: "schemas/rules/*.toml",
        schema: crate::rules::json_schema,
    },
    SpecSchema {
        file_name: "disclosure.schema.json",
        title: "ilms disclosure policies",
        files: "schemas/disclosure.toml",
        schema: crate::disclosure::policy::json_schema,
    },
    SpecSchema {
        file_name: "charts.schema.json",
        title: "ilms chart declarations",
        files: "schemas/charts.toml",
        schema: crate::charts::json_schema,
    },
    SpecSchema {
        file_name: "tables.schema.json",
        title: "ilms annual table declarations",
        files: "schemas/tables.toml",
        schema: crate::annual::json_schema,
    },
    SpecSchema {
        file_name: "sdmx.schema.json",
        title: "ilms SDMX dataflow assignments",
        files: "schemas/sdmx.toml",
        schema: crate::sdmx::dataflows_json_schema,
    },
];

impl SpecSchema {
    /// The schema as JSON text, titled, ending in a newline.
    pub fn json(&self) -> String {
        let mut schema = (self.schema)();
        schema.insert("title".into(), self.title.into());
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Write every schema into `folder` (made if need be); returns the files written.
pub fn write_schemas(folder: &Path) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(folder).map_err(|e| Error::io(folder, "make the folder", e))?;
    SPEC_SCHEMAS
        .iter()
        .map(|s| {
            let path = folder.join(s.file_name);
            fs::write(&path, s.json()).map_err(|e| Error::io(&path, "write the schema", e))?;
            Ok(path)
        })
        .collect()
}
