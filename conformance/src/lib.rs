//! Conformance: drives the generated client against a host (the real sandbox, an embedded emulator of it,
//! or a recording) and reports where the API and `spec/octopus.yaml` disagree.
//!
//! Reserved: the emulator and the checks are the next issues' work. Nothing here is built yet.
