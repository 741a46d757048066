//! Generate large synthetic rounds for benchmarks (not a pipeline stage).
//!
//! `ilms generate` copies a round and replaces one source's raw file by a bigger one made by
//! resampling the original's rows with a seeded generator: every column keeps the national coding
//! and the mix of codes (including the keying errors that end in the quarantine) of the source it
//! is drawn from; record ids are made unique and weights jittered. The same seed gives the same
//! file. The raw file is written as CSV, and also as Parquet beside it.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::classifications::TextTable;
use crate::error::{Error, Result};
use crate::ingest;
use crate::round::Round;
use crate::spec::{DelimitedFile, FileSpec, SourceSpec, TextEncoding};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Round to copy (its manifest).
    pub round: PathBuf,
    /// Source whose raw file is resampled (its id); the first source when None.
    pub source: Option<String>,
    pub rows: usize,
    pub seed: u64,
    /// Folder of the generated round (created; must not exist or be empty).
    pub out: PathBuf,
}

/// SplitMix64: small, fast and deterministic; statistical quality is ample for resampling.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How one output column is filled.
enum Fill {
    /// Copied from the drawn row (already CSV-quoted).
    Copy,
    /// A unique record id.
    Id,
    /// The drawn row's weight times a jitter in [0.9, 1.1).
    Weight,
    /// A constant (further id columns: the id column already makes the record unique).
    Constant(String),
}

/// Generate the round; returns the path of the generated manifest.
pub fn generate(options: &GenerateOptions) -> Result<PathBuf> {
    let round = Round::load(&options.round)?;
    let spec = match &options.source {
        None => round.sources.first(),
        Some(id) => round.sources.iter().find(|s| &s.source.id == id),
    }
    .ok_or_else(|| {
        Error::new(
            &options.round,
            "round.sources",
            "no such source in the round",
            "name a source id the round has with --source",
        )
    })?;
    // The copy keeps the source's spec, so the generated file must be what it declares.
    let csv = match &spec.file {
        FileSpec::Csv(csv) if csv.encoding == TextEncoding::Utf8 => csv,
        _ => {
            return Err(Error::new(
                &spec.spec_path,
                "file.format",
                "ilms generate resamples UTF-8 CSV sources only",
                "pick a CSV source with --source",
            ))
        }
    };
    if spec.is_aggregate() {
        return Err(Error::new(
            &spec.spec_path,
            "source.kind",
            "an aggregate table cannot be resampled into records",
            "pick a microdata source with --source",
        ));
    }
    if options.rows == 0 {
        return Err(Error::new(
            &options.out,
            "--rows",
            "zero rows requested",
            "ask for at least one row",
        ));
    }
    if options.out.exists()
        && fs::read_dir(&options.out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::new(
            &options.out,
            "",
            "the output folder exists and is not empty",
            "choose a new folder or remove it",
        ));
    }

    // The round's files (manifest, schemas) go over unchanged, with only this source in the manifest.
    copy_tree(&round.root.join("schemas"), &options.out.join("schemas"))?;
    let spec_relative = spec
        .spec_path
        .strip_prefix(&round.root)
        .unwrap_or(&spec.spec_path);
    let manifest = write_manifest(options, &round.name, &spec.source.id, spec_relative)?;

    let csv_path = options.out.join(spec.file.path());
    resample_csv(spec, csv, &csv_path, options.rows, options.seed)?;
    write_parquet_copy(&csv_path, spec)?;
    Ok(manifest)
}

fn resample_csv(
    spec: &SourceSpec,
    csv: &DelimitedFile,
    out: &Path,
    rows: usize,
    seed: u64,
) -> Result<()> {
    // Read the seed file as ilms reads it (its delimiter, no comment lines), all columns text.
    let seed_rows = TextTable {
        path: spec.raw_path.clone(),
        frame: ingest::scan(&spec.raw_path, &spec.file)?
            .collect()
            .map_err(|e| Error::polars(&spec.raw_path, "read the source to resample", e))?,
    };
    let header = seed_rows.columns();
    let delimiter = csv.delimiter_byte() as char;
    let fills: Vec<Fill> = header
        .iter()
        .map(|column| {
            if spec.record.id_columns.first() == Some(column) {
                Fill::Id
            } else if spec.record.id_columns.contains(column) {
                Fill::Constant("1".into())
            } else if spec.record.weight.as_ref() == Some(column) {
                Fill::Weight
            } else {
                Fill::Copy
            }
        })
        .collect();
    let table = seed_rows.rows(&header.iter().map(String::as_str).collect::<Vec<_>>())?;
    if table.is_empty() {
        return Err(Error::new(
            &spec.raw_path,
            "",
            "the source has no rows to resample",
            "generate from a source with records",
        ));
    }
    let quoted: Vec<Vec<String>> = table
        .iter()
        .map(|row| row.iter().map(|v| quote(v, delimiter)).collect())
        .collect();
    let weight_column = header
        .iter()
        .position(|c| spec.record.weight.as_ref() == Some(c));
    let weights: Vec<Option<f64>> = table
        .iter()
        .map(|row| weight_column.and_then(|i| row[i].parse().ok()))
        .collect();

    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create the raw folder", e))?;
    }
    let file = fs::File::create(out).map_err(|e| Error::io(out, "create the generated file", e))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let write_err = |e| Error::io(out, "write the generated file", e);
    let separator = delimiter.to_string();
    writeln!(
        writer,
        "{}",
        header
            .iter()
            .map(|h| quote(h, delimiter))
            .collect::<Vec<_>>()
            .join(&separator)
    )
    .map_err(write_err)?;
    let mut rng = SplitMix64(seed);
    let mut line = String::with_capacity(256);
    for n in 0..rows {
        let drawn = rng.below(quoted.len());
        let jitter = 0.9 + 0.2 * rng.unit();
        line.clear();
        for (i, fill) in fills.iter().enumerate() {
            if i > 0 {
                line.push(delimiter);
            }
            match fill {
                Fill::Copy => line.push_str(&quoted[drawn][i]),
                Fill::Id => push_fmt(&mut line, format_args!("G{n:09}")),
                Fill::Constant(value) => line.push_str(value),
                // A missing weight stays missing: that record is meant for the quarantine.
                Fill::Weight => match weights[drawn] {
                    Some(w) => push_fmt(&mut line, format_args!("{:.4}", w * jitter)),
                    None => line.push_str(&quoted[drawn][i]),
                },
            }
        }
        line.push('\n');
        writer.write_all(line.as_bytes()).map_err(write_err)?;
    }
    writer.flush().map_err(write_err)
}

/// Append formatted text without allocating (writing to a String cannot fail).
fn push_fmt(line: &mut String, args: std::fmt::Arguments) {
    let _ = std::fmt::Write::write_fmt(line, args);
}

/// Quote a CSV field if it needs it.
fn quote(value: &str, delimiter: char) -> String {
    if value.contains(delimiter) || value.contains('"') || value.contains('\n') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// The same records as Parquet (all columns text, as ilms reads them), streamed.
fn write_parquet_copy(csv: &Path, spec: &SourceSpec) -> Result<()> {
    let parquet = csv.with_extension("parquet");
    ingest::scan(csv, &spec.file)?
        .sink(
            SinkDestination::File {
                target: SinkTarget::Path(PlRefPath::new(parquet.to_string_lossy().as_ref())),
            },
            FileWriteFormat::Parquet(std::sync::Arc::new(ParquetWriteOptions::default())),
            UnifiedSinkArgs::default(),
        )
        .and_then(|plan| plan.collect_with_engine(Engine::Streaming))
        .map_err(|e| Error::polars(&parquet, "write the Parquet copy", e))?;
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).map_err(|e| Error::io(to, "create a folder", e))?;
    for entry in fs::read_dir(from).map_err(|e| Error::io(from, "read a folder", e))? {
        let entry = entry.map_err(|e| Error::io(from, "read a folder", e))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).map_err(|e| Error::io(&target, "copy a file", e))?;
        }
    }
    Ok(())
}

/// The generated round's manifest: only the resampled source, the copied schemas.
fn write_manifest(
    options: &GenerateOptions,
    round_name: &str,
    source_id: &str,
    spec: &Path,
) -> Result<PathBuf> {
    let manifest = options.out.join("ilms.toml");
    let generated = GeneratedManifest {
        round: GeneratedRound {
            name: format!("{} x{} rows (generated)", round_name, options.rows),
            sources: vec![spec.display().to_string()],
            indicators: "schemas/indicators.toml".into(),
            charts: "schemas/charts.toml".into(),
            classifications: "schemas/classifications".into(),
        },
        output: GeneratedOutput {
            processed: "processed".into(),
            charts: "charts".into(),
        },
    };
    // Serialized, not formatted: a round name or path with quotes or backslashes stays valid TOML.
    let body = toml::to_string(&generated)
        .map_err(|e| Error::new(&manifest, "", e.to_string(), "report this bug"))?;
    let text = format!(
        "# Generated by `ilms generate` from {} (source {}, {} rows, seed {}).\n\n{body}",
        options.round.display(),
        source_id,
        options.rows,
        options.seed,
    );
    fs::write(&manifest, text).map_err(|e| Error::io(&manifest, "write the manifest", e))?;
    Ok(manifest)
}

/// The manifest `ilms generate` writes (the keys of the round manifest it needs).
#[derive(serde::Serialize)]
struct GeneratedManifest {
    round: GeneratedRound,
    output: GeneratedOutput,
}

#[derive(serde::Serialize)]
struct GeneratedRound {
    name: String,
    sources: Vec<String>,
    indicators: String,
    charts: String,
    classifications: String,
}

#[derive(serde::Serialize)]
struct GeneratedOutput {
    processed: String,
    charts: String,
}

#[cfg(test)]
mod tests {
    use super::{quote, SplitMix64};

    #[test]
    fn generator_is_deterministic_and_uniform_enough() {
        let (mut a, mut b) = (SplitMix64(7), SplitMix64(7));
        let draws: Vec<usize> = (0..10_000).map(|_| a.below(10)).collect();
        assert_eq!(draws, (0..10_000).map(|_| b.below(10)).collect::<Vec<_>>());
        for digit in 0..10 {
            let n = draws.iter().filter(|&&d| d == digit).count();
            assert!(
                (800..1200).contains(&n),
                "digit {digit} drawn {n} times in 10000"
            );
        }
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(quote("01", ','), "01");
        assert_eq!(quote("a,b", ','), "\"a,b\"");
        assert_eq!(quote("say \"hi\"", ','), "\"say \"\"hi\"\"\"");
    }
}
