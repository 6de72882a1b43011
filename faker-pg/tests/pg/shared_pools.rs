//! Shared pools and leases (`faker_pg::coordination`): generators in several processes follow
//! one plan over one pool, take over slots of dead owners, and draw distinct sequence values.

use std::collections::HashSet;
use std::time::Duration;

use faker_core::provider::{Faker, Provider};
use faker_core::repository::{SharedPool, SlotClaim};
use faker_fixtures::bookstore::{Author, Book, Tenant, TenantId};
use faker_pg::Ident;
use faker_pg::coordination::{PgShare, SharedError, Target};
use faker_pg::write::{Mirror, PgRepository, Table};
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::support::*;

/// The bookstore's tables (with their foreign keys) and mirrors in `schema`.
async fn bookstore_tables(conn: &mut PgConnection, schema: &Ident) {
    for sql in [
        format!("CREATE TABLE {schema}.tenants (id bigserial PRIMARY KEY, name text NOT NULL)"),
        format!(
            "CREATE TABLE {schema}.authors (tenant_id bigint NOT NULL REFERENCES {schema}.tenants,
             author_id bigserial, name text NOT NULL, PRIMARY KEY (tenant_id, author_id))"
        ),
        format!(
            "CREATE TABLE {schema}.books (tenant_id bigint NOT NULL, book_id bigserial,
             author_id bigint NOT NULL, title text NOT NULL, PRIMARY KEY (tenant_id, book_id),
             FOREIGN KEY (tenant_id, author_id) REFERENCES {schema}.authors)"
        ),
    ] {
        execute(&mut *conn, sql).await;
    }
    for t in ["tenants", "authors", "books"] {
        mirror(schema, t).create(&mut *conn).await.unwrap();
    }
}

fn mirror(schema: &Ident, table: &str) -> Mirror {
    Mirror::new(Some(schema.as_str()), table).unwrap()
}

/// Where the shared pools read the values they reuse.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reads {
    /// faker's mirror tables (written with every aggregate).
    Mirrors,
    /// The application tables, by primary key: nothing written beside them.
    Tables,
}

/// A bookstore generator writing into `schema`, its tenant and author pools shared, planned
/// for `goal` books. Catch-up every 2 ms, so that interleaved generators see each other.
async fn generator(schema: &Ident, seed: u64, goal: u64) -> (Faker, PgShare) {
    generator_reading(schema, seed, goal, Reads::Mirrors).await
}

/// The repository of `A` in `table`, with its mirror or without.
fn repository<A: Provider + serde::de::DeserializeOwned>(
    pool: &sqlx::PgPool,
    table: Table,
    schema: &Ident,
    name: &str,
    reads: Reads,
) -> PgRepository<A> {
    match reads {
        Reads::Mirrors => PgRepository::new(pool.clone(), Some(table), mirror(schema, name)),
        Reads::Tables => PgRepository::without_mirror(pool.clone(), table),
    }
}

async fn generator_reading(schema: &Ident, seed: u64, goal: u64, reads: Reads) -> (Faker, PgShare) {
    let s = Some(schema.as_str());
    // Asynchronous commit: the test is about who sees what, not about durability.
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(
            database_url()
                .parse::<sqlx::postgres::PgConnectOptions>()
                .unwrap()
                .options([("synchronous_commit", "off")]),
        )
        .await
        .unwrap_or_else(|err| no_server(err));
    let share = PgShare::join(pool.clone(), s).await.unwrap();
    let mut faker = Faker::new(seed);
    let tenants = Table::new(s, "tenants")
        .and_then(|t| t.auto_key("id", "id"))
        .and_then(|t| t.column("name", "name"))
        .unwrap();
    let authors = Table::new(s, "authors")
        .and_then(|t| t.column("tenant_id", "id.tenant_id"))
        .and_then(|t| t.auto_key("author_id", "id.author_id"))
        .and_then(|t| t.column("name", "name"))
        .unwrap();
    let books = Table::new(s, "books")
        .and_then(|t| t.column("tenant_id", "id.tenant_id"))
        .and_then(|t| t.auto_key("book_id", "id.book_id"))
        .and_then(|t| t.column("author_id", "author_id.author_id"))
        .and_then(|t| t.column("title", "title"))
        .unwrap();

    let (shared_tenants, shared_authors) = match reads {
        Reads::Mirrors => (
            share
                .pool::<Tenant>("tenants", mirror(schema, "tenants").name())
                .await
                .unwrap(),
            share
                .pool::<Author>("authors", mirror(schema, "authors").name())
                .await
                .unwrap(),
        ),
        Reads::Tables => (
            share
                .pool_from_table::<Tenant>("tenants", &tenants)
                .await
                .unwrap(),
            share
                .pool_from_table::<Author>("authors", &authors)
                .await
                .unwrap(),
        ),
    };
    faker
        .set_repository::<Tenant>(
            repository::<Tenant>(&pool, tenants, schema, "tenants", reads)
                .publish_to(share.publication("tenants").await.unwrap()),
        )
        .unwrap();
    faker
        .set_repository::<Author>(
            repository::<Author>(&pool, authors, schema, "authors", reads)
                .publish_to(share.publication("authors").await.unwrap()),
        )
        .unwrap();
    faker
        .set_repository::<Book>(repository::<Book>(&pool, books, schema, "books", reads))
        .unwrap();
    let tenants = shared_tenants.catch_up_every(Duration::from_millis(2));
    let authors = shared_authors.catch_up_every(Duration::from_millis(2));
    faker.share_pool::<Tenant>(tenants).unwrap();
    faker.share_pool::<Author>(authors).unwrap();
    faker.plan::<Book>(goal).unwrap();
    (faker, share)
}

async fn scalar(conn: &mut PgConnection, sql: String) -> i64 {
    sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Shares of the books held by each quarter of the tenants ranked by books (the seed's SQL).
async fn quartile_weights(conn: &mut PgConnection, schema: &Ident) -> Vec<f64> {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "WITH per_tenant AS (SELECT tenant_id, count(*) AS c FROM {schema}.books GROUP BY tenant_id),
              tiled AS (SELECT c, ntile(4) OVER (ORDER BY c DESC) AS part FROM per_tenant)
         SELECT sum(c)::float8 / (SELECT sum(c) FROM per_tenant) FROM tiled GROUP BY part ORDER BY part"
    )))
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn two_generators_follow_one_plan_over_one_pool() {
    two_generators_follow_one_plan("shared_plan", Reads::Mirrors).await;
}

/// The same, the pools reading the application tables: no mirror is written.
#[tokio::test]
async fn two_generators_follow_one_plan_reading_the_application_tables() {
    two_generators_follow_one_plan("shared_plan_tables", Reads::Tables).await;
}

async fn two_generators_follow_one_plan(name: &str, reads: Reads) {
    const GOAL: u64 = 6_000;
    in_schemas(name, 2, |mut conn, schemas| async move {
        let (together, alone) = (&schemas[0], &schemas[1]);
        bookstore_tables(&mut conn, together).await;
        bookstore_tables(&mut conn, alone).await;
        // One generator alone: the reference for the number of tenants the plan makes.
        let (mut single, _share) = generator_reading(alone, 1, GOAL, reads).await;
        for _ in 0..GOAL {
            single.create::<Book>().await.unwrap();
        }
        // Two generators, interleaved in chunks, each making half of the books.
        let (mut a, share_a) = generator_reading(together, 1, GOAL, reads).await;
        let (mut b, share_b) = generator_reading(together, 2, GOAL, reads).await;
        let mut tenants_of_a_books = HashSet::new();
        for _ in 0..GOAL / 200 {
            for _ in 0..100 {
                tenants_of_a_books.insert(a.create::<Book>().await.unwrap().id().tenant_id);
            }
            for _ in 0..100 {
                b.create::<Book>().await.unwrap();
            }
        }
        let tenants = |s: &Ident| format!("SELECT count(*) FROM {s}.tenants");
        let alone_tenants = scalar(&mut conn, tenants(alone)).await;
        let shared_tenants = scalar(&mut conn, tenants(together)).await;
        // Without sharing each generator would plan its own ~N/mean tenants (twice as many);
        // with one shared plan the count is the single generator's, up to the few slots that
        // one of two different random streams hits and the other does not (< 10%).
        assert!(
            (shared_tenants - alone_tenants).abs() * 10 <= alone_tenants,
            "{shared_tenants} tenants shared vs {alone_tenants} alone"
        );
        // Every slot holds one value, in the log, and A's books use tenants B created.
        let slots = scalar(
            &mut conn,
            format!("SELECT count(*) FROM {together}.faker_slot WHERE value_id IS NOT NULL"),
        )
        .await;
        assert_eq!(slots, shared_tenants, "one tenant per hit slot, no orphan");
        let of_b: Vec<sqlx::types::Json<TenantId>> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT value_id FROM {together}.faker_slot WHERE owner = $1"
        )))
        .bind(share_b.token())
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let reused = of_b
            .iter()
            .filter(|t| tenants_of_a_books.contains(&t.0))
            .count();
        assert!(reused > of_b.len() / 2, "{reused} of {}", of_b.len());
        assert!(share_a.token() != share_b.token());
        // The seed's weights hold for the dataset as a whole: 6 000 books over ~120
        // tenants, so each quarter has ~30 tenants and sampling noise of a quarter's share
        // stays under 0.03 (seen: 0.01); ±0.05 leaves room for the few late slots.
        let weights = quartile_weights(&mut conn, together).await;
        for (got, want) in weights.iter().zip([0.7, 0.2, 0.07, 0.03]) {
            assert!((got - want).abs() <= 0.05, "{weights:?}");
        }
        // Every book's author belongs to the book's tenant (the foreign key says so too).
        let books = scalar(
            &mut conn,
            format!(
                "SELECT count(*) FROM {together}.books b JOIN {together}.authors USING (tenant_id, author_id)"
            ),
        )
        .await;
        assert_eq!(books, GOAL as i64);
        let mirrored = scalar(
            &mut conn,
            format!(
                "SELECT (SELECT count(*) FROM {together}.faker_tenants)
                      + (SELECT count(*) FROM {together}.faker_authors)
                      + (SELECT count(*) FROM {together}.faker_books)"
            ),
        )
        .await;
        match reads {
            Reads::Mirrors => assert!(mirrored > GOAL as i64),
            Reads::Tables => assert_eq!(mirrored, 0, "nothing mirrored"),
        }
    })
    .await;
}

#[tokio::test]
async fn the_pool_log_is_dense_and_replicated_in_order() {
    in_schema("shared_log", |mut conn, schema| async move {
        bookstore_tables(&mut conn, &schema).await;
        // Two generators creating tenants concurrently, each publishing in its own
        // transactions.
        let make = |seed| {
            let schema = schema.clone();
            async move {
                let (mut faker, share) = generator(&schema, seed, 1).await;
                for _ in 0..150 {
                    faker.create::<Tenant>().await.unwrap();
                }
                (faker, share)
            }
        };
        let (one, two) = tokio::join!(tokio::spawn(make(3)), tokio::spawn(make(4)));
        let (_one, _share_one) = one.unwrap();
        let (_two, share_two) = two.unwrap();
        let positions: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT position FROM {schema}.faker_pool WHERE pool = 'tenants' ORDER BY position"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(positions, (0..300).collect::<Vec<i64>>(), "dense");
        let mut reader = share_two
            .pool::<Tenant>("tenants", mirror(&schema, "tenants").name())
            .await
            .unwrap();
        assert_eq!(reader.size().await.unwrap(), 300);
        // A draw by position is one lookup; catch-up replays the log in order.
        let first = reader.value_at(0).await.unwrap().unwrap();
        assert!(reader.value_at(300).await.unwrap().is_none());
        let all = reader.catch_up().await.unwrap();
        assert_eq!(all.len(), 300);
        assert_eq!(serde_json::to_value(all[0].id()).unwrap(), first);
        let ids: HashSet<i64> = all.iter().map(|t| t.id().0).collect();
        assert_eq!(ids.len(), 300, "no value twice");
        // Nothing new: the next catch-up is empty.
        assert!(reader.catch_up().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn slots_of_dead_owners_are_taken_over_and_live_ones_waited_for() {
    in_schema("shared_slots", |mut conn, schema| async move {
        bookstore_tables(&mut conn, &schema).await;
        let s = Some(schema.as_str());
        let share = PgShare::join(pool().await, s).await.unwrap();
        let mut tenants = share
            .pool::<Tenant>("tenants", mirror(&schema, "tenants").name())
            .await
            .unwrap()
            .wait_at_most(Duration::from_millis(300));
        // A slot claimed by a generator that died before binding it (no session holds its
        // liveness lock): taken over.
        execute(
            &mut conn,
            format!("INSERT INTO {schema}.faker_slot (plan, slot, owner) VALUES ('p', 1, 42)"),
        )
        .await;
        assert_eq!(tenants.claim("p", 1).await.unwrap(), SlotClaim::Create);
        let owner = scalar(
            &mut conn,
            format!("SELECT owner FROM {schema}.faker_slot WHERE plan = 'p' AND slot = 1"),
        )
        .await;
        assert_eq!(owner, share.token());
        // A slot held by a live generator that has not committed its value: waited for,
        // then a clear error (and a flag asking the owner to commit).
        let other = PgShare::join(pool().await, s).await.unwrap();
        execute(
            &mut conn,
            format!(
                "INSERT INTO {schema}.faker_slot (plan, slot, owner) VALUES ('p', 2, {})",
                other.token()
            ),
        )
        .await;
        let err = tenants.claim("p", 2).await.unwrap_err();
        let shared = match &err {
            faker_core::repository::RepositoryError::Storage(e) => {
                e.downcast_ref::<SharedError>().unwrap()
            }
            other => panic!("{other}"),
        };
        assert!(
            matches!(shared, SharedError::SlotTimeout { slot: 2, .. }),
            "{err}"
        );
        let wanted = scalar(
            &mut conn,
            format!(
                "SELECT count(*) FROM {schema}.faker_slot WHERE plan = 'p' AND slot = 2 AND wanted"
            ),
        )
        .await;
        assert_eq!(wanted, 1);
        // Once the owner is gone, the slot is ours.
        drop(other);
        let started = std::time::Instant::now();
        loop {
            match tenants.claim("p", 2).await {
                Ok(claim) => {
                    assert_eq!(claim, SlotClaim::Create);
                    break;
                }
                // the closed session's lock goes away asynchronously
                Err(_) if started.elapsed() < Duration::from_secs(10) => {}
                Err(e) => panic!("{e}"),
            }
        }
        // A bound slot whose value is committed and published: reused as is.
        let mut faker = Faker::new(1);
        faker
            .set_repository::<Tenant>(
                PgRepository::new(
                    pool().await,
                    Some(
                        Table::new(s, "tenants")
                            .and_then(|t| t.auto_key("id", "id"))
                            .and_then(|t| t.column("name", "name"))
                            .unwrap(),
                    ),
                    mirror(&schema, "tenants"),
                )
                .publish_to(share.publication("tenants").await.unwrap()),
            )
            .unwrap();
        let tenant = faker.create::<Tenant>().await.unwrap();
        tenants.bind("p", 2, &tenant.id()).await.unwrap();
        assert_eq!(
            tenants.claim("p", 2).await.unwrap(),
            SlotClaim::Bound(tenant)
        );
    })
    .await;
}

#[tokio::test]
async fn leases_never_exceed_the_goal_and_die_with_their_owner() {
    in_schema("shared_lease", |mut conn, schema| async move {
        let s = Some(schema.as_str());
        let target = Target::new(s, "books").unwrap();
        assert_eq!(target.ensure(&mut conn, 100).await.unwrap(), 0);
        let a = PgShare::join(pool().await, s).await.unwrap();
        let b = PgShare::join(pool().await, s).await.unwrap();
        assert_eq!(target.lease(&mut conn, a.token(), 0, 60).await.unwrap(), 60);
        assert_eq!(target.lease(&mut conn, b.token(), 0, 60).await.unwrap(), 40);
        assert_eq!(target.lease(&mut conn, b.token(), 0, 60).await.unwrap(), 0);
        // Committing against a lease moves it to `done`.
        let mut tx = conn.begin().await.unwrap();
        assert_eq!(
            target
                .claim_leased(&mut tx, b.token(), 0, 30)
                .await
                .unwrap(),
            30
        );
        tx.commit().await.unwrap();
        assert_eq!(target.lease(&mut conn, b.token(), 0, 60).await.unwrap(), 0);
        // A dies with 60 leased and nothing committed: its lease is free again.
        drop(a);
        let started = std::time::Instant::now();
        let granted = loop {
            let granted = target.lease(&mut conn, b.token(), 0, 100).await.unwrap();
            if granted > 0 || started.elapsed() > Duration::from_secs(10) {
                break granted;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(granted, 60);
        target.release(&mut conn, b.token()).await.unwrap();
        assert_eq!(
            target.lease(&mut conn, b.token(), 0, 1_000).await.unwrap(),
            70
        );
    })
    .await;
}

/// Names are written quoted everywhere and the sequence key as an escaped literal, so a
/// schema whose name holds `$$`, `%s`, `'`, `"` and `\` (which broke the `DO $$ .. format()`
/// block that used to write the comment) works for every table, sequence and index
/// faker-pg creates, reads or reserves from.
#[tokio::test]
async fn a_schema_named_with_dollars_percents_and_quotes_works() {
    use faker_core::repository::{Repository, SharedSequences};
    use faker_pg::coordination::PgSequences;
    use faker_pg::write::bulk::{BulkOptions, BulkWriter};

    in_schema(r#"odd$$%s'"\"#, |mut conn, schema| async move {
        for c in ['$', '%', '\'', '"', '\\'] {
            assert!(schema.as_str().contains(c), "{schema}");
        }
        let s = Some(schema.as_str());
        bookstore_tables(&mut conn, &schema).await;
        // Shared pools (their tables, publications, slots) and per-aggregate repositories.
        let (mut faker, share) = generator(&schema, 3, 20).await;
        for _ in 0..20 {
            faker.create::<Book>().await.unwrap();
        }
        let count = |t: &str| format!("SELECT count(*) FROM {schema}.{}", ident(t));
        assert_eq!(scalar(&mut conn, count("books")).await, 20);
        assert_eq!(scalar(&mut conn, count("faker_books")).await, 20);
        let tenants = scalar(&mut conn, count("tenants")).await;
        assert!(tenants > 0);
        let authors = scalar(&mut conn, count("authors")).await;
        assert_eq!(
            scalar(&mut conn, count("faker_pool")).await,
            tenants + authors
        );

        // The mirror read path: count, reload, get.
        let stored: PgRepository<Book> =
            PgRepository::new(pool().await, None, mirror(&schema, "books"));
        assert_eq!(stored.count().await.unwrap(), 20);
        let books = stored.load_all().await.unwrap();
        assert_eq!(books.len(), 20);
        let again = stored.get(&books[0].id()).await.unwrap().unwrap();
        assert_eq!(again.id(), books[0].id());

        // Write-behind within a target: keys reserved from the table's sequence.
        let books_table = || {
            Table::new(s, "books")
                .and_then(|t| t.column("tenant_id", "id.tenant_id"))
                .and_then(|t| t.auto_key("book_id", "id.book_id"))
                .and_then(|t| t.column("author_id", "author_id.author_id"))
                .and_then(|t| t.column("title", "title"))
                .unwrap()
        };
        let target = Target::new(s, "more books").unwrap();
        assert_eq!(target.ensure(&mut conn, 5).await.unwrap(), 0);
        let mut behind =
            PgRepository::<Book>::new(pool().await, Some(books_table()), mirror(&schema, "books"))
                .with_target(target, share.token())
                .behind(2);
        let handle = behind.write_behind().unwrap();
        for book in &books[..5] {
            let copy = behind.insert(book.clone(), false).await.unwrap();
            assert_ne!(copy.id(), book.id(), "a new key from the sequence");
        }
        let totals = handle.finish().await.unwrap();
        assert_eq!((totals.stored, totals.refused), (5, 0));
        assert_eq!(scalar(&mut conn, count("books")).await, 25);

        // Bulk mode: the sequence found by pg_get_serial_sequence, COPY into both tables.
        let writer = BulkWriter::new(pool().await, BulkOptions::default());
        let mut bulk = writer
            .repository::<Book>(books_table(), mirror(&schema, "books"))
            .await
            .unwrap();
        for book in &books[..3] {
            bulk.insert(book.clone(), false).await.unwrap();
        }
        let written = writer.finish().await.unwrap();
        assert_eq!(written.rows_of(books_table().name()), 3);
        assert_eq!(scalar(&mut conn, count("faker_books")).await, 28);

        // Shared sequences: created in the schema, the key as the comment, blocks of 10.
        let key = r#"Book.id/ it's $$ %s \ "quoted""#;
        let mut sequences = PgSequences::new(pool().await, s, 10).unwrap();
        assert_eq!(sequences.reserve(key).await.unwrap(), (0, 10));
        let mut other = PgSequences::new(pool().await, s, 10).unwrap();
        assert_eq!(other.reserve(key).await.unwrap(), (10, 10));
        let comment: String = sqlx::query_scalar(
            "SELECT obj_description(c.oid) FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind = 'S' AND c.relname LIKE 'faker_seq_%'",
        )
        .bind(schema.as_str())
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(comment, key);
        // A second generator whose pools read the application tables (found through the
        // catalog by the table's quoted name) reuses what the first one stored.
        let before = scalar(&mut conn, count("books")).await;
        let (mut reader, _reader_share) = generator_reading(&schema, 4, 20, Reads::Tables).await;
        for _ in 0..20 {
            reader.create::<Book>().await.unwrap();
        }
        assert_eq!(scalar(&mut conn, count("books")).await, before + 20);
        assert!(scalar(&mut conn, count("tenants")).await < 2 * tenants);
    })
    .await;
}

/// A ticket numbered by a sequence.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Numbered {
    id: u64,
}

impl Provider for Numbered {
    type Id = u64;
    const NAME: &'static str = "Numbered";
    fn id(&self) -> u64 {
        self.id
    }
    async fn populate(
        cx: &mut faker_core::provider::Cx<'_>,
    ) -> Result<Self, faker_core::provider::FakerError> {
        Ok(Numbered {
            id: cx.sequence("id").await?,
        })
    }
}

#[tokio::test]
async fn sequences_are_distinct_across_generators() {
    in_schema("shared_seq", |mut conn, schema| async move {
        let s = Some(schema.as_str());
        let mut a = Faker::new(1);
        a.share_sequences(faker_pg::coordination::PgSequences::new(pool().await, s, 10).unwrap());
        let mut b = Faker::new(2);
        b.share_sequences(faker_pg::coordination::PgSequences::new(pool().await, s, 10).unwrap());
        let mut numbers = Vec::new();
        for _ in 0..5 {
            for _ in 0..7 {
                numbers.push(a.create::<Numbered>().await.unwrap().id);
            }
            for _ in 0..7 {
                numbers.push(b.create::<Numbered>().await.unwrap().id);
            }
        }
        // Blocks of 10: A holds 0..10, B 10..20, and so on; never a number twice.
        assert_eq!(&numbers[..7], &[0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(&numbers[7..14], &[10, 11, 12, 13, 14, 15, 16]);
        let distinct: HashSet<u64> = numbers.iter().copied().collect();
        assert_eq!(distinct.len(), numbers.len());
        // One sequence, named by the key's hash, with the key as its comment.
        let comment: String = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT obj_description(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = '{}' AND c.relkind = 'S'",
            schema.as_str()
        )))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(comment, "Numbered.id/");
    })
    .await;
}

/// A station keyed by a text code, numbered by a shared sequence so that two generators never
/// make the same code.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Station {
    code: String,
    name: String,
}

impl Provider for Station {
    type Id = String;
    const NAME: &'static str = "Station";
    const ID_FIELD: &'static str = "code";
    fn id(&self) -> String {
        self.code.clone()
    }
    async fn populate(
        cx: &mut faker_core::provider::Cx<'_>,
    ) -> Result<Self, faker_core::provider::FakerError> {
        let n = cx.sequence("code").await?;
        Ok(Station {
            code: format!("st-{n}"),
            name: format!("Station {n}"),
        })
    }
}

/// A ride from a station: stations are shared, five rides each.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, ddd_faker::Provider)]
#[provider(table = "rides")]
struct Ride {
    #[provider(id, sequence)]
    id: i64,
    #[reference(Station)]
    #[distributor(mean = 5)]
    station: String,
}

/// Two generators share a pool read from an application table keyed by text: the log's
/// `value_id` (a JSON string) is cast to the key's type, the row found by its primary key, and
/// both follow one plan of stations with nothing mirrored.
#[tokio::test]
async fn a_pool_read_from_a_table_keyed_by_text_is_shared() {
    const RIDES: u64 = 400;
    in_schema("shared_text_key", |mut conn, schema| async move {
        execute(
            &mut conn,
            format!(
                "CREATE TABLE {schema}.stations (code text PRIMARY KEY, name text NOT NULL);
                 CREATE TABLE {schema}.rides (id bigint PRIMARY KEY,
                     station text NOT NULL REFERENCES {schema}.stations (code))"
            ),
        )
        .await;
        let generator = |seed: u64| {
            let schema = schema.clone();
            async move {
                let s = Some(schema.as_str());
                let pool = pool().await;
                let share = PgShare::join(pool.clone(), s).await.unwrap();
                let stations = Table::new(s, "stations")
                    .and_then(|t| t.column("code", "code"))
                    .and_then(|t| t.column("name", "name"))
                    .unwrap();
                let rides = Table::of::<Ride>(s).unwrap();
                let shared = share
                    .pool_from_table::<Station>("stations", &stations)
                    .await
                    .unwrap()
                    .catch_up_every(Duration::from_millis(2));
                let mut faker = Faker::new(seed);
                faker
                    .set_repository::<Station>(
                        PgRepository::without_mirror(pool.clone(), stations)
                            .publish_to(share.publication("stations").await.unwrap()),
                    )
                    .unwrap();
                faker
                    .set_repository::<Ride>(PgRepository::without_mirror(pool.clone(), rides))
                    .unwrap();
                faker.share_pool::<Station>(shared).unwrap();
                faker.share_sequences(
                    faker_pg::coordination::PgSequences::new(pool.clone(), s, 10).unwrap(),
                );
                faker.plan::<Ride>(RIDES).unwrap();
                (faker, share)
            }
        };
        let (mut a, _share_a) = generator(1).await;
        let (mut b, _share_b) = generator(2).await;
        for _ in 0..RIDES / 40 {
            for _ in 0..20 {
                a.create::<Ride>().await.unwrap();
            }
            for _ in 0..20 {
                b.create::<Ride>().await.unwrap();
            }
        }
        let stations = scalar(&mut conn, format!("SELECT count(*) FROM {schema}.stations")).await;
        let rides = scalar(&mut conn, format!("SELECT count(*) FROM {schema}.rides")).await;
        assert_eq!(rides, RIDES as i64);
        // One plan: RIDES / 5 = 80 stations (each generator alone would make its own 80).
        assert!((72..=88).contains(&stations), "{stations} stations");
        let names: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = '{}' AND c.relkind = 'r' ORDER BY 1",
            schema.as_str()
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert!(
            !names
                .iter()
                .any(|n| n == "faker_stations" || n == "faker_rides"),
            "no mirror: {names:?}"
        );
        // A table that does not map the id cannot serve a pool: said, naming the id's field.
        let share = PgShare::join(pool().await, Some(schema.as_str()))
            .await
            .unwrap();
        let unmapped = Table::new(Some(schema.as_str()), "stations")
            .and_then(|t| t.column("name", "name"))
            .unwrap();
        let refused = share
            .pool_from_table::<Station>("stations", &unmapped)
            .await
            .err()
            .map(|e| std::error::Error::source(&e).map(ToString::to_string));
        let message = format!("{refused:?}");
        assert!(
            message.contains("no column maps the id of `Station` (its field `code`"),
            "{message}"
        );
    })
    .await;
}
