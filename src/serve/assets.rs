//! The page's files, compiled into the binary: one table, one route per entry. A path not in
//! the table is a 404.

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const HTML: &str = "text/html; charset=utf-8";
// Module scripts load only with a JavaScript MIME type.
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A file's contents: a function, so that an entry may be made at run time as well.
type Contents = fn() -> &'static str;

/// Path, content type, contents.
const ASSETS: &[(&str, &str, Contents)] = &[
    ("/", HTML, || include_str!("assets/index.html")),
    ("/style.css", CSS, || include_str!("assets/style.css")),
    ("/app.js", JS, || include_str!("assets/app.js")),
];

/// Every path the table serves.
pub fn paths() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|&(path, _, _)| path)
}

/// `router` with a GET route per asset.
pub fn routes<S: Clone + Send + Sync + 'static>(mut router: Router<S>) -> Router<S> {
    for &(path, content_type, body) in ASSETS {
        router = router.route(
            path,
            get(move || async move { asset(content_type, body()) }),
        );
    }
    router
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}
