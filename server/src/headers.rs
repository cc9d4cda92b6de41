//! Response headers every answer carries: the CSP, no MIME sniffing, a referrer policy, caching.

use axum::http::header::{self, HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::Error;

/// Layers that add the security headers, in the order they are applied.
pub fn security(csp: &str) -> Result<Vec<SetResponseHeaderLayer<HeaderValue>>, Error> {
    let csp = HeaderValue::from_str(csp).map_err(|_| Error::InvalidCsp)?;
    let fixed = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    Ok(vec![
        SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp),
        fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        fixed(header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        // File names are not content-hashed, so browsers revalidate (cheaply, by date).
        fixed(header::CACHE_CONTROL, "no-cache"),
    ])
}
