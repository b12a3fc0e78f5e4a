//! The dashboard: server-rendered pages (minijinja templates embedded in
//! the binary) with a little JavaScript for writes and live progress. Every
//! page reads through the same functions as the API, so it shows exactly
//! what the caller's role may see. zh-CN and English (`?lang=`, remembered
//! in a cookie).

use std::collections::BTreeMap;
use tb_report::catalog::DASHBOARD;

use axum::Form;
use axum::extract::FromRequestParts;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get};
use minijinja::Environment;
use serde::Deserialize;
use serde_json::{Value, json};
use tb_report::present::Zone;

use crate::auth::{self, Caller, Role};
use crate::error::ApiError;
use crate::{App, QueryMap, api};

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("tenders.html", include_str!("../templates/tenders.html")),
    ("tender.html", include_str!("../templates/tender.html")),
    ("run.html", include_str!("../templates/run.html")),
    ("results.html", include_str!("../templates/results.html")),
    ("cells.html", include_str!("../templates/cells.html")),
    ("case.html", include_str!("../templates/case.html")),
    ("score.html", include_str!("../templates/score.html")),
    ("review.html", include_str!("../templates/review.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("admin.html", include_str!("../templates/admin.html")),
    ("workers.html", include_str!("../templates/workers.html")),
    ("contracts.html", include_str!("../templates/contracts.html")),
    ("contract.html", include_str!("../templates/contract.html")),
];

pub struct Templates {
    env: Environment<'static>,
    zh: BTreeMap<&'static str, &'static str>,
    en: BTreeMap<&'static str, &'static str>,
}

impl Templates {
    pub fn new() -> anyhow::Result<Templates> {
        let mut env = Environment::new();
        env.add_filter("urlencode", |s: String| encode(&s, false));
        // Money and times as every output gives them (`tb_report::present`):
        // `{{ x | money(lang) }}`, `{{ at | localtime(zone) }}` (zone: minutes east of UTC).
        env.add_filter("money", |x: f64, lang: Option<String>| {
            let lang = if lang.as_deref() == Some("en") { tb_report::Lang::En } else { tb_report::Lang::Zh };
            tb_report::present::money(x, lang)
        });
        env.add_filter("term", |code: String, lang: Option<String>| {
            let lang = if lang.as_deref() == Some("en") { tb_report::Lang::En } else { tb_report::Lang::Zh };
            tb_report::present::term(&code, lang).to_string()
        });
        env.add_filter("localtime", |s: String, zone: Option<i32>| {
            let zone = tb_report::present::Zone { offset_minutes: zone.unwrap_or(Zone::default().offset_minutes) };
            tb_report::present::local_time(&s, zone)
        });
        // JSON for a <script>: `<`, `>` and `&` escaped so no string can close the element.
        env.add_filter("tojson", |v: minijinja::Value| -> Result<minijinja::Value, minijinja::Error> {
            let json = serde_json::to_string(&v)
                .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string()))?;
            let safe = json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
            Ok(minijinja::Value::from_safe_string(safe))
        });
        for (name, text) in TEMPLATES {
            env.add_template(name, text).map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        }
        Ok(Templates {
            env,
            zh: DASHBOARD.iter().map(|(k, zh, _)| (*k, *zh)).collect(),
            en: DASHBOARD.iter().map(|(k, _, en)| (*k, *en)).collect(),
        })
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Zh,
    En,
}

/// What every page gets: the caller (if any) and the language.
struct PageContext {
    caller: Option<Caller>,
    lang: Lang,
    set_lang: Option<&'static str>,
}

impl FromRequestParts<App> for PageContext {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<PageContext, Response> {
        let asked = parts.uri.query().and_then(|q| {
            q.split('&').find_map(|kv| match kv {
                "lang=en" => Some(Lang::En),
                "lang=zh" => Some(Lang::Zh),
                _ => None,
            })
        });
        let remembered = match auth::cookie_value(parts, "tb_lang") {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        };
        let lang = asked.unwrap_or(remembered);
        let set_lang = asked.map(|l| if l == Lang::En { "en" } else { "zh" });
        let caller = auth::authenticate(parts, app).await.ok().flatten();
        Ok(PageContext { caller, lang, set_lang })
    }
}

impl PageContext {
    fn render(&self, app: &App, template: &str, mut ctx: Value) -> Response {
        let t = if self.lang == Lang::En { &app.templates.en } else { &app.templates.zh };
        ctx["t"] = json!(t);
        ctx["lang"] = json!(if self.lang == Lang::En { "en" } else { "zh" });
        ctx["lang_tag"] = json!(if self.lang == Lang::En { "en" } else { "zh-CN" });
        ctx["other_lang"] = json!(if self.lang == Lang::En { "zh" } else { "en" });
        ctx["user"] =
            self.caller.as_ref().map_or(Value::Null, |c| json!({"name": c.name, "role": c.role, "vendor": c.vendor}));
        ctx["csrf"] = json!(self.caller.as_ref().and_then(|c| c.csrf.clone()).unwrap_or_default());
        let html = app
            .templates
            .env
            .get_template(template)
            .and_then(|tpl| tpl.render(minijinja::Value::from(minijinja::value::Serde(&ctx))));
        let mut response = match html {
            Ok(h) => Html(h).into_response(),
            Err(e) => ApiError::internal(format!("template {template}: {e:#}")).into_response(),
        };
        if let Some(l) = self.set_lang
            && let Ok(v) = format!("tb_lang={l}; Path=/; SameSite=Lax; Max-Age=31536000").parse()
        {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
        response
    }

    fn error(&self, app: &App, e: ApiError) -> Response {
        let status = e.status;
        let mut r = self.render(app, "error.html", json!({"code": e.code, "message": e.message}));
        *r.status_mut() = status;
        r
    }
}

/// Percent-encodes all but unreserved characters (and `/` when `keep_slash`).
fn encode(s: &str, keep_slash: bool) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b'/' if keep_slash => "/".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn urlencode(s: &str) -> String {
    encode(s, true)
}

/// Whether `next` is a path on this server (not `//host`, `/\\host` or anything a browser reads as another site).
fn local_path(next: &str) -> bool {
    next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(|c| c.is_control())
}

/// To the login page, which comes back to `path`.
fn login_redirect(path: &str) -> Response {
    Redirect::to(&format!("/login?next={}", urlencode(path))).into_response()
}

/// A page's path and its handlers.
pub type Page = (&'static str, fn() -> MethodRouter<App>);

/// The dashboard's pages (HTML for browsers, outside `/api/`): with
/// [`crate::endpoints::ENDPOINTS`], every route the router serves.
pub const PAGES: &[Page] = &[
    ("/", || get(|| async { Redirect::to("/tenders") })),
    ("/login", || get(login_page).post(login_submit)),
    ("/admin", || get(admin_page)),
    ("/workers", || get(workers_page)),
    ("/contracts", || get(contracts_page)),
    ("/contracts/{contract}", || get(contract_page)),
    ("/tenders", || get(tenders_page)),
    ("/tenders/{tender}", || get(tender_page)),
    ("/runs/{run}", || get(run_page)),
    ("/runs/{run}/results", || get(results_page)),
    ("/runs/{run}/cells", || get(cells_page)),
    ("/runs/{run}/cases/{suite}/{case}", || get(case_page)),
    ("/runs/{run}/score", || get(score_page)),
    ("/runs/{run}/review", || get(review_page)),
    ("/runs/{run}/audit", || get(audit_page)),
];

async fn login_page(State(app): State<App>, page: PageContext, Query(q): Query<QueryMap>) -> Response {
    let next = q.get("next").filter(|n| local_path(n)).cloned().unwrap_or("/tenders".into());
    page.render(&app, "login.html", json!({ "next": next, "error": Value::Null }))
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(app): State<App>,
    page: PageContext,
    connect: ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = if local_path(&form.next) { form.next.clone() } else { "/tenders".into() };
    let body = api::Login { name: form.name, password: form.password };
    match api::login(State(app.clone()), connect, headers, axum::Json(body)).await {
        Ok(ok) => {
            let cookie = ok.headers().get(header::SET_COOKIE).cloned();
            let mut r = Redirect::to(&next).into_response();
            if let Some(c) = cookie {
                r.headers_mut().insert(header::SET_COOKIE, c);
            }
            r
        }
        Err(e) => {
            let status = e.status;
            let mut r = page.render(&app, "login.html", json!({ "next": next, "error": e.message }));
            *r.status_mut() = status;
            r
        }
    }
}

async fn admin_page(State(app): State<App>, page: PageContext) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect("/admin") };
    if let Err(e) = caller.require(&[Role::Admin]) {
        return page.error(&app, e);
    }
    match app.store.users().await {
        Ok(users) => page.render(&app, "admin.html", json!({ "users": users })),
        Err(e) => page.error(&app, e.into()),
    }
}

async fn workers_page(State(app): State<App>, page: PageContext) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect("/workers") };
    match api::workers(State(app.clone()), caller).await {
        Ok(list) => page.render(&app, "workers.html", json!({ "workers": list.0 })),
        Err(e) => page.error(&app, e),
    }
}

async fn contracts_page(State(app): State<App>, page: PageContext) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect("/contracts") };
    match api::list_contracts(State(app.clone()), caller).await {
        Ok(list) => page.render(&app, "contracts.html", json!({ "contracts": list.0 })),
        Err(e) => page.error(&app, e),
    }
}

async fn contract_page(State(app): State<App>, page: PageContext, Path(id): Path<String>) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect(&format!("/contracts/{}", urlencode(&id))) };
    match api::get_contract(State(app.clone()), caller, Path(id)).await {
        Ok(view) => {
            let charts = contract_charts(&view.0, &app, &page);
            page.render(&app, "contract.html", json!({ "c": view.0, "charts": charts }))
        }
        Err(e) => page.error(&app, e),
    }
}

/// The time line's charts: each criterion's rate per probe against the
/// POC's 95% interval (the band), and the share of slow requests against
/// the 5% expected when nothing changed; alarms as dots.
fn contract_charts(v: &api::ContractView, app: &App, page: &PageContext) -> Vec<Value> {
    let t = if page.lang == Lang::En { &app.templates.en } else { &app.templates.zh };
    let step = 12.0;
    let width = (v.points.len().max(2) as f64 - 1.0) * step + 8.0;
    let y = |share: f64| 110.0 - share.clamp(0.0, 1.0) * 100.0;
    let chart = |name: String,
                 key: &str,
                 band: Option<(f64, f64)>,
                 baseline: Option<f64>,
                 kind: &str,
                 criterion: Option<&str>| {
        let points: Vec<String> = v
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.charts.get(key).map(|c| format!("{:.1},{:.1}", 4.0 + i as f64 * step, y(c.value))))
            .collect();
        let alarms: Vec<Value> = v
            .alarms
            .iter()
            .filter(|a| a.kind == kind && a.criterion.as_deref() == criterion)
            .filter_map(|a| {
                let c = v.points.get(a.probe - 1)?.charts.get(key)?;
                Some(json!({"x": 4.0 + (a.probe - 1) as f64 * step, "y": y(c.value), "day": a.day, "detail": a.detail}))
            })
            .collect();
        let band = band.map(|(lo, hi)| json!({"top": y(hi), "height": (hi - lo) * 100.0}));
        json!({"name": name, "width": width, "points": points.join(" "), "band": band, "baseline": baseline, "alarms": alarms})
    };
    let mut charts: Vec<Value> = v
        .baseline
        .iter()
        .map(|b| {
            let band = (b.band_low, b.band_high);
            let key = format!("quality:{}", b.criterion);
            chart(b.criterion.clone(), &key, Some(band), Some(b.rate), "quality", Some(&b.criterion))
        })
        .collect();
    let name = t.get("latency_chart").copied().unwrap_or("latency").to_string();
    charts.push(chart(name, "latency", Some((0.0, 0.05)), None, "latency", None));
    charts
}

async fn tenders_page(State(app): State<App>, page: PageContext) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect("/tenders") };
    if caller.role == Role::Admin {
        return Redirect::to("/admin").into_response();
    }
    match api::list_tenders(State(app.clone()), caller).await {
        Ok(list) => page.render(&app, "tenders.html", json!({ "tenders": list.0 })),
        Err(e) => page.error(&app, e),
    }
}

async fn tender_page(State(app): State<App>, page: PageContext, Path(id): Path<String>) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect(&format!("/tenders/{id}")) };
    match api::tender_view(&app, &caller, &id).await {
        Ok(tender) => page.render(&app, "tender.html", json!({ "tender": tender })),
        Err(e) => page.error(&app, e),
    }
}

async fn run_page(State(app): State<App>, page: PageContext, Path(id): Path<String>) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect(&format!("/runs/{id}")) };
    let view = match crate::access::run_view(&app, &caller, &id).await {
        Ok(v) => v,
        Err(e) => return page.error(&app, e),
    };
    let controls = match caller.role {
        Role::Buyer => view.kind() == "official",
        Role::Vendor => view.kind() == "practice",
        _ => false,
    };
    let t = if page.lang == Lang::En { &app.templates.en } else { &app.templates.zh };
    let status_names: BTreeMap<&str, &str> = ["running", "interrupted", "finished"]
        .iter()
        .map(|s| (*s, t.get(format!("status_{s}").as_str()).copied().unwrap_or(s)))
        .collect();
    match api::run_summary(&app, &view).await {
        Ok(run) => {
            page.render(&app, "run.html", json!({ "run": run, "controls": controls, "status_names": status_names }))
        }
        Err(e) => page.error(&app, e),
    }
}

async fn results_page(State(app): State<App>, page: PageContext, Path(id): Path<String>) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect(&format!("/runs/{id}/results")) };
    let (view, report) = match api::results(&app, &caller, &id).await {
        Ok(r) => r,
        Err(e) => return page.error(&app, e),
    };
    let charts = criterion_charts(&report);
    page.render(
        &app,
        "results.html",
        json!({
            "run_id": id,
            "report": report,
            "vendors": report["vendors"],
            "criteria": report["criteria"],
            "charts": charts,
            "whole_report": matches!(caller.role, Role::Buyer | Role::Evaluator | Role::Auditor) && !view.blind_panel,
            // A blind panel sees the technical envelope only.
            "technical_only": view.blind_panel,
        }),
    )
}

/// One bar chart per criterion (value and 95% interval per vendor, gate line), from the report as the caller sees it.
fn criterion_charts(report: &Value) -> Vec<String> {
    let vendors = report["vendors"].as_array().cloned().unwrap_or_default();
    let criteria = report["criteria"].as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for c in &criteria {
        let id = c["id"].as_str().unwrap_or("");
        let mut rows = Vec::new();
        for v in &vendors {
            // A criterion the panel has not finished scoring has no value to draw yet.
            if let Some(r) = v["criteria"].as_array().and_then(|cs| cs.iter().find(|x| x["id"] == id))
                && r["pending"] != true
            {
                rows.push((
                    v["name"].as_str().unwrap_or("").to_string(),
                    r["value"].as_f64().unwrap_or(0.0),
                    r["ci_low"].as_f64().unwrap_or(0.0),
                    r["ci_high"].as_f64().unwrap_or(0.0),
                ));
            }
        }
        if rows.is_empty() {
            continue;
        }
        let bars: Vec<tb_report::chart::Bar<'_>> = rows
            .iter()
            .map(|(label, value, low, high)| tb_report::chart::Bar { label, value: *value, low: *low, high: *high })
            .collect();
        let gate = c["gate"]["min"].as_f64();
        let title = c["name"].as_str().unwrap_or(id);
        if let Ok(svg) = tb_report::chart::bar_chart(title, &bars, gate) {
            out.push(svg);
        }
    }
    out
}

fn query_string(q: &QueryMap, offset: i64) -> String {
    let mut parts: Vec<String> = q
        .iter()
        .filter(|(k, v)| *k != "offset" && *k != "lang" && !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v, false)))
        .collect();
    parts.sort();
    parts.push(format!("offset={}", offset.max(0)));
    parts.join("&")
}

async fn cells_page(
    State(app): State<App>,
    page: PageContext,
    Path(id): Path<String>,
    Query(q): Query<QueryMap>,
) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect(&format!("/runs/{id}/cells")) };
    let (view, cells, counts) = match api::cells_counted(&app, &caller, &id, &q, true).await {
        Ok(r) => r,
        Err(e) => return page.error(&app, e),
    };
    let show = q.get("show").cloned().or_else(|| q.get("failed").filter(|v| *v == "1").map(|_| "failed".to_string()));
    let vendor_names: Vec<String> =
        view.spec.vendors.iter().filter(|v| view.may_see_vendor(&v.name)).map(|v| view.shown(&v.name)).collect();
    let suites: Vec<String> = view
        .spec
        .used_suites()
        .filter(|s| crate::access::readable_suite(&caller, &view.spec, &s.id))
        .map(|s| s.id.clone())
        .collect();
    let limit: i64 = q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(50).min(500);
    let offset: i64 = q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    page.render(
        &app,
        "cells.html",
        json!({
            "run_id": id, "cells": cells, "q": q, "vendor_names": vendor_names, "suites": suites,
            "counts": counts, "show": show, "filters": api::CELL_FILTERS,
            "limit": limit, "offset": offset,
            "prev_query": query_string(&q, offset - limit), "next_query": query_string(&q, offset + limit),
        }),
    )
}

async fn case_page(
    State(app): State<App>,
    page: PageContext,
    Path((id, suite, case_id)): Path<(String, String, String)>,
) -> Response {
    let Some(caller) = page.caller.clone() else {
        return login_redirect(&format!("/runs/{id}/cases/{suite}/{case_id}"));
    };
    match api::case(&app, &caller, &id, &suite, &case_id).await {
        Ok((_, case)) => {
            let prompt: Vec<Value> = case
                .prompt
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|m| json!({"role": m["role"], "content": m["content"].as_str().map_or_else(|| m["content"].to_string(), String::from)}))
                .collect();
            page.render(&app, "case.html", json!({ "run_id": id, "case": case, "prompt": prompt }))
        }
        Err(e) => page.error(&app, e),
    }
}

async fn score_page(State(app): State<App>, page: PageContext, Path(id): Path<String>) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect(&format!("/runs/{id}/score")) };
    if let Err(e) = caller.require(&[Role::Evaluator]) {
        return page.error(&app, e);
    }
    let view = match crate::access::run_view(&app, &caller, &id).await {
        Ok(v) => v,
        Err(e) => return page.error(&app, e),
    };
    let criteria: Vec<Value> =
        view.spec.criteria.iter().filter(|c| c.is_subjective()).map(|c| json!({"id": c.id, "name": c.name})).collect();
    let vendors: Vec<String> = view.spec.vendors.iter().map(|v| view.shown(&v.name)).collect();
    // What this evaluator recorded, and when: the latest entry for each pair, as the report reads it.
    let entries = match app.store.audit_of_kinds(&view.run.id, &[tb_report::committee::EVALUATOR_SCORE]).await {
        Ok(e) => e,
        Err(e) => return page.error(&app, e.into()),
    };
    // criterion → bidder as shown → {score, note, at}.
    let mut recorded: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Value>> =
        Default::default();
    for e in entries {
        let Ok(score) = serde_json::from_str::<tb_report::committee::EvaluatorScore>(&e.payload) else { continue };
        if score.evaluator == caller.name {
            let at = tb_report::present::local_time(&e.at, view.spec.tender.zone());
            recorded
                .entry(score.criterion.clone())
                .or_default()
                .insert(view.shown(&score.vendor), json!({ "score": score.score, "note": score.note, "at": at }));
        }
    }
    page.render(
        &app,
        "score.html",
        json!({ "run_id": id, "criteria": criteria, "vendors": vendors, "recorded": recorded }),
    )
}

async fn review_page(State(app): State<App>, page: PageContext, Path(id): Path<String>) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect(&format!("/runs/{id}/review")) };
    let grading = caller.require(&[Role::Evaluator]).is_ok();
    match api::review(State(app.clone()), caller, Path(id.clone())).await {
        Ok(axum::Json(queue)) => {
            page.render(&app, "review.html", json!({ "run_id": id, "items": queue.items, "grading": grading }))
        }
        Err(e) => page.error(&app, e),
    }
}

async fn audit_page(State(app): State<App>, page: PageContext, Path(id): Path<String>) -> Response {
    let Some(caller) = page.caller.clone() else { return login_redirect(&format!("/runs/{id}/audit")) };
    let view = match crate::access::run_view(&app, &caller, &id).await {
        Ok(v) => v,
        Err(e) => return page.error(&app, e),
    };
    match api::audit_log(State(app.clone()), caller, Path(id.clone())).await {
        Ok(audit) => {
            page.render(
                &app,
                "audit.html",
                json!({ "run_id": id, "audit": audit.0, "blind": !view.codes.is_empty(), "zone": view.spec.tender.zone().offset_minutes }),
            )
        }
        Err(e) => page.error(&app, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `t.NAME` references of a template.
    fn text_keys(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find("t.") {
            let before = rest[..i].chars().last();
            rest = &rest[i + 2..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let k: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if !k.is_empty() {
                out.push(k);
            }
        }
        out
    }

    #[test]
    fn every_text_has_both_languages_and_every_template_parses() {
        let t = Templates::new().unwrap();
        assert_eq!(t.zh.len(), DASHBOARD.len(), "a key is listed twice");
        for (name, text) in TEMPLATES {
            for k in text_keys(text) {
                assert!(t.en.contains_key(k.as_str()), "{name} uses t.{k}, which has no text");
            }
        }
        assert!(text_keys("{{ t.results }} {{ x.t.no }}") == ["results"], "the scanner finds keys, and only keys");
    }

    /// Every code a page shows has a Chinese and an English name: audit
    /// entries through the glossary, run statuses through `status_…` texts.
    #[test]
    fn every_code_shown_has_a_name_in_both_languages() {
        for kind in crate::api::AUDIT_SHOWN.iter().chain(&["cell_answered"]) {
            for lang in [tb_report::Lang::Zh, tb_report::Lang::En] {
                assert_ne!(tb_report::present::term(kind, lang), *kind, "audit entry {kind} has no name");
            }
        }
        let t = Templates::new().unwrap();
        for status in ["running", "interrupted", "finished"] {
            let key = format!("status_{status}");
            assert!(t.zh.contains_key(key.as_str()) && t.en.contains_key(key.as_str()), "{key}");
        }
        for (code, _, _) in crate::error::ERROR_CODES {
            assert_ne!(tb_report::present::term(code, tb_report::Lang::Zh), *code, "error code {code} has no name");
        }
        for f in crate::api::CELL_FILTERS {
            assert!(t.zh.contains_key(format!("show_{f}").as_str()), "show_{f}");
        }
    }
}
