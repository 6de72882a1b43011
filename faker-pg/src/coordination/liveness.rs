//! Liveness: a generator is alive while one of its sessions holds the advisory lock named by its
//! token. Shared pools use it to take over the slots of a dead generator, targets to free the
//! leases of one. A leaf: both depend on it, it depends on nothing of the crate.

use sqlx::{PgConnection, PgPool};

/// Draws a random token and takes its liveness lock on a connection of `pool`, detached from the
/// pool: the generator is alive exactly as long as that connection stays open.
///
/// A random token rather than the backend pid: pids are reused, and a live session with a dead
/// owner's pid would make its slots look held forever.
pub(crate) async fn hold(pool: &PgPool) -> Result<(i64, PgConnection), sqlx::Error> {
    let mut alive = pool.acquire().await?.detach();
    let token: i64 = sqlx::query_scalar("SELECT (random() * 9.2e18)::bigint")
        .fetch_one(&mut alive)
        .await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(token)
        .execute(&mut alive)
        .await?;
    Ok((token, alive))
}

/// An SQL boolean: whether the generator with token `owner` (an SQL expression) is alive,
/// i.e. some session of this database holds its liveness lock. A `bigint` advisory key shows
/// in `pg_locks` split into `classid` (high half) and `objid` (low half), `objsubid` 1.
pub(crate) fn alive_sql(owner: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_locks l
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND l.classid = (({owner} >> 32) & 4294967295)::oid
                   AND l.objid = ({owner} & 4294967295)::oid)"
    )
}
