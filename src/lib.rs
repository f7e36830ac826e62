//! feedletter: feeds.yaml → parallel fetch → parse → store → select → render →
//! deliver → mark sent.
//!
//! [`run`] is the whole pipeline (the `run` module). Each stage lives in its own
//! module with one entry point and typed input and output.

// A dependency nothing uses is reported at build time. Cargo hands every crate of the
// package every dependency, so the binary's and the integration tests' are named here.
#![warn(unused_crate_dependencies)]
#[cfg(test)]
use {
    assert_cmd as _, flate2 as _, insta as _, mail_parser as _, mailin as _, predicates as _,
    rcgen as _,
};
use {clap as _, clap_complete as _, env_logger as _, libc as _};

mod archive;
pub mod check;
pub mod config;
pub mod deliver;
mod digest;
mod error;
pub mod explain;
pub mod fetch;
pub mod gather;
mod html;
pub mod import;
mod isolate;
mod label;
mod limits;
pub mod model;
mod outcome;
mod parse;
mod preflight;
mod progress;
mod render;
pub mod report;
mod run;
mod schedule;
mod select;
mod semaphore;
pub mod state;
mod table;
pub mod text;

pub use error::{Error, ExitStatus};
pub use run::{RunOptions, RunSummary, run};
