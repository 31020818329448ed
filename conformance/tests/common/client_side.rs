//! Helpers for the tests that drive the generated client: a client of the emulator's first account with
//! fast retries, a writer that captures a trace, and the files a run wrote.
#![allow(dead_code)]

use conformance::emulator::Emulator;
use octopus_client::Client;
use octopus_client::retry::RetryPolicy;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A client of `e`'s first account at `base` (the emulator, or a proxy or tap in front of it): retries
/// back off in milliseconds, and the wait helpers poll a hundred times faster than documented.
pub fn client(base: &str, e: &Emulator) -> Client {
    let a = &e.accounts[0];
    Client::builder(base)
        .credentials(a.key.clone(), a.secret.clone())
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .poll_interval_scale(0.01)
        .build()
        .unwrap()
}

/// A `tracing` writer that keeps what it is given, for a test to search.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out
}
