//! The feeds the benchmark fetches: N copies of `examples/feeds/dev-community.rss`
//! (12 items, ~300 KB), each with its own guids, links and dates, served by the tests'
//! loopback server (keep-alive) with a fixed added latency and ETag / If-None-Match → 304.
//!
//! The feeds are spread over several loopback addresses (127.0.0.1, .2, …) because
//! feedletter allows only `per_host` requests in flight to one host: real feed lists
//! span many hosts, and one host for all of them would measure that politeness limit
//! rather than the pipeline.

use std::io;
use std::net::{Ipv4Addr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::http_server::{Connections, Request, Server, respond_framed};

const TEMPLATE: &str = include_str!("../feeds/dev-community.rss");

/// The template cut at the item fields that differ from feed to feed.
#[derive(Debug)]
enum Piece {
    Text(String),
    /// An item's guid or link: the original, made unique per feed.
    Unique(String),
    /// An item's pubDate: `n` is the item's position in the feed.
    Date(usize),
}

/// Builds feed bodies on demand: a 300 KB copy costs well under a millisecond, and
/// holding 1000 of them up front would put 300 MB into the benchmark's own process.
pub(crate) struct FeedMaker {
    pieces: Vec<Piece>,
    /// Item dates count back from here, so every item falls in the digest window.
    anchor: DateTime<Utc>,
    pub items_per_feed: usize,
}

impl FeedMaker {
    pub(crate) fn new(anchor: DateTime<Utc>) -> FeedMaker {
        let mut pieces = Vec::new();
        let mut rest = TEMPLATE;
        let mut items = 0;
        // Only fields inside <item> vary; the channel's own <link> stays as it is.
        while let Some(start) = rest.find("<item>") {
            pieces.push(Piece::Text(rest[..start].to_string()));
            let end = rest[start..].find("</item>").expect("closed <item>") + start;
            let mut item = &rest[start..end];
            loop {
                let next = ["<guid", "<link>", "<pubDate>"]
                    .iter()
                    .filter_map(|tag| item.find(tag).map(|at| (at, *tag)))
                    .min();
                let Some((at, tag)) = next else { break };
                let open_end = at + item[at..].find('>').expect("tag end") + 1;
                let close = tag.trim_start_matches('<').trim_end_matches('>');
                let close_at = open_end + item[open_end..].find(&format!("</{close}>")).unwrap();
                pieces.push(Piece::Text(item[..open_end].to_string()));
                let value = &item[open_end..close_at];
                pieces.push(if tag == "<pubDate>" {
                    Piece::Date(items)
                } else {
                    Piece::Unique(value.to_string())
                });
                item = &item[close_at..];
            }
            pieces.push(Piece::Text(item.to_string()));
            items += 1;
            rest = &rest[end..];
        }
        pieces.push(Piece::Text(rest.to_string()));
        FeedMaker {
            pieces,
            anchor,
            items_per_feed: items,
        }
    }

    /// Feed `n`'s body. Item `i` is dated `i` hours and `n` minutes before the anchor:
    /// at most ~28 hours back for 1000 feeds, and no two feeds tie on every date.
    pub(crate) fn body(&self, n: usize) -> Vec<u8> {
        let mut out = String::with_capacity(TEMPLATE.len() + 64 * self.items_per_feed);
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Unique(url) => {
                    out.push_str(url);
                    out.push_str(if url.contains('?') { "&amp;" } else { "?" });
                    out.push_str(&format!("feed={n}"));
                }
                Piece::Date(i) => {
                    let minutes = (*i as i64) * 60 + n as i64;
                    let date = self.anchor - chrono::Duration::minutes(minutes);
                    out.push_str(&date.to_rfc2822());
                }
            }
        }
        out.into_bytes()
    }
}

/// Responses served, by kind, so a run can show it really was all-200 or all-304.
#[derive(Default)]
pub(crate) struct Counts {
    pub ok: AtomicUsize,
    pub not_modified: AtomicUsize,
    pub other: AtomicUsize,
}

impl Counts {
    pub(crate) fn take(&self) -> (usize, usize, usize) {
        (
            self.ok.swap(0, Ordering::Relaxed),
            self.not_modified.swap(0, Ordering::Relaxed),
            self.other.swap(0, Ordering::Relaxed),
        )
    }
}

pub(crate) struct FeedServer {
    /// One server per loopback address.
    hosts: Vec<Server>,
    site: Arc<Site>,
}

/// A fixed body served at `/extra/<name>` on the first host: the hostile case's feeds.
pub(crate) struct Extra {
    pub name: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// What every connection of the server shares.
struct Site {
    maker: Arc<FeedMaker>,
    counts: Counts,
    latency: Duration,
    /// Off: every request gets the whole feed, as from a server that ignores
    /// `If-None-Match` (or sends no validators at all).
    conditional: AtomicBool,
    extra: Vec<Extra>,
}

impl FeedServer {
    /// Listens on `hosts` loopback addresses; every connection gets its own thread.
    pub(crate) fn start(
        maker: Arc<FeedMaker>,
        hosts: usize,
        latency: Duration,
    ) -> io::Result<Self> {
        FeedServer::start_with(maker, hosts, latency, Vec::new())
    }

    /// Like `start`, and serves `extra` beside the generated feeds.
    pub(crate) fn start_with(
        maker: Arc<FeedMaker>,
        hosts: usize,
        latency: Duration,
        extra: Vec<Extra>,
    ) -> io::Result<Self> {
        let site = Arc::new(Site {
            maker,
            counts: Counts::default(),
            latency,
            conditional: AtomicBool::new(true),
            extra,
        });
        let hosts = (0..hosts)
            .map(|h| {
                let ip = Ipv4Addr::new(127, 0, 0, u8::try_from(h + 1).expect("at most 254 hosts"));
                let site = site.clone();
                Server::bind(ip, Connections::KeepAlive, move |request, stream| {
                    site.answer(request, stream)
                })
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(FeedServer { hosts, site })
    }

    pub(crate) fn counts(&self) -> &Counts {
        &self.site.counts
    }

    /// Whether `If-None-Match` is honoured (it is unless told otherwise).
    pub(crate) fn set_conditional(&self, on: bool) {
        self.site.conditional.store(on, Ordering::Relaxed);
    }

    /// The URL of the extra body called `name`.
    pub(crate) fn extra_url(&self, name: &str) -> String {
        format!("http://{}/extra/{name}", self.hosts[0].addr())
    }

    /// Feed `n`'s URL: feeds are dealt round-robin over the hosts.
    pub(crate) fn url(&self, n: usize) -> String {
        format!(
            "http://{}/feed/{n}.rss",
            self.hosts[n % self.hosts.len()].addr()
        )
    }
}

impl Site {
    fn answer(&self, request: &Request, stream: &mut TcpStream) -> io::Result<()> {
        let counts = &self.counts;
        thread::sleep(self.latency);
        if let Some(extra) = request
            .path
            .strip_prefix("/extra/")
            .and_then(|name| self.extra.iter().find(|e| e.name == name))
        {
            counts.other.fetch_add(1, Ordering::Relaxed);
            return respond_framed(
                stream,
                "200 OK",
                &[("Content-Type", extra.content_type)],
                &extra.body,
            );
        }
        let feed = request
            .path
            .strip_prefix("/feed/")
            .and_then(|p| p.strip_suffix(".rss"))
            .and_then(|n| n.parse::<usize>().ok());
        let Some(n) = feed else {
            counts.other.fetch_add(1, Ordering::Relaxed);
            return respond_framed(stream, "404 Not Found", &[], b"");
        };
        // The bodies never change while the server runs, so one tag per feed will do.
        let etag = format!("\"bench-{n}\"");
        let conditional = self.conditional.load(Ordering::Relaxed);
        if conditional && request.header("If-None-Match") == Some(etag.as_str()) {
            counts.not_modified.fetch_add(1, Ordering::Relaxed);
            return respond_framed(stream, "304 Not Modified", &[("ETag", &etag)], b"");
        }
        let body = self.maker.body(n);
        respond_framed(
            stream,
            "200 OK",
            &[
                ("Content-Type", "application/rss+xml; charset=utf-8"),
                ("ETag", &etag),
            ],
            &body,
        )?;
        counts.ok.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}
