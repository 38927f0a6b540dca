//! Where messages go: email over SMTP or into `.eml` files, SMS through a provider interface
//! (the development provider writes text files). Chosen by configuration at start-up.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use entity::outbox_message::{self, Channel};
use lettre::message::Mailbox;
use lettre::message::MultiPart;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailTransport, Settings};

/// Why a delivery attempt failed (kept as the message's last error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    /// What went wrong, for the operator.
    pub reason: String,
    /// The receiving side refused the message for good (an SMTP 5xx, an address that
    /// cannot be one): retrying would fail again, so the message fails at once.
    pub permanent: bool,
}

impl DeliveryError {
    /// A failure worth another attempt later (a network error, a 4xx, a full disk).
    pub fn transient(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            permanent: false,
        }
    }

    /// A failure no retry can mend.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            permanent: true,
        }
    }
}

/// Sends text messages. A real provider (an SMS gateway's HTTP API) implements this.
#[async_trait]
pub trait SmsSender: Send + Sync + 'static {
    /// Sends `body` to `phone`.
    async fn send(&self, phone: &str, body: &str, id: &str) -> Result<(), DeliveryError>;
}

/// Development SMS provider: one `<id>.txt` per message under a directory.
#[derive(Debug, Clone)]
pub struct FileSms {
    dir: PathBuf,
}

impl FileSms {
    /// Writes into `dir` (created on first use).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }
}

#[async_trait]
impl SmsSender for FileSms {
    async fn send(&self, phone: &str, body: &str, id: &str) -> Result<(), DeliveryError> {
        tokio::fs::create_dir_all(&self.dir).await.map_err(|err| {
            DeliveryError::transient(format!("cannot create the SMS directory: {err}"))
        })?;
        let text = format!("To: {phone}\n\n{body}\n");
        write_atomically(&self.dir, &format!("{id}.txt"), text.as_bytes())
            .await
            .map_err(|err| DeliveryError::transient(format!("cannot write the SMS file: {err}")))
    }
}

/// Writes `name` under `dir` whole or not at all (a temporary file renamed into place), so
/// a crash never leaves half a message, and a second delivery of the same message replaces
/// the first instead of adding a copy: files are named by the message's id.
async fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let partial = dir.join(format!(".{name}.partial"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, dir.join(name)).await
}

enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files, one per message, named `<message id>.eml`.
    File(PathBuf),
}

/// Delivers outbox messages on their channel.
#[derive(Clone)]
pub struct Notifier {
    mailer: Arc<Mailer>,
    from: Mailbox,
    sms: Arc<dyn SmsSender>,
    /// The public URL: the only links the HTML part makes clickable.
    link_base: Arc<str>,
    /// Longest one delivery may take, however slowly the server drips its answers.
    send_timeout: std::time::Duration,
}

impl Notifier {
    /// The transports the settings ask for.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .context("mail_from is not a valid mailbox")?;
        let mailer = match settings.mail_transport {
            MailTransport::File => {
                let dir = settings.data_dir.join("mail");
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                Mailer::File(dir)
            }
            MailTransport::Smtp => {
                let url = settings
                    .smtp_url
                    .as_ref()
                    .context("mail_transport = smtp needs smtp_url")?;
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .context("smtp_url is not a valid SMTP URL")?
                    .timeout(Some(std::time::Duration::from_secs(
                        settings.smtp_timeout_secs,
                    )))
                    .build();
                Mailer::Smtp(transport)
            }
        };
        Ok(Self {
            send_timeout: std::time::Duration::from_secs(settings.smtp_timeout_secs),
            link_base: settings.public_url.trim_end_matches('/').into(),
            mailer: Arc::new(mailer),
            from,
            sms: Arc::new(FileSms::new(settings.data_dir.join("sms"))),
        })
    }

    /// Replaces the SMS provider.
    pub fn with_sms(mut self, sms: Arc<dyn SmsSender>) -> Self {
        self.sms = sms;
        self
    }

    /// Where the file mail transport writes, if it is the one in use.
    pub fn mail_dir(&self) -> Option<&std::path::Path> {
        match self.mailer.as_ref() {
            Mailer::File(dir) => Some(dir),
            Mailer::Smtp(_) => None,
        }
    }

    /// Sends one message, within the send timeout.
    pub async fn deliver(&self, message: &outbox_message::Model) -> Result<(), DeliveryError> {
        match tokio::time::timeout(self.send_timeout, self.deliver_now(message)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(DeliveryError::transient(format!(
                "no answer within {} s",
                self.send_timeout.as_secs()
            ))),
        }
    }

    async fn deliver_now(&self, message: &outbox_message::Model) -> Result<(), DeliveryError> {
        let id = message.id.to_string();
        match message.channel {
            Channel::Sms => self.sms.send(&message.address, &message.body, &id).await,
            Channel::Email => {
                let to: Mailbox = message.address.parse().map_err(|err| {
                    DeliveryError::permanent(format!("invalid recipient address: {err}"))
                })?;
                let email = Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(message.subject.clone())
                    // Stable across attempts: when a server took a message but its answer
                    // was lost, the copy a retry sends is recognisably the same message.
                    .message_id(Some(format!("<{id}@storedesk>")))
                    .multipart(MultiPart::alternative_plain_html(
                        message.body.clone(),
                        super::templates::html_body(&message.body, &self.link_base),
                    ))
                    .map_err(|err| {
                        DeliveryError::permanent(format!("cannot build the email: {err}"))
                    })?;
                match self.mailer.as_ref() {
                    Mailer::Smtp(smtp) => smtp.send(email).await.map(|_| ()).map_err(|err| {
                        let reason = format!("SMTP: {err}");
                        if err.is_permanent() {
                            DeliveryError::permanent(reason)
                        } else {
                            DeliveryError::transient(reason)
                        }
                    }),
                    Mailer::File(dir) => {
                        write_atomically(dir, &format!("{id}.eml"), &email.formatted())
                            .await
                            .map_err(|err| DeliveryError::transient(format!("mail file: {err}")))
                    }
                }
            }
        }
    }
}
