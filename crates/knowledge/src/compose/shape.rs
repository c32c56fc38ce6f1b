//! What a line or a question says by its shape rather than its words: a time of day ("10:00
//! to 15:00" answers a question about hours), a question that asks yes or no.

/// Whether a text states a time of day: "10:00", "9:30", "5pm", "9 a.m.".
pub(super) fn states_a_time_of_day(text: &str) -> bool {
    // One or two digits, a colon, two digits, and no digit, dot or colon either side:
    // "10:00", not "1:100" or "127.0.0.1:8080".
    let chars: Vec<char> = text.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let joins = |i: usize| {
        chars
            .get(i)
            .is_some_and(|c| c.is_ascii_digit() || ".:".contains(*c))
    };
    let clock = (0..chars.len()).any(|colon| {
        if chars[colon] != ':' || colon == 0 || !digit(colon - 1) {
            return false;
        }
        let start = if colon >= 2 && digit(colon - 2) {
            colon - 2
        } else {
            colon - 1
        };
        digit(colon + 1)
            && digit(colon + 2)
            && !joins(colon + 3)
            && (start == 0 || !joins(start - 1))
    });
    let hour = |x: &str| !x.is_empty() && x.len() <= 2 && x.chars().all(|c| c.is_ascii_digit());
    let words = crate::terms::words(text);
    clock
        || words.iter().enumerate().any(|(i, w)| {
            let meridiem = |x: &str| matches!(x, "am" | "pm" | "a.m" | "p.m");
            let joined = w.strip_suffix("am").or_else(|| w.strip_suffix("pm"));
            joined.is_some_and(hour) || (meridiem(w) && i > 0 && hour(&words[i - 1]))
        })
}

/// Whether a question asks yes or no ("Would I have to carry a pager?", "Is there a bonus?"):
/// it opens with an auxiliary verb.
pub(super) fn asks_yes_or_no(question: &str) -> bool {
    const OPENERS: &[&str] = &[
        "is", "are", "am", "do", "does", "did", "can", "could", "will", "would", "should", "shall",
        "must", "may", "have", "has",
    ];
    crate::terms::words(question)
        .first()
        .is_some_and(|w| OPENERS.contains(&w.as_str()))
}
