//! Time polars' Parquet writer alone, as ilms uses it: a Parquet file (such as the harmonized
//! records of a benchmark round) is read into memory, then written back through the same streaming
//! sink and options as `ilms run`, timed. benches/write_floor.py runs it beside DuckDB's writer.
//!
//!     cargo build --release --example write_parquet
//!     target/release/examples/write_parquet bench-data/10M/processed/harmonized/MYS_LFS_2024.parquet /tmp/out.parquet
use std::time::Instant;

use ilms::publish;
use polars::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        return Err("usage: write_parquet <input.parquet> <output.parquet>".into());
    };
    let records =
        LazyFrame::scan_parquet(PlRefPath::new(input.as_str()), Default::default())?.collect()?;
    let start = Instant::now();
    records
        .lazy()
        .sink(
            SinkDestination::File {
                target: SinkTarget::Path(PlRefPath::new(output.as_str())),
            },
            FileWriteFormat::Parquet(std::sync::Arc::new(publish::parquet_options(None))),
            UnifiedSinkArgs::default(),
        )?
        .collect_with_engine(Engine::Streaming)?;
    println!("{:.3}", start.elapsed().as_secs_f64());
    Ok(())
}
