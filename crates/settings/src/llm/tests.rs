//! The model settings' validation: prices, free endpoints, niceness.

use super::*;

fn hosted(provider: LlmProvider) -> LlmSettings {
    LlmSettings {
        provider,
        model: Some("some-model".into()),
        api_key: Some(SecretString::from("sk-test".to_owned())),
        ..LlmSettings::default()
    }
}

#[test]
fn a_hosted_provider_without_prices_is_refused() {
    for provider in [LlmProvider::Openai, LlmProvider::Anthropic] {
        let (field, message) = hosted(provider).validate().expect_err("unpriced");
        assert_eq!(field, "input_usd_per_mtok");
        assert!(message.contains("REHEARSE_LLM__FREE=true"), "{message}");
        assert!(message.contains("ceiling"), "{message}");
    }
}

#[test]
fn a_hosted_provider_needs_both_prices() {
    let mut s = hosted(LlmProvider::Openai);
    s.input_usd_per_mtok = 3.0;
    let (field, _) = s.validate().expect_err("no output price");
    assert_eq!(field, "output_usd_per_mtok");
    s.output_usd_per_mtok = 15.0;
    assert_eq!(s.validate(), Ok(()));
    assert_eq!(s.pricing_problem(), None);
}

#[test]
fn an_endpoint_declared_free_needs_no_prices_and_takes_none() {
    let mut s = hosted(LlmProvider::Openai);
    s.free = true;
    assert_eq!(s.validate(), Ok(()));
    s.input_usd_per_mtok = 1.0;
    let (field, _) = s.validate().expect_err("free and priced");
    assert_eq!(field, "free");
}

#[test]
fn the_local_model_runs_below_the_server_within_nice_range() {
    let mut s = LlmSettings::default();
    assert_eq!(s.niceness, 10);
    s.niceness = 20;
    assert_eq!(s.validate().expect_err("past 19").0, "niceness");
    s.niceness = -1;
    assert_eq!(s.validate().expect_err("raising").0, "niceness");
    s.niceness = 0;
    assert_eq!(s.validate(), Ok(()));
}

#[test]
fn the_local_model_is_free_by_nature() {
    assert_eq!(LlmSettings::default().validate(), Ok(()));
    assert_eq!(LlmSettings::default().pricing_problem(), None);
}
