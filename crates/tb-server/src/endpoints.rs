//! The API's endpoint table: the router is built from it, the OpenAPI
//! document is generated from it, and the access-control test walks it.
//! An endpoint that is not here is not served.
//!
//! A row names its request and response types; `openapi` puts their JSON
//! Schemas (schemars: JSON Schema 2020-12, the dialect of OpenAPI 3.1) under
//! `components/schemas`, so the document is what the handlers deserialise
//! and serialise. To add an endpoint: a row here, its handler in `api`, and
//! a request type (`Deserialize, JsonSchema`) and response type (`Serialize,
//! JsonSchema`) where it takes or answers JSON.

use axum::routing::{MethodRouter, get, post};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde::de::DeserializeOwned;
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
    /// The JSON body it takes, if any ([`request`]).
    pub request: Option<Request>,
    /// The HTTP status it answers with on success.
    pub status: u16,
    /// What it answers on success.
    pub response: Answer,
    pub handler: fn() -> MethodRouter<App>,
}

/// A type's JSON Schema: a `$ref` to it in `components/schemas` (the
/// generator keeps its schema, and those of the types it names).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// A request body: the type its handler takes as `Json<T>`.
#[derive(Clone, Copy)]
pub struct Request {
    /// The schema of a valid body: what deserialises, narrowed where the
    /// type says what the handler accepts (a role, a score's range, a field
    /// it refuses without); the rest of its checks are in the descriptions.
    pub schema: SchemaFn,
    /// Deserialises a value as the handler does: `Err` with serde's message.
    pub parse: fn(Value) -> Result<(), String>,
}

/// What an endpoint answers on success.
#[derive(Clone, Copy)]
pub enum Answer {
    /// JSON of a response type ([`json`]).
    Json(SchemaFn),
    /// A body of these media types (a file, a stream, a whole report), and what it is.
    Media(&'static [&'static str], &'static str),
    /// No body.
    Empty,
}

/// The request body of type `T`.
pub const fn request<T: JsonSchema + DeserializeOwned>() -> Option<Request> {
    Some(Request { schema: schema_of::<T>, parse: parse_as::<T> })
}

/// A JSON answer of type `T`.
pub const fn json<T: JsonSchema + Serialize>() -> Answer {
    Answer::Json(schema_of::<T>)
}

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn parse_as<T: DeserializeOwned>(value: Value) -> Result<(), String> {
    serde_json::from_value::<T>(value).map(drop).map_err(|e| e.to_string())
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const ANY: &str = "any logged-in account";
const READERS: &str = "buyer, evaluator (blind), vendor (its own), auditor";

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "get",
        path: "/healthz",
        operation: "healthz",
        summary: "Liveness and store health",
        roles: "public",
        request: None,
        status: 200,
        response: json::<api::Health>(),
        handler: || get(api::healthz),
    },
    Endpoint {
        method: "get",
        path: "/metrics",
        operation: "metrics",
        summary: "Prometheus metrics",
        roles: "public",
        request: None,
        status: 200,
        response: Answer::Media(&["application/openmetrics-text"], "OpenMetrics 1.0 text (Prometheus reads it)"),
        handler: || get(api::metrics),
    },
    Endpoint {
        method: "get",
        path: "/api/openapi.json",
        operation: "openapi",
        summary: "This document",
        roles: "public",
        request: None,
        status: 200,
        response: Answer::Media(&["application/json"], "this OpenAPI 3.1 document"),
        handler: || get(api::openapi),
    },
    Endpoint {
        method: "post",
        path: "/api/login",
        operation: "login",
        summary: "Log in: sets the session cookie and returns the CSRF token",
        roles: "public",
        request: request::<api::Login>(),
        status: 200,
        response: json::<api::Session>(),
        handler: || post(api::login),
    },
    Endpoint {
        method: "post",
        path: "/api/logout",
        operation: "logout",
        summary: "End the session",
        roles: ANY,
        request: None,
        status: 204,
        response: Answer::Empty,
        handler: || post(api::logout),
    },
    Endpoint {
        method: "get",
        path: "/api/me",
        operation: "me",
        summary: "The caller's account",
        roles: ANY,
        request: None,
        status: 200,
        response: json::<api::Session>(),
        handler: || get(api::me),
    },
    Endpoint {
        method: "get",
        path: "/api/users",
        operation: "listUsers",
        summary: "Accounts",
        roles: "admin",
        request: None,
        status: 200,
        response: json::<Vec<api::Account>>(),
        handler: || get(api::list_users),
    },
    Endpoint {
        method: "post",
        path: "/api/users",
        operation: "createUser",
        summary: "Create an account",
        roles: "admin",
        request: request::<api::NewUser>(),
        status: 201,
        response: json::<api::Account>(),
        handler: || post(api::create_user),
    },
    Endpoint {
        method: "post",
        path: "/api/tokens",
        operation: "createToken",
        summary: "Create an API token for the caller (shown once)",
        roles: ANY,
        request: request::<api::NewToken>(),
        status: 201,
        response: json::<api::CreatedToken>(),
        handler: || post(api::create_token),
    },
    Endpoint {
        method: "get",
        path: "/api/tenders",
        operation: "listTenders",
        summary: "Tenders",
        roles: "buyer, evaluator, vendor, auditor",
        request: None,
        status: 200,
        response: json::<Vec<api::TenderSummary>>(),
        handler: || get(api::list_tenders),
    },
    Endpoint {
        method: "post",
        path: "/api/tenders",
        operation: "createTender",
        summary: "Create a tender from a spec and its suite files, or from the built-in example",
        roles: "buyer",
        request: request::<api::NewTender>(),
        status: 201,
        response: json::<api::TenderCreated>(),
        handler: || post(api::create_tender),
    },
    Endpoint {
        method: "get",
        path: "/api/tenders/{tender}",
        operation: "getTender",
        summary: "Criteria, gates, weights, suites (sealed: commitment only), vendors, runs",
        roles: READERS,
        request: None,
        status: 200,
        response: json::<api::TenderView>(),
        handler: || get(api::get_tender),
    },
    Endpoint {
        method: "get",
        path: "/api/tenders/{tender}/suites/{suite}",
        operation: "getSuite",
        summary: "A suite's cases (never a sealed suite's; vendors: the practice suite only)",
        roles: READERS,
        request: None,
        status: 200,
        response: Answer::Media(&["application/x-ndjson"], "the suite file: one case a line (JSON Lines)"),
        handler: || get(api::get_suite),
    },
    Endpoint {
        method: "post",
        path: "/api/tenders/{tender}/registrations",
        operation: "register",
        summary: "Register the vendor's endpoint, model and bid price",
        roles: "vendor",
        request: request::<api::NewRegistration>(),
        status: 201,
        response: json::<api::RegistrationView>(),
        handler: || post(api::register),
    },
    Endpoint {
        method: "post",
        path: "/api/tenders/{tender}/runs",
        operation: "startRun",
        summary: "Start an official run (buyer) or a practice run (vendor)",
        roles: "buyer, vendor (practice)",
        request: request::<api::NewRun>(),
        status: 202,
        response: json::<api::RunStarted>(),
        handler: || post(api::start_run),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}",
        operation: "getRun",
        summary: "A run's status and per-vendor progress",
        roles: READERS,
        request: None,
        status: 200,
        response: json::<api::RunSummary>(),
        handler: || get(api::get_run),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/events",
        operation: "runEvents",
        summary: "Live progress (Server-Sent Events: `progress`, then `end`)",
        roles: READERS,
        request: None,
        status: 200,
        response: Answer::Media(
            &["text/event-stream"],
            "Server-Sent Events: `progress` (data: a RunSummary) at every change, then `end`",
        ),
        handler: || get(api::run_events),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/cancel",
        operation: "cancelRun",
        summary: "Stop a run; stored cells stay, it can be resumed",
        roles: "buyer; vendor (own practice run)",
        request: None,
        status: 202,
        response: Answer::Empty,
        handler: || post(api::cancel_run),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/resume",
        operation: "resumeRun",
        summary: "Resume an interrupted run: stored cells are not sent again",
        roles: "buyer; vendor (own practice run)",
        request: None,
        status: 202,
        response: json::<api::RunStarted>(),
        handler: || post(api::resume_run),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/results",
        operation: "getResults",
        summary: "The report as the caller may see it (a vendor: its own row only)",
        roles: READERS,
        request: None,
        status: 200,
        response: Answer::Media(
            &["application/json"],
            "the report (report.json) as the caller may see it: a vendor its own row; a blind panel the technical envelope",
        ),
        handler: || get(api::get_results),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/cells",
        operation: "listCells",
        summary: "Transcripts: filter by vendor, suite, q (text), failed; limit, offset",
        roles: READERS,
        request: None,
        status: 200,
        response: json::<Vec<api::CellView>>(),
        handler: || get(api::get_cells),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/cases/{suite}/{case}",
        operation: "getCase",
        summary: "One case, side by side across vendors, with grades (and raw bodies where allowed)",
        roles: READERS,
        request: None,
        status: 200,
        response: json::<api::CaseView>(),
        handler: || get(api::get_case),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/report.json",
        operation: "reportJson",
        summary: "The whole report, JSON",
        roles: "buyer, evaluator (after the reveal: it holds the prices), auditor",
        request: None,
        status: 200,
        response: Answer::Media(&["application/json"], "the whole signed report (report.json)"),
        handler: || get(api::report_json),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/report.html",
        operation: "reportHtml",
        summary: "The whole report, HTML (?lang=zh|en)",
        roles: "buyer, evaluator (after the reveal: it holds the prices), auditor",
        request: None,
        status: 200,
        response: Answer::Media(&["text/html"], "the whole report as a page"),
        handler: || get(api::report_html),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/evaluation-report/{format}",
        operation: "evaluationReport",
        summary: "The evaluation report (评标报告) the committee signs: docx or pdf (?lang=zh|en)",
        roles: "buyer, evaluator (after the reveal: it holds the prices), auditor",
        request: None,
        status: 200,
        response: Answer::Media(&[DOCX, "application/pdf"], "the evaluation report (评标报告), as an attachment"),
        handler: || get(api::evaluation_report),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/audit",
        operation: "auditLog",
        summary: "The audit log (cell entries counted, not listed) and the signing key",
        roles: "buyer, auditor",
        request: None,
        status: 200,
        response: json::<api::AuditLog>(),
        handler: || get(api::audit_log),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/bundle",
        operation: "bundle",
        summary: "The signed evidence bundle (.tar.gz)",
        roles: "buyer, auditor",
        request: None,
        status: 200,
        response: Answer::Media(&["application/gzip"], "the signed evidence bundle (.tar.gz), as an attachment"),
        handler: || get(api::bundle),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/verify",
        operation: "verify",
        summary: "Export the bundle and verify it as `tenderbench verify` does",
        roles: "buyer, auditor",
        request: None,
        status: 200,
        response: json::<api::Verification>(),
        handler: || get(api::verify),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/mapping",
        operation: "mapping",
        summary: "The blind name ↔ code mapping (evaluators: only after reveal)",
        roles: "buyer, auditor; evaluator after reveal",
        request: None,
        status: 200,
        response: json::<api::Mapping>(),
        handler: || get(api::mapping),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/scores",
        operation: "score",
        summary: "An evaluator's score of a subjective criterion",
        roles: "evaluator",
        request: request::<api::NewScore>(),
        status: 201,
        response: json::<api::Recorded>(),
        handler: || post(api::score),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/justifications",
        operation: "justify",
        summary: "The committee's decision on a bidder's written justification of an abnormally low price",
        roles: "evaluator",
        request: request::<api::NewJustification>(),
        status: 201,
        response: json::<api::Recorded>(),
        handler: || post(api::justify),
    },
    Endpoint {
        method: "get",
        path: "/api/runs/{run}/review",
        operation: "review",
        summary: "The review queue: answers the rules left undecided or ambiguous (or a judge read), and the grades given by hand",
        roles: "buyer, evaluator, auditor",
        request: None,
        status: 200,
        response: json::<api::ReviewQueue>(),
        handler: || get(api::review),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/overrides",
        operation: "override_grade",
        summary: "An evaluator's grade of one answer in the review queue, with the reason",
        roles: "evaluator",
        request: request::<api::NewOverride>(),
        status: 201,
        response: json::<api::Recorded>(),
        handler: || post(api::override_grade),
    },
    Endpoint {
        method: "post",
        path: "/api/runs/{run}/reveal",
        operation: "reveal",
        summary: "Open the blind mapping once every evaluator has scored every bidder (409 until then)",
        roles: "buyer",
        request: request::<api::Reveal>(),
        status: 200,
        response: json::<api::Mapping>(),
        handler: || post(api::reveal),
    },
    Endpoint {
        method: "get",
        path: "/api/workers",
        operation: "workers",
        summary: "Workers of distributed runs: heartbeats, capabilities, cells in flight and stored",
        roles: "admin, buyer, auditor",
        request: None,
        status: 200,
        response: json::<Vec<api::Worker>>(),
        handler: || get(api::workers),
    },
    Endpoint {
        method: "get",
        path: "/api/contracts",
        operation: "listContracts",
        summary: "Contracts after the award, with their probes and alarms (a vendor: its own)",
        roles: READERS,
        request: None,
        status: 200,
        response: json::<Vec<api::ContractSummary>>(),
        handler: || get(api::list_contracts),
    },
    Endpoint {
        method: "post",
        path: "/api/contracts",
        operation: "createContract",
        summary: "Store a contract file (docs/contracts.md)",
        roles: "buyer",
        request: request::<api::NewContract>(),
        status: 201,
        response: json::<api::ContractSummary>(),
        handler: || post(api::create_contract),
    },
    Endpoint {
        method: "get",
        path: "/api/contracts/{contract}",
        operation: "getContract",
        summary: "A contract's time line against its baseline, alarms, months, breaches and credits",
        roles: READERS,
        request: None,
        status: 200,
        response: json::<api::ContractView>(),
        handler: || get(api::get_contract),
    },
    Endpoint {
        method: "post",
        path: "/api/contracts/{contract}/probes",
        operation: "addContractProbe",
        summary: "Append a probe record (`tenderbench contract probe` writes them); returns the alarms it raised",
        roles: "buyer",
        request: request::<tb_contract::monitor::Probe>(),
        status: 201,
        response: json::<api::ProbeStored>(),
        handler: || post(api::add_probe),
    },
    Endpoint {
        method: "post",
        path: "/api/contracts/{contract}/acceptance",
        operation: "addContractAcceptance",
        summary: "Store the acceptance run's signed report; returns the acceptance test (验收) it gives",
        roles: "buyer",
        request: request::<api::NewAcceptance>(),
        status: 201,
        response: json::<api::AcceptanceView>(),
        handler: || post(api::add_acceptance),
    },
    Endpoint {
        method: "get",
        path: "/api/contracts/{contract}/probes",
        operation: "getContractProbes",
        summary: "The contract's probe records, as `contract report --probes` reads them",
        roles: READERS,
        request: None,
        status: 200,
        response: Answer::Media(&["application/x-ndjson"], "one probe record a line (JSON Lines), in order"),
        handler: || get(api::probes_jsonl),
    },
    Endpoint {
        method: "get",
        path: "/api/contracts/{contract}/runs/{run}/{file}",
        operation: "getContractProbeRunFile",
        summary: "A scheduled probe run's signed `report.json` or its `report.json.sig`, as `contract report --runs` reads them",
        roles: READERS,
        request: None,
        status: 200,
        response: Answer::Media(&["application/json", "text/plain"], "the signed report, or its signature"),
        handler: || get(api::probe_run_file),
    },
];

/// Schemas of request types (how they deserialise) and of response types
/// (how they serialise), both under `components/schemas`.
fn generator(contract: fn(SchemaSettings) -> SchemaSettings) -> SchemaGenerator {
    contract(SchemaSettings::draft2020_12())
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}

/// An operation of the document.
fn operation(e: &Endpoint, requests: &mut SchemaGenerator, responses: &mut SchemaGenerator) -> Value {
    let params: Vec<Value> = e
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let reason =
        axum::http::StatusCode::from_u16(e.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("success");
    let success = match e.response {
        Answer::Json(schema) => {
            json!({"description": reason, "content": {"application/json": {"schema": schema(responses)}}})
        }
        Answer::Media(types, what) => {
            let content: serde_json::Map<String, Value> = types.iter().map(|t| (t.to_string(), json!({}))).collect();
            json!({"description": what, "content": content})
        }
        Answer::Empty => json!({"description": reason}),
    };
    let mut op = json!({
        "operationId": e.operation,
        "summary": e.summary,
        "description": format!("Who may call it: {}.", e.roles),
        "parameters": params,
        "responses": {
            e.status.to_string(): success,
            "default": {"description": "an error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    });
    if e.roles == "public" {
        op["security"] = json!([]);
    }
    if let Some(request) = e.request {
        op["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": (request.schema)(requests)}},
        });
    }
    op
}

/// The OpenAPI 3.1 document of [`ENDPOINTS`].
pub fn openapi() -> Value {
    let mut requests = generator(SchemaSettings::for_deserialize);
    let mut responses = generator(SchemaSettings::for_serialize);
    let mut paths = serde_json::Map::new();
    for e in ENDPOINTS {
        let op = operation(e, &mut requests, &mut responses);
        paths.entry(e.path.to_string()).or_insert_with(|| json!({}))[e.method] = op;
    }
    let mut schemas = requests.take_definitions(true);
    for (name, schema) in responses.take_definitions(true) {
        // One name, one schema: a type both taken and answered must read the same both ways.
        if let Some(taken) = schemas.get(&name) {
            assert_eq!(*taken, schema, "{name} deserialises and serialises differently: give the two their own types");
        }
        schemas.insert(name, schema);
    }
    let error_codes: Vec<&str> = ERROR_CODES.iter().map(|(c, _, _)| *c).collect();
    let codes: Vec<Value> = ERROR_CODES
        .iter()
        .map(|(c, status, doc)| json!({"const": c, "description": format!("HTTP {status}: {doc}")}))
        .collect();
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"oneOf": codes, "enum": error_codes},
                "message": {"type": "string"},
            }}},
        }),
    );
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
            "schemas": schemas,
        },
    })
}

/// A schema of the document (`schema`, as an operation holds it) as a root
/// schema of its own: the document's components beside it, so that its
/// `$ref`s resolve.
pub fn standalone(document: &Value, schema: &Value) -> Value {
    let mut root = schema.clone();
    root["components"] = document["components"].clone();
    root
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{Value, json};

    use super::*;

    /// The OpenAPI document clients are generated from: a change to it is a
    /// change to the API's contract, reviewed as one.
    #[test]
    fn the_openapi_document() {
        insta::assert_json_snapshot!("openapi", super::openapi());
    }

    /// What the router serves is the two tables (`App::router`): every
    /// endpoint is in the document with its method, the document names
    /// nothing else, and the dashboard's pages stay outside the API's paths.
    /// (`tests/openapi.rs` asks the built router itself.)
    #[test]
    fn every_route_is_in_the_document_and_every_documented_route_is_served() {
        let doc = openapi();
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(|m| (m.clone(), path.clone())))
            .collect();
        let table: Vec<(String, String)> =
            ENDPOINTS.iter().map(|e| (e.method.to_string(), e.path.to_string())).collect();
        assert_eq!(table.len(), documented.len(), "an endpoint is in the table twice");
        assert_eq!(table.into_iter().collect::<BTreeSet<_>>(), documented);
        let operations: BTreeSet<&str> = ENDPOINTS.iter().map(|e| e.operation).collect();
        assert_eq!(operations.len(), ENDPOINTS.len(), "an operation id is used twice");
        for (page, _) in crate::pages::PAGES {
            assert!(!page.starts_with("/api/"), "{page}: a page under /api/ must be an endpoint of the table");
            assert!(ENDPOINTS.iter().all(|e| e.path != *page), "{page} is both a page and an endpoint");
        }
    }

    /// Every request type has an example in the document; each deserialises
    /// as its handler's `Json<T>` does, and is valid against the schema. An
    /// unknown field is ignored, as it always was; a body of the wrong shape is not one.
    #[test]
    fn every_request_example_deserialises_and_matches_its_schema() {
        let doc = openapi();
        for e in ENDPOINTS {
            let Some(request) = e.request else { continue };
            let schema = &doc["paths"][e.path][e.method]["requestBody"]["content"]["application/json"]["schema"];
            let name = schema["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
            let examples = doc["components"]["schemas"][name]["examples"].as_array().cloned().unwrap_or_default();
            assert!(!examples.is_empty(), "{}: {name} has no example", e.operation);
            let validator = jsonschema::validator_for(&standalone(&doc, schema)).unwrap();
            for example in examples {
                assert_eq!((request.parse)(example.clone()), Ok(()), "{}: {example}", e.operation);
                let errors: Vec<String> = validator.iter_errors(&example).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{}: {example}: {errors:?}", e.operation);
                let mut unknown = example.clone();
                unknown["unknown_field"] = json!(1);
                assert_eq!((request.parse)(unknown), Ok(()), "{}", e.operation);
            }
            for wrong in [json!("text"), json!(7), Value::Null] {
                assert!((request.parse)(wrong.clone()).is_err(), "{}: {wrong}", e.operation);
                assert!(!validator.is_valid(&wrong), "{}: {wrong}", e.operation);
            }
        }
    }
}
