//! Feeds as they are found in the wild: legacy formats, wrong or missing charsets,
//! odd entries, missing links and odd dates. Each fixture in tests/fixtures/wild is
//! served over loopback HTTP and previewed as JSON.
//!
//! Every test states what Python's feedparser 6.0 extracts from the same fixture
//! (title, link, date as published else updated), and asserts feedletter's. Where the
//! two differ on purpose, the test says why.

pub mod support;

use serde_json::Value;
use support::{FeedServer, Route, feedletter, fixture, write_config};

const NOW: &str = "2024-06-01T00:00:00Z";

/// A server with `body` at /feed, and a config with one digest that takes every item.
fn serve(body: Vec<u8>, content_type: &str) -> (FeedServer, tempfile::TempDir, std::path::PathBuf) {
    let server = FeedServer::start(vec![("/feed", Route::ok(content_type, body))]);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: {}\ndigests:\n  all:\n    window: 5000d\n    max_items: 100\n    to: [me@example.com]\n",
            server.url("/feed")
        ),
    );
    (server, dir, config)
}

/// (JSON preview, stderr) of the fixture served with `content_type`.
fn preview(name: &str, content_type: &str) -> (Value, String) {
    preview_body(fixture(&format!("wild/{name}")), content_type)
}

fn preview_body(body: Vec<u8>, content_type: &str) -> (Value, String) {
    let (_server, _dir, config) = serve(body, content_type);
    let output = feedletter()
        .args(["run", "all", "--dry-run=json", "--now", NOW, "-c"])
        .arg(&config)
        .assert()
        .success()
        .get_output()
        .clone();
    let doc = serde_json::from_slice(&output.stdout).expect("JSON preview");
    (doc, String::from_utf8(output.stderr).expect("UTF-8 stderr"))
}

/// (title, link, date) of every item, in digest order (newest first).
fn items(doc: &Value) -> Vec<(String, Option<String>, String)> {
    doc["digests"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["title"].as_str().expect("title").to_string(),
                i["link"].as_str().map(str::to_string),
                i["date"].as_str().expect("date").to_string(),
            )
        })
        .collect()
}

fn expect(rows: &[(&str, Option<&str>, &str)]) -> Vec<(String, Option<String>, String)> {
    rows.iter()
        .map(|(t, l, d)| (t.to_string(), l.map(str::to_string), d.to_string()))
        .collect()
}

fn no_failures(doc: &Value) {
    assert_eq!(doc["failed_feeds"], serde_json::json!([]), "{doc:#}");
}

#[test]
fn rss_090_is_read() {
    // feedparser: 3 entries, no dates (RSS 0.90 has none), links from <link>.
    let (doc, _) = preview("rss090.rdf", "application/rdf+xml");
    no_failures(&doc);
    // Undated items are dated by first sight: the run's time. Ties go by title.
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Größter Speicherchip der Welt",
                Some("https://news.bytewerk.example/meldung/1003.html"),
                NOW
            ),
            (
                "Neue Grafikkarten vorgestellt",
                Some("https://news.bytewerk.example/meldung/1001.html"),
                NOW
            ),
            (
                "Sicherheitslücke in Router-Firmware",
                Some("https://news.bytewerk.example/meldung/1002.html"),
                NOW
            ),
        ])
    );
}

#[test]
fn atom_03_is_read_with_dates_and_content() {
    // feedparser: 'Escaped content' 2024-03-01T08:30:00Z (issued), 'Base64 content'
    // 2024-02-20T18:15:00Z (issued), 'Only modified' 2024-02-10T06:45:00Z (modified).
    let (doc, _) = preview("atom03.xml", "application/atom+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Escaped content",
                Some("https://diary.example.net/2024/03/escaped"),
                "2024-03-01T08:30:00Z"
            ),
            (
                "Base64 content",
                Some("https://diary.example.net/2024/02/base64"),
                "2024-02-20T18:15:00Z"
            ),
            (
                "Only modified",
                Some("https://diary.example.net/2024/02/modified"),
                "2024-02-10T06:45:00Z"
            ),
        ])
    );
    let excerpts: Vec<&str> = doc["digests"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["excerpt"].as_str().expect("excerpt"))
        .collect();
    assert_eq!(
        excerpts,
        ["Hello old world", "Encoded body", "A summary only."]
    );
}

#[test]
fn rss_10_items_without_link_are_kept() {
    // feedparser: all 3 entries; for the two without <link> its link is empty and its
    // id is the rdf:about URI. feedletter links them to that URI: an item in a digest
    // needs somewhere to go, and rdf:about is the item's own address.
    let (doc, stderr) = preview("rss10-about.rdf", "application/rdf+xml");
    no_failures(&doc);
    assert!(!stderr.contains("could not be read"), "{stderr}");
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Build fails on ARM",
                Some("https://lists.example.org/msg/503/view"),
                "2024-05-03T11:00:00Z"
            ),
            (
                "Re: Release 2.1 is out",
                Some("https://lists.example.org/msg/502"),
                "2024-05-02T09:30:00Z"
            ),
            (
                "Release 2.1 is out",
                Some("https://lists.example.org/msg/501"),
                "2024-05-02T08:00:00Z"
            ),
        ])
    );
}

#[test]
fn undeclared_windows_1252_is_detected() {
    // feedparser: encoding windows-1252; 'Café crème “spécial”' 2024-05-06T06:00:00Z,
    // 'Naïve menu – été' 2024-05-05T06:00:00Z.
    let (doc, _) = preview("cp1252-undeclared.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Café crème “spécial”",
                Some("https://cafe.example.fr/creme"),
                "2024-05-06T06:00:00Z"
            ),
            (
                "Naïve menu – été",
                Some("https://cafe.example.fr/menu"),
                "2024-05-05T06:00:00Z"
            ),
        ])
    );
}

#[test]
fn a_latin1_declaration_over_utf8_bytes_reads_as_utf8() {
    // feedparser: 'Café crème and naïve résumés' 2024-05-07T10:00:00Z, 'Zürich in
    // spring' 2024-05-06T10:00:00Z. The server says Latin-1 too, as misconfigured
    // servers do; the bytes still win.
    let (doc, _) = preview(
        "latin1-prolog-utf8-bytes.xml",
        "application/rss+xml; charset=ISO-8859-1",
    );
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Café crème and naïve résumés",
                Some("https://journal.example.com/creme"),
                "2024-05-07T10:00:00Z"
            ),
            (
                "Zürich in spring",
                Some("https://journal.example.com/zurich"),
                "2024-05-06T10:00:00Z"
            ),
        ])
    );
}

#[test]
fn the_http_charset_decides_over_a_guess() {
    // 0xA4 is € in ISO-8859-15 and ¤ in windows-1252 (what a guess would pick).
    let body = b"<rss version=\"2.0\"><channel><title>Prices</title><item><title>Lunch 5\xa4</title>\
        <link>https://prices.example.com/lunch</link><pubDate>Wed, 08 May 2024 12:00:00 GMT</pubDate></item></channel></rss>"
        .to_vec();
    let (doc, _) = preview_body(body, "text/xml; charset=iso-8859-15");
    no_failures(&doc);
    assert_eq!(items(&doc)[0].0, "Lunch 5€");
}

#[test]
fn one_odd_atom_entry_costs_only_its_field() {
    // feedparser: all 4 entries, titles as written ('Custom typed title' too), dates
    // 2024-04-10/09/08/07 at 12:00Z.
    let (doc, stderr) = preview("atom-odd-types.xml", "application/atom+xml");
    no_failures(&doc);
    assert!(!stderr.contains("could not be read"), "{stderr}");
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "A plain entry",
                Some("https://lab.example.io/plain"),
                "2024-04-10T12:00:00Z"
            ),
            (
                "Binary attachment",
                Some("https://lab.example.io/binary"),
                "2024-04-09T12:00:00Z"
            ),
            (
                "Custom typed title",
                Some("https://lab.example.io/custom"),
                "2024-04-08T12:00:00Z"
            ),
            (
                "Empty summary",
                Some("https://lab.example.io/empty"),
                "2024-04-07T12:00:00Z"
            ),
        ])
    );
    let excerpts: Vec<&str> = doc["digests"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["excerpt"].as_str().expect("excerpt"))
        .collect();
    // The binary content is dropped, not shown as base64.
    assert_eq!(excerpts, ["Nothing odd here.", "", "Custom summary", ""]);
}

#[test]
fn an_rss_guid_is_the_link_unless_it_says_otherwise() {
    // feedparser: Episode 12 and 11 linked to their guids; Episode 10
    // (isPermaLink="false") has no link, nor has Episode 9 (an empty <link>).
    let (doc, _) = preview("rss-guid-only.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Episode 12",
                Some("https://pod.example.com/episodes/12"),
                "2024-05-08T06:00:00Z"
            ),
            (
                "Episode 11",
                Some("https://pod.example.com/episodes/11"),
                "2024-05-01T06:00:00Z"
            ),
            ("Episode 10", None, "2024-04-24T06:00:00Z"),
            ("Episode 9", None, "2024-04-17T06:00:00Z"),
        ])
    );
}

#[test]
fn an_atom_id_that_is_a_web_address_is_the_link() {
    // feedparser: links https://ids.example.org/posts/first and …/second (the id, not
    // the enclosure), and 'tag:ids.example.org,2024:third' for the third, which is no
    // web address: feedletter keeps only http(s) links.
    let (doc, _) = preview("atom-id-link.xml", "application/atom+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Id is the permalink",
                Some("https://ids.example.org/posts/first"),
                "2024-05-09T12:00:00Z"
            ),
            (
                "Only an enclosure link",
                Some("https://ids.example.org/posts/second"),
                "2024-05-08T12:00:00Z"
            ),
            ("A tag id", None, "2024-05-07T12:00:00Z"),
        ])
    );
}

#[test]
fn naked_markup_in_a_title_is_its_text() {
    // feedparser: '<p>Item Title</p>' and 'Plain <b>bold</b> words', as HTML: their
    // text is what a reader sees, and what feedletter shows.
    let (doc, _) = preview("naked-title.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Item Title",
                Some("https://naked.example.com/one"),
                "2024-05-09T07:00:00Z"
            ),
            (
                "Plain bold words",
                Some("https://naked.example.com/two"),
                "2024-05-08T07:00:00Z"
            ),
        ])
    );
}

#[test]
fn markup_after_a_comment_in_a_title_is_its_text() {
    let body = "<rss version=\"2.0\"><channel><item><title>a <!-- c --><b>B</b> c</title>\
        <link>https://naked.example.com/c</link>\
        <pubDate>Thu, 09 May 2024 07:00:00 GMT</pubDate></item></channel></rss>";
    let (doc, _) = preview_body(body.into(), "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[(
            "a B c",
            Some("https://naked.example.com/c"),
            "2024-05-09T07:00:00Z"
        )])
    );
}

#[test]
fn comments_whose_links_differ_only_in_fragment_stay_apart() {
    // feedparser: two entries, links …#comment-101 and …#comment-102.
    let (doc, _) = preview("comment-fragments.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "By: Bo",
                Some("https://blog.example.com/fragments#comment-102"),
                "2024-05-10T09:00:00Z"
            ),
            (
                "By: Ana",
                Some("https://blog.example.com/fragments#comment-101"),
                "2024-05-10T08:00:00Z"
            ),
        ])
    );
}

#[test]
fn dates_feed_rs_cannot_read_are_read_leniently() {
    // feedparser: 2012-11-13T14:36:22Z (no zone: UTC), 2023-12-16T02:02:33Z (it
    // ignores the PM; feedletter does not), 2023-12-15T10:20:30Z, 2023-12-14T08:00:00Z.
    let (doc, _) = preview("dates-lenient.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Month first with AM/PM",
                Some("https://dates.example.com/ampm"),
                "2023-12-16T14:02:33Z"
            ),
            (
                "Truncated zone",
                Some("https://dates.example.com/truncated"),
                "2023-12-15T10:20:30Z"
            ),
            (
                "A good date",
                Some("https://dates.example.com/good"),
                "2023-12-14T08:00:00Z"
            ),
            (
                "ISO without zone",
                Some("https://dates.example.com/iso"),
                "2012-11-13T14:36:22Z"
            ),
        ])
    );
}

#[test]
fn a_feed_whose_entries_are_all_unreadable_is_a_failed_feed() {
    // feedparser: 'First' and 'Second', no links (it cannot resolve them against
    // the broken xml:base either), no dates. feed-rs refuses an entry whose xml:base
    // is not a URL; nothing in these two can be read.
    let (doc, stderr) = preview("all-unreadable.xml", "application/rss+xml");
    assert_eq!(items(&doc), expect(&[]));
    let failed = &doc["failed_feeds"][0];
    assert_eq!(failed["kind"], "parse", "{doc:#}");
    assert_eq!(
        failed["error"],
        "not a valid feed: none of its 2 entries could be read"
    );
    assert!(
        stderr.contains("none of its 2 entries could be read"),
        "{stderr}"
    );
}

#[test]
fn a_partly_readable_feed_is_read_and_says_how_much_was_lost() {
    // feedparser: 'Readable A' https://partial.example.net/a, then 'Broken B' and
    // 'Readable C' without links (its xml:base, broken in B, spoils them). feed-rs
    // refuses B, and only B.
    let (server, _dir, config) = serve(fixture("wild/rss10-partial.rdf"), "application/rdf+xml");
    let output = feedletter()
        .args(["run", "all", "--dry-run=text", "--now", NOW, "-c"])
        .arg(&config)
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    let url = server.url("/feed");
    assert!(
        stderr.contains(&format!(
            "warning: feed Partly Broken ({url}): 1 of 3 entries could not be read"
        )),
        "{stderr}"
    );
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!(
            "Feed read in part: Partly Broken ({url}): 1 of 3 entries could not be read."
        )),
        "{text}"
    );
    assert!(
        flat.contains("Readable A") && flat.contains("Readable C"),
        "{text}"
    );
    assert!(!flat.contains("Broken B"), "{text}");
}

#[test]
fn a_feed_cut_short_keeps_the_entries_before_the_cut() {
    // feedparser: bozo (not well-formed); 'Salt & pepper' 2024-05-14T09:00:00Z (the
    // bare & read as text), 'Bread and butter' 2024-05-13T09:00:00Z, and a third
    // entry with no title, link or date.
    let (doc, stderr) = preview("truncated.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Salt & pepper",
                Some("https://cut.example.com/salt"),
                "2024-05-14T09:00:00Z"
            ),
            (
                "Bread and butter",
                Some("https://cut.example.com/bread"),
                "2024-05-13T09:00:00Z"
            ),
        ])
    );
    assert!(
        stderr.contains("1 of 3 entries could not be read"),
        "{stderr}"
    );
    assert_eq!(
        doc["partial_feeds"][0]["warning"],
        serde_json::json!("1 of 3 entries could not be read"),
        "{doc:#}"
    );
}

#[test]
fn check_fetch_shows_a_partly_read_feed() {
    let (_server, _dir, config) = serve(fixture("wild/rss10-partial.rdf"), "application/rdf+xml");
    let output = feedletter()
        .args(["check", "--fetch", "-c"])
        .arg(&config)
        .assert()
        .success()
        .get_output()
        .clone();
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    let row = table
        .lines()
        .find(|l| l.starts_with("Partly Broken"))
        .unwrap_or_else(|| panic!("no row for the feed:\n{table}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[2..4], ["ok", "2"], "{table}");
    assert!(row.ends_with("1 of 3 entries could not be read"), "{table}");
}

#[test]
fn untitled_items_without_guid_or_link_stay_apart() {
    // feedparser: two entries, no titles, no links.
    let body = b"<rss version=\"0.92\"><channel><title>Notes</title><link>https://notes.example.com/</link>\
        <item><description>First note.</description></item>\
        <item><description>Second note.</description></item></channel></rss>"
        .to_vec();
    let (doc, _) = preview_body(body, "application/rss+xml");
    no_failures(&doc);
    let excerpts: Vec<&str> = doc["digests"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["excerpt"].as_str().expect("excerpt"))
        .collect();
    assert_eq!(excerpts, ["First note.", "Second note."]);
}

/// A 40-item RSS feed whose 6th title is `title6`, one day apart from 2024-05-01.
fn forty_items(title6: &str) -> Vec<u8> {
    let items: String = (1..=40)
        .map(|n| {
            let title = if n == 6 {
                title6.to_string()
            } else {
                format!("Item {n}")
            };
            format!(
                "<item><title>{title}</title><link>https://forty.example.com/{n}</link>\
                 <pubDate>{:02} May 2024 08:00:00 GMT</pubDate></item>\n",
                (n - 1) % 28 + 1
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Forty</title>\
         <link>https://forty.example.com/</link>\n{items}</channel></rss>"
    )
    .into_bytes()
}

#[test]
fn a_bare_less_than_in_a_title_is_text() {
    // feedparser: all 40 entries, the 6th titled 'a < b'.
    let (doc, stderr) = preview_body(forty_items("a < b"), "application/rss+xml");
    no_failures(&doc);
    let titles: Vec<String> = items(&doc).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(titles.len(), 40, "{titles:?}");
    assert!(titles.contains(&"a < b".to_string()), "{titles:?}");
    assert!(!stderr.contains("could not be read"), "{stderr}");
}

#[test]
fn reading_resumes_after_a_broken_entry() {
    // `<!b` is markup no XML reader reads: the entry is lost, and only that entry.
    let (doc, stderr) = preview_body(forty_items("a <!b"), "application/rss+xml");
    no_failures(&doc);
    let titles: Vec<String> = items(&doc).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(titles.len(), 39, "{titles:?}");
    assert!(titles.contains(&"Item 40".to_string()), "{titles:?}");
    assert_eq!(
        doc["partial_feeds"][0]["warning"],
        serde_json::json!("1 of 40 entries could not be read"),
        "{stderr}"
    );
}

#[test]
fn an_unclosed_encoding_in_the_declaration_costs_nothing() {
    // The unclosed value must not be taken to run on into the root element: the feed
    // reads as if it declared no encoding.
    let body = "<?xml version=\"1.0\" encoding=\"utf-8?>\n<rss version=\"2.0\"><channel>\
        <item><title>Declared badly</title><link>https://decl.example.org/1</link>\
        <pubDate>Tue, 14 May 2024 09:00:00 GMT</pubDate></item></channel></rss>";
    let (doc, _) = preview_body(body.into(), "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[(
            "Declared badly",
            Some("https://decl.example.org/1"),
            "2024-05-14T09:00:00Z"
        )])
    );
}

#[test]
fn a_stray_byte_in_utf8_spoils_one_character() {
    // feedparser: 'Café 日本語' and 'Crème ?' (its one byte replaced).
    let mut body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
        <title>Stray</title><link>https://stray.example.com/</link>\
        <item><title>Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e</title><link>https://stray.example.com/1</link>\
        <pubDate>Tue, 14 May 2024 09:00:00 GMT</pubDate></item>\
        <item><title>Cr\xc3\xa8me "
        .to_vec();
    body.extend_from_slice(
        b"\xff</title><link>https://stray.example.com/2</link>\
          <pubDate>Mon, 13 May 2024 09:00:00 GMT</pubDate></item></channel></rss>",
    );
    let (server, _dir, config) = serve(body, "application/rss+xml");
    let output = feedletter()
        .args(["run", "all", "--dry-run=json", "-v", "--now", NOW, "-c"])
        .arg(&config)
        .assert()
        .success()
        .get_output()
        .clone();
    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON preview");
    let titles: Vec<String> = items(&doc).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(titles, ["Café 日本語", "Crème \u{FFFD}"]);
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    let url = server.url("/feed");
    assert!(
        stderr.contains(&format!(
            "feed {url}: 1 bytes that are not UTF-8 read as U+FFFD"
        )),
        "{stderr}"
    );
}

#[test]
fn dc_title_stands_in_for_a_missing_title() {
    // feedparser: 'Spring fair moved to the green' (dc:title) 2024-05-14T09:00:00Z,
    // 'Bin collection on bank holiday' (its own title wins) 2024-05-06T08:00:00Z.
    let (doc, _) = preview("dc-title.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Spring fair moved to the green",
                Some("https://parish.example.org/notes/spring-fair"),
                "2024-05-14T09:00:00Z"
            ),
            (
                "Bin collection on bank holiday",
                Some("https://parish.example.org/notes/bins"),
                "2024-05-06T08:00:00Z"
            ),
        ])
    );
}

#[test]
fn dc_title_in_cdata_is_its_text() {
    // CDATA is text as written, without its markers, as feedparser reads it.
    let body = "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>\
        <item><dc:title><![CDATA[Fish & chips <today>]]></dc:title>\
        <link>https://chips.example.org/1</link>\
        <pubDate>Tue, 14 May 2024 09:00:00 GMT</pubDate></item></channel></rss>";
    let (doc, _) = preview_body(body.into(), "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[(
            "Fish & chips <today>",
            Some("https://chips.example.org/1"),
            "2024-05-14T09:00:00Z"
        )])
    );
}

#[test]
fn media_title_stands_in_for_a_missing_title() {
    // feedparser: 'Fox at dawn' https://trailcam.example.com/clips/fox-at-dawn
    // 2024-05-11T05:12:00Z.
    let (doc, _) = preview("media-title.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[(
            "Fox at dawn",
            Some("https://trailcam.example.com/clips/fox-at-dawn"),
            "2024-05-11T05:12:00Z"
        )])
    );
}

#[test]
fn base64_atom_text_is_decoded() {
    // feedparser: 'Reading base64 titles' https://encoded.example.net/2024/04/base64,
    // updated 2024-04-02T10:00:00Z.
    let (doc, _) = preview("atom-base64.xml", "application/atom+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[(
            "Reading base64 titles",
            Some("https://encoded.example.net/2024/04/base64"),
            "2024-04-02T10:00:00Z"
        )])
    );
    assert_eq!(
        doc["digests"][0]["items"][0]["excerpt"],
        serde_json::json!("The title was base64."),
        "{doc:#}"
    );
}

#[test]
fn rss_090_items_without_a_link_are_kept() {
    // feedparser: 'Annual meeting on Friday' with no link, 'New members welcome'
    // https://club.example.org/news/welcome; no dates (dated by first sight here).
    let (doc, _) = preview("rss090-no-link.rdf", "application/rdf+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            ("Annual meeting on Friday", None, NOW),
            (
                "New members welcome",
                Some("https://club.example.org/news/welcome"),
                NOW
            ),
        ])
    );
}

#[test]
fn rss_2_in_the_userland_namespace_is_read() {
    // feedparser: 'Outliners are back' https://scripting.example.com/2024/03/outliners
    // 2024-03-08T16:30:00Z.
    let (doc, _) = preview("userland.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[(
            "Outliners are back",
            Some("https://scripting.example.com/2024/03/outliners"),
            "2024-03-08T16:30:00Z"
        )])
    );
}

#[test]
fn upper_case_hex_character_references_are_read() {
    // feedparser (bozo, as XML allows only `&#x`): 'Ampersands & Brackets'
    // https://type.example.com/notes/refs 2024-04-10T12:00:00Z.
    let (doc, _) = preview("hex-refs.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[(
            "Ampersands & Brackets",
            Some("https://type.example.com/notes/refs"),
            "2024-04-10T12:00:00Z"
        )])
    );
}

#[test]
fn dcterms_dates_date_their_items() {
    // feedparser: 'Issued only' published 2024-02-01T10:00:00Z, 'Modified only'
    // updated 2024-03-05T17:45:00Z, 'Created only' created 2024-01-15T08:30:00Z (no
    // published or updated: its creation is the best date there is).
    let (doc, _) = preview("dcterms-dates.xml", "application/rss+xml");
    no_failures(&doc);
    assert_eq!(
        items(&doc),
        expect(&[
            (
                "Modified only",
                Some("https://archive.example.org/items/modified"),
                "2024-03-05T17:45:00Z"
            ),
            (
                "Issued only",
                Some("https://archive.example.org/items/issued"),
                "2024-02-01T10:00:00Z"
            ),
            (
                "Created only",
                Some("https://archive.example.org/items/created"),
                "2024-01-15T08:30:00Z"
            ),
        ])
    );
}
