//! The messages we send, as pure functions of a [`Template`] and the brand: no I/O here.
//! [`escape`] and [`css_color`] also serve the server-rendered pages.
//!
//! Every template fills one [`Content`], and one layout turns it into both parts. Escaping
//! therefore happens in a single place, and no template can forget it.
use std::fmt;
use std::fmt::Write as _;

use crate::config::BrandSettings;

/// A message we know how to write. Links carry secret tokens, so `Debug` leaves them out.
#[derive(Clone)]
pub enum Template {
    /// A link that lets the owner of the address choose a new password.
    PasswordReset {
        /// The absolute reset URL, token included.
        link: String,
        /// How long the link works.
        minutes_valid: i64,
    },
    /// A link that lets someone join an organization.
    Invitation {
        /// The absolute accept URL, token included.
        link: String,
        /// The organization (tenant) being joined.
        organization: String,
        /// Who sent the invitation, when known.
        inviter: Option<String>,
        /// The role the invitee will hold, as shown to people.
        role: String,
        /// How long the invitation stays open.
        hours_valid: i64,
    },
    /// A notice that the account's password was changed, so an owner who didn't do it can react.
    PasswordChanged,
    /// A simple-auth customer's reset link, in the maker's name (the customer has no
    /// Fleetwarden account; the password lives at Particle).
    CustomerPasswordReset {
        /// The absolute URL of the hosted page, token included.
        link: String,
        /// How long the link works.
        minutes_valid: i64,
    },
    /// The customer's new password works in every one of the maker's apps now.
    CustomerPasswordChanged,
}

impl Template {
    /// A short, secret-free name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PasswordReset { .. } => "password_reset",
            Self::Invitation { .. } => "invitation",
            Self::PasswordChanged => "password_changed",
            Self::CustomerPasswordReset { .. } => "customer_password_reset",
            Self::CustomerPasswordChanged => "customer_password_changed",
        }
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

/// A message ready to send: one subject, two alternative bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The Subject header, one line.
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
}

/// Writes `template` in the brand's name and colours.
pub fn render(template: &Template, brand: &BrandSettings) -> Rendered {
    let content = content(template, &brand.product_name);
    Rendered {
        subject: one_line(&content.subject),
        text: text_layout(&content, brand),
        html: html_layout(&content, brand),
    }
}

/// What a message says, before layout. All strings are plain text, unescaped.
struct Content {
    subject: String,
    heading: String,
    before: Vec<String>,
    action: Option<Action>,
    after: Vec<String>,
}

/// The one thing the reader is asked to do.
struct Action {
    label: &'static str,
    link: String,
}

fn content(template: &Template, product: &str) -> Content {
    match template {
        Template::PasswordReset {
            link,
            minutes_valid,
        } => Content {
            subject: format!("Reset your {product} password"),
            heading: format!("Reset your {product} password"),
            before: vec![
                format!(
                    "Someone asked to reset the password of the {product} account for this address."
                ),
                format!(
                    "Use the link below to choose a new password. It expires in {}.",
                    duration_phrase(*minutes_valid)
                ),
            ],
            action: Some(Action {
                label: "Choose a new password",
                link: link.clone(),
            }),
            after: vec![
                "If you didn't ask for this, ignore this email: your password stays as it is."
                    .into(),
            ],
        },
        Template::Invitation {
            link,
            organization,
            inviter,
            role,
            hours_valid,
        } => {
            let who = inviter.as_deref().unwrap_or("Someone");
            Content {
                subject: format!("You're invited to {organization} on {product}"),
                heading: format!("Join {organization} on {product}"),
                before: vec![
                    format!(
                        "{who} invited you to join {organization} on {product} with the {role} role."
                    ),
                    format!(
                        "Use the link below to accept and set up your account. The invitation expires in {}.",
                        duration_phrase(hours_valid.saturating_mul(60))
                    ),
                ],
                action: Some(Action {
                    label: "Accept the invitation",
                    link: link.clone(),
                }),
                after: vec!["If you weren't expecting this invitation, ignore this email.".into()],
            }
        }
        Template::PasswordChanged => Content {
            subject: format!("Your {product} password was changed"),
            heading: format!("Your {product} password was changed"),
            before: vec![
                format!("The password of the {product} account for this address was just changed."),
                "If that was you, there is nothing else to do.".into(),
            ],
            action: None,
            after: vec![format!(
                "If it wasn't you, reset your password now with \u{201c}Forgot your password?\u{201d} \
                 on the {product} sign-in page, and tell your administrator."
            )],
        },
        Template::CustomerPasswordReset {
            link,
            minutes_valid,
        } => Content {
            subject: format!("Reset your {product} password"),
            heading: format!("Reset your {product} password"),
            before: vec![
                format!("Someone asked to reset the {product} password for this address."),
                format!(
                    "Use the link below to choose a new one; it works in every {product} app. \
                     The link expires in {}.",
                    duration_phrase(*minutes_valid)
                ),
            ],
            action: Some(Action {
                label: "Choose a new password",
                link: link.clone(),
            }),
            after: vec![
                "If you didn't ask for this, ignore this email: your password stays as it is."
                    .into(),
            ],
        },
        Template::CustomerPasswordChanged => Content {
            subject: format!("Your {product} password was changed"),
            heading: format!("Your {product} password was changed"),
            before: vec![
                format!("Your new {product} password works in every {product} app now."),
                "If that was you, there is nothing else to do.".into(),
            ],
            action: None,
            after: vec![format!(
                "If it wasn't you, reset your password now with \u{201c}Forgot your password?\u{201d} \
                 in the {product} app."
            )],
        },
    }
}

fn text_layout(content: &Content, brand: &BrandSettings) -> String {
    let mut out = format!("{}\n\n", content.heading);
    for paragraph in &content.before {
        out.push_str(paragraph);
        out.push_str("\n\n");
    }
    if let Some(action) = &content.action {
        // On a line of its own, so clients that linkify plain text find the whole URL.
        let _ = write!(out, "{}:\n{}\n\n", action.label, action.link);
    }
    for paragraph in &content.after {
        out.push_str(paragraph);
        out.push_str("\n\n");
    }
    let _ = writeln!(
        out,
        "-- \nAn automated message from {}; replies are not read.",
        brand.product_name
    );
    out
}

const DEFAULT_PRIMARY: &str = "#0f766e";
const DEFAULT_BACKGROUND: &str = "#f8fafc";

fn html_layout(content: &Content, brand: &BrandSettings) -> String {
    let product = escape(&brand.product_name);
    // Colours go into style attributes, where HTML escaping does not stop CSS injection.
    let primary = css_color(&brand.primary_color, DEFAULT_PRIMARY);
    let background = css_color(&brand.background_color, DEFAULT_BACKGROUND);
    let font = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

    let mut body = String::new();
    if let Some(logo) = brand.logo_url.as_deref().filter(|u| is_web_url(u)) {
        let _ = writeln!(
            body,
            r#"<img src="{}" alt="{product}" height="40" style="display:block;height:40px;width:auto;border:0;margin:0 0 24px;">"#,
            escape(logo)
        );
    }
    let _ = writeln!(
        body,
        r#"<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#111827;">{}</h1>"#,
        escape(&content.heading)
    );
    for paragraph in &content.before {
        push_paragraph(&mut body, paragraph);
    }
    if let Some(action) = &content.action {
        let link = escape(&action.link);
        let _ = writeln!(
            body,
            r#"<p style="margin:24px 0;"><a href="{link}" style="display:inline-block;background-color:{primary};color:#ffffff;font-weight:600;font-size:16px;text-decoration:none;padding:12px 20px;border-radius:6px;">{}</a></p>"#,
            escape(action.label)
        );
        // The same link as text, for clients that hide buttons and for copying by hand.
        let _ = writeln!(
            body,
            r#"<p style="margin:0 0 16px;font-size:14px;line-height:1.5;color:#4b5563;">If the button doesn't work, copy this link into your browser:<br><a href="{link}" style="color:{primary};word-break:break-all;">{link}</a></p>"#
        );
    }
    for paragraph in &content.after {
        push_paragraph(&mut body, paragraph);
    }

    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{title}</title>
</head>
<body style="margin:0;padding:0;background-color:{background};">
<div style="background-color:{background};padding:32px 16px;font-family:{font};color:#1f2937;">
<div style="max-width:560px;margin:0 auto;background-color:#ffffff;border-radius:8px;padding:32px;">
{body}</div>
<p style="max-width:560px;margin:16px auto 0;font-size:12px;line-height:1.5;color:#6b7280;text-align:center;">An automated message from {product}; replies are not read.</p>
</div>
</body>
</html>
"#,
        title = escape(&content.subject),
    )
}

fn push_paragraph(out: &mut String, text: &str) {
    let _ = writeln!(
        out,
        r#"<p style="margin:0 0 16px;font-size:16px;line-height:1.5;">{}</p>"#,
        escape(text)
    );
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// `value` if it is a CSS hex colour (`#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`), else `fallback`:
/// colours go into `style` attributes, where HTML escaping does not stop CSS injection.
pub fn css_color<'a>(value: &'a str, fallback: &'a str) -> &'a str {
    let ok = value.strip_prefix('#').is_some_and(|hex| {
        matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit())
    });
    if ok { value } else { fallback }
}

/// Only http(s) logos: other schemes (`javascript:`, `data:`) have no business in a mail.
fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Header values are one line; organization and inviter names come from users.
fn one_line(text: &str) -> String {
    text.split(char::is_control)
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// "30 minutes", "1 hour", "7 days": the largest whole unit.
fn duration_phrase(minutes: i64) -> String {
    let (n, unit) = if minutes >= 24 * 60 && minutes % (24 * 60) == 0 {
        (minutes / (24 * 60), "day")
    } else if minutes >= 60 && minutes % 60 == 0 {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://fw.example.com/reset?token=abc_DEF-123&x=1";

    fn brand(product: &str) -> BrandSettings {
        BrandSettings {
            product_name: product.into(),
            ..BrandSettings::default()
        }
    }

    fn reset() -> Template {
        Template::PasswordReset {
            link: LINK.into(),
            minutes_valid: 30,
        }
    }

    fn invitation() -> Template {
        Template::Invitation {
            link: LINK.into(),
            organization: "Acme Field Ops".into(),
            inviter: Some("Ada Lovelace".into()),
            role: "operator".into(),
            hours_valid: 168,
        }
    }

    #[test]
    fn a_product_name_with_markup_is_escaped_in_html() {
        // Arrange
        let brand = brand("<b>Acme & Co</b>");

        // Act
        let rendered = render(&reset(), &brand);

        // Assert
        assert!(rendered.html.contains("&lt;b&gt;Acme &amp; Co&lt;/b&gt;"));
        assert!(!rendered.html.contains("<b>"));
        assert_eq!(rendered.subject, "Reset your <b>Acme & Co</b> password");
        assert!(
            rendered.text.contains("<b>Acme & Co</b>"),
            "text is not HTML"
        );
    }

    #[test]
    fn invitation_values_from_users_are_escaped_in_html() {
        // Arrange
        let template = Template::Invitation {
            link: LINK.into(),
            organization: "\"><script>alert(1)</script>".into(),
            inviter: Some("Mallory <m@evil>".into()),
            role: "o'perator".into(),
            hours_valid: 24,
        };

        // Act
        let html = render(&template, &brand("Fleetwarden")).html;

        // Assert
        assert!(!html.contains("<script>"));
        assert!(html.contains("&quot;&gt;&lt;script&gt;"));
        assert!(html.contains("Mallory &lt;m@evil&gt;"));
        assert!(html.contains("o&#x27;perator"));
    }

    #[test]
    fn the_link_appears_in_both_parts_and_as_a_button() {
        // Act
        let rendered = render(&reset(), &brand("Fleetwarden"));

        // Assert
        assert!(rendered.text.contains(&format!("\n{LINK}\n")));
        let escaped = escape(LINK);
        assert_eq!(
            rendered
                .html
                .matches(&format!("href=\"{escaped}\""))
                .count(),
            2
        );
        assert_eq!(rendered.html.matches(&format!(">{escaped}</a>")).count(), 1);
    }

    #[test]
    fn the_reset_email_states_how_long_the_link_works() {
        // Act
        let rendered = render(&reset(), &brand("Fleetwarden"));

        // Assert
        assert_eq!(rendered.subject, "Reset your Fleetwarden password");
        assert!(rendered.text.contains("expires in 30 minutes"));
        assert!(rendered.html.contains("expires in 30 minutes"));
    }

    #[test]
    fn the_invitation_names_organization_inviter_role_and_validity() {
        // Act
        let rendered = render(&invitation(), &brand("Fleetwarden"));

        // Assert
        assert_eq!(
            rendered.subject,
            "You're invited to Acme Field Ops on Fleetwarden"
        );
        for part in [&rendered.text, &rendered.html] {
            assert!(part.contains("Ada Lovelace invited you to join Acme Field Ops"));
            assert!(part.contains("the operator role"));
            assert!(part.contains("expires in 7 days"));
            assert!(part.contains(LINK) || part.contains(&escape(LINK)));
        }
    }

    #[test]
    fn an_invitation_without_inviter_still_reads_well() {
        // Arrange
        let template = Template::Invitation {
            link: LINK.into(),
            organization: "Acme".into(),
            inviter: None,
            role: "viewer".into(),
            hours_valid: 36,
        };

        // Act
        let text = render(&template, &brand("Fleetwarden")).text;

        // Assert
        assert!(text.contains("Someone invited you to join Acme"));
        assert!(text.contains("expires in 36 hours"));
    }

    #[test]
    fn the_password_changed_notice_says_what_to_do_if_it_was_not_you() {
        // Act
        let rendered = render(&Template::PasswordChanged, &brand("Fleetwarden"));

        // Assert
        assert_eq!(rendered.subject, "Your Fleetwarden password was changed");
        assert!(
            rendered
                .text
                .contains("If it wasn't you, reset your password")
        );
        assert!(
            rendered
                .html
                .contains("If it wasn&#x27;t you, reset your password")
        );
        assert!(!rendered.html.contains("<a "), "no link to phish with");
    }

    #[test]
    fn the_brand_colours_and_logo_are_used() {
        // Arrange
        let brand = BrandSettings {
            product_name: "Fleetwarden".into(),
            primary_color: "#ff0000".into(),
            background_color: "#eeeeee".into(),
            logo_url: Some("https://cdn.example.com/logo.png?a=1&b=2".into()),
        };

        // Act
        let html = render(&reset(), &brand).html;

        // Assert
        assert!(html.contains("background-color:#ff0000"));
        assert!(html.contains("background-color:#eeeeee"));
        assert!(html.contains(r#"<img src="https://cdn.example.com/logo.png?a=1&amp;b=2""#));
    }

    #[test]
    fn colours_that_are_not_hex_fall_back_instead_of_injecting_css() {
        // Arrange
        let brand = BrandSettings {
            primary_color: "red;background:url(https://evil.example/x)".into(),
            logo_url: Some("javascript:alert(1)".into()),
            ..BrandSettings::default()
        };

        // Act
        let html = render(&reset(), &brand).html;

        // Assert
        assert!(!html.contains("evil.example"));
        assert!(html.contains(&format!("background-color:{DEFAULT_PRIMARY}")));
        assert!(!html.contains("<img"));
    }

    #[test]
    fn a_subject_is_always_one_line() {
        // Arrange
        let template = Template::Invitation {
            link: LINK.into(),
            organization: "Acme\r\nBcc: victim@example.com".into(),
            inviter: None,
            role: "viewer".into(),
            hours_valid: 1,
        };

        // Act
        let subject = render(&template, &brand("Fleetwarden")).subject;

        // Assert
        assert_eq!(
            subject,
            "You're invited to Acme Bcc: victim@example.com on Fleetwarden"
        );
    }

    #[test]
    fn debug_output_never_shows_the_link() {
        assert!(!format!("{:?}", reset()).contains("token"));
        assert!(!format!("{:?}", invitation()).contains("token"));
    }

    #[test]
    fn durations_use_the_largest_whole_unit() {
        assert_eq!(duration_phrase(1), "1 minute");
        assert_eq!(duration_phrase(30), "30 minutes");
        assert_eq!(duration_phrase(60), "1 hour");
        assert_eq!(duration_phrase(90), "90 minutes");
        assert_eq!(duration_phrase(7 * 24 * 60), "7 days");
    }
}
