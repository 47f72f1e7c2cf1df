//! Seeded random streams. One seed drives a run; each purpose draws from its own ChaCha stream,
//! so changing, say, the batch order never changes the data or the initial weights.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The independent purposes a run draws random numbers for.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    Data = 1,
    Split = 2,
    Init = 3,
    Batches = 4,
}

/// A generator for one purpose of a run: same seed and stream, same numbers, on every machine.
pub fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// The families of generators drawn per item (a sweep's run, a check problem) rather than per run.
#[derive(Debug, Clone, Copy)]
pub enum Family {
    /// A sweep's run: its data, net and training choices.
    SweepRun,
    /// One of check's edge cases: its rows and net.
    CheckEdge,
    /// A drawn check problem's activation, optimizer and state.
    CheckOptimizer,
}

impl Family {
    fn tag(self) -> &'static [u8; 8] {
        match self {
            Family::SweepRun => b"mlp2d-sw",
            Family::CheckEdge => b"mlp2d-ck",
            Family::CheckOptimizer => b"mlp2d-op",
        }
    }
}

/// The generator of item `index` of `family` under `seed`: the same numbers on every machine,
/// whatever else is drawn (the key holds the seed, the index and the family's tag).
pub fn item_rng(seed: u64, family: Family, index: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&index.to_le_bytes());
    key[16..24].copy_from_slice(family.tag());
    ChaCha8Rng::from_seed(key)
}
