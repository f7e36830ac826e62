//! Selection at its edges: the window's start, how far owed items reach, items
//! handled before, the caps, and duplicates of selected and of cut items.

use std::path::Path;

use chrono::TimeZone;

use super::*;
use crate::model::{FeedKey, Texts};
use crate::state::{SentItem, State};

mod filters;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 14, 12, 0, 0)
        .single()
        .expect("valid date")
}

fn hours(n: i64) -> chrono::Duration {
    chrono::Duration::hours(n)
}

/// The digest `daily` with these settings (YAML, indented for its block).
fn digest(settings: &str) -> DigestConfig {
    let yaml = format!(
        "feeds:\n  - path: a.xml\n  - path: b.xml\ndigests:\n  daily:\n    to: [reader@example.org]\n{settings}\n"
    );
    let config = crate::config::parse(Path::new("feeds.yaml"), &yaml).expect("valid config");
    config.digests.into_iter().next().expect("one digest")
}

fn item(feed: usize, key: &str, link: &str, date: DateTime<Utc>) -> Item {
    Item {
        key: key.into(),
        feed: FeedIndex(feed),
        title: key.to_uppercase(),
        link: Some(link.into()),
        date: Some(date),
        texts: Texts::new(None, None),
        categories: Vec::new(),
        authors: Vec::new(),
        image: None,
        keyword_matches: KeywordMatches::default(),
    }
}

fn feed(index: usize, items: Vec<Item>) -> FeedItems {
    FeedItems {
        feed: FeedIndex(index),
        name: format!("Feed {index}"),
        location: FeedKey::new(format!("https://feed{index}.example/")),
        site: None,
        tags: Vec::new(),
        items,
    }
}

/// (key, verdict) of every candidate, newest first.
fn verdicts(trace: &Trace) -> Vec<(String, Verdict)> {
    trace
        .candidates
        .iter()
        .map(|c| (c.item.key.clone(), c.verdict.clone()))
        .collect()
}

fn keys(copies: &[(FeedKey, String)]) -> Vec<&str> {
    copies.iter().map(|(_, key)| key.as_str()).collect()
}

#[test]
fn an_item_dated_exactly_at_the_windows_start_is_inside_it() {
    let digest = digest("    window: 24h");
    let start = now() - hours(24);
    let feeds = [feed(
        0,
        vec![
            item(0, "edge", "https://x.example/edge", start),
            item(
                0,
                "before",
                "https://x.example/before",
                start - chrono::Duration::seconds(1),
            ),
        ],
    )];
    let trace = trace(&digest, &feeds, now(), &SentItems::default());
    assert_eq!(trace.since, start);
    assert_eq!(
        verdicts(&trace),
        [
            ("edge".into(), Verdict::Selected),
            (
                "before".into(),
                Verdict::Window {
                    age: hours(24) + chrono::Duration::seconds(1)
                }
            ),
        ]
    );
}

#[test]
fn a_carried_item_is_owed_back_to_exactly_the_digests_reach() {
    let digest = digest("    window: 24h\n    catch_up: 48h\n    overflow: carry");
    let reach = now() - hours(72);
    let feeds = [feed(
        0,
        vec![
            item(0, "edge", "https://x.example/edge", reach),
            item(
                0,
                "beyond",
                "https://x.example/beyond",
                reach - chrono::Duration::seconds(1),
            ),
        ],
    )];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut state = State::open(&dir.path().join("state.db")).expect("state");
    let carried = |key: &str| SentItem {
        feed: feeds[0].location.clone(),
        key: key.into(),
        link: Some(format!("https://x.example/{key}")),
        how: Handling::Carried,
    };
    // Delivered an hour ago, so the window itself starts at the usual 24h.
    let delivered = now() - hours(1);
    state
        .mark_sent(
            "daily",
            &[carried("edge"), carried("beyond")],
            delivered,
            None,
        )
        .expect("marked");
    let sent = state.sent("daily").expect("sent");
    let trace = trace(&digest, &feeds, now(), &sent);
    assert_eq!(trace.since, now() - hours(24));
    assert_eq!(trace.candidates[0].verdict, Verdict::Selected);
    assert!(matches!(
        trace.candidates[1].verdict,
        Verdict::Window { .. }
    ));
}

/// The same article through two feeds is sent once; the copy is recorded with the
/// item it lost to, so it never turns up on its own later.
#[test]
fn a_copy_of_a_selected_item_is_recorded_as_its_duplicate() {
    let digest = digest("    window: 24h");
    let feeds = [
        feed(
            0,
            vec![item(0, "first", "https://x.example/post", now() - hours(1))],
        ),
        feed(
            1,
            vec![item(1, "copy", "https://x.example/post", now() - hours(2))],
        ),
    ];
    let trace = trace(&digest, &feeds, now(), &SentItems::default());
    assert_eq!(
        trace.candidates[1].verdict,
        Verdict::DuplicateOf { winner: 0 }
    );
    let selection = selection(trace);
    let selected: Vec<&str> = selection.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(selected, ["first"]);
    assert_eq!(selection.items[0].feed_url, feeds[0].location);
    assert_eq!(selection.items[0].date, now() - hours(1));
    assert_eq!(keys(&selection.duplicates), ["copy"]);
    assert_eq!(selection.duplicates[0].0, feeds[1].location);
    assert!(selection.cut.is_empty());
    assert_eq!(selection.omitted, 0);
}

/// A copy of an item the caps cut goes with it: handled (or owed) alike, and not
/// counted twice in "N more".
#[test]
fn a_copy_of_a_cut_item_is_cut_with_it() {
    let digest = digest("    window: 24h\n    max_items: 1");
    let feeds = [
        feed(
            0,
            vec![
                item(0, "kept", "https://x.example/kept", now() - hours(1)),
                item(0, "cut", "https://x.example/cut", now() - hours(2)),
            ],
        ),
        feed(
            1,
            vec![item(1, "copy", "https://x.example/cut", now() - hours(3))],
        ),
    ];
    let trace = trace(&digest, &feeds, now(), &SentItems::default());
    assert_eq!(
        verdicts(&trace),
        [
            ("kept".into(), Verdict::Selected),
            ("cut".into(), Verdict::CutByMaxItems),
            ("copy".into(), Verdict::DuplicateOf { winner: 1 }),
        ]
    );
    let selection = selection(trace);
    assert!(selection.duplicates.is_empty());
    assert_eq!(selection.omitted, 1);
    assert_eq!(
        selection.cut,
        [
            (
                feeds[0].location.clone(),
                "cut".into(),
                Some("https://x.example/cut".into())
            ),
            (feeds[1].location.clone(), "copy".into(), None),
        ]
    );
}

/// Sent and cut items are not offered again, and say which they were; a carried one
/// is still owed.
#[test]
fn items_handled_before_say_how_they_were_handled() {
    let digest = digest("    window: 24h");
    let feeds = [feed(
        0,
        ["sent", "cut", "carried", "new"]
            .iter()
            .enumerate()
            .map(|(n, key)| {
                item(
                    0,
                    key,
                    &format!("https://x.example/{key}"),
                    now() - hours(n as i64 + 2),
                )
            })
            .collect(),
    )];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut state = State::open(&dir.path().join("state.db")).expect("state");
    let handled = |key: &str, how| SentItem {
        feed: feeds[0].location.clone(),
        key: key.into(),
        link: None,
        how,
    };
    let delivered = now() - hours(1);
    let earlier = [
        handled("sent", Handling::Sent),
        handled("cut", Handling::Cut),
        handled("carried", Handling::Carried),
    ];
    state
        .mark_sent("daily", &earlier, delivered, None)
        .expect("marked");
    let sent = state.sent("daily").expect("sent");
    let trace = trace(&digest, &feeds, now(), &sent);
    let at = delivered;
    assert_eq!(
        verdicts(&trace),
        [
            ("sent".into(), Verdict::AlreadySent { at, cut: false }),
            ("cut".into(), Verdict::AlreadySent { at, cut: true }),
            ("carried".into(), Verdict::Selected),
            ("new".into(), Verdict::Selected),
        ]
    );
}

#[test]
fn caps_cut_per_feed_and_then_in_all_in_rank_order() {
    let digest = digest("    window: 24h\n    max_items: 2\n    max_per_feed: 1");
    let feeds = [
        feed(
            0,
            vec![
                item(0, "a", "https://x.example/a", now() - hours(1)),
                item(0, "b", "https://x.example/b", now() - hours(2)),
            ],
        ),
        feed(
            1,
            vec![item(1, "c", "https://y.example/c", now() - hours(3))],
        ),
        feed(
            2,
            vec![item(2, "d", "https://z.example/d", now() - hours(4))],
        ),
    ];
    let trace = trace(&digest, &feeds, now(), &SentItems::default());
    assert_eq!(
        verdicts(&trace),
        [
            ("a".into(), Verdict::Selected),
            ("b".into(), Verdict::CutByMaxPerFeed),
            ("c".into(), Verdict::Selected),
            ("d".into(), Verdict::CutByMaxItems),
        ]
    );
    let selection = selection(trace);
    assert_eq!(selection.omitted, 2);
}

/// A digest late to run reaches back to its last delivery, but no further than its
/// window plus `catch_up`; one delivered within its window starts at the usual place.
#[test]
fn a_late_digest_reaches_back_to_its_last_delivery_and_no_further() {
    let digest = digest("    window: 24h\n    catch_up: 48h");
    let start = |last| window_start(&digest, now(), last);
    assert_eq!(start(None), now() - hours(24));
    assert_eq!(start(Some(now() - hours(1))), now() - hours(24));
    assert_eq!(start(Some(now() - hours(30))), now() - hours(30));
    assert_eq!(start(Some(now() - hours(100))), now() - hours(72));
    let feeds = [feed(
        0,
        vec![
            item(0, "new", "https://x.example/new", now() - hours(2)),
            item(0, "old", "https://x.example/old", now() - hours(30)),
        ],
    )];
    let chosen = select(&digest, &feeds, now(), &SentItems::default());
    let keys: Vec<&str> = chosen.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["new"]);
}
