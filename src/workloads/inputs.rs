//! Seeded input data. Values are pseudo-random in [-1, 1]: zeros or constants
//! would let hardware compression and zero-skipping inflate throughput.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `len` values uniform in [-1, 1], reproducible from `seed` and `stream`
/// (one stream per input, so A and B differ under the same seed).
pub fn seeded_uniform(seed: u64, stream: u64, len: usize) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    (0..len).map(|_| rng.random_range(-1.0f32..=1.0)).collect()
}
