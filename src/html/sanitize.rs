//! Feed HTML made safe for an email: an allowlist, absolute URLs, nothing executable,
//! no tracking pixels, images that fit a phone screen.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use ammonia::{Builder, UrlRelative};

use crate::html::serialized::{self, Piece};
use crate::html::tags;

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

/// What every link gets, and all that is left of one whose `href` was unsafe.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// Sanitizes untrusted feed HTML. The tags the tag table keeps for mail stay, hidden
/// ones go with their content, any other is replaced by its content. `base` (the
/// item's link, else the feed's) anchors relative `href` / `src`; without one,
/// relative URLs are dropped rather than left pointing at wherever the email happens
/// to be opened.
pub(crate) fn sanitize_html(html: &str, base: Option<&url::Url>) -> String {
    let clean = builder(base).clean(html).to_string();
    finish(&clean)
}

/// ammonia set up with our allowlist; `base` as for [`sanitize_html`].
pub(crate) fn builder(base: Option<&url::Url>) -> Builder<'static> {
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
        .tags(tags::names(tags::MAIL))
        .clean_content_tags(tags::names(tags::HIDDEN))
        .generic_attributes(["title", "lang", "dir"].into_iter().collect())
        .tag_attributes(tag_attributes)
        // ammonia parses each URL like a browser (entities decoded, tabs and leading
        // control characters stripped, scheme lower-cased) before checking the scheme,
        // so `&#106;avascript:` or `java\tscript:` are caught as `javascript:`.
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        .attribute_filter(img_attribute);
    match base {
        Some(b) => builder.url_relative(UrlRelative::RewriteWithBase(b.clone())),
        None => builder.url_relative(UrlRelative::Deny),
    };
    builder
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

/// ammonia's output finished in one pass: tracking pixels and images without a source
/// dropped, every other image given our own style (as wide as the column at most,
/// never distorted), and links whose target was removed unwrapped to their text.
fn finish(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_dead_link = false;
    for piece in serialized::pieces(html) {
        match &piece {
            Piece::Tag(tag) if tag.name == "img" && !tag.end => {
                if let Some(img) = finished_image(tag) {
                    out.push_str(&img);
                }
            }
            // Parsed HTML never nests anchors, so the next `</a>` closes a dead link.
            Piece::Tag(tag) if tag.name == "a" && tag.end && in_dead_link => {
                in_dead_link = false;
            }
            Piece::Tag(tag)
                if tag.name == "a" && !tag.end && !in_dead_link && is_dead_link(tag) =>
            {
                in_dead_link = true;
            }
            _ => out.push_str(piece.markup()),
        }
    }
    out
}

/// A link whose target was removed would still look like a link. Such an `<a>` has
/// only the `rel` we add.
fn is_dead_link(a: &serialized::Tag) -> bool {
    let mut attributes = a.attributes();
    attributes.next() == Some(("rel", LINK_REL)) && attributes.next().is_none()
}

/// An `<img>` of ammonia's output, read back. Values stay escaped as the serializer
/// wrote them, so they are copied back as they are.
pub(crate) struct ImgTag<'h> {
    src: Option<&'h str>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Its style made it invisible (see [`img_attribute`]).
    hidden: bool,
    /// `alt`, `title` and the like, as written.
    other: Vec<(&'h str, &'h str)>,
}

impl<'h> ImgTag<'h> {
    fn read(img: &serialized::Tag<'h>) -> ImgTag<'h> {
        let mut tag = ImgTag {
            src: None,
            width: None,
            height: None,
            hidden: false,
            other: Vec::new(),
        };
        for (name, value) in img.attributes() {
            match name {
                "src" => tag.src = Some(value),
                "width" => tag.width = value.parse::<u32>().ok(),
                "height" => tag.height = value.parse::<u32>().ok(),
                "style" => tag.hidden = value == PIXEL_MARK,
                _ => tag.other.push((name, value)),
            }
        }
        tag
    }

    /// The source of an image a reader can see: `None` for a tracking pixel (1×1,
    /// zero-sized, hidden, or from a counting host) and for an image without a source.
    pub(crate) fn visible_src(&self) -> Option<&'h str> {
        let tiny = self.width.is_some_and(|w| w <= 1) || self.height.is_some_and(|h| h <= 1);
        self.src.filter(|s| !self.hidden && !tiny && !is_tracker(s))
    }
}

/// The `<img>` tags of ammonia's output, in order.
pub(crate) fn images(clean: &str) -> impl Iterator<Item = ImgTag<'_>> {
    serialized::pieces(clean).filter_map(|piece| match piece {
        Piece::Tag(tag) if tag.name == "img" && !tag.end => Some(ImgTag::read(&tag)),
        _ => None,
    })
}

/// An `<img>` from ammonia's output as the digest shows it; `None` for a tracking
/// pixel or an image without a source.
fn finished_image(img: &serialized::Tag) -> Option<String> {
    let img = ImgTag::read(img);
    let src = img.visible_src()?;
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
    Some(tag)
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
        for rewritten in [
            r#"href="https://blog.example/about""#,
            r#"src="https://blog.example/posts/img/x.png""#,
            r#"href="https://cdn.example/y""#,
        ] {
            assert!(out.contains(rewritten), "{out}");
        }
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

    #[test]
    fn unwraps_dead_links_and_keeps_live_ones() {
        let out = sanitize_html(
            r#"<p><a href="javascript:x()">dead <b>bold</b></a> <a href="https://ok.example/" title="t">live</a></p>"#,
            None,
        );
        assert_eq!(
            out,
            r#"<p>dead <b>bold</b> <a href="https://ok.example/" title="t" rel="noopener noreferrer nofollow">live</a></p>"#
        );
    }
}
