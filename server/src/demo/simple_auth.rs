//! The demo's simple-auth side: the pump controller has a cellular variant on the simulated
//! cloud, and both are one family, "Fleetwarden Pumps", whose customers reset their passwords
//! through Fleetwarden. A customer of both products is made at every start, since the
//! simulator keeps nothing between runs.
use chrono::Utc;
use uuid::Uuid;

use super::register;
use crate::changes::{Change, Writer};
use crate::particle::secret_box::SecretBox;
use crate::particle::simulator::SimulatorHandle;
use crate::store;
use crate::store::families::FamilyFields;

/// The family's name.
const FAMILY: &str = "Fleetwarden Pumps";
/// A customer of both products (the README's curl example resets this one's password).
pub const DEMO_CUSTOMER: &str = "owner@pumps.example";
/// Its password at each start, until reset.
pub const DEMO_CUSTOMER_PASSWORD: &str = "demo pump owner 1";

/// Registers the cellular product, puts it and the Wi-Fi one (`wifi`) in the family (made on
/// the first start, with `sender` as its From), and signs the demo customer up to both.
///
/// # Errors
/// Database failures.
pub async fn simple_auth_family(
    writer: &Writer,
    sim: &SimulatorHandle,
    secrets: &SecretBox,
    wifi: Uuid,
    sender: &str,
) -> anyhow::Result<()> {
    let Some(cell_product) = sim.more_products.first() else {
        return Ok(());
    };
    let cell = register(
        writer,
        &sim.base_url,
        cell_product,
        "Pump controller (cellular)",
        secrets,
    )
    .await?;
    let now = Utc::now();
    let mut txn = writer.begin().await?;
    let family = match store::families::list(&*txn)
        .await?
        .into_iter()
        .find(|f| f.name == FAMILY)
    {
        Some(family) => family,
        None => {
            let fields = FamilyFields {
                name: FAMILY.to_owned(),
                primary_color: "#0f766e".to_owned(),
                background_color: "#f8fafc".to_owned(),
                logo_url: None,
                sender: sender.to_owned(),
                allowed_origins: vec!["http://localhost:5173".to_owned()],
            };
            store::families::insert(&*txn, fields, now).await?
        }
    };
    for product in [wifi, cell] {
        store::families::set_product_family(&*txn, product, Some(family.id), now).await?;
        txn.change(Change::Product {
            id: product,
            actions: Vec::new(),
        });
    }
    txn.commit().await?;
    for product in [sim.product_id, cell_product.id] {
        sim.add_customer(product, DEMO_CUSTOMER, DEMO_CUSTOMER_PASSWORD);
    }
    Ok(())
}
