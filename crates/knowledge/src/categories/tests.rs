//! Coverage: categories by their members, phrases, countries by their cities.

use super::*;
use crate::terms::content_stems;

fn covered(question_word: &str, passage: &str) -> bool {
    covers(&stem(question_word), &passage_stems("", passage))
}

#[test]
fn an_instance_answers_the_category_asked() {
    assert!(covered(
        "database",
        "The ledger service is backed by PostgreSQL"
    ));
    assert!(covered("databases", "Data lives in Redis and MySQL"));
    assert!(covered("pension", "A 401(k) plan with a 4% company match"));
    assert!(covered("often", "The rotation is one week in six"));
    assert!(covered("cloud", "Our pipelines run on AWS"));
    assert!(covered("language", "Our working language is English"));
    assert!(covered("cloud", "Kubernetes in UpCloud data centres"));
    assert!(covered(
        "cloud",
        "We burst to Exoscale when the queue gets long"
    ));
    assert!(covered(
        "broker",
        "Services talk to each other through RabbitMQ"
    ));
    assert!(covered("pager", "You would be on call one week in five"));
    assert!(covered("on-call", "The rota is one week in eight"));
    assert!(covered("weekend", "Some Saturday mornings in spring"));
    assert!(!covered(
        "weekend",
        "One of the Sunday Times best places to work"
    ));
    assert!(!covered(
        "weekend",
        "Thirty days of leave, counted with Saturdays included"
    ));
    assert!(!covered("pager", "A short phone call with a recruiter"));
    assert!(covered("paged", "The rota is one week in eight"));
    assert!(covered("training", "No personal learning budget"));
    assert!(covered("401k", "We contribute to a company pension fund"));
    assert!(covered(
        "vetting",
        "Every offer depends on a security clearance"
    ));
    // The word itself still counts, and an unrelated passage does not.
    assert!(covered("salary", "The salary is stated here"));
    assert!(!covered(
        "database",
        "We deploy to Kubernetes several times a day"
    ));
    assert!(!covered(
        "pension",
        "Private health insurance in every country"
    ));
}

#[test]
fn reporting_to_someone_names_the_manager() {
    let manager = stem("manager");
    assert!(phrase_members("You will report to Claire Dubreuil").contains(&manager));
    assert!(phrase_members("The team reports to the CTO").contains(&manager));
    assert!(!phrase_members("We build reporting pipelines").contains(&manager));
}

#[test]
fn a_which_question_asks_for_an_instance() {
    let ci = asked_for("Which CI system do you use?").expect("a category asked");
    assert!(names_member(&ci, &content_stems("Run our CI on Buildkite")));
    assert!(!names_member(
        &ci,
        &content_stems("A talk about a CI system you ran")
    ));
    let days = asked_for("Which days would I need to be in the office?").expect("days");
    assert!(names_member(
        &days,
        &content_stems("Be there on Tuesdays and Thursdays")
    ));
    assert!(!names_member(
        &days,
        &content_stems("Two days together at the office")
    ));
    assert_eq!(asked_for("How often are releases?"), None);
    assert_eq!(asked_for("What is the weather like?"), None);
    // Read plainly, "policy" says nothing: asked about the policy for new parents, parental
    // leave answers.
    assert_eq!(
        asked_for(&crate::terms::plain_question(
            "What is the policy for new parents?"
        )),
        Some(stem("parents"))
    );
}

#[test]
fn a_country_asked_is_covered_by_its_city() {
    let have = |text: &str| passage_stems("Where you work", text);
    assert!(covers(&stem("Finland"), &have("Our office is in Helsinki")));
    assert!(covers(
        &stem("UK"),
        &have("Two days a week in our London office")
    ));
    assert!(covers(&stem("USA"), &have("Our New York office")));
    assert!(covers(&stem("Holland"), &have("Based in Amsterdam")));
    // Another country's city, or the country for a city: no.
    assert!(!covers(&stem("Sweden"), &have("Our office is in Helsinki")));
    assert!(!covers(&stem("Helsinki"), &have("Remote within Finland")));
}

#[test]
fn an_absence_of_the_category_is_stated_only_by_a_negated_noun() {
    let cloud = stem("cloud");
    assert!(states_absence(
        &cloud,
        "We do not use a public cloud: our data stays here"
    ));
    assert!(states_absence(&cloud, "We don't run on any cloud."));
    assert!(states_absence(
        &stem("broker"),
        "There is no message broker in the stack"
    ));
    assert!(!states_absence(&cloud, "No cloud experience needed"));
    assert!(!states_absence(
        &cloud,
        "No prior cloud or Kubernetes experience needed"
    ));
    assert!(!states_absence(&cloud, "No previous experience with cloud"));
    assert!(!states_absence(
        &cloud,
        "We use no Terraform; cloud and on-prem are managed with Ansible"
    ));
    assert!(!states_absence(
        &stem("background"),
        "You do not need a background in operations research"
    ));
    assert!(!states_absence(&cloud, "Cloud costs are not shared"));
    assert!(!states_absence(&cloud, "We run on Google Cloud"));
}
