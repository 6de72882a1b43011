//! `ordered`: planned draws in order of creation, so that rows written in that order have the
//! column sorted, as a production table filled as time went (`pg_stats.correlation` near 1,
//! which PostgreSQL reads to price index scans). The laws stay what they are planned to be.

use std::collections::BTreeMap;

use ddd_faker::Provider;
use ddd_faker::provider::Faker;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Album {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Track {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Album)]
    #[distributor(skew = 2.0, mean = 10, ordered)]
    album_id: u64,
    // Four buckets, the third a point mass at 300.
    #[provider(quantiles = [0, 100, 300, 300, 1000], ordered)]
    seconds: i64,
}

/// Tracks created after their albums take the albums in the albums' order, each album all
/// its planned uses at once; the seconds go up bucket by bucket; the counts are the plan's.
#[tokio::test]
async fn ordered_references_and_quantiles_follow_the_order_of_creation() {
    let mut faker = Faker::new(5);
    let albums = faker.create_many::<Album>(50).await.unwrap();
    let tracks = faker.create_many::<Track>(500).await.unwrap();
    assert_eq!(
        faker.created::<Album>(),
        50,
        "no album created by the tracks"
    );

    let album_ids: Vec<u64> = tracks.iter().map(|t| t.album_id).collect();
    assert!(
        album_ids.windows(2).all(|w| w[0] <= w[1]),
        "album ids go up: {album_ids:?}"
    );
    let mut uses: BTreeMap<u64, usize> = BTreeMap::new();
    for id in &album_ids {
        *uses.entry(*id).or_default() += 1;
    }
    assert_eq!(uses.len(), albums.len(), "every album used (500 / mean 10)");
    // The skew is kept: the planned counts of skew 2 (cumulative share sqrt(x)) over 50 slots
    // give the most used album 500 · sqrt(1/50) ≈ 71 uses, the least used
    // 500 · (1 - sqrt(49/50)) ≈ 5 (counts are exact, not sampled); the popular albums are
    // not simply the first ones created (slots are visited in random order).
    let mut counts: Vec<usize> = uses.values().copied().collect();
    let most = *counts.iter().max().unwrap();
    assert!((60..=80).contains(&most), "{counts:?}");
    let first_is_top = uses.values().next() == Some(&most);
    counts.sort_unstable();
    assert!((4..=6).contains(&counts[0]), "{counts:?}");
    assert!(
        !first_is_top || uses.values().nth(1) != counts.iter().rev().nth(1),
        "the two first albums are the two most used: the visit is not shuffled"
    );

    // Buckets in order, each exactly 125 of the 500 (planned like a uniform list).
    let bucket = |s: i64| match s {
        s if s < 100 => 0,
        s if s < 300 => 1,
        300 => 2,
        _ => 3,
    };
    let buckets: Vec<usize> = tracks.iter().map(|t| bucket(t.seconds)).collect();
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    for b in 0..4 {
        assert_eq!(
            buckets.iter().filter(|&&x| x == b).count(),
            125,
            "bucket {b}"
        );
    }
}

/// Without `ordered` the same plan comes out in random order: the flag is what sorts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Song {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Album)]
    #[distributor(skew = 2.0, mean = 10)]
    album_id: u64,
}

#[tokio::test]
async fn without_ordered_the_same_plan_is_shuffled() {
    let mut faker = Faker::new(5);
    faker.create_many::<Album>(50).await.unwrap();
    let songs = faker.create_many::<Song>(500).await.unwrap();
    let descents = songs
        .windows(2)
        .filter(|w| w[0].album_id > w[1].album_id)
        .count();
    // Independent order: about half the neighbours go down.
    assert!(descents > 150, "{descents}");
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Genre {
    #[provider(id, sequence)]
    id: u64,
}

/// An `ordered` joint: the (album, genre) pairs keep their joint law and each member its
/// marginal, and the rows take the albums in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[joint(album_id, genre_id, skew = 1.5, mean = 4, ordered)]
struct Recording {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Album)]
    #[distributor(skew = 2.0, mean = 10)]
    album_id: u64,
    #[reference(Genre)]
    #[distributor(weights = [0.7, 0.3], mean = 50)]
    genre_id: u64,
}

#[tokio::test]
async fn an_ordered_joint_follows_its_first_member() {
    let mut faker = Faker::new(9);
    faker.create_many::<Album>(50).await.unwrap();
    faker.create_many::<Genre>(10).await.unwrap();
    let rows = faker.create_many::<Recording>(500).await.unwrap();
    let albums: Vec<u64> = rows.iter().map(|r| r.album_id).collect();
    assert!(albums.windows(2).all(|w| w[0] <= w[1]), "{albums:?}");
    // Each pair's uses come together: a pair seen once is not seen again after another.
    let mut seen = std::collections::HashSet::new();
    let mut last = None;
    for r in &rows {
        let pair = (r.album_id, r.genre_id);
        if last != Some(pair) {
            assert!(seen.insert(pair), "pair {pair:?} comes back");
            last = Some(pair);
        }
    }
    // The joint law still plans 500 / 4 = 125 pairs.
    assert_eq!(seen.len(), 125);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Artist {
    #[provider(id, sequence)]
    id: u64,
}

/// `top`: the most used values get their shares exactly (planned), the law keeps the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Record {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Artist)]
    #[distributor(top = [0.06, 0.04], weights = [0.5, 0.2, 0.2, 0.1], mean = 1.7)]
    artist_id: u64,
}

#[tokio::test]
async fn top_shares_are_exact_and_the_law_keeps_the_rest() {
    let mut faker = Faker::new(11);
    let records = faker.create_many::<Record>(3_470).await.unwrap();
    let mut uses: BTreeMap<u64, usize> = BTreeMap::new();
    for r in &records {
        *uses.entry(r.artist_id).or_default() += 1;
    }
    let mut counts: Vec<usize> = uses.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    // 3 470 · 0.06 = 208.2 and 3 470 · 0.04 = 138.8, rounded by largest remainder.
    assert_eq!(&counts[..2], &[208, 139], "{:?}", &counts[..5]);
    // The law's values: 3 470 / 1.7 = 2 041 in all, none near the top's counts.
    assert_eq!(counts.len(), 2_041);
    assert!(counts[2] < 20, "{:?}", &counts[..5]);
    assert_eq!(counts.iter().sum::<usize>(), 3_470);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Style {
    #[provider(id, sequence)]
    id: u64,
}

/// A price decided by the genre: the list's weights are shares of the tracks, drawn once per
/// genre. Genres of very different sizes (skew 3) get the price their size fits, so the
/// tracks' shares hold for every seed instead of depending on which genre draws the rare price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Tune {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Style)]
    #[distributor(skew = 3.0, mean = 140)]
    style_id: u64,
    #[provider(one_of = [0.99, 1.99], weights = [0.94, 0.06], follows(style_id))]
    price: f64,
}

#[tokio::test]
async fn a_value_that_follows_a_reference_keeps_its_share_of_the_aggregates() {
    for seed in 1..=10 {
        let mut faker = Faker::new(seed);
        faker.create_many::<Style>(25).await.unwrap();
        let tunes = faker.create_many::<Tune>(3_500).await.unwrap();
        let dear = tunes.iter().filter(|t| t.price == 1.99).count() as f64 / 3_500.0;
        // Every genre one price.
        let mut price_of: BTreeMap<u64, f64> = BTreeMap::new();
        for t in &tunes {
            assert_eq!(*price_of.entry(t.style_id).or_insert(t.price), t.price);
        }
        // The fit is off by at most a part of one small genre (a genre here has 1 to ~20
        // tracks at the tail of skew 3); drawn per genre with the weights instead (what this
        // replaced), seed 3 gave 0.024.
        assert!((dear - 0.06).abs() < 0.02, "seed {seed}: {dear}");
    }
}
