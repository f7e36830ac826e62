//! Feed HTML made safe for an email: an allowlist, absolute URLs, nothing executable,
//! no tracking pixels, images that fit a phone screen.

use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use regex::Regex;

/// Tags a newsletter needs and every mail client renders. Everything else is removed
/// (its text kept, except for script/style-like containers whose content goes too).
const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
];

/// Elements removed together with everything inside them.
const REMOVED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "form", "input", "button", "select",
    "textarea", "svg", "math", "template", "noscript", "frame", "frameset", "applet", "audio",
    "video", "canvas", "title", "head", "base", "meta", "link",
];

/// Sanitizes untrusted feed HTML. `base` (the item's link, else the feed's) anchors
/// relative `href` / `src`; without one, relative URLs are dropped rather than left
/// pointing at wherever the email happens to be opened.
pub fn sanitize_html(html: &str, base: Option<&url::Url>) -> String {
    let mut builder = Builder::default();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect::<HashSet<_>>())
        .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect::<HashSet<_>>())
        .generic_attributes(["title", "lang", "dir"].into_iter().collect::<HashSet<_>>())
        .tag_attributes(
            [
                ("a", ["href"].into_iter().collect::<HashSet<_>>()),
                (
                    "img",
                    ["src", "alt", "width", "height"].into_iter().collect(),
                ),
                ("td", ["colspan", "rowspan"].into_iter().collect()),
                ("th", ["colspan", "rowspan"].into_iter().collect()),
                ("ol", ["start"].into_iter().collect()),
                ("time", ["datetime"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(
            ["http", "https", "mailto"]
                .into_iter()
                .collect::<HashSet<_>>(),
        )
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    match base {
        Some(b) => builder.url_relative(UrlRelative::RewriteWithBase(b.clone())),
        None => builder.url_relative(UrlRelative::Deny),
    };
    let clean = builder.clean(html).to_string();
    style_images(&drop_tracking_pixels(&clean))
}

static IMG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<img\b[^>]*>").expect("valid regex"));
static DIMENSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\b(width|height)="\s*([0-9]+)"#).expect("valid regex"));

/// A 1×1 image exists only to report that the mail was opened. The input is ammonia's
/// output, so attributes are already normalised to `name="value"`.
fn drop_tracking_pixels(html: &str) -> String {
    IMG.replace_all(html, |caps: &regex::Captures| {
        let tag = &caps[0];
        let mut small = 0;
        for d in DIMENSION.captures_iter(tag) {
            if d[2].parse::<u32>().is_ok_and(|v| v <= 1) {
                small += 1;
            }
        }
        if small == 2 {
            String::new()
        } else {
            tag.to_string()
        }
    })
    .into_owned()
}

/// Feed images are often wider than a phone; the style is ours, added after sanitizing.
fn style_images(html: &str) -> String {
    IMG.replace_all(html, |caps: &regex::Captures| {
        caps[0].replacen("<img", r#"<img style="max-width:100%;height:auto""#, 1)
    })
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_scripts_handlers_and_dangerous_urls() {
        let out = sanitize_html(
            r#"<p onclick="x()">hi<script>alert(1)</script><a href="javascript:alert(1)">j</a><iframe src="https://e.x"></iframe></p>"#,
            None,
        );
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(!out.contains("iframe"), "{out}");
        assert!(out.contains("hi"));
    }

    #[test]
    fn rewrites_relative_urls_and_drops_pixels() {
        let base = url::Url::parse("https://blog.example/posts/1").expect("url");
        let out = sanitize_html(
            r#"<a href="/about">a</a><img src="img/x.png"><img src="https://t.example/p.gif" width="1" height="1">"#,
            Some(&base),
        );
        assert!(
            out.contains(r#"href="https://blog.example/about""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src="https://blog.example/posts/img/x.png""#),
            "{out}"
        );
        assert!(!out.contains("t.example"), "{out}");
        assert!(out.contains("max-width:100%"), "{out}");
    }
}
