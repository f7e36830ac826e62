//! Everything the integration tests share: loopback HTTP and SMTP servers, the
//! builders a test starts from, and runners for the code under test.
//!
//! A test file declares it as `pub mod support;`. Each test binary compiles this
//! module for itself and uses a different part of it; public items of a public module
//! are not dead code, so nothing here needs `allow(dead_code)`. Every helper is also
//! re-exported at the top, so `support::name` finds it.

pub mod builders;
pub mod feed_server;
pub mod http_server;
pub mod runners;
pub mod smtp_server;

pub use builders::{
    dev_feed_copies, example_feed, fixture, repo_root, rss, settings, source, write_config,
    write_templates,
};
pub use feed_server::{FeedServer, Route, Seen};
pub use runners::{bounded, feedletter, preview};

/// A loopback port with nothing listening on it: connecting is refused at once.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
