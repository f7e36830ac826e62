//! One feed over HTTP: attempts with retries, redirects followed by hand, and the body
//! read under the deadline and the byte cap.

use std::hash::{BuildHasher, Hasher};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use super::body::{self, ReadError};
use super::hosts::host_key;
use super::sniff::{self, Kind};
use super::{FetchSetupError, Fetched, Fetcher, errors};
use crate::config::FetchSettings;
use crate::model::{FeedError, Validators};

/// Feed formats first; generic XML/JSON next, because many servers label feeds that way;
/// anything last, so a server that negotiates strictly still answers.
const ACCEPT_FEEDS: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
    application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5";

/// First back-off step; doubled per failed attempt, with jitter so feeds that failed
/// together do not retry together.
const BACKOFF_BASE: Duration = Duration::from_millis(250);

/// Longest `Retry-After` worth waiting for. A server asking for more is not coming back
/// within this run, and retrying sooner than it asked would only be rude.
pub(super) const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

pub(super) fn build_client(settings: &FetchSettings) -> Result<Client, FetchSetupError> {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT_FEEDS));
    Client::builder()
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
        .build()
        .map_err(|source| FetchSetupError::Client { source })
}

/// Why an attempt failed, and whether another one could go better.
struct Failure {
    error: FeedError,
    retry: Retry,
}

enum Retry {
    Never,
    Backoff,
    After(Duration),
}

impl Failure {
    fn fatal(error: FeedError) -> Failure {
        Failure {
            error,
            retry: Retry::Never,
        }
    }
}

pub(super) fn fetch(
    fetcher: &Fetcher,
    url: &Url,
    sent: Option<&Validators>,
) -> Result<Fetched, FeedError> {
    let started = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let failure = match attempt(fetcher, url, sent) {
            Ok(mut fetched) => {
                fetched.attempts = attempts;
                fetched.elapsed = started.elapsed();
                return Ok(fetched);
            }
            Err(failure) => failure,
        };
        let wait = match failure.retry {
            Retry::Never => None,
            Retry::Backoff => Some(backoff(attempts)),
            Retry::After(wait) => Some(wait),
        };
        match wait {
            Some(wait) if attempts <= fetcher.settings.retries => thread::sleep(wait),
            _ => return Err(failure.error),
        }
    }
}

/// One attempt: the request, its redirects and the body, all within one deadline.
fn attempt(fetcher: &Fetcher, start: &Url, sent: Option<&Validators>) -> Result<Fetched, Failure> {
    let settings = &fetcher.settings;
    let deadline = Instant::now() + settings.timeout;
    let timed_out = || Failure {
        error: FeedError::Timeout {
            after: settings.timeout,
        },
        retry: Retry::Backoff,
    };
    let mut url = start.clone();
    let mut visited = vec![start.clone()];
    let mut moved_to = None;
    let mut permanent_so_far = true;
    loop {
        let permit = fetcher.hosts.acquire(host_key(&url));
        let remaining = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(timed_out)?;
        let mut response = fetcher
            .client
            .get(url.clone())
            .headers(conditional_headers(sent))
            .timeout(remaining)
            .send()
            .map_err(|e| transport_failure(&e, settings))?;
        let status = response.status();

        if matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
            let next = redirect_target(&response, &url)?;
            if permanent_so_far && matches!(status.as_u16(), 301 | 308) {
                moved_to = Some(next.clone());
            } else {
                permanent_so_far = false;
            }
            if visited.contains(&next) {
                let detail = if next == url {
                    format!("{} redirects to itself", redacted(&url))
                } else {
                    format!("{} redirects back to {}", redacted(&url), redacted(&next))
                };
                return Err(Failure::fatal(FeedError::Redirect(format!(
                    "redirect loop: {detail}"
                ))));
            }
            if visited.len() > settings.max_redirects {
                return Err(Failure::fatal(FeedError::Redirect(format!(
                    "too many redirects (more than {})",
                    settings.max_redirects
                ))));
            }
            visited.push(next.clone());
            url = next;
            continue;
        }

        let validators = response_validators(response.headers(), status, sent);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(fetched(None, url, validators, moved_to, status));
        }
        if !status.is_success() {
            return Err(status_failure(status, response.headers()));
        }
        let served_as_html = is_html_type(response.headers());
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
        let body = body::read_capped(&mut response, length, settings.max_bytes, Some(deadline))
            .map_err(|e| match e {
                ReadError::TooLarge => too_large(),
                ReadError::Timeout => timed_out(),
                ReadError::Io(e) => transport_failure(&e, settings),
            })?;
        drop(response);
        drop(permit);

        match sniff::sniff(&body) {
            Kind::Feed => {}
            Kind::Html => return Err(not_a_feed(&body, &url)),
            Kind::Unknown if served_as_html => return Err(not_a_feed(&body, &url)),
            Kind::Unknown => {}
        }
        return Ok(fetched(Some(body), url, validators, moved_to, status));
    }
}

fn fetched(
    body: Option<Vec<u8>>,
    final_url: Url,
    validators: Validators,
    moved_to: Option<Url>,
    status: StatusCode,
) -> Fetched {
    Fetched {
        body,
        final_url: Some(final_url),
        validators,
        moved_to,
        status: status.as_u16(),
        attempts: 0,
        elapsed: Duration::ZERO,
    }
}

fn not_a_feed(page: &[u8], page_url: &Url) -> Failure {
    Failure::fatal(FeedError::NotAFeed {
        advertised: sniff::advertised_feed(page, Some(page_url)).map(String::from),
    })
}

fn transport_failure(err: &(dyn std::error::Error + 'static), settings: &FetchSettings) -> Failure {
    let error = errors::classify(err, settings.timeout, settings.connect_timeout);
    let retry = match error {
        FeedError::Timeout { .. } | FeedError::Connection(_) => Retry::Backoff,
        _ => Retry::Never,
    };
    Failure { error, retry }
}

fn status_failure(status: StatusCode, headers: &HeaderMap) -> Failure {
    let error = FeedError::HttpStatus {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or_default().to_string(),
    };
    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
        return Failure::fatal(error);
    }
    let asked = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, Utc::now()));
    let retry = match asked {
        Some(wait) if wait > MAX_RETRY_AFTER => Retry::Never,
        Some(wait) => Retry::After(wait),
        None => Retry::Backoff,
    };
    Failure { error, retry }
}

/// `Retry-After` as delay-seconds or an HTTP-date; a date in the past means now.
fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// Half the step, plus up to another half at random.
fn backoff(failed_attempts: u32) -> Duration {
    let step = BACKOFF_BASE.saturating_mul(1 << failed_attempts.saturating_sub(1).min(10));
    let half = step / 2;
    half + half.mul_f64(jitter())
}

/// A number in [0, 1). `RandomState` is freshly keyed on every call, which is random
/// enough to spread retries without a dependency on a random number crate.
fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

fn redirect_target(response: &Response, from: &Url) -> Result<Url, Failure> {
    let status = response.status().as_u16();
    let redirect_error = |msg: String| Failure::fatal(FeedError::Redirect(msg));
    let location = response
        .headers()
        .get(header::LOCATION)
        .ok_or_else(|| redirect_error(format!("HTTP {status} without a Location header")))?;
    // Some servers send raw UTF-8 in Location; `join` percent-encodes it.
    let location = std::str::from_utf8(location.as_bytes())
        .map_err(|_| redirect_error(format!("HTTP {status} with an unreadable Location header")))?;
    let next = from
        .join(location.trim())
        .map_err(|e| redirect_error(format!("HTTP {status} to an invalid URL: {e}")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(redirect_error(format!(
            "refusing to follow a redirect to a {}: URL",
            next.scheme()
        )));
    }
    Ok(next)
}

/// A URL fit for an error message: without credentials or query, which may hold tokens.
fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    // Both only fail for URLs that cannot carry credentials in the first place.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    let had_query = shown.query().is_some();
    shown.set_query(None);
    let mut shown = shown.to_string();
    if had_query {
        shown.push_str("?…");
    }
    shown
}

fn conditional_headers(sent: Option<&Validators>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let Some(sent) = sent else { return headers };
    // Values come from an earlier response; one that is no longer a valid header value
    // is skipped rather than failing the fetch.
    let valid = |v: &Option<String>| v.as_deref().and_then(|v| HeaderValue::from_str(v).ok());
    if let Some(etag) = valid(&sent.etag) {
        headers.insert(header::IF_NONE_MATCH, etag);
    }
    if let Some(date) = valid(&sent.last_modified) {
        headers.insert(header::IF_MODIFIED_SINCE, date);
    }
    headers
}

fn response_validators(
    headers: &HeaderMap,
    status: StatusCode,
    sent: Option<&Validators>,
) -> Validators {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut validators = Validators {
        etag: text(header::ETAG),
        last_modified: text(header::LAST_MODIFIED),
    };
    // A 304 need not repeat the validators; the ones sent are still the current ones.
    if status == StatusCode::NOT_MODIFIED
        && let Some(sent) = sent
    {
        validators.etag = validators.etag.or_else(|| sent.etag.clone());
        validators.last_modified = validators
            .last_modified
            .or_else(|| sent.last_modified.clone());
    }
    validators
}

fn is_html_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value.split(';').next().unwrap_or_default().trim();
    mime.eq_ignore_ascii_case("text/html") || mime.eq_ignore_ascii_case("application/xhtml+xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 01 May 2024 12:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn backoff_grows_and_stays_within_its_step() {
        for _ in 0..50 {
            let first = backoff(1);
            assert!(
                first >= BACKOFF_BASE / 2 && first <= BACKOFF_BASE,
                "{first:?}"
            );
            let second = backoff(2);
            assert!(
                second >= BACKOFF_BASE && second <= BACKOFF_BASE * 2,
                "{second:?}"
            );
        }
        assert!(backoff(u32::MAX) <= BACKOFF_BASE * 1024);
    }

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
