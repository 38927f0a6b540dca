//! Where messages go: email over SMTP or into `.eml` files, SMS through a provider interface
//! (the development provider writes text files). Chosen by configuration at start-up.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use entity::outbox_message::{self, Channel};
use lettre::message::Mailbox;
use lettre::message::MultiPart;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailTransport, Settings};

/// Why a delivery attempt failed (kept as the message's last error; retried later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError(pub String);

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
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|err| DeliveryError(format!("cannot create the SMS directory: {err}")))?;
        let text = format!("To: {phone}\n\n{body}\n");
        tokio::fs::write(self.dir.join(format!("{id}.txt")), text)
            .await
            .map_err(|err| DeliveryError(format!("cannot write the SMS file: {err}")))
    }
}

enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Delivers outbox messages on their channel.
#[derive(Clone)]
pub struct Notifier {
    mailer: Arc<Mailer>,
    from: Mailbox,
    sms: Arc<dyn SmsSender>,
    /// The public URL: the only links the HTML part makes clickable.
    link_base: Arc<str>,
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
                Mailer::File(AsyncFileTransport::new(&dir), dir)
            }
            MailTransport::Smtp => {
                let url = settings
                    .smtp_url
                    .as_ref()
                    .context("mail_transport = smtp needs smtp_url")?;
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .context("smtp_url is not a valid SMTP URL")?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build();
                Mailer::Smtp(transport)
            }
        };
        Ok(Self {
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
            Mailer::File(_, dir) => Some(dir),
            Mailer::Smtp(_) => None,
        }
    }

    /// Sends one message.
    pub async fn deliver(&self, message: &outbox_message::Model) -> Result<(), DeliveryError> {
        match message.channel {
            Channel::Sms => {
                self.sms
                    .send(&message.address, &message.body, &message.id.to_string())
                    .await
            }
            Channel::Email => {
                let to: Mailbox = message
                    .address
                    .parse()
                    .map_err(|err| DeliveryError(format!("invalid recipient address: {err}")))?;
                let email = Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(message.subject.clone())
                    // Lets a mail system drop a duplicate if a crash made us send twice.
                    .message_id(Some(format!("<{}@storedesk>", message.id)))
                    .multipart(MultiPart::alternative_plain_html(
                        message.body.clone(),
                        super::templates::html_body(&message.body, &self.link_base),
                    ))
                    .map_err(|err| DeliveryError(format!("cannot build the email: {err}")))?;
                match self.mailer.as_ref() {
                    Mailer::Smtp(smtp) => smtp
                        .send(email)
                        .await
                        .map(|_| ())
                        .map_err(|err| DeliveryError(format!("SMTP: {err}"))),
                    Mailer::File(file, _) => file
                        .send(email)
                        .await
                        .map(|_| ())
                        .map_err(|err| DeliveryError(format!("mail file: {err}"))),
                }
            }
        }
    }
}
