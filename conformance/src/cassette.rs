//! Cassettes: one human-readable YAML file of exchanges per check, plus `meta.yaml` about the host.
//! Written redacted, with runs of identical exchanges folded; read back for replay.

use crate::tap::Exchange;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What a recording says about its host, so a replay takes the same paths.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub host: String,
    pub control: bool,
    pub blacklisted_esim_product: Option<i64>,
}

/// Writes `meta.yaml` into `dir`, creating it.
pub fn write_meta(dir: &Path, meta: &Meta) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let text = serde_yaml::to_string(meta).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("meta.yaml"), text).map_err(|e| format!("{}: {e}", dir.display()))
}

pub fn read(dir: &Path) -> Result<(Meta, BTreeMap<String, Vec<Exchange>>), String> {
    let meta_path = dir.join("meta.yaml");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let meta: Meta = serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let mut cassettes = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
        if path.extension().is_none_or(|e| e != "yaml") || name == "meta" {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let exchanges: Vec<Exchange> = serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        cassettes.insert(name, exchanges);
    }
    Ok((meta, cassettes))
}

/// Writes one scenario's cassette: secrets redacted before anything touches disk, repeats folded.
pub fn write(dir: &Path, scenario: &str, exchanges: &[Exchange]) -> Result<(), String> {
    let redacted: Vec<Exchange> = exchanges.iter().map(Exchange::redacted).collect();
    let text = serde_yaml::to_string(&fold(&redacted)).map_err(|e| e.to_string())?;
    let path = dir.join(format!("{scenario}.yaml"));
    std::fs::write(&path, format!("# Cassette of `{scenario}`, secrets redacted. Replay with --replay.\n{text}"))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Folds runs of identical consecutive exchanges into one entry with `repeat`.
pub fn fold(exchanges: &[Exchange]) -> Vec<Exchange> {
    let mut out: Vec<Exchange> = Vec::new();
    for e in exchanges {
        let same = out.last().is_some_and(|last| {
            let strip = |x: &Exchange| {
                let mut x = x.clone();
                x.repeat = 1;
                x.request_headers.retain(|(n, _)| n != "x-request-id");
                x.response_headers.retain(|(n, _)| n != "x-request-id");
                x
            };
            strip(last) == strip(e)
        });
        match out.last_mut() {
            Some(last) if same => last.repeat += 1,
            _ => out.push(e.clone()),
        }
    }
    out
}
