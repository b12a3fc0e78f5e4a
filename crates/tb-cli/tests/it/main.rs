//! End-to-end tests through the `tenderbench` binary, against simulated vendors
//! served in-process on 127.0.0.1 ephemeral ports.

#![allow(
    clippy::disallowed_methods,
    reason = "end-to-end tests spawn the binary and the tools that read its outputs, and call servers over HTTP"
)]

mod agents;
mod browser;
mod check;
mod coding;
mod contract;
mod demo;
mod dossier;
mod error_paths;
mod faults;
mod graders;
mod integrity;
mod postgres;
mod reliability;
mod resume;
mod scoring;
mod server;
mod soak;
mod spec_errors;
mod support;
mod workers;
