//! The `smtp:` section: transport, security, credentials, sender.

use std::path::Path;
use std::time::Duration;

use lettre::message::Mailbox;

use super::Validator;
use crate::config::{PasswordSource, Problem, Security, SmtpSettings, Transport, raw};

impl Validator {
    pub(super) fn smtp(&mut self, base: &Path, s: raw::RawSmtp) -> SmtpSettings {
        let transport = match s.transport.as_ref().map(|t| t.value.as_str()) {
            None | Some("smtp") => Transport::Smtp,
            Some("sendmail") => Transport::Sendmail {
                path: s.sendmail_path.map(|p| base.join(p.value)),
            },
            Some(other) => {
                let at = s
                    .transport
                    .as_ref()
                    .map(|t| (t.referenced.line(), t.referenced.column()))
                    .unwrap_or_default();
                self.problems.push(Problem {
                    line: at.0,
                    column: at.1,
                    key: "smtp.transport".into(),
                    message: format!("`{other}` is not a transport: use smtp or sendmail"),
                });
                Transport::Smtp
            }
        };
        let security = s
            .security
            .as_ref()
            .map(|v| v.value)
            .unwrap_or(Security::Starttls);
        let host = match &s.host {
            Some(h) if !h.value.trim().is_empty() => h.value.trim().to_string(),
            Some(h) => {
                self.problem(h, "smtp.host", "must not be empty");
                String::new()
            }
            None if transport == Transport::Smtp => {
                self.missing("smtp.host", "is required for the smtp transport");
                String::new()
            }
            None => String::new(),
        };
        let port = s.port.as_ref().map(|p| p.value).unwrap_or(match security {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        });
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
                self.problem(
                    &env,
                    "smtp.password_env",
                    "give either password_env or password_file, not both",
                );
                None
            }
            (None, None) => None,
        };
        let username = s.username.map(|u| u.value);
        if transport == Transport::Smtp {
            match (&username, &password) {
                (Some(_), None) => self.missing(
                    "smtp.password_env",
                    "a username needs password_env or password_file",
                ),
                (None, Some(_)) => self.missing("smtp.username", "a password needs a username"),
                _ => {}
            }
            if username.is_some() && security == Security::None {
                self.missing("smtp.security", "credentials are never sent over an unencrypted connection: use starttls or tls");
            }
        }
        let from = match &s.from {
            Some(f) => match f.value.parse::<Mailbox>() {
                Ok(m) => Some(m),
                Err(e) => {
                    self.problem(
                        f,
                        "smtp.from",
                        format!("`{}` is not an address ({e})", f.value),
                    );
                    None
                }
            },
            None => {
                self.missing(
                    "smtp.from",
                    "is required: the address digests are sent from",
                );
                None
            }
        };
        let timeout = s
            .timeout
            .as_ref()
            .and_then(|t| self.duration(t, "smtp.timeout"))
            .unwrap_or(Duration::from_secs(30));
        SmtpSettings {
            transport,
            host,
            port,
            security,
            username,
            password,
            from: from.unwrap_or_else(|| {
                Mailbox::new(None, "invalid@invalid".parse().expect("literal address"))
            }),
            timeout,
            ca_file: s.ca_file.map(|c| base.join(c.value)),
            insecure,
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
