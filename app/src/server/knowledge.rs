//! Job-description administration behind the server functions and the upload route: one
//! mapping from knowledge-base errors to API errors, one audit helper, and the view builders.

use super::errors::{internal, internal_error, status};
use super::guard::Caller;
use crate::api::ApiError;
use rehearse_knowledge::{KbError, KnowledgeBase, Version};
use rehearse_types::{
    ChunkView, JdDetailView, JdSummaryView, JdVersionView, RankedChunkView, TryQuestionView,
};

/// The longest question the "try a question" box takes.
pub const MAX_QUESTION_CHARS: usize = 500;

pub fn kb(ctx: &Caller) -> Result<&KnowledgeBase, ApiError> {
    ctx.state
        .interviews
        .knowledge()
        .ok_or_else(|| internal("the knowledge base is not configured"))
}

/// The API error for a knowledge-base error: bad input is the admin's to fix (422), the rest
/// is ours (logged, with a reference).
pub fn api_error(e: KbError) -> ApiError {
    match e {
        KbError::Invalid(m) => status(ApiError::Invalid(m)),
        KbError::NotFound => status(ApiError::NotFound),
        KbError::NotSearchable(s) => status(ApiError::Invalid(format!(
            "This version is not searchable yet (it is {s})."
        ))),
        KbError::Db(e) => ApiError::from(e),
        other => internal_error(&other),
    }
}

pub async fn audit(ctx: &Caller, detail: &str) -> Result<(), ApiError> {
    ctx.audit(rehearse_db::AuditKind::JobDescriptionChanged, detail)
        .await
}

pub fn version_view(v: &Version) -> JdVersionView {
    JdVersionView {
        id: v.id.clone(),
        version: v.version,
        title: v.title.clone(),
        source: v.source.clone(),
        status: v.status,
        error: v.error.clone(),
        chunks_done: v.chunks_done,
        chunks_total: v.chunks_total,
        embedded: v.embedded,
        cached: v.cached,
        requirements: v
            .requirements
            .iter()
            .map(|r| {
                if r.expected_points.is_empty() {
                    format!("{} ({})", r.text, r.competency)
                } else {
                    format!(
                        "{} ({}); a strong answer covers: {}",
                        r.text,
                        r.competency,
                        r.expected_points.join("; ")
                    )
                }
            })
            .collect(),
        // The editor's text: each requirement, with its listed points indented under it.
        requirement_lines: v
            .requirements
            .iter()
            .flat_map(|r| {
                std::iter::once(r.text.clone())
                    .chain(r.expected_points.iter().map(|p| format!("  - {p}")))
            })
            .collect(),
        created_at: rehearse_db::format_ms(v.created_at),
        created_by: v.created_by.clone(),
    }
}

pub async fn list(ctx: &Caller) -> Result<Vec<JdSummaryView>, ApiError> {
    let kb = kb(ctx)?;
    let mut out = Vec::new();
    for jd in kb.catalog().list().await? {
        let versions = kb.catalog().versions(&jd.id).await?;
        let latest = versions.first();
        out.push(JdSummaryView {
            id: jd.id.clone(),
            title: jd.title.clone(),
            versions: versions.len() as i64,
            latest_status: latest.map(|v| v.status),
            latest_chunks: latest.map(|v| v.chunks_total).unwrap_or(0),
            created_at: rehearse_db::format_ms(jd.created_at),
            created_by: jd.created_by.clone(),
        });
    }
    Ok(out)
}

/// The job description `id`, or NotFound.
async fn existing(
    kb: &KnowledgeBase,
    id: &str,
) -> Result<rehearse_knowledge::JobDescription, ApiError> {
    kb.catalog()
        .get(id)
        .await?
        .ok_or_else(|| status(ApiError::NotFound))
}

pub async fn detail(
    ctx: &Caller,
    id: &str,
    version: Option<&str>,
) -> Result<JdDetailView, ApiError> {
    let kb = kb(ctx)?;
    let jd = existing(kb, id).await?;
    let versions = kb.catalog().versions(id).await?;
    let selected = match version.filter(|v| !v.is_empty()) {
        Some(v) => Some(
            versions
                .iter()
                .find(|x| x.id == v)
                .ok_or_else(|| status(ApiError::NotFound))?,
        ),
        None => versions.first(),
    };
    let chunks = match selected {
        Some(v) if v.status == rehearse_knowledge::VersionStatus::Ready => kb
            .chunks(&v.id)
            .await
            .map_err(api_error)?
            .into_iter()
            .map(|c| ChunkView {
                id: c.chunk_id,
                position: c.position as i64,
                section: c.section,
                text: c.text,
                flagged: c.flagged,
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(JdDetailView {
        id: jd.id.clone(),
        title: jd.title.clone(),
        deleted: jd.deleted_at.is_some(),
        selected: selected.map(|v| v.id.clone()),
        body: selected.map(|v| v.body.clone()).unwrap_or_default(),
        versions: versions.iter().map(version_view).collect(),
        chunks,
    })
}

pub async fn try_question(
    ctx: &Caller,
    version_id: &str,
    question: &str,
) -> Result<TryQuestionView, ApiError> {
    let question = question.trim();
    if question.is_empty() || question.chars().count() > MAX_QUESTION_CHARS {
        return Err(status(ApiError::Invalid(format!(
            "Ask a question of 1 to {MAX_QUESTION_CHARS} characters."
        ))));
    }
    let answer = kb(ctx)?
        .answer(version_id, question)
        .await
        .map_err(api_error)?;
    Ok(TryQuestionView {
        answer: answer.text,
        held: answer.held,
        flags: answer.flags,
        ranked: answer
            .retrieval
            .ranked
            .into_iter()
            .map(|s| RankedChunkView {
                chunk_id: s.candidate.chunk_id,
                section: s.candidate.section,
                text: s.candidate.text,
                cosine: s.candidate.cosine,
                bm25: s.candidate.bm25,
                vector_rank: s.vector_rank,
                text_rank: s.text_rank,
                rrf: s.rrf,
                coverage: s.coverage,
                rerank: s.rerank,
                passed: s.passed,
                second_look: s.second_look,
                reason: s.reason.as_ref().map(ToString::to_string),
            })
            .collect(),
    })
}

pub async fn retry(ctx: &Caller, version_id: &str) -> Result<(), ApiError> {
    let v = kb(ctx)?.retry(version_id).await.map_err(api_error)?;
    audit(
        ctx,
        &format!("retried ingestion of {} v{}", v.title, v.version),
    )
    .await
}

/// The most text the requirements editor takes.
const MAX_EDIT_CHARS: usize = 8_000;

/// Saves an admin's edit of a version's requirements, one per line, as a new version; returns
/// its number.
pub async fn edit_requirements(
    ctx: &Caller,
    version_id: &str,
    text: &str,
) -> Result<i64, ApiError> {
    if text.len() > MAX_EDIT_CHARS {
        return Err(status(ApiError::Invalid(format!(
            "The requirements are too long ({MAX_EDIT_CHARS} characters at most)."
        ))));
    }
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let added = kb(ctx)?
        .edit_requirements(version_id, &lines, ctx.actor.email.as_str())
        .await
        .map_err(api_error)?;
    audit(
        ctx,
        &format!(
            "edited the requirements of {} as v{}",
            added.version.title, added.version.version
        ),
    )
    .await?;
    Ok(added.version.version)
}

pub async fn delete(ctx: &Caller, id: &str) -> Result<(), ApiError> {
    let kb = kb(ctx)?;
    let jd = existing(kb, id).await?;
    kb.delete(id).await.map_err(api_error)?;
    audit(
        ctx,
        &format!("deleted job description {} ({})", jd.title, jd.id),
    )
    .await
}

/// Adds a job description (or a version of `jd_id`) from pasted text or an uploaded file.
pub async fn add(
    ctx: &Caller,
    jd_id: Option<&str>,
    text: Option<&str>,
    file: Option<(String, Vec<u8>)>,
) -> Result<rehearse_knowledge::kb::Added, ApiError> {
    let kb = kb(ctx)?;
    let by = ctx.actor.email.as_str();
    let added = match (file, text.map(str::trim).filter(|t| !t.is_empty())) {
        (Some((name, bytes)), None) => kb.add_file(jd_id, &name, bytes, by).await,
        (None, Some(text)) => kb.add(jd_id, "pasted", text, by).await,
        (Some(_), Some(_)) => Err(KbError::Invalid(
            "Paste text or choose a file, not both.".into(),
        )),
        (None, None) => Err(KbError::Invalid(
            rehearse_knowledge::extract::ExtractError::Empty.to_string(),
        )),
    }
    .map_err(api_error)?;
    audit(
        ctx,
        &format!(
            "added {} v{} ({})",
            added.version.title, added.version.version, added.version.source
        ),
    )
    .await?;
    Ok(added)
}
