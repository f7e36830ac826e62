//! End-to-end benchmark: N loopback feeds → `feedletter::run` → a loopback SMTP sink.
//!
//! ```sh
//! cargo run --release --example bench -- --feeds 200 --latency 50   # one case
//! cargo run --release --example bench -- --all                      # the table in docs/benchmark.md
//! ```
//!
//! Each case runs the pipeline three times on a fresh state: a first run (every feed
//! answers 200), a second run (every feed answers 304), and a third where the server
//! ignores validators, so every unchanged feed comes again whole (as from servers
//! without ETags). The pipeline runs in a child process
//! (this same binary with `--child`), so its wall time, CPU time and peak RSS are its
//! own and not the feed server's; they are read with `wait4`. A parse-only baseline
//! (feed-rs alone, one thread, the same bytes) is measured in the same run.
//!
//! `--hostile` compares a first run of the normal feeds with one where the hostile
//! feeds of `hostile.rs` sit beside them, and runs a 100,000-item feed and a 20 MiB
//! feed alone.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use feedletter::model::FeedOutcome;

// The binary's allocator setting, so the child runs as `feedletter run` does.
#[path = "../../src/alloc.rs"]
mod alloc;
mod hostile;
// The tests' loopback HTTP server; public, since the benchmark uses only part of it.
#[path = "../../tests/support/http_server.rs"]
pub mod http_server;
mod server;
mod smtp_sink;

use server::{FeedMaker, FeedServer};
use smtp_sink::SmtpSink;

#[derive(Parser)]
#[command(about = "Benchmark feedletter end to end against loopback feeds")]
struct Args {
    /// Number of feeds.
    #[arg(long, default_value_t = 200)]
    feeds: usize,
    /// Added latency per HTTP request, in milliseconds.
    #[arg(long, default_value_t = 50)]
    latency: u64,
    /// Run every case: 200 and 1000 feeds, 0 and 50 ms.
    #[arg(long)]
    all: bool,
    /// The hostile case: hostile feeds beside the normal ones, and two big feeds alone.
    #[arg(long)]
    hostile: bool,
    /// Loopback addresses to spread the feeds over (127.0.0.1 …).
    #[arg(long, default_value_t = 50)]
    hosts: usize,
    /// Fresh-state repetitions per case; the one with the median wall time is shown.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Serve the feeds, write DIR/feeds.yaml and wait (for profiling `--child` by hand).
    #[arg(long, value_name = "DIR")]
    serve: Option<PathBuf>,
    /// Internal: run the pipeline on this config and report to the parent.
    #[arg(long, hide = true, value_name = "CONFIG")]
    child: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(config) = &args.child {
        return child(config);
    }
    if let Some(dir) = &args.serve {
        let maker = Arc::new(FeedMaker::new(chrono::Utc::now()));
        let latency = Duration::from_millis(args.latency);
        let server = FeedServer::start(maker, args.hosts, latency).expect("feed server");
        let sink = SmtpSink::start().expect("SMTP sink");
        std::fs::create_dir_all(dir).expect("config dir");
        let config = write_config(dir, &server, args.feeds, sink.port, &Setup::default());
        eprintln!("serving {} feeds; config: {}", args.feeds, config.display());
        loop {
            std::thread::park();
        }
    }
    if args.hostile {
        hostile::run(&args);
        return ExitCode::SUCCESS;
    }
    let cases: Vec<(usize, u64)> = if args.all {
        vec![(200, 0), (200, 50), (1000, 0), (1000, 50)]
    } else {
        vec![(args.feeds, args.latency)]
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "{cores} cores; load average at start: {}; median of {} fresh-state runs per case, parse-only: median of 3 passes\n",
        load_average(),
        args.repeat.max(1)
    );
    println!(
        "| feeds | latency | run | wall | feeds/s | items/s | CPU user+sys | CPU/feed | parse-only CPU/feed | ratio | peak RSS | responses |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (feeds, latency) in cases {
        run_case(feeds, latency, &args);
    }
    println!("\nload average at end: {}", load_average());
    ExitCode::SUCCESS
}

/// What the child reports on stdout, one line: items, 304s, failed feeds, mails sent.
fn child(config: &Path) -> ExitCode {
    // As the binary does before anything else.
    alloc::keep_large_blocks_mapped();
    let config = match feedletter::config::load(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let options = feedletter::RunOptions {
        digests: Vec::new(),
        preview: None,
        out: None,
        now: chrono::Utc::now(),
        wait: false,
        progress: false,
    };
    match feedletter::run(&config, &options) {
        Ok(summary) => {
            let (mut items, mut not_modified, mut failed) = (0, 0, 0);
            for report in &summary.reports {
                match &report.outcome {
                    FeedOutcome::Ok {
                        items: n,
                        not_modified: nm,
                    } => {
                        items += n;
                        not_modified += usize::from(*nm);
                    }
                    FeedOutcome::Failed(e) => {
                        eprintln!("feed {} failed: {e}", report.location);
                        failed += 1;
                    }
                }
            }
            let sent = summary.digests.iter().filter(|d| d.sent).count();
            println!("{items} {not_modified} {failed} {sent} {}", peak_rss_kb());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run_case(feeds: usize, latency_ms: u64, args: &Args) {
    let maker = Arc::new(FeedMaker::new(chrono::Utc::now()));
    let latency = Duration::from_millis(latency_ms);
    let server = FeedServer::start(maker.clone(), args.hosts, latency).expect("feed server");
    let sink = SmtpSink::start().expect("SMTP sink");
    let (mut firsts, mut seconds, mut thirds) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.repeat.max(1) {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = write_config(dir.path(), &server, feeds, sink.port, &Setup::default());
        // The third run is a day where nothing changed but the servers ignore
        // validators: every feed comes again, whole, with the items already stored.
        for (runs, conditional) in [
            (&mut firsts, true),
            (&mut seconds, true),
            (&mut thirds, false),
        ] {
            server.set_conditional(conditional);
            let mut run = run_child(&config);
            run.responses = server.counts().take();
            run.mails = sink.received.take().0;
            runs.push(run);
        }
        server.set_conditional(true);
    }
    // The median of three passes: a single pass moves by ±10% with the machine.
    let mut passes: Vec<Duration> = (0..3).map(|_| parse_only(&maker, &server, feeds)).collect();
    passes.sort();
    let parse_cpu = passes[1];
    for (name, mut runs) in [
        ("first", firsts),
        ("all-304", seconds),
        ("unchanged-200", thirds),
    ] {
        runs.sort_by_key(|r| r.wall);
        let run = &runs[runs.len() / 2];
        let secs = run.wall.as_secs_f64();
        let cpu = run.cpu.as_secs_f64();
        let per_feed = cpu / feeds as f64;
        let base = parse_cpu.as_secs_f64() / feeds as f64;
        let (ok, not_modified, other) = run.responses;
        println!(
            "| {feeds} | {latency_ms} ms | {name} | {:.3} s | {:.0} | {:.0} | {:.3} s | {:.2} ms | {:.2} ms | {:.2} | {:.1} MB | {ok}×200 {not_modified}×304{}{} |",
            secs,
            feeds as f64 / secs,
            run.items as f64 / secs,
            cpu,
            per_feed * 1e3,
            base * 1e3,
            per_feed / base,
            run.max_rss_kb as f64 / 1024.0,
            if other > 0 {
                format!(" {other}×other")
            } else {
                String::new()
            },
            if run.failed > 0 || run.mails != 1 {
                format!(" ({} failed feeds, {} mails)", run.failed, run.mails)
            } else {
                String::new()
            },
        );
    }
}

/// What a case adds to the standard config.
#[derive(Default)]
struct Setup {
    /// Feed URLs beside the generated ones.
    extra_feeds: Vec<String>,
    /// A second digest with `content: full`.
    full_digest: bool,
    max_bytes: Option<&'static str>,
}

fn write_config(
    dir: &Path,
    server: &FeedServer,
    feeds: usize,
    smtp_port: u16,
    setup: &Setup,
) -> PathBuf {
    let mut yaml = String::from(
        "# Written by examples/bench: loopback feeds, one digest, a loopback SMTP sink.\n\
         # Fetch settings are feedletter's defaults (concurrency 32, per_host 4).\n\
         state: state.db\n",
    );
    if let Some(max) = setup.max_bytes {
        yaml.push_str(&format!("fetch: {{ max_bytes: {max} }}\n"));
    }
    yaml.push_str("feeds:\n");
    for n in 0..feeds {
        yaml.push_str(&format!(
            "  - url: {}\n    name: Feed {n}\n    tags: [bench]\n",
            server.url(n)
        ));
    }
    for url in &setup.extra_feeds {
        yaml.push_str(&format!("  - url: {url}\n    tags: [bench]\n"));
    }
    // A keyword filter, like most real digests: it makes selection read every item.
    yaml.push_str(&format!(
        r#"digests:
  bench:
    window: 7d
    keywords: {{ exclude: ["(?i)sponsored"] }}
    max_items: 50
    max_per_feed: 5
    to: [reader@example.com]
{full}smtp:
  host: 127.0.0.1
  port: {smtp_port}
  security: none
  from: "Bench <bench@example.com>"
"#,
        full = if setup.full_digest {
            "  full:\n    window: 7d\n    content: full\n    max_items: 50\n    to: [reader@example.com]\n"
        } else {
            ""
        }
    ));
    let path = dir.join("feeds.yaml");
    std::fs::write(&path, yaml).expect("write feeds.yaml");
    path
}

#[derive(Debug, Default)]
struct ChildRun {
    wall: Duration,
    cpu: Duration,
    max_rss_kb: u64,
    /// The child's VmHWM, as it reported it.
    own_peak_kb: u64,
    items: usize,
    failed: usize,
    responses: (usize, usize, usize),
    mails: usize,
}

/// Runs the pipeline in a child process and reads its resource usage with `wait4`.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which std offers no way to call"
)]
fn run_child(config: &Path) -> ChildRun {
    let exe = std::env::current_exe().expect("own path");
    let started = Instant::now();
    let mut child = Command::new(exe)
        .arg("--child")
        .arg(config)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the pipeline");
    let mut report = String::new();
    let _ = child
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut report);
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it in for our own child, which
    // std has not waited for (and never will: `child` is not used after this).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the pipeline failed (status {status})"
    );
    let fields: Vec<usize> = report
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let timeval = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    ChildRun {
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        // Linux reports kilobytes.
        max_rss_kb: usage.ru_maxrss as u64,
        items: fields.first().copied().unwrap_or(0),
        failed: fields.get(2).copied().unwrap_or(0),
        own_peak_kb: fields.get(4).copied().unwrap_or(0) as u64,
        ..ChildRun::default()
    }
}

/// CPU time feed-rs alone needs for the same feed bodies, on one thread, configured as
/// feedletter configures it (base URI, its own sanitizer off). Building each body is
/// not counted.
fn parse_only(maker: &FeedMaker, server: &FeedServer, feeds: usize) -> Duration {
    let mut total = Duration::ZERO;
    for n in 0..feeds {
        let body = maker.body(n);
        let url = server.url(n);
        let started = thread_cpu();
        let parsed = feed_rs::parser::Builder::new()
            .base_uri(Some(url.as_str()))
            .sanitize_content(false)
            .build()
            .parse(body.as_slice())
            .expect("the bench feed parses");
        let entries = parsed.entries.len();
        // The pipeline frees what it parsed too.
        drop(parsed);
        total += thread_cpu() - started;
        assert_eq!(entries, maker.items_per_feed);
    }
    total
}

/// This process's own peak RSS (VmHWM), in kB. Unlike `wait4`'s maxrss it does not
/// count a parent's pages the child had before `exec`: the hostile case's parent
/// holds ~80 MB of feed bodies.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
