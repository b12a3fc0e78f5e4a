//! Posting an event to a webhook (a contract's alarm): one JSON POST, no
//! redirects, a bounded time, a non-2xx answer is an error. HTTP clients are
//! built here only (the architecture's rule), with the one TLS stack.

use std::time::Duration;

/// POSTs `body` as JSON to `url`; Ok with the status when it is 2xx.
pub async fn post_json(url: &str, body: &serde_json::Value, timeout: Duration) -> Result<u16, String> {
    super::install_tls_provider();
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    if status.is_success() { Ok(status.as_u16()) } else { Err(format!("{url} answered HTTP {status}")) }
}
