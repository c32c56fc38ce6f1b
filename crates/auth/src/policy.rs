//! The access policy: every route and server function asks here, and nowhere else, whether the
//! caller may proceed. Checks name the roles they accept explicitly; there is no role hierarchy
//! to reason about.

use rehearse_types::{CurrentUser, Role};

/// The signed-in caller, resolved from the session against the database on every request, so a
/// role change or a deleted account takes effect immediately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The account's current session epoch: a session begun in an older epoch has been ended.
    pub session_epoch: i64,
    /// Whether the account's email address is confirmed (see [`may_hold`]).
    pub email_verified: bool,
}

impl Actor {
    pub fn view(&self) -> CurrentUser {
        CurrentUser {
            id: self.user_id.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            review_queue: None,
            email_verified: self.email_verified,
        }
    }
}

/// Why access was refused. `Unauthenticated` maps to 401 (sign in first), `Forbidden` to 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("sign in to continue")]
    Unauthenticated,
    #[error("you do not have access to this page")]
    Forbidden,
}

/// Staff who may see any candidate's data.
pub const STAFF: &[Role] = &[Role::Reviewer, Role::Admin];
pub const ADMIN: &[Role] = &[Role::Admin];
pub const ANY_ROLE: &[Role] = &Role::ALL;

/// Whether an account may hold `role`: the staff roles (reviewer, admin) need a confirmed email
/// address, so an address someone merely typed at sign-up never carries staff rights.
pub fn may_hold(role: Role, email_verified: bool) -> bool {
    email_verified || role == Role::Candidate
}

/// The caller must be signed in with one of `allowed`.
pub fn require_role<'a>(
    actor: Option<&'a Actor>,
    allowed: &[Role],
) -> Result<&'a Actor, AccessError> {
    let actor = actor.ok_or(AccessError::Unauthenticated)?;
    if allowed.contains(&actor.role) {
        Ok(actor)
    } else {
        Err(AccessError::Forbidden)
    }
}

/// Candidate data: its owner may access it, and so may staff in `staff`.
pub fn require_owner_or<'a>(
    actor: Option<&'a Actor>,
    owner_id: &str,
    staff: &[Role],
) -> Result<&'a Actor, AccessError> {
    let actor = actor.ok_or(AccessError::Unauthenticated)?;
    if actor.user_id == owner_id || staff.contains(&actor.role) {
        Ok(actor)
    } else {
        Err(AccessError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: "u1".into(),
            email: "u1@x.io".into(),
            display_name: "U".into(),
            role,
            session_epoch: 0,
            email_verified: true,
        }
    }

    #[test]
    fn roles() {
        assert_eq!(require_role(None, ADMIN), Err(AccessError::Unauthenticated));
        let c = actor(Role::Candidate);
        assert_eq!(require_role(Some(&c), ADMIN), Err(AccessError::Forbidden));
        assert_eq!(require_role(Some(&c), STAFF), Err(AccessError::Forbidden));
        assert!(require_role(Some(&c), ANY_ROLE).is_ok());
        let a = actor(Role::Admin);
        assert!(require_role(Some(&a), ADMIN).is_ok());
        let r = actor(Role::Reviewer);
        assert_eq!(require_role(Some(&r), ADMIN), Err(AccessError::Forbidden));
    }

    #[test]
    fn ownership() {
        let c = actor(Role::Candidate);
        assert!(require_owner_or(Some(&c), "u1", STAFF).is_ok());
        assert_eq!(
            require_owner_or(Some(&c), "u2", STAFF),
            Err(AccessError::Forbidden)
        );
        let r = actor(Role::Reviewer);
        assert!(require_owner_or(Some(&r), "u2", STAFF).is_ok());
        assert_eq!(
            require_owner_or(None, "u1", STAFF),
            Err(AccessError::Unauthenticated)
        );
    }

    #[test]
    fn staff_roles_need_a_confirmed_address() {
        assert!(may_hold(Role::Candidate, false));
        assert!(!may_hold(Role::Reviewer, false));
        assert!(!may_hold(Role::Admin, false));
        assert!(may_hold(Role::Reviewer, true));
        assert!(may_hold(Role::Admin, true));
    }
}
