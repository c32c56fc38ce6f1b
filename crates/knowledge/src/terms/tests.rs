//! Stems, compounds, fillers and what a question asks.

use super::*;

#[test]
fn two_word_terms_are_one_stem() {
    assert_eq!(
        content_stems("Is there any on-call or weekend work?"),
        vec!["on-call", "weekend"]
    );
    assert_eq!(
        content_stems("A 30-minute screening call"),
        vec!["30", "minut", "screen", "call"]
    );
    assert_eq!(
        content_stems("Is this full time?"),
        content_stems("It is full-time")
    );
    assert_ne!(
        content_stems("fully remote")[0],
        content_stems("full-time")[0]
    );
}

#[test]
fn tags_and_offered_examples_are_not_asked() {
    assert_eq!(
        plain_question("Could I work part-time, say four days a week?"),
        "Could I work part-time?"
    );
    assert_eq!(
        plain_question("I only speak English, is that a problem?"),
        "I speak English, ?"
    );
    // "Offer" stays: without it, "Do you offer a car lease?" is half answered by a bike
    // lease.
    assert_eq!(
        plain_question("Do you offer a gym membership?"),
        "Do you offer a gym membership?"
    );
}

#[test]
fn a_silent_e_is_no_difference() {
    assert_eq!(stem("coding"), stem("code"));
    assert_eq!(stem("leaves"), stem("leave"));
    assert_eq!(stem("compensated"), stem("compensate"));
    // Short words keep their e, and plurals still meet their singular.
    assert_eq!(stem("use"), "use");
    assert_eq!(stem("fee"), "fee");
    assert_eq!(stem("indexes"), stem("index"));
}

#[test]
fn pager_words_are_searched_with_the_rota_words() {
    assert!(with_job_description_words("Will I get paged at night?").contains("on call"));
    assert!(with_job_description_words("Who carries the pager?").contains("on call"));
    // Only those words, and the question itself is kept.
    assert_eq!(
        with_job_description_words("How big is the team?"),
        "How big is the team?"
    );
    assert!(with_job_description_words("Is there a page on the wiki?").ends_with('?'));
}

#[test]
fn stems_meet_their_plural_but_pay_does_not_meet_payments() {
    assert_eq!(stem("indexes"), stem("index"));
    assert_eq!(stem("deploying"), "deploy");
    assert_eq!(stem("policies"), "policy");
    assert_ne!(stem("pay"), stem("payments"));
}

#[test]
fn a_question_is_read_without_what_the_asker_says_about_themself() {
    assert_eq!(
        plain_question("I'm not an EU citizen. Can you help me get a work permit?"),
        "Can you help me get a work permit?"
    );
    // A question that is only a statement keeps it.
    assert_eq!(
        plain_question("I'd like to know the salary."),
        "I'd like to know the salary."
    );
    // Context that is not about the asker stays.
    assert_eq!(
        plain_question("The ad mentions on-call. How often is it?"),
        "The ad mentions on-call. How often is it?"
    );
}

#[test]
fn paying_for_a_cost_is_covering_it_but_pay_for_a_role_is_pay() {
    assert_eq!(
        plain_question("Will the company pay for a certification like OSCP?"),
        "Will the company cover a certification like OSCP?"
    );
    assert_eq!(
        plain_question("Do you pay for my flights?"),
        "Do you cover my flights?"
    );
    for pay in [
        "What do you pay for a senior engineer?",
        "What is the pay for this role?",
        "What is the pay for the training period?",
        "Is there extra pay for conference talks?",
        "How much would you pay for someone with five years?",
    ] {
        assert_eq!(plain_question(pay), pay);
    }
}

#[test]
fn fillers_go_only_when_something_else_is_asked() {
    assert_eq!(
        plain_question("How much PTO would I actually get?"),
        "How much PTO would I get?"
    );
    assert_eq!(
        plain_question("What is the policy for new parents?"),
        "What is the for new parents?"
    );
    assert_eq!(plain_question("What's the policy?"), "What's the policy?");
}

#[test]
fn content_words_drop_stop_words_and_keep_technologies() {
    assert_eq!(
        content_stems("What is the on-call rotation for the C++ and Node.js services?"),
        vec!["on-call", "rotation", "c++", "node.j", "servic"]
    );
}
