//! Delivery against a real (local) SMTP server: message shape, STARTTLS, implicit TLS,
//! AUTH, retries, refusals, and the sendmail transport.

pub mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use feedletter::config::{self, Config, PasswordSource, Security, SmtpSettings};
use feedletter::deliver::message::{OutgoingDigest, build_message, to_eml};
use feedletter::deliver::smtp::{DeliveryError, PasswordError, Refused, Step, probe, send};
use mail_parser::{MessageParser, MimeHeaders};
use mailin::AuthMechanism;
use support::bounded;
use support::smtp_server::{Mode, Options, SmtpServer, closed_port, silent_listener};
use tempfile::TempDir;

const USER: &str = "digest@example.com";
const PASSWORD: &str = "correct horse battery staple";
const THAI_SUBJECT: &str = "AI หลอกตัวเราได้อย่างไร";
const TEXT: &str = "Plain body ✓\nSecond line\n";
const HTML: &str = "<p>HTML body ✓</p>\n";
const LIMIT: Duration = Duration::from_secs(20);

/// A config directory with feeds.yaml, the password file (with the trailing newline
/// an editor leaves) and, when given, the server's CA certificate.
struct Setup {
    dir: TempDir,
    config: Config,
}

impl Setup {
    fn new(smtp: &str, server: Option<&SmtpServer>) -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("password.txt"), format!("{PASSWORD}\n"))
            .expect("password file");
        if let Some(server) = server {
            server.write_ca_file(dir.path());
        }
        let yaml = format!(
            r#"feeds:
  - path: feed.xml
digests:
  daily:
    to: ["Reader <reader@example.org>"]
    cc: ["cc@example.org"]
    bcc: ["hidden@example.org"]
smtp:
{smtp}
"#
        );
        let path = dir.path().join("feeds.yaml");
        std::fs::write(&path, yaml).expect("feeds.yaml");
        let config = config::load(&path).expect("valid config");
        Setup { dir, config }
    }

    /// STARTTLS (or `security`) with login, trusting the server's certificate.
    fn for_server(server: &SmtpServer, security: &str, timeout: &str) -> Setup {
        let smtp = format!(
            r#"  host: 127.0.0.1
  port: {port}
  security: {security}
  username: {USER}
  password_file: password.txt
  from: "Feedletter <{USER}>"
  timeout: {timeout}
  ca_file: ca.pem"#,
            port = server.port()
        );
        Setup::new(&smtp, Some(server))
    }

    fn smtp(&self) -> SmtpSettings {
        self.config.smtp.clone().expect("smtp section")
    }

    fn message(&self, subject: &str) -> lettre::Message {
        let digest = self.config.digest("daily").expect("digest");
        let out = OutgoingDigest {
            digest,
            subject: subject.to_string(),
            text: TEXT.to_string(),
            html: HTML.to_string(),
        };
        build_message(&self.smtp().from, &out, now()).expect("message builds")
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9)
        .single()
        .expect("valid date")
}

fn login_server(mode: Mode) -> SmtpServer {
    SmtpServer::start(Options::new(mode).with_login(USER, PASSWORD))
}

fn header_section(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    text.split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn starttls_delivery_is_multipart_alternative_with_all_headers() {
    bounded(LIMIT, || {
        let server = login_server(Mode::StartTls);
        let setup = Setup::for_server(&server, "starttls", "5s");
        send(&setup.smtp(), &setup.message(THAI_SUBJECT)).expect("delivered");

        let messages = server.messages();
        assert_eq!(messages.len(), 1);
        let received = &messages[0];
        assert_eq!(received.from, USER);
        for rcpt in ["reader@example.org", "cc@example.org", "hidden@example.org"] {
            assert!(
                received.to.iter().any(|t| t.contains(rcpt)),
                "{rcpt} not in envelope {:?}",
                received.to
            );
        }

        let headers = header_section(&received.data);
        assert!(headers.is_ascii(), "headers must be encoded:\n{headers}");
        assert!(
            !headers.to_ascii_lowercase().contains("\nbcc:")
                && !headers.to_ascii_lowercase().starts_with("bcc:"),
            "Bcc header leaked:\n{headers}"
        );
        assert!(!String::from_utf8_lossy(&received.data).contains("hidden@example.org"));

        let parsed = MessageParser::default()
            .parse(&received.data)
            .expect("parses");
        assert_eq!(parsed.subject(), Some(THAI_SUBJECT));
        let from = parsed.from().and_then(|a| a.first()).expect("From");
        assert_eq!(from.address(), Some(USER));
        assert_eq!(from.name(), Some("Feedletter"));
        let to = parsed.to().and_then(|a| a.first()).expect("To");
        assert_eq!(to.address(), Some("reader@example.org"));
        assert_eq!(to.name(), Some("Reader"));
        let cc = parsed.cc().and_then(|a| a.first()).expect("Cc");
        assert_eq!(cc.address(), Some("cc@example.org"));
        assert!(parsed.bcc().is_none());
        assert_eq!(
            parsed.date().expect("Date").to_timestamp(),
            now().timestamp()
        );
        let id = parsed.message_id().expect("Message-ID");
        assert!(id.ends_with("@example.com"), "Message-ID {id}");
        assert_eq!(
            parsed.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-generated")
        );

        let root = parsed.root_part().content_type().expect("Content-Type");
        assert_eq!(
            (root.ctype(), root.subtype()),
            ("multipart", Some("alternative"))
        );
        assert_eq!(parsed.parts.len(), 3, "root + two alternatives");
        let kinds: Vec<_> = parsed.parts[1..]
            .iter()
            .map(|p| {
                let ct = p.content_type().expect("part Content-Type");
                (
                    format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()),
                    ct.attribute("charset").map(str::to_ascii_lowercase),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("text/plain".to_string(), Some("utf-8".to_string())),
                ("text/html".to_string(), Some("utf-8".to_string())),
            ]
        );
        let text = parsed.parts[1].text_contents().expect("text part");
        assert_eq!(text.replace("\r\n", "\n"), TEXT);
        let html = parsed.parts[2].text_contents().expect("html part");
        assert_eq!(html.replace("\r\n", "\n"), HTML);

        let log = server.log();
        let verbs = log.verbs();
        let starttls = verbs
            .iter()
            .position(|v| v == "STARTTLS")
            .expect("STARTTLS");
        let auth = verbs.iter().position(|v| v == "AUTH").expect("AUTH");
        assert!(starttls < auth);
        assert!(
            log.commands
                .iter()
                .filter(|c| c.line.to_ascii_uppercase().starts_with("AUTH"))
                .all(|c| c.tls)
        );
        // The password file's trailing newline is not part of the password.
        assert_eq!(log.auth.len(), 1);
        assert!(log.auth[0].accepted && log.auth[0].tls);
        assert_eq!(log.auth[0].password, PASSWORD);
    });
}

#[test]
fn wrong_password_is_refused_without_retry_and_never_shown() {
    bounded(LIMIT, || {
        let server = SmtpServer::start(Options::new(Mode::StartTls).with_login(USER, "other"));
        let setup = Setup::for_server(&server, "starttls", "5s");
        let err = send(&setup.smtp(), &setup.message("hello")).expect_err("must fail");

        let shown = err.to_string();
        let server_name = format!("127.0.0.1:{}", server.port());
        assert!(matches!(err, DeliveryError::Auth { .. }), "{err:?}");
        assert!(
            shown.starts_with(&format!(
                "authentication refused by {server_name} for user {USER}"
            )),
            "{shown}"
        );
        assert!(shown.contains("535"), "{shown}");
        assert!(!shown.contains(PASSWORD));
        assert!(!format!("{err:?}").contains(PASSWORD));

        let log = server.log();
        assert_eq!(log.connections, 1, "a refused login is not retried");
        assert!(log.messages.is_empty());
        assert!(!log.verbs().contains(&"MAIL".to_string()));
    });
}

#[test]
fn server_down_fails_after_three_attempts_within_the_budget() {
    bounded(LIMIT, || {
        let port = closed_port();
        let smtp = format!(
            r#"  host: 127.0.0.1
  port: {port}
  security: none
  from: {USER}
  timeout: 2s"#
        );
        let setup = Setup::new(&smtp, None);
        let started = Instant::now();
        let err = send(&setup.smtp(), &setup.message("hello")).expect_err("nobody listens");
        let elapsed = started.elapsed();

        assert!(matches!(err, DeliveryError::Connect { .. }), "{err:?}");
        assert_eq!(err.attempts(), Some(3));
        assert_eq!(
            err.to_string(),
            format!("cannot connect to 127.0.0.1:{port}: connection refused (tried 3 times)")
        );
        assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
        assert!(
            elapsed >= Duration::from_millis(300),
            "backed off between attempts"
        );
    });
}

#[test]
fn silent_server_times_out_within_the_budget() {
    bounded(LIMIT, || {
        let listener = silent_listener();
        let port = listener.local_addr().expect("addr").port();
        let smtp = format!(
            r#"  host: 127.0.0.1
  port: {port}
  security: none
  from: {USER}
  timeout: 1s"#
        );
        let setup = Setup::new(&smtp, None);
        let started = Instant::now();
        let err = send(&setup.smtp(), &setup.message("hello")).expect_err("no greeting");
        let elapsed = started.elapsed();

        assert!(
            matches!(
                err,
                DeliveryError::Timeout {
                    step: Step::Connect,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                == format!("127.0.0.1:{port} did not answer within 1s while connecting"),
            "{err}"
        );
        assert!(elapsed < Duration::from_millis(1900), "took {elapsed:?}");
        drop(listener);
    });
}

#[test]
fn server_without_starttls_gets_no_credentials() {
    bounded(LIMIT, || {
        // A downgraded server: no STARTTLS, but happy to take AUTH in clear.
        let mut options = Options::new(Mode::Plain).with_login(USER, PASSWORD);
        options.auth_in_clear = true;
        let server = SmtpServer::start(options);
        let setup = Setup::for_server(&server, "starttls", "5s");
        let err = send(&setup.smtp(), &setup.message("hello")).expect_err("refused");

        assert!(matches!(err, DeliveryError::NoStarttls { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "127.0.0.1:{} does not offer STARTTLS; refusing to send credentials in clear",
                server.port()
            )
        );
        let log = server.log();
        assert_eq!(log.verbs(), ["EHLO", "QUIT"]);
        assert!(log.auth.is_empty());
        assert_eq!(log.connections, 1, "not retried");
        assert!(log.messages.is_empty());
    });
}

#[test]
fn credentials_are_never_sent_over_a_plain_connection() {
    bounded(LIMIT, || {
        let mut options = Options::new(Mode::Plain).with_login(USER, PASSWORD);
        options.auth_in_clear = true;
        let server = SmtpServer::start(options);
        let setup = Setup::for_server(&server, "starttls", "5s");
        // The config refuses this combination; the transport must refuse it too.
        let mut smtp = setup.smtp();
        smtp.security = Security::None;
        let err = send(&smtp, &setup.message("hello")).expect_err("refused");

        assert!(
            matches!(err, DeliveryError::CleartextCredentials { .. }),
            "{err:?}"
        );
        let log = server.log();
        assert!(
            !log.verbs().contains(&"AUTH".to_string()),
            "{:?}",
            log.verbs()
        );
        assert!(log.auth.is_empty());
    });
}

#[test]
fn plain_loopback_without_credentials_delivers() {
    bounded(LIMIT, || {
        let server = SmtpServer::start(Options::new(Mode::Plain));
        let smtp = format!(
            r#"  host: 127.0.0.1
  port: {}
  security: none
  from: {USER}
  timeout: 5s"#,
            server.port()
        );
        let setup = Setup::new(&smtp, None);
        send(&setup.smtp(), &setup.message("hello")).expect("delivered");
        assert_eq!(server.messages().len(), 1);
        assert!(!server.log().verbs().contains(&"STARTTLS".to_string()));
    });
}

#[test]
fn implicit_tls_delivers() {
    bounded(LIMIT, || {
        let server = login_server(Mode::ImplicitTls);
        let setup = Setup::for_server(&server, "tls", "5s");
        send(&setup.smtp(), &setup.message(THAI_SUBJECT)).expect("delivered");

        let messages = server.messages();
        assert_eq!(messages.len(), 1);
        let parsed = MessageParser::default()
            .parse(&messages[0].data)
            .expect("parses");
        assert_eq!(parsed.subject(), Some(THAI_SUBJECT));
        let log = server.log();
        assert!(
            log.commands.iter().all(|c| c.tls),
            "TLS from the first byte"
        );
        assert!(!log.verbs().contains(&"STARTTLS".to_string()));
        assert!(log.auth[0].accepted && log.auth[0].tls);
    });
}

#[test]
fn implicit_tls_against_a_plain_server_explains_itself() {
    bounded(LIMIT, || {
        let server = login_server(Mode::StartTls);
        let setup = Setup::for_server(&server, "tls", "5s");
        let err = send(&setup.smtp(), &setup.message("hello")).expect_err("not TLS");
        assert!(matches!(err, DeliveryError::Tls { .. }), "{err:?}");
        assert!(err.to_string().contains("security: starttls"), "{err}");
        assert!(server.log().auth.is_empty());
    });
}

#[test]
fn untrusted_certificate_fails_at_once_without_auth() {
    bounded(LIMIT, || {
        let server = login_server(Mode::StartTls);
        let setup = Setup::for_server(&server, "starttls", "5s");
        let mut smtp = setup.smtp();
        smtp.ca_file = None;
        let err = send(&smtp, &setup.message("hello")).expect_err("untrusted");

        assert!(matches!(err, DeliveryError::Tls { .. }), "{err:?}");
        assert!(err.to_string().contains("smtp.ca_file"), "{err}");
        let log = server.log();
        assert!(log.connections <= 1, "TLS failures are not retried");
        assert!(log.auth.is_empty());
        assert!(!log.verbs().contains(&"AUTH".to_string()));
    });
}

#[test]
fn auth_login_is_used_when_plain_is_not_offered() {
    bounded(LIMIT, || {
        let mut options = Options::new(Mode::StartTls).with_login(USER, PASSWORD);
        options.mechanisms = vec![AuthMechanism::Login];
        let server = SmtpServer::start(options);
        let setup = Setup::for_server(&server, "starttls", "5s");
        send(&setup.smtp(), &setup.message("hello")).expect("delivered");
        assert_eq!(server.messages().len(), 1);
        let log = server.log();
        assert!(
            log.commands
                .iter()
                .any(|c| c.line.eq_ignore_ascii_case("AUTH LOGIN") && c.tls),
            "{:?}",
            log.commands
        );
    });
}

#[test]
fn transient_reply_is_retried_and_then_delivered() {
    bounded(LIMIT, || {
        let mut options = Options::new(Mode::StartTls).with_login(USER, PASSWORD);
        options.mail_replies = vec![451];
        let server = SmtpServer::start(options);
        let setup = Setup::for_server(&server, "starttls", "5s");
        send(&setup.smtp(), &setup.message("hello")).expect("delivered on the second try");
        let log = server.log();
        assert_eq!(log.connections, 2);
        assert_eq!(log.messages.len(), 1);
    });
}

#[test]
fn transient_replies_give_up_after_three_attempts() {
    bounded(LIMIT, || {
        let mut options = Options::new(Mode::StartTls).with_login(USER, PASSWORD);
        options.mail_replies = vec![452, 452, 452, 452];
        let server = SmtpServer::start(options);
        let setup = Setup::for_server(&server, "starttls", "5s");
        let err = send(&setup.smtp(), &setup.message("hello")).expect_err("keeps failing");
        assert!(
            matches!(err, DeliveryError::Rejected { code: 452, .. }),
            "{err:?}"
        );
        assert!(err.to_string().ends_with("(tried 3 times)"), "{err}");
        assert_eq!(server.log().connections, 3);
    });
}

#[test]
fn a_refused_recipient_is_left_out_and_named() {
    bounded(LIMIT, || {
        let mut options = Options::new(Mode::StartTls).with_login(USER, PASSWORD);
        options.reject_recipients = vec!["cc@example.org".into()];
        let server = SmtpServer::start(options);
        let setup = Setup::for_server(&server, "starttls", "5s");
        let accepted = send(&setup.smtp(), &setup.message("hello")).expect("partly accepted");

        assert_eq!(
            accepted.refused,
            [Refused {
                recipient: "cc@example.org".into(),
                reply: "550 Mailbox unavailable".into(),
            }]
        );
        assert_eq!(accepted.delivered_to, 2);
        accepted.close();
        let log = server.log();
        assert_eq!(log.connections, 1);
        assert_eq!(log.messages.len(), 1);
        assert_eq!(
            log.messages[0].to,
            ["reader@example.org", "hidden@example.org"]
        );
        assert_eq!(log.verbs().last().map(String::as_str), Some("QUIT"));
    });
}

#[test]
fn permanent_rejection_of_every_recipient_fails_at_once_and_names_the_first() {
    bounded(LIMIT, || {
        let mut options = Options::new(Mode::StartTls).with_login(USER, PASSWORD);
        options.reject_recipients = ["reader", "cc", "hidden"]
            .map(|r| format!("{r}@example.org"))
            .to_vec();
        let server = SmtpServer::start(options);
        let setup = Setup::for_server(&server, "starttls", "5s");
        let err = send(&setup.smtp(), &setup.message("hello")).expect_err("rejected");

        assert!(
            matches!(
                &err,
                DeliveryError::Rejected { code: 550, step: Step::Recipient(r), .. } if r == "reader@example.org"
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "127.0.0.1:{} rejected the recipient reader@example.org: 550 Mailbox unavailable",
                server.port()
            )
        );
        let log = server.log();
        assert_eq!(log.connections, 1);
        assert!(log.messages.is_empty());
    });
}

#[test]
fn probe_authenticates_without_sending() {
    bounded(LIMIT, || {
        let server = login_server(Mode::StartTls);
        let setup = Setup::for_server(&server, "starttls", "5s");
        probe(&setup.smtp()).expect("probe passes");
        let log = server.log();
        assert_eq!(log.auth.len(), 1);
        assert!(log.auth[0].accepted);
        assert!(!log.verbs().contains(&"MAIL".to_string()));
        assert!(log.messages.is_empty());
    });
}

#[test]
fn probe_reports_refused_credentials() {
    bounded(LIMIT, || {
        let server = SmtpServer::start(Options::new(Mode::StartTls).with_login(USER, "other"));
        let setup = Setup::for_server(&server, "starttls", "5s");
        let err = probe(&setup.smtp()).expect_err("refused");
        assert!(matches!(err, DeliveryError::Auth { .. }), "{err:?}");
        assert!(!err.to_string().contains(PASSWORD));
    });
}

#[test]
fn missing_password_variable_is_named_and_nothing_is_contacted() {
    bounded(LIMIT, || {
        let server = login_server(Mode::StartTls);
        let setup = Setup::for_server(&server, "starttls", "5s");
        let mut smtp = setup.smtp();
        let name = "FEEDLETTER_TEST_SURELY_UNSET_PASSWORD";
        smtp.password = Some(PasswordSource::Env(name.into()));
        let err = send(&smtp, &setup.message("hello")).expect_err("no password");

        assert!(
            matches!(
                err,
                DeliveryError::Password(PasswordError::EnvMissing { .. })
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains(name), "{err}");
        assert_eq!(server.log().connections, 0);
    });
}

#[test]
fn unreadable_password_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-password");
    let smtp = SmtpSettings {
        transport: config::Transport::Smtp,
        host: "127.0.0.1".into(),
        port: closed_port(),
        security: Security::Starttls,
        username: Some(USER.into()),
        password: Some(PasswordSource::File(missing.clone())),
        from: USER.parse().expect("address"),
        timeout: Duration::from_secs(1),
        ca_file: None,
        tls_fingerprint: None,
        insecure: false,
    };
    let err = probe(&smtp).expect_err("no password file");
    assert!(
        matches!(err, DeliveryError::Password(PasswordError::File { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains(&missing.display().to_string()));
}

#[test]
fn ca_file_without_a_certificate_is_reported_before_connecting() {
    bounded(LIMIT, || {
        let server = login_server(Mode::StartTls);
        let setup = Setup::for_server(&server, "starttls", "5s");
        let ca = setup.dir.path().join("ca.pem");
        std::fs::write(&ca, "not a certificate\n").expect("write");
        let err = send(&setup.smtp(), &setup.message("hello")).expect_err("bad ca");
        assert!(matches!(err, DeliveryError::CaFile { .. }), "{err:?}");
        assert!(err.to_string().contains("ca.pem"), "{err}");
        assert_eq!(server.log().connections, 0);
    });
}

#[test]
fn to_eml_has_the_headers_and_both_parts() {
    let setup = Setup::new(
        &format!(
            "  host: 127.0.0.1\n  port: 2525\n  security: none\n  from: \"Feedletter <{USER}>\""
        ),
        None,
    );
    let eml = to_eml(&setup.message(THAI_SUBJECT));
    let text = String::from_utf8(eml.clone()).expect("utf-8");
    let headers = header_section(&eml);
    for name in [
        "From:",
        "To:",
        "Cc:",
        "Subject:",
        "Date:",
        "Message-ID:",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
        "Content-Type: multipart/alternative",
    ] {
        assert!(headers.contains(name), "{name} missing from\n{headers}");
    }
    assert!(!headers.contains("Bcc:"));
    let plain = text.find("Content-Type: text/plain").expect("text part");
    let html = text.find("Content-Type: text/html").expect("html part");
    assert!(plain < html, "text/plain comes first");
    let parsed = MessageParser::default().parse(&eml).expect("parses");
    assert_eq!(parsed.subject(), Some(THAI_SUBJECT));
    assert_eq!(
        parsed.body_html(0).map(|h| h.replace("\r\n", "\n")),
        Some(HTML.to_string())
    );
}

#[test]
fn subject_cannot_inject_headers_or_recipients() {
    let setup = Setup::new(
        &format!("  host: 127.0.0.1\n  port: 2525\n  security: none\n  from: {USER}"),
        None,
    );
    let message = setup.message("Hi\r\nBcc: evil@example.net\r\nX-Evil: 1\nTo: evil@example.net");
    assert!(
        message
            .envelope()
            .to()
            .iter()
            .all(|a| !a.to_string().contains("evil")),
        "{:?}",
        message.envelope()
    );
    let eml = to_eml(&message);
    let headers = header_section(&eml);
    for line in headers.lines() {
        let lower = line.to_ascii_lowercase();
        assert!(
            !lower.starts_with("bcc:") && !lower.starts_with("x-evil:"),
            "injected header line {line:?}"
        );
    }
    let parsed = MessageParser::default().parse(&eml).expect("parses");
    assert_eq!(
        parsed.subject(),
        Some("Hi Bcc: evil@example.net X-Evil: 1 To: evil@example.net")
    );
    assert_eq!(
        parsed.to().map(|a| a.as_list().map(<[_]>::len)),
        Some(Some(1))
    );
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, body).expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

#[test]
fn sendmail_transport_pipes_the_message_with_the_envelope() {
    bounded(LIMIT, || {
        let setup = Setup::new(
            &format!(
                "  transport: sendmail\n  sendmail_path: fake-sendmail\n  from: \"Feedletter <{USER}>\""
            ),
            None,
        );
        let dir = setup.dir.path();
        write_script(
            &dir.join("fake-sendmail"),
            "#!/bin/sh\nd=$(dirname \"$0\")\nprintf '%s\\n' \"$@\" > \"$d/args.txt\"\ncat > \"$d/stdin.eml\"\n",
        );
        let message = setup.message(THAI_SUBJECT);
        probe(&setup.smtp()).expect("sendmail found");
        send(&setup.smtp(), &message).expect("handed over");

        let args = std::fs::read_to_string(dir.join("args.txt")).expect("args");
        let args: Vec<&str> = args.lines().collect();
        assert_eq!(
            args,
            [
                "-i",
                "-f",
                USER,
                "--",
                "reader@example.org",
                "cc@example.org",
                "hidden@example.org"
            ]
        );
        let stdin = std::fs::read(dir.join("stdin.eml")).expect("stdin");
        assert_eq!(stdin, to_eml(&message));
    });
}

#[test]
fn sendmail_failure_reports_its_stderr() {
    bounded(LIMIT, || {
        let setup = Setup::new(
            &format!("  transport: sendmail\n  sendmail_path: fake-sendmail\n  from: {USER}"),
            None,
        );
        let script = setup.dir.path().join("fake-sendmail");
        write_script(
            &script,
            "#!/bin/sh\ncat > /dev/null\necho 'queue directory is full' >&2\nexit 75\n",
        );
        let err = send(&setup.smtp(), &setup.message("hello")).expect_err("fails");
        assert_eq!(
            err.to_string(),
            format!(
                "sendmail program {} failed: queue directory is full",
                script.display()
            )
        );
    });
}

#[test]
fn sendmail_probe_names_a_missing_program() {
    let setup = Setup::new(
        &format!("  transport: sendmail\n  sendmail_path: nowhere/sendmail\n  from: {USER}"),
        None,
    );
    let err = probe(&setup.smtp()).expect_err("missing");
    assert!(err.to_string().contains("nowhere/sendmail"), "{err}");
}
