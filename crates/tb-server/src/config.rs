//! The server's configuration: a TOML file (`--config`), then environment
//! variables (`TENDERBENCH_*`), then flags, each overriding the one before.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tb_audit::Keypair;
use tb_store::Store;
use tb_store::server::UserRecord;
use tb_vendor::egress::{EgressPolicy, IpNet};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// The store: an SQLite file or a `postgres://` URL.
    pub db: tb_store::DbLocation,
    /// Where tenders' files are written for runs, and the signing key kept.
    pub data_dir: PathBuf,
    /// The signing key (default: DATA_DIR/tenderbench.key, created when missing).
    pub key: Option<PathBuf>,
    /// Mark the session cookie `Secure` (set it when serving behind HTTPS).
    pub secure_cookies: bool,
    /// `text` or `json` logs.
    pub log_format: String,
    /// Largest request body (a tender upload with its suites).
    pub max_upload_bytes: usize,
    /// How long a running run's report is reused before it is built again.
    pub report_refresh_secs: f64,
    /// API keys come only from environment variables whose names begin so.
    pub vendor_key_prefix: String,
    /// Accept vendors' endpoints on this machine (loopback) — for rehearsals and tests only.
    pub allow_loopback_vendors: bool,
    /// Internal networks (CIDRs, `10.20.0.0/16`) that vendor and judge
    /// endpoints may reach: a buyer hosting a vendor's model on its own
    /// network. Only the administrator's configuration names them; a tender
    /// or a vendor never can.
    pub allow_networks: Vec<String>,
    /// How bidders' code is isolated: `bubblewrap` (the default), or
    /// `rlimit_only` on a host where bubblewrap cannot run — the
    /// administrator's choice, applied to every run that runs code and shown
    /// on its report; a tender can never ask for it.
    pub sandbox_isolation: tb_core::Isolation,
    /// Where a contract's alarms are POSTed when a probe record raises them
    /// (docs/contracts.md, "Alerts"); the administrator's configuration only.
    pub contract_webhook: Option<String>,
    /// Who runs the probes the server schedules (docs/contracts.md):
    /// `server` (itself) or `workers` (`tenderbench worker`s; PostgreSQL).
    pub contract_probes: crate::schedule::ProbeExecutor,
    /// How long a contract day lasts for the scheduler: 86400 s, the UTC
    /// date. Shorter only to rehearse a contract's monitoring in compressed
    /// time against simulated vendors: the probes are then dated by days
    /// counted from the server's start.
    pub contract_day_secs: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8080".into(),
            db: tb_store::DbLocation::Sqlite("tenderbench.db".into()),
            data_dir: PathBuf::from("tenderbench-server"),
            key: None,
            secure_cookies: false,
            log_format: "text".into(),
            max_upload_bytes: 64 << 20,
            report_refresh_secs: 2.0,
            vendor_key_prefix: "TENDERBENCH_VENDOR_".into(),
            allow_loopback_vendors: false,
            allow_networks: Vec::new(),
            sandbox_isolation: tb_core::Isolation::Bubblewrap,
            contract_webhook: None,
            contract_probes: crate::schedule::ProbeExecutor::Server,
            contract_day_secs: 86_400.0,
        }
    }
}

impl Config {
    /// The file (when given), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read the config file {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(v) = env("TENDERBENCH_LISTEN") {
            config.listen = v;
        }
        if let Some(v) = env("TENDERBENCH_DB") {
            config.db = v.parse().map_err(|e| anyhow::anyhow!("TENDERBENCH_DB: {e}"))?;
        }
        if let Some(v) = env("TENDERBENCH_DATA_DIR") {
            config.data_dir = v.into();
        }
        if let Some(v) = env("TENDERBENCH_KEY") {
            config.key = Some(v.into());
        }
        if let Some(v) = env("TENDERBENCH_SECURE_COOKIES") {
            config.secure_cookies = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("TENDERBENCH_VENDOR_KEY_PREFIX") {
            config.vendor_key_prefix = v;
        }
        if let Some(v) = env("TENDERBENCH_ALLOW_LOOPBACK_VENDORS") {
            config.allow_loopback_vendors = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("TENDERBENCH_ALLOW_NETWORKS") {
            config.allow_networks = v.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
        }
        if let Some(v) = env("TENDERBENCH_SANDBOX_ISOLATION") {
            config.sandbox_isolation = tb_core::Isolation::parse(&v).ok_or_else(|| {
                anyhow::anyhow!("TENDERBENCH_SANDBOX_ISOLATION must be \"bubblewrap\" or \"rlimit_only\", not {v:?}")
            })?;
        }
        if let Some(v) = env("TENDERBENCH_CONTRACT_WEBHOOK") {
            config.contract_webhook = Some(v);
        }
        if let Some(v) = env("TENDERBENCH_CONTRACT_PROBES") {
            config.contract_probes = match v.as_str() {
                "server" => crate::schedule::ProbeExecutor::Server,
                "workers" => crate::schedule::ProbeExecutor::Workers,
                _ => anyhow::bail!("TENDERBENCH_CONTRACT_PROBES must be \"server\" or \"workers\", not {v:?}"),
            };
        }
        if let Some(v) = env("TENDERBENCH_CONTRACT_DAY_SECS") {
            config.contract_day_secs =
                v.parse().map_err(|_| anyhow::anyhow!("TENDERBENCH_CONTRACT_DAY_SECS must be a number of seconds"))?;
        }
        if !(config.contract_day_secs >= 1.0 && config.contract_day_secs <= 86_400.0) {
            anyhow::bail!("contract_day_secs must be from 1 to 86400, not {}", config.contract_day_secs);
        }
        if let Some(v) = env("TENDERBENCH_LOG_FORMAT") {
            config.log_format = v;
        }
        if !matches!(config.log_format.as_str(), "text" | "json") {
            anyhow::bail!("log_format must be \"text\" or \"json\", not {:?}", config.log_format);
        }
        config.egress_policy()?;
        Ok(config)
    }

    /// Where the server's runs may connect: the public internet, the
    /// networks named in `allow_networks`, and this machine only with
    /// `allow_loopback_vendors`.
    pub fn egress_policy(&self) -> anyhow::Result<EgressPolicy> {
        let mut allowed = Vec::new();
        for net in &self.allow_networks {
            let parsed = net
                .parse::<IpNet>()
                .or_else(|_| net.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| anyhow::anyhow!("allow_networks: {net:?} is not a network (e.g. 10.20.0.0/16)"))?;
            allowed.push(parsed);
        }
        if self.allow_loopback_vendors {
            allowed.extend(["127.0.0.0/8", "::1/128"].map(|n| n.parse::<IpNet>().expect("a network")));
        }
        Ok(EgressPolicy { allowed })
    }
}

/// The server's signing key, created on first start.
pub fn server_key(config: &Config) -> anyhow::Result<Keypair> {
    if let Some(path) = &config.key
        && !path.exists()
    {
        anyhow::bail!("the signing key {} does not exist; create it with `tenderbench keygen`", path.display());
    }
    let path = config.key.clone().unwrap_or_else(|| config.data_dir.join(tb_audit::PRIVATE_KEY_FILE));
    if !path.exists() {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let (kp, _) = Keypair::generate_files(dir)?;
        tracing::info!(fingerprint = %kp.fingerprint(), path = %path.display(), "signing key created");
    }
    Ok(Keypair::load(&path)?)
}

/// With no account at all, `TENDERBENCH_ADMIN_PASSWORD` creates the first one (`admin`).
pub async fn bootstrap_admin(store: &Store) -> anyhow::Result<()> {
    if !store.users().await?.is_empty() {
        return Ok(());
    }
    let Some(password) = std::env::var("TENDERBENCH_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty()) else {
        tracing::warn!(
            "no accounts yet: create one with `tenderbench user add NAME --role admin` or set TENDERBENCH_ADMIN_PASSWORD"
        );
        return Ok(());
    };
    crate::auth::check_password_strength(&password)
        .map_err(|e| anyhow::anyhow!("TENDERBENCH_ADMIN_PASSWORD: {}", e.message))?;
    let hash = crate::auth::hash_password(&password).map_err(|e| anyhow::anyhow!(e.message))?;
    let user = UserRecord {
        name: "admin".into(),
        role: "admin".into(),
        vendor: None,
        password_hash: hash,
        created_at: tb_store::now_rfc3339(),
    };
    store.create_user(&user).await?;
    tracing::info!("account admin created from TENDERBENCH_ADMIN_PASSWORD");
    Ok(())
}
