//! A local SMTP server for tests: STARTTLS, implicit TLS or plain, AUTH PLAIN/LOGIN,
//! scripted failures, and a log of everything it saw.
//!
//! Built on `mailin` (the protocol state machine under mailin-embedded) with its own
//! accept loop, because the tests need what mailin-embedded does not offer: implicit
//! TLS, the raw command lines (to prove no AUTH went out in clear), a server that
//! advertises AUTH before TLS, and a server that stops when the test ends.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use mailin::{Action, AuthMechanism, Handler, Response, SessionBuilder, response};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

// A refused connection is an SMTP test's staple too.
pub use super::closed_port;

/// How the server protects the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Plain connection that offers STARTTLS.
    StartTls,
    /// TLS from the first byte (SMTPS).
    ImplicitTls,
    /// Plain connection, no STARTTLS offered.
    Plain,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// The only credentials accepted; `None` disables AUTH.
    pub credentials: Option<(String, String)>,
    pub mechanisms: Vec<AuthMechanism>,
    /// Advertise and accept AUTH before TLS, like a misconfigured (or hostile) server.
    pub auth_in_clear: bool,
    /// Replies to successive MAIL FROM commands; once used up, MAIL is accepted.
    pub mail_replies: Vec<u16>,
    /// Recipients answered with 550.
    pub reject_recipients: Vec<String>,
    /// Wait this long before every reply, the greeting included (a slow server).
    pub reply_delay: Option<Duration>,
    /// Wait this long before answering QUIT.
    pub quit_delay: Option<Duration>,
    /// Serve a CA:TRUE certificate, as `openssl req -x509` makes, instead of an
    /// end-entity one.
    pub ca_certificate: bool,
    /// Offer SMTPUTF8 (mailin on its own never does).
    pub smtputf8: bool,
    /// Offer 8BITMIME (mailin on its own always does).
    pub eight_bit_mime: bool,
    /// Wait this long before answering each command with this verb (upper-case; "."
    /// is the end of the message), as a server that stalls at one step.
    pub stall: Option<(&'static str, Duration)>,
}

impl Options {
    pub fn new(mode: Mode) -> Self {
        Options {
            mode,
            credentials: None,
            mechanisms: vec![AuthMechanism::Plain, AuthMechanism::Login],
            auth_in_clear: false,
            mail_replies: Vec::new(),
            reject_recipients: Vec::new(),
            reply_delay: None,
            quit_delay: None,
            ca_certificate: false,
            smtputf8: false,
            eight_bit_mime: true,
            stall: None,
        }
    }

    pub fn with_login(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some((user.to_string(), password.to_string()));
        self
    }
}

/// One line the client sent outside the message body.
#[derive(Debug, Clone)]
pub struct Command {
    pub line: String,
    /// Whether the connection was encrypted when the line arrived.
    pub tls: bool,
}

#[derive(Debug, Clone)]
pub struct AuthAttempt {
    pub user: String,
    pub password: String,
    pub tls: bool,
    pub accepted: bool,
}

/// A message the server accepted: the envelope and the DATA bytes.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct Log {
    pub connections: usize,
    pub commands: Vec<Command>,
    pub auth: Vec<AuthAttempt>,
    pub messages: Vec<Received>,
}

impl Log {
    /// Command verbs (first word, upper-cased), in order.
    pub fn verbs(&self) -> Vec<String> {
        self.commands
            .iter()
            .filter_map(|c| c.line.split_whitespace().next())
            .map(|v| v.to_ascii_uppercase())
            .collect()
    }

    /// The parameters of each MAIL FROM, in order (`SMTPUTF8`, `BODY=8BITMIME`).
    pub fn mail_parameters(&self) -> Vec<Vec<String>> {
        self.commands
            .iter()
            .filter(|c| c.line.to_ascii_uppercase().starts_with("MAIL FROM:"))
            .map(|c| {
                let after_path = c.line.rsplit_once('>').map_or("", |(_, rest)| rest);
                after_path.split_whitespace().map(str::to_string).collect()
            })
            .collect()
    }
}

struct Shared {
    options: Mutex<Options>,
    log: Mutex<Log>,
    tls: Arc<ServerConfig>,
    stop: AtomicBool,
}

pub struct SmtpServer {
    addr: SocketAddr,
    ca_pem: String,
    cert_der: Vec<u8>,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl SmtpServer {
    /// Starts a server on 127.0.0.1 with a fresh self-signed certificate for
    /// `localhost` and `127.0.0.1`.
    pub fn start(options: Options) -> SmtpServer {
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .expect("certificate names");
        if options.ca_certificate {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        let signing_key = rcgen::KeyPair::generate().expect("key pair");
        let certificate = params
            .self_signed(&signing_key)
            .expect("self-signed certificate");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
        let cert: CertificateDer<'static> = certificate.der().clone();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server certificate");

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            options: Mutex::new(options),
            log: Mutex::new(Log::default()),
            tls: Arc::new(tls),
            stop: AtomicBool::new(false),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                lock(&accept_shared.log).connections += 1;
                let shared = Arc::clone(&accept_shared);
                std::thread::spawn(move || {
                    let _ = serve(stream, &shared);
                });
            }
        });
        SmtpServer {
            addr,
            ca_pem: certificate.pem(),
            cert_der: certificate.der().to_vec(),
            shared,
            accept_thread: Some(accept_thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The server's certificate in PEM, to be trusted through `ca_file`.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Writes the certificate to `dir/ca.pem` and returns the path.
    pub fn write_ca_file(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, &self.ca_pem).expect("write ca.pem");
        path
    }

    /// The certificate's SHA-256 fingerprint as openssl prints it (`AB:CD:…`).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(&self.cert_der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    pub fn log(&self) -> MutexGuard<'_, Log> {
        lock(&self.shared.log)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.log().messages.clone()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

/// A listener that never accepts: connections complete (the kernel queues them) but no
/// greeting ever comes. Keep it alive for as long as the test needs the silence.
pub fn silent_listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Recorder {
    shared: Arc<Shared>,
    tls: Arc<AtomicBool>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Recorder {
    fn check_login(&mut self, user: &str, password: &str) -> Response {
        let expected = lock(&self.shared.options).credentials.clone();
        let accepted = expected.is_some_and(|(u, p)| u == user && p == password);
        lock(&self.shared.log).auth.push(AuthAttempt {
            user: user.to_string(),
            password: password.to_string(),
            tls: self.tls.load(Ordering::SeqCst),
            accepted,
        });
        if accepted {
            response::AUTH_OK
        } else {
            response::INVALID_CREDENTIALS
        }
    }
}

impl Handler for Recorder {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        let mut options = lock(&self.shared.options);
        if options.mail_replies.is_empty() {
            response::OK
        } else {
            let code = options.mail_replies.remove(0);
            Response::custom(code, format!("scripted reply {code}"))
        }
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let options = lock(&self.shared.options);
        if options.reject_recipients.iter().any(|r| r == to) {
            response::NO_MAILBOX
        } else {
            response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        lock(&self.shared.log).messages.push(Received {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
        });
        response::OK
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        self.check_login(user, password)
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.check_login(user, password)
    }
}

enum Outcome<S> {
    Closed,
    UpgradeTls(S),
}

fn serve(tcp: TcpStream, shared: &Arc<Shared>) -> io::Result<()> {
    // Bounds a test whose client hangs; the client under test has its own timeout.
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    tcp.set_write_timeout(Some(Duration::from_secs(10)))?;
    let options = lock(&shared.options).clone();
    let tls_active = Arc::new(AtomicBool::new(false));
    let mut builder = SessionBuilder::new("localhost");
    if options.mode == Mode::StartTls {
        builder.enable_start_tls();
    }
    if options.credentials.is_some() {
        for mechanism in &options.mechanisms {
            builder.enable_auth(mechanism.clone());
        }
        if options.auth_in_clear {
            builder.insecure_enable_plaintext_auth();
        }
    }
    let handler = Recorder {
        shared: Arc::clone(shared),
        tls: Arc::clone(&tls_active),
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
    };
    let mut session = builder.build(IpAddr::V4(Ipv4Addr::LOCALHOST), handler);
    let tls_config = Arc::clone(&shared.tls);
    let accept_tls = |tcp: TcpStream| -> io::Result<StreamOwned<ServerConnection, TcpStream>> {
        let conn = ServerConnection::new(Arc::clone(&tls_config)).map_err(io::Error::other)?;
        Ok(StreamOwned::new(conn, tcp))
    };
    match options.mode {
        Mode::ImplicitTls => {
            let stream = accept_tls(tcp)?;
            session.tls_active();
            tls_active.store(true, Ordering::SeqCst);
            converse(&mut session, stream, shared, true, true)?;
        }
        Mode::StartTls | Mode::Plain => {
            if let Outcome::UpgradeTls(tcp) = converse(&mut session, tcp, shared, false, true)? {
                let stream = accept_tls(tcp)?;
                session.tls_active();
                tls_active.store(true, Ordering::SeqCst);
                converse(&mut session, stream, shared, true, false)?;
            }
        }
    }
    Ok(())
}

fn converse<S: Read + Write>(
    session: &mut mailin::Session<Recorder>,
    stream: S,
    shared: &Shared,
    tls: bool,
    greet: bool,
) -> io::Result<Outcome<S>> {
    let mut reader = BufReader::new(stream);
    let options = lock(&shared.options).clone();
    let (reply_delay, quit_delay) = (options.reply_delay, options.quit_delay);
    let pause = |delay: Option<Duration>| {
        if let Some(delay) = delay {
            std::thread::sleep(delay);
        }
    };
    if greet {
        pause(reply_delay);
        reply(reader.get_mut(), &session.greeting())?;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(Outcome::Closed);
        }
        let response = match screen_mail(&line, &options) {
            Ok(line) => session.process(&line),
            Err(refusal) => refusal,
        };
        let mut ehlo = false;
        if response.action != Action::NoReply {
            let text = String::from_utf8_lossy(&line).trim_end().to_string();
            let verb = text
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            ehlo = verb == "EHLO" && response.code == 250;
            lock(&shared.log).commands.push(Command { line: text, tls });
            pause(reply_delay);
            if verb == "QUIT" {
                pause(quit_delay);
            }
            if let Some((stalled, delay)) = options.stall
                && verb == stalled
            {
                std::thread::sleep(delay);
            }
        }
        match response.action {
            Action::Reply if ehlo => {
                let out = reader.get_mut();
                out.write_all(&ehlo_reply(&response, &options)?)?;
                out.flush()?;
            }
            Action::Reply => reply(reader.get_mut(), &response)?,
            Action::NoReply => {}
            Action::Close => {
                reply(reader.get_mut(), &response)?;
                return Ok(Outcome::Closed);
            }
            Action::UpgradeTls => {
                reply(reader.get_mut(), &response)?;
                // The client waits for the 220 before starting the handshake, so the
                // buffer holds nothing that belongs to the TLS layer.
                return Ok(Outcome::UpgradeTls(reader.into_inner()));
            }
        }
    }
}

fn reply<W: Write>(out: &mut W, response: &Response) -> io::Result<()> {
    response.write_to(out)?;
    out.flush()
}

/// What mailin is given of a MAIL command: the path alone, as it parses no parameter
/// but BODY. A parameter the server does not offer is refused with 555, as real
/// servers do.
fn screen_mail<'l>(line: &'l [u8], options: &Options) -> Result<Cow<'l, [u8]>, Response> {
    let text = String::from_utf8_lossy(line);
    let is_mail = text
        .get(..10)
        .is_some_and(|v| v.eq_ignore_ascii_case("MAIL FROM:"));
    let Some((path, parameters)) = text.rsplit_once('>').filter(|_| is_mail) else {
        return Ok(Cow::Borrowed(line));
    };
    for parameter in parameters.split_whitespace() {
        let offered = match parameter.to_ascii_uppercase().as_str() {
            "SMTPUTF8" => options.smtputf8,
            "BODY=8BITMIME" => options.eight_bit_mime,
            _ => false,
        };
        if !offered {
            return Err(Response::custom(555, format!("{parameter} not supported")));
        }
    }
    Ok(Cow::Owned(format!("{path}>\r\n").into_bytes()))
}

/// mailin's EHLO reply with the extensions this server is set to offer.
fn ehlo_reply(response: &Response, options: &Options) -> io::Result<Vec<u8>> {
    let text = String::from_utf8(response.buffer()?).map_err(io::Error::other)?;
    let mut lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.get(4..))
        .filter(|l| options.eight_bit_mime || *l != "8BITMIME")
        .collect();
    if options.smtputf8 {
        lines.push("SMTPUTF8");
    }
    let last = lines.len().saturating_sub(1);
    let reply: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("250{}{l}\r\n", if i == last { ' ' } else { '-' }))
        .collect();
    Ok(reply.into_bytes())
}
