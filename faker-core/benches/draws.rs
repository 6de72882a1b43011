//! Draws per second of the many-to-one distributors, per law, dynamic and planned, on pools of
//! 10^3 and 10^6 values; with two baselines measured in the same run: one `f64` from the
//! generator (the cost of the randomness alone) and a uniform index into a `Vec` of the pool's
//! size, reading the value (the simplest possible draw, and the cost of touching a random
//! element of a large pool: a cache miss at 10^6).
//!
//! `*_draw` benches measure the distributor's decision (`draw_position`: reuse which position /
//! create / null); `*_read` benches also read the chosen value out of the pool.
//!
//! `cargo bench -p faker-core --bench draws` (numbers and machine in BENCHMARKS.md).

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use faker_core::distributor::{DistributorConfig, Draw, ManyToOne, Plannable, Pool};
use faker_core::rng::seeded;
use rand::RngExt;

fn main() {
    divan::main();
}

const BATCH: usize = 1_000;
const SIZES: [usize; 2] = [1_000, 1_000_000];

#[divan::bench]
fn baseline_rng_f64(bencher: Bencher) {
    let mut rng = seeded(1);
    bencher.counter(ItemsCount::new(BATCH)).bench_local(|| {
        for _ in 0..BATCH {
            black_box(rng.random::<f64>());
        }
    });
}

#[divan::bench(args = SIZES)]
fn baseline_uniform_index(bencher: Bencher, n: usize) {
    let mut rng = seeded(1);
    let values: Vec<u64> = (0..n as u64).collect();
    bencher.counter(ItemsCount::new(BATCH)).bench_local(|| {
        for _ in 0..BATCH {
            black_box(values[rng.random_range(0..n)]);
        }
    });
}

fn config(law: &str) -> DistributorConfig {
    let mut c = DistributorConfig {
        mean: Some(50.0),
        ..Default::default()
    };
    match law {
        "uniform" => {}
        "skew" => c.skew = Some(2.0),
        "weights" => c.weights = Some(vec![0.7, 0.2, 0.07, 0.03]),
        _ => unreachable!(),
    }
    c
}

fn run(bencher: Bencher, law: &str, n: usize, planned: bool, read: bool) {
    let mut rng = seeded(1);
    let mut pool: Pool<u64> = Pool::new();
    for v in 0..n as u64 {
        pool.insert(v);
    }
    let mut d = config(law).build().expect("valid");
    if planned {
        // About n slots; the existing values get bound to slots as they are first hit.
        Plannable::plan(&mut d, n as u64 * 50).expect("plannable");
        for _ in 0..3 * n {
            let _ = d.draw_position(&pool, &mut rng);
        }
    }
    // Creation tickets are dropped unfulfilled, so the pool keeps its size.
    if read {
        bencher.counter(ItemsCount::new(BATCH)).bench_local(|| {
            for _ in 0..BATCH {
                match d.draw(&pool, &mut rng) {
                    Draw::Reuse(v) => {
                        black_box(*v);
                    }
                    other => {
                        let _ = black_box(other);
                    }
                }
            }
        });
    } else {
        bencher.counter(ItemsCount::new(BATCH)).bench_local(|| {
            for _ in 0..BATCH {
                let _ = black_box(d.draw_position(&pool, &mut rng));
            }
        });
    }
}

#[divan::bench(args = SIZES)]
fn dynamic_uniform_draw(b: Bencher, n: usize) {
    run(b, "uniform", n, false, false)
}
#[divan::bench(args = SIZES)]
fn dynamic_skew_draw(b: Bencher, n: usize) {
    run(b, "skew", n, false, false)
}
#[divan::bench(args = SIZES)]
fn dynamic_weights_draw(b: Bencher, n: usize) {
    run(b, "weights", n, false, false)
}
#[divan::bench(args = SIZES)]
fn planned_uniform_draw(b: Bencher, n: usize) {
    run(b, "uniform", n, true, false)
}
#[divan::bench(args = SIZES)]
fn planned_skew_draw(b: Bencher, n: usize) {
    run(b, "skew", n, true, false)
}
#[divan::bench(args = SIZES)]
fn planned_weights_draw(b: Bencher, n: usize) {
    run(b, "weights", n, true, false)
}
#[divan::bench(args = SIZES)]
fn dynamic_weights_read(b: Bencher, n: usize) {
    run(b, "weights", n, false, true)
}
#[divan::bench(args = SIZES)]
fn planned_weights_read(b: Bencher, n: usize) {
    run(b, "weights", n, true, true)
}

/// Filtered draws: one sub-pool of half the values, already caught up.
#[divan::bench(args = SIZES)]
fn dynamic_weights_filtered_draw(b: Bencher, n: usize) {
    struct Even;
    impl faker_core::distributor::Filter<u64> for Even {
        fn key(&self) -> &str {
            "even"
        }
        fn matches(&self, v: &u64) -> bool {
            v % 2 == 0
        }
    }
    let mut rng = seeded(1);
    let mut pool: Pool<u64> = Pool::new();
    for v in 0..n as u64 {
        pool.insert(v);
    }
    let mut d = config("weights").build().expect("valid");
    b.counter(ItemsCount::new(BATCH)).bench_local(|| {
        for _ in 0..BATCH {
            let _ = black_box(d.draw_matching_position(&mut pool, &Even, &mut rng));
        }
    });
}
