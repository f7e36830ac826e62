//! When a failed attempt is worth repeating, and how long to wait first.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};

use super::errors;
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

pub(super) fn transport_failure(
    err: &(dyn std::error::Error + 'static),
    settings: &FetchSettings,
) -> Failure {
    let error = errors::classify(err, settings.timeout, settings.connect_timeout);
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
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
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
}
