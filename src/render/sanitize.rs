//! Feed HTML made safe for an email: an allowlist, absolute URLs, nothing executable,
//! no tracking pixels, images that fit a phone screen.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use regex::Regex;

use crate::text::INVISIBLE_ELEMENTS;

/// Tags a newsletter needs and every mail client renders. Everything else is removed
/// (its text kept, except for the elements in [`INVISIBLE_ELEMENTS`], which go with
/// their content).
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

/// The widest an image may ask to be: the digest's 600 px minus its side padding.
/// Outlook for Windows ignores `max-width` and trusts the `width` attribute.
const MAX_IMAGE_WIDTH: u32 = 536;

/// Hosts whose images only count opens (WordPress stats, FeedBurner's flare).
const TRACKER_HOSTS: &[&str] = &[
    "pixel.wp.com",
    "stats.wordpress.com",
    "feeds.feedburner.com",
    "feeds.feedblitz.com",
];

/// What an image's `style` told us before it was dropped; see [`img_attribute`].
const PIXEL_MARK: &str = "feedletter-pixel";

/// Sanitizes untrusted feed HTML. `base` (the item's link, else the feed's) anchors
/// relative `href` / `src`; without one, relative URLs are dropped rather than left
/// pointing at wherever the email happens to be opened.
pub fn sanitize_html(html: &str, base: Option<&url::Url>) -> String {
    let clean = builder(base).clean(html).to_string();
    unwrap_dead_links(&finish_images(&clean))
}

/// ammonia set up with our allowlist; `base` as for [`sanitize_html`].
pub(super) fn builder(base: Option<&url::Url>) -> Builder<'static> {
    let tag_attributes: HashMap<&str, HashSet<&str>> = [
        ("a", &["href"][..]),
        ("img", &["src", "alt", "width", "height", "style"]),
        ("td", &["colspan", "rowspan"]),
        ("th", &["colspan", "rowspan"]),
        ("ol", &["start"]),
        ("time", &["datetime"]),
    ]
    .into_iter()
    .map(|(tag, attrs)| (tag, attrs.iter().copied().collect()))
    .collect();
    let mut builder = Builder::default();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .clean_content_tags(INVISIBLE_ELEMENTS.iter().copied().collect())
        .generic_attributes(["title", "lang", "dir"].into_iter().collect())
        .tag_attributes(tag_attributes)
        // ammonia parses each URL like a browser (entities decoded, tabs and leading
        // control characters stripped, scheme lower-cased) before checking the scheme,
        // so `&#106;avascript:` or `java\tscript:` are caught as `javascript:`.
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true)
        .attribute_filter(img_attribute);
    match base {
        Some(b) => builder.url_relative(UrlRelative::RewriteWithBase(b.clone())),
        None => builder.url_relative(UrlRelative::Deny),
    };
    builder
}

/// An `<a>` whose only attribute is the `rel` we add: its `href` was removed as
/// unsafe. Parsed HTML never nests anchors, so the next `</a>` closes it.
static DEAD_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)<a rel="noopener noreferrer nofollow">(.*?)</a>"#).expect("valid regex")
});

/// A link whose target was removed would still look like a link; keep only its text.
fn unwrap_dead_links(html: &str) -> String {
    DEAD_LINK.replace_all(html, "$1").into_owned()
}

/// Sizes and styles of images are read here, while the feed's own attributes are
/// still there, and reduced to values that are safe to keep: a plain number for
/// `width`/`height`, and for `style` only a mark saying "this image is invisible".
/// Whatever else a feed put in `style` never reaches the output.
fn img_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    if element != "img" {
        return Some(Cow::Borrowed(value));
    }
    match attribute {
        "width" | "height" => pixels(value).map(|n| Cow::Owned(n.to_string())),
        "style" => hidden_by_style(value).then_some(Cow::Borrowed(PIXEL_MARK)),
        _ => Some(Cow::Borrowed(value)),
    }
}

/// `1`, `1px`, ` 0 ` → a number of pixels; percentages and nonsense → `None`.
fn pixels(value: &str) -> Option<u32> {
    let value = value.trim().to_ascii_lowercase();
    let digits = value.strip_suffix("px").unwrap_or(&value).trim();
    digits
        .parse::<f32>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n as u32)
}

/// True for an inline style that makes an image invisible or at most one pixel in
/// either direction: the signature of a tracking pixel.
fn hidden_by_style(style: &str) -> bool {
    let style = style.to_ascii_lowercase();
    style.split(';').any(|declaration| {
        let Some((property, value)) = declaration.split_once(':') else {
            return false;
        };
        let value = value.replace("!important", "");
        let value = value.trim();
        match property.trim() {
            "display" => value == "none",
            "visibility" => value == "hidden",
            "opacity" => value.parse::<f32>().is_ok_and(|o| o <= 0.0),
            "width" | "height" | "max-width" | "max-height" => {
                pixels(value).is_some_and(|n| n <= 1)
            }
            _ => false,
        }
    })
}

/// A whole `<img>` tag in ammonia's output. The serializer always double-quotes
/// attribute values and escapes `"` inside them, so this matches tags exactly even
/// when an `alt` text contains `>`.
pub(super) static IMG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<img((?:\s+[^\s="/>]+(?:="[^"]*")?)*)\s*/?>"#).expect("valid regex")
});
static ATTRIBUTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"([^\s="/>]+)(?:="([^"]*)")?"#).expect("valid regex"));

/// An `<img>` of ammonia's output, read back.
pub(super) struct ImgTag<'h> {
    src: Option<&'h str>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Its style made it invisible (see [`img_attribute`]).
    hidden: bool,
    /// `alt`, `title` and the like, as written.
    other: Vec<(&'h str, &'h str)>,
}

impl<'h> ImgTag<'h> {
    pub(super) fn read(attributes: &'h str) -> ImgTag<'h> {
        let mut img = ImgTag {
            src: None,
            width: None,
            height: None,
            hidden: false,
            other: Vec::new(),
        };
        for attr in ATTRIBUTE.captures_iter(attributes) {
            let (Some(name), value) = (attr.get(1), attr.get(2).map_or("", |v| v.as_str())) else {
                continue;
            };
            match name.as_str() {
                "src" => img.src = Some(value),
                "width" => img.width = value.parse::<u32>().ok(),
                "height" => img.height = value.parse::<u32>().ok(),
                "style" => img.hidden = value == PIXEL_MARK,
                other => img.other.push((other, value)),
            }
        }
        img
    }

    /// The source of an image a reader can see: `None` for a tracking pixel (1×1,
    /// zero-sized, hidden, or from a counting host) and for an image without a source.
    pub(super) fn visible_src(&self) -> Option<&'h str> {
        let tiny = self.width.is_some_and(|w| w <= 1) || self.height.is_some_and(|h| h <= 1);
        self.src.filter(|s| !self.hidden && !tiny && !is_tracker(s))
    }
}

/// Drops tracking pixels and images without a source, and gives every other image our
/// own style: as wide as the column at most, never distorted.
fn finish_images(html: &str) -> String {
    IMG.replace_all(html, |caps: &regex::Captures| {
        let img = ImgTag::read(&caps[1]);
        let Some(src) = img.visible_src() else {
            return String::new();
        };
        let mut tag = format!(r#"<img src="{src}""#);
        for (name, value) in &img.other {
            tag.push_str(&format!(r#" {name}="{value}""#));
        }
        match (img.width, img.height) {
            (Some(w), Some(h)) if w <= MAX_IMAGE_WIDTH => {
                tag.push_str(&format!(r#" width="{w}" height="{h}""#));
            }
            (Some(w), None) if w <= MAX_IMAGE_WIDTH => tag.push_str(&format!(r#" width="{w}""#)),
            // Scaled down, the height follows from the width (`height:auto`).
            (Some(_), _) => tag.push_str(&format!(r#" width="{MAX_IMAGE_WIDTH}""#)),
            _ => {}
        }
        tag.push_str(r#" style="max-width:100%;height:auto;border:0">"#);
        tag
    })
    .into_owned()
}

fn is_tracker(src: &str) -> bool {
    // The value is still HTML-escaped; `&amp;` in a query does not affect the host.
    url::Url::parse(src).is_ok_and(|u| {
        u.host_str()
            .is_some_and(|h| TRACKER_HOSTS.contains(&h) || h.ends_with(".pixel.wp.com"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        url::Url::parse("https://blog.example/posts/1").expect("url")
    }

    #[test]
    fn removes_scripts_handlers_and_dangerous_urls() {
        let out = sanitize_html(
            "<p onclick=\"x()\">hi<script>alert(1)</script>\
             <a href=\"javascript:alert(1)\">j</a>\
             <a href=\"&#106;avascript:alert(2)\">k</a>\
             <a href=\"JaVaScRiPt:alert(3)\">l</a>\
             <a href=\" \x01javascript:alert(4)\">m</a>\
             <a href=\"java\tscript:alert(5)\">n</a>\
             <a href=\"vbscript:msgbox(6)\">o</a>\
             <a href=\"data:text/html;base64,PHNjcmlwdD4=\">p</a>\
             <img src=\"data:image/png;base64,AAAA\">\
             <iframe src=\"https://e.x\"></iframe></p>",
            Some(&base()),
        );
        for bad in [
            "script", "onclick", "alert", "msgbox", "data:", "iframe", "<img",
        ] {
            assert!(!out.to_lowercase().contains(bad), "{bad} in {out}");
        }
        assert!(out.contains("hi"));
    }

    #[test]
    fn rewrites_relative_urls() {
        let out = sanitize_html(
            r#"<a href="/about">a</a><img src="img/x.png"><a href="//cdn.example/y">y</a>"#,
            Some(&base()),
        );
        assert!(
            out.contains(r#"href="https://blog.example/about""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src="https://blog.example/posts/img/x.png""#),
            "{out}"
        );
        assert!(out.contains(r#"href="https://cdn.example/y""#), "{out}");
        let without_base = sanitize_html(r#"<a href="/about">a</a>"#, None);
        assert!(!without_base.contains("href"), "{without_base}");
    }

    #[test]
    fn drops_tracking_pixels_in_every_spelling() {
        for pixel in [
            r#"<img src="https://t.example/p.gif" width="1" height="1">"#,
            r#"<img src="https://t.example/p.gif" width="1px" height="1px">"#,
            r#"<img src="https://t.example/p.gif" height="0">"#,
            r#"<img src="https://t.example/p.gif" style="width:1px;height:1px">"#,
            r#"<img src="https://t.example/p.gif" style="display: none !important">"#,
            r#"<img src="https://pixel.wp.com/g.gif?blog=1&amp;post=2">"#,
            r#"<img alt="a > b" src="https://t.example/p.gif" WIDTH=1 HEIGHT=1>"#,
        ] {
            let out = sanitize_html(&format!("<p>x{pixel}</p>"), None);
            assert_eq!(out, "<p>x</p>", "{pixel}");
        }
    }

    #[test]
    fn images_fit_the_column_and_lose_the_feed_style() {
        let out = sanitize_html(
            r#"<img src="https://i.example/a.png" alt="A" width="1200" height="800" style="border:9px solid red">"#,
            None,
        );
        assert_eq!(
            out,
            r#"<img src="https://i.example/a.png" alt="A" width="536" style="max-width:100%;height:auto;border:0">"#
        );
        let small = sanitize_html(r#"<img src="https://i.example/b.png" width="64px">"#, None);
        assert!(small.contains(r#"width="64" style="#), "{small}");
    }

    #[test]
    fn drops_style_attributes_and_elements() {
        let out = sanitize_html(
            r#"<style>p{color:red}</style><p style="color:red">t</p><base href="https://x.example/"><meta http-equiv="refresh" content="0"><svg><a href="https://x.example">s</a></svg><form><input value="v"><button>b</button></form>"#,
            None,
        );
        assert_eq!(out, "<p>t</p>");
    }
}
