//! The cases the readings of a candidate's words (a category by its member, a phrase, a
//! country by its city, a denial, a stated absence, a line just under the floor) must never
//! answer: each a line about the topic that does not state what was asked.

use super::tests::one_chunk;
use super::*;

#[test]
fn the_readings_that_help_answer_never_answer_what_is_not_stated() {
    for (question, section, text) in [
        // The pay guard reads the whole question, the asker's own sentences included.
        (
            "I currently earn £60k. Would you match that?",
            "Benefits",
            "- A 401(k) with a 4% company match",
        ),
        // "Off" in "day off" or "off-site" is not leave.
        (
            "How much vacation do I get?",
            "How we work",
            "- On-call one week in six, with one day off after each week\n- A quarterly off-site",
        ),
        // A time of day is an hour, not "full-time".
        (
            "Is this full-time?",
            "How we work",
            "- Core hours 10:00-16:00",
        ),
        // Asked how engineers are compensated, a line about a code base is no answer.
        (
            "How are engineers compensated?",
            "Stack",
            "- Our code base is Rust and we pay for conference travel",
        ),
        // "Move" is no relocation package, though the stem now meets "moving".
        (
            "Is there a relocation package if I move to Lisbon?",
            "Visas",
            "- We can sponsor a Portuguese work visa if you choose to move to Lisbon",
        ),
        // The EU stated is Europe asked only where Europe is no place of work.
        (
            "Do you have an office in Europe?",
            "Visas",
            "- If you come from outside the EU, we sponsor your visa",
        ),
        // Being part of a team counts no interview rounds; a challenge is no test.
        (
            "How many interview rounds are there?",
            "Your team",
            "- You will be part of a team of five",
        ),
        (
            "Is there a coding test?",
            "About you",
            "- You love a challenge",
        ),
        // Outside a hiring process, an assessment is no test and parts or stages are no rounds.
        (
            "Is there a test?",
            "What you'll do",
            "- Lead security assessments for our partners",
        ),
        (
            "How many interview rounds are there?",
            "What you'll do",
            "- You will own two parts of our billing platform",
        ),
        (
            "How many interview rounds are there?",
            "How we ship",
            "- Our CI pipeline has five stages",
        ),
        // A city's name that is a person's is no place.
        (
            "Can I work from Italy?",
            "Your team",
            "- You would report to Milan Novák, our Head of Platform",
        ),
        // A city states its own country, not another one, and a country says nothing of a city.
        (
            "Is the job based in Sweden?",
            "Where you work",
            "- Our office is in central Helsinki",
        ),
        (
            "Is the office in Helsinki?",
            "Where you work",
            "- Remote within Finland",
        ),
        // The pager's words meet the rota, not a line that merely says "call".
        (
            "How often would I carry the pager?",
            "Hiring",
            "- A short call with a recruiter",
        ),
        // Being on call is not a phone call, however the question writes it.
        (
            "Is there any on-call or weekend work?",
            "Selection procedure",
            "1. A 30-minute screening call with the head of data, in Dutch or English",
        ),
        (
            "How often am I on call?",
            "Hiring",
            "- A video call with two engineers",
        ),
        // No experience of a cloud asked is no statement that there is none.
        (
            "Which cloud provider do you use?",
            "About you",
            "- No cloud experience needed, we will teach you",
        ),
        // Health insurance is health, but health is not insurance.
        (
            "Is there mental health support?",
            "Benefits",
            "- Hospitalisation insurance for you and your family",
        ),
        (
            "Do you provide private health cover?",
            "What you'll do",
            "- You will build APIs over private medical records",
        ),
        // Time off and parents, each on its own line, are no parental leave.
        (
            "How long is parental leave?",
            "Benefits",
            "- Time off: 25 days a year\n- Childcare vouchers for parents",
        ),
        // "Fully" is not full-time, and a rotation of keys is no on-call.
        (
            "Is this a full-time position?",
            "Where you work",
            "- We are fully remote within the EU",
        ),
        (
            "Is there any on-call?",
            "What you'll do",
            "- Automate secrets rotation across all services",
        ),
        // A Sunday newspaper is no weekend work.
        (
            "Do I have to work weekends?",
            "About us",
            "- Named one of the Sunday Times best places to work",
        ),
        // No experience of a thing, or no shared one, is no statement that there is none.
        (
            "Which cloud provider do you use?",
            "About you",
            "- No prior cloud or Kubernetes experience needed",
        ),
        (
            "What message broker do you use?",
            "Systems",
            "- No shared broker: each service owns its queue",
        ),
        // The asker's own place counts when the question points back to it.
        (
            "I live in Glasgow. Is there an office near me?",
            "Where you work",
            "- Our office is in central London",
        ),
        // Alternatives guessed at a "which" question are no answer when nothing answers the
        // "which".
        (
            "Which cloud do you use, AWS or Azure?",
            "Systems",
            "- Services are written in Go and tested on every merge",
        ),
        // The review's cases: paying for a cost is no insurance cover; tests are no homework;
        // "annual" is no category of its own; "not streaming" states no absent queue; a
        // denial after a comma or of a description answers nothing; "be there" points back.
        (
            "Will the company pay for a certification?",
            "Benefits",
            "- Private health insurance for you and your family",
        ),
        (
            "Will I have to do homework?",
            "How we work",
            "- You will write tests for everything you ship",
        ),
        (
            "What annual leave allowance do new starters get?",
            "Benefits",
            "- An annual learning budget of 1,000 euros",
        ),
        (
            "Which queue do you use?",
            "Systems",
            "- Our pipelines are batch, not streaming.",
        ),
        (
            "Is there a daily stand-up meeting?",
            "How we work",
            "- Quiet Fridays, no meetings\n- Deploys are not daily, they go out weekly",
        ),
        (
            "I'm in Porto. Could the job be there?",
            "Where you work",
            "- Our office is in central Lisbon",
        ),
        // A rate is not what is counted.
        (
            "How much is the learning budget per year?",
            "Benefits",
            "- 30 days of paid holiday per year",
        ),
        // A place named before "office" is asked.
        (
            "Could I work out of your Dundee office?",
            "Where you work",
            "- Our office is on Union Street in Aberdeen",
        ),
        // A denial of something else answers no yes/no question.
        (
            "Is there a gym membership?",
            "Systems",
            "- We do not use Kubernetes: our services run on plain VMs",
        ),
    ] {
        let a = one_chunk(question, section, text);
        assert_eq!(a.text, NOT_STATED, "{question}: {a:#?}");
    }
}
