//! Seeded randomness.
//!
//! All randomness in ddd-faker comes from one [`FakerRng`] that the caller creates from a seed
//! and passes in explicitly; nothing reads a thread-local or OS generator. (A planned draw of
//! more than 65 536 uses draws its proposals from a stream of its own, seeded from the
//! caller's generator on its first draw, so that it can fetch their memory ahead; that stream
//! is a function of the seed too.) ChaCha is a portable,
//! specified stream cipher: the same seed yields the same stream on every platform and run.
//! The 8-round variant is used because it is the fastest member of the family and its
//! statistical quality is far beyond what data generation needs.
//! Floating-point transforms in this crate use `libm` (a pure-Rust, platform-independent
//! implementation) so that positions drawn from the stream are identical on every machine.

use rand::SeedableRng;

/// The generator every part of ddd-faker takes: ChaCha with 8 rounds.
pub type FakerRng = rand_chacha::ChaCha8Rng;

/// A generator for `seed`. The same seed always gives the same sequence.
///
/// ```
/// use faker_core::rng::seeded;
/// use rand::RngExt;
/// let (mut a, mut b) = (seeded(42), seeded(42));
/// assert_eq!(a.random::<u64>(), b.random::<u64>());
/// ```
pub fn seeded(seed: u64) -> FakerRng {
    FakerRng::seed_from_u64(seed)
}
