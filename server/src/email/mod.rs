//! Outgoing email: [`Mailer`] renders a [`Template`] and hands it to lettre, either as an .eml
//! file in a folder (the zero-configuration default, so a demo needs no mail server) or to an
//! SMTP relay.
//!
//! Reset and invitation links carry secret tokens: nothing here logs a link or a body.
pub mod templates;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{BrandSettings, EmailSettings, EmailTransport, SmtpTls};

pub use templates::{Rendered, Template, render};

/// Sends the server's emails. Cheap to clone: clones share one transport. Each SMTP send opens
/// its own connection, so a `Mailer` can be built and dropped outside a Tokio runtime.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    from: Mailbox,
    brand: BrandSettings,
}

enum Transport {
    File {
        dir: PathBuf,
        files: AsyncFileTransport<Tokio1Executor>,
    },
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Mailer {
    /// A mailer for these settings. Touches neither the network nor the disk: the SMTP relay is
    /// contacted, and `file_dir` created, on the first send.
    ///
    /// # Errors
    /// An invalid `from` address, or bad SMTP settings (a username without a password, a host
    /// TLS cannot verify against).
    pub fn from_settings(email: &EmailSettings, brand: &BrandSettings) -> anyhow::Result<Mailer> {
        let from: Mailbox = email
            .from
            .parse()
            .with_context(|| format!("email.from is not a valid address: {:?}", email.from))?;
        let transport = match email.transport {
            EmailTransport::File => Transport::File {
                dir: email.file_dir.clone(),
                files: AsyncFileTransport::new(&email.file_dir),
            },
            EmailTransport::Smtp => Transport::Smtp(smtp_transport(email)?),
        };
        Ok(Mailer {
            inner: Arc::new(Inner {
                transport,
                from,
                brand: brand.clone(),
            }),
        })
    }

    /// Renders `template` and sends it to `to`.
    ///
    /// # Errors
    /// `to` is not an address, or the transport failed (relay unreachable or refusing, folder
    /// not creatable or not writable).
    #[tracing::instrument(skip_all, fields(email.template = template.kind()))]
    pub async fn send(&self, to: &str, template: Template) -> anyhow::Result<()> {
        let message = self.message(to, &template, &self.inner.brand, &self.inner.from)?;
        self.deliver(message).await
    }

    /// Renders `template` in another brand (a maker's, for its customers) and sends it from
    /// `from` (`Name <address>` or an address).
    ///
    /// # Errors
    /// `from` or `to` is not an address, or the transport failed.
    #[tracing::instrument(skip_all, fields(email.template = template.kind()))]
    pub async fn send_as(
        &self,
        to: &str,
        template: Template,
        brand: &BrandSettings,
        from: &str,
    ) -> anyhow::Result<()> {
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("not a valid sender address: {from:?}"))?;
        let message = self.message(to, &template, brand, &from)?;
        self.deliver(message).await
    }

    async fn deliver(&self, message: Message) -> anyhow::Result<()> {
        match &self.inner.transport {
            Transport::File { dir, files } => {
                // Here rather than at start-up, so a server that never mails leaves no folder.
                // A metadata call once the folder exists: cheap enough to block on.
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create email.file_dir {}", dir.display()))?;
                let id = files
                    .send(message)
                    .await
                    .with_context(|| format!("cannot write email into {}", dir.display()))?;
                // The path only: the file holds a live link, the log must not.
                let path = dir.join(format!("{id}.eml"));
                tracing::info!(path = %path.display(), "email written to file");
            }
            Transport::Smtp(smtp) => {
                smtp.send(message)
                    .await
                    .context("the SMTP relay did not accept the email")?;
                tracing::debug!("email handed to the SMTP relay");
            }
        }
        Ok(())
    }

    fn message(
        &self,
        to: &str,
        template: &Template,
        brand: &BrandSettings,
        from: &Mailbox,
    ) -> anyhow::Result<Message> {
        let to: Mailbox = to
            .parse()
            .with_context(|| format!("not a valid recipient address: {to:?}"))?;
        let rendered = render(template, brand);
        // Named after the sender's domain: lettre's default would reveal the machine's hostname.
        let message_id = format!(
            "<{}@{}>",
            uuid::Uuid::now_v7().simple(),
            from.email.domain()
        );
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(message_id))
            // RFC 3834: keeps vacation responders from answering a no-reply address.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .context("cannot build the email")
    }
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match &self.inner.transport {
            Transport::File { dir, .. } => format!("file:{}", dir.display()),
            Transport::Smtp(_) => "smtp".into(),
        };
        f.debug_struct("Mailer")
            .field("transport", &transport)
            .field("from", &self.inner.from.to_string())
            .finish_non_exhaustive()
    }
}

fn smtp_transport(email: &EmailSettings) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let smtp = &email.smtp;
    let builder = match smtp.tls {
        SmtpTls::None => {
            if !is_loopback(&smtp.host) {
                tracing::warn!(
                    host = %smtp.host,
                    "email.smtp.tls = none towards a host that is not loopback: mail and any \
                     password cross the network in clear text"
                );
            }
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        }
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .with_context(|| format!("cannot set up STARTTLS towards {}", smtp.host))?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .with_context(|| format!("cannot set up TLS towards {}", smtp.host))?,
    };
    // relay() and starttls_relay() pick the standard port; the setting wins.
    let builder = builder
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(smtp.timeout_secs)));
    let builder = match (&smtp.username, &smtp.password) {
        (Some(user), Some(password)) => builder.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        )),
        (None, None) => builder,
        (Some(_), None) => bail!("email.smtp.username is set but email.smtp.password is not"),
        (None, Some(_)) => bail!("email.smtp.password is set but email.smtp.username is not"),
    };
    Ok(builder.build())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::config::SmtpSettings;

    fn smtp_settings(smtp: SmtpSettings) -> EmailSettings {
        EmailSettings {
            transport: EmailTransport::Smtp,
            smtp,
            ..EmailSettings::default()
        }
    }

    #[test]
    fn the_mailer_can_live_in_app_state_and_spawned_tasks() {
        fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
        assert_shareable::<Mailer>();
    }

    #[test]
    fn an_invalid_from_address_is_refused() {
        // Arrange
        let settings = EmailSettings {
            from: "not an address".into(),
            ..smtp_settings(SmtpSettings::default())
        };

        // Act
        let err = Mailer::from_settings(&settings, &BrandSettings::default()).unwrap_err();

        // Assert
        assert!(err.to_string().contains("email.from"), "{err}");
    }

    #[test]
    fn a_username_without_a_password_is_refused() {
        // Arrange
        let settings = smtp_settings(SmtpSettings {
            username: Some("fw".into()),
            ..SmtpSettings::default()
        });

        // Act
        let err = Mailer::from_settings(&settings, &BrandSettings::default()).unwrap_err();

        // Assert
        assert!(err.to_string().contains("password"), "{err}");
    }

    #[test]
    fn every_tls_mode_builds_and_drops_a_transport_outside_a_runtime() {
        for tls in [SmtpTls::None, SmtpTls::Starttls, SmtpTls::Tls] {
            let settings = smtp_settings(SmtpSettings {
                host: "smtp.example.com".into(),
                tls,
                ..SmtpSettings::default()
            });
            Mailer::from_settings(&settings, &BrandSettings::default()).unwrap();
        }
    }

    #[test]
    fn a_message_id_names_our_domain_not_the_machine() {
        // Arrange
        let settings = smtp_settings(SmtpSettings::default());
        let mailer = Mailer::from_settings(&settings, &BrandSettings::default()).unwrap();

        // Act
        let raw = mailer
            .message(
                "ada@example.com",
                &Template::PasswordChanged,
                &BrandSettings::default(),
                &mailer.inner.from,
            )
            .unwrap()
            .formatted();

        // Assert
        let raw = String::from_utf8(raw).unwrap();
        assert!(raw.contains("@fleetwarden.localhost>"), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated"));
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        assert!(is_loopback("localhost"));
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("[::1]"));
        assert!(!is_loopback("mail.example.com"));
    }
}
