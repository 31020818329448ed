//! HS256 JSON Web Tokens, enough for the emulator: sign, and verify the signature and expiry.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new().chain_update(k.map(|b| b ^ 0x36)).chain_update(msg).finalize();
    Sha256::new().chain_update(k.map(|b| b ^ 0x5c)).chain_update(inner).finalize().into()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64url(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 4 / 3 + 3);
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// A signed token carrying `claims`.
pub fn sign(claims: &Value, key: &[u8]) -> String {
    let header = b64url(json!({"alg": "HS256", "typ": "JWT"}).to_string().as_bytes());
    let payload = b64url(claims.to_string().as_bytes());
    let signature = b64url(&hmac(key, format!("{header}.{payload}").as_bytes()));
    format!("{header}.{payload}.{signature}")
}

/// The claims of a token signed with `key` whose `alg` is HS256; `None` for anything else (a wrong key,
/// `alg: none`, a malformed token). Expiry is the caller's to check.
pub fn verify(token: &str, key: &[u8]) -> Option<Value> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&b64url_decode(h)?).ok()?;
    if header["alg"] != "HS256" {
        return None;
    }
    let expected = hmac(key, format!("{h}.{p}").as_bytes());
    let given = b64url_decode(s)?;
    if given.len() != 32 || given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
        return None;
    }
    serde_json::from_slice(&b64url_decode(p)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_refuses_tampering() {
        let t = sign(&json!({"sub": 42, "exp": 99}), b"key");
        assert_eq!(verify(&t, b"key").unwrap()["sub"], 42);
        assert!(verify(&t, b"other").is_none());
        let forged = format!("{}.{}.", b64url(br#"{"alg":"none"}"#), t.split('.').nth(1).unwrap());
        assert!(verify(&forged, b"key").is_none());
        assert_eq!(b64url_decode(&b64url(b"any bytes \xff")).unwrap(), b"any bytes \xff");
    }
}
