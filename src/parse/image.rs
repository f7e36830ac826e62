//! An item's lead image from the feed's own metadata: media RSS, enclosures, iTunes
//! and JSON Feed. An image inside the item's HTML is looked for at render time
//! (`render::lead_image_in`), only for the items a digest shows.

use feed_rs::model::{Entry, MediaContent};
use quick_xml::events::BytesStart;
use serde::Deserialize;

use super::absolute_http_url;
use super::cut::attr;
use crate::model::{Item, LeadImage};

/// The first http(s) thumbnail across all media objects, else image content: feed-rs
/// reports `itunes:image` as a thumbnail and an enclosure as media content.
pub(super) fn from_entry(entry: &Entry, base: Option<&url::Url>) -> Option<LeadImage> {
    let media = || entry.media.iter();
    let thumbnails = media().flat_map(|m| &m.thumbnails).map(|t| {
        let image = &t.image;
        (image.uri.as_str(), image.width, image.height)
    });
    let contents = (media().flat_map(|m| &m.content))
        .filter(|c| is_image(c))
        .filter_map(|c| Some((c.url.as_ref()?.as_str(), c.width, c.height)));
    thumbnails.chain(contents).find_map(|(url, width, height)| {
        Some(LeadImage {
            url: absolute_http_url(url, base)?,
            width: width.filter(|w| *w > 0),
            height: height.filter(|h| *h > 0),
        })
    })
}

/// feed-rs drops `medium="image"`: without a `type`, a file name says so, or a size
/// without a duration (a picture, not a clip).
fn is_image(content: &MediaContent) -> bool {
    match &content.content_type {
        Some(t) => t.ty().as_str() == "image",
        None => {
            let named_image = content.url.as_ref().is_some_and(|u| {
                let path = u.path().to_ascii_lowercase();
                [".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"]
                    .iter()
                    .any(|ext| path.ends_with(ext))
            });
            named_image
                || (content.duration.is_none()
                    && (content.width.is_some() || content.height.is_some()))
        }
    }
}

/// A `media:thumbnail` or `itunes:image` tag's picture.
pub(super) fn tag_image(tag: &BytesStart<'_>, base: Option<&url::Url>) -> Option<LeadImage> {
    let side = |key: &str| attr(tag, key)?.trim().parse().ok().filter(|n: &u32| *n > 0);
    Some(LeadImage {
        url: absolute_http_url(&attr(tag, "url").or_else(|| attr(tag, "href"))?, base)?,
        width: side("width"),
        height: side("height"),
    })
}

/// JSON Feed's `image` and `banner_image`, which feed-rs does not report, by position:
/// only when JSON items and parsed items line up one to one.
pub(super) fn add_json_feed_images(body: &[u8], base: Option<&url::Url>, items: &mut [Item]) {
    #[derive(Deserialize)]
    struct JsonFeed {
        items: Vec<JsonItem>,
    }
    #[derive(Deserialize)]
    struct JsonItem {
        image: Option<String>,
        banner_image: Option<String>,
    }
    let json = body.trim_ascii_start().starts_with(b"{");
    if !json || items.iter().all(|i| i.image.is_some()) {
        return;
    }
    let Ok(feed) = serde_json::from_slice::<JsonFeed>(body) else {
        return;
    };
    if feed.items.len() != items.len() {
        return;
    }
    for (item, json) in items.iter_mut().zip(feed.items) {
        let mut urls = [json.image, json.banner_image].into_iter().flatten();
        let url = urls.find_map(|href| absolute_http_url(&href, base));
        let (width, height) = (None, None);
        if item.image.is_none() {
            item.image = url.map(|url| LeadImage { url, width, height });
        }
    }
}
