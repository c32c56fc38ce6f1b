use super::*;
use figment::Jail;

#[test]
fn defaults_need_no_configuration() {
    Jail::expect_with(|_| {
        let s = from_env().map_err(|e| e.to_string())?;
        assert_eq!(s.database_url(), "sqlite://data/rehearse.db");
        assert!(!s.https());
        Ok(())
    });
}

#[test]
fn bad_value_names_the_key() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_LOGIN_ATTEMPTS_PER_IP", "many");
        let err = from_env().expect_err("must fail").to_string();
        assert!(err.contains("REHEARSE_LOGIN_ATTEMPTS_PER_IP"), "{err}");
        Ok(())
    });
}

#[test]
fn bad_database_url_names_the_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_DATABASE_URL", "mysql://x");
        let err = from_env().expect_err("must fail").to_string();
        assert!(err.contains("REHEARSE_DATABASE_URL"), "{err}");
        Ok(())
    });
}

#[test]
fn bootstrap_admins_from_a_comma_separated_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_BOOTSTRAP_ADMINS", "a@x.io, B@x.io");
        let s = from_env().map_err(|e| e.to_string())?;
        assert_eq!(
            s.bootstrap_admins,
            vec!["a@x.io".to_owned(), "B@x.io".to_owned()]
        );
        assert!(s.is_bootstrap_admin("b@x.io"));
        Ok(())
    });
}

#[test]
fn hosted_model_settings_are_checked() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_LLM__PROVIDER", "anthropic");
        jail.set_env("REHEARSE_LLM__MODEL", "claude-sonnet-4-5");
        let err = from_env().expect_err("no key").to_string();
        assert!(err.contains("REHEARSE_LLM__API_KEY"), "{err}");
        jail.set_env("REHEARSE_LLM__API_KEY", "sk-ant-secret-value");
        // Unpriced, every cost ceiling would be inert: refused until priced.
        let err = from_env().expect_err("no prices").to_string();
        assert!(err.contains("REHEARSE_LLM__INPUT_USD_PER_MTOK"), "{err}");
        jail.set_env("REHEARSE_LLM__INPUT_USD_PER_MTOK", "3");
        jail.set_env("REHEARSE_LLM__OUTPUT_USD_PER_MTOK", "15");
        let s = from_env().map_err(|e| e.to_string())?;
        assert!(!format!("{s:?}").contains("sk-ant-secret-value"));
        jail.set_env("REHEARSE_BUDGET__PER_INTERVIEW_USD", "-1");
        let err = from_env().expect_err("negative").to_string();
        assert!(err.contains("REHEARSE_BUDGET__PER_INTERVIEW_USD"), "{err}");
        Ok(())
    });
}

#[test]
fn generative_answers_need_a_model_declared_capable_and_never_the_local_one() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_KNOWLEDGE__ANSWERS", "generative");
        let err = from_env().expect_err("not capable").to_string();
        assert!(err.contains("REHEARSE_LLM__CAPABLE=true"), "{err}");
        jail.set_env("REHEARSE_LLM__CAPABLE", "true");
        let err = from_env().expect_err("local is never capable").to_string();
        assert!(err.contains("REHEARSE_LLM__CAPABLE"), "{err}");
        jail.set_env("REHEARSE_LLM__PROVIDER", "openai");
        jail.set_env("REHEARSE_LLM__MODEL", "gpt-4o-mini");
        jail.set_env("REHEARSE_LLM__FREE", "true");
        let s = from_env().map_err(|e| e.to_string())?;
        assert!(s.llm.capable);
        assert_eq!(s.knowledge.answers, crate::AnswerMode::Generative);
        assert_eq!(s.llm.agent_max_iterations, 4);
        Ok(())
    });
}

#[test]
fn the_minilm_runtime_is_onnx_unless_candle_is_chosen() {
    Jail::expect_with(|jail| {
        let s = from_env().map_err(|e| e.to_string())?;
        assert_eq!(s.knowledge.minilm_runtime, crate::MiniLmRuntime::Onnx);
        assert!(s
            .onnxruntime_library()
            .ends_with("models/onnxruntime/libonnxruntime.so"));
        // Beside a MiniLM directory given on its own.
        jail.set_env("REHEARSE_KNOWLEDGE__MINILM_DIR", "/srv/models/minilm");
        let s = from_env().map_err(|e| e.to_string())?;
        assert_eq!(
            s.onnxruntime_library(),
            std::path::PathBuf::from("/srv/models/onnxruntime/libonnxruntime.so")
        );
        jail.set_env("REHEARSE_KNOWLEDGE__MINILM_RUNTIME", "candle");
        jail.set_env("REHEARSE_KNOWLEDGE__ONNXRUNTIME_LIBRARY", "/opt/ort/lib.so");
        let s = from_env().map_err(|e| e.to_string())?;
        assert_eq!(s.knowledge.minilm_runtime, crate::MiniLmRuntime::Candle);
        assert_eq!(
            s.onnxruntime_library(),
            std::path::PathBuf::from("/opt/ort/lib.so")
        );
        jail.set_env("REHEARSE_KNOWLEDGE__MINILM_RUNTIME", "tensorflow");
        let err = from_env().expect_err("unknown runtime").to_string();
        assert!(err.contains("tensorflow"), "{err}");
        Ok(())
    });
}

#[test]
fn review_rules_per_topic_and_unknown_topics_are_refused() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_REVIEW__TOPICS__HEALTH", "when_ungrounded");
        let s = from_env().map_err(|e| e.to_string())?;
        assert_eq!(
            s.review.topics.get("health"),
            Some(&crate::review::SensitiveHold::WhenUngrounded)
        );
        jail.set_env("REHEARSE_REVIEW__TOPICS__WEATHER", "always");
        let err = from_env().expect_err("unknown topic").to_string();
        assert!(err.contains("REHEARSE_REVIEW__TOPICS"), "{err}");
        assert!(err.contains("weather"), "{err}");
        Ok(())
    });
}

#[test]
fn an_unpriced_hosted_endpoint_starts_only_when_declared_free() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_LLM__PROVIDER", "openai");
        jail.set_env("REHEARSE_LLM__MODEL", "smollm2");
        jail.set_env("REHEARSE_LLM__BASE_URL", "http://127.0.0.1:8080/v1");
        let err = from_env().expect_err("unpriced").to_string();
        assert!(err.contains("REHEARSE_LLM__INPUT_USD_PER_MTOK"), "{err}");
        assert!(err.contains("REHEARSE_LLM__FREE=true"), "{err}");
        jail.set_env("REHEARSE_LLM__FREE", "true");
        let s = from_env().map_err(|e| e.to_string())?;
        assert!(s.llm.free);
        Ok(())
    });
}

#[test]
fn quotas_and_retention_have_defaults_and_refuse_zero() {
    Jail::expect_with(|jail| {
        let s = from_env().map_err(|e| e.to_string())?;
        assert_eq!(s.quotas.interviews_per_day, 20);
        assert_eq!(s.quotas.messages_per_interview, 200);
        assert_eq!(s.retention.trace_days, 90);
        jail.set_env("REHEARSE_QUOTAS__MESSAGES_PER_INTERVIEW", "0");
        let err = from_env().expect_err("zero").to_string();
        assert!(
            err.contains("REHEARSE_QUOTAS__MESSAGES_PER_INTERVIEW"),
            "{err}"
        );
        jail.set_env("REHEARSE_QUOTAS__MESSAGES_PER_INTERVIEW", "5");
        jail.set_env("REHEARSE_RETENTION__TRACE_DAYS", "0");
        let err = from_env().expect_err("zero days").to_string();
        assert!(err.contains("REHEARSE_RETENTION__TRACE_DAYS"), "{err}");
        Ok(())
    });
}

#[test]
fn unknown_key_is_refused() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_DATABSE_URL", "sqlite://x");
        let err = from_env().expect_err("must fail").to_string();
        assert!(err.contains("databse_url"), "{err}");
        Ok(())
    });
}

#[test]
fn oauth_providers_from_nested_variables_and_secrets_stay_hidden() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_OAUTH__CORP__KIND", "oidc");
        jail.set_env("REHEARSE_OAUTH__CORP__ISSUER", "http://127.0.0.1:9");
        jail.set_env("REHEARSE_OAUTH__CORP__CLIENT_ID", "rehearse");
        jail.set_env("REHEARSE_OAUTH__CORP__CLIENT_SECRET", "hunter2-very-secret");
        jail.set_env("REHEARSE_PUBLIC_URL", "http://127.0.0.1:3000");
        jail.set_env(
            "REHEARSE_DATABASE_URL",
            "postgres://u:pg-password@localhost/db",
        );
        let s = from_env().map_err(|e| e.to_string())?;
        let provider = &s.oauth["corp"];
        assert_eq!(provider.issuer_url().as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(provider.label("corp"), "corp");
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains("pg-password"), "{debug}");
        Ok(())
    });
}

#[test]
fn oidc_without_issuer_names_the_key() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_OAUTH__CORP__KIND", "oidc");
        jail.set_env("REHEARSE_OAUTH__CORP__CLIENT_ID", "rehearse");
        let err = from_env().expect_err("must fail").to_string();
        assert!(err.contains("REHEARSE_OAUTH__CORP__ISSUER"), "{err}");
        Ok(())
    });
}

/// A provider that needs nothing but the URLs under test.
fn corp_provider(jail: &mut Jail, issuer: &str) {
    jail.set_env("REHEARSE_OAUTH__CORP__KIND", "oidc");
    jail.set_env("REHEARSE_OAUTH__CORP__CLIENT_ID", "rehearse");
    jail.set_env("REHEARSE_OAUTH__CORP__ISSUER", issuer);
}

#[test]
fn oauth_needs_a_public_url() {
    Jail::expect_with(|jail| {
        corp_provider(jail, "https://sso.example.com");
        let err = from_env().expect_err("no public URL").to_string();
        assert!(err.contains("REHEARSE_PUBLIC_URL"), "{err}");
        assert!(err.contains("Host header"), "{err}");
        jail.set_env("REHEARSE_PUBLIC_URL", "https://rehearse.example.com");
        from_env().map_err(|e| e.to_string())?;
        Ok(())
    });
}

#[test]
fn oauth_refuses_a_plain_http_public_url_off_loopback() {
    Jail::expect_with(|jail| {
        corp_provider(jail, "https://sso.example.com");
        for url in ["http://rehearse.example.com", "http://192.168.1.20:3000"] {
            jail.set_env("REHEARSE_PUBLIC_URL", url);
            let err = from_env().expect_err(url).to_string();
            assert!(err.contains("REHEARSE_PUBLIC_URL"), "{url}: {err}");
            assert!(err.contains("https://"), "{url}: {err}");
        }
        Ok(())
    });
}

#[test]
fn oauth_refuses_a_plain_http_issuer_off_loopback() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_PUBLIC_URL", "https://rehearse.example.com");
        corp_provider(jail, "http://sso.example.com");
        let err = from_env().expect_err("http issuer").to_string();
        assert!(err.contains("REHEARSE_OAUTH__CORP__ISSUER"), "{err}");
        assert!(err.contains("https://"), "{err}");
        corp_provider(jail, "https://sso.example.com/realms/staff");
        from_env().map_err(|e| e.to_string())?;
        Ok(())
    });
}

#[test]
fn plain_http_is_accepted_on_loopback_only() {
    Jail::expect_with(|jail| {
        for (public, issuer) in [
            ("http://127.0.0.1:3000", "http://127.0.0.1:9000"),
            ("http://localhost:3000", "http://localhost:9000"),
            ("http://[::1]:3000", "http://[::1]:9000"),
        ] {
            jail.set_env("REHEARSE_PUBLIC_URL", public);
            corp_provider(jail, issuer);
            from_env().map_err(|e| format!("{public} / {issuer}: {e}"))?;
        }
        Ok(())
    });
}

#[test]
fn without_oauth_the_public_url_may_be_absent_or_plain_http() {
    Jail::expect_with(|jail| {
        from_env().map_err(|e| e.to_string())?;
        jail.set_env("REHEARSE_PUBLIC_URL", "http://rehearse.internal:3000");
        from_env().map_err(|e| e.to_string())?;
        Ok(())
    });
}

#[test]
fn github_needs_the_public_url_too() {
    Jail::expect_with(|jail| {
        jail.set_env("REHEARSE_OAUTH__GH__KIND", "github");
        jail.set_env("REHEARSE_OAUTH__GH__CLIENT_ID", "Iv1.abc");
        let err = from_env().expect_err("no public URL").to_string();
        assert!(err.contains("REHEARSE_PUBLIC_URL"), "{err}");
        jail.set_env("REHEARSE_PUBLIC_URL", "https://rehearse.example.com");
        from_env().map_err(|e| e.to_string())?;
        Ok(())
    });
}

#[test]
fn proxy_hops_default_to_none_and_the_old_switch_means_one() {
    Jail::expect_with(|jail| {
        assert_eq!(from_env().map_err(|e| e.to_string())?.proxy_hops(), 0);
        jail.set_env("REHEARSE_TRUST_FORWARDED_FOR", "true");
        assert_eq!(from_env().map_err(|e| e.to_string())?.proxy_hops(), 1);
        jail.set_env("REHEARSE_TRUSTED_PROXY_HOPS", "2");
        assert_eq!(from_env().map_err(|e| e.to_string())?.proxy_hops(), 2);
        jail.set_env("REHEARSE_TRUSTED_PROXY_HOPS", "99");
        let err = from_env().expect_err("too many hops").to_string();
        assert!(err.contains("REHEARSE_TRUSTED_PROXY_HOPS"), "{err}");
        Ok(())
    });
}

#[test]
fn file_values_are_overridden_by_environment() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "r.toml",
            "login_attempts_per_ip = 7\nsession_idle_hours = 3\n",
        )?;
        jail.set_env("REHEARSE_SESSION_IDLE_HOURS", "9");
        let s = load_from(
            Some(Path::new("r.toml")),
            Env::prefixed("REHEARSE_").split("__"),
        )
        .map_err(|e| e.to_string())?;
        assert_eq!(s.login_attempts_per_ip, 7);
        assert_eq!(s.session_idle_hours, 9);
        Ok(())
    });
}
