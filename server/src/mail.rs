//! Account mail at start: the SMTP transport (or the log when none is configured), the outbox
//! worker that sends `send_mail` jobs, and the flows that queue them.

use rehearse_auth::mail::Mailer;
use rehearse_auth::outbox::Outbox;
use rehearse_auth::throttle::LoginThrottle;
use rehearse_auth::verify::Verification;
use rehearse_db::Db;
use rehearse_settings::Settings;
use std::net::SocketAddr;
use std::sync::Arc;

/// Builds the mailer and the flows, and spawns the mail worker beside the server. `bound` is
/// the address the server listens on, for links when no public URL is configured.
pub fn start(
    settings: &Settings,
    db: &Db,
    throttle: Arc<LoginThrottle>,
    bound: SocketAddr,
) -> anyhow::Result<Verification> {
    let mailer = Mailer::new(&settings.mail)?;
    if mailer.logs_only() {
        tracing::warn!(
            "no SMTP server is configured (REHEARSE_MAIL__HOST): account mail, links included, \
             is written to this log instead of sent; configure one in production"
        );
    }
    let outbox = Outbox::new(db, mailer, link_base(settings, bound)?, &settings.mail);
    let verification = Verification::new(db, throttle, outbox.waker());
    outbox.spawn_worker();
    Ok(verification)
}

/// Where mailed links point: the public URL, else this server's own address. Never a request's
/// Host header: whoever sends the request chooses it, and would receive the victim's link.
fn link_base(settings: &Settings, bound: SocketAddr) -> anyhow::Result<url::Url> {
    if let Some(url) = &settings.public_url {
        return Ok(url.clone());
    }
    let base = if bound.ip().is_unspecified() {
        format!("http://localhost:{}", bound.port())
    } else {
        format!("http://{bound}")
    };
    Ok(url::Url::parse(&base)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_point_at_the_public_url_else_at_this_server() {
        let mut settings = rehearse_settings::load_from(
            None,
            figment::providers::Env::prefixed("REHEARSE_TEST_UNUSED_"),
        )
        .expect("settings");
        let bound: SocketAddr = "127.0.0.1:4321".parse().expect("addr");
        assert_eq!(
            link_base(&settings, bound).expect("url").as_str(),
            "http://127.0.0.1:4321/"
        );
        let any: SocketAddr = "0.0.0.0:3000".parse().expect("addr");
        assert_eq!(
            link_base(&settings, any).expect("url").as_str(),
            "http://localhost:3000/"
        );
        settings.public_url = Some(url::Url::parse("https://rehearse.example/").expect("url"));
        assert_eq!(
            link_base(&settings, bound).expect("url").as_str(),
            "https://rehearse.example/"
        );
    }
}
