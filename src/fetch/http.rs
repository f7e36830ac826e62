//! One feed over HTTP: attempts with retries, redirects followed by hand, and the body
//! read under the deadline and the byte cap.

use std::thread;
use std::time::Instant;

use reqwest::StatusCode;
use reqwest::blocking::{Client, ClientBuilder, Response};
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use super::body::{self, ReadError};
use super::hosts::host_key;
use super::retry::{self, Failure, Retry};
use super::sniff::{self, Kind};
use super::{Fetched, Fetcher};
use crate::config::FetchSettings;
use crate::model::{FeedError, Validators};

/// Feed formats first; generic XML/JSON next, because many servers label feeds that way;
/// anything last, so a server that negotiates strictly still answers.
const ACCEPT_FEEDS: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
    application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5";

pub(super) fn client_builder(settings: &FetchSettings) -> ClientBuilder {
    // reqwest is built without a crypto provider of its own, so that the TLS stack is
    // ring's alone (the mail side uses ring too) and no second one is compiled. It
    // reads the process default; installing it again is a harmless error.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT_FEEDS));
    ClientBuilder::new()
        .user_agent(settings.user_agent.as_str())
        .default_headers(headers)
        // Followed by hand: to count them, spot loops, refuse odd schemes and notice
        // permanent moves.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.connect_timeout)
        // Only a per-read bound; the total deadline is enforced per request and while
        // reading the body.
        .timeout(settings.timeout)
        .referer(false)
        .gzip(true)
        .brotli(true)
        .deflate(true)
}

pub(super) fn fetch(
    fetcher: &Fetcher,
    url: &Url,
    sent: Option<&Validators>,
) -> Result<Fetched, FeedError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let failure = match attempt(fetcher, url, sent) {
            Ok(mut fetched) => {
                fetched.attempts = attempts;
                return Ok(fetched);
            }
            Err(failure) => failure,
        };
        let retries_left = attempts <= fetcher.settings.retries;
        match failure.retry {
            Retry::Backoff if retries_left => thread::sleep(retry::backoff(attempts)),
            Retry::After(wait) if retries_left => thread::sleep(wait),
            _ => return Err(failure.error),
        }
    }
}

/// One attempt: the request, its redirects and the body, all within one deadline.
fn attempt(fetcher: &Fetcher, start: &Url, sent: Option<&Validators>) -> Result<Fetched, Failure> {
    let settings = &fetcher.settings;
    // Starts once the first request holds its host slot: time spent queued behind other
    // feeds on the same host is not this feed's fault.
    let mut deadline = None;
    let mut url = start.clone();
    let mut redirects = Redirects {
        visited: vec![start.clone()],
        moved_to: None,
        permanent_so_far: true,
    };
    let (response, permit, deadline) = loop {
        let client = fetcher.client_for(&url, url != *start)?;
        let permit = fetcher.hosts.acquire(host_key(&url));
        let deadline = *deadline.get_or_insert_with(|| Instant::now() + settings.timeout);
        let response = send(client, &url, sent, deadline, settings)?;
        if !matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
            break (response, permit, deadline);
        }
        url = redirects.follow(&response, &url, settings.max_redirects)?;
    };

    let (status, headers) = (response.status(), response.headers());
    let validators = response_validators(headers, status, sent);
    let content_type = header_text(headers, header::CONTENT_TYPE);
    let shown = || describe_response(content_type, &validators); // built only when traced
    log::trace!("{}: {status}, {}", redacted(&url), shown());
    let mut fetched = Fetched {
        charset: content_type.and_then(crate::parse::http_charset),
        validators,
        moved_to: redirects.moved_to,
        status: status.as_u16(),
        ..Fetched::default()
    };
    if status != StatusCode::NOT_MODIFIED {
        if !status.is_success() {
            return Err(retry::status_failure(status, headers));
        }
        let served_as_html = is_html_type(headers);
        let body = read_body(settings, response, deadline)?;
        drop(permit);
        log::trace!("{}: {} bytes of body", redacted(&url), body.len());
        let kind = sniff::sniff(&body);
        if kind == Kind::Html || (kind == Kind::Unknown && served_as_html) {
            return Err(Failure::fatal(sniff::not_a_feed(&body, Some(&url))));
        }
        fetched.body = Some(body);
    }
    fetched.final_url = Some(url);
    Ok(fetched)
}

/// One request, within what is left of the attempt's deadline.
fn send(
    client: &Client,
    url: &Url,
    sent: Option<&Validators>,
    deadline: Instant,
    settings: &FetchSettings,
) -> Result<Response, Failure> {
    let remaining = deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| timed_out(settings))?;
    let conditional = conditional_headers(sent);
    let shown = (conditional.iter()).map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("?")));
    let shown = || listed("", shown, "no conditional headers"); // built only when traced
    log::trace!("GET {}: {}", redacted(url), shown());
    let request = client.get(url.clone()).headers(conditional);
    (request.timeout(remaining).send()).map_err(|e| retry::transport_failure(&e, settings))
}

fn timed_out(settings: &FetchSettings) -> Failure {
    Failure {
        error: FeedError::Timeout {
            after: settings.timeout,
        },
        retry: Retry::Backoff,
    }
}

/// A successful response's body, read within the attempt's deadline and the byte cap.
fn read_body(
    settings: &FetchSettings,
    mut response: Response,
    deadline: Instant,
) -> Result<Vec<u8>, Failure> {
    let length = response.content_length();
    let too_large = || {
        Failure::fatal(FeedError::TooLarge {
            limit: settings.max_bytes,
        })
    };
    // Content-Length is absent when reqwest decompresses, so this only short-cuts
    // bodies that arrive as they are.
    if length.is_some_and(|n| n > settings.max_bytes) {
        return Err(too_large());
    }
    body::read_capped(&mut response, length, settings.max_bytes, Some(deadline)).map_err(
        |e| match e {
            ReadError::TooLarge => too_large(),
            ReadError::Timeout => timed_out(settings),
            ReadError::Io(e) => retry::transport_failure(&e, settings),
        },
    )
}

/// The redirects of one attempt: where they have been, to stop a loop, and where the
/// feed has moved for good, which holds only while every hop so far was permanent.
struct Redirects {
    visited: Vec<Url>,
    moved_to: Option<Url>,
    permanent_so_far: bool,
}

impl Redirects {
    /// Where the redirect `response` to a request for `from` leads, unless it is one
    /// too many, a loop, or somewhere a feed cannot be.
    fn follow(&mut self, response: &Response, from: &Url, max: usize) -> Result<Url, Failure> {
        let status = response.status().as_u16();
        let error = |msg: String| Failure::fatal(FeedError::Redirect(msg));
        let location = (response.headers().get(header::LOCATION))
            .ok_or_else(|| error(format!("HTTP {status} without a Location header")))?;
        // Some servers send raw UTF-8 in Location; `join` percent-encodes it.
        let location = std::str::from_utf8(location.as_bytes())
            .map_err(|_| error(format!("HTTP {status} with an unreadable Location header")))?;
        let next = (from.join(location.trim()))
            .map_err(|e| error(format!("HTTP {status} to an invalid URL: {e}")))?;
        if !matches!(next.scheme(), "http" | "https") {
            let scheme = next.scheme();
            return Err(error(format!(
                "refusing to follow a redirect to a {scheme}: URL"
            )));
        }
        if self.permanent_so_far && matches!(status, 301 | 308) {
            self.moved_to = Some(next.clone());
        } else {
            self.permanent_so_far = false;
        }
        if self.visited.contains(&next) {
            return Err(error(match next == *from {
                true => format!("redirect loop: {} redirects to itself", redacted(from)),
                false => format!(
                    "redirect loop: {} redirects back to {}",
                    redacted(from),
                    redacted(&next)
                ),
            }));
        }
        if self.visited.len() > max {
            return Err(error(format!("too many redirects (more than {max})")));
        }
        self.visited.push(next.clone());
        Ok(next)
    }
}

/// A URL fit for an error message: without credentials or query, which may hold tokens.
fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    // Both only fail for URLs that cannot carry credentials in the first place.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    shown.set_query(None);
    let query = if url.query().is_some() { "?…" } else { "" };
    format!("{shown}{query}")
}

fn conditional_headers(sent: Option<&Validators>) -> HeaderMap {
    let sent = sent.map(|s| {
        [
            (header::IF_NONE_MATCH, &s.etag),
            (header::IF_MODIFIED_SINCE, &s.last_modified),
        ]
    });
    // Values come from an earlier response; one that is no longer a valid header value
    // is skipped rather than failing the fetch.
    (sent.into_iter().flatten())
        .filter_map(|(name, value)| Some((name, HeaderValue::from_str(value.as_deref()?).ok()?)))
        .collect()
}

/// At -vv: `items` after `prefix`, or `none`.
fn listed(prefix: &str, items: impl Iterator<Item = String>, none: &str) -> String {
    let items: Vec<String> = items.collect();
    match items.is_empty() {
        true => none.to_string(),
        false => format!("{prefix}{}", items.join(", ")),
    }
}

/// At -vv: a response's content type and the validators remembered from it.
fn describe_response(content_type: Option<&str>, v: &Validators) -> String {
    let stored = [("ETag", &v.etag), ("Last-Modified", &v.last_modified)];
    let stored = (stored.iter()).filter_map(|(name, v)| Some(format!("{name} {}", v.as_ref()?)));
    let stored = listed("validators ", stored, "no validators");
    format!("{}, {stored}", content_type.unwrap_or("no content type"))
}

fn response_validators(
    headers: &HeaderMap,
    status: StatusCode,
    sent: Option<&Validators>,
) -> Validators {
    let text = |name| {
        header_text(headers, name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    // A 304 need not repeat the validators; the ones sent are still the current ones.
    let kept = sent.filter(|_| status == StatusCode::NOT_MODIFIED);
    Validators {
        etag: text(header::ETAG).or_else(|| kept?.etag.clone()),
        last_modified: text(header::LAST_MODIFIED).or_else(|| kept?.last_modified.clone()),
    }
}

fn is_html_type(headers: &HeaderMap) -> bool {
    let value = header_text(headers, header::CONTENT_TYPE).unwrap_or_default();
    let mime = value.split(';').next().unwrap_or_default().trim();
    mime.eq_ignore_ascii_case("text/html") || mime.eq_ignore_ascii_case("application/xhtml+xml")
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_urls_hide_credentials_and_queries() {
        let url = Url::parse("https://me:hunter2@example.com/feed?token=abc").unwrap();
        assert_eq!(redacted(&url), "https://example.com/feed?…");
    }

    #[test]
    fn a_304_keeps_the_validators_it_does_not_repeat() {
        let sent = Validators {
            etag: Some("\"v1\"".into()),
            last_modified: Some("Wed, 01 May 2024 11:00:00 GMT".into()),
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_static("\"v2\""));
        let kept = response_validators(&headers, StatusCode::NOT_MODIFIED, Some(&sent));
        assert_eq!(kept.etag.as_deref(), Some("\"v2\""));
        assert_eq!(kept.last_modified, sent.last_modified);
        let fresh = response_validators(&headers, StatusCode::OK, Some(&sent));
        assert_eq!(fresh.last_modified, None, "a 200 replaces them");
    }
}
