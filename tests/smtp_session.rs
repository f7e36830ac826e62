//! The SMTP conversation against servers that offer, or do not offer, SMTPUTF8 and
//! 8BITMIME, and against a server too slow for the deadline.

pub mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use feedletter::config::{self, SmtpSettings};
use feedletter::deliver::smtp::{DeliveryError, Step, send};
use lettre::Message;
use lettre::message::Body;
use lettre::message::header::ContentTransferEncoding;
use support::bounded;
use support::smtp_server::{Mode, Options, SmtpServer};

const LIMIT: Duration = Duration::from_secs(20);
const ASCII: &str = "reader@example.org";
/// A local part beyond ASCII: only a server that offers SMTPUTF8 may be given it.
const UTF8: &str = "jösé@example.org";

/// Plain loopback delivery, no credentials, with this `timeout`.
fn settings(server: &SmtpServer, timeout: &str) -> SmtpSettings {
    let yaml = format!(
        "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    to: [{ASCII}]\nsmtp:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  from: digest@example.com\n  timeout: {timeout}\n",
        server.port()
    );
    let config = config::parse(Path::new("feeds.yaml"), &yaml).expect("valid config");
    config.smtp.expect("smtp section")
}

/// A message from `from` to `to`; a body beyond ASCII is sent as 8bit, as it is.
fn message(from: &str, to: &str, body: &str) -> Message {
    let encoding = if body.is_ascii() {
        ContentTransferEncoding::SevenBit
    } else {
        ContentTransferEncoding::EightBit
    };
    let body = Body::new_with_encoding(body.to_string(), encoding).expect("body fits encoding");
    Message::builder()
        .from(from.parse().expect("sender"))
        .to(to.parse().expect("recipient"))
        .subject("digest")
        .body(body)
        .expect("message builds")
}

fn offering(smtputf8: bool, eight_bit_mime: bool) -> SmtpServer {
    let mut options = Options::new(Mode::Plain);
    options.smtputf8 = smtputf8;
    options.eight_bit_mime = eight_bit_mime;
    SmtpServer::start(options)
}

/// Sends `message` and returns the MAIL FROM parameters the server saw.
fn delivered(server: &SmtpServer, message: &Message) -> Vec<String> {
    send(&settings(server, "5s"), message)
        .expect("delivered")
        .close();
    let log = server.log();
    assert_eq!(log.messages.len(), 1);
    let mut parameters = log.mail_parameters();
    assert_eq!(parameters.len(), 1, "one MAIL FROM");
    parameters.remove(0)
}

/// The server is never given MAIL, and the refusal is not retried.
fn refused_for_lack_of(server: &SmtpServer, message: &Message, extension: &str) {
    let err = send(&settings(server, "5s"), message).expect_err("refused");
    assert!(
        matches!(err, DeliveryError::Unsupported { extension: e, .. } if e == extension),
        "{err:?}"
    );
    assert!(err.to_string().contains(extension), "{err}");
    let log = server.log();
    assert_eq!(log.connections, 1, "not retried");
    assert!(
        !log.verbs().contains(&"MAIL".to_string()),
        "{:?}",
        log.verbs()
    );
    assert!(log.messages.is_empty());
}

#[test]
fn a_recipient_beyond_ascii_goes_out_with_smtputf8_when_offered() {
    bounded(LIMIT, || {
        let server = offering(true, true);
        let parameters = delivered(&server, &message("digest@example.com", UTF8, "hello"));
        // The To: header holds the address as it is, so the message is 8-bit too.
        assert_eq!(parameters, ["SMTPUTF8", "BODY=8BITMIME"]);
        assert_eq!(server.messages()[0].to, [UTF8]);
    });
}

#[test]
fn a_sender_beyond_ascii_and_an_8bit_body_ask_for_both_extensions() {
    bounded(LIMIT, || {
        let server = offering(true, true);
        let parameters = delivered(&server, &message(UTF8, ASCII, "grüße ✓"));
        assert_eq!(parameters, ["SMTPUTF8", "BODY=8BITMIME"]);
        let data = String::from_utf8(server.messages()[0].data.clone()).expect("utf-8");
        assert!(data.contains("grüße ✓"), "{data}");
    });
}

#[test]
fn ascii_mail_asks_for_neither_extension_even_when_both_are_offered() {
    bounded(LIMIT, || {
        let server = offering(true, true);
        let parameters = delivered(&server, &message("digest@example.com", ASCII, "hello"));
        assert!(parameters.is_empty(), "{parameters:?}");
    });
}

#[test]
fn an_8bit_body_goes_out_as_8bitmime_without_smtputf8() {
    bounded(LIMIT, || {
        let server = offering(false, true);
        let parameters = delivered(&server, &message("digest@example.com", ASCII, "café"));
        assert_eq!(parameters, ["BODY=8BITMIME"]);
    });
}

#[test]
fn an_address_beyond_ascii_is_not_given_to_a_server_without_smtputf8() {
    bounded(LIMIT, || {
        let server = offering(false, true);
        refused_for_lack_of(
            &server,
            &message("digest@example.com", UTF8, "hello"),
            "SMTPUTF8",
        );
        let server = offering(false, true);
        refused_for_lack_of(&server, &message(UTF8, ASCII, "hello"), "SMTPUTF8");
    });
}

#[test]
fn an_8bit_body_is_not_given_to_a_server_without_8bitmime() {
    bounded(LIMIT, || {
        let server = offering(true, false);
        refused_for_lack_of(
            &server,
            &message("digest@example.com", ASCII, "café"),
            "8BITMIME",
        );
    });
}

/// A server that answers every command just inside a socket timeout but too slowly
/// for the whole: once the deadline has passed, the conversation goes no further, so
/// a digest reported as failed is not delivered behind the run's back.
#[test]
fn a_server_too_slow_for_the_deadline_never_gets_the_message() {
    bounded(LIMIT, || {
        let mut options = Options::new(Mode::Plain);
        options.reply_delay = Some(Duration::from_millis(350));
        let server = SmtpServer::start(options);
        let started = Instant::now();
        let err = send(
            &settings(&server, "1s"),
            &message("digest@example.com", ASCII, "hello"),
        )
        .expect_err("too slow");
        assert!(
            matches!(
                &err,
                DeliveryError::Timeout {
                    step: Step::Sender(_),
                    ..
                }
            ),
            "{err:?}"
        );
        // Replying at this pace, the server would have had the message by 2.1s.
        std::thread::sleep(Duration::from_secs(3).saturating_sub(started.elapsed()));
        let log = server.log();
        assert_eq!(log.verbs(), ["EHLO", "MAIL"]);
        assert!(log.messages.is_empty());
    });
}

/// Silence after the message is not a refusal: it may have been delivered, so the
/// error says so, naming the step it was in, and the message is not sent again.
#[test]
fn silence_after_the_message_is_unconfirmed_and_not_retried() {
    bounded(LIMIT, || {
        let mut options = Options::new(Mode::Plain);
        options.stall = Some((".", Duration::from_secs(3)));
        let server = SmtpServer::start(options);
        let err = send(
            &settings(&server, "1s"),
            &message("digest@example.com", ASCII, "hello"),
        )
        .expect_err("no answer");
        assert!(matches!(&err, DeliveryError::Unconfirmed { .. }), "{err:?}");
        let log = server.log();
        assert_eq!(log.connections, 1);
        assert_eq!(log.verbs(), ["EHLO", "MAIL", "RCPT", "DATA", "."]);
    });
}
