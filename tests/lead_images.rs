//! Lead images: from each metadata source a feed can name one in, else the first real
//! picture in the item's HTML; in the HTML part only, and not at all with
//! `images: false`. A 304 brings them back from the state.

pub mod support;

use std::path::{Path, PathBuf};

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, feedletter, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";

/// One item per source, in RSS. Where an item has two, the earlier source wins.
const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Pictures</title><link>https://pics.example/</link>
<item><guid>thumb</guid><title>Thumbnail item</title><link>https://pics.example/thumb</link>
  <media:thumbnail url="https://img.example/thumb.jpg" width="1200" height="600"/>
  <media:content url="https://img.example/not-this.jpg" medium="image"/>
  <pubDate>Thu, 14 May 2026 06:50:00 +0000</pubDate></item>
<item><guid>medium</guid><title>Media content item</title><link>https://pics.example/medium</link>
  <media:content url="https://img.example/medium.jpg" medium="image"/>
  <pubDate>Thu, 14 May 2026 06:40:00 +0000</pubDate></item>
<item><guid>typed</guid><title>Typed media item</title><link>https://pics.example/typed</link>
  <media:content url="https://img.example/typed?id=7&amp;w=800" type="image/png"/>
  <pubDate>Thu, 14 May 2026 06:30:00 +0000</pubDate></item>
<item><guid>enclosure</guid><title>Enclosure item</title><link>https://pics.example/enclosure</link>
  <enclosure url="https://img.example/enclosure.jpg" type="image/jpeg" length="1000"/>
  <pubDate>Thu, 14 May 2026 06:20:00 +0000</pubDate></item>
<item><guid>itunes</guid><title>Episode item</title><link>https://pics.example/episode</link>
  <enclosure url="https://audio.example/episode.mp3" type="audio/mpeg" length="1000"/>
  <itunes:image href="https://img.example/cover.jpg"/>
  <pubDate>Thu, 14 May 2026 06:10:00 +0000</pubDate></item>
<item><guid>inline</guid><title>Inline picture item</title><link>https://pics.example/inline</link>
  <description>&lt;p&gt;Words.&lt;img src="https://t.example/open.gif" width="1" height="1"&gt;&lt;img src="https://pixel.wp.com/g.gif"&gt;&lt;img src="/emoji/smile.png" width="16" height="16"&gt;&lt;img src="/uploads/diagram.png" width="800" height="400" alt="x"&gt;&lt;/p&gt;</description>
  <pubDate>Thu, 14 May 2026 06:00:00 +0000</pubDate></item>
<item><guid>lone</guid><title>Lone thumbnail item</title><link>https://pics.example/lone</link>
  <media:thumbnail url="https://img.example/lone.jpg?w=1&amp;h=1"/>
  <pubDate>Thu, 14 May 2026 05:58:00 +0000</pubDate></item>
<item><guid>sloppy</guid><title>Sloppy thumbnail item</title><link>https://pics.example/sloppy</link>
  <media:thumbnail width=100 url="https://img.example/sloppy.jpg"/>
  <pubDate>Thu, 14 May 2026 05:57:00 +0000</pubDate></item>
<item><guid>group</guid><title>Grouped thumbnail item</title><link>https://pics.example/group</link>
  <media:group><media:title>Clip</media:title>
    <media:thumbnail url='https://img.example/group.jpg' width="480" height="360"/></media:group>
  <pubDate>Thu, 14 May 2026 05:56:00 +0000</pubDate></item>
<item><guid>plain</guid><title>Plain item</title><link>https://pics.example/plain</link>
  <description>No picture here.</description>
  <pubDate>Thu, 14 May 2026 05:50:00 +0000</pubDate></item>
</channel></rss>
"#;

const JSON: &str = r#"{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Json Pictures",
  "home_page_url": "https://json.example/",
  "items": [
    {"id": "j1", "url": "https://json.example/1", "title": "Json image item",
     "content_text": "One.", "image": "https://img.example/json-image.jpg",
     "banner_image": "https://img.example/not-the-banner.jpg",
     "date_published": "2026-05-14T05:40:00Z"},
    {"id": "j2", "url": "https://json.example/2", "title": "Json banner item",
     "content_text": "Two.", "banner_image": "https://img.example/json-banner.jpg",
     "date_published": "2026-05-14T05:30:00Z"}
  ]
}"#;

/// (title, the image it must lead with).
const EXPECTED: &[(&str, &str)] = &[
    ("Thumbnail item", "https://img.example/thumb.jpg"),
    ("Media content item", "https://img.example/medium.jpg"),
    (
        "Typed media item",
        "https://img.example/typed?id=7&amp;w=800",
    ),
    ("Enclosure item", "https://img.example/enclosure.jpg"),
    ("Episode item", "https://img.example/cover.jpg"),
    (
        "Inline picture item",
        "https://pics.example/uploads/diagram.png",
    ),
    (
        "Lone thumbnail item",
        "https://img.example/lone.jpg?w=1&amp;h=1",
    ),
    // An unquoted attribute is passed over, not the tag.
    ("Sloppy thumbnail item", "https://img.example/sloppy.jpg"),
    ("Grouped thumbnail item", "https://img.example/group.jpg"),
    ("Json image item", "https://img.example/json-image.jpg"),
    ("Json banner item", "https://img.example/json-banner.jpg"),
];

fn feeds() -> FeedServer {
    FeedServer::start(vec![
        (
            "/pics.rss",
            Route::ok("application/rss+xml", RSS).with_etag("\"p1\""),
        ),
        (
            "/pics.json",
            Route::ok("application/feed+json", JSON).with_etag("\"j1\""),
        ),
    ])
}

fn config(dir: &Path, feeds: &FeedServer, digests: &str, smtp_port: u16) -> PathBuf {
    write_config(
        dir,
        &format!(
            "state: state.db\nfeeds:\n  - url: {}\n  - url: {}\ndigests:\n{digests}smtp:\n  host: 127.0.0.1\n  port: {smtp_port}\n  security: none\n  from: \"Feedletter <digest@example.com>\"\n",
            feeds.url("/pics.rss"),
            feeds.url("/pics.json"),
        ),
    )
}

/// The `<img>` tags of the lead images in an HTML part.
fn lead_tags(html: &str) -> Vec<String> {
    html.match_indices("<img class=\"lead\"")
        .map(|(at, _)| {
            let end = html[at..].find('>').expect("tag ends") + at;
            html[at..=end].to_string()
        })
        .collect()
}

fn assert_images(html: &str, text: &str) {
    let tags = lead_tags(html);
    assert_eq!(tags.len(), EXPECTED.len(), "{tags:#?}");
    for (title, src) in EXPECTED {
        let tag = tags
            .iter()
            .find(|t| t.contains(&format!("alt=\"{title}\"")))
            .unwrap_or_else(|| panic!("no lead image for {title}: {tags:#?}"));
        assert!(tag.contains(&format!("src=\"{src}\"")), "{title}: {tag}");
        assert!(
            !text.contains(&src.replace("&amp;", "&")),
            "{src} in the text part"
        );
    }
    // The column is 536 px wide: a 1200×600 thumbnail is scaled, keeping its shape;
    // an image of unknown size gets a width only, never a guessed height.
    let thumb = &tags[0];
    assert!(thumb.contains(r#"width="536" height="268""#), "{thumb}");
    let inline = tags
        .iter()
        .find(|t| t.contains("diagram.png"))
        .expect("inline");
    assert!(inline.contains(r#"width="536" height="268""#), "{inline}");
    for unknown in ["medium.jpg", "lone.jpg", "cover.jpg"] {
        let tag = tags.iter().find(|t| t.contains(unknown)).expect(unknown);
        assert!(tag.contains(r#"width="536""#), "{tag}");
        assert!(!tag.contains("height="), "a guessed height: {tag}");
    }
    let group = tags
        .iter()
        .find(|t| t.contains("group.jpg"))
        .expect("group");
    assert!(group.contains(r#"width="427" height="320""#), "{group}");
    assert!(!html.contains("not-this.jpg") && !html.contains("not-the-banner"));
    assert!(!html.contains("open.gif") && !html.contains("smile.png"));
    assert!(
        !text.contains("img.example"),
        "an image URL in the text part"
    );
}

#[test]
fn lead_images_come_from_every_source_in_the_html_part_only() {
    let feeds = feeds();
    let dir = tempfile::tempdir().unwrap();
    let digests = "  daily:\n    window: 7d\n    to: [me@example.com]\n  plain:\n    window: 7d\n    images: false\n    to: [me@example.com]\n";
    let config = config(dir.path(), &feeds, digests, support::closed_port());
    let (html, _) = support::preview(&config, "daily", "html", NOW);
    let (text, _) = support::preview(&config, "daily", "text", NOW);
    assert_images(&html, &text);
    assert!(!lead_tags(&html).iter().any(|t| t.contains("Plain item")));

    let (html, _) = support::preview(&config, "plain", "html", NOW);
    assert!(
        lead_tags(&html).is_empty(),
        "images: false still shows images"
    );
    assert!(!html.contains("img.example"));
    assert!(html.contains("Thumbnail item</a>"));

    // Scripts get the feed's own image too.
    let (json, _) = support::preview(&config, "daily", "json", NOW);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let thumb = doc["digests"][0]["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["title"] == "Thumbnail item"))
        .expect("the thumbnail item");
    assert_eq!(thumb["image"], "https://img.example/thumb.jpg");
    // And the picture found in an item's HTML, which is the one the HTML part shows.
    let items = doc["digests"][0]["items"].as_array().expect("items");
    let inline = items.iter().find(|i| i["title"] == "Inline picture item");
    assert_eq!(
        inline.expect("the inline item")["image"],
        "https://pics.example/uploads/diagram.png"
    );
    let (json, _) = support::preview(&config, "plain", "json", NOW);
    assert!(
        !json.contains("img.example"),
        "images: false reports images"
    );
}

#[test]
fn lead_images_survive_a_304_through_the_state() {
    let feeds = feeds();
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().unwrap();
    let digests = "  daily:\n    window: 7d\n    to: [me@example.com]\n  weekly:\n    window: 7d\n    to: [team@example.com]\n";
    let config = config(dir.path(), &feeds, digests, smtp.port());
    for digest in ["daily", "weekly"] {
        let out = feedletter()
            .args(["run", digest, "--now", NOW, "-c"])
            .arg(&config)
            .output()
            .expect("feedletter runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The second run's fetches were answered with 304: its items came from the state.
    let statuses: Vec<u16> = feeds.seen().iter().map(|s| s.status).collect();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    assert_eq!(&statuses[2..], [304, 304], "{statuses:?}");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2);
    let weekly = mail_parser::MessageParser::default()
        .parse(&messages[1].data)
        .expect("message parses");
    let html = weekly.body_html(0).expect("HTML part").into_owned();
    let text = weekly.body_text(0).expect("text part").into_owned();
    assert_images(&html, &text);
}
