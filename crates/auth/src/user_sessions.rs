//! Each account's signed-in sessions: when they began, when they were last used, from which
//! browser and network; ending one; and their absolute lifetime (ASVS 5.0 7.3).
//!
//! A session-store record is opaque and keyed by its cookie's value, which changes at every
//! sign-in, so a signed-in session also carries a random tracking id inside its record (never
//! in a cookie) naming a row of `user_sessions`. A session signs someone in only while its row
//! exists, belongs to that account, and is within both lifetimes:
//! - the idle timeout (`session_idle_hours`, which the session cookie also carries);
//! - the absolute lifetime from sign-in, however active the session: shorter for reviewers and
//!   admins, whose sessions reach everyone's data. It is judged by the account's role now, so
//!   a promotion shortens live sessions at once.
//!
//! Ending a session deletes its row; the browser holding it is signed out at its next request.

use crate::policy::Actor;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use rehearse_db::{now_ms, Db, DbError};
use rehearse_types::Role;
use std::net::IpAddr;
use std::time::Duration;

/// How long a session may last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    /// Ends a session this long after its last use.
    pub idle: Duration,
    /// Ends a candidate's session this long after sign-in.
    pub candidate: Duration,
    /// Ends a reviewer's or admin's session this long after sign-in.
    pub staff: Duration,
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        SessionLifetimes {
            idle: Duration::from_secs(7 * 24 * 3600),
            candidate: Duration::from_secs(7 * 24 * 3600),
            staff: Duration::from_secs(12 * 3600),
        }
    }
}

impl SessionLifetimes {
    /// The absolute lifetime for an account with `role`.
    pub fn absolute(&self, role: Role) -> Duration {
        match role {
            Role::Candidate => self.candidate,
            Role::Reviewer | Role::Admin => self.staff,
        }
    }

    /// When a session that began at `created_at` and was last used at `last_seen_at` ends, in
    /// milliseconds since the epoch, for an account with `role`.
    pub fn ends_at(&self, role: Role, created_at: i64, last_seen_at: i64) -> i64 {
        let by_age = created_at.saturating_add(millis(self.absolute(role)));
        let by_idleness = last_seen_at.saturating_add(millis(self.idle));
        by_age.min(by_idleness)
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A signed-in session as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserSession {
    pub id: String,
    pub user_id: String,
    /// The account's session epoch when it began (see `users.session_epoch`).
    pub epoch: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// As the browser sent it, cut to [`MAX_USER_AGENT`] characters; empty when unknown.
    pub user_agent: String,
    /// The client's network, not its address: [`network`].
    pub network: String,
}

/// The longest user-agent string kept.
pub const MAX_USER_AGENT: usize = 256;

/// Last-seen times are written at most this often per session, so a busy page does not write
/// on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

const COLUMNS: &str = "id, user_id, epoch, created_at, last_seen_at, user_agent, network";

/// The coarse network of a client, shown instead of its address: the /24 of an IPv4 address,
/// the /48 of an IPv6 one. Enough to tell "my office" from "somewhere else".
pub fn network(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

fn clean_user_agent(user_agent: &str) -> String {
    user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT)
        .collect()
}

fn new_id() -> String {
    use std::fmt::Write;
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// The `user_sessions` table.
#[derive(Debug, Clone)]
pub struct UserSessions {
    db: Db,
    lifetimes: SessionLifetimes,
}

impl UserSessions {
    pub fn new(db: &Db, lifetimes: SessionLifetimes) -> Self {
        UserSessions {
            db: db.clone(),
            lifetimes,
        }
    }

    pub fn lifetimes(&self) -> SessionLifetimes {
        self.lifetimes
    }

    /// Records a session just signed in to `user_id` (in the account's session `epoch`);
    /// returns its tracking id, to keep in the session record.
    pub async fn begin(
        &self,
        user_id: &str,
        epoch: i64,
        user_agent: &str,
        ip: Option<IpAddr>,
    ) -> Result<String, DbError> {
        let id = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO user_sessions (id, user_id, epoch, created_at, last_seen_at, \
             user_agent, network) VALUES ($1, $2, $3, $4, $4, $5, $6)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(epoch)
        .bind(now)
        .bind(clean_user_agent(user_agent))
        .bind(ip.map(network).unwrap_or_default())
        .execute(self.db.pool())
        .await?;
        Ok(id)
    }

    /// Whether the tracked session `id` still signs `actor` in. The caller has already
    /// checked the session against the account's current epoch. A session past either lifetime
    /// is ended here (its row deleted) and answers false, as does one that was ended or belongs
    /// to another account. A live one has its last-seen time refreshed (at most once a
    /// minute), and its epoch brought up to date if the session was carried into a new epoch.
    pub async fn check(&self, id: &str, actor: &Actor) -> Result<bool, DbError> {
        let Some(session) = self.get(id).await? else {
            return Ok(false);
        };
        if session.user_id != actor.user_id {
            return Ok(false);
        }
        let now = now_ms();
        let ends_at = self
            .lifetimes
            .ends_at(actor.role, session.created_at, session.last_seen_at);
        if now >= ends_at {
            self.end(id).await?;
            return Ok(false);
        }
        if now - session.last_seen_at >= TOUCH_EVERY_MS || session.epoch != actor.session_epoch {
            sqlx::query("UPDATE user_sessions SET last_seen_at = $1, epoch = $2 WHERE id = $3")
                .bind(now)
                .bind(actor.session_epoch)
                .bind(id)
                .execute(self.db.pool())
                .await?;
        }
        Ok(true)
    }

    pub async fn get(&self, id: &str) -> Result<Option<UserSession>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM user_sessions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?;
        row.as_ref().map(rehearse_db::read_row).transpose()
    }

    /// The live sessions of an account whose role is `role` and session epoch is `epoch`,
    /// most recently used first. Sessions that have ended (by a lifetime, or by an older
    /// epoch) are deleted on the way.
    pub async fn list(
        &self,
        user_id: &str,
        epoch: i64,
        role: Role,
    ) -> Result<Vec<UserSession>, DbError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM user_sessions WHERE user_id = $1 \
             ORDER BY last_seen_at DESC, created_at DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .fetch_all(self.db.pool())
            .await?;
        let now = now_ms();
        let mut live = Vec::with_capacity(rows.len());
        for row in &rows {
            let session: UserSession = rehearse_db::read_row(row)?;
            let ends_at = self
                .lifetimes
                .ends_at(role, session.created_at, session.last_seen_at);
            let ended = session.epoch != epoch || now >= ends_at;
            if ended {
                self.end(&session.id).await?;
            } else {
                live.push(session);
            }
        }
        Ok(live)
    }

    /// Ends one session; true if it existed.
    pub async fn end(&self, id: &str) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM user_sessions WHERE id = $1")
            .bind(id)
            .execute(self.db.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of `user_id` except `keep`; returns how many were ended.
    pub async fn end_others(&self, user_id: &str, keep: &str) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM user_sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(self.db.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes rows that can no longer be live whatever the account's role: unused for longer
    /// than the idle timeout, or older than the longer absolute lifetime. Run periodically.
    pub async fn delete_expired(&self) -> Result<u64, DbError> {
        let now = now_ms();
        let longest = self.lifetimes.candidate.max(self.lifetimes.staff);
        let done =
            sqlx::query("DELETE FROM user_sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(now.saturating_sub(millis(self.lifetimes.idle)))
                .bind(now.saturating_sub(millis(longest)))
                .execute(self.db.pool())
                .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_coarse() {
        assert_eq!(
            network("203.0.113.77".parse().expect("ip")),
            "203.0.113.0/24"
        );
        assert_eq!(
            network("2001:db8:abcd:12:1::9".parse().expect("ip")),
            "2001:db8:abcd::/48"
        );
        assert_eq!(
            network("::ffff:198.51.100.4".parse().expect("ip")),
            "198.51.100.0/24",
            "an IPv4-mapped address is shown as IPv4"
        );
    }

    #[test]
    fn staff_sessions_end_sooner_and_idleness_ends_any() {
        let l = SessionLifetimes {
            idle: Duration::from_secs(3600),
            candidate: Duration::from_secs(7 * 24 * 3600),
            staff: Duration::from_secs(12 * 3600),
        };
        let day = 24 * 3_600_000;
        // Used every few minutes, the candidate's session lasts its week; the admin's does not.
        assert_eq!(l.ends_at(Role::Candidate, 0, 7 * day - 60_000), 7 * day);
        assert_eq!(l.ends_at(Role::Admin, 0, 11 * 3_600_000), 12 * 3_600_000);
        assert_eq!(l.ends_at(Role::Reviewer, 0, 0), 3_600_000, "idle first");
    }

    #[test]
    fn user_agents_are_cut_and_cleaned() {
        assert_eq!(clean_user_agent("a\nb\u{7}c"), "abc");
        assert_eq!(clean_user_agent(&"x".repeat(1000)).len(), MAX_USER_AGENT);
    }

    #[test]
    fn ids_are_128_random_bits() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
