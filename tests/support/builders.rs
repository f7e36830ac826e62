//! What a test starts from: the config in its temp dir, feed bodies, fixtures, and the
//! fetch settings for tests that call the fetcher directly.

use std::path::{Path, PathBuf};
use std::time::Duration;

use feedletter::config::FetchSettings;
use feedletter::model::{FeedIndex, FeedLocation, FeedSource};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example_feed(name: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("examples/feeds").join(name)).expect("example feed")
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("tests/fixtures").join(name)).expect("fixture")
}

/// Writes `yaml` as feeds.yaml in `dir` and returns its path.
pub fn write_config(dir: &Path, yaml: &str) -> PathBuf {
    let path = dir.join("feeds.yaml");
    std::fs::write(&path, yaml).expect("write config");
    path
}

/// Writes template overrides into `dir/templates/`, as `(file name, body)`.
pub fn write_templates(dir: &Path, files: &[(&str, &str)]) {
    let templates = dir.join("templates");
    std::fs::create_dir_all(&templates).expect("mkdir templates");
    for (name, body) in files {
        std::fs::write(templates.join(name), body).expect("write template");
    }
}

/// An RSS 2.0 document with `(guid, title, pubDate)` items; an empty date leaves the item undated.
pub fn rss(items: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Test Feed</title><link>https://feed.example.com/</link>\n",
    );
    for (guid, title, date) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>https://feed.example.com/{guid}</link><description>About {title}.</description>"
        ));
        if !date.is_empty() {
            s.push_str(&format!("<pubDate>{date}</pubDate>"));
        }
        s.push_str("</item>\n");
    }
    s.push_str("</channel></rss>\n");
    s.into_bytes()
}

pub fn source(index: usize, location: FeedLocation) -> FeedSource {
    FeedSource {
        index: FeedIndex(index),
        name: None,
        location,
        tags: Vec::new(),
    }
}

/// Limits small enough that every failure in a test shows up within a second or two.
pub fn settings() -> FetchSettings {
    FetchSettings {
        concurrency: 4,
        per_host: 4,
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        max_bytes: 1024 * 1024,
        retries: 2,
        max_redirects: 5,
        private_redirects: true,
        user_agent: "feedletter-test/1.0 (+https://example.invalid/feedletter)".into(),
    }
}

/// An RSS feed of `copies` × the DEV Community example's 12 items: the same seed-sized
/// content under distinct guids and links, so nothing is merged as a duplicate.
pub fn dev_feed_copies(copies: usize) -> String {
    let source = String::from_utf8(example_feed("dev-community.rss")).expect("UTF-8");
    let start = source.find("<item>").expect("items");
    let end = source.rfind("</item>").expect("items") + "</item>".len();
    let items: Vec<&str> = source[start..end]
        .split_inclusive("</item>")
        .map(str::trim)
        .filter(|i| i.starts_with("<item>"))
        .collect();
    let link = regex::Regex::new(r"<(link|guid)([^>]*)>([^<]*)</(?:link|guid)>").expect("regex");
    let mut out = source[..start].to_string();
    for copy in 0..copies {
        for item in &items {
            let renamed = link.replace_all(item, |c: &regex::Captures| {
                format!("<{0}{1}>{2}?copy={copy}</{0}>", &c[1], &c[2], &c[3])
            });
            out.push_str(&renamed);
            out.push('\n');
        }
    }
    out.push_str(&source[end..]);
    out
}
