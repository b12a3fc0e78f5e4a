//! Which pool cases a probe asks: a fresh draw each time, rotated so that a
//! vendor who records every probe learns as little of the pool as possible.
//!
//! The pool is shuffled once per epoch (seeded by the contract's seed, the
//! pool's name and the epoch); probe `i` takes the next `cases` of that
//! order. Within an epoch no case is asked twice; a new epoch starts when the
//! pool is used up, in a new order. Anyone with the contract and the pool
//! recomputes every probe's cases.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// FNV-1a: a stable hash of the pool's name (std's hasher may change between releases).
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn order(pool: usize, seed: u64, name: &str, epoch: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pool).collect();
    let mut rng = StdRng::seed_from_u64(seed ^ stable_hash(name) ^ epoch.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    order.shuffle(&mut rng);
    order
}

/// The indices (0-based lines of the pool) probe `probe` asks, at most `cases`, sorted.
pub fn draw(pool: usize, cases: usize, probe: u64, seed: u64, name: &str) -> Vec<usize> {
    if pool == 0 || cases == 0 {
        return vec![];
    }
    let cases = cases.min(pool);
    let per_epoch = (pool / cases) as u64;
    let (epoch, slot) = (probe / per_epoch, (probe % per_epoch) as usize);
    let order = order(pool, seed, name, epoch);
    let mut picked = order[slot * cases..slot * cases + cases].to_vec();
    picked.sort_unstable();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_of_an_epoch_never_repeat_a_case_and_the_next_epoch_reorders() {
        let (pool, cases) = (100, 20);
        let epoch: Vec<Vec<usize>> = (0..5).map(|p| draw(pool, cases, p, 7, "knowledge")).collect();
        let mut all: Vec<usize> = epoch.concat();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>(), "one epoch asks every case once");
        assert_ne!(draw(pool, cases, 5, 7, "knowledge"), epoch[0], "a new epoch, a new order");
        assert_eq!(draw(pool, cases, 3, 7, "knowledge"), epoch[3], "recomputable");
        assert_ne!(draw(pool, cases, 0, 7, "reasoning"), epoch[0], "each pool its own order");
        assert_eq!(draw(5, 20, 0, 7, "small").len(), 5);
        assert!(draw(0, 20, 0, 7, "empty").is_empty());
    }
}
