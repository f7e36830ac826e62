//! Helpers shared by integration tests: `mod support;` in a test file.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod http_server;
pub mod smtp_server;

use std::sync::mpsc;
use std::time::Duration;

/// Runs `body` on its own thread and fails the test if it takes longer than `limit`,
/// so a hung network test reports instead of stalling the whole suite.
pub fn bounded<T: Send + 'static>(limit: Duration, body: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = done.send(body());
    });
    match result.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test did not finish within {limit:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it ends"),
        },
    }
}
