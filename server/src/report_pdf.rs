//! The feedback report as a PDF, made on the server from the same view the report page shows:
//! the overall score, then per requirement its score, competency, the evidence quoted from the
//! candidate, the rationale, and for a score of 3 or less what a strong answer would cover.
//! Plain A4 pages in Helvetica, one of the fonts every PDF reader carries, so nothing is
//! embedded; text outside Windows-1252 (the font's encoding) is written as `?`.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};
use rehearse_types::{InterviewView, ReportView};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY_SIZE: f32 = 10.0;
const LEADING: f32 = 14.0;
/// Characters per line at the body size: Helvetica averages about half an em per character.
const WRAP: usize = 92;

/// One line of the document and its size.
struct Line {
    text: String,
    size: f32,
}

/// The report of `interview` as a PDF; None when it has no report yet.
pub fn render(interview: &InterviewView) -> Option<Vec<u8>> {
    let report = interview.report.as_ref()?;
    Some(write(&lines(interview, report)))
}

fn lines(interview: &InterviewView, report: &ReportView) -> Vec<Line> {
    let mut out = Vec::new();
    let mut push = |text: String, size: f32| {
        let width = if size > BODY_SIZE {
            (WRAP as f32 * BODY_SIZE / size) as usize
        } else {
            WRAP
        };
        for piece in wrap(&text, width) {
            out.push(Line { text: piece, size });
        }
    };
    push(
        format!("Interview feedback: {}", interview.role_title),
        16.0,
    );
    push(
        format!(
            "{} interview ({}). Overall score {:.1} out of 5.",
            interview.kind.label(),
            interview.difficulty.label(),
            report.overall
        ),
        BODY_SIZE,
    );
    if let Some(degraded) = &report.degraded {
        push(format!("Note: {degraded}"), BODY_SIZE);
    }
    if report.under_review {
        push(
            "Under review: a reviewer is checking this report; these scores come from the automatic signals."
                .to_owned(),
            BODY_SIZE,
        );
    }
    push(String::new(), BODY_SIZE);
    for s in &report.scores {
        push(format!("{}: {} out of 5", s.requirement, s.score), 12.0);
        push(format!("Competency: {}", s.competency), BODY_SIZE);
        if let Some(source) = &s.source {
            push(
                format!("Stated in the job description: {source}"),
                BODY_SIZE,
            );
        }
        if let Some(evidence) = &s.evidence {
            push(format!("You said: \"{evidence}\""), BODY_SIZE);
        }
        push(s.rationale.clone(), BODY_SIZE);
        if let Some(strong) = &s.strong_answer {
            push(format!("A strong answer would cover: {strong}"), BODY_SIZE);
        }
        if let Some(short) = &s.fell_short {
            push(format!("Where yours fell short: \"{short}\""), BODY_SIZE);
        }
        push(String::new(), BODY_SIZE);
    }
    for (title, items) in [
        ("Strengths", &report.strengths),
        ("To work on", &report.improvements),
    ] {
        if items.is_empty() {
            continue;
        }
        push(title.to_owned(), 12.0);
        for item in items {
            push(format!("- {item}"), BODY_SIZE);
        }
        push(String::new(), BODY_SIZE);
    }
    out
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word stands on
/// a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// Text in the font's encoding (Windows-1252): ASCII as it is, the typographic marks a
/// candidate or a job description commonly uses mapped, anything else `?`.
fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '…' => 0x85,
            _ => b'?',
        })
        .collect()
}

fn write(lines: &[Line]) -> Vec<u8> {
    let per_page = ((PAGE_HEIGHT - 2.0 * MARGIN) / LEADING) as usize;
    let pages: Vec<&[Line]> = lines.chunks(per_page.max(1)).collect();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let font_name = Name(b"F1");
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(4 + 2 * i as i32))
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    pdf.type1_font(font)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (page_lines, id) in pages.iter().zip(&page_ids) {
        let contents = Ref::new(id.get() + 1);
        let mut page = pdf.page(*id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(contents);
        page.resources().fonts().pair(font_name, font);
        drop(page);
        let mut content = Content::new();
        let mut y = PAGE_HEIGHT - MARGIN;
        for line in page_lines.iter() {
            if !line.text.is_empty() {
                content.begin_text();
                content.set_font(font_name, line.size);
                content.next_line(MARGIN, y);
                content.show(Str(&encode(&line.text)));
                content.end_text();
            }
            y -= LEADING;
        }
        pdf.stream(contents, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces_within_the_width() {
        let lines = wrap("one two three four five six", 9);
        assert_eq!(lines, ["one two", "three", "four five", "six"]);
        assert!(lines.iter().all(|l| l.len() <= 9));
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn text_is_written_in_the_fonts_encoding() {
        assert_eq!(encode("Rust – “fast”"), b"Rust \x96 \x93fast\x94".to_vec());
        assert_eq!(encode("€90k"), b"\x8090k".to_vec());
        assert_eq!(encode("日本"), b"??".to_vec());
    }
}
