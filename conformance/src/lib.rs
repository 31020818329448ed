//! Conformance: drives the generated client against a host (the real sandbox, an embedded emulator of it,
//! or a recording) and reports where the API and `spec/octopus.yaml` disagree.
//!
//! - [`emulator`]: the embedded, stateful stand-in for the sandbox;
//! - [`checks`]: the named checks, one rule each; [`control`]: how they force outcomes, in process or over
//!   HTTP;
//! - [`runner`]: the run loop and results; [`host`]: hosts and their setup; [`cassette`]: recordings (read,
//!   write, fold); [`transcript`]: snapshot transcripts;
//! - [`tap`]: the proxy that sees every exchange; [`redact`]: secrets out; [`shape`]: volatile values out of
//!   snapshots;
//! - [`spec`]: the spec as the judge of raw responses; [`report`]: table, JUnit, JSON, Markdown;
//! - [`load`]: a load driver for the emulator's load test and benchmark;
//! - [`pace`]: the suite's own pace on a shared host, under the documented quotas;
//! - [`traffic`]: what a run cost the host: requests, orders, money, 429s.

pub mod cassette;
pub mod checks;
pub mod control;
pub mod emulator;
pub mod host;
pub mod load;
pub mod pace;
pub mod redact;
pub mod report;
pub mod runner;
pub mod serve;
pub mod shape;
pub mod spec;
pub mod tap;
pub mod traffic;
pub mod transcript;
