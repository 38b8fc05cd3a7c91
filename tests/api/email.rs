//! Outgoing email over a real SMTP exchange with the harness's sink, and into .eml files. These
//! drive `Mailer` directly; the flows that send mail are tested with the server.
use fleetwarden_server::config::{
    BrandSettings, EmailSettings, EmailTransport, SmtpSettings, SmtpTls,
};
use fleetwarden_server::email::{Mailer, Template};
use fleetwarden_tests::{ReceivedMail, SmtpSink};

/// 43 base64url characters, like a 32-byte token; long enough that the text part's link line
/// passes 76 characters and gets quoted-printable soft breaks and `=3D`.
const TOKEN: &str = "q5Zr-8_xKfT0pLmN3vWb2YcHd7Je4Ag9Ui6Os1Ek0Ro";

fn link(path: &str) -> String {
    format!("https://fleetwarden.example.com{path}?token={TOKEN}")
}

fn smtp_settings(port: u16) -> EmailSettings {
    EmailSettings {
        transport: EmailTransport::Smtp,
        from: "Fleetwarden <no-reply@fleetwarden.example.com>".into(),
        smtp: SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            timeout_secs: 5,
            ..SmtpSettings::default()
        },
        ..EmailSettings::default()
    }
}

async fn sink_and_mailer() -> (SmtpSink, Mailer) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::from_settings(&smtp_settings(sink.port()), &BrandSettings::default())
        .unwrap_or_else(|e| panic!("mailer: {e:#}"));
    (sink, mailer)
}

async fn send(mailer: &Mailer, to: &str, template: Template) {
    mailer
        .send(to, template)
        .await
        .unwrap_or_else(|e| panic!("sending failed: {e:#}"));
}

#[tokio::test]
async fn a_password_reset_email_reaches_the_recipient_with_its_link_intact() {
    // Arrange
    let (sink, mailer) = sink_and_mailer().await;
    let reset_link = link("/reset");

    // Act
    send(
        &mailer,
        "ada@example.com",
        Template::PasswordReset {
            link: reset_link.clone(),
            minutes_valid: 30,
        },
    )
    .await;

    // Assert
    let mail = sink.next_message().await;
    assert_eq!(mail.mail_from, "no-reply@fleetwarden.example.com");
    assert_eq!(mail.rcpt_to, ["ada@example.com"]);
    assert_eq!(mail.subject(), "Reset your Fleetwarden password");
    assert_eq!(mail.link("/reset"), Some(reset_link.clone()));
    assert!(mail.text_body().contains("30 minutes"));
    assert!(mail.html_body().contains(&format!("href=\"{reset_link}\"")));
    assert!(
        !mail.raw.contains(&reset_link),
        "the link should travel quoted-printable encoded (`=3D`), exercising the decoder"
    );
}

#[tokio::test]
async fn an_invitation_names_the_organization_and_carries_its_link() {
    // Arrange
    let (sink, mailer) = sink_and_mailer().await;
    let invite_link = link("/invitations/accept");

    // Act
    send(
        &mailer,
        "grace@example.com",
        Template::Invitation {
            link: invite_link.clone(),
            organization: "Acme Field Ops".into(),
            inviter: Some("Ada Lovelace".into()),
            role: "operator".into(),
            hours_valid: 168,
        },
    )
    .await;

    // Assert
    let mail = sink.next_message().await;
    assert_eq!(mail.rcpt_to, ["grace@example.com"]);
    assert_eq!(
        mail.subject(),
        "You're invited to Acme Field Ops on Fleetwarden"
    );
    assert_eq!(mail.link("/invitations"), Some(invite_link));
    assert!(mail.text_body().contains("Ada Lovelace invited you"));
    assert!(mail.text_body().contains("7 days"));
}

#[tokio::test]
async fn a_password_changed_notice_says_what_to_do_if_it_was_not_you() {
    // Arrange
    let (sink, mailer) = sink_and_mailer().await;

    // Act
    send(&mailer, "ada@example.com", Template::PasswordChanged).await;

    // Assert
    let mail = sink.next_message().await;
    assert_eq!(mail.rcpt_to, ["ada@example.com"]);
    assert_eq!(mail.subject(), "Your Fleetwarden password was changed");
    assert!(mail.text_body().contains("If it wasn't you"));
    assert_eq!(mail.link("/"), None);
}

#[tokio::test]
async fn a_non_ascii_brand_and_organization_survive_the_trip() {
    // Arrange
    let sink = SmtpSink::start().await;
    let brand = BrandSettings {
        product_name: "Flottenwärter".into(),
        ..BrandSettings::default()
    };
    let mailer = Mailer::from_settings(&smtp_settings(sink.port()), &brand)
        .unwrap_or_else(|e| panic!("mailer: {e:#}"));

    // Act
    send(
        &mailer,
        "jürgen@example.com",
        Template::Invitation {
            link: link("/invitations/accept"),
            organization: "Müller & Söhne".into(),
            inviter: None,
            role: "viewer".into(),
            hours_valid: 48,
        },
    )
    .await;

    // Assert
    let mail = sink.next_message().await;
    assert_eq!(
        mail.subject(),
        "You're invited to Müller & Söhne on Flottenwärter"
    );
    assert!(mail.html_body().contains("Müller &amp; Söhne"));
    assert!(mail.text_body().contains("2 days"));
}

#[tokio::test]
async fn concurrent_sends_all_arrive() {
    // Arrange
    let (sink, mailer) = sink_and_mailer().await;
    let recipients: Vec<String> = (0..8).map(|i| format!("user{i}@example.com")).collect();

    // Act
    let mut tasks = tokio::task::JoinSet::new();
    for to in recipients.clone() {
        let mailer = mailer.clone();
        tasks.spawn(async move { mailer.send(&to, Template::PasswordChanged).await });
    }
    while let Some(result) = tasks.join_next().await {
        result
            .unwrap_or_else(|e| panic!("task: {e}"))
            .unwrap_or_else(|e| panic!("sending failed: {e:#}"));
    }

    // Assert
    let mut received: Vec<String> = Vec::new();
    for _ in &recipients {
        received.extend(sink.next_message().await.rcpt_to);
    }
    received.sort();
    let mut expected = recipients;
    expected.sort();
    assert_eq!(received, expected);
    assert!(sink.try_next().is_none(), "exactly one message per send");
}

#[tokio::test]
async fn an_invalid_recipient_is_an_error_and_nothing_is_sent() {
    // Arrange
    let (sink, mailer) = sink_and_mailer().await;

    // Act
    let result = mailer
        .send("not an address", Template::PasswordChanged)
        .await;

    // Assert
    assert!(result.is_err());
    assert!(sink.try_next().is_none());
}

#[tokio::test]
async fn an_unreachable_relay_is_an_error() {
    // Arrange: a port that was free a moment ago, so nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let mailer = Mailer::from_settings(&smtp_settings(port), &BrandSettings::default())
        .unwrap_or_else(|e| panic!("mailer: {e:#}"));

    // Act
    let result = mailer
        .send("ada@example.com", Template::PasswordChanged)
        .await;

    // Assert
    assert!(result.is_err());
}

#[tokio::test]
async fn the_file_transport_writes_an_eml_file_with_the_subject() {
    // Arrange
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let file_dir = dir.path().join("mail");
    let settings = EmailSettings {
        transport: EmailTransport::File,
        file_dir: file_dir.clone(),
        ..EmailSettings::default()
    };
    let mailer = Mailer::from_settings(&settings, &BrandSettings::default())
        .unwrap_or_else(|e| panic!("mailer: {e:#}"));
    let reset_link = link("/reset");

    // Act
    send(
        &mailer,
        "ada@example.com",
        Template::PasswordReset {
            link: reset_link.clone(),
            minutes_valid: 30,
        },
    )
    .await;

    // Assert
    let files: Vec<_> = std::fs::read_dir(&file_dir)
        .unwrap_or_else(|e| panic!("{} was not created: {e}", file_dir.display()))
        .map(|entry| entry.unwrap_or_else(|e| panic!("{e}")).path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let raw = std::fs::read_to_string(&files[0]).unwrap_or_else(|e| panic!("{e}"));
    assert!(raw.contains("Subject: Reset your Fleetwarden password"));
    let mail = ReceivedMail {
        mail_from: String::new(),
        rcpt_to: Vec::new(),
        raw,
    };
    assert_eq!(mail.link("/reset"), Some(reset_link));
}
