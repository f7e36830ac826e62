//! An item's lead image from the feed's own metadata: media RSS, enclosures, iTunes
//! and JSON Feed. An image inside the item's HTML is looked for at render time
//! (`render::lead_image_in`), only for the items a digest shows.

use feed_rs::model::{Entry, MediaContent};
use serde::Deserialize;

use crate::model::{Item, LeadImage};

/// The first of `media:thumbnail`, an image `media:content`, an image `enclosure`
/// and `itunes:image` that is an http(s) URL.
///
/// feed-rs reports `itunes:image` as a thumbnail and folds an enclosure into the
/// media RSS object, so thumbnails are tried first across all media objects, then
/// image contents. In a podcast feed `itunes:image` sits beside an audio
/// enclosure, so the order only differs from the list above for a feed that has
/// both `itunes:image` and an image `media:content` and no `media:thumbnail`.
pub(super) fn from_entry(entry: &Entry, base: Option<&url::Url>) -> Option<LeadImage> {
    let thumbnail = entry
        .media
        .iter()
        .flat_map(|m| &m.thumbnails)
        .find_map(|t| {
            http_url(&t.image.uri, base).map(|url| LeadImage {
                url,
                width: t.image.width.filter(|w| *w > 0),
                height: t.image.height.filter(|h| *h > 0),
            })
        });
    thumbnail.or_else(|| {
        entry
            .media
            .iter()
            .flat_map(|m| &m.content)
            .filter(|c| is_image(c))
            .find_map(|c| {
                let url = c.url.as_ref()?;
                http_url(url.as_str(), base).map(|url| LeadImage {
                    url,
                    width: c.width.filter(|w| *w > 0),
                    height: c.height.filter(|h| *h > 0),
                })
            })
    })
}

/// feed-rs keeps a `type` but drops `medium="image"`; a content without a type is an
/// image when its file name says so, or when it has a size and no duration (a
/// picture, not a clip).
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
                || (content.duration.is_none() && (content.width.is_some() || content.height.is_some()))
        }
    }
}

fn http_url(href: &str, base: Option<&url::Url>) -> Option<String> {
    let href = href.trim();
    let url = match base {
        Some(b) => b.join(href).ok()?,
        None => url::Url::parse(href).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// JSON Feed's `image` and `banner_image`, which feed-rs does not read. Applied to
/// items that have no image from elsewhere; the items are in the feed's order, one
/// per JSON item (checked: anything else leaves them as they are).
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
    let starts_as_json = body
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
        .is_some_and(|b| *b == b'{');
    if !starts_as_json {
        return;
    }
    let Ok(feed) = serde_json::from_slice::<JsonFeed>(body) else {
        return;
    };
    if feed.items.len() != items.len() {
        return;
    }
    for (item, json) in items.iter_mut().zip(feed.items) {
        if item.image.is_some() {
            continue;
        }
        item.image = [json.image, json.banner_image]
            .into_iter()
            .flatten()
            .find_map(|href| http_url(&href, base))
            .map(|url| LeadImage {
                url,
                width: None,
                height: None,
            });
    }
}
