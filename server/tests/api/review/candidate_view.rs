//! What the candidate can reach: every view of an interview as text, its event stream read
//! briefly among them. The decision scenarios check what is (not) in them.

use crate::interviews::{connect, read_some};
use crate::support::Client;

/// Everything the candidate can fetch about the interview, as text.
pub(super) async fn everything_the_candidate_sees(candidate: &Client, id: &str) -> String {
    let detail = candidate
        .server_fn_text("interview_detail", &[("id", id)])
        .await;
    let history = candidate.server_fn_text("my_interviews", &[]).await;
    let page = candidate
        .http
        .get(candidate.url(&format!("/interviews/{id}")))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("page body");
    let first = read_some(connect(candidate, id).await).await;
    let traces = candidate.server_fn_text("list_traces", &[]).await;
    format!("{detail}\n{history}\n{page}\n{first}\n{traces}")
}
