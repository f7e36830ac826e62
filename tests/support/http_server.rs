//! A loopback HTTP server whose every answer, and every misbehaviour, is scripted by the
//! test: raw sockets, so a test can drip bytes, never finish, lie about lengths or stall.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use feedletter::config::FetchSettings;
use feedletter::model::{FeedLocation, FeedSource};

pub const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback</title><link>http://127.0.0.1/</link>
<item><title>One</title><guid>1</guid></item></channel></rss>
"#;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// When its head had been read.
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(&Request, &mut TcpStream) -> io::Result<()> + Send + Sync;
type RawHandler = dyn Fn(&mut TcpStream) -> io::Result<()> + Send + Sync;

pub struct Server {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves each connection on its own thread: reads one request head, records it and
    /// lets `handler` write whatever it likes. The connection closes when it returns.
    pub fn start(
        handler: impl Fn(&Request, &mut TcpStream) -> io::Result<()> + Send + Sync + 'static,
    ) -> Server {
        let handler: Arc<Handler> = Arc::new(handler);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        Server::spawn(requests, move |stream| {
            let request = read_head(stream)?;
            log.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(request.clone());
            handler(&request, stream)
        })
    }

    /// Hands each connection over without reading anything: for clients that do not
    /// speak HTTP first (TLS).
    pub fn raw(
        handler: impl Fn(&mut TcpStream) -> io::Result<()> + Send + Sync + 'static,
    ) -> Server {
        Server::spawn(Arc::new(Mutex::new(Vec::new())), handler)
    }

    fn spawn(
        requests: Arc<Mutex<Vec<Request>>>,
        handler: impl Fn(&mut TcpStream) -> io::Result<()> + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let handler: Arc<RawHandler> = Arc::new(handler);
        let accept = thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let handler = handler.clone();
                thread::spawn(move || {
                    // Errors are the client hanging up, which is often the point.
                    let _ = handler(&mut stream);
                    let _ = stream.shutdown(Shutdown::Both);
                });
            }
        });
        Server {
            addr,
            requests,
            stop,
            accept: Some(accept),
        }
    }

    pub fn url(&self, path: &str) -> url::Url {
        url::Url::parse(&format!("http://{}{path}", self.addr)).expect("a valid test URL")
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn hits(&self) -> usize {
        self.requests().len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn read_head(stream: &TcpStream) -> io::Result<Request> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    Ok(Request {
        method,
        path,
        headers,
        at: Instant::now(),
    })
}

/// A complete response with a Content-Length.
pub fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let length = body.len().to_string();
    let mut all = vec![("Content-Length", length.as_str())];
    all.extend_from_slice(headers);
    head(stream, status, &all)?;
    stream.write_all(body)?;
    stream.flush()
}

/// The status line and headers, plus `Connection: close`: a body written after this
/// ends when the connection does, unless the headers say otherwise.
pub fn head(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)]) -> io::Result<()> {
    let mut text = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes())?;
    stream.flush()
}

pub fn feed(stream: &mut TcpStream) -> io::Result<()> {
    respond(
        stream,
        "200 OK",
        &[("Content-Type", "application/rss+xml")],
        RSS.as_bytes(),
    )
}

pub fn source(index: usize, location: FeedLocation) -> FeedSource {
    FeedSource {
        index,
        name: None,
        location,
        tags: Vec::new(),
    }
}

/// Limits small enough that every failure in a test shows up within a second or two.
pub fn settings() -> FetchSettings {
    FetchSettings {
        concurrency: 4,
        per_host: 4,
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        max_bytes: 1024 * 1024,
        retries: 2,
        max_redirects: 5,
        user_agent: "feedletter-test/1.0 (+https://example.invalid/feedletter)".into(),
    }
}
