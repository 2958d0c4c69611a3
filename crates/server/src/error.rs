//! Errors as JSON: every failed request answers `{"error": code, "message": text, "details": …}`
//! with the matching status (4xx for the caller's mistakes, 5xx for ours).

pub use axum::http::StatusCode;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use carekpi_domain::RecordError;
use serde::Serialize;
use serde_json::{Value, json};

/// A failed request.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// A stable machine code: `invalid_records`, `unauthenticated`, `forbidden` …
    pub code: &'static str,
    pub message: String,
    /// Boxed: keeps `Result<_, ApiError>` small.
    pub details: Box<Value>,
    /// Seconds to wait before retrying (429).
    pub retry_after: Option<u64>,
}

/// The body of an error response (for the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine code, e.g. `invalid_records`, `forbidden`, `not_found`.
    pub error: String,
    /// What went wrong, for a person.
    pub message: String,
    /// Structured details, e.g. the rejected records with their field and reason; null when
    /// there are none.
    #[schema(value_type = Option<Object>)]
    pub details: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Box::new(Value::Null),
            retry_after: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Box::new(details);
        self
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// Records refused: 422 with each record's position, kind, id, field and reason.
    pub fn invalid_records(errors: &[RecordError], total: usize) -> Self {
        let first = errors
            .first()
            .map_or(String::new(), |e| format!("; first: {e}"));
        Self::unprocessable(
            "invalid_records",
            format!(
                "{} of {total} record{} refused, nothing stored{first}",
                errors.len(),
                if total == 1 { "" } else { "s" }
            ),
        )
        .with_details(json!({ "rejected": rejected_json(errors) }))
    }
}

/// Rejected records as JSON: `[{index, kind, id, field, reason, message}]`.
pub fn rejected_json(errors: &[RecordError]) -> Value {
    Value::Array(
        errors
            .iter()
            .map(|e| {
                let index = match e.position {
                    carekpi_domain::interchange::Position::Index(i) => json!(i),
                    carekpi_domain::interchange::Position::Line(l)
                    | carekpi_domain::interchange::Position::Row(l) => json!({ "line": l }),
                };
                json!({
                    "index": index,
                    "kind": e.kind.map(|k| k.as_str()),
                    "id": e.id,
                    "field": e.field,
                    "reason": e.reason,
                    "message": e.to_string(),
                })
            })
            .collect(),
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.code,
            "message": self.message,
            "details": *self.details,
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<carekpi_storage::StorageError> for ApiError {
    fn from(e: carekpi_storage::StorageError) -> Self {
        // The store's messages never carry credentials (URLs are redacted).
        ApiError::unavailable(format!("the database failed: {e}"))
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        // A body of the wrong shape is a malformed request (400) like a body that is not JSON.
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(e.body_text()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                e.body_text(),
            ),
            _ => ApiError::bad_request(e.body_text()),
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::bad_request(e.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(e: axum::extract::rejection::PathRejection) -> Self {
        ApiError::bad_request(e.body_text())
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(e: axum::extract::rejection::BytesRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(e.body_text())
        } else {
            ApiError::bad_request(e.body_text())
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
