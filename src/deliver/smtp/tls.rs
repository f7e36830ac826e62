//! Trusting the mail server: the TLS parameters (system roots, `ca_file`, or one pinned
//! certificate), the pin check, and certificate errors in plain words with a hint.

use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use rustls::CertificateError;
use sha2::{Digest, Sha256};

use super::DeliveryError;
use super::error::describe;
use crate::config::SmtpSettings;

/// The command that prints what `smtp.tls_fingerprint` wants, for hints.
const FINGERPRINT_COMMAND: &str = "openssl x509 -noout -fingerprint -sha256 -in CERT.pem";

pub(super) fn tls_parameters(
    settings: &SmtpSettings,
    host: &str,
    server: &str,
) -> Result<TlsParameters, DeliveryError> {
    let mut builder = TlsParameters::builder(host.to_string());
    if settings.tls_fingerprint.is_some() {
        // The chain, names and dates are not what is trusted here: the one certificate
        // is, checked by `check_pin` before anything but EHLO is sent. rustls still
        // checks the handshake signature, so only the holder of its key gets through.
        builder = builder
            .dangerous_accept_invalid_certs(true)
            .dangerous_accept_invalid_hostnames(true);
    }
    if let Some(path) = &settings.ca_file {
        let refused = |reason: String| DeliveryError::CaFile {
            path: path.clone(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|e| refused(e.to_string()))?;
        // lettre accepts a file with no certificate in it, which would silently trust
        // nothing extra.
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            let reason = "contains no PEM certificate (-----BEGIN CERTIFICATE-----)";
            return Err(refused(reason.into()));
        }
        let certificate = Certificate::from_pem(&pem)
            .map_err(|_| refused("not a valid PEM certificate file".into()))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(|e| DeliveryError::Tls {
        server: server.to_string(),
        reason: describe(&e),
    })
}

/// With a pinned certificate, checks that the encrypted connection is to that one.
/// Returns the reason when it is not.
pub(super) fn check_pin(settings: &SmtpSettings, conn: &SmtpConnection) -> Option<String> {
    let pin = settings.tls_fingerprint.as_ref()?;
    if !conn.is_encrypted() {
        return Some("the connection is not encrypted".into());
    }
    let certificate = match conn.peer_certificate() {
        Ok(certificate) => certificate,
        Err(e) => return Some(format!("cannot read the server's certificate: {e}")),
    };
    let actual: [u8; 32] = Sha256::digest(&certificate).into();
    (actual != *pin).then(|| {
        format!(
            "the server's certificate has SHA-256 fingerprint {}, not the one in smtp.tls_fingerprint; if the server's certificate was renewed, check the new one and pin it",
            hex_colons(&actual)
        )
    })
}

fn hex_colons(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

/// A rejected server certificate in plain words, with what to do about it.
pub(super) fn certificate_problem(error: &CertificateError, host: &str) -> String {
    // webpki's reasons reach rustls as `Other`; their names are stable and telling.
    let other = match error {
        CertificateError::Other(other) => format!("{other:?}"),
        _ => String::new(),
    };
    let ca_pin_hint = format!(
        "to trust exactly this server's certificate, set smtp.tls_fingerprint to its SHA-256 fingerprint ({FINGERPRINT_COMMAND})"
    );
    match error {
        _ if other.contains("CaUsedAsEndEntity") => format!(
            "the server's certificate is a CA certificate used as the server's own (what `openssl req -x509` makes), which is refused even when given as smtp.ca_file; {ca_pin_hint}, or issue the server a certificate signed by that CA"
        ),
        CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
            "the server's certificate is not signed by a trusted authority; if the server uses a private CA, point smtp.ca_file at the CA's PEM file; for a self-signed certificate, {ca_pin_hint}"
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("the server's certificate is not issued for {host}; check smtp.host")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the server's certificate has expired".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet (is this machine's clock right?)".into()
        }
        CertificateError::Revoked => "the server's certificate has been revoked".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "the server's certificate is not meant for a server".into()
        }
        _ => format!("the server's certificate was refused ({error:?})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_shown_as_openssl_prints_them() {
        assert_eq!(hex_colons(&[0x0a, 0xff, 0x10]), "0A:FF:10");
    }

    #[test]
    fn an_unknown_issuer_points_at_ca_file_and_pinning() {
        let words = certificate_problem(&CertificateError::UnknownIssuer, "mail.example.org");
        assert!(words.contains("smtp.ca_file"), "{words}");
        assert!(words.contains("smtp.tls_fingerprint"), "{words}");
    }
}
