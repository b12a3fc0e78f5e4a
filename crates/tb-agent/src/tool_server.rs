//! The environment's tools over HTTP, for black-box agent platforms that
//! run their own tool calls: each episode is registered under a fresh
//! 128-bit token, and its URL (`{base}/episodes/{token}`) is given to the
//! platform with the user's message (`{{tools_url}}` in the request
//! template). The platform lists the tools with `GET {url}/tools` and calls
//! one with `POST {url}/tools/{name}` and the arguments as a JSON object;
//! the answer is the tool's result, or `{"error": …}`. Every call is checked
//! and counted as the loop's own calls are, and goes into the transcript.
//!
//! The token is the only credential: an episode's URL reaches that
//! episode's environment and nothing else, and stops working when the
//! episode ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::episode::{SharedWorkspace, lock};

type Registry = Arc<Mutex<HashMap<String, SharedWorkspace>>>;

/// A running tool server.
pub struct ToolServer {
    registry: Registry,
    base: String,
    task: tokio::task::JoinHandle<()>,
}

/// An episode's registration: its URL, until dropped.
pub struct Registration {
    registry: Registry,
    token: String,
    pub url: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.token);
    }
}

impl ToolServer {
    /// Listens on `listen` (`127.0.0.1:0` picks a port); episode URLs start
    /// with `public_url` when given (the address platforms reach this host
    /// at), else with the address listened on.
    pub async fn start(listen: &str, public_url: Option<&str>) -> std::io::Result<ToolServer> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let registry: Registry = Arc::default();
        let router = Router::new()
            .route("/episodes/{token}/tools", get(list))
            .route("/episodes/{token}/tools/{name}", post(call))
            .with_state(registry.clone());
        let task = tokio::spawn(async move {
            // Serving ends with the run (the task is aborted on drop).
            let _ = axum::serve(listener, router).await;
        });
        let base = public_url.map_or_else(|| format!("http://{addr}"), |u| u.trim_end_matches('/').to_string());
        Ok(ToolServer { registry, base, task })
    }

    /// Makes an episode's workspace reachable.
    pub fn register(&self, ws: SharedWorkspace) -> Registration {
        let token = format!("{:032x}", rand::random::<u128>());
        self.registry.lock().unwrap_or_else(|e| e.into_inner()).insert(token.clone(), ws);
        Registration { registry: self.registry.clone(), url: format!("{}/episodes/{token}", self.base), token }
    }
}

impl Drop for ToolServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn workspace(registry: &Registry, token: &str) -> Option<SharedWorkspace> {
    registry.lock().unwrap_or_else(|e| e.into_inner()).get(token).cloned()
}

fn no_episode() -> Response {
    (StatusCode::NOT_FOUND, axum::Json(json!({ "error": "no such episode (it may have ended)" }))).into_response()
}

async fn list(State(registry): State<Registry>, Path(token): Path<String>) -> Response {
    match workspace(&registry, &token) {
        Some(ws) => axum::Json(json!({ "tools": lock(&ws).tools() })).into_response(),
        None => no_episode(),
    }
}

async fn call(State(registry): State<Registry>, Path((token, name)): Path<(String, String)>, body: String) -> Response {
    let Some(ws) = workspace(&registry, &token) else { return no_episode() };
    // Off the async threads: a programming task's call may run its tests.
    match tokio::task::spawn_blocking(move || lock(&ws).serve(&name, &body)).await {
        Ok(result) => axum::Json(result).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({ "error": format!("the tool failed: {e}") })))
            .into_response(),
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods, reason = "the test calls the tool server as a platform would")]
mod tests {
    use super::*;
    use crate::episode::{Resources, Workspace};
    use crate::task::Task;

    #[tokio::test]
    async fn an_episode_is_reachable_by_its_token_only_while_it_runs() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let task = Task::parse(json!({
            "id": "t", "language": "en", "env": "gov", "citizen": "C1001", "prompt": "Fee?",
            "expect": { "outcome": "act" }, "reference": [{ "say": "ok" }]
        }))
        .unwrap();
        let (ws, _) = Workspace::new(&task, &Resources::default());
        let ws: SharedWorkspace = Arc::new(Mutex::new(ws));
        let server = ToolServer::start("127.0.0.1:0", None).await.unwrap();
        let registration = server.register(ws.clone());
        let http = reqwest::Client::new();
        let tools: serde_json::Value =
            http.get(format!("{}/tools", registration.url)).send().await.unwrap().json().await.unwrap();
        assert!(tools["tools"].as_array().unwrap().len() >= 10);
        let fee = http
            .post(format!("{}/tools/compute_fee", registration.url))
            .body(r#"{"service": "certificate_copy", "quantity": 2}"#)
            .send()
            .await
            .unwrap();
        let fee: serde_json::Value = fee.json().await.unwrap();
        assert!(fee["total_yuan"].as_f64().is_some(), "{fee}");
        let other: serde_json::Value = http
            .post(format!("{}/tools/get_citizen_profile", registration.url))
            .body(r#"{"citizen_id": "C1002"}"#)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(other["error"].as_str().unwrap().contains("access denied"));
        // Counted and kept like the loop's own calls.
        {
            let w = lock(&ws);
            assert_eq!(w.served.len(), 2);
            assert_eq!(w.violations[0].kind, "other_citizen");
        }
        let guessed = format!("{}/tools", registration.url.replace(&registration.token, &"0".repeat(32)));
        assert_eq!(http.get(guessed).send().await.unwrap().status(), 404);
        let url = registration.url.clone();
        drop(registration);
        assert_eq!(http.get(format!("{url}/tools")).send().await.unwrap().status(), 404);
    }
}
