//! Shared helpers for the workspace-level tests (the bookstore providers are in the
//! `faker-fixtures` crate).
#![allow(dead_code)]

use ddd_faker::distributor::{DistributorConfig, Draw, ManyToOne, Plannable, Pool};
use ddd_faker::estimate::Profile;
use ddd_faker::rng::seeded;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    Planned,
    Dynamic,
}

pub struct Simulation {
    pub profile: Profile,
    /// Value per draw (-1 for null), in draw order.
    pub sequence: Vec<i64>,
}

/// Makes `draws` draws, creating value `k` for the k-th creation, and profiles the result.
pub fn simulate(config: &DistributorConfig, draws: u64, seed: u64, mode: Run) -> Simulation {
    let mut d = config.build().expect("valid config");
    if mode == Run::Planned {
        Plannable::plan(&mut d, draws).expect("plannable");
    }
    let mut rng = seeded(seed);
    let mut pool: Pool<u64> = Pool::new();
    let mut uses: Vec<u64> = Vec::new();
    let mut nulls = 0;
    let mut sequence = Vec::with_capacity(draws as usize);
    for _ in 0..draws {
        match d.draw_position(&pool, &mut rng) {
            Draw::Reuse(p) => {
                uses[p] += 1;
                sequence.push(pool[p] as i64);
            }
            Draw::Create(t) => {
                let v = uses.len() as u64;
                d.fulfil(&mut pool, t, v);
                uses.push(1);
                sequence.push(v as i64);
            }
            Draw::Null => {
                nulls += 1;
                sequence.push(-1);
            }
        }
    }
    Simulation {
        profile: Profile::from_counts(&uses, nulls),
        sequence,
    }
}

/// The first 16 values of `simulate(weights [0.7,0.2,0.07,0.03], mean 3, 60 draws, seed 2024,
/// planned)`, recorded once.
pub fn pinned_sequence() -> Vec<i64> {
    vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 5, 8, 9, 10, 1, 4, 6]
}

/// The path of an example binary: cargo builds examples before it runs tests, next to the test
/// binaries (`target/<profile>/examples/`).
pub fn example(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} was not built: run plain `cargo test` (it builds the examples) or `cargo build --examples` first",
        path.display()
    );
    path
}
