//! The retention job: per site, deletes what is older than the retention the site's current
//! policy gives each kind of data, hourly in the server and once with
//! `concierge-server retention --once`.
//!
//! The policy is read as the JSON document it is stored as (`purposes[].data` and
//! `purposes[].retention_days`), not through the validator's types, so the job keeps working
//! across policy formats: a datum kept by several purposes lives as long as the longest of them;
//! one no purpose names is kept by none; a policy without those fields (format 1), or no
//! published policy at all, gets the demo policy's retention ([`Retention::DEFAULT`]).
//! Receipts are the proof of consent: they are kept as long as the longest retention of all.

use crate::db::{Db, DbError};
use serde_json::Value;
use sqlx::Row;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// How many days each kind of data the server holds is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// The visit's events (pages, products, commerce events) and the campaigns' measurement
    /// (`campaign_events`): category `activity`.
    pub activity: i64,
    /// The cart snapshots, the cart on the profile and staff's intents: category `cart`.
    pub cart: i64,
    /// The visitor's profile itself, and everything keyed by its id: category `identifiers`.
    pub identifiers: i64,
    /// Consent receipts and consent records: the longest retention of all purposes.
    pub receipts: i64,
    /// The agent's interest model on the profile: category `interests`.
    pub interests: i64,
}

impl Retention {
    /// The demo policy's: measurement 395 days (activity, identifiers), personalization 90
    /// (cart, interests, identifiers), marketing 30 (contact, cart, identifiers), necessary 365.
    pub const DEFAULT: Retention =
        Retention { activity: 395, cart: 90, identifiers: 395, receipts: 395, interests: 90 };

    /// The retention a policy document (as stored, JSON) gives; the default when it has no
    /// purpose with a `retention_days`.
    pub fn of_policy(policy: Option<&Value>) -> Retention {
        let purposes: Vec<(i64, Vec<&str>)> = policy
            .and_then(|policy| policy.get("purposes"))
            .and_then(Value::as_array)
            .map(|purposes| {
                purposes
                    .iter()
                    .filter_map(|purpose| {
                        let days = purpose.get("retention_days")?.as_i64()?.clamp(1, 3650);
                        let data = purpose
                            .get("data")
                            .and_then(Value::as_array)
                            .map(|data| data.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default();
                        Some((days, data))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if purposes.is_empty() {
            return Retention::DEFAULT;
        }
        // Kept by no purpose: kept for no day.
        let longest = |category: &str| {
            purposes
                .iter()
                .filter(|(_, data)| data.contains(&category))
                .map(|(days, _)| *days)
                .max()
                .unwrap_or(0)
        };
        Retention {
            activity: longest("activity"),
            cart: longest("cart"),
            identifiers: longest("identifiers"),
            receipts: purposes.iter().map(|(days, _)| *days).max().unwrap_or(0),
            interests: longest("interests"),
        }
    }
}

/// What one run deleted (or cleared), summed over the sites.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deleted {
    pub receipts: u64,
    pub events: u64,
    pub carts: u64,
    pub intents: u64,
    pub visitors: u64,
    /// Interest models cleared from profiles.
    pub interests: u64,
}

impl Deleted {
    pub fn total(&self) -> u64 {
        self.receipts + self.events + self.carts + self.intents + self.visitors + self.interests
    }

    fn add(&mut self, other: Deleted) {
        self.receipts += other.receipts;
        self.events += other.events;
        self.carts += other.carts;
        self.interests += other.interests;
        self.intents += other.intents;
        self.visitors += other.visitors;
    }
}

/// The visitors of a site not seen since `$2`: no batch received and no profile change since.
const STALE_VISITORS: &str = "SELECT v.visitor_id FROM visitors v WHERE v.site = $1 AND v.updated_at < $2 \
     AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.visitor_id = v.visitor_id AND b.received_at >= $2)";

impl Db {
    /// The sites the server holds data of.
    async fn sites_with_data(&self) -> Result<Vec<String>, DbError> {
        let rows = sqlx::query(
            "SELECT site FROM visitors UNION SELECT site FROM consent_receipts \
             UNION SELECT site FROM campaign_events ORDER BY site",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("site")?)).collect()
    }

    /// The site's current policy as stored, if it published one that is JSON.
    async fn current_policy(&self, site: &str) -> Result<Option<Value>, DbError> {
        let documents = self.current_documents(site).await?;
        let body = documents.into_iter().find(|(kind, _)| kind == "policy").map(|(_, body)| body);
        Ok(body.and_then(|body| serde_json::from_str(&body).ok()))
    }

    /// Runs the retention job once for every site, as at `now`.
    pub async fn apply_retention(&self, now: i64) -> Result<Deleted, DbError> {
        let mut deleted = Deleted::default();
        for site in self.sites_with_data().await? {
            deleted.add(self.apply_retention_to(&site, now).await?);
        }
        Ok(deleted)
    }

    /// Runs the retention job for one site, by its current policy, as at `now`.
    pub async fn apply_retention_to(&self, site: &str, now: i64) -> Result<Deleted, DbError> {
        let retention = Retention::of_policy(self.current_policy(site).await?.as_ref());
        self.apply_site_retention(site, retention, now).await
    }

    /// Deletes what of `site` is older than `retention` allows, in one transaction.
    pub async fn apply_site_retention(
        &self,
        site: &str,
        retention: Retention,
        now: i64,
    ) -> Result<Deleted, DbError> {
        let before = |days: i64| now.saturating_sub(days.saturating_mul(DAY_MS));
        let mut deleted = Deleted::default();
        let mut tx = self.pool.begin().await?;
        let of_site = "SELECT visitor_id FROM visitors WHERE site = $1";

        // Receipts, by the time the choice was made.
        sweep(&mut tx, "DELETE FROM consent_receipt_choices WHERE EXISTS (SELECT 1 FROM consent_receipts r \
             WHERE r.receipt = consent_receipt_choices.receipt AND r.at = consent_receipt_choices.at \
             AND r.site = $1 AND r.at < $2)", site, before(retention.receipts)).await?;
        deleted.receipts = sweep(
            &mut tx,
            "DELETE FROM consent_receipts WHERE site = $1 AND at < $2",
            site,
            before(retention.receipts),
        )
        .await?;

        // The visit's events, by when they happened; the cart snapshots by the cart's retention.
        deleted.events += sweep(
            &mut tx,
            &format!(
                "DELETE FROM events WHERE name NOT IN ('consent', 'cart') AND occurred_at < $2 \
             AND visitor_id IN ({of_site})"
            ),
            site,
            before(retention.activity),
        )
        .await?;
        deleted.events += sweep(&mut tx, &format!(
            "DELETE FROM events WHERE name = 'cart' AND occurred_at < $2 AND visitor_id IN ({of_site})"
        ), site, before(retention.cart)).await?;
        // The campaigns' measurement is the visit's activity too (the measurement purpose).
        deleted.events += sweep(
            &mut tx,
            "DELETE FROM campaign_events WHERE site = $1 AND occurred_at < $2",
            site,
            before(retention.activity),
        )
        .await?;
        // Consent records are proof like receipts; the latest of each visitor stays while the
        // profile does, because it is the consent in force.
        let consent_records = format!(
            "DELETE FROM events WHERE name = 'consent' AND occurred_at < $2 AND visitor_id IN ({of_site}) \
             AND occurred_at < (SELECT MAX(l.occurred_at) FROM events l \
             WHERE l.visitor_id = events.visitor_id AND l.name = 'consent')"
        );
        deleted.events +=
            sweep(&mut tx, &consent_records, site, before(retention.receipts)).await?;

        // The cart on the profile, by its last change; staff's intents about it.
        deleted.carts = sweep(
            &mut tx,
            "UPDATE visitors SET cart_json = NULL, cart_updated_at = NULL \
             WHERE site = $1 AND cart_updated_at < $2",
            site,
            before(retention.cart),
        )
        .await?;
        // The interest model on the profile, by when the agent last sent it.
        deleted.interests = sweep(
            &mut tx,
            "UPDATE visitors SET interests_json = NULL, interests_updated_at = NULL \
             WHERE site = $1 AND interests_updated_at < $2",
            site,
            before(retention.interests),
        )
        .await?;
        deleted.intents = sweep(
            &mut tx,
            &format!("DELETE FROM intents WHERE created_at < $2 AND visitor_id IN ({of_site})"),
            site,
            before(retention.cart),
        )
        .await?;

        // Handoff requests are about the cart (its code, what to buy): kept as long as it.
        deleted.intents += sweep(
            &mut tx,
            "DELETE FROM handoffs WHERE site = $1 AND occurred_at < $2",
            site,
            before(retention.cart),
        )
        .await?;

        // Profiles not seen for the identifiers' retention go whole, with everything keyed by
        // their id. No tombstone: this is forgetting, not an erasure the visitor asked for.
        let stale = before(retention.identifiers);
        for table in ["events", "campaign_events", "intents", "handoffs"] {
            let gone = sweep(
                &mut tx,
                &format!("DELETE FROM {table} WHERE visitor_id IN ({STALE_VISITORS})"),
                site,
                stale,
            )
            .await?;
            if !matches!(table, "intents" | "handoffs") {
                deleted.events += gone;
            } else {
                deleted.intents += gone;
            }
        }
        // Receipts are kept by their own retention, without the id of a forgotten profile.
        sweep(
            &mut tx,
            &format!(
            "UPDATE consent_receipts SET visitor_id = NULL WHERE visitor_id IN ({STALE_VISITORS})"
        ),
            site,
            stale,
        )
        .await?;
        // The per-purpose consent record goes with its profile (the receipts above stay).
        sweep(
            &mut tx,
            &format!("DELETE FROM visitor_consent WHERE visitor_id IN ({STALE_VISITORS})"),
            site,
            stale,
        )
        .await?;
        sweep(
            &mut tx,
            &format!("DELETE FROM batches WHERE visitor_id IN ({STALE_VISITORS})"),
            site,
            stale,
        )
        .await?;
        deleted.visitors = sweep(
            &mut tx,
            &format!("DELETE FROM visitors WHERE visitor_id IN ({STALE_VISITORS})"),
            site,
            stale,
        )
        .await?;
        tx.commit().await?;
        if deleted.total() > 0 {
            tracing::info!(
                %site,
                receipts = deleted.receipts,
                events = deleted.events,
                carts = deleted.carts,
                intents = deleted.intents,
                visitors = deleted.visitors,
                "retention: data past its policy's retention deleted"
            );
        }
        Ok(deleted)
    }
}

/// Runs one statement of a site's sweep, whose `$1` is the site and `$2` the cut-off time (ms
/// since the epoch); the rows it deleted or cleared.
async fn sweep(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: &str,
    site: &str,
    cutoff: i64,
) -> Result<u64, DbError> {
    Ok(sqlx::query(sql).bind(site).bind(cutoff).execute(&mut **tx).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_category_lives_as_long_as_the_longest_purpose_that_names_it() {
        let policy = json!({ "kind": "policy", "version": 2, "purposes": [
            { "id": "necessary", "data": [], "retention_days": 400 },
            { "id": "measurement", "data": ["activity", "identifiers"], "retention_days": 200 },
            { "id": "personalization", "data": ["cart", "interests", "identifiers"], "retention_days": 90 },
            { "id": "marketing", "data": ["contact", "cart", "identifiers"], "retention_days": 120 },
        ] });
        assert_eq!(
            Retention::of_policy(Some(&policy)),
            Retention { activity: 200, cart: 120, identifiers: 200, receipts: 400, interests: 90 }
        );
    }

    #[test]
    fn data_no_purpose_names_is_kept_for_no_day() {
        let policy =
            json!({ "purposes": [{ "id": "necessary", "data": [], "retention_days": 30 }] });
        assert_eq!(
            Retention::of_policy(Some(&policy)),
            Retention { activity: 0, cart: 0, identifiers: 0, receipts: 30, interests: 0 }
        );
    }

    #[test]
    fn without_retention_in_the_policy_the_demo_policys_applies() {
        let format_one =
            json!({ "kind": "policy", "version": 1, "purposes": [{ "id": "storage" }] });
        assert_eq!(Retention::of_policy(Some(&format_one)), Retention::DEFAULT);
        assert_eq!(Retention::of_policy(None), Retention::DEFAULT);
    }
}
