//! `--demo`: a sign-in page at `/demo`, plain HTML and JavaScript with no
//! build step, talking to the same `/v1` routes with the generated token.

use crate::App;
use axum::extract::State;
use axum::response::Html;
use std::sync::Arc;

const PAGE: &str = include_str!("demo.html");

pub async fn page(State(app): State<Arc<App>>) -> Html<String> {
    // The token is a JSON string in a script: quoted by serde_json, and
    // `<` escaped so it cannot close the script element.
    let token = serde_json::to_string(app.demo_token.as_deref().unwrap_or(""))
        .unwrap_or_default()
        .replace('<', "\\u003c");
    Html(PAGE.replace("\"__MFAC_DEMO_TOKEN__\"", &token))
}
