//! Lead images: the picture an item leads with when its feed named none (the first
//! real one in its HTML), and the size it is shown at in the digest's column.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::html::sanitize::{builder, images};
use crate::model::LeadImage;

/// The first image in an item's HTML that is a picture of the item: not a tracking
/// pixel (the same rules as [`sanitize_html`]), not an icon or an emoji, with an
/// absolute http(s) source.
pub(crate) fn lead_image_in(html: &str, base: Option<&url::Url>) -> Option<LeadImage> {
    // The picture is nearly always among a post's first four images; only when those
    // are all icons or pixels is the whole of a long post parsed.
    let head = IMG_TAG
        .find_iter(html)
        .nth(3)
        .map_or(html, |tag| &html[..tag.end()]);
    // Without an `<img>` there is nothing to parse for.
    if head.len() == html.len() && !IMG_TAG.is_match(html) {
        return None;
    }
    let found = first_picture(head, base);
    if found.is_some() || head.len() == html.len() {
        return found;
    }
    first_picture(html, base)
}

fn first_picture(html: &str, base: Option<&url::Url>) -> Option<LeadImage> {
    let clean = builder(base).clean(html).to_string();
    images(&clean).find_map(|img| {
        let src = img.visible_src()?;
        let small = |side: Option<u32>| side.is_some_and(|n| n < MIN_LEAD_SIDE);
        if small(img.width) || small(img.height) {
            return None;
        }
        let url = unescape_attribute(src);
        url::Url::parse(&url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            .then_some(LeadImage {
                url,
                width: img.width,
                height: img.height,
            })
    })
}

/// The smallest side an image in the content may have to lead its item: smaller ones
/// are icons, emoji and avatars, not pictures of the item.
const MIN_LEAD_SIDE: u32 = 80;

/// An `<img>` tag, up to its first `>`.
static IMG_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("(?i)<img[^>]*>").expect("valid regex"));

/// ammonia's serializer escapes `&`, `"` and no-break spaces in attribute values.
fn unescape_attribute(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[derive(Serialize, Clone)]
pub(super) struct ImageView {
    pub url: String,
    pub width: u32,
    /// None when the image's shape is unknown: a guessed height would squash it
    /// where the attribute wins over CSS (Outlook on Windows).
    pub height: Option<u32>,
}

/// The digest's column is 600 px with 32 px of padding on either side.
const COLUMN_WIDTH: u32 = 536;

/// The tallest a lead image is shown, so that a portrait photo leads the item rather
/// than fills the screen.
const MAX_IMAGE_HEIGHT: u32 = 320;

impl ImageView {
    /// Explicit sizes keep the layout when a client blocks images: the box is
    /// reserved and the alt text sits in it. An image of unknown shape gets a width
    /// only, and its own height where it loads.
    pub(super) fn fitted(image: &LeadImage) -> ImageView {
        let (width, height) = match (image.width, image.height) {
            (Some(w), Some(h)) => {
                let scale = (f64::from(COLUMN_WIDTH) / f64::from(w))
                    .min(f64::from(MAX_IMAGE_HEIGHT) / f64::from(h))
                    .min(1.0);
                let side = |n: u32| ((f64::from(n) * scale).round() as u32).max(1);
                (side(w), Some(side(h)))
            }
            (Some(w), None) => (w.min(COLUMN_WIDTH), None),
            _ => (COLUMN_WIDTH, None),
        };
        ImageView {
            url: image.url.clone(),
            width,
            height,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        url::Url::parse("https://blog.example/posts/1").expect("url")
    }

    #[test]
    fn the_lead_image_is_the_first_real_picture() {
        let html = r#"<p><img src="https://t.example/p.gif" style="display:none"><img src="https://pixel.wp.com/g.gif"><img src="/icons/rss.png" width="32" height="32"><script><img src="https://evil.example/x.png"></script><img src="photos/a.jpg?w=1&amp;h=2" width="1200" height="800"><img src="https://i.example/second.jpg"></p>"#;
        let image = lead_image_in(html, Some(&base())).expect("an image");
        assert_eq!(image.url, "https://blog.example/posts/photos/a.jpg?w=1&h=2");
        assert_eq!((image.width, image.height), (Some(1200), Some(800)));
        assert_eq!(
            lead_image_in(r#"<img src="data:image/png;base64,AA">"#, None),
            None
        );
        assert_eq!(lead_image_in(r#"<img src="/relative.png">"#, None), None);
    }

    #[test]
    fn images_fit_the_column_and_keep_their_shape() {
        let size = |width, height| {
            let view = ImageView::fitted(&LeadImage {
                url: "https://i.example/a.png".into(),
                width,
                height,
            });
            (view.width, view.height)
        };
        assert_eq!(size(Some(1200), Some(600)), (536, Some(268)));
        assert_eq!(size(Some(800), Some(800)), (320, Some(320)));
        assert_eq!(size(Some(200), Some(100)), (200, Some(100)));
        assert_eq!(size(Some(300), None), (300, None));
        assert_eq!(size(None, Some(300)), (536, None));
        assert_eq!(size(None, None), (536, None));
    }
}
