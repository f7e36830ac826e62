//! An item's lead image from the feed's own metadata: media RSS, enclosures, iTunes
//! and JSON Feed. An image inside the item's HTML is looked for at render time
//! (`render::lead_image_in`), only for the items a digest shows.

use std::borrow::Cow;
use std::sync::LazyLock;

use feed_rs::model::{Entry, MediaContent};
use regex::bytes::Regex;
use serde::Deserialize;

use super::absolute_http_url;
use crate::model::{Item, LeadImage};

/// The first of `media:thumbnail`, an image `media:content`, an image `enclosure`
/// and `itunes:image` that is an http(s) URL. feed-rs reports `itunes:image` as a
/// thumbnail and folds an enclosure into the media RSS object, so thumbnails come
/// first across all media objects, then image contents.
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
                || (content.duration.is_none()
                    && (content.width.is_some() || content.height.is_some()))
        }
    }
}

/// Images that feed-rs does not report, for items that have none from elsewhere:
/// JSON Feed's `image` / `banner_image`, a `media:thumbnail` alone or in a
/// `media:group` (feed-rs keeps a thumbnail only beside a `media:content`), and an
/// `itunes:image` that is an episode's only iTunes element (feed-rs drops an iTunes
/// media object without a title or a description, picture and all). `items` are in
/// the feed's order.
pub(super) fn add_unparsed_images(body: &[u8], base: Option<&url::Url>, items: &mut [Item]) {
    if items.iter().all(|i| i.image.is_some()) {
        return;
    }
    add_json_feed_images(body, base, items);
    // XML names are case-sensitive; a literal search is a fast scan of the body.
    if IMAGE_TAG.is_match(body) {
        add_tagged_images(body, base, items);
    }
}

static ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s-u)<(?:item|entry)[\s>].*?</(?:item|entry)\s*>").expect("valid regex")
});
static IMAGE_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)<(?:media:thumbnail|itunes:image)\s[^>]*>").expect("valid regex")
});
static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u)\b(url|href|width|height)\s*=\s*(?:"([^"]*)"|'([^']*)')"#)
        .expect("valid regex")
});

/// Each item's first `media:thumbnail` or `itunes:image`, by position; only when the
/// items line up one to one with what feed-rs parsed.
fn add_tagged_images(body: &[u8], base: Option<&url::Url>, items: &mut [Item]) {
    let blocks: Vec<&[u8]> = ITEM.find_iter(body).map(|m| m.as_bytes()).collect();
    if blocks.len() != items.len() {
        return;
    }
    for (item, block) in items.iter_mut().zip(blocks) {
        if item.image.is_none() {
            item.image = (IMAGE_TAG.find_iter(block)).find_map(|t| tag_image(t.as_bytes(), base));
        }
    }
}

fn tag_image(tag: &[u8], base: Option<&url::Url>) -> Option<LeadImage> {
    let (mut url, mut width, mut height) = (None, None, None);
    for caps in ATTRIBUTE.captures_iter(tag) {
        let value = caps.get(2).or(caps.get(3))?.as_bytes();
        let value = String::from_utf8_lossy(value);
        let value =
            quick_xml::escape::unescape(&value).map_or_else(|_| value.to_string(), Cow::into_owned);
        let side = || value.trim().parse().ok().filter(|n: &u32| *n > 0);
        match &caps[1] {
            b"width" => width = side(),
            b"height" => height = side(),
            _ => url = Some(value),
        }
    }
    absolute_http_url(&url?, base).map(|url| LeadImage { url, width, height })
}

/// JSON Feed's `image` and `banner_image`, by position: JSON items and parsed items
/// line up one to one (checked: anything else leaves them as they are).
fn add_json_feed_images(body: &[u8], base: Option<&url::Url>, items: &mut [Item]) {
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
            .find_map(|href| absolute_http_url(&href, base))
            .map(|url| LeadImage {
                url,
                width: None,
                height: None,
            });
    }
}
