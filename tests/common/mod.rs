//! Shared test helpers: a local feed server and a temp-dir config builder.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A route the feed server answers.
#[derive(Clone)]
pub struct Route {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// When set, the response carries this ETag and a matching If-None-Match gets a 304.
    pub etag: Option<String>,
    /// Wait this long before answering (a slow server).
    pub delay: Option<std::time::Duration>,
}

impl Route {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route {
            status: 200,
            content_type: content_type.to_string(),
            body: body.into(),
            etag: None,
            delay: None,
        }
    }

    pub fn status(status: u16) -> Route {
        Route {
            status,
            content_type: "text/plain".into(),
            body: b"nope".to_vec(),
            etag: None,
            delay: None,
        }
    }

    pub fn with_etag(mut self, etag: &str) -> Route {
        self.etag = Some(etag.to_string());
        self
    }

    pub fn with_delay(mut self, delay: std::time::Duration) -> Route {
        self.delay = Some(delay);
        self
    }
}

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub status: u16,
}

/// A real HTTP server on 127.0.0.1 serving fixed routes; stops when dropped.
pub struct FeedServer {
    server: Arc<tiny_http::Server>,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
    pub port: u16,
}

impl FeedServer {
    pub fn start(routes: Vec<(&str, Route)>) -> FeedServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let routes = Arc::new(Mutex::new(
            routes
                .into_iter()
                .map(|(p, r)| (p.to_string(), r))
                .collect::<HashMap<_, _>>(),
        ));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, routes, seen) = (server.clone(), routes.clone(), seen.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let (routes, seen) = (routes.clone(), seen.clone());
                    std::thread::spawn(move || {
                        let header = |name: &'static str| {
                            request
                                .headers()
                                .iter()
                                .find(|h| h.field.equiv(name))
                                .map(|h| h.value.as_str().to_string())
                        };
                        let if_none_match = header("If-None-Match");
                        let if_modified_since = header("If-Modified-Since");
                        let path = request.url().to_string();
                        let route = routes.lock().unwrap().get(&path).cloned();
                        let route = route.unwrap_or_else(|| Route::status(404));
                        let not_modified = route.etag.is_some() && route.etag == if_none_match;
                        let status = if not_modified { 304 } else { route.status };
                        seen.lock().unwrap().push(Seen {
                            path,
                            if_none_match,
                            if_modified_since,
                            status,
                        });
                        let body = if not_modified {
                            Vec::new()
                        } else {
                            route.body.clone()
                        };
                        let mut response =
                            tiny_http::Response::from_data(body).with_status_code(status);
                        response.add_header(
                            tiny_http::Header::from_bytes(
                                "Content-Type",
                                route.content_type.as_bytes(),
                            )
                            .expect("header"),
                        );
                        if let Some(etag) = &route.etag {
                            response.add_header(
                                tiny_http::Header::from_bytes("ETag", etag.as_bytes())
                                    .expect("header"),
                            );
                        }
                        if let Some(delay) = route.delay {
                            std::thread::sleep(delay);
                        }
                        let _ = request.respond(response);
                    });
                }
            })
        };
        FeedServer {
            server,
            routes,
            seen,
            thread: Some(thread),
            port,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn set(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

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

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

pub fn feedletter() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("feedletter").expect("binary built");
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd.env_remove("FEEDLETTER_SMTP_PASSWORD");
    cmd
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

/// Runs `feedletter run DIGEST --dry-run=FORMAT --now NOW` on `config`, expects success,
/// and returns (stdout, stderr).
pub fn preview(config: &Path, digest: &str, format: &str, now: &str) -> (String, String) {
    let output = feedletter()
        .args([
            "run",
            digest,
            &format!("--dry-run={format}"),
            "--now",
            now,
            "-c",
        ])
        .arg(config)
        .assert()
        .success()
        .get_output()
        .clone();
    (
        String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    )
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
