//! The shop's static files: pages, the loader and the built agent, with a real 404.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get_service, MethodRouter};
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;

/// Serves `www`; directories answer with their `index.html`, and `/cart` redirects to `/cart/`.
pub fn service(www: &Path) -> MethodRouter {
    let not_found_page = www.join("404.html");
    let not_found = move || not_found(not_found_page.clone());
    get_service(ServeDir::new(www).append_index_html_on_directories(true).fallback(get_service(
        tower::service_fn(move |_request| {
            let response = not_found();
            async move { Ok::<_, std::convert::Infallible>(response.await) }
        }),
    )))
}

async fn not_found(page: PathBuf) -> Response {
    match tokio::fs::read_to_string(&page).await {
        Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}
