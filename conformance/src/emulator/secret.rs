//! The emulator's own secrets: the control surface's admin token and the key that signs its JWTs. Both are
//! drawn from the operating system's CSPRNG at every start unless the config gives them, so no other local
//! process can derive them (they once came from the catalog's seed, which anyone can guess).

use super::Config;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::io;

pub struct Secrets {
    pub admin_token: String,
    pub signing_key: Vec<u8>,
}

impl Secrets {
    /// The config's explicit secrets, and random ones for what it leaves out. An explicit empty secret is
    /// refused: an empty admin token would match a request that sends none.
    pub fn of(config: &Config) -> io::Result<Secrets> {
        let refused = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("the {what} must not be empty"));
        let admin_token = match &config.admin_token {
            Some(t) if t.is_empty() => return Err(refused("admin token")),
            Some(t) => t.clone(),
            None => format!("emu-admin-{}", URL_SAFE_NO_PAD.encode(random_bytes(32)?)),
        };
        let signing_key = match &config.signing_key {
            Some(k) if k.is_empty() => return Err(refused("signing key")),
            Some(k) => k.clone(),
            None => random_bytes(32)?,
        };
        Ok(Secrets { admin_token, signing_key })
    }
}

/// `n` random bytes as lower-case hex (a webhook secret).
pub fn random_hex(n: usize) -> io::Result<String> {
    Ok(random_bytes(n)?.iter().map(|b| format!("{b:02x}")).collect())
}

/// `n` bytes from the operating system's generator.
fn random_bytes(n: usize) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; n];
    getrandom::fill(&mut bytes).map_err(io::Error::other)?;
    Ok(bytes)
}
