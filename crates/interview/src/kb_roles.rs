//! The knowledge base behind the interview's seams ([`crate::role_source`]): uploaded
//! job-description versions as roles, and answers about any role from its passages. A sample
//! role is answered from its built-in job description, stored in the knowledge base on first
//! use, so it goes through the same retrieval, grounding check and verdict as an upload.

use crate::role_source::{RoleAnswerer, RoleRef, RoleSource, SourcedRole};
use crate::roles::{self, Role};
use crate::service::{RoleAnswerConfig, ServiceError};
use rehearse_knowledge::generative::{self, GaveUp, Generated};
use rehearse_knowledge::{Answer, KnowledgeBase, VersionStatus};
use rehearse_llm::gateway::{CallContext, Gateway};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The knowledge base as the interview's role source and answerer.
#[derive(Clone)]
pub struct KbRoles {
    kb: KnowledgeBase,
    /// The searchable built-in version of each sample asked about so far: a sample's text is
    /// fixed for the life of the process, so it is looked up (and stored, the first time) once,
    /// not on every question.
    samples: Arc<Mutex<HashMap<String, String>>>,
}

impl KbRoles {
    pub fn new(kb: KnowledgeBase) -> Self {
        KbRoles {
            kb,
            samples: Arc::default(),
        }
    }

    /// The version searched for `role`: the one an uploaded role's interview pinned, or a
    /// sample's built-in job description.
    async fn version_of(&self, role: &RoleRef) -> Result<String, String> {
        match role {
            RoleRef::Version(id) => Ok(id.clone()),
            RoleRef::Sample(slug) => {
                let known = self
                    .samples
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get(slug)
                    .cloned();
                if let Some(version_id) = known {
                    return Ok(version_id);
                }
                let sample = roles::find(slug).ok_or_else(|| format!("no sample role {slug}"))?;
                let version = self
                    .kb
                    .built_in(slug, &roles::description(&sample))
                    .await
                    .map_err(|e| e.to_string())?;
                self.samples
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(slug.clone(), version.id.clone());
                Ok(version.id)
            }
        }
    }
}

#[async_trait::async_trait]
impl RoleSource for KbRoles {
    async fn version(&self, version_id: &str) -> Result<Option<SourcedRole>, ServiceError> {
        Ok(self
            .kb
            .catalog()
            .version(version_id)
            .await?
            .map(|v| SourcedRole {
                searchable: v.status == VersionStatus::Ready,
                role: roles::from_version(&v),
            }))
    }

    async fn searchable(&self) -> Result<Vec<Role>, ServiceError> {
        Ok(self
            .kb
            .catalog()
            .ready_latest()
            .await?
            .iter()
            .map(roles::from_version)
            .collect())
    }
}

#[async_trait::async_trait]
impl RoleAnswerer for KbRoles {
    async fn quote(&self, role: &RoleRef, question: &str) -> Result<Answer, String> {
        let version = self.version_of(role).await?;
        self.kb
            .answer(&version, question)
            .await
            .map_err(|e| e.to_string())
    }

    async fn write(
        &self,
        gateway: &Gateway,
        ctx: CallContext,
        role: &RoleRef,
        question: &str,
        config: RoleAnswerConfig,
    ) -> Generated {
        match self.version_of(role).await {
            Ok(version) => {
                generative::answer(
                    &self.kb,
                    gateway,
                    ctx,
                    &version,
                    question,
                    config.max_tokens,
                    config.limits,
                )
                .await
            }
            Err(e) => Generated {
                answer: Err(GaveUp::Search(e)),
                calls: Vec::new(),
            },
        }
    }
}
