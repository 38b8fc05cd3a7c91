//! Platform administrators: made from the command line (the first one) through the same write
//! path as every change, so a running server's index learns of them from the change log.
use crate::changes::{Change, Writer};
use crate::domain::email::Email;
use crate::{audit, store};

/// Why an administrator could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAdminError {
    /// Someone already has this email.
    #[error("a user with email {0} already exists")]
    Exists(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

/// Creates a platform administrator with an already hashed password.
///
/// # Errors
/// The email is taken; database failures.
pub async fn create(
    writer: &Writer,
    email: &Email,
    display_name: &str,
    password_hash: String,
) -> Result<entity::user::Model, CreateAdminError> {
    let mut txn = writer.begin().await?;
    if store::users::find_by_email(&*txn, email).await?.is_some() {
        return Err(CreateAdminError::Exists(email.display.clone()));
    }
    let user = store::users::insert(
        &*txn,
        store::users::NewUser {
            email,
            display_name,
            password_hash: Some(password_hash),
            is_platform_admin: true,
        },
    )
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            CreateAdminError::Exists(email.display.clone())
        }
        _ => e.into(),
    })?;
    txn.audit(audit::Entry {
        action: "user.create_admin",
        target_kind: "user",
        target_id: Some(user.id.to_string()),
        after: Some(serde_json::json!({ "email": user.email, "is_platform_admin": true })),
        ..Default::default()
    })
    .await?;
    txn.change(Change::PlatformAdmin {
        user: user.id,
        admin: true,
    });
    txn.commit().await?;
    Ok(user)
}
