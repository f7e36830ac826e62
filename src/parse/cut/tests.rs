use super::*;

fn items(n: usize, item: impl Fn(usize) -> String) -> String {
    (0..n).map(item).collect()
}

/// The cut document as text, and how many entries were dropped and broken.
fn cut_text(doc: &str) -> (String, usize, usize) {
    let cut = cut(doc.as_bytes()).expect("cut");
    (
        String::from_utf8(cut.doc).expect("UTF-8"),
        cut.dropped,
        cut.broken,
    )
}

#[test]
fn small_feeds_are_left_alone() {
    let doc = format!("<rss><channel>{}</channel></rss>", "<item/>".repeat(50));
    assert!(cut(doc.as_bytes()).is_none());
    let json = format!("{{\"items\":[{}{{}}]}}", "{},".repeat(MAX_ITEMS - 1));
    assert!(cut(json.as_bytes()).is_none());
}

#[test]
fn the_newest_xml_entries_are_kept_in_document_order() {
    // Oldest first, two undated at the front: they go first.
    let body = items(MAX_ITEMS + 5, |n| match n {
        0 | 1 => format!("<item><guid>u{n}</guid><title>Salt & pepper</title></item>"),
        n => format!(
            "<item><guid>{n}</guid><pubDate>{}</pubDate></item>\n",
            chrono::DateTime::from_timestamp(1_000_000 + n as i64 * 60, 0)
                .map(|d| d.to_rfc2822())
                .unwrap_or_default()
        ),
    });
    let doc = format!("<rss><channel><title>T</title>{body}</channel></rss>");
    let (out, dropped, _) = cut_text(&doc);
    assert_eq!(dropped, 5);
    assert!(out.starts_with("<rss><channel><title>T</title><item><guid>5</guid>"));
    assert!(out.ends_with("</item>\n</channel></rss>"));
    assert_eq!(out.matches("<item>").count(), MAX_ITEMS);
}

#[test]
fn a_broken_entry_is_counted_and_reading_goes_on() {
    let body = items(MAX_ITEMS + 2, |n| match n {
        3 => "<item><title>a <!b</title></item>".to_string(),
        n => format!("<item><guid>{n}</guid></item>"),
    });
    let doc = format!("<rss><channel>{body}</channel></rss>");
    let (out, dropped, broken) = cut_text(&doc);
    assert_eq!((dropped, broken), (1, 1));
    assert!(out.starts_with("<rss><channel><item><guid>0</guid></item>"));
    assert!(!out.contains("<!b") && !out.contains("<guid>10001</guid>"));
    assert!(out.ends_with(&format!(
        "<guid>{}</guid></item></channel></rss>",
        MAX_ITEMS
    )));
}

#[test]
fn elements_past_the_entry_limit_are_dropped() {
    let categories = items(5_000, |n| format!("<category>c{n}</category>"));
    let doc = format!(
        "<rss><channel><item><title>a<b>b</b></title>{categories}<link>x</link></item></channel></rss>"
    );
    let (out, dropped, _) = cut_text(&doc);
    assert_eq!(dropped, 0);
    assert_eq!(out.matches("<category>").count(), MAX_ENTRY_ELEMENTS - 1);
    assert!(out.contains("<title>a<b>b</b></title><category>c0</category>"));
    assert!(!out.contains("<link>"), "elements after the limit go too");
}

#[test]
fn a_json_feed_keeps_its_newest_items_and_other_members() {
    let body = items(MAX_ITEMS + 3, |n| {
        format!(
            "{{\"id\":\"{n}\",\"date_published\":\"2024-01-01T00:00:{:02}Z\"}},",
            n % 60
        )
    });
    let doc = format!("{{\"version\":\"v1\",\"title\":\"T\",\"items\":[{body}{{}}]}}");
    let (out, dropped, _) = cut_text(&doc);
    let feed: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(dropped, 4);
    assert_eq!(feed["title"], "T");
    let items = feed["items"].as_array().expect("items");
    assert_eq!(items.len(), MAX_ITEMS);
    assert!(
        items.iter().all(|i| i.get("id").is_some()),
        "the undated one went"
    );
}
