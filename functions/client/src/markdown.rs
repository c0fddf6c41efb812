//! Article bodies: CommonMark (with tables and strikethrough) rendered by `pulldown-cmark`,
//! whose parser runs in linear time on any input, then cleaned by `ammonia`. The author's raw
//! HTML is shown as text, links go only to `http(s)`, `mailto` or this site, and headings
//! start at `<h2>` (the page's title is its `<h1>`).

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

/// Whether a link target is safe to follow: web and mail addresses, or paths of this site.
fn safe_href(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        || (lower.starts_with('/') && !lower.starts_with("//"))
        || lower.starts_with('#')
}

/// One level down: the article's `#` is the page's second level.
fn demoted(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// What may reach the page, whatever the renderer let through: the tags Markdown makes,
/// links with safe schemes and `rel="nofollow noopener"`, no scripts, styles or handlers.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut cleaner = ammonia::Builder::empty();
    cleaner
        .tags(HashSet::from([
            "p",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "ul",
            "ol",
            "li",
            "blockquote",
            "pre",
            "code",
            "em",
            "strong",
            "del",
            "a",
            "img",
            "hr",
            "br",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ]))
        .tag_attributes(
            [
                ("a", HashSet::from(["href"])),
                ("img", HashSet::from(["src", "alt", "title"])),
                ("ol", HashSet::from(["start"])),
            ]
            .into(),
        )
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("nofollow noopener"));
    cleaner
});

/// How deep quotes and lists may nest; deeper ones are flattened into the level above. The
/// HTML cleaner's cost grows faster than linearly with nesting depth (160,000 nested quotes
/// took minutes), and no article needs more.
const MAX_NESTING: usize = 16;

/// Quotes and lists: the blocks that nest.
fn is_container(tag: &Tag<'_>) -> bool {
    matches!(tag, Tag::BlockQuote(_) | Tag::List(_) | Tag::Item)
}

fn is_container_end(tag: &TagEnd) -> bool {
    matches!(tag, TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item)
}

/// The source with each line's run of opening quote and list markers cut at [`MAX_NESTING`]:
/// the marker after that is escaped into text. The parser's cost grows with the square of
/// the containers one line opens (160,000 `> ` took seconds), so this keeps it linear; more
/// depth than this can only come from indentation, which costs input quadratic in depth.
fn flatten_deep_lines(source: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut line_start = 0;
    for line in source.split_inclusive('\n') {
        if let Some(cut) = excess_marker(line) {
            let text = out.get_or_insert_with(|| String::with_capacity(source.len() + 16));
            text.push_str(&source[copied..line_start + cut]);
            text.push('\\');
            copied = line_start + cut;
        }
        line_start += line.len();
    }
    match out {
        Some(mut text) => {
            text.push_str(&source[copied..]);
            Cow::Owned(text)
        }
        None => Cow::Borrowed(source),
    }
}

/// Where, in a line, the marker that would open container number `MAX_NESTING + 1` sits
/// (for an ordered item, its `.` or `)`), if the line opens that many.
fn excess_marker(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut at = 0;
    let mut opened = 0;
    loop {
        while bytes.get(at).is_some_and(|b| *b == b' ' || *b == b'\t') {
            at += 1;
        }
        let marker = match bytes.get(at) {
            Some(b'>') => at,
            Some(b'-' | b'*' | b'+') if bytes.get(at + 1).is_some_and(u8::is_ascii_whitespace) => {
                at
            }
            Some(b'0'..=b'9') => {
                let digits = bytes[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let delimiter = at + digits;
                let ordered = digits <= 9
                    && matches!(bytes.get(delimiter), Some(b'.' | b')'))
                    && bytes
                        .get(delimiter + 1)
                        .is_some_and(u8::is_ascii_whitespace);
                if !ordered {
                    return None;
                }
                delimiter
            }
            _ => return None,
        };
        if opened == MAX_NESTING {
            return Some(marker);
        }
        opened += 1;
        at = marker + 1;
    }
}

/// Article content as HTML.
pub fn render(source: &str) -> String {
    let source = flatten_deep_lines(source);
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut unsafe_links = 0usize;
    // For each open container: whether it was kept (false: flattened away).
    let mut containers: Vec<bool> = Vec::new();
    let events = Parser::new_ext(&source, options).filter_map(|event| match event {
        Event::Start(ref tag) if is_container(tag) => {
            let kept = containers.iter().filter(|kept| **kept).count() < MAX_NESTING;
            containers.push(kept);
            kept.then_some(event)
        }
        Event::End(ref tag) if is_container_end(tag) => {
            containers.pop().unwrap_or(true).then_some(event)
        }
        // Raw HTML is the author's text, not markup.
        Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: demoted(level),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(demoted(level)))),
        // A link whose target is unsafe keeps only its text.
        Event::Start(Tag::Link { ref dest_url, .. }) if !safe_href(dest_url) => {
            unsafe_links += 1;
            None
        }
        Event::End(TagEnd::Link) if unsafe_links > 0 => {
            unsafe_links -= 1;
            None
        }
        Event::Start(Tag::Image { ref dest_url, .. }) if !safe_href(dest_url) => {
            Some(Event::Text(CowStr::Borrowed("")))
        }
        other => Some(other),
    });
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    CLEANER.clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let html = render("Hi <script>alert('x')</script> & <b onclick=\"y\">bold</b>");
        assert!(!html.contains("<script") && !html.contains("<b "), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("&lt;b onclick="), "{html}");
    }

    #[test]
    fn blocks_and_inline_marks() {
        let source = "# Title\n\nSome **bold** and *em* and `a<b>` in snake_case_name.\nNext line.\n\n- one\n- two [docs](https://example.com/a?b=1&c=\"2\")\n\n1. first\n2. second\n\n> quoted\n\n```\n<tag> & code\n```\n\n---";
        let html = render(source);
        for expected in [
            "<h2>Title</h2>",
            "<strong>bold</strong>",
            "<em>em</em>",
            "<code>a&lt;b&gt;</code> in snake_case_name.",
            "<li>one</li>",
            "<a href=\"https://example.com/a?b=1&amp;c=%222%22\" rel=\"nofollow noopener\">docs</a>",
            "<ol>",
            "<li>second</li>",
            "<blockquote>",
            "<pre><code>&lt;tag&gt; &amp; code\n</code></pre>",
            "<hr>",
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
    }

    #[test]
    fn unsafe_links_keep_only_their_text() {
        for url in [
            "javascript:alert(1)",
            " JavaScript:x",
            "data:text/html,x",
            "//evil.test",
        ] {
            let html = render(&format!("[click]({url})"));
            assert_eq!(html, "<p>click</p>\n", "{url}");
        }
        assert_eq!(
            render("[home](/hc/x/en)"),
            "<p><a href=\"/hc/x/en\" rel=\"nofollow noopener\">home</a></p>\n"
        );
        assert!(!render("![x](javascript:alert(1))").contains("javascript"));
    }

    #[test]
    fn markers_past_the_nesting_limit_are_text() {
        let deep = "> ".repeat(MAX_NESTING + 2);
        let flattened = flatten_deep_lines(&deep);
        assert_eq!(flattened.matches("\\>").count(), 1);
        assert_eq!(flatten_deep_lines("> a\n- b\n1. c\n"), "> a\n- b\n1. c\n");
        let ordered = format!("{}7. x", "1. ".repeat(MAX_NESTING));
        assert!(flatten_deep_lines(&ordered).ends_with("7\\. x"));
        assert!(matches!(flatten_deep_lines("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn nesting_is_bounded() {
        let html = render(&"> ".repeat(1_000));
        assert_eq!(html.matches("<blockquote>").count(), MAX_NESTING);
        assert_eq!(html.matches("</blockquote>").count(), MAX_NESTING);
        let html = render(&"- ".repeat(1_000));
        assert!(html.matches("<ul>").count() <= MAX_NESTING);
        assert_eq!(html.matches("<ul>").count(), html.matches("</ul>").count());
    }

    #[test]
    fn unclosed_marks_are_text() {
        assert_eq!(render("a * b ` c [d"), "<p>a * b ` c [d</p>\n");
        assert_eq!(render("\\*not em\\*"), "<p>*not em*</p>\n");
    }
}
