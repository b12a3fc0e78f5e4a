//! Posting JSON to a webhook (a contract's alarm) or to a tenderbench
//! server's API (a probe record): one POST, no redirects, a bounded time, a
//! non-2xx answer is an error. HTTP clients are built here only (the
//! architecture's rule), with the one TLS stack.

use std::time::Duration;

/// POSTs `body` as JSON to `url` (with `bearer` as its token, when given);
/// Ok with the status and the answer's body when the status is 2xx.
pub async fn post_json(
    url: &str,
    body: &serde_json::Value,
    bearer: Option<&str>,
    timeout: Duration,
) -> Result<(u16, String), String> {
    super::install_tls_provider();
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let mut request = client.post(url).header("content-type", "application/json").body(body.to_string());
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if status.is_success() {
        Ok((status.as_u16(), text))
    } else {
        Err(format!("{url} answered HTTP {status}: {}", text.chars().take(300).collect::<String>()))
    }
}
