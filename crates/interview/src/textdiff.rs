//! Diffs between two texts, for people to read: a prompt's versions line by line, a reviewer's
//! edit of a held answer word by word. Every piece is tagged `-` (removed), `+` (added) or ` `
//! (kept), so the pieces give back both texts: the kept and removed ones the old text, the
//! kept and added ones the new.

use similar::{ChangeTag, TextDiff};

/// A tagged piece of a diff: `-` removed, `+` added, ` ` kept.
pub type Piece = (char, String);

fn tag(change: ChangeTag) -> char {
    match change {
        ChangeTag::Delete => '-',
        ChangeTag::Insert => '+',
        ChangeTag::Equal => ' ',
    }
}

/// Line by line; the pieces carry no line ending.
pub fn lines(old: &str, new: &str) -> Vec<Piece> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| (tag(c.tag()), c.value().trim_end_matches('\n').to_owned()))
        .collect()
}

/// Word by word, whitespace kept (so joining the pieces gives back the texts exactly), with
/// neighbouring pieces of the same kind joined into one.
pub fn words(old: &str, new: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for change in TextDiff::from_words(old, new).iter_all_changes() {
        let t = tag(change.tag());
        match out.last_mut() {
            Some((last, text)) if *last == t => text.push_str(change.value()),
            _ => out.push((t, change.value().to_owned())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(pieces: &[Piece], keep: char) -> String {
        pieces
            .iter()
            .filter(|(t, _)| *t == ' ' || *t == keep)
            .map(|(_, s)| s.as_str())
            .collect()
    }

    #[test]
    fn lines_tag_each_line() {
        assert_eq!(
            lines("a\nb\n", "a\nc\n"),
            vec![
                (' ', "a".to_owned()),
                ('-', "b".to_owned()),
                ('+', "c".to_owned())
            ]
        );
    }

    #[test]
    fn words_give_back_both_texts() {
        let old = "The salary is 95,000 EUR [1].\nAsk the recruiter.";
        let new = "The salary is not stated.\nAsk the recruiter.";
        let d = words(old, new);
        assert_eq!(side(&d, '-'), old);
        assert_eq!(side(&d, '+'), new);
        assert!(d.iter().any(|(t, s)| *t == '-' && s.contains("95,000")));
        assert!(d.iter().any(|(t, s)| *t == '+' && s.contains("stated.")));
        assert_eq!(d[0], (' ', "The salary is ".to_owned()));
        // Neighbours of one kind are joined.
        assert!(d.windows(2).all(|w| w[0].0 != w[1].0));
    }

    #[test]
    fn identical_texts_are_all_kept() {
        assert_eq!(
            words("same text", "same text"),
            vec![(' ', "same text".to_owned())]
        );
        assert!(words("", "").is_empty());
    }
}
