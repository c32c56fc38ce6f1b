//! PDF uploads: a PDF with a text layer is read; one without (a scan) gets its own error.

use rehearse_knowledge::extract::{extract_file, ExtractError};

/// A one-page PDF with `content` as its page's content stream, built with a correct xref table.
fn pdf(content: &str, with_font: bool) -> Vec<u8> {
    let resources = if with_font {
        "/Resources << /Font << /F1 5 0 R >> >>"
    } else {
        ""
    };
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R {resources} >>"
        ),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

const LINES: &[&str] = &[
    "Data Pipeline Engineer",
    "You will build the event pipeline that feeds our analytics and billing systems.",
    "Requirements:",
    "- Five years of experience building streaming systems with Kafka",
    "- Strong SQL and data modelling skills for analytical warehouses",
    "- Experience operating services on Kubernetes in production",
    "We work from Porto and remotely within European time zones.",
];

#[test]
fn a_pdf_with_a_text_layer_is_read() {
    let mut stream = String::from("BT /F1 11 Tf 72 740 Td 14 TL\n");
    for line in LINES {
        stream.push_str(&format!(
            "({}) Tj T*\n",
            line.replace('(', "\\(").replace(')', "\\)")
        ));
    }
    stream.push_str("ET");
    let text = extract_file("role.pdf", &pdf(&stream, true), 1 << 20).expect("read");
    assert!(text.contains("Kafka"), "{text}");
    assert!(text.contains("Porto"), "{text}");
    let reqs = rehearse_knowledge::requirements::derive_from_text(&text).expect("requirements");
    // The duty sentence and the three bulleted requirements; the title and the sentence about
    // the office are not requirements.
    let texts: Vec<&str> = reqs.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert!(
        texts[0].starts_with("You will build the event pipeline"),
        "{texts:?}"
    );
}

#[test]
fn a_pdf_without_text_is_refused_as_a_scan() {
    let drawing = "0.5 g 72 72 400 600 re f";
    assert_eq!(
        extract_file("scan.pdf", &pdf(drawing, false), 1 << 20),
        Err(ExtractError::PdfNoText)
    );
}

#[test]
fn a_truncated_pdf_is_refused_not_a_crash() {
    let mut bytes = pdf("BT /F1 11 Tf 72 740 Td (Hello) Tj ET", true);
    bytes.truncate(bytes.len() / 2);
    assert!(matches!(
        extract_file("broken.pdf", &bytes, 1 << 20),
        Err(ExtractError::PdfUnreadable(_) | ExtractError::PdfNoText)
    ));
}
