//! The page's files, compiled into the binary: one table, one route per entry. A path not in
//! the table is a 404.

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::plot::PALETTE;

const HTML: &str = "text/html; charset=utf-8";
// Module scripts load only with a JavaScript MIME type.
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A file's contents: a function, so that an entry may be made at run time (the palette, the
/// optimizers).
type Contents = fn() -> &'static str;

/// Path, content type, contents. docs/architecture.md says what each module holds.
const ASSETS: &[(&str, &str, Contents)] = &[
    ("/", HTML, || include_str!("assets/index.html")),
    ("/style.css", CSS, || include_str!("assets/style.css")),
    ("/main.js", JS, || include_str!("assets/main.js")),
    ("/connection.js", JS, || {
        include_str!("assets/connection.js")
    }),
    ("/settings.js", JS, || include_str!("assets/settings.js")),
    ("/optimizer.js", JS, || include_str!("assets/optimizer.js")),
    ("/explain.js", JS, || include_str!("assets/explain.js")),
    ("/layers.js", JS, || include_str!("assets/layers.js")),
    ("/network.js", JS, || include_str!("assets/network.js")),
    ("/unit-maps.js", JS, || include_str!("assets/unit-maps.js")),
    ("/heatmap.js", JS, || include_str!("assets/heatmap.js")),
    ("/legend.js", JS, || include_str!("assets/legend.js")),
    ("/linechart.js", JS, || include_str!("assets/linechart.js")),
    ("/charts.js", JS, || include_str!("assets/charts.js")),
    ("/render.js", JS, || include_str!("assets/render.js")),
    ("/readouts.js", JS, || include_str!("assets/readouts.js")),
    ("/notices.js", JS, || include_str!("assets/notices.js")),
    ("/fields.js", JS, || include_str!("assets/fields.js")),
    ("/files.js", JS, || include_str!("assets/files.js")),
    ("/colours.js", JS, || include_str!("assets/colours.js")),
    ("/numbers.js", JS, || include_str!("assets/numbers.js")),
    ("/dom.js", JS, || include_str!("assets/dom.js")),
    ("/palette.js", JS, || PALETTE_JS.as_str()),
    ("/optimizers.js", JS, || OPTIMIZERS_JS.as_str()),
];

/// The optimizers' table (src/config/optimizer.rs) as a module: the page's optimizer inputs
/// and their rules come from the config's own.
static OPTIMIZERS_JS: LazyLock<String> = LazyLock::new(super::choices::optimizers_js);

/// The pictures' class colours (plot's PALETTE) as a module: the page draws a class in the
/// colour its PNG pictures do, from one list.
static PALETTE_JS: LazyLock<String> = LazyLock::new(|| {
    let colours: Vec<String> = PALETTE
        .iter()
        .map(|c| format!("\"#{:02x}{:02x}{:02x}\"", c.0, c.1, c.2))
        .collect();
    format!(
        "// The class colours: src/plot/mod.rs's PALETTE, as `mlp2d serve` serves it.\n\
         export const CLASS_COLOURS = [{}];\n",
        colours.join(", ")
    )
});

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_palette_module_lists_plots_colours() {
        assert_eq!(
            PALETTE_JS.lines().nth(1),
            Some(
                "export const CLASS_COLOURS = [\"#4e79a7\", \"#f28e2b\", \"#e15759\", \"#76b7b2\", \
                 \"#59a14f\", \"#edc948\", \"#b07aa1\", \"#ff9da7\", \"#9c755f\", \"#bab0ac\"];"
            )
        );
    }
}
