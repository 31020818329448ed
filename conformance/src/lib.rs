//! Conformance: drives the generated client against a host (the real sandbox, an embedded emulator of it,
//! or a recording) and reports where the API and `spec/octopus.yaml` disagree.

pub mod emulator;
pub mod serve;
