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
