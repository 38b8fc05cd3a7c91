//! Operators: product families (a maker's product variants under one brand) and which
//! products have simple-auth customers, whose password resets Fleetwarden serves.
use entity::{particle_product, product_family};
use fleetwarden_wire::families::{FamilyBody, FamilyProduct, FamilyResponse};
use lettre::message::Mailbox;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::{Ctx, TenancyError, name};
use crate::audit;
use crate::changes::Change;
use crate::email::templates::css_color;
use crate::store;
use crate::store::families::FamilyFields;

/// Origins a family may list: more is a configuration mistake, not a use.
const MAX_ORIGINS: usize = 20;

fn response(
    family: &product_family::Model,
    products: &[particle_product::Model],
) -> FamilyResponse {
    FamilyResponse {
        id: family.id,
        name: family.name.clone(),
        primary_color: family.primary_color.clone(),
        background_color: family.background_color.clone(),
        logo_url: family.logo_url.clone(),
        sender: family.sender.clone(),
        allowed_origins: serde_json::from_value(family.allowed_origins.clone()).unwrap_or_default(),
        products: products
            .iter()
            .filter(|p| p.family_id == Some(family.id))
            .map(|p| FamilyProduct {
                id: p.id,
                particle_id: p.particle_id,
                name: p.name.clone(),
            })
            .collect(),
        created_at: family.created_at,
        updated_at: family.updated_at,
    }
}

fn entry(ctx: &Ctx<'_>, action: &'static str, kind: &'static str, id: Uuid) -> audit::Entry {
    audit::Entry {
        tenant_id: None,
        ..ctx.entry(Uuid::nil(), action, kind, id)
    }
}

fn color(field: &str, value: Option<&str>, default: &str) -> Result<String, TenancyError> {
    // As sent: the document's pattern has no room for blanks either.
    let Some(value) = value else {
        return Ok(default.to_owned());
    };
    if !value.is_empty() && css_color(value, "") == value {
        Ok(value.to_owned())
    } else {
        Err(TenancyError::invalid(
            field,
            "must be a CSS hex colour such as #1d4ed8",
        ))
    }
}

/// `scheme://host[:port]` of an http(s) URL that is nothing but an origin.
fn origin(value: &str) -> Option<String> {
    let url = url::Url::parse(value.trim()).ok()?;
    let bare = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    bare.then(|| url.origin().ascii_serialization())
}

/// The body's fields, checked.
fn fields(body: &FamilyBody) -> Result<FamilyFields, TenancyError> {
    let logo_url = match body.logo_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(logo) => {
            let ok = logo.len() <= 500
                && url::Url::parse(logo).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !ok {
                return Err(TenancyError::invalid(
                    "logo_url",
                    "must be an http(s) URL of at most 500 characters",
                ));
            }
            Some(logo.to_owned())
        }
    };
    let sender = body.sender.trim();
    if sender.chars().count() > 400 || sender.parse::<Mailbox>().is_err() {
        return Err(TenancyError::invalid(
            "sender",
            "must be an email address or Name <address>",
        ));
    }
    if body.allowed_origins.len() > MAX_ORIGINS {
        return Err(TenancyError::invalid(
            "allowed_origins",
            format!("at most {MAX_ORIGINS} origins"),
        ));
    }
    let mut allowed_origins = Vec::new();
    for value in &body.allowed_origins {
        let Some(origin) = origin(value) else {
            return Err(TenancyError::invalid(
                "allowed_origins",
                format!("{value:?} is not an origin such as https://app.example.com"),
            ));
        };
        if !allowed_origins.contains(&origin) {
            allowed_origins.push(origin);
        }
    }
    Ok(FamilyFields {
        name: name("name", &body.name, 200)?,
        primary_color: color("primary_color", body.primary_color.as_deref(), "#0f766e")?,
        background_color: color(
            "background_color",
            body.background_color.as_deref(),
            "#f8fafc",
        )?,
        logo_url,
        sender: sender.to_owned(),
        allowed_origins,
    })
}

/// Makes a family (platform admins).
///
/// # Errors
/// 403 for anyone else, 422 for bad fields.
pub async fn create(ctx: &Ctx<'_>, body: &FamilyBody) -> Result<FamilyResponse, TenancyError> {
    ctx.require_platform_admin()?;
    let fields = fields(body)?;
    let txn = ctx.write().await?;
    let family = store::families::insert(&*txn, fields, ctx.now()).await?;
    let wire = response(&family, &[]);
    txn.audit(audit::Entry {
        after: serde_json::to_value(&wire).ok(),
        ..entry(ctx, "family.create", "product_family", family.id)
    })
    .await?;
    txn.commit().await?;
    Ok(wire)
}

/// Replaces a family's brand and origins (platform admins).
///
/// # Errors
/// 403, 404 for an unknown family, 422 for bad fields.
pub async fn update(
    ctx: &Ctx<'_>,
    id: Uuid,
    body: &FamilyBody,
) -> Result<FamilyResponse, TenancyError> {
    ctx.require_platform_admin()?;
    let fields = fields(body)?;
    let current = store::families::find(&ctx.state.db, id)
        .await?
        .ok_or(TenancyError::NotFound)?;
    let products = store::families::products_of(&ctx.state.db, [id]).await?;
    let before = response(&current, &products);
    let txn = ctx.write().await?;
    let family = store::families::update(&*txn, current, fields, ctx.now()).await?;
    let wire = response(&family, &products);
    txn.audit(audit::Entry {
        before: serde_json::to_value(&before).ok(),
        after: serde_json::to_value(&wire).ok(),
        ..entry(ctx, "family.update", "product_family", id)
    })
    .await?;
    txn.commit().await?;
    Ok(wire)
}

/// Every family with its products (platform admins).
///
/// # Errors
/// 403; database failures.
pub async fn list(ctx: &Ctx<'_>) -> Result<Vec<FamilyResponse>, TenancyError> {
    ctx.require_platform_admin()?;
    let families = store::families::list(&ctx.state.db).await?;
    let products =
        store::families::products_of(&ctx.state.db, families.iter().map(|f| f.id)).await?;
    Ok(families.iter().map(|f| response(f, &products)).collect())
}

/// Marks the product as having simple-auth customers, in `family` (or, with `None`, takes
/// the mark away). Answers the family the product was put in or taken out of.
///
/// # Errors
/// 403; 404 for an unknown product or family; database failures.
pub async fn set_simple_auth(
    ctx: &Ctx<'_>,
    product: Uuid,
    family: Option<Uuid>,
) -> Result<Option<FamilyResponse>, TenancyError> {
    ctx.require_platform_admin()?;
    let current = particle_product::Entity::find_by_id(product)
        .one(&ctx.state.db)
        .await?
        .ok_or(TenancyError::NotFound)?;
    let shown = family.or(current.family_id);
    let target = match family {
        Some(id) => Some(
            store::families::find(&ctx.state.db, id)
                .await?
                .ok_or(TenancyError::NotFound)?,
        ),
        None => None,
    };
    let mut txn = ctx.write().await?;
    store::families::set_product_family(&*txn, product, family, ctx.now()).await?;
    txn.audit(audit::Entry {
        before: Some(serde_json::json!({ "family": current.family_id })),
        after: Some(serde_json::json!({ "family": family })),
        ..entry(ctx, "product.simple_auth", "product", product)
    })
    .await?;
    // The product's cached row goes on every instance.
    txn.change(Change::Product {
        id: product,
        actions: Vec::new(),
    });
    txn.commit().await?;
    let Some(shown) = shown else {
        return Ok(None);
    };
    let family = match target {
        Some(family) => family,
        None => store::families::find(&ctx.state.db, shown)
            .await?
            .ok_or(TenancyError::NotFound)?,
    };
    let products = store::families::products_of(&ctx.state.db, [shown]).await?;
    Ok(Some(response(&family, &products)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_http_origins_are_taken_and_they_are_normalised() {
        assert_eq!(
            origin("https://App.Acme.example"),
            Some("https://app.acme.example".to_owned())
        );
        assert_eq!(
            origin("http://localhost:5173"),
            Some("http://localhost:5173".to_owned())
        );
        assert_eq!(origin("https://app.acme.example/login"), None);
        assert_eq!(origin("https://app.acme.example?x=1"), None);
        assert_eq!(origin("ftp://acme.example"), None);
        assert_eq!(origin("*"), None);
    }
}
