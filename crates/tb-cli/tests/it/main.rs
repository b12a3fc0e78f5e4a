//! End-to-end tests through the `tenderbench` binary, against simulated vendors
//! served in-process on 127.0.0.1 ephemeral ports.

mod agents;
mod browser;
mod check;
mod demo;
mod dossier;
mod error_paths;
mod faults;
mod graders;
mod integrity;
mod load;
mod postgres;
mod reliability;
mod resume;
mod scoring;
mod server;
mod soak;
mod spec_errors;
mod support;
mod workers;
