//! A mail server that accepts everything and keeps nothing but counts: enough for the
//! benchmark's digests to go through feedletter's real SMTP delivery on loopback
//! (`security: none`, no AUTH).

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

#[derive(Default)]
pub(crate) struct Received {
    pub messages: AtomicUsize,
    pub bytes: AtomicUsize,
}

impl Received {
    pub(crate) fn take(&self) -> (usize, usize) {
        (
            self.messages.swap(0, Ordering::Relaxed),
            self.bytes.swap(0, Ordering::Relaxed),
        )
    }
}

pub(crate) struct SmtpSink {
    pub port: u16,
    pub received: Arc<Received>,
}

impl SmtpSink {
    pub(crate) fn start() -> io::Result<SmtpSink> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let received = Arc::new(Received::default());
        let counts = received.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let counts = counts.clone();
                thread::spawn(move || {
                    let _ = session(stream, &counts);
                });
            }
        });
        Ok(SmtpSink { port, received })
    }
}

fn session(stream: TcpStream, received: &Received) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    out.write_all(b"220 bench-sink ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => out.write_all(b"250-bench-sink\r\n250 8BITMIME\r\n")?,
            "DATA" => {
                out.write_all(b"354 go ahead\r\n")?;
                let mut size = 0;
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    size += line.len();
                }
                received.messages.fetch_add(1, Ordering::Relaxed);
                received.bytes.fetch_add(size, Ordering::Relaxed);
                out.write_all(b"250 accepted\r\n")?;
            }
            "QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => out.write_all(b"250 ok\r\n")?,
        }
    }
}
