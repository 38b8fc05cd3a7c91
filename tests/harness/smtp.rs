//! `SmtpSink`: a real SMTP server on a free loopback port that keeps every message it receives,
//! so tests exercise the same lettre client as production instead of a fake `Mailer`.
//!
//! It speaks the plain-text subset lettre needs without TLS: EHLO/HELO, MAIL, RCPT, DATA (with
//! dot-unstuffing), RSET, NOOP, QUIT. Commands are answered strictly in order, so a pipelining
//! client would also be served correctly, though we don't advertise it.
use std::time::Duration;

use mail_parser::{MessageParser, PartType};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};
use tokio::task::{JoinHandle, JoinSet};

/// How long [`SmtpSink::next_message`] waits before failing the test.
const WAIT: Duration = Duration::from_secs(10);

/// A running SMTP server. Dropping it closes the listener and every open connection.
pub struct SmtpSink {
    port: u16,
    received: Mutex<mpsc::UnboundedReceiver<ReceivedMail>>,
    server: JoinHandle<()>,
}

impl SmtpSink {
    /// Binds 127.0.0.1 on a free port and starts accepting connections.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("SMTP sink cannot bind a loopback port: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("SMTP sink has no local address: {e}"))
            .port();
        let (tx, rx) = mpsc::unbounded_channel();
        let server = tokio::spawn(accept_loop(listener, tx));
        SmtpSink {
            port,
            received: Mutex::new(rx),
            server,
        }
    }

    /// The port to point `email.smtp.port` at (host 127.0.0.1, `tls = none`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits (up to 10 s, then panics with a clear message) for the next message.
    pub async fn next_message(&self) -> ReceivedMail {
        let mut received = self.received.lock().await;
        match tokio::time::timeout(WAIT, received.recv()).await {
            Ok(Some(mail)) => mail,
            Ok(None) => panic!("the SMTP sink stopped before a message arrived"),
            Err(_) => panic!(
                "no email reached the SMTP sink on port {} within {} s",
                self.port,
                WAIT.as_secs()
            ),
        }
    }

    /// Non-blocking: a message received so far and not yet taken, if any. Returns `None` while
    /// another task is inside [`SmtpSink::next_message`].
    pub fn try_next(&self) -> Option<ReceivedMail> {
        self.received.try_lock().ok()?.try_recv().ok()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // The connection tasks live in the accept task's JoinSet, so they go with it.
        self.server.abort();
    }
}

impl std::fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSink")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`), without angle brackets.
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`), without angle brackets.
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA, dot-unstuffed, CRLF line endings.
    pub raw: String,
}

impl ReceivedMail {
    /// The Subject header, decoded.
    pub fn subject(&self) -> String {
        let message = self.parse();
        message
            .subject()
            .unwrap_or_else(|| panic!("the email has no Subject:\n{}", self.raw))
            .to_owned()
    }

    /// The text/plain part, decoded (quoted-printable or base64 undone).
    pub fn text_body(&self) -> String {
        self.part(false)
    }

    /// The text/html part, decoded.
    pub fn html_body(&self) -> String {
        self.part(true)
    }

    /// The first http(s) URL in the text part whose path starts with `path` (e.g. "/reset").
    pub fn link(&self, path: &str) -> Option<String> {
        let text = self.text_body();
        text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .map(|word| word.trim_end_matches(['.', ',', ';', ':', ')', ']']))
            .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
            .find(|word| url::Url::parse(word).is_ok_and(|url| url.path().starts_with(path)))
            .map(str::to_owned)
    }

    fn parse(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(self.raw.as_bytes())
            .unwrap_or_else(|| {
                panic!(
                    "the sink received something that is not an email:\n{}",
                    self.raw
                )
            })
    }

    /// The real part of that type: mail-parser would otherwise convert the other one.
    fn part(&self, html: bool) -> String {
        let message = self.parse();
        message
            .parts
            .iter()
            .find_map(|part| match (&part.body, html) {
                (PartType::Text(text), false) | (PartType::Html(text), true) => {
                    Some(text.to_string())
                }
                _ => None,
            })
            .unwrap_or_else(|| {
                let kind = if html { "text/html" } else { "text/plain" };
                panic!("the email has no {kind} part:\n{}", self.raw)
            })
    }
}

async fn accept_loop(listener: TcpListener, tx: mpsc::UnboundedSender<ReceivedMail>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        connections.spawn(serve(stream, tx.clone()));
        // Reap finished connections so a long test doesn't accumulate them.
        while connections.try_join_next().is_some() {}
    }
}

/// One SMTP session. I/O errors just end it: the client sees a dropped connection.
async fn serve(stream: TcpStream, tx: mpsc::UnboundedSender<ReceivedMail>) {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let _ = session(&mut reader, &mut writer, &tx).await;
}

async fn session(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: &mut tokio::net::tcp::OwnedWriteHalf,
    tx: &mpsc::UnboundedSender<ReceivedMail>,
) -> std::io::Result<()> {
    writer
        .write_all(b"220 fleetwarden-test-sink ESMTP ready\r\n")
        .await?;
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line);
        let command = command.trim_end();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-fleetwarden-test-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 fleetwarden-test-sink\r\n",
            "MAIL" => {
                mail_from = Some(address(command));
                rcpt_to.clear();
                b"250 OK\r\n"
            }
            "RCPT" if mail_from.is_none() => b"503 MAIL first\r\n",
            "RCPT" => {
                rcpt_to.push(address(command));
                b"250 OK\r\n"
            }
            "DATA" if mail_from.is_none() || rcpt_to.is_empty() => b"503 MAIL and RCPT first\r\n",
            "DATA" => {
                writer
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let raw = read_data(reader).await?;
                let mail = ReceivedMail {
                    mail_from: mail_from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    raw,
                };
                // The receiver is gone only when the sink is being dropped.
                let _ = tx.send(mail);
                b"250 OK queued\r\n"
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                writer.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        writer.write_all(reply).await?;
    }
}

/// The message after DATA, up to the lone `.` line, with leading dots unstuffed (RFC 5321
/// 4.5.2).
async fn read_data(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<String> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(String::from_utf8_lossy(&data).into_owned());
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(unstuffed);
    }
}

/// `MAIL FROM:<a@b> BODY=8BITMIME` → `a@b`.
fn address(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..]
        .find('>')
        .map_or(command.len(), |i| start + i);
    command[start..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_addresses_lose_their_brackets_and_parameters() {
        assert_eq!(address("MAIL FROM:<a@b.c> BODY=8BITMIME"), "a@b.c");
        assert_eq!(address("RCPT TO:<x@y.z>"), "x@y.z");
        assert_eq!(address("MAIL FROM:<>"), "");
    }
}
