//! Requirement extraction measured on labelled job descriptions written in prose, with labels,
//! numbered lists and bullets mixed (`tests/data/prose_jds`: each `.md` beside its `.expected`
//! labels). Prints precision and recall per posting and in total:
//! `cargo test -p rehearse-knowledge --test requirement_extraction -- --nocapture`.

use rehearse_knowledge::requirement_lines;
use rehearse_knowledge::requirements::derive_from_text;
use std::path::PathBuf;

/// Below these the test fails: most of what is extracted must be a requirement, and most
/// requirements must be extracted.
const MIN_PRECISION: f32 = 0.85;
const MIN_RECALL: f32 = 0.85;

fn postings() -> Vec<(String, String, Vec<String>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/prose_jds");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the labelled postings")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("README.md"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|md| {
            let text = std::fs::read_to_string(&md).expect("posting");
            let labels = std::fs::read_to_string(md.with_extension("expected"))
                .expect("labels")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned)
                .collect();
            let name = md.file_stem().expect("name").to_string_lossy().into_owned();
            (name, text, labels)
        })
        .collect()
}

fn matches(found: &str, label: &str) -> bool {
    let (f, l) = (found.to_lowercase(), label.to_lowercase());
    f.contains(&l) || l.contains(&f)
}

#[test]
fn extraction_is_precise_and_complete_on_labelled_postings() {
    let all = postings();
    assert!(all.len() >= 5, "{} labelled postings", all.len());
    let (mut true_pos, mut found_total, mut label_total, mut recalled) = (0, 0, 0, 0);
    let mut misses: Vec<String> = Vec::new();
    for (name, text, labels) in &all {
        let found = requirement_lines::find(text);
        let good = found
            .iter()
            .filter(|f| labels.iter().any(|l| matches(&f.text, l)))
            .count();
        let hit = labels
            .iter()
            .filter(|l| found.iter().any(|f| matches(&f.text, l)))
            .count();
        for f in found
            .iter()
            .filter(|f| !labels.iter().any(|l| matches(&f.text, l)))
        {
            misses.push(format!(
                "{name}: extracted but not a requirement: {:?}",
                f.text
            ));
        }
        for l in labels
            .iter()
            .filter(|l| !found.iter().any(|f| matches(&f.text, l)))
        {
            misses.push(format!("{name}: missed: {l:?}"));
        }
        println!(
            "{name:<28} precision {:>5.2}  recall {:>5.2}  ({good} of {} extracted, {hit} of {} labelled)",
            good as f32 / found.len().max(1) as f32,
            hit as f32 / labels.len().max(1) as f32,
            found.len(),
            labels.len()
        );
        true_pos += good;
        found_total += found.len();
        recalled += hit;
        label_total += labels.len();
        // Every posting gives an interview: at least two requirements.
        assert!(derive_from_text(text).is_ok(), "{name} is refused");
    }
    let precision = true_pos as f32 / found_total.max(1) as f32;
    let recall = recalled as f32 / label_total.max(1) as f32;
    println!(
        "{:<28} precision {precision:>5.2}  recall {recall:>5.2}",
        "total"
    );
    for m in &misses {
        println!("  {m}");
    }
    assert!(
        precision >= MIN_PRECISION && recall >= MIN_RECALL,
        "precision {precision:.2}, recall {recall:.2}:\n{}",
        misses.join("\n")
    );
}
