//! One selected item made ready for display: plain-text title, labels and excerpt,
//! sanitized content, lead image, and how much of it one render shows.

use minijinja::Value;
use serde::Serialize;

use super::lead_image::{ImageView, lead_image_in};
use crate::config::{ContentMode, DigestConfig};
use crate::html::sanitize::sanitize_html;
use crate::model::{FeedKey, LeadImage, SelectedItem, Selection};
use crate::text;

#[derive(Serialize, Clone)]
pub(super) struct ItemView {
    title: String,
    link: Option<String>,
    pub(super) feed_name: String,
    feed_url: FeedKey,
    date: String,
    date_iso: String,
    tags: Vec<String>,
    authors: Vec<String>,
    excerpt: String,
    /// Sanitized HTML, only for `content: full` (and only while it fits the budget).
    content: Option<Value>,
    /// The lead image, sized for the column; none with `images: false`.
    image: Option<ImageView>,
    /// The item as plain text for the text part: the excerpt, or the whole content's
    /// text with paragraphs apart when `content` is shown.
    text: String,
}

/// An item made ready for display, with its full content (when the digest wants it)
/// kept apart so each render can choose between it and the excerpt.
pub(super) struct PreparedItem {
    view: ItemView,
    /// Sanitized HTML and its plain text, for `content: full`.
    full: Option<(String, String)>,
}

/// How one item is shown in one render.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    Full,
    Excerpt(usize),
    TitleOnly,
}

impl PreparedItem {
    pub(super) fn view(&self, shown: Shown) -> ItemView {
        let mut view = self.view.clone();
        match (shown, &self.full) {
            (Shown::Full, Some((html, text))) => {
                // An image that the content shows anyway is not shown twice.
                if let Some(image) = &view.image
                    && html.contains(&image.url.replace('&', "&amp;"))
                {
                    view.image = None;
                }
                view.content = Some(Value::from_safe_string(html.clone()));
                view.text = text.clone();
            }
            (Shown::Excerpt(chars), _) if view.excerpt.chars().count() > chars => {
                view.excerpt = text::excerpt(&view.excerpt, chars);
            }
            (Shown::TitleOnly, _) => {
                view.excerpt = String::new();
                view.image = None;
                view.tags = Vec::new();
            }
            _ => {}
        }
        view
    }

    /// True when `shown` is less than the digest asked for.
    pub(super) fn is_shortened(&self, shown: Shown, excerpt_chars: usize) -> bool {
        match shown {
            Shown::Full => false,
            Shown::Excerpt(chars) => {
                self.full.is_some()
                    || (chars < excerpt_chars && self.view.excerpt.chars().count() > chars)
            }
            Shown::TitleOnly => true,
        }
    }
}

/// Sanitizes and excerpts the selected items, once per render.
pub(super) fn prepare(digest: &DigestConfig, selection: &Selection) -> Vec<PreparedItem> {
    let items = selection.items.iter();
    items.map(|item| prepare_item(digest, item)).collect()
}

/// The plain-text excerpt of an item, as the digest shows it: from the summary, or
/// from the content when the summary has no text (only an image, say).
pub(crate) fn excerpt(digest: &DigestConfig, item: &SelectedItem) -> String {
    let text = (texts(item).into_iter().flatten())
        .map(text::html_to_text)
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    text::excerpt(&text, digest.excerpt_chars)
}

/// The item's summary and content, as far as they are loaded.
fn texts(item: &SelectedItem) -> [Option<&str>; 2] {
    match item.texts.loaded() {
        Some(t) => [t.summary.as_deref(), t.content.as_deref()],
        None => [None; 2],
    }
}

fn prepare_item(digest: &DigestConfig, item: &SelectedItem) -> PreparedItem {
    let excerpt = excerpt(digest, item);
    let full = match digest.content {
        ContentMode::Excerpt => None,
        ContentMode::Full => {
            let [summary, content] = texts(item);
            let clean = sanitize_html(content.or(summary).unwrap_or(""), base(item).as_ref());
            let plain = text::html_to_paragraphs(&clean);
            Some((clean, plain))
        }
    };
    let image = lead_image(digest, item);
    let local = item.date.with_timezone(&digest.timezone);
    let title = Some(text::plain_label(&item.title)).filter(|t| !t.is_empty());
    PreparedItem {
        view: ItemView {
            title: title.unwrap_or_else(|| "(untitled)".to_string()),
            link: item.link.clone(),
            feed_name: text::plain_label(&item.feed_name),
            feed_url: item.feed_url.clone(),
            date: local.format("%-d %b %Y, %H:%M").to_string(),
            date_iso: item.date.to_rfc3339(),
            tags: labels(&item.tags),
            authors: labels(&item.authors),
            text: excerpt.clone(),
            excerpt,
            content: None,
            image: image.as_ref().map(ImageView::fitted),
        },
        full,
    }
}

/// The picture the HTML part leads an item with: the feed's own, else the first real
/// picture in the item's HTML; none with `images: false`.
pub(crate) fn lead_image(digest: &DigestConfig, item: &SelectedItem) -> Option<LeadImage> {
    digest
        .images
        .then(|| item.image.clone().or_else(|| content_image(item)))
        .flatten()
}

/// Relative links in an item resolve against the item's page, which is where the
/// feed's author wrote them; a path feed has no URL to fall back on.
fn base(item: &SelectedItem) -> Option<url::Url> {
    let page = item.link.as_deref().unwrap_or(item.feed_url.as_str());
    url::Url::parse(page).ok()
}

fn content_image(item: &SelectedItem) -> Option<LeadImage> {
    let (base, [summary, content]) = (base(item), texts(item));
    [content, summary]
        .into_iter()
        .flatten()
        .find_map(|html| lead_image_in(html, base.as_ref()))
}

fn labels(raw: &[String]) -> Vec<String> {
    raw.iter()
        .map(|l| text::plain_label(l))
        .filter(|l| !l.is_empty())
        .collect()
}
