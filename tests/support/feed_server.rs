//! Feeds at fixed paths, for tests that run the whole program: each route answers
//! with its status and body, an ETag the client sends back gets a 304, and a route can
//! be slow. Built on the loopback server in `http_server`, with keep-alive
//! connections as real feed servers have.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::http_server::{Connections, Request, Server, respond_framed};

/// A route the feed server answers.
#[derive(Clone)]
pub struct Route {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// When set, the response carries this ETag and a matching If-None-Match gets a 304.
    pub etag: Option<String>,
    /// Wait this long before answering (a slow server).
    pub delay: Option<Duration>,
}

impl Route {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route {
            status: 200,
            content_type: content_type.to_string(),
            body: body.into(),
            etag: None,
            delay: None,
        }
    }

    pub fn status(status: u16) -> Route {
        Route {
            status,
            content_type: "text/plain".into(),
            body: b"nope".to_vec(),
            etag: None,
            delay: None,
        }
    }

    pub fn with_etag(mut self, etag: &str) -> Route {
        self.etag = Some(etag.to_string());
        self
    }

    pub fn with_delay(mut self, delay: Duration) -> Route {
        self.delay = Some(delay);
        self
    }
}

/// What the server saw of one request, and the status it answered.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub status: u16,
}

type Routes = Arc<Mutex<HashMap<String, Route>>>;

/// Serves fixed routes on 127.0.0.1 until dropped.
pub struct FeedServer {
    server: Server,
    routes: Routes,
    seen: Arc<Mutex<Vec<Seen>>>,
    pub port: u16,
}

impl FeedServer {
    pub fn start(routes: Vec<(&str, Route)>) -> FeedServer {
        let routes: Routes = Arc::new(Mutex::new(
            routes
                .into_iter()
                .map(|(path, route)| (path.to_string(), route))
                .collect(),
        ));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let server = {
            let (routes, seen) = (routes.clone(), seen.clone());
            Server::bind(
                Ipv4Addr::LOCALHOST,
                Connections::KeepAlive,
                move |request, stream| answer(request, stream, &routes, &seen),
            )
            .expect("bind a loopback port")
        };
        FeedServer {
            port: server.port(),
            server,
            routes,
            seen,
        }
    }

    /// `path` as given, not normalised: a test may want a URL exactly as a user wrote it.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr())
    }

    /// Replaces (or adds) the route at `path`, for the requests that follow.
    pub fn set(&self, path: &str, route: Route) {
        lock(&self.routes).insert(path.to_string(), route);
    }

    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.seen).clone()
    }
}

fn answer(
    request: &Request,
    stream: &mut TcpStream,
    routes: &Mutex<HashMap<String, Route>>,
    seen: &Mutex<Vec<Seen>>,
) -> io::Result<()> {
    let route = lock(routes).get(&request.path).cloned();
    let route = route.unwrap_or_else(|| Route::status(404));
    let if_none_match = request.header("If-None-Match").map(str::to_string);
    let not_modified = route.etag.is_some() && route.etag == if_none_match;
    let status = if not_modified { 304 } else { route.status };
    lock(seen).push(Seen {
        path: request.path.clone(),
        if_none_match,
        if_modified_since: request.header("If-Modified-Since").map(str::to_string),
        status,
    });
    if let Some(delay) = route.delay {
        std::thread::sleep(delay);
    }
    // The program shows the reason phrase in its reports ("HTTP 404 Not Found").
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("");
    let mut headers = vec![("Content-Type", route.content_type.as_str())];
    if let Some(etag) = &route.etag {
        headers.push(("ETag", etag));
    }
    let body: &[u8] = if not_modified { &[] } else { &route.body };
    respond_framed(stream, &format!("{status} {reason}"), &headers, body)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
