//! `/metrics` in the Prometheus text format: runs, stored cells (their
//! rate is `rate(tenderbench_cells_stored_total[1m])`), vendor failures by
//! cause, vendor latency and HTTP request durations as histograms.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bucket bounds in seconds, for vendor calls and HTTP requests alike.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, n) in BUCKETS.iter().zip(self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", self.count);
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Default)]
pub struct Metrics {
    runs_started: AtomicU64,
    runs_ended: Mutex<BTreeMap<String, u64>>,
    cells: AtomicU64,
    vendor_errors: Mutex<BTreeMap<String, u64>>,
    vendor_latency: Mutex<Histogram>,
    http: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    login_failures: AtomicU64,
}

impl Metrics {
    pub fn run_started(&self) {
        self.runs_started.fetch_add(1, Ordering::Relaxed);
    }

    pub fn run_ended(&self, status: &str) {
        *self.runs_ended.lock().expect("metrics lock").entry(status.to_string()).or_default() += 1;
    }

    pub fn cell(&self, latency_ms: f64, cause: Option<&str>) {
        self.cells.fetch_add(1, Ordering::Relaxed);
        self.vendor_latency.lock().expect("metrics lock").observe(latency_ms / 1000.0);
        if let Some(cause) = cause {
            *self.vendor_errors.lock().expect("metrics lock").entry(cause.to_string()).or_default() += 1;
        }
    }

    pub fn login_failed(&self) {
        self.login_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// One HTTP request: the route's pattern (not its path, which would be unbounded), method, status.
    pub fn request(&self, route: &str, method: &str, status: u16, secs: f64) {
        self.http
            .lock()
            .expect("metrics lock")
            .entry((route.to_string(), method.to_string(), status))
            .or_default()
            .observe(secs);
    }

    pub fn render(&self, active_runs: usize) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, kind: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        counter("tenderbench_runs_started_total", "Runs started or resumed by this server.", "counter");
        let _ = writeln!(out, "tenderbench_runs_started_total {}", self.runs_started.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP tenderbench_runs_ended_total Runs that ended, by status.\n# TYPE tenderbench_runs_ended_total counter"
        );
        for (status, n) in self.runs_ended.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "tenderbench_runs_ended_total{{status=\"{status}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP tenderbench_runs_active Runs in progress.\n# TYPE tenderbench_runs_active gauge");
        let _ = writeln!(out, "tenderbench_runs_active {active_runs}");
        let _ = writeln!(
            out,
            "# HELP tenderbench_cells_stored_total Cells stored by this server's runs.\n# TYPE tenderbench_cells_stored_total counter"
        );
        let _ = writeln!(out, "tenderbench_cells_stored_total {}", self.cells.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP tenderbench_vendor_errors_total Cells that failed, by cause.\n# TYPE tenderbench_vendor_errors_total counter"
        );
        for (cause, n) in self.vendor_errors.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "tenderbench_vendor_errors_total{{cause=\"{cause}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP tenderbench_vendor_latency_seconds End-to-end latency of stored cells.\n# TYPE tenderbench_vendor_latency_seconds histogram"
        );
        self.vendor_latency.lock().expect("metrics lock").write(&mut out, "tenderbench_vendor_latency_seconds", "");
        let _ = writeln!(
            out,
            "# HELP tenderbench_login_failures_total Failed logins.\n# TYPE tenderbench_login_failures_total counter"
        );
        let _ = writeln!(out, "tenderbench_login_failures_total {}", self.login_failures.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP tenderbench_http_request_duration_seconds HTTP requests by route, method and status.\n# TYPE tenderbench_http_request_duration_seconds histogram"
        );
        for ((route, method, status), h) in self.http.lock().expect("metrics lock").iter() {
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            h.write(&mut out, "tenderbench_http_request_duration_seconds", &labels);
        }
        out
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
        let text = m.render(1);
        assert!(text.contains("tenderbench_vendor_latency_seconds_bucket{le=\"0.005\"} 0"));
        assert!(text.contains("tenderbench_vendor_latency_seconds_bucket{le=\"0.01\"} 1"));
        assert!(text.contains("tenderbench_vendor_latency_seconds_bucket{le=\"0.5\"} 2"));
        assert!(text.contains("tenderbench_vendor_latency_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("tenderbench_vendor_errors_total{cause=\"timeout\"} 1"));
        assert!(text.contains("tenderbench_cells_stored_total 2"));
    }
}
