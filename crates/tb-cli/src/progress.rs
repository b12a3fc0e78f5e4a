//! Progress on the terminal: a bar per vendor when stderr is a terminal,
//! plain log lines (every 10% per vendor) otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tb_runner::Progress;

struct Plain {
    total: u64,
    done: u64,
    errors: u64,
    next_report: u64,
    started: Instant,
    started_done: u64,
}

pub struct TermProgress(Mode);

enum Mode {
    Bars { multi: MultiProgress, bars: Mutex<HashMap<String, (ProgressBar, u64)>> },
    Lines(Mutex<HashMap<String, Plain>>),
}

impl TermProgress {
    pub fn new() -> TermProgress {
        TermProgress(if std::io::stderr().is_terminal() {
            Mode::Bars { multi: MultiProgress::new(), bars: Mutex::new(HashMap::new()) }
        } else {
            Mode::Lines(Mutex::new(HashMap::new()))
        })
    }
}

impl Progress for TermProgress {
    fn run_started(&self, run_id: &str, resumed: bool) {
        eprintln!("run {run_id} {}", if resumed { "resumed" } else { "started" });
    }

    fn vendor_started(&self, vendor: &str, total: u64, already: u64) {
        match &self.0 {
            Mode::Bars { multi, bars } => {
                let bar = multi.add(ProgressBar::new(total));
                bar.set_style(
                    ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} {per_sec} ETA {eta} {msg}")
                        .expect("valid template")
                        .progress_chars("=> "),
                );
                bar.set_prefix(vendor.to_string());
                bar.set_position(already);
                bar.reset_eta();
                bars.lock().expect("progress lock").insert(vendor.to_string(), (bar, 0));
            }
            Mode::Lines(state) => {
                eprintln!("[{vendor}] {total} cells, {already} already stored");
                state.lock().expect("progress lock").insert(
                    vendor.to_string(),
                    Plain {
                        total,
                        done: already,
                        errors: 0,
                        next_report: already + total / 10,
                        started: Instant::now(),
                        started_done: already,
                    },
                );
            }
        }
    }

    fn cell_stored(&self, vendor: &str, failed: bool) {
        match &self.0 {
            Mode::Bars { bars, .. } => {
                if let Some((bar, errors)) = bars.lock().expect("progress lock").get_mut(vendor) {
                    bar.inc(1);
                    if failed {
                        *errors += 1;
                        bar.set_message(format!("errors {errors}"));
                    }
                }
            }
            Mode::Lines(state) => {
                let mut state = state.lock().expect("progress lock");
                let Some(p) = state.get_mut(vendor) else { return };
                p.done += 1;
                p.errors += failed as u64;
                if p.done == p.total {
                    eprintln!("[{vendor}] done: {}/{} cells, {} errors", p.done, p.total, p.errors);
                } else if p.done >= p.next_report {
                    p.next_report = p.done + (p.total / 10).max(1);
                    let rate =
                        p.done.saturating_sub(p.started_done) as f64 / p.started.elapsed().as_secs_f64().max(1e-3);
                    let left = p.total.saturating_sub(p.done) as f64 / rate.max(1e-9);
                    eprintln!(
                        "[{vendor}] {}/{} ({:.0}%) errors {} {:.1} cells/s, about {} left",
                        p.done,
                        p.total,
                        100.0 * p.done as f64 / p.total.max(1) as f64,
                        p.errors,
                        rate,
                        duration_words(left)
                    );
                }
            }
        }
    }

    fn stage_started(&self, vendor: &str, stage: &tb_spec::LoadStage) {
        let load = crate::commands::arrival_text(stage.arrival);
        let end = match (stage.duration_secs, stage.cases) {
            (Some(d), Some(n)) => format!("{d} s or {n} requests"),
            (Some(d), None) => format!("{d} s"),
            (None, Some(n)) => format!("{n} requests"),
            (None, None) => String::new(),
        };
        eprintln!("[{vendor}] load stage {}: {load} for {end} after {} s of warm-up", stage.id, stage.warmup_secs);
    }

    fn stage_finished(&self, vendor: &str, stage: &str, requests: u64, skipped: bool) {
        if skipped {
            eprintln!("[{vendor}] load stage {stage}: already run before the resume; not sent again");
        } else {
            eprintln!("[{vendor}] load stage {stage}: {requests} requests sent");
        }
    }

    fn vendor_finished(&self, vendor: &str) {
        match &self.0 {
            Mode::Bars { bars, .. } => {
                if let Some((bar, _)) = bars.lock().expect("progress lock").get(vendor) {
                    bar.finish();
                }
            }
            // Plain lines report completion when the last cell is stored.
            Mode::Lines(_) => {}
        }
    }
}

/// A remaining time as a person says it: "40 s", "12 min", "2 h 5 min".
fn duration_words(secs: f64) -> String {
    let s = secs.round().max(0.0) as u64;
    match s {
        0..=99 => format!("{s} s"),
        100..=5999 => format!("{} min", s.div_ceil(60)),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}
