//! Conformance: drives the generated client against a host (the real sandbox, an embedded emulator of it,
//! or a recording) and reports where the API and `spec/octopus.yaml` disagree.
//!
//! Built so far: the [`emulator`] (partly; see its docs). The checks, recordings and `cargo xtask
//! conformance` are the next issues' work.

pub mod emulator;
