//! HS256 JSON Web Tokens, enough for the emulator: sign, and verify the signature and expiry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

fn mac(key: &[u8], msg: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(msg);
    mac
}

fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// A signed token carrying `claims`.
pub fn sign(claims: &Value, key: &[u8]) -> String {
    let header = b64url(json!({"alg": "HS256", "typ": "JWT"}).to_string().as_bytes());
    let payload = b64url(claims.to_string().as_bytes());
    let signature = b64url(&mac(key, format!("{header}.{payload}").as_bytes()).finalize().into_bytes());
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
    // A constant-time comparison (hmac's `verify_slice`, on `subtle`).
    mac(key, format!("{h}.{p}").as_bytes()).verify_slice(&b64url_decode(s)?).ok()?;
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
