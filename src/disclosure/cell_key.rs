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
use crate::cells::Status;
use crate::tabulate::{Table, WEIGHT_SCALE};

/// Keys range over 0..KEYS.
const KEYS: i64 = 256;

/// Each record's key, from its row in the raw file and a secret drawn from the round's id key
/// (`seed`) and the source: splitmix64 of the two, modulo 256. Without the seed the keys cannot
/// be rebuilt; each source gets keys of its own.
pub fn record_key(seed: &[u8], source_id: &str) -> Expr {
    let mut hasher = Sha256::new();
    hasher.update(b"ilms cell key\0");
    hasher.update(seed);
    hasher.update(b"\0");
    hasher.update(source_id.as_bytes());
    let digest = hasher.finalize();
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
            // Every cell is marked perturbed, an empty one too (it stays 0): a 0 then does not say
            // whether it is a true zero or a small cell perturbed down.
            *status = Status::Perturbed;
            if persons == 0 {
                continue;
            }
            let key = tally.key_sum.rem_euclid(KEYS);
            let shift = perturbation(ptable, persons, key);
            tally.weight = (persons + shift) * WEIGHT_SCALE as i64;
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

#[cfg(test)]
mod tests {
    use super::{perturbation, splitmix64, PerturbationRow};

    fn ptable() -> Vec<PerturbationRow> {
        vec![
            PerturbationRow {
                from: 1,
                to: Some(1),
                perturbation: vec![-1, 0, 1, 2],
                probability: vec![0.4, 0.3, 0.2, 0.1],
            },
            PerturbationRow {
                from: 2,
                to: None,
                perturbation: vec![-2, -1, 0, 1, 2],
                probability: vec![0.05, 0.2, 0.5, 0.2, 0.05],
            },
        ]
    }

    #[test]
    fn keys_spread_over_the_table_as_its_probabilities_say() {
        let table = ptable();
        // Over the 256 keys, each perturbation is read as often as its probability x 256.
        let shifts: Vec<i64> = (0..256).map(|k| perturbation(&table, 10, k)).collect();
        let count = |s: i64| shifts.iter().filter(|&&x| x == s).count();
        assert_eq!(
            [count(-2), count(-1), count(0), count(1), count(2)],
            [13, 51, 128, 51, 13]
        );
        assert_eq!(shifts.iter().sum::<i64>(), 0, "unbiased over the keys");
        // A cell of one person never goes below 0.
        assert!((0..256).all(|k| 1 + perturbation(&table, 1, k) >= 0));
    }

    #[test]
    fn record_keys_are_spread_evenly() {
        let mut counts = [0u32; 256];
        for row in 0..256_000u64 {
            counts[(splitmix64(12345 ^ row) % 256) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
    }
}
