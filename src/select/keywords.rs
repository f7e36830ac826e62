//! Keyword filters: regexes over an item's title and summary text. The text is worked
//! out once per item for all digests while it is at hand (in the fetch worker), so
//! selection reads a stored answer.

use crate::config::DigestConfig;
use crate::model::Item;
use crate::text;

/// Whether the digest filters by keywords, which means reading every item's text.
pub(crate) fn has_keywords(digest: &DigestConfig) -> bool {
    !digest.include_keywords.is_empty() || !digest.exclude_keywords.is_empty()
}

pub(super) fn keywords_match(digest: &DigestConfig, item: &Item) -> bool {
    if !has_keywords(digest) {
        return true;
    }
    match item.keyword_matches.passes(digest.index) {
        Some(matched) => matched,
        None => keywords_match_text(digest, &haystack(item)),
    }
}

/// Title and summary text: what keywords are matched against. Only texts in memory
/// count: items are matched fresh from the parse, or after `State::load_texts`.
pub(super) fn haystack(item: &Item) -> String {
    let summary = item
        .texts
        .loaded()
        .and_then(|t| t.summary.as_deref().or(t.content.as_deref()))
        .map(text::html_to_text)
        .unwrap_or_default();
    format!("{}\n{}", item.title, summary)
}

pub(super) fn keywords_match_text(digest: &DigestConfig, haystack: &str) -> bool {
    if digest
        .exclude_keywords
        .iter()
        .any(|re| re.is_match(haystack))
    {
        return false;
    }
    digest.include_keywords.is_empty()
        || digest
            .include_keywords
            .iter()
            .any(|re| re.is_match(haystack))
}

/// Names the keyword rule that refused an item: the exclude pattern it matches, else
/// the include patterns it matches none of. Reads the item's text, which the caller
/// loads from the state.
pub(crate) fn keyword_reason(digest: &DigestConfig, item: &Item) -> String {
    let haystack = haystack(item);
    match digest
        .exclude_keywords
        .iter()
        .find(|re| re.is_match(&haystack))
    {
        Some(re) => re.as_str().to_string(),
        None => {
            let patterns: Vec<&str> = digest
                .include_keywords
                .iter()
                .map(|re| re.as_str())
                .collect();
            format!("none of {}", patterns.join(", "))
        }
    }
}
