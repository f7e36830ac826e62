//! Why an attempt failed, in words a person can act on, and whether it is worth
//! repeating, after how long.
//!
//! Transport messages are built from the causes below reqwest's own error, never from
//! that error's Display: it carries the full URL, which may hold credentials or a token.

use std::error::Error;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};

use super::private::Refused;
use crate::config::FetchSettings;
use crate::model::FeedError;

/// First back-off step; doubled per failed attempt, with jitter so feeds that failed
/// together do not retry together.
const BACKOFF_BASE: Duration = Duration::from_millis(250);

/// Longest `Retry-After` worth waiting for. A server asking for more is not coming back
/// within this run, and retrying sooner than it asked would only be rude.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Why an attempt failed, and whether another one could go better.
pub(super) struct Failure {
    pub(super) error: FeedError,
    pub(super) retry: Retry,
}

pub(super) enum Retry {
    Never,
    Backoff,
    After(Duration),
}

impl Failure {
    pub(super) fn fatal(error: FeedError) -> Failure {
        Failure {
            error,
            retry: Retry::Never,
        }
    }
}

impl From<Refused> for Failure {
    fn from(refused: Refused) -> Failure {
        Failure::fatal(FeedError::Redirect(refused.to_string()))
    }
}

pub(super) fn transport_failure(err: &(dyn Error + 'static), settings: &FetchSettings) -> Failure {
    let error = classify(err, settings.timeout, settings.connect_timeout);
    let retry = match error {
        FeedError::Timeout { .. } | FeedError::Connection(_) => Retry::Backoff,
        _ => Retry::Never,
    };
    Failure { error, retry }
}

pub(super) fn status_failure(status: StatusCode, headers: &HeaderMap) -> Failure {
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
    let wait = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc)
        - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Half the step, plus up to another half at random.
pub(super) fn backoff(failed_attempts: u32) -> Duration {
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

/// Classifies a failed request or body read by walking its source chain; a timeout
/// is reported as the limit that was hit.
fn classify(
    err: &(dyn Error + 'static),
    timeout: Duration,
    connect_timeout: Duration,
) -> FeedError {
    let chain: Vec<&(dyn Error + 'static)> =
        std::iter::successors(Some(err), |&e| next(e)).collect();
    let reqwest_errors: Vec<&reqwest::Error> =
        chain.iter().filter_map(|e| e.downcast_ref()).collect();
    let io_errors: Vec<&io::Error> = chain.iter().filter_map(|e| e.downcast_ref()).collect();
    let io_kind = |kind| io_errors.iter().any(|e| e.kind() == kind);
    let connecting = reqwest_errors.iter().any(|e| e.is_connect());
    if let Some(refused) = chain.iter().find_map(|e| e.downcast_ref::<Refused>()) {
        return FeedError::Redirect(refused.to_string());
    }

    if reqwest_errors.iter().any(|e| e.is_timeout()) || io_kind(io::ErrorKind::TimedOut) {
        let after = if connecting { connect_timeout } else { timeout };
        return FeedError::Timeout { after };
    }
    let says_dns = |e: &&(dyn Error + 'static)| {
        let text = e.to_string().to_ascii_lowercase();
        DNS_MARKERS.iter().any(|m| text.contains(m))
    };
    if reqwest_errors.iter().any(|e| e.is_dns()) || chain.iter().any(says_dns) {
        return FeedError::Dns(cause(&chain));
    }
    if let Some(tls) = chain.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return FeedError::Tls(tls.to_string());
    }
    // The decompressor reports a corrupt stream as invalid data; TLS, the only other
    // source of it here, was handled above.
    if !connecting && io_kind(io::ErrorKind::InvalidData) {
        return FeedError::Parse(format!("the compressed body is corrupt: {}", cause(&chain)));
    }
    FeedError::Connection(cause(&chain))
}

/// The next error down. `io::Error::source` skips the error an `io::Error` wraps (it
/// returns that error's source), and reqwest hands body errors over wrapped that way.
fn next<'a>(err: &'a (dyn Error + 'static)) -> Option<&'a (dyn Error + 'static)> {
    match err.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
        Some(inner) => Some(inner),
        None => err.source(),
    }
}

/// Resolver wording, for resolvers that do not use reqwest's `DnsError` type.
const DNS_MARKERS: &[&str] = &[
    "dns error",
    "failed to lookup address",
    "name or service not known",
    "no address associated",
    "nodename nor servname",
];

/// The innermost cause: the one that says what actually went wrong ("Connection
/// refused") rather than where ("error sending request for url ...").
fn cause(chain: &[&(dyn Error + 'static)]) -> String {
    chain
        .iter()
        .rev()
        .find(|e| !e.is::<reqwest::Error>())
        .map(|e| e.to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "the request failed".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for a library error that wraps another.
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Wrapped(&'static str, #[source] io::Error);

    const T: Duration = Duration::from_secs(20);
    const C: Duration = Duration::from_secs(10);

    #[test]
    fn failures_are_classified_by_their_causes() {
        let dns = "failed to lookup address information: Name or service not known";
        let cases = [
            // A resolver failure is DNS.
            (
                Wrapped("dns error", io::Error::other(dns)),
                FeedError::Dns(dns.into()),
            ),
            (
                Wrapped("read failed", io::ErrorKind::TimedOut.into()),
                FeedError::Timeout { after: T },
            ),
            // Other failures name the innermost cause.
            (
                Wrapped("tcp connect error", io::ErrorKind::ConnectionReset.into()),
                FeedError::Connection("connection reset".into()),
            ),
        ];
        for (err, expected) in cases {
            assert_eq!(classify(&err, T, C), expected);
        }
        let err = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(
            matches!(classify(&err, T, C), FeedError::Tls(m) if m.contains("invalid peer certificate"))
        );
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        for (value, wait) in [
            (" 7 ", Some(7)),
            ("Wed, 01 May 2024 12:00:05 GMT", Some(5)),
            ("Wed, 01 May 2024 11:00:00 GMT", Some(0)), // a date in the past
            ("soon", None),
            ("-3", None),
        ] {
            let wait = wait.map(Duration::from_secs);
            assert_eq!(parse_retry_after(value, now), wait, "{value}");
        }
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
}
