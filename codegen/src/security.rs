//! Security lowering: `components/securitySchemes` and the `security` requirements (the document's default,
//! each operation's override) become what the runtime applies (`codegen/runtime/credentials.rs`).
//!
//! - `apiKey` (header, query, cookie), `http` `basic` and `bearer`, `oauth2` (the client-credentials flow is
//!   fetched by the client; any flow also takes a bearer token the caller supplies) and `openIdConnect` (a
//!   bearer token the caller supplies) are applied per operation.
//! - A scheme carrying `x-token-lifecycle` is the session: the token lifecycle (`ClientBuilder::credentials`,
//!   `bearer_token`) applies it, through `OperationInfo::secure`, exactly as before.
//! - Anything else (`mutualTLS`, another `http` scheme, a malformed scheme, a requirement naming no declared
//!   scheme) is a warning at its pointer; the alternatives that need it are left out.

use crate::diag::child;
use crate::extensions::Extension;
use crate::load::Spec;
use crate::model::Operation;
use crate::naming::{Namespace, snake};
use crate::{Diagnostic, Severity};
use serde_json::Value;
use std::collections::BTreeMap;

/// The schemes the runtime applies, and each operation's requirement.
#[derive(Debug, Default, Clone)]
pub struct Security {
    /// In the order the document declares them.
    pub schemes: Vec<Scheme>,
    /// By operation id: the alternatives (OR), each the indexes into `schemes` it needs together (AND); an
    /// empty alternative makes credentials optional. Empty when nothing but the session applies.
    pub requirements: BTreeMap<String, Vec<Vec<usize>>>,
}

/// One security scheme.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// The spec's name (the key under `components/securitySchemes`).
    pub name: String,
    /// The constant in the generated `security` module (`API_KEY_AUTH`).
    pub constant: String,
    /// The `ClientBuilder` method that sets its credential (none for the session).
    pub method: Option<String>,
    pub kind: Kind,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyIn {
    Header,
    Query,
    Cookie,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    ApiKey {
        location: KeyIn,
        name: String,
    },
    Basic,
    Bearer,
    /// OAuth2: the client-credentials flow's token URL and scopes, when declared; `flows` names every flow.
    OAuth2 {
        token_url: Option<String>,
        scopes: Vec<String>,
        flows: Vec<String>,
    },
    OpenIdConnect,
    /// `x-token-lifecycle`: the runtime's token lifecycle.
    Session,
}

impl Kind {
    pub fn is_session(&self) -> bool {
        matches!(self, Kind::Session)
    }
}

/// The names the runtime's `ClientBuilder` methods take (read from the runtime's source, as
/// `naming::reserved_methods` reads `Client`'s), which no scheme's setter may take.
fn builder_methods() -> Vec<String> {
    let extra = ["clone", "fmt", "into", "from", "default"].iter().map(|s| s.to_string());
    extra.chain(crate::naming::runtime_builder_methods().iter().cloned()).collect()
}

/// Reads the schemes and every operation's requirement; sets `secure` on the operations the session covers.
pub fn lower(spec: &Spec, ops: &mut [Operation], diags: &mut Vec<Diagnostic>) -> Security {
    let doc = spec.document();
    let mut warn = |at: &str, m: String| diags.push(spec.diag(Severity::Warning, at, m));
    let mut security = Security::default();
    let mut by_name: BTreeMap<String, Option<usize>> = BTreeMap::new();
    let reserved = builder_methods();
    let mut methods = Namespace::with_reserved(reserved.iter().map(String::as_str));
    let mut constants = Namespace::with_reserved(["schemes"]);
    let declared = spec.raw.pointer("/components/securitySchemes").and_then(Value::as_object);
    for (name, raw) in declared.into_iter().flatten() {
        let at = child("/components/securitySchemes", name);
        let (scheme, at) = doc.deref(raw, &at).unwrap_or((raw, at));
        let kind = match scheme_kind(scheme) {
            Ok(k) => k,
            Err(why) => {
                warn(
                    &at,
                    format!(
                        "security scheme `{name}` is not applied by the client ({why}); operations that require it get no credentials from it: send them with `CallOptions::header`"
                    ),
                );
                by_name.insert(name.clone(), None);
                continue;
            }
        };
        let wanted = snake(name);
        let method = if kind.is_session() {
            None
        } else {
            let (m, taken) = methods.claim_noting(&wanted);
            if let Some(why) = taken {
                warn(&at, crate::naming::rename_note("credential setter", &wanted, &m, why));
            }
            Some(m)
        };
        let constant = constants.claim(&wanted).to_uppercase();
        let description = scheme.get("description").and_then(Value::as_str).map(str::to_string);
        by_name.insert(name.clone(), Some(security.schemes.len()));
        security.schemes.push(Scheme { name: name.clone(), constant, method, kind, description });
    }

    let default = spec.raw.get("security").map(|s| (s, "/security".to_string()));
    let raw_ops = doc.operations();
    for op in ops.iter_mut() {
        let raw = raw_ops.iter().find(|r| r.path == op.path && r.method.eq_ignore_ascii_case(&op.http_method));
        let own = raw.and_then(|r| r.operation.get("security").map(|s| (s, child(&r.pointer, "security"))));
        let Some((reqs, at)) = own.or_else(|| default.clone()) else {
            op.secure = false;
            continue;
        };
        let mut alternatives: Vec<Vec<usize>> = Vec::new();
        let mut any = false;
        for (i, req) in reqs.as_array().into_iter().flatten().enumerate() {
            any = true;
            let at = child(&at, &i.to_string());
            let mut alt = Vec::new();
            let mut usable = true;
            for name in req.as_object().into_iter().flatten().map(|(k, _)| k) {
                match by_name.get(name) {
                    Some(Some(index)) => alt.push(*index),
                    Some(None) => usable = false,
                    None => {
                        warn(
                            &child(&at, name),
                            format!(
                                "security requirement names `{name}`, which `components/securitySchemes` does not declare; this alternative is left out"
                            ),
                        );
                        usable = false;
                    }
                }
            }
            if usable && !alternatives.contains(&alt) {
                alternatives.push(alt);
            }
        }
        if any && alternatives.is_empty() {
            warn(
                &at,
                "no alternative of this security requirement can be applied: the operation is sent without credentials"
                    .into(),
            );
        }
        let session = |alt: &Vec<usize>| alt.iter().any(|&i| security.schemes[i].kind.is_session());
        op.secure = alternatives.iter().any(session);
        // Nothing but the session (or nothing at all): the token lifecycle applies it, as `secure` says.
        let generic = alternatives.iter().flatten().any(|&i| !security.schemes[i].kind.is_session());
        if generic {
            security.requirements.insert(op.id.clone(), alternatives);
        }
    }
    security
}

/// What the client does with one scheme, or why it does nothing.
fn scheme_kind(s: &Value) -> Result<Kind, String> {
    if s.get(crate::extensions::TokenLifecycle::NAME).is_some() {
        return Ok(Kind::Session);
    }
    let text = |k: &str| s.get(k).and_then(Value::as_str);
    match text("type") {
        Some("apiKey") => {
            let location = match text("in") {
                Some("header") => KeyIn::Header,
                Some("query") => KeyIn::Query,
                Some("cookie") => KeyIn::Cookie,
                other => {
                    return Err(format!("`in` is `{}`, not `header`, `query` or `cookie`", other.unwrap_or_default()));
                }
            };
            let name = text("name").filter(|n| !n.is_empty()).ok_or("an API key needs its parameter `name`")?;
            if location != KeyIn::Query
                && !name.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
            {
                return Err(format!("`{name}` cannot be a header or cookie name"));
            }
            Ok(Kind::ApiKey { location, name: name.to_string() })
        }
        Some("http") => match text("scheme").map(str::to_ascii_lowercase).as_deref() {
            Some("basic") => Ok(Kind::Basic),
            Some("bearer") => Ok(Kind::Bearer),
            other => Err(format!("HTTP scheme `{}`: only `basic` and `bearer` are applied", other.unwrap_or_default())),
        },
        Some("oauth2") => {
            let flows = s.get("flows").and_then(Value::as_object);
            let names = flows.into_iter().flatten().map(|(k, _)| k.clone()).collect();
            let cc = flows.and_then(|f| f.get("clientCredentials"));
            let token_url = cc.and_then(|c| c.get("tokenUrl")).and_then(Value::as_str).map(str::to_string);
            let scopes = cc.and_then(|c| c.get("scopes")).and_then(Value::as_object);
            let scopes = scopes.into_iter().flatten().map(|(k, _)| k.clone()).collect();
            Ok(Kind::OAuth2 { token_url, scopes, flows: names })
        }
        Some("openIdConnect") => Ok(Kind::OpenIdConnect),
        Some("mutualTLS") => {
            Err("mutual TLS: give the client certificate to the reqwest client (`ClientBuilder::http_client`)".into())
        }
        other => Err(format!("unknown type `{}`", other.unwrap_or_default())),
    }
}

#[cfg(test)]
mod tests {
    use crate::{CrateOptions, Severity};

    fn generate(text: &str) -> crate::Generated {
        let opts = CrateOptions { crate_name: "sec".into(), spec_label: "sec.yaml".into(), standalone: true };
        crate::generate_str("sec.yaml", text.to_string(), &opts).unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn what_the_client_cannot_apply_is_a_warning_at_its_pointer() {
        let g = generate(include_str!("../tests/fixtures/real-world/security.yaml"));
        let warnings: Vec<String> = g
            .warnings
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| format!("{}: {}", d.pointer, d.message))
            .collect();
        let has = |pointer: &str, text: &str| warnings.iter().any(|w| w.starts_with(pointer) && w.contains(text));
        assert!(has("/components/securitySchemes/digest:", "HTTP scheme `digest`"), "{warnings:#?}");
        assert!(has("/paths/~1digest/get/security:", "sent without credentials"), "{warnings:#?}");
        assert!(has("/paths/~1undeclared/get/security/0/missingScheme:", "does not declare"), "{warnings:#?}");
        assert!(has("/components/securitySchemes/BearerToken:", "`bearer_token2`"), "{warnings:#?}");
        let lib = &g.files["src/lib.rs"];
        for setter in [
            "fn api_key(",
            "fn api_key2(",
            "fn session(",
            "fn basic_auth(",
            "fn bearer_token2(",
            "fn oauth2(",
            "fn open_id(",
        ] {
            assert!(lib.contains(setter), "no `{setter}` in lib.rs");
        }
        let ops = &g.files["src/operations/untagged.rs"];
        // The undeclared scheme's alternative is left out; the other stays.
        assert!(ops.contains("security: &[&[&crate::security::API_KEY], &[]]"), "the optional requirement");
        assert!(ops.contains("security: &[&[&crate::security::API_KEY, &crate::security::BEARER_TOKEN]]"));
        assert!(ops.contains("security: &[&[&crate::security::BASIC_AUTH], &[&crate::security::BEARER_TOKEN]]"));
    }

    #[test]
    fn the_token_lifecycle_scheme_stays_the_sessions() {
        let spec = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
security: [{ session: [] }]
paths:
  /login:
    post:
      operationId: login
      security: []
      requestBody: { content: { application/json: { schema: { type: object, properties: { k: { type: string }, s: { type: string } } } } } }
      responses: { "200": { description: OK, content: { application/json: { schema: { type: object, properties: { t: { type: string } } } } } } }
  /a:
    get: { operationId: a, responses: { "200": { description: OK } } }
  /b:
    get: { operationId: b, security: [{ session: [] }, { key: [] }], responses: { "200": { description: OK } } }
components:
  securitySchemes:
    session:
      type: http
      scheme: bearer
      x-token-lifecycle: { login: login, credentials: { key: k, secret: s }, tokens: { access: /t } }
    key: { type: apiKey, in: header, name: X-Key }
"#;
        let g = generate(spec);
        let ops = &g.files["src/operations/untagged.rs"];
        let info = |id: &str| {
            let start = ops.find(&format!("id: \"{id}\"")).unwrap();
            ops[start..start + ops[start..].find("};").unwrap()].to_string()
        };
        assert!(info("a").contains("secure: true") && info("a").contains("security: &[],"), "{}", info("a"));
        assert!(info("login").contains("secure: false") && info("login").contains("security: &[],"));
        assert!(info("b").contains("secure: true"));
        assert!(info("b").contains("security: &[&[&crate::security::SESSION], &[&crate::security::KEY]]"));
        assert!(!g.files["src/lib.rs"].contains("pub fn session("), "the session has no setter of its own");
    }
}
