//! Which link targets a view may carry: the page's own origin, or an allowed host over https.

/// A URL already resolved against the page by the browser, reduced to what the rule needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkTarget<'a> {
    /// Scheme with its colon, as `URL.protocol` gives it: `https:`.
    pub protocol: &'a str,
    pub host: &'a str,
    pub origin: &'a str,
}

pub fn is_allowed(target: &LinkTarget<'_>, page_origin: &str, allowed_hosts: &[String]) -> bool {
    if target.origin == page_origin && matches!(target.protocol, "https:" | "http:") {
        return true;
    }
    target.protocol == "https:"
        && allowed_hosts.iter().any(|host| host.eq_ignore_ascii_case(target.host))
}
