//! The `smtp:` section: transport, security, credentials, sender.

use std::path::Path;
use std::time::Duration;

use lettre::message::Mailbox;
use serde_saphyr::Spanned;

use super::Validator;
use crate::config::raw;
use crate::config::{PasswordSource, Security, SmtpSettings, Transport};

impl Validator {
    pub(super) fn smtp(&mut self, base: &Path, s: raw::RawSmtp) -> SmtpSettings {
        let transport = self.smtp_transport(base, s.transport, s.sendmail_path);
        let security = s.security.as_ref().map_or(Security::Starttls, |v| v.value);
        let host = self.smtp_host(s.host.as_ref(), &transport);
        let insecure = s.insecure.unwrap_or(false);
        // `security` is only `None` when the user wrote it, so its position is known.
        if let Some(at) = s.security.as_ref().filter(|s| s.value == Security::None)
            && transport == Transport::Smtp
            && !insecure
            && !is_loopback(&host)
        {
            self.problem(at, "smtp.security", format!("`none` sends mail unencrypted to {host}; it is allowed only for a loopback host, or with `insecure: true`"));
        }
        let password = match (s.password_env, s.password_file) {
            (Some(env), None) => Some(PasswordSource::Env(env.value)),
            (None, Some(file)) => Some(PasswordSource::File(base.join(file.value))),
            (Some(env), Some(_)) => {
                let message = "give either password_env or password_file, not both";
                self.problem(&env, "smtp.password_env", message);
                None
            }
            (None, None) => None,
        };
        let username = s.username.map(|u| u.value);
        if transport == Transport::Smtp {
            self.check_credentials(username.is_some(), password.is_some(), security);
        }
        if s.from.is_none() {
            self.missing(
                "smtp.from",
                "is required: the address digests are sent from",
            );
        }
        let from = self.check(s.from.as_ref(), "smtp.from", |f| {
            (f.parse::<Mailbox>()).map_err(|e| format!("`{f}` is not an address ({e})"))
        });
        let pin = self.check(s.tls_fingerprint.as_ref(), "smtp.tls_fingerprint", |f| {
            parse_fingerprint(f).ok_or_else(|| format!("`{f}` is not a SHA-256 fingerprint: write the 64 hex digits that `openssl x509 -noout -fingerprint -sha256` prints"))
        });
        // A pinned certificate is trusted without any CA, so it cannot be combined with one.
        if let Some(at) = s.tls_fingerprint.as_ref().filter(|_| s.ca_file.is_some()) {
            self.problem(at, "smtp.tls_fingerprint", "give either ca_file or tls_fingerprint, not both: a pinned certificate is trusted without any CA");
        }
        let port = match security {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        };
        SmtpSettings {
            transport,
            host,
            port: s.port.map_or(port, |p| p.value),
            security,
            username,
            password,
            from: from.unwrap_or_else(|| {
                Mailbox::new(None, "invalid@invalid".parse().expect("literal address"))
            }),
            timeout: (self.duration(s.timeout.as_ref(), "smtp.timeout"))
                .unwrap_or(Duration::from_secs(30)),
            ca_file: s.ca_file.map(|c| base.join(c.value)),
            tls_fingerprint: pin,
            insecure,
        }
    }

    fn smtp_transport(
        &mut self,
        base: &Path,
        transport: Option<Spanned<String>>,
        sendmail_path: Option<Spanned<String>>,
    ) -> Transport {
        match transport.as_ref().map(|t| t.value.as_str()) {
            None | Some("smtp") => Transport::Smtp,
            Some("sendmail") => Transport::Sendmail {
                path: sendmail_path.map(|p| base.join(p.value)),
            },
            Some(other) => {
                let message = format!("`{other}` is not a transport: use smtp or sendmail");
                if let Some(at) = &transport {
                    self.problem(at, "smtp.transport", message);
                }
                Transport::Smtp
            }
        }
    }

    /// Only the smtp transport needs a host: sendmail is a local program.
    fn smtp_host(&mut self, host: Option<&Spanned<String>>, transport: &Transport) -> String {
        match host.map(|h| (h, h.value.trim())) {
            Some((_, name)) if !name.is_empty() => return name.to_string(),
            Some((h, _)) => self.problem(h, "smtp.host", "must not be empty"),
            None if *transport == Transport::Smtp => {
                self.missing("smtp.host", "is required for the smtp transport")
            }
            None => {}
        }
        String::new()
    }

    /// A half-given login, or one that would cross the network in clear, is refused
    /// before any mail server sees it.
    fn check_credentials(&mut self, username: bool, password: bool, security: Security) {
        match (username, password) {
            (true, false) => self.missing(
                "smtp.password_env",
                "a username needs password_env or password_file",
            ),
            (false, true) => self.missing("smtp.username", "a password needs a username"),
            _ => {}
        }
        if username && security == Security::None {
            let message =
                "credentials are never sent over an unencrypted connection: use starttls or tls";
            self.missing("smtp.security", message);
        }
    }
}

/// Reads a SHA-256 fingerprint as people copy it: openssl's `sha256 Fingerprint=AB:CD:…`,
/// with or without the prefix and the colons, in either case.
fn parse_fingerprint(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let digits = match text.split_once('=') {
        Some((label, digits)) if label.to_ascii_lowercase().contains("sha256") => digits,
        Some(_) => return None,
        None => text.strip_prefix("sha256:").unwrap_or(text),
    };
    let hex: String = digits.chars().filter(|c| !matches!(c, ':' | ' ')).collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let mut fingerprint = [0u8; 32];
    for (i, byte) in fingerprint.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(fingerprint)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::parse_fingerprint;

    #[test]
    fn fingerprints_are_read_as_openssl_prints_them_or_bare() {
        let (bare, colons) = ("ab".repeat(32), vec!["AB"; 32].join(":"));
        let sha256 = format!("sha256 Fingerprint={colons}");
        for text in [&bare, &colons, &sha256, &format!("sha256:{bare}")] {
            assert_eq!(parse_fingerprint(text), Some([0xab; 32]), "{text}");
        }
        // A SHA-1 is refused, as are what is not hex and another digest.
        for text in [
            "ab".repeat(20),
            "zz".repeat(32),
            format!("md5 Fingerprint={colons}"),
        ] {
            assert_eq!(parse_fingerprint(&text), None, "{text}");
        }
    }
}
