//! The interview's two narrow seams to the knowledge base: where roles come from
//! ([`RoleSource`]) and who answers a candidate's questions about one ([`RoleAnswerer`]), with
//! a typed reference to a role ([`RoleRef`]) instead of a string prefix checked in several
//! places. The service holds the seams as traits, so the turn and the verdict on its answers
//! can be tested with doubles, without SurrealDB or an embedding model; the knowledge base
//! implements both ([`crate::kb_roles`]).

use crate::roles::Role;
use crate::service::{RoleAnswerConfig, ServiceError};
use rehearse_knowledge::generative::Generated;
use rehearse_knowledge::Answer;
use rehearse_llm::gateway::{CallContext, Gateway};

/// Which role an interview is about, as stored on the interview (`role_slug`): a built-in
/// sample by its slug, or an uploaded job-description version, which the interview pins.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RoleRef {
    Sample(String),
    Version(String),
}

/// How a version's reference is written in a role slug.
const VERSION_PREFIX: &str = "jd:";

impl RoleRef {
    /// Reads a stored or submitted role slug.
    pub fn parse(slug: &str) -> RoleRef {
        match slug.strip_prefix(VERSION_PREFIX) {
            Some(version_id) => RoleRef::Version(version_id.to_owned()),
            None => RoleRef::Sample(slug.to_owned()),
        }
    }

    /// The slug stored on the interview and used in links and filters.
    pub fn slug(&self) -> String {
        match self {
            RoleRef::Sample(slug) => slug.clone(),
            RoleRef::Version(id) => format!("{VERSION_PREFIX}{id}"),
        }
    }
}

impl std::fmt::Display for RoleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.slug())
    }
}

/// An uploaded role and whether it can be searched yet (an interview starts only on one that
/// can).
#[derive(Debug, Clone)]
pub struct SourcedRole {
    pub role: Role,
    pub searchable: bool,
}

/// Where roles beyond the built-in samples come from.
#[async_trait::async_trait]
pub trait RoleSource: Send + Sync {
    /// The role a job-description version describes, if the version exists.
    async fn version(&self, version_id: &str) -> Result<Option<SourcedRole>, ServiceError>;
    /// The newest searchable version of every job description, as roles.
    async fn searchable(&self) -> Result<Vec<Role>, ServiceError>;
}

/// Who answers a candidate's questions about a role from its job description. Both ways come
/// back as a [`rehearse_knowledge::Answer`] with citations and its grounding, which the
/// service's one verdict then decides on.
#[async_trait::async_trait]
pub trait RoleAnswerer: Send + Sync {
    /// Quotes the passages that answer (no model call); `Err` says why it could not search.
    async fn quote(&self, role: &RoleRef, question: &str) -> Result<Answer, String>;

    /// Has the model write the answer from the role's passages only, as an agent with one
    /// allow-listed search tool, under `config`'s limits.
    async fn write(
        &self,
        gateway: &Gateway,
        ctx: CallContext,
        role: &RoleRef,
        question: &str,
        config: RoleAnswerConfig,
    ) -> Generated;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_slug_reads_back_as_what_it_names() {
        assert_eq!(
            RoleRef::parse("backend-rust"),
            RoleRef::Sample("backend-rust".into())
        );
        let version = RoleRef::parse("jd:0b5e");
        assert_eq!(version, RoleRef::Version("0b5e".into()));
        assert_eq!(version.slug(), "jd:0b5e");
        assert_eq!(RoleRef::parse(&version.to_string()), version);
    }
}
