//! Who is calling: accounts with argon2 password hashes, API tokens and
//! session cookies stored only as SHA-256 hashes, CSRF tokens for
//! cookie-authenticated writes, and a limit on failed logins.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use tb_store::server::{SessionRecord, UserRecord};

use crate::App;
use crate::error::{ApiError, ApiResult};

/// The five roles (PRODUCT.md): what each may do is decided in `access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(description = "An account's role; each endpoint says which roles may call it.")]
pub enum Role {
    Admin,
    Buyer,
    Evaluator,
    Vendor,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Buyer => "buyer",
            Role::Evaluator => "evaluator",
            Role::Vendor => "vendor",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "tb_session";
/// The header a cookie-authenticated write must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a browser session lasts.
pub const SESSION_SECS: i64 = 12 * 3600;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    /// The bidder this account speaks for (vendor role).
    pub vendor: Option<String>,
    /// The session's CSRF token when authenticated by cookie; None for a bearer token.
    pub csrf: Option<String>,
}

impl Caller {
    fn from_user(user: UserRecord, csrf: Option<String>) -> ApiResult<Caller> {
        let role = Role::parse(&user.role)
            .ok_or_else(|| ApiError::internal(format!("account {} has unknown role {:?}", user.name, user.role)))?;
        Ok(Caller { name: user.name, role, vendor: user.vendor, csrf })
    }

    /// Fails with `forbidden` unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let may: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!(
                "this needs the role {}; you are {}",
                may.join(" or "),
                self.role.as_str()
            )))
        }
    }
}

pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// 32 random bytes, hex: session cookies, CSRF tokens, API tokens.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_password(password: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(ApiError::internal)
}

/// Checks a password against a stored hash; a missing account is checked
/// against a fixed hash, so that its answer takes as long as a wrong password.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("not a password").unwrap_or_default());
    let stored = hash.unwrap_or(dummy);
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && hash.is_some()
}

pub fn check_password_strength(password: &str) -> ApiResult<()> {
    if password.chars().count() < 10 {
        return Err(ApiError::bad_request("a password needs at least 10 characters"));
    }
    Ok(())
}

/// A new session for `user`: the cookie value (returned once) and the stored record.
pub fn new_session(user: &str) -> (String, SessionRecord) {
    let token = random_token();
    let record = SessionRecord {
        token_sha256: tb_audit::sha256_hex(token.as_bytes()),
        user_name: user.to_string(),
        csrf: random_token(),
        expires_at: now_secs() + SESSION_SECS,
    };
    (token, record)
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECS}{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie(secure: bool) -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

pub fn cookie_value<'h>(parts: &'h Parts, name: &str) -> Option<&'h str> {
    cookie_in(&parts.headers, name)
}

/// A cookie's value from a request's `Cookie` headers (parsed by the `cookie` crate; a malformed pair is skipped).
pub fn cookie_in<'h>(headers: &'h axum::http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .and_then(|c| c.value_raw())
}

/// Authenticates a request by bearer token or session cookie; None when it carries neither.
pub async fn authenticate(parts: &Parts, app: &App) -> ApiResult<Option<Caller>> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::new("unauthenticated", "the Authorization header must be `Bearer <token>`"))?;
        let user = app.store.token_user(&tb_audit::sha256_hex(token.trim().as_bytes())).await?;
        let user = user.ok_or_else(|| ApiError::new("unauthenticated", "this API token is not valid"))?;
        return Caller::from_user(user, None).map(Some);
    }
    let Some(token) = cookie_value(parts, SESSION_COOKIE).filter(|t| !t.is_empty()) else { return Ok(None) };
    match app.store.session(&tb_audit::sha256_hex(token.as_bytes()), now_secs()).await? {
        Some((session, user)) => Caller::from_user(user, Some(session.csrf)).map(Some),
        None => Ok(None),
    }
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> ApiResult<Caller> {
        let caller = authenticate(parts, app)
            .await?
            .ok_or_else(|| ApiError::new("unauthenticated", "log in first (session cookie or bearer token)"))?;
        if let Some(expected) = &caller.csrf
            && is_write(&parts.method)
        {
            let given = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !bool::from(subtle::ConstantTimeEq::ct_eq(given.as_bytes(), expected.as_bytes())) {
                return Err(ApiError::new("csrf", "a write from the browser needs the session's X-CSRF-Token header"));
            }
        }
        Ok(caller)
    }
}

/// Failed logins allowed per account and per client address within [`LoginLimiter::WINDOW`].
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub const WINDOW: Duration = Duration::from_secs(300);
    pub const PER_ACCOUNT: usize = 5;
    pub const PER_ADDRESS: usize = 20;

    fn keys(name: &str, address: &str) -> [(String, usize); 2] {
        [(format!("account:{name}"), Self::PER_ACCOUNT), (format!("address:{address}"), Self::PER_ADDRESS)]
    }

    /// Seconds to wait when either key has used up its failures; None when a try is allowed.
    pub fn check(&self, name: &str, address: &str) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("limiter lock");
        Self::keys(name, address)
            .into_iter()
            .filter_map(|(key, limit)| {
                let times = map.get_mut(&key)?;
                while times.front().is_some_and(|t| now.duration_since(*t) > Self::WINDOW) {
                    times.pop_front();
                }
                (times.len() >= limit)
                    .then(|| (Self::WINDOW.saturating_sub(now.duration_since(times[0]))).as_secs().max(1))
            })
            .max()
    }

    /// Counts a login attempt before its password is checked, so that
    /// attempts made at once cannot all pass the limit; a success takes it back.
    pub fn attempt(&self, name: &str, address: &str) {
        let mut map = self.failures.lock().expect("limiter lock");
        for (key, _) in Self::keys(name, address) {
            map.entry(key).or_default().push_back(Instant::now());
        }
        // Bound memory under a spray of names: forget the keys with nothing recent.
        if map.len() > 100_000 {
            map.retain(|_, v| v.back().is_some_and(|t| t.elapsed() < Self::WINDOW));
        }
    }

    /// A login succeeded: its account starts afresh, and its attempt no longer counts against the address.
    pub fn succeeded(&self, name: &str, address: &str) {
        let mut map = self.failures.lock().expect("limiter lock");
        map.remove(&format!("account:{name}"));
        if let Some(times) = map.get_mut(&format!("address:{address}")) {
            times.pop_back();
        }
    }
}

/// Whether a browser request comes from this server's own pages: its
/// `Origin` (else its `Referer`) names the host it was sent to. A request
/// with neither is not a browser's cross-site one (browsers send `Origin`
/// with every cross-site POST). Stops login CSRF: another site cannot log a
/// visitor in to an account of its choosing.
pub fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let from = headers
        .get(axum::http::header::ORIGIN)
        .or_else(|| headers.get(axum::http::header::REFERER))
        .and_then(|v| v.to_str().ok());
    match from {
        None => true,
        Some(url) => {
            let authority = url.split_once("://").map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
            authority.is_some_and(|a| !host.is_empty() && a.eq_ignore_ascii_case(host))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong", Some(&h)));
        assert!(!verify_password("not a password", None), "no account never verifies");
    }

    #[test]
    fn a_cookie_is_found_among_others_and_across_headers() {
        let mut headers = axum::http::HeaderMap::new();
        headers.append(header::COOKIE, "theme=dark; garbage; tb_lang=en".parse().unwrap());
        headers.append(header::COOKIE, format!("{SESSION_COOKIE}=abc123").parse().unwrap());
        assert_eq!(cookie_in(&headers, "tb_lang"), Some("en"));
        assert_eq!(cookie_in(&headers, SESSION_COOKIE), Some("abc123"));
        assert_eq!(cookie_in(&headers, "lang"), None, "a name is matched whole");
        assert_eq!(cookie_in(&axum::http::HeaderMap::new(), SESSION_COOKIE), None);
    }

    #[test]
    fn the_limiter_stops_an_account_after_its_failures() {
        let l = LoginLimiter::default();
        for _ in 0..LoginLimiter::PER_ACCOUNT {
            assert_eq!(l.check("a", "1.2.3.4"), None);
            l.attempt("a", "1.2.3.4");
        }
        assert!(l.check("a", "5.6.7.8").is_some(), "the account is limited from any address");
        assert_eq!(l.check("b", "5.6.7.8"), None);
        l.succeeded("a", "1.2.3.4");
        assert_eq!(l.check("a", "9.9.9.9"), None);
        // Successful logins from one address (an office behind one gateway) never add up.
        for _ in 0..3 * LoginLimiter::PER_ADDRESS {
            l.attempt("c", "10.0.0.1");
            l.succeeded("c", "10.0.0.1");
        }
        assert_eq!(l.check("d", "10.0.0.1"), None);
    }
}
