//! A safe subset of Markdown for article bodies: paragraphs, headings, lists, block quotes,
//! code (fenced and inline), rules, emphasis and links. Every piece of the author's text is
//! HTML-escaped; raw HTML is shown as text, and links go only to `http(s)`, `mailto` or
//! same-site addresses.

/// Escapes text for HTML content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether a link target is safe to follow: web and mail addresses, or paths of this site.
fn safe_href(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        || (lower.starts_with('/') && !lower.starts_with("//"))
        || lower.starts_with('#')
}

enum Block {
    Paragraph(Vec<String>),
    Heading(usize, String),
    Code(Vec<String>),
    Quote(Vec<String>),
    List { ordered: bool, items: Vec<String> },
    Rule,
}

fn list_item(line: &str) -> Option<(bool, &str)> {
    let trimmed = line.trim_start();
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = trimmed.strip_prefix(bullet) {
            return Some((false, rest));
        }
    }
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    let rest = &trimmed[digits..];
    if digits > 0 {
        if let Some(item) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, item));
        }
    }
    None
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    let rest = &line[level..];
    ((1..=6).contains(&level) && (rest.is_empty() || rest.starts_with(' ')))
        .then(|| (level, rest.trim().trim_end_matches('#').trim()))
}

fn is_rule(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3
        && ['-', '*', '_']
            .iter()
            .any(|mark| compact.chars().all(|c| c == *mark))
}

fn blocks(source: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with("```") {
            let mut code = Vec::new();
            for line in lines.by_ref() {
                if line.trim_start().starts_with("```") {
                    break;
                }
                code.push(line.to_owned());
            }
            blocks.push(Block::Code(code));
        } else if let Some((level, text)) = heading(trimmed) {
            blocks.push(Block::Heading(level, text.to_owned()));
        } else if is_rule(trimmed) {
            blocks.push(Block::Rule);
        } else if trimmed.starts_with('>') {
            let mut quote = vec![trimmed.trim_start_matches('>').trim().to_owned()];
            while let Some(next) = lines.peek().map(|l| l.trim()) {
                if !next.starts_with('>') {
                    break;
                }
                quote.push(next.trim_start_matches('>').trim().to_owned());
                lines.next();
            }
            blocks.push(Block::Quote(quote));
        } else if let Some((ordered, item)) = list_item(line) {
            let mut items = vec![item.to_owned()];
            while let Some(next) = lines.peek() {
                match list_item(next) {
                    Some((same, item)) if same == ordered => items.push(item.to_owned()),
                    _ => break,
                }
                lines.next();
            }
            blocks.push(Block::List { ordered, items });
        } else {
            let mut paragraph = vec![trimmed.to_owned()];
            while let Some(next) = lines.peek().map(|l| l.trim()) {
                let starts_block = next.is_empty()
                    || next.starts_with("```")
                    || next.starts_with('>')
                    || heading(next).is_some()
                    || list_item(next).is_some();
                if starts_block {
                    break;
                }
                paragraph.push(next.to_owned());
                lines.next();
            }
            blocks.push(Block::Paragraph(paragraph));
        }
    }
    blocks
}

/// The position of the next `marker` in `chars` from `from`, if any.
fn find(chars: &[char], from: usize, marker: &[char]) -> Option<usize> {
    (from..chars.len().saturating_sub(marker.len() - 1)).find(|&i| chars[i..].starts_with(marker))
}

/// The `)` that closes a link target starting at `from` (parentheses inside it balance).
fn closing_paren(chars: &[char], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in chars.iter().enumerate().skip(from) {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Inline Markdown: code spans, strong and emphasised text, links; all else escaped.
fn inline(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let slice = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
        match c {
            '\\' if chars.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) => {
                out.push_str(&escape(&chars[i + 1].to_string()));
                i += 2;
                continue;
            }
            '`' => {
                if let Some(end) = find(&chars, i + 1, &['`']) {
                    out.push_str(&format!("<code>{}</code>", escape(&slice(i + 1, end))));
                    i = end + 1;
                    continue;
                }
            }
            '*' | '_' if chars.get(i + 1) == Some(&c) => {
                if let Some(end) = find(&chars, i + 2, &[c, c]).filter(|end| *end > i + 2) {
                    out.push_str(&format!("<strong>{}</strong>", inline(&slice(i + 2, end))));
                    i = end + 2;
                    continue;
                }
            }
            '*' | '_' => {
                let word_inside = c == '_' && i > 0 && chars[i - 1].is_alphanumeric();
                let end = find(&chars, i + 1, &[c]).filter(|end| *end > i + 1);
                if let (false, Some(end)) = (word_inside, end) {
                    out.push_str(&format!("<em>{}</em>", inline(&slice(i + 1, end))));
                    i = end + 1;
                    continue;
                }
            }
            '[' => {
                let label_end = find(&chars, i + 1, &[']', '(']);
                let url_end = label_end.and_then(|end| closing_paren(&chars, end + 2));
                if let (Some(label_end), Some(url_end)) = (label_end, url_end) {
                    let label = inline(&slice(i + 1, label_end));
                    let url = slice(label_end + 2, url_end);
                    if safe_href(&url) {
                        out.push_str(&format!(
                            "<a href=\"{}\" rel=\"nofollow noopener\">{label}</a>",
                            escape(url.trim())
                        ));
                    } else {
                        out.push_str(&label);
                    }
                    i = url_end + 1;
                    continue;
                }
            }
            _ => {}
        }
        out.push_str(&escape(&c.to_string()));
        i += 1;
    }
    out
}

/// Article content as HTML. Headings start at `<h2>` (the page's title is its `<h1>`).
pub fn render(source: &str) -> String {
    let mut html = String::new();
    for block in blocks(source) {
        match block {
            Block::Paragraph(lines) => {
                let text: Vec<String> = lines.iter().map(|l| inline(l)).collect();
                html.push_str(&format!("<p>{}</p>\n", text.join("\n")));
            }
            Block::Heading(level, text) => {
                let level = (level + 1).min(6);
                html.push_str(&format!("<h{level}>{}</h{level}>\n", inline(&text)));
            }
            Block::Code(lines) => {
                html.push_str(&format!(
                    "<pre><code>{}</code></pre>\n",
                    escape(&lines.join("\n"))
                ));
            }
            Block::Quote(lines) => {
                let text: Vec<String> = lines.iter().map(|l| inline(l)).collect();
                html.push_str(&format!(
                    "<blockquote><p>{}</p></blockquote>\n",
                    text.join("\n")
                ));
            }
            Block::List { ordered, items } => {
                let tag = if ordered { "ol" } else { "ul" };
                html.push_str(&format!("<{tag}>\n"));
                for item in items {
                    html.push_str(&format!("<li>{}</li>\n", inline(&item)));
                }
                html.push_str(&format!("</{tag}>\n"));
            }
            Block::Rule => html.push_str("<hr>\n"),
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let html = render("Hi <script>alert('x')</script> & <b onclick=\"y\">bold</b>");
        assert_eq!(
            html,
            "<p>Hi &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b onclick=&quot;y&quot;&gt;bold&lt;/b&gt;</p>\n"
        );
    }

    #[test]
    fn blocks_and_inline_marks() {
        let source = "# Title\n\nSome **bold** and *em* and `a<b>` in snake_case_name.\nNext line.\n\n- one\n- two [docs](https://example.com/a?b=1&c=\"2\")\n\n1. first\n2) second\n\n> quoted\n\n```\n<tag> & code\n```\n\n---";
        assert_eq!(
            render(source),
            "<h2>Title</h2>\n\
             <p>Some <strong>bold</strong> and <em>em</em> and <code>a&lt;b&gt;</code> in snake_case_name.\nNext line.</p>\n\
             <ul>\n<li>one</li>\n<li>two <a href=\"https://example.com/a?b=1&amp;c=&quot;2&quot;\" rel=\"nofollow noopener\">docs</a></li>\n</ul>\n\
             <ol>\n<li>first</li>\n<li>second</li>\n</ol>\n\
             <blockquote><p>quoted</p></blockquote>\n\
             <pre><code>&lt;tag&gt; &amp; code</code></pre>\n\
             <hr>\n"
        );
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
    }

    #[test]
    fn unclosed_marks_are_text() {
        assert_eq!(render("a * b ` c [d"), "<p>a * b ` c [d</p>\n");
        assert_eq!(render("\\*not em\\*"), "<p>*not em*</p>\n");
    }
}
