//! The routes, by family.

pub mod config;
pub mod health;
pub mod mappings;
pub mod metrics;
pub mod records;
pub mod session;
pub mod staffing;
pub mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::routing::{get, post, put};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router(state: Arc<AppState>) -> Router {
    let upload_limit = state.options.max_upload_bytes;
    let body_limit = state.options.max_body_bytes;
    let uploads = Router::new()
        .route("/api/import", post(records::import))
        .route(
            "/api/config/schedules/{id}/holidays",
            post(config::import_holidays),
        )
        .layer(DefaultBodyLimit::max(upload_limit));
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/api/openapi.json", get(crate::openapi::document))
        .route("/api/docs", get(crate::openapi::docs_page))
        .route("/api/login", post(session::login))
        .route("/api/logout", post(session::logout))
        .route("/api/me", get(session::me))
        .route("/api/records", post(records::ingest))
        .route("/api/webhooks/cases", post(records::case_webhook))
        .route("/api/metrics", get(metrics::catalogue))
        .route(
            "/api/query",
            get(metrics::query_get).post(metrics::query_post),
        )
        .route("/api/drill", post(metrics::drill))
        .route("/api/mappings", get(mappings::list))
        .route(
            "/api/mappings/{name}",
            get(mappings::get)
                .put(mappings::put)
                .delete(mappings::delete),
        )
        .route("/api/staffing", get(staffing::interval))
        .route("/api/staffing/week", get(staffing::week))
        .route(
            "/api/config",
            get(config::get_config)
                .put(config::put_config)
                .patch(config::patch_config),
        )
        .route("/api/config/history", get(config::history))
        .route(
            "/api/config/schedules/{id}",
            put(config::put_schedule).delete(config::delete_schedule),
        )
        .route("/api/users", get(users::list).post(users::create))
        .route("/api/users/{id}", axum::routing::patch(users::update))
        .route("/api/keys", get(users::list_keys).post(users::create_key))
        .route("/api/keys/{id}", axum::routing::delete(users::revoke_key))
        .layer(DefaultBodyLimit::max(body_limit));
    api.merge(uploads)
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("x-frame-options", "DENY"))
        .layer(header("referrer-policy", "no-referrer"))
        .layer(header(
            "content-security-policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ))
        .layer(header("cache-control", "no-store"))
        .with_state(state)
}

fn header(name: &'static str, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        HeaderName::from_static(name),
        HeaderValue::from_static(value),
    )
}
