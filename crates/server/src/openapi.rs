//! The OpenAPI 3 document, generated from the route annotations (utoipa), and a browsable page
//! of it rendered on the server (no script, no CDN: it works offline).

use axum::Json;
use axum::response::Html;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::staffing;
use crate::routes::{config, health, mappings, metrics, records, session, users};

#[derive(OpenApi)]
#[openapi(
    info(title = "CareKPI API", description = "Customer-service metrics, KPI scorecards and goals. Authenticate with the session cookie from POST /api/login (and send its CSRF token in X-CSRF-Token with every change), or with `Authorization: Bearer <API key>`. Errors are JSON {error, message, details}."),
    paths(
        health::health, health::ready,
        session::login, session::logout, session::me,
        records::ingest, records::import, records::case_webhook,
        mappings::list, mappings::get, mappings::put, mappings::delete,
        metrics::catalogue, metrics::query_post, metrics::query_get, metrics::drill,
        config::get_config, config::put_config, config::patch_config, config::history,
        config::put_schedule, config::delete_schedule, config::import_holidays,
        users::list, users::create, users::update, users::list_keys, users::create_key, users::revoke_key,
        staffing::interval, staffing::week,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&Security, &CommonErrors),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "session", description = "Log in and out"),
        (name = "ingest", description = "Send records"),
        (name = "metrics", description = "The catalogue and metric queries"),
        (name = "config", description = "The account's configuration, versioned"),
        (name = "users", description = "Users and API keys (admins)"),
        (name = "staffing", description = "Agents needed and service level forecasts (Erlang C and Erlang A): one interval, or the average week of the stored contacts"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The error answers any route may give, added where a route does not list them itself: every
/// route can refuse a malformed request (400), a body of the wrong type (415) or too large (413);
/// every authenticated route can answer 401 and 403; the database can be down (503).
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let public = matches!(
                path.as_str(),
                "/health" | "/ready" | "/api/login" | "/api/openapi.json" | "/api/docs"
            );
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let mut common = vec![
                    ("400", "Malformed request: the message says what and where"),
                    ("405", "The route does not take this method"),
                    ("413", "The body is larger than the limit"),
                    ("415", "The body is not of the expected content type"),
                    ("503", "The database is unavailable"),
                ];
                if !public {
                    common.push(("401", "Not authenticated: log in or send an API key"));
                    common.push((
                        "403",
                        "Not allowed for this role or key scope (or CSRF token missing)",
                    ));
                    common.push(("404", "No such resource"));
                    common.push(("422", "Well-formed but invalid"));
                }
                for (status, description) in common {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error(description).into());
                }
            }
        }
    }
}

/// The OpenAPI document (no authentication).
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The API's routes as a page: method, path, summary, parameters and answers.
pub async fn docs_page() -> Html<String> {
    let doc = ApiDoc::openapi();
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CareKPI API</title>\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2433}\
         h2{border-bottom:1px solid #ccd;padding-bottom:.3rem}code{background:#f2f3f7;padding:0 .3rem}\
         .m{display:inline-block;min-width:4.5rem;font-weight:bold}.r{margin:.2rem 0 .2rem 5rem;color:#445}</style>\
         </head><body><h1>CareKPI API</h1><p>",
    );
    html.push_str(&escape(doc.info.description.as_deref().unwrap_or("")));
    html.push_str("</p><p>Machine-readable: <a href=\"/api/openapi.json\"><code>/api/openapi.json</code></a></p>");
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            html.push_str(&format!(
                "<h2><span class=\"m\">{method}</span><code>{}</code></h2><p>{}</p>",
                escape(path),
                escape(op.summary.as_deref().unwrap_or(""))
            ));
            if let Some(params) = &op.parameters {
                for p in params {
                    html.push_str(&format!(
                        "<div class=\"r\">parameter <code>{}</code>: {}</div>",
                        escape(&p.name),
                        escape(p.description.as_deref().unwrap_or(""))
                    ));
                }
            }
            for (status, response) in &op.responses.responses {
                let text = match response {
                    utoipa::openapi::RefOr::T(r) => r.description.clone(),
                    utoipa::openapi::RefOr::Ref(r) => r.ref_location.clone(),
                };
                html.push_str(&format!(
                    "<div class=\"r\"><b>{}</b> {}</div>",
                    escape(status),
                    escape(&text)
                ));
            }
        }
    }
    html.push_str("</body></html>");
    Html(html)
}

/// HTML-escape text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
