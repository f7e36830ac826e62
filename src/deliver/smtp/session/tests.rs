//! The deadline checks before each step. Only a worker left behind reaches them with
//! time on its own clock: the caller has given up on it, and it must send nothing more.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use lettre::address::Envelope;

use super::Session;
use crate::config;
use crate::deliver::smtp::deadline::{Deadline, Stopped, within};
use crate::deliver::smtp::{DeliveryError, Step};

fn session(port: u16) -> Session {
    let yaml = format!(
        "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    to: [reader@example.org]\nsmtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  from: digest@example.com\n"
    );
    let config = config::parse(Path::new("feeds.yaml"), &yaml).expect("valid config");
    Session::new(&config.smtp.expect("smtp section")).expect("session")
}

/// A server that greets after `delay`, answers every line with 250, and hands back the
/// lines it got once the client hangs up.
fn slow_greeter(delay: Duration) -> (u16, mpsc::Receiver<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (lines_tx, lines_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        // Bounds the test should the client never hang up.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let Ok(mut out) = stream.try_clone() else {
            return;
        };
        std::thread::sleep(delay);
        let mut lines = Vec::new();
        if out.write_all(b"220 slow\r\n").is_ok() {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                lines.push(line);
                if out.write_all(b"250 ok\r\n").is_err() {
                    break;
                }
            }
        }
        let _ = lines_tx.send(lines);
    });
    (port, lines_rx)
}

#[test]
fn a_worker_the_caller_gave_up_on_does_not_start_the_next_step() {
    let (port, lines) = slow_greeter(Duration::from_millis(300));
    let session = session(port);
    let envelope = Envelope::new(
        Some("digest@example.com".parse().expect("sender")),
        vec!["reader@example.org".parse().expect("recipient")],
    )
    .expect("envelope");
    let (ended, worker) = mpsc::channel();
    // The caller waits 100ms; the worker, still waiting for the greeting then, has a
    // clock of its own with plenty left.
    let caller = Deadline::new(Duration::from_millis(100));
    let result: Result<(), Stopped<()>> = within(caller, move |watch| {
        let own = Deadline::new(Duration::from_secs(10));
        let outcome = session.deliver(watch, &own, &envelope, b"Subject: x\r\n\r\nhello\r\n");
        let _ = ended.send(outcome.err().map(|failure| failure.error));
        Ok(())
    });
    assert!(matches!(result, Err(Stopped::TimedOut(Step::Connect))));
    let error = worker.recv_timeout(Duration::from_secs(5)).expect("worker");
    assert!(
        matches!(
            error,
            Some(DeliveryError::Timeout {
                step: Step::Sender(_),
                ..
            })
        ),
        "{error:?}"
    );
    let lines = lines.recv_timeout(Duration::from_secs(5)).expect("server");
    assert_eq!(lines.len(), 1, "EHLO and nothing after it: {lines:?}");
}

#[test]
fn no_connection_is_made_once_the_deadline_has_passed() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let session = session(listener.local_addr().expect("addr").port());
    let spent = Deadline::new(Duration::ZERO);
    let result: Result<(), Stopped<DeliveryError>> =
        within(Deadline::new(Duration::from_secs(5)), move |watch| {
            session.open(watch, &spent).map(drop).map_err(|f| f.error)
        });
    assert!(
        matches!(
            result,
            Err(Stopped::Failed(DeliveryError::Timeout {
                step: Step::Connect,
                ..
            }))
        ),
        "not a timeout before connecting"
    );
    assert!(listener.accept().is_err(), "nothing connected");
}
