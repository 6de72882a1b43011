//! Books per second of the hand-built bookstore in memory (`Faker::create_many`), against a
//! baseline measured in the same run: building the same number of books' leaf values (author
//! names and titles from `fake`, with the same generator) without any references, pools or
//! repositories — the part every generator pays.
//!
//! `cargo bench --bench bookstore` (numbers and machine in BENCHMARKS.md).

use ddd_faker::provider::Faker;
use ddd_faker::rng::seeded;
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use fake::Fake;
use fake::faker::lorem::en::Words;
use fake::faker::name::en::{FirstName, LastName};
use faker_fixtures::by_hand::Book;

fn main() {
    divan::main();
}

const BOOKS: u64 = 20_000;

#[divan::bench(sample_count = 20)]
fn faker_create_many_books(bencher: Bencher) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    bencher.counter(ItemsCount::new(BOOKS)).bench_local(|| {
        let mut faker = Faker::new(7);
        runtime
            .block_on(faker.create_each::<Book>(BOOKS, |b| {
                black_box(b);
            }))
            .expect("books");
        black_box(faker)
    });
}

#[divan::bench(sample_count = 20)]
fn baseline_leaf_values_only(bencher: Bencher) {
    bencher.counter(ItemsCount::new(BOOKS)).bench_local(|| {
        let mut rng = seeded(7);
        for i in 0..BOOKS {
            let words: Vec<String> = Words(3..6).fake_with_rng(&mut rng);
            black_box(words.join(" "));
            // one author per 50 books, as in the dataset
            if i % 50 == 0 {
                let first: String = FirstName().fake_with_rng(&mut rng);
                let last: String = LastName().fake_with_rng(&mut rng);
                black_box(format!("{first} {last}"));
            }
        }
    });
}
