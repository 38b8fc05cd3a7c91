//! Products and their function catalogs, kept in memory: every device call needs both, and
//! they change only when an operator edits them. The change log's `Product` entry, applied on
//! every instance, forgets the entry; a read that raced that forget is not kept.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use entity::enums::CatalogKind;
use entity::{catalog_entry, particle_product};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// A product with its catalog.
#[derive(Debug)]
pub struct CachedProduct {
    /// The product (its secret still sealed).
    pub product: particle_product::Model,
    /// Its functions and variables.
    pub entries: Vec<catalog_entry::Model>,
}

impl CachedProduct {
    /// The catalog entry for `name` of `kind`, if listed.
    pub fn entry(&self, kind: CatalogKind, name: &str) -> Option<&catalog_entry::Model> {
        self.entries
            .iter()
            .find(|e| e.kind == kind && e.name == name)
    }
}

/// Loaded on first use, forgotten on change.
#[derive(Debug, Default)]
pub struct ProductCache {
    products: RwLock<HashMap<Uuid, Arc<CachedProduct>>>,
    /// Bumped by every forget: a read that started before one is not remembered.
    generation: AtomicU64,
}

impl ProductCache {
    /// The product `id` with its catalog, from memory or else the database.
    ///
    /// # Errors
    /// Database failures.
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<Option<Arc<CachedProduct>>, DbErr> {
        let cached = self
            .products
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        if let Some(found) = cached {
            return Ok(Some(found));
        }
        let generation = self.generation.load(Ordering::Acquire);
        let Some(product) = particle_product::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let entries = catalog_entry::Entity::find()
            .filter(catalog_entry::Column::ProductId.eq(id))
            .all(db)
            .await?;
        let loaded = Arc::new(CachedProduct { product, entries });
        let mut products = self
            .products
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) == generation {
            products.insert(id, loaded.clone());
        }
        Ok(Some(loaded))
    }

    /// Drops `id`, after its row or catalog changed (the next call reloads it).
    pub fn forget(&self, id: Uuid) {
        let mut products = self
            .products
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        products.remove(&id);
    }

    /// Forgets everything (the index was rebuilt from the tables).
    pub fn clear(&self) {
        let mut products = self
            .products
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        products.clear();
    }
}
