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
