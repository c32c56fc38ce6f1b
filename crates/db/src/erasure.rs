//! Erasing an account and what it left behind, in the caller's transaction.
//!
//! The account row goes, and with it (by `ON DELETE CASCADE`) its sign-in identities, mailed
//! links, tracked sessions, interviews, their messages and the reviews of those messages.
//! What does not hang off the account by a foreign key is handled here: model-call traces
//! (which keep full prompts) are deleted; jobs about it or its interviews (account mail,
//! turns, summaries) are deleted; the spend ledger keeps its amounts (the global daily ceiling must not forget money spent) but
//! loses the account and interview ids. The audit log keeps every row, with the account's
//! address replaced by its [`pseudonym`] wherever it appears (the only update the log's
//! triggers allow besides counting folded repeats).

use crate::DbError;
use sqlx::{AnyConnection, Row};

/// What the audit log calls an erased account: no address, only the start of its id, which
/// still ties its rows together for an investigation.
pub fn pseudonym(user_id: &str) -> String {
    let prefix: String = user_id.chars().take(8).collect();
    format!("deleted user {prefix}")
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    pub interviews: u64,
    pub traces: u64,
    pub audit_rows_pseudonymised: u64,
}

/// Erases account `user_id` (whose address is `email`) inside the caller's transaction, so the
/// caller's audit event commits with it or not at all. [`DbError::NotFound`] if there is no
/// such account.
pub async fn erase_account(
    conn: &mut AnyConnection,
    user_id: &str,
    email: &str,
) -> Result<Erased, DbError> {
    let alias = pseudonym(user_id);
    let interviews: Vec<String> = sqlx::query("SELECT id FROM interviews WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
    delete_jobs_about(conn, user_id, email, &interviews).await?;
    let mut traces = 0;
    for interview_id in &interviews {
        traces += sqlx::query("DELETE FROM model_calls WHERE interview_id = $1")
            .bind(interview_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        sqlx::query("UPDATE spend SET user_id = NULL, interview_id = NULL WHERE interview_id = $1")
            .bind(interview_id)
            .execute(&mut *conn)
            .await?;
    }
    traces += sqlx::query("DELETE FROM model_calls WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("UPDATE spend SET user_id = NULL WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;

    let mut audit = 0;
    for column in ["actor", "subject"] {
        let sql = format!(
            "UPDATE audit_events SET {column}_email = $1 \
             WHERE {column}_email IS NOT NULL AND {column}_email <> $1 \
             AND ({column}_user_id = $2 OR {column}_email = $3)"
        );
        audit += sqlx::query(&sql)
            .bind(&alias)
            .bind(user_id)
            .bind(email)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }

    let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(DbError::NotFound);
    }
    Ok(Erased {
        interviews: interviews.len() as u64,
        traces,
        audit_rows_pseudonymised: audit,
    })
}

/// Deletes the jobs, pending or finished, whose typed payload names the account (its id or
/// address: account mail) or one of its interviews (turns, summaries). Payloads are read as
/// JSON rather than matched with `LIKE`, where `_` in an address would be a wildcard.
async fn delete_jobs_about(
    conn: &mut AnyConnection,
    user_id: &str,
    email: &str,
    interviews: &[String],
) -> Result<(), DbError> {
    let rows = sqlx::query("SELECT id, payload FROM jobs")
        .fetch_all(&mut *conn)
        .await?;
    for row in rows {
        let payload: String = row.try_get("payload")?;
        if !names_any(&payload, user_id, email, interviews) {
            continue;
        }
        let id: String = row.try_get("id")?;
        sqlx::query("DELETE FROM jobs WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Whether a job payload names the account or one of its interviews.
fn names_any(payload: &str, user_id: &str, email: &str, interviews: &[String]) -> bool {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(payload)
    else {
        return false;
    };
    let field = |name: &str| fields.get(name).and_then(|v| v.as_str());
    field("user_id") == Some(user_id)
        || field("email").is_some_and(|e| e.eq_ignore_ascii_case(email))
        || field("interview_id").is_some_and(|id| interviews.iter().any(|i| i == id))
}

#[cfg(test)]
mod tests {
    use super::{names_any, pseudonym};

    #[test]
    fn jobs_about_the_account_or_its_interviews_are_found() {
        let interviews = vec!["i-1".to_owned()];
        let about = |payload: &str| names_any(payload, "u-1", "a_b@x.io", &interviews);
        assert!(about(r#"{"interview_id":"i-1","message_id":"m"}"#));
        assert!(about(r#"{"mail":"verify_email","user_id":"u-1"}"#));
        assert!(about(r#"{"mail":"password_reset","email":"A_B@x.io"}"#));
        assert!(!about(r#"{"mail":"password_reset","email":"axb@x.io"}"#));
        assert!(!about(r#"{"interview_id":"i-2"}"#));
        assert!(!about(r#"{"version_id":"v"}"#));
        assert!(!about("not json"));
    }

    #[test]
    fn the_pseudonym_keeps_no_address() {
        let alias = pseudonym("3f2a9c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b");
        assert_eq!(alias, "deleted user 3f2a9c1e");
    }
}
