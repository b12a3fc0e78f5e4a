//! The API's endpoint table: the router is built from it, the OpenAPI
//! document is generated from it, and the access-control test walks it.
//! An endpoint that is not here is not served.

use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};

use crate::App;
use crate::api;
use crate::error::ERROR_CODES;

pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub operation: &'static str,
    pub summary: &'static str,
    /// Who may call it (the handler decides; this documents it), `public` for no login.
    pub roles: &'static str,
    /// The JSON body's fields: (name, JSON type, required, description).
    pub body: &'static [(&'static str, &'static str, bool, &'static str)],
    pub handler: fn() -> MethodRouter<App>,
}

const ANY: &str = "any logged-in account";
const READERS: &str = "buyer, evaluator (blind), vendor (its own), auditor";

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "get",
        path: "/healthz",
        operation: "healthz",
        summary: "Liveness and store health",
        roles: "public",
        body: &[],
        handler: || get(api::healthz),
    },
    Endpoint {
        method: "get",
        path: "/metrics",
        operation: "metrics",
        summary: "Prometheus metrics",
        roles: "public",
        body: &[],
        handler: || get(api::metrics),
    },
    Endpoint {
        method: "get",
        path: "/api/openapi.json",
        operation: "openapi",
        summary: "This document",
        roles: "public",
        body: &[],
        handler: || get(api::openapi),
    },
    Endpoint {
        method: "post",
        path: "/api/login",
        operation: "login",
        summary: "Log in: sets the session cookie and returns the CSRF token",
        roles: "public",
        body: &[("name", "string", true, "account name"), ("password", "string", true, "password")],
        handler: || post(api::login),
    },
    Endpoint {
        method: "post",
        path: "/api/logout",
        operation: "logout",
        summary: "End the session",
        roles: ANY,
        body: &[],
        handler: || post(api::logout),
    },
    Endpoint {
        method: "get",
        path: "/api/me",
        operation: "me",
        summary: "The caller's account",
        roles: ANY,
        body: &[],
        handler: || get(api::me),
    },
    Endpoint {
        method: "get",
        path: "/api/users",
        operation: "listUsers",
        summary: "Accounts",
        roles: "admin",
        body: &[],
        handler: || get(api::list_users),
    },
    Endpoint {
        method: "post",
        path: "/api/users",
        operation: "createUser",
        summary: "Create an account",
        roles: "admin",
        body: &[
            ("name", "string", true, "account name"),
            ("password", "string", true, "at least 10 characters"),
            ("role", "string", true, "admin | buyer | evaluator | vendor | auditor"),
            ("vendor", "string", false, "the bidder's name in the tender specs (vendor accounts only)"),
        ],
        handler: || post(api::create_user),
    },
    Endpoint {
        method: "post",
        path: "/api/tokens",
        operation: "createToken",
        summary: "Create an API token for the caller (shown once)",
        roles: ANY,
        body: &[("label", "string", false, "what the token is for")],
        handler: || post(api::create_token),
    },
    Endpoint {
        method: "get",
        path: "/api/tenders",
        operation: "listTenders",
        summary: "Tenders",
        roles: "buyer, evaluator, vendor, auditor",
        body: &[],
        handler: || get(api::list_tenders),
    },
    Endpoint {
        method: "post",
        path: "/api/tenders",
        operation: "createTender",
        summary: "Create a tender from a spec and its suite files, or from the built-in example",
        roles: "buyer",
        body: &[
            ("spec_toml", "string", false, "the tender spec (TOML)"),
            ("files", "object", false, "suite files by path relative to the spec: {path: text}"),
            ("example", "string", false, "`hotline`: the built-in example instead"),
        ],
        handler: || post(api::create_tender),
    },
    Endpoint {
        method: "get",
        path: "/api/tenders/{tender}",
        operation: "getTender",
        summary: "Criteria, gates, weights, suites (sealed: commitment only), vendors, runs",
        roles: READERS,
        body: &[],
        handler: || get(api::get_tender),
    },
    Endpoint {
        method: "get",
        path: "/api/tenders/{tender}/suites/{suite}",
        operation: "getSuite",
        summary: "A suite's cases (never a sealed suite's; vendors: the practice suite only)",
        roles: READERS,
        body: &[],
        handler: || get(api::get_suite),
    },
    Endpoint {
        method: "post",
        path: "/api/tenders/{tender}/registrations",
        operation: "register",
        summary: "Register the vendor's endpoint, model and bid price",
        roles: "vendor",
        body: &[
            ("base_url", "string", true, "OpenAI-compatible base URL"),
            ("model", "string", true, "model name"),
            ("bid_price", "number", true, "the bid (yuan)"),
        ],
        handler: || post(api::register),
    },
    Endpoint {
        method: "post",
        path: "/api/tenders/{tender}/runs",
        operation: "startRun",
        summary: "Start an official run (buyer) or a practice run (vendor)",
        roles: "buyer, vendor (practice)",
        body: &[
            ("practice", "boolean", false, "a vendor's practice run on the public practice suites"),
            ("simulated", "boolean", false, "rehearse against simulated vendors"),
            ("profiles", "array", false, "simulated vendors' profiles, in spec order, cycling"),
        ],
        handler: || post(api::start_run),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}",
        operation: "getRun",
        summary: "A run's status and per-vendor progress",
        roles: READERS,
        body: &[],
        handler: || get(api::get_run),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/events",
        operation: "runEvents",
        summary: "Live progress (Server-Sent Events: `progress`, then `end`)",
        roles: READERS,
        body: &[],
        handler: || get(api::run_events),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/cancel",
        operation: "cancelRun",
        summary: "Stop a run; stored cells stay, it can be resumed",
        roles: "buyer; vendor (own practice run)",
        body: &[],
        handler: || post(api::cancel_run),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/resume",
        operation: "resumeRun",
        summary: "Resume an interrupted run: stored cells are not sent again",
        roles: "buyer; vendor (own practice run)",
        body: &[],
        handler: || post(api::resume_run),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/results",
        operation: "getResults",
        summary: "The report as the caller may see it (a vendor: its own row only)",
        roles: READERS,
        body: &[],
        handler: || get(api::get_results),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/cells",
        operation: "listCells",
        summary: "Transcripts: filter by vendor, suite, q (text), failed; limit, offset",
        roles: READERS,
        body: &[],
        handler: || get(api::get_cells),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/cases/{suite}/{case}",
        operation: "getCase",
        summary: "One case, side by side across vendors, with grades (and raw bodies where allowed)",
        roles: READERS,
        body: &[],
        handler: || get(api::get_case),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/report.json",
        operation: "reportJson",
        summary: "The whole report, JSON",
        roles: "buyer, evaluator (after the reveal: it holds the prices), auditor",
        body: &[],
        handler: || get(api::report_json),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/report.html",
        operation: "reportHtml",
        summary: "The whole report, HTML (?lang=zh|en)",
        roles: "buyer, evaluator (after the reveal: it holds the prices), auditor",
        body: &[],
        handler: || get(api::report_html),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/evaluation-report/{format}",
        operation: "evaluationReport",
        summary: "The evaluation report (评标报告) the committee signs: docx or pdf (?lang=zh|en)",
        roles: "buyer, evaluator (after the reveal: it holds the prices), auditor",
        body: &[],
        handler: || get(api::evaluation_report),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/audit",
        operation: "auditLog",
        summary: "The audit log (cell entries counted, not listed) and the signing key",
        roles: "buyer, auditor",
        body: &[],
        handler: || get(api::audit_log),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/bundle",
        operation: "bundle",
        summary: "The signed evidence bundle (.tar.gz)",
        roles: "buyer, auditor",
        body: &[],
        handler: || get(api::bundle),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/verify",
        operation: "verify",
        summary: "Export the bundle and verify it as `tenderbench verify` does",
        roles: "buyer, auditor",
        body: &[],
        handler: || get(api::verify),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/mapping",
        operation: "mapping",
        summary: "The blind name ↔ code mapping (evaluators: only after reveal)",
        roles: "buyer, auditor; evaluator after reveal",
        body: &[],
        handler: || get(api::mapping),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/scores",
        operation: "score",
        summary: "An evaluator's score of a subjective criterion",
        roles: "evaluator",
        body: &[
            ("criterion", "string", true, "a criterion graded by `evaluators`"),
            ("vendor", "string", true, "the vendor as shown (its code while blind)"),
            ("score", "number", true, "0–100"),
            ("note", "string", false, "the evaluator's reasons"),
        ],
        handler: || post(api::score),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/justifications",
        operation: "justify",
        summary: "The committee's decision on a bidder's written justification of an abnormally low price",
        roles: "evaluator",
        body: &[
            ("vendor", "string", true, "the vendor as shown (its code while blind)"),
            ("accepted", "boolean", true, "whether the justification is accepted"),
            ("note", "string", false, "the committee's reasons"),
        ],
        handler: || post(api::justify),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/review",
        operation: "review",
        summary: "The review queue: answers the rules left undecided or ambiguous (or a judge read), and the grades given by hand",
        roles: "buyer, evaluator, auditor",
        body: &[],
        handler: || get(api::review),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/overrides",
        operation: "override_grade",
        summary: "An evaluator's grade of one answer in the review queue, with the reason",
        roles: "evaluator",
        body: &[
            ("criterion", "string", true, "the criterion that graded the answer"),
            ("vendor", "string", true, "the vendor as shown (its code while blind)"),
            ("suite", "string", true, "the case's suite"),
            ("case_id", "string", true, "the case"),
            ("repeat", "integer", false, "which sample of the case (default 0)"),
            ("correct", "boolean", true, "the grade"),
            ("reason", "string", true, "what the answer committed to, as the evaluator reads it"),
        ],
        handler: || post(api::override_grade),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/reveal",
        operation: "reveal",
        summary: "Open the blind mapping once every evaluator has scored every bidder (409 until then)",
        roles: "buyer",
        body: &[(
            "confirm",
            "boolean",
            true,
            "must be true: after the reveal no evaluator can score, and it cannot be undone",
        )],
        handler: || post(api::reveal),
    },
    Endpoint {
        method: "get",
        path: "/api/workers",
        operation: "workers",
        summary: "Workers of distributed runs: heartbeats, capabilities, cells in flight and stored",
        roles: "admin, buyer, auditor",
        body: &[],
        handler: || get(api::workers),
    },
];

/// The OpenAPI 3.1 document of [`ENDPOINTS`].
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    let error_codes: Vec<&str> = ERROR_CODES.iter().map(|(c, _, _)| *c).collect();
    for e in ENDPOINTS {
        let params: Vec<Value> = e
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({
            "operationId": e.operation,
            "summary": e.summary,
            "description": format!("Who may call it: {}.", e.roles),
            "parameters": params,
            "responses": {
                "200": {"description": "success"},
                "default": {"description": "an error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        });
        if e.roles == "public" {
            op["security"] = json!([]);
        }
        if !e.body.is_empty() {
            let props: serde_json::Map<String, Value> = e
                .body
                .iter()
                .map(|(name, ty, _, doc)| (name.to_string(), json!({"type": ty, "description": doc})))
                .collect();
            let required: Vec<&str> = e.body.iter().filter(|b| b.2).map(|b| b.0).collect();
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"type": "object", "properties": props, "required": required}}},
            });
        }
        paths.entry(e.path.to_string()).or_insert_with(|| json!({}))[e.method] = op;
    }
    let codes: Vec<Value> = ERROR_CODES
        .iter()
        .map(|(c, status, doc)| json!({"const": c, "description": format!("HTTP {status}: {doc}")}))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {"title": "tenderbench", "version": env!("CARGO_PKG_VERSION"),
                 "description": "The multi-user server of tenderbench: tenders, runs, results, transcripts, evidence."},
        "paths": paths,
        "security": [{"session": []}, {"bearer": []}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE,
                            "description": "From POST /api/login; writes also need the X-CSRF-Token header it returns."},
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token from POST /api/tokens."},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                        "code": {"oneOf": codes, "enum": error_codes},
                        "message": {"type": "string"},
                    }}},
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    /// The OpenAPI document clients are generated from: a change to it is a
    /// change to the API's contract, reviewed as one.
    #[test]
    fn the_openapi_document() {
        insta::assert_json_snapshot!("openapi", super::openapi());
    }
}
