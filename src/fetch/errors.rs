//! Turning transport errors into `FeedError`s a person can act on.
//!
//! The message is built from the causes below reqwest's own error, never from that
//! error's Display: it carries the full URL, which may hold credentials or a token.

use std::error::Error;
use std::io;
use std::time::Duration;

use super::private::Refused;
use crate::model::FeedError;

/// Classifies a failed request or body read by walking its source chain.
///
/// `timeout` and `connect_timeout` are reported as the limit that was hit.
pub(super) fn classify(
    err: &(dyn Error + 'static),
    timeout: Duration,
    connect_timeout: Duration,
) -> FeedError {
    let chain: Vec<&(dyn Error + 'static)> =
        std::iter::successors(Some(err), |&e| next(e)).collect();
    let reqwest_errors = || {
        chain
            .iter()
            .filter_map(|e| e.downcast_ref::<reqwest::Error>())
    };
    let io_kind = |kind: io::ErrorKind| {
        chain
            .iter()
            .filter_map(|e| e.downcast_ref::<io::Error>())
            .any(|e| e.kind() == kind)
    };
    let connecting = reqwest_errors().any(|e| e.is_connect());
    if let Some(refused) = chain.iter().find_map(|e| e.downcast_ref::<Refused>()) {
        return FeedError::Redirect(refused.to_string());
    }

    if reqwest_errors().any(|e| e.is_timeout()) || io_kind(io::ErrorKind::TimedOut) {
        let after = if connecting { connect_timeout } else { timeout };
        return FeedError::Timeout { after };
    }
    let says_dns = |e: &&(dyn Error + 'static)| {
        let text = e.to_string().to_ascii_lowercase();
        DNS_MARKERS.iter().any(|m| text.contains(m))
    };
    if reqwest_errors().any(|e| e.is_dns()) || chain.iter().any(says_dns) {
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
}
