//! Structure-aware chunking. A job description is read as headings, bullet lists and
//! paragraphs; chunks never cross a section, keep their section's heading path and their
//! position, and a chunk that continues a section starts with the last sentence or bullet of
//! the one before it (a small overlap, so a fact split across the boundary is still found).

use sha2::{Digest, Sha256};

/// Chunks aim for this many characters and never exceed [`MAX_CHARS`] unless a single sentence
/// does. Small chunks make citations precise; MiniLM reads about 256 tokens at most.
pub const TARGET_CHARS: usize = 420;
pub const MAX_CHARS: usize = 700;
/// Overlap longer than this is skipped rather than repeated.
const MAX_OVERLAP_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// 0-based order in the document.
    pub position: usize,
    /// Heading path, such as `Backend Engineer > Requirements`; empty before any heading.
    pub section: String,
    /// The chunk's own words (overlap included), as written in the document.
    pub text: String,
    /// Whether the chunk is (mostly) a bulleted list.
    pub list: bool,
}

impl Chunk {
    /// What is embedded and full-text indexed: the heading path gives a bare bullet its context.
    pub fn indexed_text(&self) -> String {
        if self.section.is_empty() {
            self.text.clone()
        } else {
            format!("{}\n{}", self.section, self.text)
        }
    }

    /// The content hash the embedding cache is keyed by (with the model's name).
    pub fn content_hash(&self, model: &str) -> String {
        let mut h = Sha256::new();
        h.update(model.as_bytes());
        h.update([0]);
        h.update(self.indexed_text().as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Heading { level: usize, text: String },
    Bullet(String),
    Paragraph(String),
}

pub(crate) fn heading(line: &str) -> Option<(usize, String)> {
    let t = line.trim();
    let hashes = t.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
        return Some((
            hashes,
            t[hashes..].trim().trim_end_matches('#').trim().to_owned(),
        ));
    }
    // "Requirements:" alone on a line, as plain-text and PDF job descriptions write headings.
    if t.ends_with(':')
        && t.len() <= 60
        && !t.contains(". ")
        && t.split_whitespace().count() <= 6
        && t.chars().next().is_some_and(char::is_uppercase)
    {
        // Level 7: nested under any Markdown heading around it.
        return Some((7, t.trim_end_matches(':').trim().to_owned()));
    }
    None
}

pub(crate) fn bullet(line: &str) -> Option<String> {
    let t = line.trim_start();
    for marker in ["- ", "* ", "• ", "+ ", "– "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return Some(rest.trim().to_owned());
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 3 {
        let rest = &t[digits..];
        if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(rest.trim().to_owned());
        }
    }
    None
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut para: Vec<String> = Vec::new();
    let flush = |para: &mut Vec<String>, out: &mut Vec<Block>| {
        if !para.is_empty() {
            out.push(Block::Paragraph(para.join(" ")));
            para.clear();
        }
    };
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut para, &mut out);
        } else if let Some((level, h)) = heading(t) {
            flush(&mut para, &mut out);
            out.push(Block::Heading { level, text: h });
        } else if let Some(b) = bullet(line) {
            flush(&mut para, &mut out);
            out.push(Block::Bullet(b));
        } else if line.starts_with("  ")
            && matches!(out.last(), Some(Block::Bullet(_)))
            && para.is_empty()
        {
            // An indented continuation of the bullet above.
            if let Some(Block::Bullet(b)) = out.last_mut() {
                b.push(' ');
                b.push_str(t);
            }
        } else {
            para.push(t.to_owned());
        }
    }
    flush(&mut para, &mut out);
    out
}

/// Splits text into sentences, keeping their end punctuation; "e.g." and decimals survive.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        current.push(*c);
        if matches!(c, '.' | '!' | '?') {
            let next = chars.get(i + 1).copied();
            let after = chars.get(i + 2).copied();
            let ends = match next {
                None => true,
                Some(n) if n.is_whitespace() => after
                    .is_none_or(|a| a.is_uppercase() || a.is_ascii_digit() || a == '"' || a == '('),
                _ => false,
            };
            let abbreviation = current.split_whitespace().last().is_some_and(|w| {
                ["e.g.", "i.e.", "etc.", "vs."].contains(&w.to_lowercase().as_str())
            });
            if ends && !abbreviation {
                out.push(current.trim().to_owned());
                current.clear();
            }
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// An item a chunk is assembled from: a bullet or a sentence, never split further unless it
/// alone exceeds [`MAX_CHARS`].
#[derive(Debug, Clone)]
struct Item {
    text: String,
    bullet: bool,
}

/// `text` (a bullet, or a sentence of a paragraph) as items, cut at word boundaries when it is
/// longer than a chunk may be.
fn pieces(text: String, bullet: bool) -> impl Iterator<Item = Item> {
    let pieces = if text.len() > MAX_CHARS {
        hard_split(&text)
    } else {
        vec![text]
    };
    pieces.into_iter().map(move |text| Item { text, bullet })
}

fn render(items: &[Item]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            let prev_bullet = items[i - 1].bullet;
            out.push(if item.bullet || prev_bullet {
                '\n'
            } else {
                ' '
            });
        }
        if item.bullet {
            out.push_str("- ");
        }
        out.push_str(&item.text);
    }
    out
}

fn hard_split(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.len() + word.len() + 1 > MAX_CHARS {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Chunks a document (Markdown or plain text).
pub fn chunk(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut path: Vec<(usize, String)> = Vec::new();
    let mut items: Vec<Item> = Vec::new();

    let emit = |path: &[(usize, String)], items: &mut Vec<Item>, chunks: &mut Vec<Chunk>| {
        if items.is_empty() {
            return;
        }
        let section = path
            .iter()
            .map(|(_, h)| h.as_str())
            .collect::<Vec<_>>()
            .join(" > ");
        let mut current: Vec<Item> = Vec::new();
        let mut size = 0;
        let all = std::mem::take(items);
        let push = |current: &mut Vec<Item>, chunks: &mut Vec<Chunk>| {
            let bullets = current.iter().filter(|i| i.bullet).count();
            chunks.push(Chunk {
                position: chunks.len(),
                section: section.clone(),
                text: render(current),
                list: bullets * 2 > current.len(),
            });
        };
        for item in all {
            let len = item.text.len() + 3;
            if !current.is_empty()
                && size + len > TARGET_CHARS
                && (size >= TARGET_CHARS / 2 || size + len > MAX_CHARS)
            {
                push(&mut current, chunks);
                let last = current.last().cloned();
                current.clear();
                size = 0;
                if let Some(last) = last.filter(|l| l.text.len() <= MAX_OVERLAP_CHARS) {
                    size += last.text.len() + 3;
                    current.push(last);
                }
            }
            size += len;
            current.push(item);
        }
        push(&mut current, chunks);
    };

    for block in blocks(text) {
        match block {
            Block::Heading { level, text } => {
                emit(&path, &mut items, &mut chunks);
                while path.last().is_some_and(|(l, _)| *l >= level) {
                    path.pop();
                }
                path.push((level, text));
            }
            Block::Bullet(b) => items.extend(pieces(b, true)),
            Block::Paragraph(p) => {
                // A paragraph starts a new chunk when a list came before it in this section.
                if items.last().is_some_and(|i| i.bullet) {
                    emit(&path, &mut items, &mut chunks);
                }
                for s in sentences(&p) {
                    items.extend(pieces(s, false));
                }
            }
        }
    }
    emit(&path, &mut items, &mut chunks);
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    const JD: &str = "# Payments Backend Engineer\n\nWe move money for 4,000 shops. The team is twelve engineers in Lisbon and Berlin.\n\n## Requirements\n- 5+ years building services in Rust or Go\n- PostgreSQL schema design, e.g. partitioning and indexes\n- Comfortable with on-call, one week in six\n\n## Benefits\nBenefits:\n- 28 days of paid holiday\n- A yearly learning budget\n";

    #[test]
    fn sections_bullets_and_positions_are_kept() {
        let chunks = chunk(JD);
        assert_eq!(chunks.len(), 3, "{chunks:#?}");
        assert_eq!(chunks[0].section, "Payments Backend Engineer");
        assert!(chunks[0].text.starts_with("We move money for 4,000 shops."));
        assert_eq!(
            chunks[1].section,
            "Payments Backend Engineer > Requirements"
        );
        assert!(chunks[1].list);
        assert!(chunks[1]
            .text
            .contains("- PostgreSQL schema design, e.g. partitioning and indexes"));
        assert_eq!(
            chunks[2].section,
            "Payments Backend Engineer > Benefits > Benefits"
        );
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.position, i);
        }
        assert!(chunks[1]
            .indexed_text()
            .starts_with("Payments Backend Engineer > Requirements\n"));
    }

    #[test]
    fn long_sections_split_with_a_small_overlap_and_never_lose_text() {
        let written: Vec<String> = (0..30)
            .map(|i| format!("Sentence number {i} talks about topic {i} in some detail."))
            .collect();
        let text = format!("## Long\n{}", written.join(" "));
        let chunks = chunk(&text);
        assert!(chunks.len() > 2, "{chunks:#?}");
        for c in &chunks {
            assert!(c.text.len() <= MAX_CHARS, "{}", c.text.len());
            assert_eq!(c.section, "Long");
        }
        for pair in chunks.windows(2) {
            let last = sentences(&pair[0].text)
                .last()
                .cloned()
                .expect("a sentence");
            assert!(
                pair[1].text.starts_with(&last),
                "no overlap between {pair:#?}"
            );
        }
        for s in &written {
            assert!(
                chunks.iter().any(|c| c.text.contains(s.as_str())),
                "lost {s}"
            );
        }
    }

    #[test]
    fn sentences_survive_abbreviations_and_numbers() {
        assert_eq!(
            sentences("Use e.g. Kafka. Pay is 1.5 times. Done"),
            vec!["Use e.g. Kafka.", "Pay is 1.5 times.", "Done"]
        );
    }

    #[test]
    fn content_hash_depends_on_text_and_model() {
        let c = &chunk(JD)[1];
        assert_eq!(c.content_hash("m"), c.clone().content_hash("m"));
        assert_ne!(c.content_hash("m"), c.content_hash("other"));
        assert_eq!(c.content_hash("m").len(), 64);
    }

    #[test]
    fn a_huge_unbroken_line_is_split() {
        let text = "word ".repeat(1000);
        let chunks = chunk(&text);
        assert!(chunks.len() > 3);
        assert!(chunks.iter().all(|c| c.text.len() <= MAX_CHARS + 10));
    }
}
