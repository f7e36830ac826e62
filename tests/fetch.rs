//! Hardened fetching against a loopback server that misbehaves on purpose.

pub mod support;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use feedletter::config::FetchSettings;
use feedletter::fetch::{Fetched, Fetcher};
use feedletter::model::{FeedError, FeedLocation, Validators};
use support::http_server::{RSS, Server, feed, head, respond};
use support::{settings, source};

const MIB: u64 = 1024 * 1024;

fn fetch(settings: &FetchSettings, url: url::Url) -> Result<Fetched, FeedError> {
    fetch_with(settings, FeedLocation::Url(url), None)
}

/// Goes through `fetch_all`, the entry point the program uses.
fn fetch_with(
    settings: &FetchSettings,
    location: FeedLocation,
    validators: Option<Validators>,
) -> Result<Fetched, FeedError> {
    let fetcher = Fetcher::new(settings).expect("fetcher");
    let mut results = fetcher.fetch_all(&[source(0, location)], &[validators], |_, r, _| r);
    assert_eq!(results.len(), 1);
    results.remove(0)
}

fn no_retries() -> FetchSettings {
    FetchSettings {
        retries: 0,
        ..settings()
    }
}

/// Writes `chunk` until the client hangs up (or `limit` bytes went out); returns the
/// bytes written.
fn stream_until_hangup(out: &mut impl Write, chunk: &[u8], limit: usize) -> usize {
    let mut written = 0;
    while written < limit {
        if out.write_all(chunk).is_err() {
            break;
        }
        written += chunk.len();
    }
    written
}

#[test]
fn fetches_a_feed_with_the_configured_headers() {
    let server = Server::start(|_, s| {
        respond(
            s,
            "200 OK",
            &[
                ("Content-Type", "application/rss+xml"),
                ("ETag", "\"abc\""),
                ("Last-Modified", "Wed, 01 May 2024 11:00:00 GMT"),
            ],
            RSS.as_bytes(),
        )
    });
    let url = server.url("/feed.xml");
    let fetched = fetch(&settings(), url.clone()).expect("feed");

    assert_eq!(fetched.body.as_deref(), Some(RSS.as_bytes()));
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.final_url, Some(url));
    assert_eq!(fetched.moved_to, None);
    assert_eq!(fetched.attempts, 1);
    assert_eq!(
        fetched.validators,
        Validators {
            etag: Some("\"abc\"".into()),
            last_modified: Some("Wed, 01 May 2024 11:00:00 GMT".into()),
        }
    );
    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.header("User-Agent"),
        Some(settings().user_agent.as_str())
    );
    let accept = request.header("Accept").unwrap_or_default();
    for wanted in [
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    ] {
        assert!(accept.contains(wanted), "Accept: {accept}");
    }
    assert!(
        request
            .header("Accept-Encoding")
            .unwrap_or_default()
            .contains("gzip")
    );
    assert_eq!(request.header("If-None-Match"), None);
}

#[test]
fn conditional_get_sends_validators_and_a_304_has_no_body() {
    let server = Server::start(|request, s| {
        if request.header("If-None-Match") == Some("\"v1\"") {
            head(s, "304 Not Modified", &[])
        } else {
            feed(s)
        }
    });
    let sent = Validators {
        etag: Some("\"v1\"".into()),
        last_modified: Some("Wed, 01 May 2024 11:00:00 GMT".into()),
    };
    let fetched = fetch_with(
        &settings(),
        FeedLocation::Url(server.url("/feed")),
        Some(sent.clone()),
    )
    .expect("304 is a success");

    assert_eq!(fetched.status, 304);
    assert_eq!(fetched.body, None);
    assert_eq!(
        fetched.validators, sent,
        "a 304 keeps what it does not replace"
    );
    let request = &server.requests()[0];
    assert_eq!(request.header("If-None-Match"), Some("\"v1\""));
    assert_eq!(
        request.header("If-Modified-Since"),
        Some("Wed, 01 May 2024 11:00:00 GMT")
    );
}

#[test]
fn dripping_body_times_out_at_the_deadline() {
    // One byte a second never trips a per-read timeout; only a total deadline stops it.
    let server = Server::start(|_, s| {
        head(s, "200 OK", &[("Content-Type", "application/rss+xml")])?;
        for _ in 0..30 {
            s.write_all(b"<")?;
            s.flush()?;
            thread::sleep(Duration::from_secs(1));
        }
        Ok(())
    });
    let settings = FetchSettings {
        timeout: Duration::from_millis(1500),
        ..no_retries()
    };
    let started = Instant::now();
    let result = fetch(&settings, server.url("/drip"));
    let took = started.elapsed();

    assert_eq!(
        result.unwrap_err(),
        FeedError::Timeout {
            after: Duration::from_millis(1500)
        }
    );
    assert!(
        took >= Duration::from_millis(1400),
        "gave up early: {took:?}"
    );
    assert!(
        took < Duration::from_millis(2600),
        "deadline overrun: {took:?}"
    );
    assert_eq!(server.hits(), 1);
}

#[test]
fn endless_body_stops_at_the_cap() {
    let server = Server::start(|_, s| {
        head(s, "200 OK", &[("Content-Type", "application/rss+xml")])?;
        stream_until_hangup(s, &[b'a'; 64 * 1024], usize::MAX);
        Ok(())
    });
    let error = fetch(&settings(), server.url("/endless")).unwrap_err();

    assert_eq!(error, FeedError::TooLarge { limit: MIB });
    assert_eq!(error.to_string(), "feed is larger than 1 MiB");
    assert_eq!(server.hits(), 1, "too large is not retried");
}

#[test]
fn fifty_megabyte_body_stops_at_the_default_cap() {
    // No Content-Length: the cap has to be enforced while reading.
    let server = Server::start(|_, s| {
        head(s, "200 OK", &[("Content-Type", "application/rss+xml")])?;
        stream_until_hangup(s, &[b' '; 64 * 1024], 50 * 1024 * 1024);
        Ok(())
    });
    let settings = FetchSettings {
        max_bytes: FetchSettings::default().max_bytes,
        ..settings()
    };
    let error = fetch(&settings, server.url("/big")).unwrap_err();

    assert_eq!(error, FeedError::TooLarge { limit: 10 * MIB });
    assert_eq!(error.to_string(), "feed is larger than 10 MiB");
}

#[test]
fn announced_oversize_body_is_refused_without_reading_it() {
    let server = Server::start(|_, s| {
        head(s, "200 OK", &[("Content-Length", "52428800")])?;
        // Nothing follows: a client that waited for the body would time out.
        thread::sleep(Duration::from_secs(5));
        Ok(())
    });
    let settings = FetchSettings {
        timeout: Duration::from_secs(4),
        ..settings()
    };
    let started = Instant::now();
    let error = fetch(&settings, server.url("/announced")).unwrap_err();

    assert_eq!(error, FeedError::TooLarge { limit: MIB });
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn gzip_bomb_stops_at_the_cap_after_decompression() {
    let wire_bytes = Arc::new(AtomicUsize::new(0));
    let counted = wire_bytes.clone();
    let server = Server::start(move |_, s| {
        head(
            s,
            "200 OK",
            &[
                ("Content-Type", "application/rss+xml"),
                ("Content-Encoding", "gzip"),
            ],
        )?;
        // 200 MB of zeros, compressed on the fly as the client reads.
        let wire = CountingWriter {
            inner: s,
            count: &counted,
        };
        let mut gzip = flate2::write::GzEncoder::new(wire, flate2::Compression::fast());
        stream_until_hangup(&mut gzip, &[0u8; 64 * 1024], 200 * 1024 * 1024);
        let _ = gzip.finish();
        Ok(())
    });
    let settings = FetchSettings {
        max_bytes: 10 * MIB,
        ..settings()
    };
    let error = fetch(&settings, server.url("/bomb")).unwrap_err();

    assert_eq!(error, FeedError::TooLarge { limit: 10 * MIB });
    let sent = wire_bytes.load(Ordering::SeqCst) as u64;
    assert!(
        sent < MIB,
        "the cap fired with only {sent} compressed bytes sent: it counts decompressed bytes"
    );
}

struct CountingWriter<'a, W> {
    inner: W,
    count: &'a AtomicUsize,
}

impl<W: Write> Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count.fetch_add(n, Ordering::SeqCst);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[test]
fn compressed_feed_is_decompressed() {
    let server = Server::start(|_, s| {
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(RSS.as_bytes())?;
        let body = gzip.finish()?;
        respond(
            s,
            "200 OK",
            &[
                ("Content-Type", "application/rss+xml"),
                ("Content-Encoding", "gzip"),
            ],
            &body,
        )
    });
    let fetched = fetch(&settings(), server.url("/gz")).expect("feed");
    assert_eq!(fetched.body.as_deref(), Some(RSS.as_bytes()));
}

/// What the retry table's server does with one request.
#[derive(Clone, Copy)]
enum Answer {
    /// A complete response: status, headers, body.
    Respond(
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static [u8],
    ),
    /// A 503 whose Retry-After is an HTTP date this many seconds after the request.
    BusyUntil(i64),
    /// The feed at last.
    Feed,
    /// Nothing at all for this long.
    Silence(Duration),
}

impl Answer {
    fn give(self, s: &mut TcpStream) -> io::Result<()> {
        match self {
            Answer::Respond(status, headers, body) => respond(s, status, headers, body),
            Answer::BusyUntil(seconds) => {
                let at = chrono::Utc::now() + chrono::Duration::seconds(seconds);
                let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
                respond(s, "503 Service Unavailable", &[("Retry-After", &date)], b"")
            }
            Answer::Feed => feed(s),
            Answer::Silence(quiet) => {
                thread::sleep(quiet);
                Ok(())
            }
        }
    }
}

/// How a fetch in the retry table must end.
enum Outcome {
    /// The feed, after this many attempts.
    Fetched { attempts: u32 },
    /// Exactly this error, and this message when one is given.
    Failed(FeedError, Option<&'static str>),
    /// An error the function accepts; the text says which, for the failure message.
    FailedLike(&'static str, fn(&FeedError) -> bool),
}

struct RetryCase {
    name: &'static str,
    /// Answers to successive requests; the last one repeats.
    answers: &'static [Answer],
    settings: FetchSettings,
    outcome: Outcome,
    /// Requests the server saw: attempts, retries included.
    hits: usize,
    /// Bounds on the whole fetch.
    took: Option<Range<Duration>>,
    /// Bounds on the wait between the first request and the second.
    gap: Option<Range<Duration>>,
}

const BUSY: Answer = Answer::Respond("503 Service Unavailable", &[], b"busy");
const SILENT: Answer = Answer::Silence(Duration::from_secs(6));

fn retry_cases() -> Vec<RetryCase> {
    let case = |name: &'static str, answers: &'static [Answer], outcome, hits| RetryCase {
        name,
        answers,
        settings: settings(),
        outcome,
        hits,
        took: None,
        gap: None,
    };
    vec![
        case(
            "server errors are retried until success",
            &[BUSY, BUSY, Answer::Feed],
            Outcome::Fetched { attempts: 3 },
            3,
        ),
        case(
            "persistent server errors give up after one attempt plus two retries",
            &[Answer::Respond("500 Internal Server Error", &[], b"oops")],
            Outcome::Failed(
                FeedError::HttpStatus {
                    status: 500,
                    reason: "Internal Server Error".into(),
                },
                None,
            ),
            3,
        ),
        RetryCase {
            settings: FetchSettings {
                timeout: Duration::from_secs(1),
                retries: 1,
                ..settings()
            },
            took: Some(Duration::from_secs(2)..Duration::from_millis(3500)),
            ..case(
                "a silent server times out and the timeout is retried",
                &[SILENT],
                Outcome::Failed(
                    FeedError::Timeout {
                        after: Duration::from_secs(1),
                    },
                    None,
                ),
                2,
            )
        },
        RetryCase {
            gap: Some(Duration::from_millis(950)..Duration::from_millis(1800)),
            ..case(
                "429 waits for Retry-After in seconds",
                &[
                    Answer::Respond("429 Too Many Requests", &[("Retry-After", "1")], b""),
                    Answer::Feed,
                ],
                Outcome::Fetched { attempts: 2 },
                2,
            )
        },
        RetryCase {
            // The date has one-second resolution: the wait is between one and two seconds.
            gap: Some(Duration::from_millis(950)..Duration::from_millis(2800)),
            ..case(
                "Retry-After as an HTTP date is honoured",
                &[Answer::BusyUntil(2), Answer::Feed],
                Outcome::Fetched { attempts: 2 },
                2,
            )
        },
        RetryCase {
            took: Some(Duration::ZERO..Duration::from_secs(1)),
            ..case(
                "Retry-After beyond the cap gives up at once",
                &[Answer::Respond(
                    "503 Service Unavailable",
                    &[("Retry-After", "3600")],
                    b"",
                )],
                Outcome::FailedLike("HTTP 503", |e| {
                    matches!(e, FeedError::HttpStatus { status: 503, .. })
                }),
                1,
            )
        },
        case(
            "client errors are not retried",
            &[Answer::Respond("404 Not Found", &[], b"no such feed")],
            Outcome::Failed(
                FeedError::HttpStatus {
                    status: 404,
                    reason: "Not Found".into(),
                },
                Some("HTTP 404 Not Found"),
            ),
            1,
        ),
        case(
            "corrupt compression is reported and not retried",
            &[Answer::Respond(
                "200 OK",
                &[("Content-Encoding", "gzip")],
                b"this is not gzip at all",
            )],
            Outcome::FailedLike(
                "a corrupt compressed body",
                |e| matches!(e, FeedError::Parse(m) if m.contains("compressed body is corrupt")),
            ),
            1,
        ),
    ]
}

#[test]
fn retries_follow_the_server_s_answers() {
    for case in retry_cases() {
        let calls = AtomicUsize::new(0);
        let answers = case.answers;
        let server = Server::start(move |_, s| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            answers[n.min(answers.len() - 1)].give(s)
        });
        let started = Instant::now();
        let result = fetch(&case.settings, server.url("/retried"));
        let took = started.elapsed();
        check_retry_case(&case, result, took, &server);
    }
}

fn check_retry_case(
    case: &RetryCase,
    result: Result<Fetched, FeedError>,
    took: Duration,
    server: &Server,
) {
    let name = case.name;
    match (&case.outcome, result) {
        (Outcome::Fetched { attempts }, Ok(fetched)) => {
            assert_eq!(fetched.attempts, *attempts, "{name}: attempts");
            assert_eq!(fetched.body.as_deref(), Some(RSS.as_bytes()), "{name}");
        }
        (Outcome::Failed(expected, message), Err(error)) => {
            assert_eq!(&error, expected, "{name}");
            if let Some(message) = message {
                assert_eq!(error.to_string(), *message, "{name}");
            }
        }
        (Outcome::FailedLike(what, accepts), Err(error)) => {
            assert!(accepts(&error), "{name}: expected {what}, got {error:?}");
        }
        (_, result) => panic!("{name}: wrong outcome {result:?}"),
    }
    assert_eq!(server.hits(), case.hits, "{name}: requests");
    if let Some(bounds) = &case.took {
        assert!(
            bounds.contains(&took),
            "{name}: took {took:?}, not {bounds:?}"
        );
    }
    if let Some(bounds) = &case.gap {
        let requests = server.requests();
        let gap = requests[1].at - requests[0].at;
        assert!(
            bounds.contains(&gap),
            "{name}: waited {gap:?}, not {bounds:?}"
        );
    }
}

#[test]
fn redirect_loop_is_reported_as_a_loop() {
    let server = Server::start(|request, s| {
        let to = if request.path == "/a" { "/b" } else { "/a" };
        respond(s, "302 Found", &[("Location", to)], b"")
    });
    let error = fetch(&settings(), server.url("/a")).unwrap_err();

    let FeedError::Redirect(message) = &error else {
        panic!("expected a redirect error, got {error:?}");
    };
    assert!(message.contains("loop"), "{message}");
    assert_eq!(server.hits(), 2);
}

#[test]
fn redirects_are_followed_up_to_the_limit_and_no_further() {
    // /hop/N redirects to /hop/N-1; /hop/0 is the feed.
    let server = Server::start(|request, s| {
        let n: usize = request
            .path
            .trim_start_matches("/hop/")
            .parse()
            .unwrap_or(0);
        if n == 0 {
            feed(s)
        } else {
            let to = format!("/hop/{}", n - 1);
            respond(s, "307 Temporary Redirect", &[("Location", &to)], b"")
        }
    });
    let fetched = fetch(&settings(), server.url("/hop/5")).expect("five redirects are allowed");
    assert_eq!(fetched.final_url, Some(server.url("/hop/0")));
    assert_eq!(server.hits(), 6);

    let error = fetch(&settings(), server.url("/hop/6")).unwrap_err();
    let FeedError::Redirect(message) = &error else {
        panic!("expected a redirect error, got {error:?}");
    };
    assert!(message.contains("too many redirects"), "{message}");
    assert_eq!(server.hits(), 6 + 6, "the sixth redirect is not followed");
}

#[test]
fn permanent_redirect_is_reported_as_moved() {
    let server = Server::start(|request, s| match request.path.as_str() {
        "/old" => respond(s, "301 Moved Permanently", &[("Location", "new.xml")], b""),
        "/older" => respond(s, "308 Permanent Redirect", &[("Location", "/old")], b""),
        "/temporary" => respond(s, "302 Found", &[("Location", "/old")], b""),
        _ => feed(s),
    });

    let fetched = fetch(&settings(), server.url("/old")).expect("feed");
    assert_eq!(
        fetched.moved_to,
        Some(server.url("/new.xml")),
        "relative Location resolved"
    );
    assert_eq!(fetched.final_url, Some(server.url("/new.xml")));

    let fetched = fetch(&settings(), server.url("/older")).expect("feed");
    assert_eq!(
        fetched.moved_to,
        Some(server.url("/new.xml")),
        "308 then 301: the end"
    );

    let fetched = fetch(&settings(), server.url("/temporary")).expect("feed");
    assert_eq!(
        fetched.moved_to, None,
        "a move behind a temporary redirect is not the feed's new address"
    );
    assert_eq!(fetched.final_url, Some(server.url("/new.xml")));
}

#[test]
fn redirect_to_another_scheme_is_refused() {
    let server =
        Server::start(|_, s| respond(s, "302 Found", &[("Location", "file:///etc/passwd")], b""));
    let error = fetch(&settings(), server.url("/sneaky")).unwrap_err();
    assert!(
        matches!(&error, FeedError::Redirect(m) if m.contains("file:")),
        "{error:?}"
    );
}

#[test]
fn redirects_to_private_addresses_are_followed_unless_refused() {
    // Location is built from the Host the client sent: this server, by IP or by name.
    let server = Server::start(|request, s| {
        let host = request.header("Host").unwrap_or_default();
        let port = host.rsplit(':').next().unwrap_or_default();
        let to = match request.path.as_str() {
            "/to-loopback" => format!("http://{host}/feed.xml"),
            "/to-localhost" => format!("http://localhost:{port}/feed.xml"),
            "/to-link-local" => "http://169.254.169.254:9/latest/meta-data".to_string(),
            _ => return feed(s),
        };
        respond(s, "302 Found", &[("Location", &to)], b"")
    });
    let fetched = fetch(&settings(), server.url("/to-loopback")).expect("followed by default");
    assert_eq!(fetched.final_url, Some(server.url("/feed.xml")));
    assert_eq!(server.hits(), 2);

    let refuse = FetchSettings {
        private_redirects: false,
        ..no_retries()
    };
    // The feed's own address may be private; only where it redirects is checked.
    fetch(&refuse, server.url("/feed.xml")).expect("a feed on loopback");
    assert_eq!(server.hits(), 3);
    let refused = [
        ("/to-loopback", "127.0.0.1"),
        ("/to-localhost", "localhost"),
        // Refused before connecting: an attempt would end in a connect timeout or error.
        ("/to-link-local", "169.254.169.254"),
    ];
    for (path, target) in refused {
        let started = Instant::now();
        let error = fetch(&refuse, server.url(path)).unwrap_err();
        let expected = format!(
            "redirect error: refusing to follow a redirect to {target}, a private address \
             (fetch.private_redirects: false)"
        );
        assert_eq!(error.to_string(), expected, "{path}");
        assert!(started.elapsed() < Duration::from_millis(900), "{path}");
    }
    assert_eq!(server.hits(), 3 + 3, "no redirect was followed");
}

#[test]
fn html_page_names_the_feed_it_advertises() {
    let page = r#"<!DOCTYPE html>
<html><head><title>My blog</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/atom+xml" title="Atom" href="atom.xml">
</head><body>Hello</body></html>"#;
    let server = Server::start(move |_, s| {
        respond(
            s,
            "200 OK",
            &[("Content-Type", "text/html; charset=utf-8")],
            page.as_bytes(),
        )
    });
    let error = fetch(&settings(), server.url("/blog/")).unwrap_err();

    let expected = server.url("/blog/atom.xml").to_string();
    assert_eq!(
        error,
        FeedError::NotAFeed {
            advertised: Some(expected.clone())
        }
    );
    assert!(error.to_string().contains(&expected), "{error}");
    assert_eq!(server.hits(), 1);
}

#[test]
fn html_page_is_recognised_whatever_its_content_type() {
    let server = Server::start(|_, s| {
        respond(
            s,
            "200 OK",
            &[("Content-Type", "application/rss+xml")],
            b"\xEF\xBB\xBF\n<!-- cached --><!doctype html><html><body>Maintenance</body></html>",
        )
    });
    let error = fetch(&settings(), server.url("/feed")).unwrap_err();
    assert_eq!(error, FeedError::NotAFeed { advertised: None });
}

#[test]
fn html_without_doctype_is_caught_by_its_content_type() {
    // Valid HTML5 may omit both the doctype and <html>; the header gives it away.
    let page = br#"<head><link rel="alternate" type="application/rss+xml" href="//feeds.example.com/x"></head>"#;
    let server =
        Server::start(move |_, s| respond(s, "200 OK", &[("Content-Type", "text/html")], page));
    let error = fetch(&settings(), server.url("/")).unwrap_err();
    assert_eq!(
        error,
        FeedError::NotAFeed {
            advertised: Some("http://feeds.example.com/x".into())
        }
    );
}

#[test]
fn feed_served_as_text_html_is_accepted() {
    let server = Server::start(|_, s| {
        respond(
            s,
            "200 OK",
            &[("Content-Type", "text/html")],
            RSS.as_bytes(),
        )
    });
    let fetched = fetch(&settings(), server.url("/misconfigured")).expect("the body is a feed");
    assert_eq!(fetched.body.as_deref(), Some(RSS.as_bytes()));
}

#[test]
fn per_host_limit_holds_across_the_pool() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, peak) = (in_flight.clone(), most.clone());
    let server = Server::start(move |_, s| {
        let current = now.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(current, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(300));
        // Counted down before answering, so the client's next request cannot overlap
        // with this one in the count.
        now.fetch_sub(1, Ordering::SeqCst);
        feed(s)
    });
    let settings = FetchSettings {
        concurrency: 8,
        per_host: 2,
        ..settings()
    };
    let sources: Vec<_> = (0..10)
        .map(|i| source(i, FeedLocation::Url(server.url(&format!("/slow/{i}")))))
        .collect();
    let fetcher = Fetcher::new(&settings).expect("fetcher");
    let results = fetcher.fetch_all(&sources, &[], |_, r, _| r.map(|f| f.status));

    assert!(results.iter().all(|r| r == &Ok(200)), "{results:?}");
    assert_eq!(server.hits(), 10);
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "the server saw at most two at once"
    );
}

#[test]
fn waiting_for_a_host_slot_does_not_count_against_the_deadline() {
    // Four feeds queued one at a time behind a slow host take longer in total than
    // the timeout; each request on its own is well within it.
    let server = Server::start(|_, s| {
        thread::sleep(Duration::from_millis(400));
        feed(s)
    });
    let settings = FetchSettings {
        per_host: 1,
        timeout: Duration::from_secs(1),
        ..no_retries()
    };
    let sources: Vec<_> = (0..4)
        .map(|i| source(i, FeedLocation::Url(server.url(&format!("/queued/{i}")))))
        .collect();
    let fetcher = Fetcher::new(&settings).expect("fetcher");
    let results = fetcher.fetch_all(&sources, &[], |_, r, _| r.map(|f| f.status));

    assert!(results.iter().all(|r| r == &Ok(200)), "{results:?}");
}

#[test]
fn connection_refused_names_no_secrets() {
    let port = support::closed_port();
    let url = url::Url::parse(&format!(
        "http://reader:hunter2@127.0.0.1:{port}/private.xml?token=s3cret"
    ))
    .expect("url");
    let error = fetch(&no_retries(), url).unwrap_err();

    let FeedError::Connection(message) = &error else {
        panic!("expected a connection error, got {error:?}");
    };
    assert!(message.to_lowercase().contains("refused"), "{message}");
    let shown = error.to_string();
    for secret in ["hunter2", "s3cret", "reader"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn plain_http_answer_to_tls_is_a_tls_error() {
    let server = Server::raw(|s| {
        s.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")?;
        let _ = s.read(&mut [0u8; 1024]);
        Ok(())
    });
    let url = url::Url::parse(&format!("https://127.0.0.1:{}/feed", server.port())).expect("url");
    let error = fetch(&settings(), url).unwrap_err();
    assert!(matches!(error, FeedError::Tls(_)), "{error:?}");
}

#[test]
fn path_feeds_are_read_from_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("feed.xml");
    std::fs::write(&good, RSS).expect("write");
    let fetched = fetch_with(&settings(), FeedLocation::Path(good), None).expect("file feed");
    assert_eq!(fetched.body.as_deref(), Some(RSS.as_bytes()));
    assert_eq!(fetched.final_url, None);
    assert_eq!(fetched.status, 200);

    let missing = fetch_with(
        &settings(),
        FeedLocation::Path(dir.path().join("nope.xml")),
        None,
    );
    assert!(matches!(missing, Err(FeedError::Io(_))), "{missing:?}");

    let big = dir.path().join("big.xml");
    std::fs::write(&big, vec![b' '; 101]).expect("write");
    let small_cap = FetchSettings {
        max_bytes: 100,
        ..settings()
    };
    let error = fetch_with(&small_cap, FeedLocation::Path(big), None).unwrap_err();
    assert_eq!(error, FeedError::TooLarge { limit: 100 });

    let page = dir.path().join("index.html");
    std::fs::write(
        &page,
        "<html><link rel=alternate type=application/rss+xml href=https://example.com/rss>",
    )
    .expect("write");
    let error = fetch_with(&settings(), FeedLocation::Path(page), None).unwrap_err();
    assert_eq!(
        error,
        FeedError::NotAFeed {
            advertised: Some("https://example.com/rss".into())
        }
    );
}

#[test]
fn results_come_back_in_source_order_from_pool_threads() {
    // The first feeds answer last, so completion order is roughly reversed.
    let server = Server::start(|request, s| {
        let ms: u64 = request
            .path
            .trim_start_matches("/delay/")
            .parse()
            .unwrap_or(0);
        thread::sleep(Duration::from_millis(ms));
        feed(s)
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("local.xml");
    std::fs::write(&file, RSS).expect("write");
    let mut sources: Vec<_> = [500, 400, 300, 200, 100, 0]
        .iter()
        .enumerate()
        .map(|(i, ms)| source(i, FeedLocation::Url(server.url(&format!("/delay/{ms}")))))
        .collect();
    sources.push(source(sources.len(), FeedLocation::Path(file)));
    let settings = FetchSettings {
        concurrency: 4,
        ..settings()
    };
    let fetcher = Fetcher::new(&settings).expect("fetcher");
    let caller = thread::current().id();
    let results = fetcher.fetch_all(&sources, &[], |source, result, _| {
        let worker = thread::current();
        assert_ne!(worker.id(), caller, "handled on a pool thread");
        (
            source.index,
            worker.name().unwrap_or_default().to_string(),
            result.is_ok(),
        )
    });

    let indices: Vec<usize> = results.iter().map(|(i, _, _)| i.0).collect();
    assert_eq!(indices, (0..sources.len()).collect::<Vec<_>>());
    for (_, thread, ok) in &results {
        assert!(thread.starts_with("feedletter-fetch-"), "ran on {thread:?}");
        assert!(ok);
    }
}

#[test]
fn nonsensical_limits_are_refused_at_setup() {
    for settings in [
        FetchSettings {
            concurrency: 0,
            ..settings()
        },
        FetchSettings {
            per_host: 0,
            ..settings()
        },
    ] {
        assert!(Fetcher::new(&settings).is_err());
    }
}
