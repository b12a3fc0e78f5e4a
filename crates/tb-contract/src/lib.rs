//! After the award (`docs/contracts.md`): what a buyer checks once the
//! service it bought is being delivered, against the signed POC run.
//!
//! - [`terms`]: the contract file (`[contract]`, `[baseline]`,
//!   `[acceptance]`, `[monitoring]`, `[service_levels]`, `[[credit]]`),
//!   read and checked.
//! - [`acceptance`]: the acceptance test (验收): each criterion's delivered
//!   rate against the POC's, by the non-inferiority test of `tb-stats`.
//! - [`monitor`]: the probes in order, the alarms they raise (quality and
//!   latency CUSUMs calibrated to the contract's false-alarm rate, a change
//!   of the served model's fingerprint).
//! - [`draw`]: which pool cases each probe asks, rotated.
//! - [`fingerprint`]: what identifies a served model, and what moved.
//! - [`sla`]: a month's service levels from its probes, breaches and credits.
//! - [`performance`]: the monthly performance report (履约报告) and its evidence.
//!
//! Nothing here does IO or reads the clock: the same contract and probes
//! always give the same alarms and the same monthly figures, which is what
//! lets `verify` recompute them.

pub mod acceptance;
pub mod draw;
pub mod fingerprint;
pub mod monitor;
pub mod performance;
pub mod sla;
pub mod terms;

pub use terms::Contract;
