//! Selection's filters: tags, keywords (and the match made while the text was at
//! hand), and the tags an item has.

use super::*;

#[test]
fn only_a_digest_with_keywords_reads_item_texts_for_them() {
    assert!(!has_keywords(&digest("    window: 24h")));
    assert!(has_keywords(&digest("    keywords: { include: [rust] }")));
    assert!(has_keywords(&digest("    keywords: { exclude: [crypto] }")));
    let item = item(0, "a", "https://x.example/a", now());
    assert_eq!(
        keyword_matches(&[digest("    window: 24h")], &item),
        KeywordMatches::default()
    );
}

#[test]
fn tags_exclude_wins_and_include_is_any_of() {
    let digest = digest("    tags: { include: [rust, ai], exclude: [crypto] }");
    let tagged = |key: &str, hours_ago: i64, categories: &[&str]| {
        let mut item = item(
            0,
            key,
            &format!("https://x.example/{key}"),
            now() - hours(hours_ago),
        );
        item.categories = categories.iter().map(|c| c.to_string()).collect();
        item
    };
    let mut ai_feed = feed(
        1,
        vec![item(1, "untagged", "https://y.example/u", now() - hours(5))],
    );
    ai_feed.tags = vec!["ai".into()];
    let feeds = [
        feed(
            0,
            vec![
                tagged("rust", 1, &["Rust"]),
                tagged("wallets", 2, &["rust", "Crypto"]),
                tagged("bread", 3, &["cooking"]),
                tagged("bare", 4, &[]),
            ],
        ),
        ai_feed,
    ];
    let trace = trace(&digest, &feeds, now(), &SentItems::default());
    assert_eq!(
        verdicts(&trace),
        [
            ("rust".into(), Verdict::Selected),
            ("wallets".into(), Verdict::TagExclude("crypto".into())),
            ("bread".into(), Verdict::TagInclude),
            ("bare".into(), Verdict::TagInclude),
            ("untagged".into(), Verdict::Selected),
        ]
    );
    assert_eq!(trace.candidates[0].tags, ["rust"]);
}

#[test]
fn keywords_exclude_wins_include_is_any_of_and_summaries_count() {
    let digest = digest("    keywords: { include: [\"(?i)rust\", zig], exclude: [sponsored] }");
    let titled = |key: &str, hours_ago: i64, title: &str, summary: Option<&str>| {
        let mut item = item(
            0,
            key,
            &format!("https://x.example/{key}"),
            now() - hours(hours_ago),
        );
        item.title = title.into();
        item.texts = Texts::new(summary.map(str::to_string), None);
        item
    };
    let feeds = [feed(
        0,
        vec![
            titled("news", 1, "Rust news", None),
            titled("ad", 2, "Rust, sponsored", None),
            titled("bread", 3, "Sourdough", None),
            titled("inside", 4, "Weekly", Some("<p>all about <b>zig</b></p>")),
        ],
    )];
    let trace = trace(&digest, &feeds, now(), &SentItems::default());
    assert_eq!(
        verdicts(&trace),
        [
            ("news".into(), Verdict::Selected),
            ("ad".into(), Verdict::Keyword),
            ("bread".into(), Verdict::Keyword),
            ("inside".into(), Verdict::Selected),
        ]
    );
    assert_eq!(keyword_reason(&digest, &feeds[0].items[1]), "sponsored");
    assert_eq!(
        keyword_reason(&digest, &feeds[0].items[2]),
        "none of (?i)rust, zig"
    );
}

/// A real run matches keywords while the text is at hand and then leaves the text in
/// the state: the match made then is what counts.
#[test]
fn a_keyword_match_made_at_parse_time_is_used_without_the_text() {
    let digest = digest("    keywords: { include: [rust] }");
    let titled = |key: &str, hours_ago: i64, title: &str| {
        let mut item = item(
            0,
            key,
            &format!("https://x.example/{key}"),
            now() - hours(hours_ago),
        );
        item.title = title.into();
        item.keyword_matches = keyword_matches(std::slice::from_ref(&digest), &item);
        item
    };
    let (mut matched, mut unmatched) = (
        titled("matched", 1, "rust"),
        titled("unmatched", 2, "bread"),
    );
    // Were the text read again now, each would get the other's verdict.
    matched.title = "bread".into();
    unmatched.title = "rust".into();
    let feeds = [feed(0, vec![matched, unmatched])];
    let trace = trace(&digest, &feeds, now(), &SentItems::default());
    assert_eq!(trace.candidates[0].verdict, Verdict::Selected);
    assert_eq!(trace.candidates[1].verdict, Verdict::Keyword);
}

#[test]
fn item_tags_are_deduplicated_in_linear_time() {
    // 200,000 distinct categories: comparing each with all before it would take
    // minutes.
    let mut feed = feed(0, Vec::new());
    feed.tags = vec!["rust".into()];
    let mut item = item(0, "k", "https://x.example/k", now());
    item.categories = (0..200_000).map(|n| format!("Tag{n}")).collect();
    item.categories.push("RUST".into());
    item.categories.push("tag7".into());
    let tags = item_tags(&feed, &item);
    assert_eq!(tags.len(), 200_001);
    assert_eq!(tags[..3], ["rust", "tag0", "tag1"]);
}
