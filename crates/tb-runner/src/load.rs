//! Load stages: a suite's cases sent to one vendor under a stated load.
//!
//! - **Open loop** (`rate`): arrival times are drawn from a seeded Poisson
//!   process before anything is sent, and each request goes out when it is
//!   due, whatever the vendor is doing: a vendor that stalls cannot lower
//!   the offered rate; its stall shows as latency and failures.
//! - **Closed loop** (`concurrency`): that many requests in flight, each
//!   sent as another finishes (one refused with 429 frees its slot a second
//!   later, as a client would wait).
//!
//! Every request is a real case whose answer is stored (as a cell of the
//! suite `load:<stage>`) and graded with the report. End-to-end latency
//! counts from when a request was due ([`tb_core::LoadSample`]), so a client
//! that falls behind cannot hide a slow vendor; TTFT, ITL and TPOT count
//! from when it was sent. Requests are not retried: a
//! 429 or a 5xx is a measured failure, and a retry would add load the stage
//! did not offer. Every vendor of a run gets the same arrival times and the
//! same sequence of cases.

use std::sync::Arc;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use tb_core::{Case, CellKey, LoadSample, Outcome};
use tb_spec::{Arrival, LoadStage};

use tb_vendor::{Generation, VendorClient};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::{
    CaseBatches, LineIndex, RunError, Spend, ToWriter, cancelled, cell_record, finish_in_flight, reap,
    spawn_case_reader,
};

/// How long before the first arrival the stage's clock starts: time for the
/// case reader to fill its first batch.
const LEAD: Duration = Duration::from_millis(20);

/// In a closed loop, a slot whose request was refused with 429 waits this
/// long before its next one, as a client would: otherwise it would send
/// thousands of requests a second into the refusal.
const RATE_LIMITED_PAUSE: Duration = Duration::from_secs(1);

/// One stage for one vendor.
pub(crate) struct StageJob {
    pub run_id: String,
    pub vendor: String,
    pub stage: LoadStage,
    /// Where its requests are stored: `tb_core::load_suite(stage, attempt)`.
    pub suite_name: String,
    /// The file of the stage's suite, its format and where each case is in it.
    pub suite: (std::path::PathBuf, tb_suite::SuiteFormat, LineIndex),
    /// The run's order seed: it fixes the arrival times and the case sequence.
    pub order_seed: String,
    pub generation: Generation,
    pub client: Arc<VendorClient>,
    pub cells: mpsc::Sender<ToWriter>,
    pub cancel: watch::Receiver<bool>,
    pub spend: Option<Arc<Spend>>,
    /// Where the requests run; the stage's own loop (its clock) runs apart
    /// from them, so that a thousand answers streaming in cannot make an
    /// arrival late.
    pub requests: tokio::runtime::Handle,
}

/// What a stage sent, and whether it ran to its end (its duration or its
/// cases) rather than being cut short (cancelled, a budget, a failing store).
pub(crate) struct StageSent {
    pub requests: u64,
    pub ran_to_end: bool,
}

/// A 64-bit seed from the run's order seed and the stage id.
fn stage_seed(order_seed: &str, stage: &str) -> u64 {
    let digest = tb_audit::sha256_hex(format!("load-arrivals\0{order_seed}\0{stage}").as_bytes());
    u64::from_str_radix(&digest[..16], 16).expect("16 hex digits")
}

/// The due times (seconds after the stage starts) of a Poisson process of
/// `rate` per second, from `seed`: exponential gaps by inversion.
pub fn poisson_arrivals(seed: u64, rate: f64) -> impl Iterator<Item = f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut t = 0.0;
    std::iter::from_fn(move || {
        // 1 − U is in (0, 1]: its logarithm is finite.
        let u: f64 = rng.random();
        t += -(1.0 - u).ln() / rate;
        Some(t)
    })
}

impl StageJob {
    /// Sends the stage's requests to the vendor, then waits for every one to be handed to the writer.
    pub async fn run(mut self) -> Result<StageSent, RunError> {
        let (path, format, lines) = self.suite.clone();
        let n = lines.len();
        if n == 0 {
            return Ok(StageSent { requests: 0, ran_to_end: true });
        }
        // The case sequence: the suite in a seeded order, again and again,
        // the same for every vendor and every attempt.
        let order = tb_audit::case_order(&self.order_seed, "", &tb_core::load_suite(&self.stage.id, 1), n);
        let (case_rx, reader) = spawn_case_reader(path, format, lines, order, true);
        let mut cases = CaseSequence { rx: case_rx, batch: Vec::new().into_iter() };
        let mut clock = stage_clock(&self.stage, &self.order_seed);
        let mut in_flight = JoinSet::new();
        let sent = self.send_requests(&mut cases, &mut clock, &mut in_flight).await?;
        drop(cases.rx);
        finish_in_flight(&mut in_flight).await?;
        let _ = reader.await;
        // Cancelled while the last requests were in flight: not a whole stage.
        let ran_to_end = sent.ran_to_end && !*self.cancel.borrow() && !self.cells.is_closed();
        Ok(StageSent { requests: sent.requests, ran_to_end })
    }

    /// Sends a request whenever the clock says one is due, until the stage ends or is cut short.
    async fn send_requests<A: Iterator<Item = f64>>(
        &mut self,
        cases: &mut CaseSequence,
        clock: &mut Clock<A>,
        in_flight: &mut JoinSet<()>,
    ) -> Result<StageSent, RunError> {
        let warmup = self.stage.warmup_secs;
        let limit = self.stage.cases;
        let mut sent = 0u64;
        let mut measured = 0u64;
        // Requests by case: the repeat number of each send of a case.
        let mut sends: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        let mut ran_to_end = false;
        loop {
            let (due, permit) = match clock.next(&mut self.cancel).await? {
                Tick::Due(due, permit) => (due, permit),
                Tick::End => {
                    ran_to_end = true;
                    break;
                }
                Tick::Cancelled => break,
            };
            let at_s = due.saturating_duration_since(clock.start).as_secs_f64();
            let is_warmup = at_s < warmup;
            if !is_warmup && limit.is_some_and(|l| measured >= l) {
                ran_to_end = true;
                break;
            }
            if *self.cancel.borrow() || self.cells.is_closed() || self.spend.as_ref().is_some_and(|s| s.reached()) {
                break;
            }
            let Some(case) = cases.next().await? else { break };
            let repeat = {
                let r = sends.entry(case.id.clone()).or_insert(0);
                *r += 1;
                *r - 1
            };
            let key = CellKey {
                vendor: self.vendor.clone(),
                suite: self.suite_name.clone(),
                case_id: case.id.clone(),
                repeat,
            };
            let seq = sent;
            sent += 1;
            measured += !is_warmup as u64;
            let request = StageRequest {
                client: self.client.clone(),
                cells: self.cells.clone(),
                run_id: self.run_id.clone(),
                generation: self.generation,
                spend: self.spend.clone(),
                key,
                seq,
                case,
                due,
                at_s,
                is_warmup,
                permit,
            };
            in_flight.spawn_on(request.send(), &self.requests);
            while let Some(r) = in_flight.try_join_next() {
                reap(r)?;
            }
        }
        Ok(StageSent { requests: sent, ran_to_end })
    }
}

/// The stage's cases, one at a time, from the case reader's batches.
struct CaseSequence {
    rx: CaseBatches,
    batch: std::vec::IntoIter<(u64, Case)>,
}

impl CaseSequence {
    /// The next case; `None` once the reader has stopped.
    async fn next(&mut self) -> Result<Option<Case>, RunError> {
        loop {
            if let Some((_, c)) = self.batch.next() {
                return Ok(Some(c));
            }
            match self.rx.recv().await {
                Some(batch) => self.batch = batch?.into_iter(),
                None => return Ok(None),
            }
        }
    }
}

/// What the stage's clock says next.
enum Tick {
    /// A request is due at this time (with its slot, in a closed loop).
    Due(Instant, Option<OwnedSemaphorePermit>),
    /// The stage's duration is over.
    End,
    /// The run was cancelled.
    Cancelled,
}

/// When the stage's requests are due: seeded Poisson arrivals (open loop), or as a slot frees (closed loop).
struct Clock<A> {
    /// Open loop: the arrival times, in seconds after `start`.
    arrivals: Option<A>,
    /// Closed loop: a permit per request in flight.
    permits: Option<Arc<Semaphore>>,
    start: Instant,
    /// When the stage ends (warm-up plus duration), in seconds after `start`.
    end: Option<f64>,
}

/// The stage's clock, starting [`LEAD`] from now.
fn stage_clock(stage: &LoadStage, order_seed: &str) -> Clock<impl Iterator<Item = f64> + use<>> {
    let end = stage.duration_secs.map(|d| stage.warmup_secs + d);
    let permits = match stage.arrival {
        Arrival::Concurrency(c) => Some(Arc::new(Semaphore::new(c as usize))),
        Arrival::Rate(_) => None,
    };
    let arrivals = match stage.arrival {
        Arrival::Rate(rate) => Some(poisson_arrivals(stage_seed(order_seed, &stage.id), rate)),
        Arrival::Concurrency(_) => None,
    };
    Clock { arrivals, permits, start: Instant::now() + LEAD, end }
}

impl<A: Iterator<Item = f64>> Clock<A> {
    /// Waits until the next request is due (open loop) or a slot is free (closed loop).
    async fn next(&mut self, cancel: &mut watch::Receiver<bool>) -> Result<Tick, RunError> {
        match (&mut self.arrivals, &self.permits) {
            (Some(times), _) => {
                let at = times.next().expect("the arrival process never ends");
                if self.end.is_some_and(|e| at >= e) {
                    return Ok(Tick::End);
                }
                let due = self.start + Duration::from_secs_f64(at);
                tokio::select! {
                    _ = tokio::time::sleep_until(due) => {}
                    _ = cancelled(cancel) => return Ok(Tick::Cancelled),
                }
                Ok(Tick::Due(due, None))
            }
            (None, Some(permits)) => {
                let permit = tokio::select! {
                    p = permits.clone().acquire_owned() => p.map_err(|e| RunError::Internal(e.to_string()))?,
                    _ = cancelled(cancel) => return Ok(Tick::Cancelled),
                };
                if Instant::now() < self.start {
                    tokio::time::sleep_until(self.start).await;
                }
                let now = Instant::now();
                if self.end.is_some_and(|e| now.duration_since(self.start).as_secs_f64() >= e) {
                    return Ok(Tick::End);
                }
                Ok(Tick::Due(now, Some(permit)))
            }
            (None, None) => unreachable!("a stage has arrivals or permits"),
        }
    }
}

/// One request of a stage, from its due time to its cell handed to the writer.
struct StageRequest {
    client: Arc<VendorClient>,
    cells: mpsc::Sender<ToWriter>,
    run_id: String,
    generation: Generation,
    spend: Option<Arc<Spend>>,
    key: CellKey,
    seq: u64,
    case: Case,
    due: Instant,
    /// When it was due, in seconds after the stage's start.
    at_s: f64,
    is_warmup: bool,
    /// A closed loop's slot, freed once the cell is handed on.
    permit: Option<OwnedSemaphorePermit>,
}

impl StageRequest {
    /// Sends the request, hands its cell to the writer, then frees its slot (a second later after a 429).
    async fn send(self) {
        let lag_ms = self.due.elapsed().as_secs_f64() * 1000.0;
        // As in the run: a fill-in-the-middle case on the vendor's FIM endpoint.
        let (outcome, stats) = self.client.ask(&self.case, self.generation).await;
        // From due to the answer's end (not to the end of reading what follows [DONE]).
        let latency_ms = lag_ms + stats.latency_ms;
        if let (Some(spend), Outcome::Answered(a)) = (&self.spend, &outcome) {
            spend.add(a.usage);
        }
        let load = LoadSample { at_ms: round_ms(self.at_s * 1000.0), lag_ms: round_ms(lag_ms), warmup: self.is_warmup };
        let timing = stage_timing(&stats, &outcome, load);
        let refused = matches!(&outcome, Outcome::Failed(f) if f.cause == tb_core::FailureCause::RateLimited);
        let usage = match &outcome {
            Outcome::Answered(a) => a.usage,
            Outcome::Failed(_) => None,
        };
        let mut finished = cell_record(&self.run_id, self.key, self.seq, &self.case, outcome, stats, None, usage);
        finished.cell.latency_ms = round_ms(latency_ms);
        finished.cell.ttft_ms = timing.ttft_ms();
        finished.cell.timing = Some(serde_json::to_string(&timing).expect("timing always serializes"));
        let _ = self.cells.send(ToWriter::Cell(finished)).await;
        if let Some(permit) = self.permit {
            if refused {
                tokio::time::sleep(RATE_LIMITED_PAUSE).await;
            }
            drop(permit);
        }
    }
}

/// A time in milliseconds, rounded to the microsecond.
fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// A request's timing: chunk times from when it went out (the vendor's TTFT, ITL, TPOT), plus its load sample.
fn stage_timing(stats: &tb_core::CallStats, outcome: &Outcome, load: LoadSample) -> tb_core::Timing {
    let mut timing = match (&stats.timing, outcome) {
        (Some(t), _) => t.clone(),
        // A non-streamed answer arrives whole: its first token comes with its last.
        (None, Outcome::Answered(a)) => tb_core::Timing {
            chunks_ms: vec![stats.latency_ms],
            output_tokens: a.usage.map_or(0, |u| u.completion_tokens),
            token_source: a.usage.map(|_| tb_core::TokenSource::Usage),
            load: None,
        },
        (None, Outcome::Failed(_)) => tb_core::Timing::default(),
    };
    for t in &mut timing.chunks_ms {
        *t = round_ms(*t);
    }
    if let Outcome::Failed(_) = outcome {
        timing.output_tokens = 0;
    }
    timing.load = Some(load);
    timing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_arrivals_have_the_rate_and_are_seeded() {
        let times: Vec<f64> = poisson_arrivals(7, 200.0).take_while(|&t| t < 100.0).collect();
        // 20,000 expected; the Poisson count's sd is √20000 ≈ 141.
        assert!((times.len() as f64 - 20_000.0).abs() < 600.0, "{}", times.len());
        let again: Vec<f64> = poisson_arrivals(7, 200.0).take(100).collect();
        assert_eq!(&times[..100], &again[..]);
        assert_ne!(poisson_arrivals(8, 200.0).next(), poisson_arrivals(7, 200.0).next());
        // Exponential gaps: the share of gaps above the mean is e^-1.
        let above = times.windows(2).filter(|w| w[1] - w[0] > 1.0 / 200.0).count() as f64 / times.len() as f64;
        assert!((above - (-1.0f64).exp()).abs() < 0.02, "{above}");
    }
}
