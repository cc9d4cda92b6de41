//! The database: SQLite embedded by default, PostgreSQL when `DATABASE_URL` names one.
//!
//! One set of portable SQL statements serves both (sqlx's `Any` driver, `$n` parameters), so
//! both pass the same test suite. Every request is one transaction; nothing is cached in the
//! process, so any number of servers can share one PostgreSQL.

use crate::consent::{carries, grants_nothing, ConsentHistory, Judge};
use crate::model::{
    Batch, BatchOutcome, Cart, Channel, ConsentState, Decision, Event, HandoffOut, Intent,
    IntentIn, Interest, LiveCart, Payload, Purpose, PurposeConsent,
};
use concierge_protocol::consent::Unlocked;
use concierge_protocol::documents::Policy;
use concierge_protocol::names::Feature;
use sha2::{Digest, Sha256};
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};
use std::path::Path;
use subtle::ConstantTimeEq;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the secret does not match this visitor")]
    WrongSecret,
    #[error("this visitor id was erased; the agent needs a new identity to send again")]
    Erased,
    #[error("stored data is damaged: {0}")]
    Damaged(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How long an erased id is remembered by default: 30 days.
pub const DEFAULT_TOMBSTONE_RETENTION_MS: i64 = 30 * 24 * 60 * 60 * 1000;

#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// How long an erased visitor id is remembered, so its late batches are refused.
    tombstone_retention_ms: i64,
}

/// Compared against when a visitor is unknown, so that case costs what a wrong secret costs;
/// no secret hashes to it (it is not a SHA-256 output's hex of any known input, and has the
/// same length as one).
const UNKNOWN_SECRET_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// Hex SHA-256, for secrets and tokens that are kept only as hashes.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two hashes in time independent of where they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

impl Db {
    /// The embedded database file under `data_dir`.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("concierge.db").display())
    }

    /// Connects, prepares the connection and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        install_default_drivers();
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Writers queue for each other instead of failing at once.
                        connection.execute("PRAGMA busy_timeout = 5000").await?;
                        connection.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        MIGRATOR.run(&pool).await?;
        Ok(Db { pool, backend, tombstone_retention_ms: DEFAULT_TOMBSTONE_RETENTION_MS })
    }

    /// The same database, remembering erased ids for `retention_ms`.
    pub fn with_tombstone_retention(mut self, retention_ms: i64) -> Db {
        self.tombstone_retention_ms = retention_ms.max(0);
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Stores a batch once, keeping only what the visitor's consent covers.
    ///
    /// Consent choices are applied in the order of their time stamps, whatever order they
    /// arrive in (see [`crate::consent`]); an event is kept only when both the choice in force
    /// at its stamp and the current one grant its purpose. A choice that grants nothing erases
    /// the identity and leaves a tombstone, after which batches for it are [`DbError::Erased`].
    pub async fn ingest(&self, batch: &Batch, now: i64) -> Result<BatchOutcome, DbError> {
        let mut tx = self.pool.begin().await?;
        // Writing first takes SQLite's write lock at once (waiting under busy_timeout); a read
        // first would have to upgrade later, which SQLite refuses under contention. The insert
        // also tells a new batch from a replay in one step.
        let claimed = sqlx::query(
            "INSERT INTO batches (batch_key, visitor_id, accepted, duplicates, refused, received_at) \
             VALUES ($1, $2, 0, 0, 0, $3) ON CONFLICT (batch_key) DO NOTHING",
        )
        .bind(&batch.batch_key)
        .bind(&batch.visitor_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            let row = sqlx::query("SELECT visitor_id, accepted, duplicates, refused FROM batches WHERE batch_key = $1")
                .bind(&batch.batch_key)
                .fetch_one(&mut *tx)
                .await?;
            if row.try_get::<String, _>("visitor_id")? != batch.visitor_id {
                return Err(DbError::WrongSecret);
            }
            return Ok(BatchOutcome {
                accepted: count(&row, "accepted")?,
                duplicates: count(&row, "duplicates")?,
                refused: count(&row, "refused")?,
                replayed: true,
                cart_code_taken: false,
            });
        }

        // Locks the visitor's row (PostgreSQL) before reading it, so an erasure running at the
        // same time either finishes first (and this batch sees its tombstone) or waits for it.
        sqlx::query("UPDATE visitors SET updated_at = updated_at WHERE visitor_id = $1")
            .bind(&batch.visitor_id)
            .execute(&mut *tx)
            .await?;
        let secret_hash = sha256_hex(&batch.secret);
        let visitor = sqlx::query("SELECT secret_hash, consent_storage, consent_analytics, consent_at FROM visitors WHERE visitor_id = $1")
            .bind(&batch.visitor_id)
            .fetch_optional(&mut *tx)
            .await?;
        let (before, before_at) = match visitor {
            Some(row) => {
                let stored: String = row.try_get("secret_hash")?;
                if !same_hash(&stored, &secret_hash) {
                    return Err(DbError::WrongSecret);
                }
                (consent_of(&row)?, row.try_get::<Option<i64>, _>("consent_at")?)
            }
            None => {
                if self.tombstoned_in(&mut tx, &batch.visitor_id, now).await? {
                    return Err(DbError::Erased);
                }
                sqlx::query(
                    "INSERT INTO visitors (visitor_id, site, secret_hash, consent_storage, consent_analytics, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'unset', 'unset', $4, $4)",
                )
                .bind(&batch.visitor_id)
                .bind(&batch.site)
                .bind(&secret_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                (ConsentState::default(), None)
            }
        };

        let mut outcome = BatchOutcome {
            accepted: 0,
            duplicates: 0,
            refused: 0,
            replayed: false,
            cart_code_taken: false,
        };

        // The consent choices first, whatever their place in the batch: every other event is
        // judged against the history they complete.
        let mut history = consent_history(&mut tx, &batch.visitor_id).await?;
        // Every purpose the visitor decided, not only the two the visitor row keeps.
        let before = history.current().map_or(before, |(_, state)| state);
        let mut new_choices = Vec::new();
        for event in &batch.events {
            let Payload::Consent(choice) = &event.payload else { continue };
            if store_event(&mut tx, &batch.visitor_id, event, now).await? {
                outcome.accepted += 1;
                history.record(event.at, choice.clone());
                new_choices.push(event.at);
            } else {
                outcome.duplicates += 1;
            }
        }
        let judge = judge_for(&mut tx, &batch.site, &history).await?;
        let (current_at, current) = history.current().unwrap_or((0, ConsentState::default()));
        let consent_changed =
            history.current().is_some() && (Some(current_at) != before_at || current != before);
        if consent_changed {
            let (was, is) = (judge.unlocked(&before), judge.unlocked(&current));
            apply_consent(&mut tx, &batch.visitor_id, (&was, &is), &current, current_at, now)
                .await?;
        }
        for at in new_choices {
            drop_what_a_late_choice_withheld(&mut tx, &batch.visitor_id, &history, &judge, at)
                .await?;
        }

        for event in batch.events.iter().filter(|event| event.payload.purpose().is_some()) {
            if !history.keeps(&judge, &event.payload, event.at) {
                outcome.refused += 1;
                continue;
            }
            let stored = match &event.payload {
                Payload::Campaign { .. } => {
                    store_campaign_event(&mut tx, batch, event, now).await?
                }
                // The latest model on the profile; an older one retried late never replaces it.
                Payload::Interests { .. } => {
                    let json = json_text(&concierge_protocol::batch::encode_event(event))?;
                    sqlx::query(
                        "UPDATE visitors SET interests_json = $1, interests_updated_at = $2, updated_at = $3 \
                         WHERE visitor_id = $4 AND (interests_updated_at IS NULL OR interests_updated_at < $2)",
                    )
                    .bind(&json)
                    .bind(event.at)
                    .bind(now)
                    .bind(&batch.visitor_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        > 0
                }
                Payload::Handoff(handoff) => {
                    let unlocked = judge.unlocked(&current);
                    store_handoff(&mut tx, batch, event, handoff, unlocked, now).await?
                }
                _ => store_event(&mut tx, &batch.visitor_id, event, now).await?,
            };
            if !stored {
                outcome.duplicates += 1;
                continue;
            }
            outcome.accepted += 1;
            if let Payload::Cart(cart) = &event.payload {
                let json = json_text(&concierge_protocol::batch::encode_cart(cart))?;
                // A late retry of an older cart never overwrites a newer one.
                sqlx::query(
                    "UPDATE visitors SET cart_json = $1, cart_updated_at = $2, updated_at = $3 \
                     WHERE visitor_id = $4 AND (cart_updated_at IS NULL OR cart_updated_at <= $2)",
                )
                .bind(&json)
                .bind(event.at)
                .bind(now)
                .bind(&batch.visitor_id)
                .execute(&mut *tx)
                .await?;
            }
        }

        if consent_changed && grants_nothing(&current) {
            // Every purpose withdrawn: the identity goes, and stays gone.
            erase_in(&mut tx, &batch.visitor_id, now, self.tombstone_retention_ms).await?;
            tx.commit().await?;
            return Ok(outcome);
        }

        if let Some(code) = batch.cart_code.as_deref().and_then(crate::model::normalise_cart_code) {
            if judge.unlocked(&current).enables(Feature::StaffView) {
                let holder = sqlx::query("SELECT visitor_id FROM visitors WHERE cart_code = $1")
                    .bind(&code)
                    .fetch_optional(&mut *tx)
                    .await?;
                match holder {
                    Some(row) if row.try_get::<String, _>("visitor_id")? != batch.visitor_id => {
                        outcome.cart_code_taken = true;
                    }
                    Some(_) => {}
                    None => {
                        sqlx::query("UPDATE visitors SET cart_code = $1 WHERE visitor_id = $2")
                            .bind(&code)
                            .bind(&batch.visitor_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
        }

        sqlx::query(
            "UPDATE batches SET accepted = $1, duplicates = $2, refused = $3 WHERE batch_key = $4",
        )
        .bind(outcome.accepted as i64)
        .bind(outcome.duplicates as i64)
        .bind(outcome.refused as i64)
        .bind(&batch.batch_key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Whether the id was erased within the retention period.
    async fn tombstoned_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        visitor: &str,
        now: i64,
    ) -> Result<bool, DbError> {
        let row = sqlx::query(
            "SELECT erased_at FROM erased_visitors WHERE visitor_hash = $1 AND erased_at >= $2",
        )
        .bind(sha256_hex(visitor))
        .bind(now.saturating_sub(self.tombstone_retention_ms))
        .fetch_optional(&mut **tx)
        .await?;
        Ok(row.is_some())
    }

    /// The benchmark's baseline: the same event inserts as [`Db::ingest`], in one transaction
    /// per batch, without parsing, validation, consent checks or HTTP.
    #[doc(hidden)]
    pub async fn insert_plain(
        &self,
        visitor: &str,
        events: usize,
        batch: usize,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        for n in 0..events {
            sqlx::query(
                "INSERT INTO events (event_id, visitor_id, name, payload, occurred_at, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING",
            )
            .bind(format!("evt_plain{batch:06}x{n:03}"))
            .bind(visitor)
            .bind("view_item")
            .bind(r#"{"id":"x","name":"view_item","at":0,"items":[{"item_id":"aurora-x1","item_name":"Aurora X1","price":79900,"quantity":1}]}"#)
            .bind(1_795_435_200_000_i64)
            .bind(1_795_435_200_000_i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The live cart behind a cart code, for staff.
    pub async fn live_cart(&self, code: &str) -> Result<Option<LiveCart>, DbError> {
        let row = sqlx::query(
            "SELECT visitor_id, site, consent_storage, consent_analytics, cart_json, cart_updated_at, updated_at \
             FROM visitors WHERE cart_code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let visitor: String = row.try_get("visitor_id")?;
        let site: String = row.try_get("site")?;
        let cart: Option<Cart> = match row.try_get::<Option<String>, _>("cart_json")? {
            Some(json) => Some(
                concierge_protocol::batch::decode_stored_cart(&parse_json(&json)?, "cart")
                    .map_err(|problem| DbError::Damaged(format!("a stored cart: {problem}")))?,
            ),
            None => None,
        };
        // Saturating: even a record written before the limits can never show a wrapped total.
        let total = cart.as_ref().map_or(0, |c| c.total().minor);
        if total == i64::MAX {
            tracing::warn!(%code, "a stored cart's total is beyond what can be counted; shown as the maximum");
        }
        let item_count = cart.as_ref().map_or(0, |c| u64::from(c.item_count()));
        Ok(Some(LiveCart {
            cart_code: code.to_owned(),
            last_activity: row.try_get::<Option<i64>, _>("cart_updated_at")?,
            consent: consent_of(&row)?,
            consent_purposes: self.consent_by_purpose(&site, &visitor).await?,
            total,
            item_count,
            cart,
            interests: self.interests(&visitor).await?,
            intents: self.intents(&visitor).await?,
            handoffs: self.handoffs(&site, Some(&visitor), -1, 20, false).await?,
        }))
    }

    /// The visitor's consent for every purpose of the policy their choice names (the site's
    /// current one when that version is not kept, the built-in one when none is published),
    /// with each purpose's names, then any purpose recorded that the policy lacks.
    async fn consent_by_purpose(
        &self,
        site: &str,
        visitor: &str,
    ) -> Result<Vec<PurposeConsent>, DbError> {
        let rows = sqlx::query(
            "SELECT purpose, decision, policy, decided_at, source FROM visitor_consent WHERE visitor_id = $1 ORDER BY purpose",
        )
        .bind(visitor)
        .fetch_all(&self.pool)
        .await?;
        let mut recorded = Vec::with_capacity(rows.len());
        for row in &rows {
            let decision: String = row.try_get("decision")?;
            recorded.push(PurposeConsent {
                purpose: row.try_get("purpose")?,
                names: Default::default(),
                always_on: false,
                decision: Decision::from_name(&decision).unwrap_or_default(),
                source: row.try_get("source")?,
                decided_at: Some(row.try_get("decided_at")?),
                policy: Some(row.try_get("policy")?),
            });
        }
        let version = recorded.first().and_then(|r| r.policy);
        let policy = self.policy_version(site, version).await?;
        let mut purposes: Vec<PurposeConsent> = (policy.purposes.iter())
            .map(|purpose| {
                let found = recorded.iter().find(|r| r.purpose == purpose.id);
                let always_on = !purpose.needs_consent();
                PurposeConsent {
                    purpose: purpose.id.clone(),
                    names: purpose.names.iter().cloned().collect(),
                    always_on,
                    decision: match (always_on, found) {
                        (true, _) => Decision::Granted,
                        (false, Some(found)) => found.decision,
                        (false, None) => Decision::Unset,
                    },
                    source: found.and_then(|f| f.source.clone()),
                    decided_at: found.and_then(|f| f.decided_at),
                    policy: found.and_then(|f| f.policy).or(Some(i64::from(policy.version))),
                }
            })
            .collect();
        for unknown in recorded.into_iter().filter(|r| policy.purpose(&r.purpose).is_none()) {
            purposes.push(unknown);
        }
        Ok(purposes)
    }

    /// Version `version` of the site's policy if it is kept, else its current one, else the
    /// built-in one.
    async fn policy_version(&self, site: &str, version: Option<i64>) -> Result<Policy, DbError> {
        let mut row = None;
        if let Some(version) = version {
            row = sqlx::query(
                "SELECT body FROM documents WHERE site = $1 AND kind = 'policy' AND version = $2",
            )
            .bind(site)
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
        }
        if row.is_none() {
            row = sqlx::query(
                "SELECT body FROM documents WHERE site = $1 AND kind = 'policy' ORDER BY version DESC LIMIT 1",
            )
            .bind(site)
            .fetch_optional(&self.pool)
            .await?;
        }
        match row {
            Some(row) => {
                let body: String = row.try_get("body")?;
                let value = concierge_protocol::json::parse(&body)
                    .map_err(|_| DbError::Damaged("a stored policy is not JSON".to_owned()))?;
                Ok(concierge_protocol::documents::read_policy(&value))
            }
            None => Ok(concierge_protocol::consent::builtin_policy()),
        }
    }

    /// The agent's interest model as it last sent it, best first.
    async fn interests(&self, visitor: &str) -> Result<Vec<Interest>, DbError> {
        let row = sqlx::query("SELECT interests_json FROM visitors WHERE visitor_id = $1")
            .bind(visitor)
            .fetch_optional(&self.pool)
            .await?;
        let Some(text) = row
            .map(|row| row.try_get::<Option<String>, _>("interests_json"))
            .transpose()?
            .flatten()
        else {
            return Ok(Vec::new());
        };
        let Some(Payload::Interests { top }) = read_event(&text).map(|e| e.payload) else {
            return Ok(Vec::new());
        };
        Ok(top
            .into_iter()
            .map(|i| Interest { dimension: i.dimension, key: i.key, score: i.score })
            .collect())
    }

    /// A site's handoff requests, newest first (`visitor`: only that visitor's; `open_only`:
    /// only those no one has marked handled), at most `limit`; `since` (received_at,
    /// exclusive) lets the console ask only for new ones.
    pub async fn handoffs(
        &self,
        site: &str,
        visitor: Option<&str>,
        since: i64,
        limit: i64,
        open_only: bool,
    ) -> Result<Vec<HandoffOut>, DbError> {
        let rows = sqlx::query(
            "SELECT event_id, kind, phone, cart_code, transcript, occurred_at, received_at, \
             handled_at FROM handoffs WHERE site = $1 AND ($2 = '' OR visitor_id = $2) \
             AND received_at > $3 AND ($5 = 0 OR handled_at = 0) \
             ORDER BY received_at DESC, event_id LIMIT $4",
        )
        .bind(site)
        .bind(visitor.unwrap_or(""))
        .bind(since)
        .bind(limit)
        .bind(i64::from(open_only))
        .fetch_all(&self.pool)
        .await?;
        let text = |row: &sqlx::any::AnyRow, column: &str| -> Result<Option<String>, DbError> {
            let value: String = row.try_get(column)?;
            Ok((!value.is_empty()).then_some(value))
        };
        rows.iter()
            .map(|row| {
                let transcript: String = row.try_get("transcript")?;
                Ok(HandoffOut {
                    id: row.try_get("event_id")?,
                    kind: row.try_get("kind")?,
                    phone: text(row, "phone")?,
                    cart_code: text(row, "cart_code")?,
                    transcript: serde_json::from_str(&transcript)
                        .map_err(|e| DbError::Damaged(format!("a stored transcript: {e}")))?,
                    at: row.try_get("occurred_at")?,
                    received_at: row.try_get("received_at")?,
                    handled_at: Some(row.try_get::<i64, _>("handled_at")?).filter(|at| *at > 0),
                })
            })
            .collect()
    }

    /// Marks a site's handoff request handled at `now` (the first mark stands); `false` when
    /// the site has no request of that id (never was, or erased with its visitor).
    pub async fn mark_handoff_handled(
        &self,
        site: &str,
        id: &str,
        now: i64,
    ) -> Result<bool, DbError> {
        sqlx::query(
            "UPDATE handoffs SET handled_at = $1 \
             WHERE site = $2 AND event_id = $3 AND handled_at = 0",
        )
        .bind(now.max(1))
        .bind(site)
        .bind(id)
        .execute(&self.pool)
        .await?;
        let found = sqlx::query("SELECT 1 FROM handoffs WHERE site = $1 AND event_id = $2")
            .bind(site)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    pub async fn intents(&self, visitor: &str) -> Result<Vec<Intent>, DbError> {
        let rows = sqlx::query(
            "SELECT intent_id, products, note, channel, advisor_id, created_at FROM intents \
             WHERE visitor_id = $1 ORDER BY created_at DESC",
        )
        .bind(visitor)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let products: String = row.try_get("products")?;
                Ok(Intent {
                    id: row.try_get("intent_id")?,
                    products: serde_json::from_str(&products)
                        .map_err(|e| DbError::Damaged(e.to_string()))?,
                    note: row.try_get("note")?,
                    channel: Channel::parse(&row.try_get::<String, _>("channel")?),
                    advisor_id: row.try_get("advisor_id")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Records an advisor's intent against a cart code; `None` when no visitor holds the code.
    pub async fn record_intent(
        &self,
        code: &str,
        intent: &IntentIn,
        id: String,
        now: i64,
    ) -> Result<Option<Intent>, DbError> {
        let visitor = sqlx::query("SELECT visitor_id FROM visitors WHERE cart_code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        let Some(visitor) = visitor else { return Ok(None) };
        let visitor: String = visitor.try_get("visitor_id")?;
        let products =
            serde_json::to_string(&intent.products).map_err(|e| DbError::Damaged(e.to_string()))?;
        sqlx::query(
            "INSERT INTO intents (intent_id, visitor_id, products, note, channel, advisor_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(&visitor)
        .bind(&products)
        .bind(&intent.note)
        .bind(intent.channel.as_str())
        .bind(&intent.advisor_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(Some(Intent {
            id,
            products: intent.products.clone(),
            note: intent.note.clone(),
            channel: intent.channel,
            advisor_id: intent.advisor_id.clone(),
            created_at: now,
        }))
    }

    /// Whether `secret` is this visitor's. An unknown visitor is simply `false`, after the same
    /// work as a known one (the secret is hashed and compared with a stand-in), so neither the
    /// answer nor its timing tells whether the id exists.
    pub async fn owns(&self, visitor: &str, secret: &str) -> Result<bool, DbError> {
        let row = sqlx::query("SELECT secret_hash FROM visitors WHERE visitor_id = $1")
            .bind(visitor)
            .fetch_optional(&self.pool)
            .await?;
        let stored = match &row {
            Some(row) => Some(row.try_get::<String, _>("secret_hash")?),
            None => None,
        };
        let matches =
            same_hash(stored.as_deref().unwrap_or(UNKNOWN_SECRET_HASH), &sha256_hex(secret));
        Ok(stored.is_some() & matches)
    }

    /// Closes every connection: what a database outage looks like to the handlers.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Everything kept about a visitor, as one JSON document.
    pub async fn export(&self, visitor: &str) -> Result<Option<serde_json::Value>, DbError> {
        let row = sqlx::query(
            "SELECT site, cart_code, consent_storage, consent_analytics, consent_at, cart_json, cart_updated_at, created_at, updated_at, \
             interests_updated_at FROM visitors WHERE visitor_id = $1",
        )
        .bind(visitor)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut purposes = serde_json::Map::new();
        let rows = sqlx::query(
            "SELECT purpose, decision FROM visitor_consent WHERE visitor_id = $1 ORDER BY purpose",
        )
        .bind(visitor)
        .fetch_all(&self.pool)
        .await?;
        for purpose in rows {
            let decision: String = purpose.try_get("decision")?;
            purposes.insert(purpose.try_get("purpose")?, decision.into());
        }
        let events = sqlx::query(
            "SELECT payload, received_at FROM events WHERE visitor_id = $1 ORDER BY occurred_at",
        )
        .bind(visitor)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|event| {
            let payload: String = event.try_get("payload")?;
            let mut value: serde_json::Value =
                serde_json::from_str(&payload).map_err(|e| DbError::Damaged(e.to_string()))?;
            value["received_at"] = event.try_get::<i64, _>("received_at")?.into();
            Ok(value)
        })
        .collect::<Result<Vec<_>, DbError>>()?;
        let campaign_events = sqlx::query(
            "SELECT event_id, campaign, variant, bucket, event, value, occurred_at, received_at \
             FROM campaign_events WHERE visitor_id = $1 ORDER BY occurred_at, event_id",
        )
        .bind(visitor)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|event| {
            Ok(serde_json::json!({
                "id": event.try_get::<String, _>("event_id")?,
                "name": "campaign",
                "at": event.try_get::<i64, _>("occurred_at")?,
                "campaign": event.try_get::<String, _>("campaign")?,
                "variant": event.try_get::<Option<String>, _>("variant")?,
                "bucket": event.try_get::<String, _>("bucket")?,
                "event": event.try_get::<String, _>("event")?,
                // A value is a conversion's only.
                "value": match event.try_get::<String, _>("event")?.as_str() {
                    "conversion" => Some(event.try_get::<f64, _>("value")?),
                    _ => None,
                },
                "received_at": event.try_get::<i64, _>("received_at")?,
            }))
        })
        .collect::<Result<Vec<_>, DbError>>()?;
        let cart: Option<serde_json::Value> = match row.try_get::<Option<String>, _>("cart_json")? {
            Some(json) => {
                Some(serde_json::from_str(&json).map_err(|e| DbError::Damaged(e.to_string()))?)
            }
            None => None,
        };
        Ok(Some(serde_json::json!({
            "visitor_id": visitor,
            "site": row.try_get::<String, _>("site")?,
            "cart_code": row.try_get::<Option<String>, _>("cart_code")?,
            "consent": crate::model::consent_summary(&consent_of(&row)?),
            "consent_at": row.try_get::<Option<i64>, _>("consent_at")?,
            // Every purpose of the visitor's choice, as stored per purpose.
            "consent_purposes": purposes,
            // The same, per purpose of the policy, with names, source, time and version.
            "consent_by_purpose": self.consent_by_purpose(&row.try_get::<String, _>("site")?, visitor).await?,
            "cart": cart,
            "cart_updated_at": row.try_get::<Option<i64>, _>("cart_updated_at")?,
            "created_at": row.try_get::<i64, _>("created_at")?,
            "updated_at": row.try_get::<i64, _>("updated_at")?,
            "events": events,
            // The campaigns' measurement of the visitor (impressions, clicks, conversions...).
            "campaign_events": campaign_events,
            "intents": self.intents(visitor).await?,
            "consent_receipts": self.receipts_of_visitor(visitor).await?,
            // The agent's interest model as it last sent it, and when.
            "interests": self.interests(visitor).await?,
            "interests_updated_at": row.try_get::<Option<i64>, _>("interests_updated_at")?,
        })))
    }

    /// Erases every row about a visitor and remembers the id (as a hash) for the retention
    /// period, so that late batches cannot bring it back; `false` when there was no row.
    pub async fn erase(&self, visitor: &str, now: i64) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let erased = erase_in(&mut tx, visitor, now, self.tombstone_retention_ms).await?;
        tx.commit().await?;
        Ok(erased)
    }

    /// When the id was erased, if its tombstone is still kept (expired or not).
    pub async fn tombstone(&self, visitor: &str) -> Result<Option<i64>, DbError> {
        let row = sqlx::query("SELECT erased_at FROM erased_visitors WHERE visitor_hash = $1")
            .bind(sha256_hex(visitor))
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get("erased_at")?),
            None => None,
        })
    }

    /// The retention job: forgets tombstones past the retention period and stale failed logins.
    pub async fn forget_expired(&self, now: i64, auth_window_ms: i64) -> Result<u64, DbError> {
        let tombstones = sqlx::query("DELETE FROM erased_visitors WHERE erased_at < $1")
            .bind(now.saturating_sub(self.tombstone_retention_ms))
            .execute(&self.pool)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM auth_failures WHERE failed_at < $1")
            .bind(now.saturating_sub(auth_window_ms))
            .execute(&self.pool)
            .await?;
        Ok(tombstones)
    }

    /// Rows that mention a visitor, table by table: what an erasure must bring to zero.
    pub async fn rows_about(&self, visitor: &str) -> Result<i64, DbError> {
        let mut total = 0;
        for table in [
            "visitors",
            "visitor_consent",
            "events",
            "campaign_events",
            "batches",
            "intents",
            "consent_receipts",
            "handoffs",
        ] {
            let row =
                sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table} WHERE visitor_id = $1"))
                    .bind(visitor)
                    .fetch_one(&self.pool)
                    .await?;
            total += row.try_get::<i64, _>("n")?;
        }
        Ok(total)
    }

    /// Notes a failed staff authentication and returns how many this client had since `since`.
    pub async fn note_auth_failure(
        &self,
        client: &str,
        now: i64,
        since: i64,
    ) -> Result<i64, DbError> {
        sqlx::query("DELETE FROM auth_failures WHERE failed_at < $1")
            .bind(since)
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO auth_failures (client, failed_at) VALUES ($1, $2)")
            .bind(client)
            .bind(now)
            .execute(&self.pool)
            .await?;
        self.auth_failures(client, since).await
    }

    pub async fn auth_failures(&self, client: &str, since: i64) -> Result<i64, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM auth_failures WHERE client = $1 AND failed_at >= $2",
        )
        .bind(client)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}

/// What a cart snapshot and the visit's events carry, for judging what a choice lets stay.
const CART: Payload = Payload::Cart(Cart {
    currency: concierge_protocol::money::Currency::EUR,
    lines: Vec::new(),
    updated_at: None,
});
const INTERESTS: Payload = Payload::Interests { top: Vec::new() };
const HANDOFF: Payload = Payload::Handoff(concierge_protocol::batch::Handoff {
    kind: concierge_protocol::batch::HandoffKind::Store,
    phone: None,
    cart_code: None,
    transcript: Vec::new(),
});
const VISIT: Payload = Payload::Commerce {
    kind: concierge_protocol::names::CommerceKind::ViewItem,
    items: Vec::new(),
    transaction_id: None,
};

/// The policies the visitor's choices name, and the site's current one (or, with none
/// published, the built-in one), from the documents the site published.
async fn judge_for(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    site: &str,
    history: &ConsentHistory,
) -> Result<Judge, DbError> {
    let read = |body: String| {
        let value = concierge_protocol::json::parse(&body)
            .map_err(|_| DbError::Damaged("a stored policy is not JSON".to_owned()))?;
        Ok::<_, DbError>(concierge_protocol::documents::read_policy(&value))
    };
    let current = sqlx::query(
        "SELECT body FROM documents WHERE site = $1 AND kind = 'policy' ORDER BY version DESC LIMIT 1",
    )
    .bind(site)
    .fetch_optional(&mut **tx)
    .await?;
    let current = match current {
        Some(row) => read(row.try_get("body")?)?,
        None => concierge_protocol::consent::builtin_policy(),
    };
    let mut versions = Vec::new();
    for version in history.policies() {
        if version == current.version || versions.iter().any(|p: &Policy| p.version == version) {
            continue;
        }
        let row = sqlx::query(
            "SELECT body FROM documents WHERE site = $1 AND kind = 'policy' AND version = $2",
        )
        .bind(site)
        .bind(i64::from(version))
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = row {
            versions.push(read(row.try_get("body")?)?);
        }
    }
    Ok(Judge { versions, current })
}

/// On a withdrawal, the data the purpose covered goes with it.
async fn apply_consent(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    visitor: &str,
    (was, is): (&Unlocked, &Unlocked),
    after: &ConsentState,
    at: i64,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query("UPDATE visitors SET consent_storage = $1, consent_analytics = $2, consent_at = $3, updated_at = $4 WHERE visitor_id = $5")
        .bind(after.get(Purpose::Storage).name())
        .bind(after.get(Purpose::Analytics).name())
        .bind(at)
        .bind(now)
        .bind(visitor)
        .execute(&mut **tx)
        .await?;
    // The record: one row per purpose, replaced whole by the choice in force.
    sqlx::query("DELETE FROM visitor_consent WHERE visitor_id = $1")
        .bind(visitor)
        .execute(&mut **tx)
        .await?;
    for (purpose, decision) in &after.purposes {
        sqlx::query(
            "INSERT INTO visitor_consent (visitor_id, purpose, decision, policy, decided_at, source) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(visitor)
        .bind(purpose)
        .bind(decision.name())
        .bind(i64::from(after.policy))
        .bind(at)
        .bind(after.source.name())
        .execute(&mut **tx)
        .await?;
    }
    let cart = |unlocked: &Unlocked| carries(*unlocked, &CART);
    let visit = |unlocked: &Unlocked| carries(*unlocked, &VISIT);
    if carries(*was, &INTERESTS) && !carries(*is, &INTERESTS) {
        sqlx::query("UPDATE visitors SET interests_json = NULL, interests_updated_at = NULL WHERE visitor_id = $1")
            .bind(visitor)
            .execute(&mut **tx)
            .await?;
    }
    if cart(was) && !cart(is) {
        sqlx::query("UPDATE visitors SET cart_json = NULL, cart_updated_at = NULL, cart_code = NULL WHERE visitor_id = $1")
            .bind(visitor)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM events WHERE visitor_id = $1 AND name = 'cart'")
            .bind(visitor)
            .execute(&mut **tx)
            .await?;
    }
    // A handoff leaves under a sending feature; when none is left, its requests go too.
    let handoff = |unlocked: &Unlocked| carries(*unlocked, &HANDOFF);
    if handoff(was) && !handoff(is) {
        sqlx::query("DELETE FROM handoffs WHERE visitor_id = $1")
            .bind(visitor)
            .execute(&mut **tx)
            .await?;
    } else if cart(was) && !cart(is) {
        sqlx::query("UPDATE handoffs SET cart_code = '', transcript = '[]' WHERE visitor_id = $1")
            .bind(visitor)
            .execute(&mut **tx)
            .await?;
    }
    if visit(was) && !visit(is) {
        sqlx::query("DELETE FROM events WHERE visitor_id = $1 AND name NOT IN ('consent', 'cart')")
            .bind(visitor)
            .execute(&mut **tx)
            .await?;
        // Campaign measurement is kept under the same purpose as the visit's events.
        sqlx::query("DELETE FROM campaign_events WHERE visitor_id = $1")
            .bind(visitor)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Stores one event; `false` when an earlier delivery stored it already.
async fn store_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    visitor: &str,
    event: &Event,
    now: i64,
) -> Result<bool, DbError> {
    let payload = json_text(&concierge_protocol::batch::encode_event(event))?;
    let inserted = sqlx::query(
        "INSERT INTO events (event_id, visitor_id, name, payload, occurred_at, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(visitor)
    .bind(event.payload.name())
    .bind(&payload)
    .bind(event.at)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted > 0)
}

/// Stores one campaign measurement in `campaign_events`; `false` when an earlier delivery
/// stored it already.
async fn store_campaign_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    batch: &Batch,
    event: &Event,
    now: i64,
) -> Result<bool, DbError> {
    let Payload::Campaign { event: happened, campaign, variant, bucket, value } = &event.payload
    else {
        return Ok(false);
    };
    let inserted = sqlx::query(
        "INSERT INTO campaign_events \
         (event_id, site, visitor_id, campaign, variant, bucket, event, value, occurred_at, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&batch.site)
    .bind(&batch.visitor_id)
    .bind(campaign)
    .bind(variant.as_deref())
    .bind(bucket.name())
    .bind(happened.name())
    .bind(value.unwrap_or(0.0))
    .bind(event.at)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted > 0)
}

/// Stores one handoff request; `false` when an earlier delivery stored it already. The cart
/// code stays only while `staff_view` is enabled and the transcript only with
/// `assistant_memory`, whatever the agent sent.
async fn store_handoff(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    batch: &Batch,
    event: &Event,
    handoff: &concierge_protocol::batch::Handoff,
    unlocked: Unlocked,
    now: i64,
) -> Result<bool, DbError> {
    let cart_code = handoff.cart_code.as_deref().filter(|_| unlocked.enables(Feature::StaffView));
    let transcript: Vec<serde_json::Value> = if unlocked.enables(Feature::AssistantMemory) {
        let lines = handoff.transcript.iter();
        lines
            .map(|line| {
                let from = if line.visitor { "visitor" } else { "assistant" };
                serde_json::json!({ "from": from, "text": line.text })
            })
            .collect()
    } else {
        Vec::new()
    };
    let inserted = sqlx::query(
        "INSERT INTO handoffs \
         (event_id, site, visitor_id, kind, phone, cart_code, transcript, occurred_at, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&batch.site)
    .bind(&batch.visitor_id)
    .bind(handoff.kind.name())
    .bind(handoff.phone.as_deref().unwrap_or(""))
    .bind(cart_code.unwrap_or(""))
    .bind(serde_json::Value::Array(transcript).to_string())
    .bind(event.at)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted > 0)
}

/// Every consent choice stored for the visitor, read back from the consent events.
async fn consent_history(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    visitor: &str,
) -> Result<ConsentHistory, DbError> {
    let rows = sqlx::query(
        "SELECT payload, occurred_at FROM events WHERE visitor_id = $1 AND name = 'consent'",
    )
    .bind(visitor)
    .fetch_all(&mut **tx)
    .await?;
    let choices = rows
        .iter()
        .map(|row| {
            let payload: String = row.try_get("payload")?;
            let Some(Payload::Consent(choice)) = read_event(&payload).map(|e| e.payload) else {
                return Err(DbError::Damaged("a stored consent event cannot be read".to_owned()));
            };
            Ok((row.try_get::<i64, _>("occurred_at")?, choice))
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(ConsentHistory::new(choices))
}

/// A choice that arrived late governs the span up to the next choice: what it withheld and was
/// stored in that span (while another choice was thought current) goes.
async fn drop_what_a_late_choice_withheld(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    visitor: &str,
    history: &ConsentHistory,
    judge: &Judge,
    at: i64,
) -> Result<(), DbError> {
    let in_force = judge.unlocked(&history.in_force(at));
    let until = history.next_after(at).unwrap_or(i64::MAX);
    if !carries(in_force, &CART) {
        for sql in [
            "DELETE FROM events WHERE visitor_id = $1 AND name = 'cart' AND occurred_at >= $2 AND occurred_at < $3",
            "UPDATE visitors SET cart_json = NULL, cart_updated_at = NULL \
             WHERE visitor_id = $1 AND cart_updated_at >= $2 AND cart_updated_at < $3",
        ] {
            in_span(tx, sql, visitor, at, until).await?;
        }
    }
    if !carries(in_force, &INTERESTS) {
        let sql = "UPDATE visitors SET interests_json = NULL, interests_updated_at = NULL \
                   WHERE visitor_id = $1 AND interests_updated_at >= $2 AND interests_updated_at < $3";
        in_span(tx, sql, visitor, at, until).await?;
    }
    if !carries(in_force, &VISIT) {
        for sql in [
            "DELETE FROM events WHERE visitor_id = $1 AND name NOT IN ('consent', 'cart') \
             AND occurred_at >= $2 AND occurred_at < $3",
            "DELETE FROM campaign_events WHERE visitor_id = $1 AND occurred_at >= $2 AND occurred_at < $3",
        ] {
            in_span(tx, sql, visitor, at, until).await?;
        }
    }
    Ok(())
}

/// Runs `sql` for `visitor` over the span `[from, until)`, bound as `$1`, `$2`, `$3`.
async fn in_span(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: &str,
    visitor: &str,
    from: i64,
    until: i64,
) -> Result<(), DbError> {
    sqlx::query(sql).bind(visitor).bind(from).bind(until).execute(&mut **tx).await?;
    Ok(())
}

/// Deletes every row about a visitor and writes (or refreshes) its tombstone; expired
/// tombstones are forgotten on the way. The visitor's row goes first: in PostgreSQL that waits
/// for a batch holding it, so nothing that batch stored is left behind.
async fn erase_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    visitor: &str,
    now: i64,
    retention_ms: i64,
) -> Result<bool, DbError> {
    let erased = sqlx::query("DELETE FROM visitors WHERE visitor_id = $1")
        .bind(visitor)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    for table in ["events", "campaign_events", "batches", "intents", "visitor_consent", "handoffs"]
    {
        sqlx::query(&format!("DELETE FROM {table} WHERE visitor_id = $1"))
            .bind(visitor)
            .execute(&mut **tx)
            .await?;
    }
    // The receipts stay, as the proof of what was chosen, but no longer name the visitor.
    sqlx::query("UPDATE consent_receipts SET visitor_id = NULL WHERE visitor_id = $1")
        .bind(visitor)
        .execute(&mut **tx)
        .await?;
    if erased > 0 {
        sqlx::query("DELETE FROM erased_visitors WHERE erased_at < $1")
            .bind(now.saturating_sub(retention_ms))
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO erased_visitors (visitor_hash, erased_at) VALUES ($1, $2) \
             ON CONFLICT (visitor_hash) DO UPDATE SET erased_at = excluded.erased_at",
        )
        .bind(sha256_hex(visitor))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(erased > 0)
}

fn consent_of(row: &sqlx::any::AnyRow) -> Result<ConsentState, DbError> {
    Ok(ConsentState::from_legacy(
        crate::model::decision(&row.try_get::<String, _>("consent_storage")?),
        crate::model::decision(&row.try_get::<String, _>("consent_analytics")?),
    ))
}

fn count(row: &sqlx::any::AnyRow, column: &str) -> Result<u64, DbError> {
    Ok(row.try_get::<i64, _>(column)?.max(0) as u64)
}

/// JSON text of a protocol value, as the database keeps payloads and carts.
fn json_text(value: &concierge_protocol::Value) -> Result<String, DbError> {
    serde_json::to_string(value).map_err(|e| DbError::Damaged(e.to_string()))
}

fn parse_json(text: &str) -> Result<concierge_protocol::Value, DbError> {
    serde_json::from_str(text).map_err(|e| DbError::Damaged(e.to_string()))
}

/// A stored event, read with the protocol's decoder; `None` for one that cannot be read.
fn read_event(payload: &str) -> Option<Event> {
    concierge_protocol::batch::decode_event(&parse_json(payload).ok()?, "").ok()
}
