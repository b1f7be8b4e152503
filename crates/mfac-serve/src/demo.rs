//! `--demo`: a sign-in page at `/demo`, plain HTML and JavaScript with no
//! build step, talking to the same `/v1` routes with the generated token,
//! which the page reads from its link's fragment (`/demo#token=...`, as
//! `mfac serve --demo` prints it): the page itself holds no token.

use crate::App;
use axum::extract::State;
use axum::response::Html;
use std::sync::Arc;

const PAGE: &str = include_str!("demo.html");

pub async fn page(State(app): State<Arc<App>>) -> Html<String> {
    let running = app.policy.load_full();
    let sorted = |names: &mut dyn Iterator<Item = &str>| {
        let mut v: Vec<String> = names.map(str::to_string).collect();
        v.sort();
        v
    };
    let config = serde_json::json!({
        "groups": sorted(&mut running.policy.group_names()),
        "users": sorted(&mut running.policy.user_names()),
        "apps": sorted(&mut running.policy.apps()),
    });
    // A JSON object in a script element: quoted by serde_json, and `<`
    // escaped so no name can close the element.
    let config = config.to_string().replace('<', "\\u003c");
    Html(PAGE.replace("\"__MFAC_DEMO__\"", &config))
}
