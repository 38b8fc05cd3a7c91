//! The plain server-rendered pages behind emailed links — reset a password, accept an
//! invitation, and a maker's simple-auth customer's reset in the maker's brand. They work
//! without JavaScript, so a link opens in any mail client's browser.
use actix_web::{HttpResponse, get, post, web};
use fleetwarden_wire::tenancy::TokenQuery;
use serde::Deserialize;

use crate::accounts::{AccountError, customer_reset, invitations, password_reset};
use crate::auth::ClientInfo;
use crate::config::BrandSettings;
use crate::email::templates::{css_color, escape};
use crate::error::ApiError;
use crate::state::AppState;

/// Registers the pages (outside the JSON API and its OpenAPI document).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(reset_form)
        .service(reset_submit)
        .service(invite_form)
        .service(invite_submit)
        .service(customer_reset_form)
        .service(customer_reset_submit);
}

/// The link's token, empty when the link has none: the page still shows, and says so.
fn token_of(query: Option<web::Query<TokenQuery>>) -> String {
    query.map(|q| q.into_inner().token).unwrap_or_default()
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    display_name: String,
}

fn page(brand: &BrandSettings, title: &str, body: &str) -> HttpResponse {
    let primary = css_color(&brand.primary_color, "#0f766e");
    let background = css_color(&brand.background_color, "#f8fafc");
    let logo = brand
        .logo_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(|u| {
            format!(
                "<img src=\"{}\" alt=\"{}\" height=\"40\">",
                escape(u),
                escape(&brand.product_name)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{title} · {product}</title>\
         <style>body{{font-family:system-ui,sans-serif;background:{background};margin:0}}\
         main{{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.5rem;\
         box-shadow:0 1px 3px #0002}}h1{{color:{primary};font-size:1.4rem}}\
         label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;\
         box-sizing:border-box;font-size:1rem}}button{{margin-top:1.2rem;padding:.6rem 1.2rem;\
         background:{primary};color:#fff;border:0;border-radius:.3rem;font-size:1rem}}\
         .error{{color:#b91c1c}}</style></head><body><main>{logo}<h1>{title}</h1>{body}</main>\
         </body></html>",
        title = escape(title),
        product = escape(&brand.product_name),
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // The token is in the URL: keep it out of caches and other sites' Referer headers.
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(html)
}

/// What the page says of a refusal; never a database error's own text.
fn message_of(err: AccountError) -> String {
    match err {
        AccountError::Invalid(invalid) => {
            format!("{} {}", invalid.field.replace('_', " "), invalid.message)
        }
        AccountError::NotFound => "This link is invalid, used or expired.".into(),
        other => ApiError::from(other).to_string(),
    }
}

/// A refusal, announced to screen readers.
fn alert(message: &str) -> String {
    format!("<p class=\"error\" role=\"alert\">{}</p>", escape(message))
}

fn password_fields(token: &str, error: Option<&str>, with_name: bool) -> String {
    let error = error.map(alert);
    let name = if with_name {
        "<label for=\"display_name\">Your name</label>\
         <input id=\"display_name\" name=\"display_name\" autocomplete=\"name\">"
    } else {
        ""
    };
    format!(
        "{error}<form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{token}\">\
         {name}<label for=\"password\">New password (at least 12 characters)</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" \
         minlength=\"12\" required autofocus>\
         <label for=\"confirm\">Repeat it</label>\
         <input id=\"confirm\" name=\"confirm\" type=\"password\" autocomplete=\"new-password\" \
         required><button type=\"submit\">Save password</button></form>",
        error = error.unwrap_or_default(),
        token = escape(token),
    )
}

#[get("/reset")]
async fn reset_form(
    state: web::Data<AppState>,
    query: Option<web::Query<TokenQuery>>,
) -> HttpResponse {
    page(
        &state.settings.brand,
        "Choose a new password",
        &password_fields(&token_of(query), None, false),
    )
}

#[post("/reset")]
async fn reset_submit(
    state: web::Data<AppState>,
    client: ClientInfo,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let brand = &state.settings.brand;
    let form = form.into_inner();
    if form.password != form.confirm {
        let fields = password_fields(&form.token, Some("The two passwords differ."), false);
        return page(brand, "Choose a new password", &fields);
    }
    match password_reset::reset(&state, &form.token, form.password, &client).await {
        Ok(()) => page(
            brand,
            "Password changed",
            "<p>Your password is changed and every session of your account has ended. \
             Sign in again with the new password.</p>",
        ),
        Err(err) => page(
            brand,
            "Choose a new password",
            &password_fields(&form.token, Some(&message_of(err)), false),
        ),
    }
}

#[get("/invite")]
async fn invite_form(
    state: web::Data<AppState>,
    query: Option<web::Query<TokenQuery>>,
) -> HttpResponse {
    let brand = &state.settings.brand;
    let token = token_of(query);
    match invitations::pending(&state, &token).await {
        Ok((inv, org, exists)) => {
            let intro = format!(
                "<p>{} is invited to join <strong>{}</strong> as {}.</p>",
                escape(&inv.email),
                escape(&org.name),
                invitations::wire_role(inv.role)
            );
            let form = if exists {
                format!(
                    "<p>You already have an account: accepting adds this organization to it.</p>\
                     <form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
                     <button type=\"submit\">Accept</button></form>",
                    escape(&token)
                )
            } else {
                password_fields(&token, None, true)
            };
            page(brand, "Accept the invitation", &format!("{intro}{form}"))
        }
        Err(err) => page(brand, "Invitation", &alert(&message_of(err))),
    }
}

#[post("/invite")]
async fn invite_submit(
    state: web::Data<AppState>,
    client: ClientInfo,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let brand = &state.settings.brand;
    let form = form.into_inner();
    if form.password != form.confirm {
        let fields = password_fields(&form.token, Some("The two passwords differ."), true);
        return page(brand, "Accept the invitation", &fields);
    }
    let password = Some(form.password).filter(|p| !p.is_empty());
    let name = Some(form.display_name).filter(|n| !n.trim().is_empty());
    match invitations::accept(&state, &client, &form.token, password, name).await {
        Ok((user, _)) => page(
            brand,
            "Welcome",
            &format!(
                "<p>You have joined. Sign in as <strong>{}</strong>.</p>",
                escape(&user.email)
            ),
        ),
        Err(err) => page(
            brand,
            "Accept the invitation",
            &password_fields(&form.token, Some(&message_of(err)), true),
        ),
    }
}

/// The brand of the family a link belongs to (used or not), or the deployment's for a link
/// that names no family: for pages about a link the service refused.
async fn customer_brand(state: &AppState, token: &str) -> BrandSettings {
    match customer_reset::link_family(state, token).await {
        Ok(Some(family)) => customer_reset::brand(&family),
        _ => state.settings.brand.clone(),
    }
}

const CHOOSE: &str = "Choose a new password";

#[get("/customer-reset")]
async fn customer_reset_form(
    state: web::Data<AppState>,
    query: Option<web::Query<TokenQuery>>,
) -> HttpResponse {
    let token = token_of(query);
    match customer_reset::check_link(&state, &token).await {
        Ok((family, email)) => {
            let brand = customer_reset::brand(&family);
            let intro = format!(
                "<p>For <strong>{}</strong>. The new password works in every {} app.</p>",
                escape(&email),
                escape(&brand.product_name)
            );
            let fields = password_fields(&token, None, false);
            page(&brand, CHOOSE, &format!("{intro}{fields}"))
        }
        Err(err) => {
            let brand = customer_brand(&state, &token).await;
            page(&brand, CHOOSE, &alert(&link_message(err)))
        }
    }
}

#[post("/customer-reset")]
async fn customer_reset_submit(
    state: web::Data<AppState>,
    client: ClientInfo,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let form = form.into_inner();
    if form.password != form.confirm {
        let brand = customer_brand(&state, &form.token).await;
        let fields = password_fields(&form.token, Some("The two passwords differ."), false);
        return page(&brand, CHOOSE, &fields);
    }
    let (family, outcome) =
        match customer_reset::reset(&state, &form.token, form.password, &client).await {
            Ok(done) => done,
            Err(err) => {
                let brand = customer_brand(&state, &form.token).await;
                let body = if is_link_error(&err) {
                    alert(&link_message(err))
                } else {
                    password_fields(&form.token, Some(&message_of(err)), false)
                };
                return page(&brand, CHOOSE, &body);
            }
        };
    let mut body = String::new();
    if !outcome.done.is_empty() {
        body.push_str(&format!(
            "<p>Your new password works now in: <strong>{}</strong>. Sign in to the app with it.</p>",
            escape(&outcome.done.join(", "))
        ));
    }
    if !outcome.waiting.is_empty() {
        body.push_str(&format!(
            "<p role=\"status\">Not done yet in: <strong>{}</strong>. We keep trying and email you \
             once the new password works everywhere; there is nothing else to do.</p>",
            escape(&outcome.waiting.join(", "))
        ));
    }
    if body.is_empty() {
        body.push_str("<p>Your password is changed.</p>");
    }
    page(&customer_reset::brand(&family), "Password changed", &body)
}

fn is_link_error(err: &AccountError) -> bool {
    matches!(err, AccountError::Invalid(invalid) if invalid.field == "link")
}

/// "This link has expired; …", from the service's refusal of the link.
fn link_message(err: AccountError) -> String {
    match err {
        AccountError::Invalid(invalid) if invalid.field == "link" => {
            format!("This link {}", invalid.message)
        }
        other => message_of(other),
    }
}
