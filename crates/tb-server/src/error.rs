//! API errors: an HTTP status and a stable machine-readable code. The
//! message says what the caller can act on; internals (SQL, file paths,
//! keys) go to the log only, under the request's error id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Every error code the API returns, with its status. Part of the API
/// contract (documented in the OpenAPI document): never renamed.
pub const ERROR_CODES: &[(&str, u16, &str)] = &[
    ("bad_request", 400, "the request is malformed (body, query or path)"),
    ("invalid_spec", 422, "the tender spec or one of its suites has errors; `message` lists them"),
    ("unauthenticated", 401, "no valid session cookie or bearer token"),
    ("bad_credentials", 401, "wrong name or password"),
    ("csrf", 403, "a cookie-authenticated write without the session's X-CSRF-Token header"),
    ("forbidden", 403, "the caller's role may not do this"),
    ("blind", 403, "the vendors' names stay sealed until the mapping is revealed"),
    ("sealed", 403, "a sealed suite shows only its commitment until it is revealed"),
    ("not_found", 404, "no such resource, or none the caller may see"),
    ("conflict", 409, "the resource exists already, or is in a state that forbids this"),
    ("rate_limited", 429, "too many failed logins; retry after the Retry-After header's seconds"),
    ("unavailable", 503, "the server is shutting down"),
    ("no_font", 503, "the server has no font with the document's characters to draw a PDF; the DOCX needs none"),
    ("internal", 500, "an internal error; the log has its details under the error id"),
];

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> ApiError {
        let status = ERROR_CODES
            .iter()
            .find(|(c, _, _)| *c == code)
            .and_then(|(_, s, _)| StatusCode::from_u16(*s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError { status, code, message: message.into(), retry_after: None }
    }

    pub fn bad_request(m: impl Into<String>) -> ApiError {
        ApiError::new("bad_request", m)
    }
    pub fn forbidden(m: impl Into<String>) -> ApiError {
        ApiError::new("forbidden", m)
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new("not_found", format!("no {what} here"))
    }
    pub fn conflict(m: impl Into<String>) -> ApiError {
        ApiError::new("conflict", m)
    }

    /// An internal failure: logged in full, answered with an id only.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        let id = format!("{:08x}", rand::random::<u32>());
        tracing::error!(error_id = %id, detail = %detail, "internal error");
        ApiError::new("internal", format!("internal error {id}; the server log has its details"))
    }
}

impl From<tb_store::StoreError> for ApiError {
    fn from(e: tb_store::StoreError) -> ApiError {
        match e {
            tb_store::StoreError::NoSuchRun(_) => ApiError::not_found("run"),
            other => ApiError::internal(other),
        }
    }
}

impl From<tb_report::ReportError> for ApiError {
    fn from(e: tb_report::ReportError) -> ApiError {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
