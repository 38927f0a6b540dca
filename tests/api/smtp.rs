//! A small SMTP server for tests, scripted to misbehave: it answers each message with the
//! next fault in its script (accepting once the script runs out) and keeps the text of every
//! message it received whole, so tests count deliveries by Message-ID.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// How the server treats one message.
#[derive(Clone)]
pub enum Fault {
    /// `250`: taken.
    Accept,
    /// This reply instead of `250`, e.g. `451 4.7.1 try later` or `550 5.1.1 no such user`.
    Reply(&'static str),
    /// The connection closes halfway through the message (nothing was received).
    DropMidMessage,
    /// The whole message arrives, then the connection closes before any answer: the sender
    /// cannot know the message was taken.
    DropAfterMessage,
    /// The whole message arrives; the answer waits until `release` is notified (`received`
    /// is notified when the message is in).
    Hold {
        received: Arc<Notify>,
        release: Arc<Notify>,
    },
}

pub struct SmtpSink {
    pub port: u16,
    /// The text of every message received whole (whatever the answer was).
    pub messages: Arc<Mutex<Vec<String>>>,
    script: Arc<Mutex<VecDeque<Fault>>>,
}

impl SmtpSink {
    /// A server that accepts everything.
    pub async fn start() -> SmtpSink {
        Self::scripted(Vec::new()).await
    }

    /// A server answering the first messages with `script`, then accepting.
    pub async fn scripted(script: Vec<Fault>) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (store, faults) = (messages.clone(), script.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, store.clone(), faults.clone()));
            }
        });
        SmtpSink {
            port,
            messages,
            script,
        }
    }

    /// Faults still to be played.
    pub fn pending_faults(&self) -> usize {
        self.script.lock().unwrap().len()
    }

    /// How many messages with this Message-ID arrived.
    pub fn copies_of(&self, message_id: &str) -> usize {
        self.message_ids()
            .iter()
            .filter(|id| id.as_str() == message_id)
            .count()
    }

    /// The Message-ID of every message received, in arrival order.
    pub fn message_ids(&self) -> Vec<String> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .filter_map(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("Message-ID: "))
                    .map(str::to_owned)
            })
            .collect()
    }
}

async fn serve(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<String>>>,
    script: Arc<Mutex<VecDeque<Fault>>>,
) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let command = line.to_ascii_uppercase();
        let reply: &str = if command.starts_with("EHLO") || command.starts_with("HELO") {
            "250 sink"
        } else if command.starts_with("DATA") {
            let fault = script.lock().unwrap().pop_front().unwrap_or(Fault::Accept);
            let _ = write.write_all(b"354 end with .\r\n").await;
            let mut text = String::new();
            let mut lines_read = 0;
            while let Ok(Some(data)) = lines.next_line().await {
                lines_read += 1;
                if matches!(fault, Fault::DropMidMessage) && lines_read == 3 {
                    return;
                }
                if data == "." {
                    break;
                }
                text.push_str(&data);
                text.push_str("\r\n");
            }
            store.lock().unwrap().push(text);
            match fault {
                Fault::Accept => "250 queued",
                Fault::Reply(reply) => reply,
                Fault::DropMidMessage | Fault::DropAfterMessage => return,
                Fault::Hold { received, release } => {
                    received.notify_one();
                    release.notified().await;
                    "250 queued at last"
                }
            }
        } else if command.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            "250 OK"
        };
        if write
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}
