//! Article bodies: CommonMark (with tables and strikethrough) rendered by `pulldown-cmark`,
//! whose parser runs in linear time on any input, then cleaned by `ammonia`. The author's raw
//! HTML is shown as text, links go only to `http(s)`, `mailto` or this site, and headings
//! start at `<h2>` (the page's title is its `<h1>`).

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
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

/// Article content as HTML.
pub fn render(source: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut unsafe_links = 0usize;
    let events = Parser::new_ext(source, options).filter_map(|event| match event {
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
    fn unclosed_marks_are_text() {
        assert_eq!(render("a * b ` c [d"), "<p>a * b ` c [d</p>\n");
        assert_eq!(render("\\*not em\\*"), "<p>*not em*</p>\n");
    }
}
