//! `ilms schema`: the JSON Schemas of the spec files, for editors that complete and check TOML.

use std::path::PathBuf;

use ilms::spec_schema::SPEC_SCHEMAS;

use super::emit;

/// Print or write the JSON Schema of each kind of spec file.
#[derive(clap::Args)]
#[command(
    after_help = "The schemas say which keys each spec file takes, their types and the words allowed, with each key's
meaning; they are made from the types `ilms check` reads the files into. An editor that reads JSON
Schema (VS Code with Even Better TOML, taplo, IntelliJ) then completes keys and underlines mistakes
as a spec is written. `ilms check` also checks the values against the raw files and the
classifications, which a schema cannot.

The round's `.taplo.toml` names the schema of each file; a spec elsewhere can name its own on its
first line: `#:schema ../json/source.schema.json`.

Examples:\n  ilms schema                          list the kinds of spec file\n  ilms schema source                   print the source spec's schema\n  ilms schema --out schemas/json       write them all"
)]
pub struct SchemaArgs {
    /// The kind of spec file: manifest, source, indicators, rules, disclosure, charts, tables, sdmx.
    kind: Option<String>,
    /// Write every schema into this folder (made if need be).
    #[arg(long, conflicts_with = "kind")]
    out: Option<PathBuf>,
}

pub fn run(args: SchemaArgs) -> ilms::Result<()> {
    if let Some(folder) = args.out {
        for path in ilms::spec_schema::write_schemas(&folder)? {
            emit(format_args!("wrote {}\n", path.display()))?;
        }
        return Ok(());
    }
    let kind_of = |s: &ilms::spec_schema::SpecSchema| s.file_name.trim_end_matches(".schema.json");
    let Some(kind) = args.kind else {
        for schema in &SPEC_SCHEMAS {
            emit(format_args!(
                "{:<12} {} ({})\n",
                kind_of(schema),
                schema.title,
                schema.files
            ))?;
        }
        return Ok(());
    };
    match SPEC_SCHEMAS.iter().find(|s| kind_of(s) == kind) {
        Some(schema) => emit(schema.json()),
        None => Err(ilms::Error::new(
            "command line",
            "KIND",
            format!("no kind of spec file '{kind}'"),
            "give one of manifest, source, indicators, rules, disclosure, charts, tables, sdmx (`ilms schema` lists them)",
        )),
    }
}
