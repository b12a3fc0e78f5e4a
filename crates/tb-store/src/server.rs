//! The multi-user server's tables: accounts, API tokens and sessions (only
//! hashes of their secrets), tenders with their files, vendors'
//! registrations, and which run belongs to which tender. Written once for
//! both backends, like the run tables (`queries.rs`).

use crate::{Backend, Result, Store, StoreError, q};

/// An account. `vendor` is the bidder's name in the tender specs, for the vendor role.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UserRecord {
    pub name: String,
    pub role: String,
    pub vendor: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: String,
}

/// A browser session: the SHA-256 of its cookie, its CSRF token, and when it ends (Unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub token_sha256: String,
    pub user_name: String,
    pub csrf: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TenderRecord {
    pub id: String,
    pub title: String,
    pub spec_toml: String,
    pub created_by: String,
    pub created_at: String,
}

/// A vendor's endpoint, model and price for one tender.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Registration {
    pub tender_id: String,
    pub vendor: String,
    pub base_url: String,
    pub model: String,
    pub bid_price: f64,
    pub created_at: String,
}

/// What a run started from the server is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// The tender's run that decides: every registered bidder, blind.
    Official,
    /// One bidder's rehearsal on the public suites.
    Practice,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Official => "official",
            RunKind::Practice => "practice",
        }
    }

    /// The kind a stored name means.
    pub fn parse(name: &str) -> Option<RunKind> {
        [RunKind::Official, RunKind::Practice].into_iter().find(|k| k.as_str() == name)
    }
}

/// A run started from the server: the tender it belongs to, its kind, and
/// how it was started.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TenderRun {
    pub run_id: String,
    pub tender_id: String,
    pub kind: RunKind,
    pub vendor: Option<String>,
    pub started_by: String,
    pub options_json: String,
    pub created_at: String,
}

/// A filter over a run's cells, for the transcript browser.
#[derive(Debug, Clone, Default)]
pub struct CellFilter {
    pub vendor: Option<String>,
    pub suite: Option<String>,
    /// A substring of the case id or of the answer.
    pub search: Option<String>,
    pub failed_only: bool,
    /// Suites whose cells are left out (a sealed suite, for a vendor).
    pub exclude_suites: Vec<String>,
    pub limit: u32,
    pub offset: u32,
}

macro_rules! server_queries {
    ($module:ident, $db:ty, $row:ty, $collate:literal) => {
        pub(crate) mod $module {
            use sqlx::Row;

            use super::*;
            use crate::CellRecord;

            type Pool = sqlx::Pool<$db>;

            fn user_from_row(row: &$row) -> Result<UserRecord> {
                let get = |e| StoreError::Corrupt(format!("user row: {e}"));
                Ok(UserRecord {
                    name: row.try_get("name").map_err(get)?,
                    role: row.try_get("role").map_err(get)?,
                    vendor: row.try_get("vendor").map_err(get)?,
                    password_hash: row.try_get("password_hash").map_err(get)?,
                    created_at: row.try_get("created_at").map_err(get)?,
                })
            }

            pub async fn create_user(pool: &Pool, u: &UserRecord) -> Result<bool> {
                let r = sqlx::query(
                    "INSERT INTO users (name, role, vendor, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(&u.name)
                .bind(&u.role)
                .bind(&u.vendor)
                .bind(&u.password_hash)
                .bind(&u.created_at)
                .execute(pool)
                .await
                .map_err(q("create user"))?;
                Ok(r.rows_affected() == 1)
            }

            pub async fn set_password(pool: &Pool, name: &str, hash: &str) -> Result<bool> {
                let r = sqlx::query("UPDATE users SET password_hash = $1 WHERE name = $2")
                    .bind(hash)
                    .bind(name)
                    .execute(pool)
                    .await
                    .map_err(q("set password"))?;
                Ok(r.rows_affected() == 1)
            }

            pub async fn user(pool: &Pool, name: &str) -> Result<Option<UserRecord>> {
                let row = sqlx::query("SELECT * FROM users WHERE name = $1")
                    .bind(name)
                    .fetch_optional(pool)
                    .await
                    .map_err(q("read user"))?;
                row.as_ref().map(user_from_row).transpose()
            }

            pub async fn users(pool: &Pool) -> Result<Vec<UserRecord>> {
                let rows = sqlx::query(concat!("SELECT * FROM users ORDER BY name", $collate))
                    .fetch_all(pool)
                    .await
                    .map_err(q("list users"))?;
                rows.iter().map(user_from_row).collect()
            }

            pub async fn create_token(pool: &Pool, sha256: &str, user: &str, label: &str) -> Result<()> {
                sqlx::query(
                    "INSERT INTO api_tokens (token_sha256, user_name, label, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(sha256)
                .bind(user)
                .bind(label)
                .bind(crate::now_rfc3339())
                .execute(pool)
                .await
                .map_err(q("create API token"))?;
                Ok(())
            }

            pub async fn token_user(pool: &Pool, sha256: &str) -> Result<Option<UserRecord>> {
                let row = sqlx::query(
                    "SELECT users.* FROM api_tokens JOIN users ON users.name = api_tokens.user_name \
                     WHERE api_tokens.token_sha256 = $1",
                )
                .bind(sha256)
                .fetch_optional(pool)
                .await
                .map_err(q("read API token"))?;
                row.as_ref().map(user_from_row).transpose()
            }

            pub async fn create_session(pool: &Pool, s: &SessionRecord) -> Result<()> {
                sqlx::query("INSERT INTO sessions (token_sha256, user_name, csrf, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(&s.token_sha256)
                    .bind(&s.user_name)
                    .bind(&s.csrf)
                    .bind(s.expires_at)
                    .execute(pool)
                    .await
                    .map_err(q("create session"))?;
                Ok(())
            }

            pub async fn session(pool: &Pool, sha256: &str, now: i64) -> Result<Option<(SessionRecord, UserRecord)>> {
                let row = sqlx::query(
                    "SELECT sessions.csrf, sessions.expires_at, users.* FROM sessions \
                     JOIN users ON users.name = sessions.user_name \
                     WHERE sessions.token_sha256 = $1 AND sessions.expires_at > $2",
                )
                .bind(sha256)
                .bind(now)
                .fetch_optional(pool)
                .await
                .map_err(q("read session"))?;
                let Some(row) = row else { return Ok(None) };
                let get = |e| StoreError::Corrupt(format!("session row: {e}"));
                let user = user_from_row(&row)?;
                let session = SessionRecord {
                    token_sha256: sha256.to_string(),
                    user_name: user.name.clone(),
                    csrf: row.try_get("csrf").map_err(get)?,
                    expires_at: row.try_get("expires_at").map_err(get)?,
                };
                Ok(Some((session, user)))
            }

            pub async fn delete_session(pool: &Pool, sha256: &str, now: i64) -> Result<()> {
                // Expired sessions go too, so the table does not grow without bound.
                sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1 OR expires_at <= $2")
                    .bind(sha256)
                    .bind(now)
                    .execute(pool)
                    .await
                    .map_err(q("delete session"))?;
                Ok(())
            }

            fn tender_from_row(row: &$row) -> Result<TenderRecord> {
                let get = |e| StoreError::Corrupt(format!("tender row: {e}"));
                Ok(TenderRecord {
                    id: row.try_get("id").map_err(get)?,
                    title: row.try_get("title").map_err(get)?,
                    spec_toml: row.try_get("spec_toml").map_err(get)?,
                    created_by: row.try_get("created_by").map_err(get)?,
                    created_at: row.try_get("created_at").map_err(get)?,
                })
            }

            pub async fn create_tender(pool: &Pool, t: &TenderRecord, files: &[(String, Vec<u8>)]) -> Result<bool> {
                let mut tx = pool.begin().await.map_err(q("begin"))?;
                let r = sqlx::query(
                    "INSERT INTO tenders (id, title, spec_toml, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(&t.id)
                .bind(&t.title)
                .bind(&t.spec_toml)
                .bind(&t.created_by)
                .bind(&t.created_at)
                .execute(&mut *tx)
                .await
                .map_err(q("create tender"))?;
                if r.rows_affected() == 0 {
                    return Ok(false);
                }
                for (path, content) in files {
                    sqlx::query("INSERT INTO tender_files (tender_id, path, content) VALUES ($1, $2, $3)")
                        .bind(&t.id)
                        .bind(path)
                        .bind(content)
                        .execute(&mut *tx)
                        .await
                        .map_err(q("store tender file"))?;
                }
                tx.commit().await.map_err(q("commit tender"))?;
                Ok(true)
            }

            pub async fn tender(pool: &Pool, id: &str) -> Result<Option<TenderRecord>> {
                let row = sqlx::query("SELECT * FROM tenders WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await
                    .map_err(q("read tender"))?;
                row.as_ref().map(tender_from_row).transpose()
            }

            pub async fn tenders(pool: &Pool) -> Result<Vec<TenderRecord>> {
                let rows = sqlx::query(concat!("SELECT * FROM tenders ORDER BY created_at DESC, id", $collate))
                    .fetch_all(pool)
                    .await
                    .map_err(q("list tenders"))?;
                rows.iter().map(tender_from_row).collect()
            }

            pub async fn tender_files(pool: &Pool, id: &str) -> Result<Vec<(String, Vec<u8>)>> {
                let rows = sqlx::query(concat!(
                    "SELECT path, content FROM tender_files WHERE tender_id = $1 ORDER BY path",
                    $collate
                ))
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(q("read tender files"))?;
                rows.iter()
                    .map(|r| Ok((r.try_get(0).map_err(q("decode file"))?, r.try_get(1).map_err(q("decode file"))?)))
                    .collect()
            }

            fn registration_from_row(row: &$row) -> Result<Registration> {
                let get = |e| StoreError::Corrupt(format!("registration row: {e}"));
                Ok(Registration {
                    tender_id: row.try_get("tender_id").map_err(get)?,
                    vendor: row.try_get("vendor").map_err(get)?,
                    base_url: row.try_get("base_url").map_err(get)?,
                    model: row.try_get("model").map_err(get)?,
                    bid_price: row.try_get("bid_price").map_err(get)?,
                    created_at: row.try_get("created_at").map_err(get)?,
                })
            }

            pub async fn register(pool: &Pool, r: &Registration) -> Result<()> {
                sqlx::query(
                    "INSERT INTO registrations (tender_id, vendor, base_url, model, bid_price, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tender_id, vendor) DO UPDATE SET \
                     base_url = excluded.base_url, model = excluded.model, bid_price = excluded.bid_price, \
                     created_at = excluded.created_at",
                )
                .bind(&r.tender_id)
                .bind(&r.vendor)
                .bind(&r.base_url)
                .bind(&r.model)
                .bind(r.bid_price)
                .bind(&r.created_at)
                .execute(pool)
                .await
                .map_err(q("register vendor"))?;
                Ok(())
            }

            pub async fn registrations(pool: &Pool, tender: &str) -> Result<Vec<Registration>> {
                let rows =
                    sqlx::query(concat!("SELECT * FROM registrations WHERE tender_id = $1 ORDER BY vendor", $collate))
                        .bind(tender)
                        .fetch_all(pool)
                        .await
                        .map_err(q("list registrations"))?;
                rows.iter().map(registration_from_row).collect()
            }

            fn tender_run_from_row(row: &$row) -> Result<TenderRun> {
                let get = |e| StoreError::Corrupt(format!("tender run row: {e}"));
                Ok(TenderRun {
                    run_id: row.try_get("run_id").map_err(get)?,
                    tender_id: row.try_get("tender_id").map_err(get)?,
                    kind: {
                        let name: String = row.try_get("kind").map_err(get)?;
                        RunKind::parse(&name)
                            .ok_or_else(|| StoreError::Corrupt(format!("tender run row: unknown kind {name:?}")))?
                    },
                    vendor: row.try_get("vendor").map_err(get)?,
                    started_by: row.try_get("started_by").map_err(get)?,
                    options_json: row.try_get("options_json").map_err(get)?,
                    created_at: row.try_get("created_at").map_err(get)?,
                })
            }

            pub async fn add_tender_run(pool: &Pool, r: &TenderRun) -> Result<()> {
                sqlx::query(
                    "INSERT INTO tender_runs (run_id, tender_id, kind, vendor, started_by, options_json, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&r.run_id)
                .bind(&r.tender_id)
                .bind(r.kind.as_str())
                .bind(&r.vendor)
                .bind(&r.started_by)
                .bind(&r.options_json)
                .bind(&r.created_at)
                .execute(pool)
                .await
                .map_err(q("record tender run"))?;
                Ok(())
            }

            pub async fn tender_run(pool: &Pool, run_id: &str) -> Result<Option<TenderRun>> {
                let row = sqlx::query("SELECT * FROM tender_runs WHERE run_id = $1")
                    .bind(run_id)
                    .fetch_optional(pool)
                    .await
                    .map_err(q("read tender run"))?;
                row.as_ref().map(tender_run_from_row).transpose()
            }

            pub async fn tender_runs(pool: &Pool, tender: &str) -> Result<Vec<TenderRun>> {
                let rows = sqlx::query(concat!(
                    "SELECT * FROM tender_runs WHERE tender_id = $1 ORDER BY created_at DESC, run_id",
                    $collate
                ))
                .bind(tender)
                .fetch_all(pool)
                .await
                .map_err(q("list tender runs"))?;
                rows.iter().map(tender_run_from_row).collect()
            }

            pub async fn cells_per_vendor(pool: &Pool, run_id: &str) -> Result<Vec<(String, u64, u64)>> {
                let rows = sqlx::query(concat!(
                    "SELECT vendor, COUNT(*), SUM(CASE WHEN cause IS NULL THEN 0 ELSE 1 END) FROM cells \
                     WHERE run_id = $1 AND substr(suite, 1, 5) <> 'load:' GROUP BY vendor ORDER BY vendor",
                    $collate
                ))
                .bind(run_id)
                .fetch_all(pool)
                .await
                .map_err(q("count cells per vendor"))?;
                rows.iter()
                    .map(|r| {
                        let n: i64 = r.try_get(1).map_err(q("decode count"))?;
                        let failed: Option<i64> = r.try_get(2).map_err(q("decode count"))?;
                        Ok((r.try_get(0).map_err(q("decode count"))?, n as u64, failed.unwrap_or(0) as u64))
                    })
                    .collect()
            }

            pub async fn cell_page(pool: &Pool, run_id: &str, f: &CellFilter) -> Result<Vec<CellRecord>> {
                let mut b = sqlx::QueryBuilder::<$db>::new("SELECT * FROM cells WHERE run_id = ");
                b.push_bind(run_id.to_string());
                if let Some(v) = &f.vendor {
                    b.push(" AND vendor = ").push_bind(v.clone());
                }
                if let Some(s) = &f.suite {
                    b.push(" AND suite = ").push_bind(s.clone());
                }
                if let Some(text) = &f.search {
                    let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
                    b.push(" AND (case_id LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\' OR answer LIKE ");
                    b.push_bind(pattern).push(" ESCAPE '\\')");
                }
                if f.failed_only {
                    b.push(" AND cause IS NOT NULL");
                }
                for suite in &f.exclude_suites {
                    b.push(" AND suite <> ").push_bind(suite.clone());
                }
                b.push(concat!(
                    " ORDER BY suite",
                    $collate,
                    ", seq, case_id",
                    $collate,
                    ", vendor",
                    $collate,
                    ", repeat LIMIT "
                ));
                b.push_bind(i64::from(f.limit)).push(" OFFSET ").push_bind(i64::from(f.offset));
                let rows = b.build().fetch_all(pool).await.map_err(q("read cells"))?;
                rows.iter().map(crate::queries::$module::cell_from_row).collect()
            }

            pub async fn case_cells(pool: &Pool, run_id: &str, suite: &str, case_id: &str) -> Result<Vec<CellRecord>> {
                let rows = sqlx::query(concat!(
                    "SELECT * FROM cells WHERE run_id = $1 AND suite = $2 AND case_id = $3 ORDER BY vendor",
                    $collate,
                    ", repeat"
                ))
                .bind(run_id)
                .bind(suite)
                .bind(case_id)
                .fetch_all(pool)
                .await
                .map_err(q("read case cells"))?;
                rows.iter().map(crate::queries::$module::cell_from_row).collect()
            }
        }
    };
}

server_queries!(sqlite, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "");
server_queries!(postgres, sqlx::Postgres, sqlx::postgres::PgRow, " COLLATE \"C\"");

/// Runs the same query function of this module on whichever backend the store has.
macro_rules! on_server_backend {
    ($store:expr, $f:ident ( $($arg:expr),* )) => {
        match &$store.backend {
            Backend::Sqlite(p) => sqlite::$f(p, $($arg),*).await,
            Backend::Postgres(p) => postgres::$f(p, $($arg),*).await,
        }
    };
}

impl Store {
    /// Creates an account; false when the name is taken.
    pub async fn create_user(&self, u: &UserRecord) -> Result<bool> {
        on_server_backend!(self, create_user(u))
    }

    /// Replaces an account's password hash; false when there is no such account.
    pub async fn set_password(&self, name: &str, hash: &str) -> Result<bool> {
        on_server_backend!(self, set_password(name, hash))
    }

    pub async fn user(&self, name: &str) -> Result<Option<UserRecord>> {
        on_server_backend!(self, user(name))
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>> {
        on_server_backend!(self, users())
    }

    /// Stores an API token by its SHA-256 (the token itself is shown once, never stored).
    pub async fn create_token(&self, sha256: &str, user: &str, label: &str) -> Result<()> {
        on_server_backend!(self, create_token(sha256, user, label))
    }

    /// The account an API token (given by its SHA-256) belongs to.
    pub async fn token_user(&self, sha256: &str) -> Result<Option<UserRecord>> {
        on_server_backend!(self, token_user(sha256))
    }

    pub async fn create_session(&self, s: &SessionRecord) -> Result<()> {
        on_server_backend!(self, create_session(s))
    }

    /// A session that has not expired at `now` (Unix seconds), with its account.
    pub async fn session(&self, sha256: &str, now: i64) -> Result<Option<(SessionRecord, UserRecord)>> {
        on_server_backend!(self, session(sha256, now))
    }

    /// Ends a session (and removes every expired one).
    pub async fn delete_session(&self, sha256: &str, now: i64) -> Result<()> {
        on_server_backend!(self, delete_session(sha256, now))
    }

    /// Stores a tender and its files in one transaction; false when its id is taken.
    pub async fn create_tender(&self, t: &TenderRecord, files: &[(String, Vec<u8>)]) -> Result<bool> {
        on_server_backend!(self, create_tender(t, files))
    }

    pub async fn tender(&self, id: &str) -> Result<Option<TenderRecord>> {
        on_server_backend!(self, tender(id))
    }

    /// Every tender, newest first.
    pub async fn tenders(&self) -> Result<Vec<TenderRecord>> {
        on_server_backend!(self, tenders())
    }

    /// A tender's files (suites, READMEs), by path relative to its spec.
    pub async fn tender_files(&self, id: &str) -> Result<Vec<(String, Vec<u8>)>> {
        on_server_backend!(self, tender_files(id))
    }

    /// Records (or replaces) a vendor's registration for a tender.
    pub async fn register(&self, r: &Registration) -> Result<()> {
        on_server_backend!(self, register(r))
    }

    pub async fn registrations(&self, tender: &str) -> Result<Vec<Registration>> {
        on_server_backend!(self, registrations(tender))
    }

    pub async fn add_tender_run(&self, r: &TenderRun) -> Result<()> {
        on_server_backend!(self, add_tender_run(r))
    }

    pub async fn tender_run(&self, run_id: &str) -> Result<Option<TenderRun>> {
        on_server_backend!(self, tender_run(run_id))
    }

    /// A tender's runs, newest first.
    pub async fn tender_runs(&self, tender: &str) -> Result<Vec<TenderRun>> {
        on_server_backend!(self, tender_runs(tender))
    }

    /// Per vendor: cells stored and how many of them failed (load stages apart).
    pub async fn cells_per_vendor(&self, run_id: &str) -> Result<Vec<(String, u64, u64)>> {
        on_server_backend!(self, cells_per_vendor(run_id))
    }

    /// One page of a run's cells, filtered, in case order.
    pub async fn cell_page(&self, run_id: &str, filter: &CellFilter) -> Result<Vec<crate::CellRecord>> {
        on_server_backend!(self, cell_page(run_id, filter))
    }

    /// Every vendor's cells of one case (the side-by-side view).
    pub async fn case_cells(&self, run_id: &str, suite: &str, case_id: &str) -> Result<Vec<crate::CellRecord>> {
        on_server_backend!(self, case_cells(run_id, suite, case_id))
    }
}
