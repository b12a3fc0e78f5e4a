//! `/metrics` in the OpenMetrics text format (Prometheus reads it), written
//! by the `prometheus-client` crate: runs, stored cells (their rate is
//! `rate(tenderbench_cells_stored_total[1m])`), vendor failures by cause,
//! vendor latency and HTTP request durations as histograms.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The response's content type.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Bucket bounds in seconds, for vendor calls and HTTP requests alike.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Clone, Copy)]
struct Buckets;

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(BUCKETS)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CauseLabel {
    cause: String,
}

/// A route's pattern (not its path, which would be unbounded), method and status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

pub struct Metrics {
    registry: Registry,
    runs_started: Counter,
    runs_ended: Family<StatusLabel, Counter>,
    runs_active: Gauge,
    cells: Counter,
    vendor_errors: Family<CauseLabel, Counter>,
    vendor_latency: Histogram,
    http: Family<RequestLabels, Histogram, Buckets>,
    login_failures: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut m = Metrics {
            registry: Registry::with_prefix("tenderbench"),
            runs_started: Counter::default(),
            runs_ended: Family::default(),
            runs_active: Gauge::default(),
            cells: Counter::default(),
            vendor_errors: Family::default(),
            vendor_latency: Histogram::new(BUCKETS),
            http: Family::new_with_constructor(Buckets),
            login_failures: Counter::default(),
        };
        let r = &mut m.registry;
        r.register("runs_started", "Runs started or resumed by this server", m.runs_started.clone());
        r.register("runs_ended", "Runs that ended, by status", m.runs_ended.clone());
        r.register("runs_active", "Runs in progress", m.runs_active.clone());
        r.register("cells_stored", "Cells stored by this server's runs", m.cells.clone());
        r.register("vendor_errors", "Cells that failed, by cause", m.vendor_errors.clone());
        r.register_with_unit(
            "vendor_latency",
            "End-to-end latency of stored cells",
            Unit::Seconds,
            m.vendor_latency.clone(),
        );
        r.register("login_failures", "Failed logins", m.login_failures.clone());
        r.register_with_unit(
            "http_request_duration",
            "HTTP requests by route, method and status",
            Unit::Seconds,
            m.http.clone(),
        );
        m
    }
}

impl Metrics {
    pub fn run_started(&self) {
        self.runs_started.inc();
    }

    pub fn run_ended(&self, status: &str) {
        self.runs_ended.get_or_create(&StatusLabel { status: status.to_string() }).inc();
    }

    pub fn cell(&self, latency_ms: f64, cause: Option<&str>) {
        self.cells.inc();
        self.vendor_latency.observe(latency_ms / 1000.0);
        if let Some(cause) = cause {
            self.vendor_errors.get_or_create(&CauseLabel { cause: cause.to_string() }).inc();
        }
    }

    pub fn login_failed(&self) {
        self.login_failures.inc();
    }

    /// One HTTP request: the route's pattern, method, status and duration.
    pub fn request(&self, route: &str, method: &str, status: u16, secs: f64) {
        let labels = RequestLabels { route: route.to_string(), method: method.to_string(), status };
        self.http.get_or_create(&labels).observe(secs);
    }

    /// The exposition: this server's metrics, then `extra` (series computed
    /// for this scrape, such as the contracts'), then the end marker.
    pub fn render(&self, active_runs: usize, extra: Option<&Registry>) -> String {
        use prometheus_client::encoding::text::{encode_eof, encode_registry};
        self.runs_active.set(i64::try_from(active_runs).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode_registry(&mut out, &self.registry);
        if let Some(extra) = extra {
            let _ = encode_registry(&mut out, extra);
        }
        let _ = encode_eof(&mut out);
        out
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ContractLabel {
    contract: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ContractSeries {
    contract: String,
    /// A criterion, a chart (`quality:<criterion>`, `latency`) or an alarm kind.
    series: String,
}

type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;

/// The contracts' series of one scrape (docs/contracts.md): probes, alarms
/// by kind, each criterion's latest and baseline rate, and each chart's
/// statistic as a share of its threshold (an alarm at 1).
#[derive(Default)]
pub struct ContractMetrics {
    probes: Family<ContractLabel, Gauge>,
    alarms: Family<ContractSeries, Gauge>,
    rate: Family<ContractSeries, FloatGauge>,
    baseline_rate: Family<ContractSeries, FloatGauge>,
    alarm_level: Family<ContractSeries, FloatGauge>,
}

impl ContractMetrics {
    pub fn add(&self, contract: &tb_contract::Contract, trace: &tb_contract::monitor::Trace) {
        let id = contract.contract.id.clone();
        let series = |s: &str| ContractSeries { contract: id.clone(), series: s.to_string() };
        self.probes.get_or_create(&ContractLabel { contract: id.clone() }).set(trace.points.len() as i64);
        for kind in ["quality", "latency", "model_changed"] {
            let n = trace
                .alarms
                .iter()
                .filter(|a| serde_json::to_value(a.kind).ok().as_ref().and_then(|v| v.as_str()) == Some(kind))
                .count();
            self.alarms.get_or_create(&series(kind)).set(n as i64);
        }
        for b in &contract.baseline.criteria {
            self.baseline_rate.get_or_create(&series(&b.id)).set(b.rate());
            let h = trace.thresholds.quality.get(&b.id).map_or(f64::INFINITY, |c| c.h);
            if let Some((rate, s)) = trace.points.last().and_then(|p| p.quality.get(&b.id)) {
                self.rate.get_or_create(&series(&b.id)).set(*rate);
                self.alarm_level.get_or_create(&series(&format!("quality:{}", b.id))).set(s / h);
            }
        }
        if let Some(p) = trace.points.last() {
            self.alarm_level.get_or_create(&series("latency")).set(p.latency_statistic / trace.thresholds.latency.h);
        }
    }

    pub fn registry(&self) -> Registry {
        let mut r = Registry::with_prefix("tenderbench_contract");
        r.register("probes", "Probe records of the contract", self.probes.clone());
        r.register("alarms", "Alarms the contract's probes raised, by kind", self.alarms.clone());
        r.register("rate", "Each criterion's rate in the latest probe", self.rate.clone());
        r.register("baseline_rate", "Each criterion's rate at the POC", self.baseline_rate.clone());
        r.register(
            "alarm_level",
            "Each chart's CUSUM statistic as a share of its threshold after the latest probe (an alarm at 1)",
            self.alarm_level.clone(),
        );
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let m = Metrics::default();
        m.cell(7.0, None);
        m.cell(300.0, Some("timeout"));
        m.request("/api/runs/{id}", "GET", 200, 0.02);
        let text = m.render(1, None);
        assert!(text.contains("tenderbench_vendor_latency_seconds_bucket{le=\"0.005\"} 0"), "{text}");
        assert!(text.contains("tenderbench_vendor_latency_seconds_bucket{le=\"0.01\"} 1"), "{text}");
        assert!(text.contains("tenderbench_vendor_latency_seconds_bucket{le=\"0.5\"} 2"), "{text}");
        assert!(text.contains("tenderbench_vendor_latency_seconds_bucket{le=\"+Inf\"} 2"), "{text}");
        assert!(text.contains("tenderbench_vendor_errors_total{cause=\"timeout\"} 1"), "{text}");
        assert!(text.contains("tenderbench_cells_stored_total 2"), "{text}");
        assert!(text.contains("tenderbench_runs_active 1"), "{text}");
        assert!(
            text.contains(
                "tenderbench_http_request_duration_seconds_count{route=\"/api/runs/{id}\",method=\"GET\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
