//! Catalogue feeds: a `catalogue` document may name a `feed_url` instead of listing its
//! products; the server fetches that feed when the document is published and serves the
//! products it holds in `/v1/config` as if the document listed them, so no visitor's browser
//! ever fetches it (docs/decisions.md, 2026-12-06, "catalogue feeds fetched by the server").

use crate::db::{Db, DbError};
use crate::documents::Published;
use concierge_protocol::documents::{
    catalogue_links_outside, encode_document, read_feed, Catalogue, Document, Feed, Kind,
};
use concierge_protocol::{Problem, Value};
use std::sync::Arc;
use std::time::Duration;

/// The largest feed read: 500 products of the longest fields fit in well under this.
pub const MAX_FEED_BYTES: u64 = 2 * 1024 * 1024;
/// How long the whole fetch (connection, TLS, answer) may take.
pub const FEED_TIMEOUT: Duration = Duration::from_secs(10);

/// Fetches a feed's bytes; blocking (called on a blocking thread). The error is a reason for
/// people: "HTTP 404", "timed out", "larger than 2097152 bytes".
pub trait FetchFeed: Send + Sync {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, String>;
}

/// The real fetcher: https only, no redirects (a redirect could leave the link hosts), no
/// cookies, the timeout and the size limit above.
pub struct Https;

impl FetchFeed for Https {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .https_only(true)
            .max_redirects(0)
            .timeout_global(Some(FEED_TIMEOUT))
            .build()
            .into();
        let mut answer = agent.get(url).call().map_err(|error| error.to_string())?;
        answer
            .body_mut()
            .with_config()
            .limit(MAX_FEED_BYTES)
            .read_to_vec()
            .map_err(|error| error.to_string())
    }
}

/// What fetching a catalogue's feed gave: the catalogue to serve (the feed's valid products,
/// listed) and the problems of what was left out, each with its path in the feed.
pub struct Fetched {
    pub catalogue: Catalogue,
    pub left_out: Vec<Problem>,
}

/// Fetches and reads the feed `catalogue` names: every valid product whose links stay on the
/// shop or its `link_hosts` is kept; a feed that cannot be fetched or read, or keeps no
/// product, is a problem naming `feed_url` (and the feed's field).
pub async fn fetch(
    fetcher: Arc<dyn FetchFeed>,
    catalogue: Catalogue,
    link_hosts: &[String],
) -> Result<Fetched, Vec<Problem>> {
    let Some(url) = catalogue.feed_url.clone() else {
        return Ok(Fetched { catalogue, left_out: Vec::new() });
    };
    let refuse = |message: String| vec![Problem::new("feed_url", message)];
    if !url.starts_with("https://") {
        return Err(refuse(format!(
            "the server fetches the feed when the catalogue is published, so it must be an \
             https:// URL on one of the settings' link_hosts, got {url:?}"
        )));
    }
    let target = url.clone();
    let bytes = tokio::task::spawn_blocking(move || fetcher.fetch(&target))
        .await
        .map_err(|error| refuse(format!("the feed could not be fetched ({error})")))?
        .map_err(|reason| refuse(format!("the feed {url} could not be fetched: {reason}")))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|error| refuse(format!("the feed {url} is not valid JSON: {error}")))?;
    let Feed { products, mut problems } = read_feed(&value).map_err(|problem| {
        refuse(format!("the feed {url}: {}: {}", problem.path, problem.message))
    })?;
    // A product whose page or picture is on a host views may not link to is left out too.
    let mut kept = Vec::with_capacity(products.len());
    for product in products {
        let one = Catalogue { version: 1, products: vec![product], feed_url: None };
        let outside = catalogue_links_outside(&one, link_hosts);
        match outside.into_iter().next() {
            Some(problem) => {
                let id = one.products[0].id.clone();
                problems.push(Problem::new(
                    format!("products[id={id}]{}", &problem.path["products[0]".len()..]),
                    problem.message + "; left out",
                ));
            }
            None => kept.extend(one.products),
        }
    }
    if kept.is_empty() {
        let mut all = refuse(format!("the feed {url} holds no product the agent can show"));
        all.extend(
            problems.into_iter().map(|p| Problem::new(format!("feed {}", p.path), p.message)),
        );
        return Err(all);
    }
    let catalogue = Catalogue { version: catalogue.version, products: kept, feed_url: None };
    Ok(Fetched { catalogue, left_out: problems })
}

/// Who a version published by [`refresh_all`] names as its publisher.
pub const REFRESHED_BY: &str = "feed refresh";

/// Reads every site's catalogue feed again and publishes a new version of the site's catalogue
/// when the feed's valid products differ from the ones in force; a feed that cannot be fetched
/// or read leaves them in force, with a warning. Returns how many sites got a new version.
pub async fn refresh_all(db: &Db, fetcher: Arc<dyn FetchFeed>, now: i64) -> Result<usize, DbError> {
    let mut refreshed = 0;
    for (site, url) in db.catalogue_feeds().await? {
        let hosts = crate::documents::published_link_hosts(db, &site).await?;
        let named = Catalogue { version: 0, products: Vec::new(), feed_url: Some(url.clone()) };
        let fetched = match fetch(fetcher.clone(), named, &hosts).await {
            Ok(fetched) => fetched,
            Err(problems) => {
                let first = problems.first().map(|p| p.message.clone()).unwrap_or_default();
                tracing::warn!(%site, %url, problem = %first, "a catalogue feed could not be read again; the products in force stay");
                continue;
            }
        };
        let current = db.current_documents(&site).await?;
        let Some((_, body)) = current.iter().find(|(kind, _)| kind == Kind::Catalogue.name())
        else {
            continue;
        };
        let body: serde_json::Value =
            serde_json::from_str(body).map_err(|e| DbError::Damaged(e.to_string()))?;
        let version = body["version"].as_u64().and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
        let catalogue = Catalogue { version: version.saturating_add(1), ..fetched.catalogue };
        let document = Document::Catalogue(Box::new(catalogue));
        let encoded = serde_json::to_value(encode_document(&document))
            .map_err(|e| DbError::Damaged(e.to_string()))?;
        if encoded["products"] == body["products"] {
            continue;
        }
        let row = Published {
            site: site.clone(),
            kind: Kind::Catalogue,
            version: version.saturating_add(1),
            // As publishing writes it (the protocol's field order), not re-sorted.
            body: serde_json::to_string(&encode_document(&document))
                .map_err(|e| DbError::Damaged(e.to_string()))?,
            published_by: REFRESHED_BY.to_owned(),
            published_at: now,
        };
        // Another process's refresh may have published this version first: nothing to do.
        if db.publish_document(&row).await?.is_none() {
            tracing::info!(%site, %url, version = row.version, left_out = fetched.left_out.len(), "catalogue refreshed from its feed");
            refreshed += 1;
        }
    }
    Ok(refreshed)
}
