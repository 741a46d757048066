//! The cell-key method (ABS; recommended for the 2021 census round): every cell is published,
//! perturbed by a small amount read from a perturbation table at the cell's key. Each record gets
//! a secret random key in 0..256; a cell's key is the sum of its records' keys modulo 256, so the
//! same cell gets the same perturbation wherever it appears (the margin "women, foreign-born" in
//! the occupation table and in the age table), and a reader cannot average it away by asking for
//! the same cell twice. Totals are cells like any other: each is perturbed by its own key, so a
//! published total can differ from the sum of its published parts by a few persons.

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::policy::PerturbationRow;
use crate::tabulate::{Status, Table, WEIGHT_SCALE};

/// Keys range over 0..KEYS.
const KEYS: i64 = 256;

/// Each record's key, from its row in the raw file and a secret `seed` (the round's id key):
/// splitmix64 of the two, modulo 256. Without the seed the keys cannot be rebuilt.
pub fn record_key(seed: &[u8]) -> Expr {
    let digest = Sha256::digest(seed);
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    let secret = u64::from_le_bytes(bytes);
    col("source_row").map(
        move |column: Column| {
            let rows = column.cast(&DataType::UInt64)?;
            let keys: Int64Chunked = rows
                .u64()?
                .iter()
                .map(|row| row.map(|r| (splitmix64(secret ^ r) % KEYS as u64) as i64))
                .collect();
            Ok(keys.into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::Int64)),
    )
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Perturb every non-empty cell of `tables` (a complete count: one person a record) in place.
pub fn perturb(tables: &mut [Table], ptable: &[PerturbationRow]) {
    for table in tables.iter_mut() {
        for (tally, status) in table.tallies.iter_mut().zip(table.status.iter_mut()) {
            let persons = (tally.weight as f64 / WEIGHT_SCALE).round() as i64;
            if persons == 0 {
                continue; // an empty cell stays empty: it holds nobody to protect
            }
            let key = tally.key_sum.rem_euclid(KEYS);
            let shift = perturbation(ptable, persons, key);
            tally.weight = (persons + shift) * WEIGHT_SCALE as i64;
            *status = Status::Perturbed;
        }
    }
}

/// The perturbation of a cell of `persons` with key `key`: the row of the table that covers its
/// size, and in it the first perturbation whose cumulative probability x 256 exceeds the key.
pub fn perturbation(ptable: &[PerturbationRow], persons: i64, key: i64) -> i64 {
    let Some(row) = ptable.iter().find(|r| r.covers(persons)) else {
        return 0; // the policy check makes the rows cover every size
    };
    let mut cumulative = 0.0;
    for (shift, probability) in row.perturbation.iter().zip(&row.probability) {
        cumulative += probability;
        if (key as f64) < (cumulative * KEYS as f64).round() {
            return *shift;
        }
    }
    *row.perturbation.last().unwrap_or(&0)
}
