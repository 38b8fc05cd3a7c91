//! A fresh database for each test: a temporary SQLite file by default, or a new PostgreSQL
//! database on the server named by `FW_TEST_DATABASE_URL`, dropped again when the test ends.
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// One test's own database. Dropping it deletes the SQLite file or drops the PostgreSQL database.
pub struct TestDb {
    /// A connection to the fresh database.
    pub conn: DatabaseConnection,
    /// The URL a server under test should use.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[expect(dead_code, reason = "held for its Drop")] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another handle on a database some other `TestDb` owns.
    Borrowed,
}

impl TestDb {
    /// A fresh, empty database (no tables).
    pub async fn fresh() -> TestDb {
        match std::env::var("FW_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => Self::postgres(admin_url).await,
            _ => Self::sqlite().await,
        }
    }

    /// A fresh database with every migration applied.
    pub async fn migrated() -> TestDb {
        let db = Self::fresh().await;
        #[expect(clippy::expect_used, reason = "test set-up")]
        Migrator::up(&db.conn, None)
            .await
            .expect("migrations apply");
        db
    }

    /// A second handle on this database, which stays owned (and is removed) by `self`.
    pub async fn shared(&self) -> TestDb {
        #[expect(clippy::expect_used, reason = "test set-up")]
        let conn = Database::connect(&self.url)
            .await
            .expect("connect the shared database");
        TestDb {
            conn,
            url: self.url.clone(),
            cleanup: Cleanup::Borrowed,
        }
    }

    async fn sqlite() -> TestDb {
        #[expect(clippy::expect_used, reason = "test set-up")]
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("fw.db").display());
        #[expect(clippy::expect_used, reason = "test set-up")]
        let conn = Database::connect(&url).await.expect("open sqlite");
        TestDb {
            conn,
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    async fn postgres(admin_url: String) -> TestDb {
        let name = format!("fw_test_{}", uuid::Uuid::now_v7().simple());
        #[expect(clippy::expect_used, reason = "test set-up")]
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect FW_TEST_DATABASE_URL");
        #[expect(clippy::expect_used, reason = "test set-up")]
        admin
            .execute_raw(Statement::from_string(
                admin.get_database_backend(),
                format!("CREATE DATABASE \"{name}\""),
            ))
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let url = replace_db_name(&admin_url, &name);
        #[expect(clippy::expect_used, reason = "test set-up")]
        let conn = Database::connect(&url)
            .await
            .expect("connect test database");
        TestDb {
            conn,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

/// Swaps the database name in a PostgreSQL URL, keeping user, host and query.
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part_end = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_part_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a fresh thread with its own runtime can
            // block on the DROP without stalling it. FORCE ends connections a server left open.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_raw(Statement::from_string(
                                admin.get_database_backend(),
                                format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_db_name;

    #[test]
    fn swaps_only_the_database_name() {
        assert_eq!(
            replace_db_name("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_db_name("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(replace_db_name("postgres://h:1", "x"), "postgres://h:1/x");
    }
}
