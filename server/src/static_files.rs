//! The shop's static files: pages, the loader and the built agent, with a real 404.
//!
//! A request path is client input: whatever it names (a name too long for the filesystem, a NUL,
//! bytes that are not UTF-8, a file used as a directory), the answer is a 4xx, never a 500.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get_service, MethodRouter};
use std::convert::Infallible;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::services::ServeDir;

/// Longer request paths name no file here; they are refused before the filesystem sees them.
pub const MAX_PATH_BYTES: usize = 1024;
/// The longest file name common filesystems allow (ext4, APFS, NTFS: 255).
pub const MAX_SEGMENT_BYTES: usize = 255;

/// Serves `www`; directories answer with their `index.html`, and `/cart` redirects to `/cart/`.
pub fn service(www: &Path) -> MethodRouter {
    let not_found_page = Arc::new(www.join("404.html"));
    let fallback_page = not_found_page.clone();
    let files = ServeDir::new(www).append_index_html_on_directories(true).fallback(get_service(
        tower::service_fn(move |_request| {
            let page = fallback_page.clone();
            async move { Ok::<_, Infallible>(not_found(&page).await) }
        }),
    ));
    get_service(tower::service_fn(move |request: Request<Body>| {
        let mut files = files.clone();
        let page = not_found_page.clone();
        async move {
            if let Some(status) = refused(request.uri().path()) {
                return Ok::<_, Infallible>(match status {
                    StatusCode::NOT_FOUND => not_found(&page).await,
                    status => status.into_response(),
                });
            }
            let path = request.uri().path().to_owned();
            match files.try_call(request).await {
                Ok(response) => Ok(response.into_response()),
                Err(error) => {
                    // Whatever the filesystem says about a client's path, the client gets a 404;
                    // the unexpected kinds (not a path's fault) are logged for the operator.
                    if !is_path_error(error.kind()) {
                        tracing::error!(%error, kind = ?error.kind(), path = %truncated(&path), "cannot read a static file");
                    }
                    Ok(not_found(&page).await)
                }
            }
        }
    }))
}

/// Paths refused before the filesystem is asked: too long overall (414) or in one segment (404).
fn refused(path: &str) -> Option<StatusCode> {
    if path.len() > MAX_PATH_BYTES {
        return Some(StatusCode::URI_TOO_LONG);
    }
    let segment_too_long = path.split('/').any(|segment| {
        // Percent-encoding only shortens a segment, so the raw length bounds the decoded one.
        segment.len() > MAX_SEGMENT_BYTES && decoded_len(segment) > MAX_SEGMENT_BYTES
    });
    segment_too_long.then_some(StatusCode::NOT_FOUND)
}

/// The length of a segment once `%XX` escapes are decoded.
fn decoded_len(segment: &str) -> usize {
    let bytes = segment.as_bytes();
    let mut length = 0;
    let mut index = 0;
    while index < bytes.len() {
        let escaped = bytes[index] == b'%'
            && bytes.get(index + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(index + 2).is_some_and(u8::is_ascii_hexdigit);
        index += if escaped { 3 } else { 1 };
        length += 1;
    }
    length
}

/// Errors that say the path names nothing servable, as opposed to the server failing.
fn is_path_error(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::NotFound
            | ErrorKind::PermissionDenied
            | ErrorKind::InvalidInput
            | ErrorKind::InvalidData
            | ErrorKind::NotADirectory
            | ErrorKind::IsADirectory
    )
}

fn truncated(path: &str) -> &str {
    let mut end = path.len().min(120);
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    &path[..end]
}

async fn not_found(page: &PathBuf) -> Response {
    match tokio::fs::read_to_string(page).await {
        Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_too_long_for_any_filesystem_are_refused_up_front() {
        let long = "a".repeat(MAX_SEGMENT_BYTES + 1);
        let escaped_short = "%41".repeat(MAX_SEGMENT_BYTES / 2);
        let cases = [
            ("/index.html".to_owned(), None),
            (format!("/{}", "a".repeat(MAX_SEGMENT_BYTES)), None),
            (format!("/{escaped_short}"), None),
            (format!("/{long}"), Some(StatusCode::NOT_FOUND)),
            (format!("/cart/{long}/x"), Some(StatusCode::NOT_FOUND)),
            (format!("/{}", "%41".repeat(MAX_SEGMENT_BYTES + 1)), Some(StatusCode::NOT_FOUND)),
            (format!("/{}", "ab/".repeat(400)), Some(StatusCode::URI_TOO_LONG)),
        ];
        for (path, expect) in cases {
            assert_eq!(refused(&path), expect, "{}", truncated(&path));
        }
    }
}
