//! `spec/octopus.yaml` as the judge of raw responses: which operation a request is, and whether a response's
//! status, headers and body match what the spec declares. Missing required fields and wrong types are
//! failures; undocumented fields and enum values are drift (the API may add them within v1).

use codegen::extensions::{self, DocumentPaging, Extension, PagingHeaders, RateLimit};
use codegen::spec::Document;
use serde_json::Value;

const SPEC: &str = include_str!("../../spec/octopus.yaml");

#[derive(Debug)]
pub struct Operation {
    pub id: String,
    pub method: String,
    pub path: String,
    segments: Vec<String>,
    responses: Value,
    /// `x-rate-limit.sandbox`: the documented per-minute quota of the operation's class on the sandbox.
    pub rate_limit: Option<u32>,
    /// `x-rate-limit.class`: operations of one class share one window.
    pub rate_class: Option<String>,
    /// `x-inline-wait-seconds`: how long the operation waits for fulfilment before answering `PENDING`.
    pub inline_wait_secs: Option<u64>,
    /// Declares `x-idempotency`: the operation places an order (and so spends money).
    pub places_order: bool,
}

#[derive(Debug)]
pub struct Spec {
    doc: Value,
    pub operations: Vec<Operation>,
    secrets: std::sync::OnceLock<Vec<String>>,
    /// The document root's `x-paging` headers.
    paging: Option<PagingHeaders>,
    /// The token lifetimes the security scheme's `x-token-lifecycle` declares, in seconds.
    pub token_lifetimes: (Option<u64>, Option<u64>),
}

/// What validating one response found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Findings {
    /// Broken promises: a missing required field, a wrong type, an undeclared status.
    pub errors: Vec<String>,
    /// Spec drift: an undocumented field or enum value.
    pub drift: Vec<String>,
}

impl Spec {
    /// The spec this crate was built with.
    pub fn embedded() -> &'static Spec {
        static SPEC_CELL: std::sync::OnceLock<Spec> = std::sync::OnceLock::new();
        SPEC_CELL.get_or_init(|| Spec::parse(SPEC).expect("spec/octopus.yaml is valid YAML (checked by its own tests)"))
    }

    pub fn parse(text: &str) -> Result<Spec, String> {
        // Through the generator's loader: the tree the generator reads (3.1 and 3.2 normalised into 3.0's shape).
        let doc: Value = codegen::load::tree(text).map_err(|e| format!("the spec does not load: {e}"))?;
        let mut operations = Vec::new();
        for op in Document::new(&doc).operations() {
            let Some(id) = op.id else { continue };
            let limit = extensions::read::<RateLimit>(op.operation, &op.pointer)
                .map_err(|(at, message)| format!("{at}: {message}"))?;
            operations.push(Operation {
                id: id.to_string(),
                method: op.method.to_uppercase(),
                path: op.path.to_string(),
                segments: op.path.split('/').map(str::to_string).collect(),
                responses: op.operation["responses"].clone(),
                rate_limit: limit.as_ref().and_then(|l| l.sandbox),
                rate_class: limit.map(|l| l.class),
                places_order: op.operation.get(extensions::Idempotency::NAME).is_some(),
                inline_wait_secs: op.operation.get(extensions::INLINE_WAIT_SECONDS).and_then(Value::as_u64),
            });
        }
        let paging = extensions::read::<DocumentPaging>(&doc, "")
            .map_err(|(at, message)| format!("{at}: {message}"))?
            .map(|p| p.headers);
        let schemes = doc.pointer("/components/securitySchemes").and_then(Value::as_object);
        let lifecycle = schemes.into_iter().flatten().find_map(|(name, scheme)| {
            extensions::read::<extensions::TokenLifecycle>(scheme, &format!("/components/securitySchemes/{name}"))
                .ok()
                .flatten()
        });
        let token_lifetimes =
            lifecycle.map_or((None, None), |l| (l.lifetimes.access_seconds, l.lifetimes.refresh_seconds));
        Ok(Spec { doc, operations, secrets: std::sync::OnceLock::new(), paging, token_lifetimes })
    }

    /// The headers that describe a page of a paged list (the root `x-paging`), when the spec declares them.
    pub fn paging_headers(&self) -> Option<&PagingHeaders> {
        self.paging.as_ref()
    }

    /// Their names, in the order page, per page, total count, total pages, page size, has more.
    pub fn paging_header_names(&self) -> Vec<&str> {
        self.paging
            .iter()
            .flat_map(|h| {
                [&h.page, &h.per_page, &h.total_count, &h.total_pages, &h.page_size, &h.has_more].map(String::as_str)
            })
            .collect()
    }

    /// The document, read through the spec layer.
    fn document(&self) -> Document<'_> {
        Document::new(&self.doc)
    }

    /// The operation a method and a concrete path belong to (literal segments beat templated ones).
    pub fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let parts: Vec<&str> = path.split('/').collect();
        self.operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method) && o.segments.len() == parts.len())
            .filter(|o| o.segments.iter().zip(&parts).all(|(s, p)| s.starts_with('{') || s == p))
            .min_by_key(|o| o.segments.iter().filter(|s| s.starts_with('{')).count())
    }

    /// The operation of a request line's path, query ignored.
    pub fn operation_of_request(&self, method: &str, path_and_query: &str) -> Option<&Operation> {
        self.operation(method, path_and_query.split('?').next().unwrap_or_default())
    }

    /// The strictest documented per-minute quota: the pace of a request no operation matches.
    pub fn strictest_rate_limit(&self) -> Option<u32> {
        self.operations.iter().filter_map(|o| o.rate_limit).min()
    }

    /// Every property the spec marks `x-secret: true` (or `format: password`), by name: what redaction
    /// replaces wherever it appears.
    pub fn secret_fields(&self) -> &[String] {
        self.secrets.get_or_init(|| self.document().secret_fields().into_iter().collect())
    }

    pub fn by_id(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        self.document().follow(v)
    }

    /// Validates one response of `op`: the status is declared, each declared header that is present has its
    /// type, and a JSON body matches the schema.
    pub fn validate(&self, op: &Operation, status: u16, headers: &[(String, String)], body: &[u8]) -> Findings {
        let mut f = Findings::default();
        let declared = op.responses.get(status.to_string()).or_else(|| op.responses.get("default"));
        let Some(response) = declared.map(|r| self.resolve(r)) else {
            f.errors.push(format!("{}: status {status} is not declared", op.id));
            return f;
        };
        for (name, header) in response["headers"].as_object().into_iter().flatten() {
            let schema = self.resolve(header)["schema"].clone();
            let Some((_, value)) = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) else { continue };
            let typed = match schema["type"].as_str() {
                Some("integer") => value.trim().parse::<i64>().map(Value::from).map_err(|_| ()),
                Some("boolean") => match value.trim() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    _ => Err(()),
                },
                _ => Ok(Value::String(value.clone())),
            };
            match typed {
                Ok(v) => self.check(&schema, &v, &format!("header {name}"), &op.id, &mut f),
                Err(()) => f.errors.push(format!("{}: header {name}: {value:?} is not {}", op.id, schema["type"])),
            }
        }
        let Some(media) = response["content"].get("application/json") else { return f };
        let content_type =
            headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.as_str());
        if !content_type.is_some_and(|c| c.starts_with("application/json")) {
            f.errors.push(format!(
                "{}: content-type is {:?}, not application/json",
                op.id,
                content_type.unwrap_or("absent")
            ));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => self.check(&media["schema"], &v, "body", &op.id, &mut f),
            Err(e) => f.errors.push(format!("{}: body is not JSON ({e})", op.id)),
        }
        f
    }

    fn check(&self, schema: &Value, v: &Value, at: &str, op: &str, f: &mut Findings) {
        let s = self.document().flatten(schema);
        if v.is_null() {
            let enum_null = s.get("enum").and_then(Value::as_array).is_some_and(|e| e.contains(&Value::Null));
            if s.get("nullable") != Some(&Value::Bool(true)) && !enum_null && !s.is_empty() {
                f.errors.push(format!("{op}: {at} is null but not nullable"));
            }
            return;
        }
        let ty = s.get("type").and_then(Value::as_str);
        let ok = match ty {
            Some("integer") => v.is_i64() || v.is_u64(),
            Some("number") => v.is_number(),
            Some("string") => v.is_string(),
            Some("boolean") => v.is_boolean(),
            Some("array") => v.is_array(),
            Some("object") => v.is_object(),
            _ => true,
        };
        if !ok {
            f.errors.push(format!("{op}: {at} should be {} but is {}", ty.unwrap_or("?"), kind(v)));
            return;
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array)
            && !values.contains(v)
        {
            f.drift.push(format!("{op}: {at} has the undocumented enum value {v}"));
        }
        if s.get("format").and_then(Value::as_str) == Some("date-time")
            && let Some(text) = v.as_str()
            && !looks_like_rfc3339(text)
        {
            f.errors.push(format!("{op}: {at} is not an RFC 3339 date-time: {text:?}"));
        }
        if let Some(items) = v.as_array() {
            for (i, item) in items.iter().enumerate() {
                self.check(s.get("items").unwrap_or(&Value::Null), item, &format!("{at}[{i}]"), op, f);
            }
        }
        if let Some(obj) = v.as_object() {
            let props = s.get("properties").and_then(Value::as_object);
            for name in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                if !obj.contains_key(name) {
                    f.errors.push(format!("{op}: {at}.{name} is required but missing"));
                }
            }
            for (name, value) in obj {
                match (props.and_then(|p| p.get(name)), s.get("additionalProperties")) {
                    (Some(ps), _) => self.check(ps, value, &format!("{at}.{name}"), op, f),
                    (None, Some(extra)) if extra.is_object() => {
                        self.check(extra, value, &format!("{at}.{name}"), op, f)
                    }
                    (None, _) if props.is_some() => f.drift.push(format!("{op}: {at}.{name} is not in the spec")),
                    (None, _) => {}
                }
            }
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `YYYY-MM-DDTHH:MM:SS` followed by optional fractions and a zone.
fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (s.ends_with('Z') || s.ends_with('z') || s[19..].contains('+') || s[19..].contains('-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn findings(op: &str, status: u16, body: Value) -> Findings {
        let spec = Spec::embedded();
        let op = spec.by_id(op).unwrap();
        let headers = vec![("content-type".to_string(), "application/json".to_string())];
        spec.validate(op, status, &headers, body.to_string().as_bytes())
    }

    #[test]
    fn finds_operations_by_concrete_path() {
        let spec = Spec::embedded();
        assert_eq!(spec.operations.len(), 39);
        assert_eq!(spec.operation("GET", "/api/v1/esim/products/712").unwrap().id, "get_esim_product");
        assert_eq!(
            spec.operation("GET", "/api/v1/esim/products/712/variants").unwrap().id,
            "list_esim_product_variants"
        );
        assert_eq!(spec.operation("post", "/api/v1/topups/lookup").unwrap().id, "lookup_mobile_operator");
        assert!(spec.operation("GET", "/nowhere").is_none());
        let secrets = spec.secret_fields();
        for f in [
            "access_token",
            "refresh_token",
            "password",
            "username",
            "activation_code",
            "iccid",
            "card_number",
            "pin_code",
            "claim_url",
        ] {
            assert!(secrets.iter().any(|s| s == f), "{f} is secret: {secrets:?}");
        }
    }

    #[test]
    fn the_emulator_takes_its_lifetimes_and_deadline_from_the_spec() {
        let spec = Spec::embedded();
        let config = crate::emulator::Config::default();
        assert_eq!(spec.token_lifetimes, (Some(3600), Some(604_800)), "the spec declares both lifetimes");
        assert_eq!((config.access_ttl_secs, config.refresh_ttl_secs), (3600, 604_800));
        assert_eq!(spec.by_id("create_esim_order").and_then(|o| o.inline_wait_secs), Some(60));
        assert_eq!(config.inline_deadline, std::time::Duration::from_secs(60));
        let classes: std::collections::BTreeSet<_> =
            spec.operations.iter().filter_map(|o| o.rate_class.as_deref()).collect();
        assert_eq!(classes.len(), 9, "every documented quota class: {classes:?}");
    }

    #[test]
    fn missing_fields_and_wrong_types_fail_and_extras_drift() {
        let good = json!({"id": 712, "name": "Japan eSIM", "country_code": "JPN", "currency_code": "USD", "image_url": "", "variants": []});
        assert_eq!(findings("get_esim_product", 200, good.clone()), Findings::default());
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove("currency_code");
        assert_eq!(
            findings("get_esim_product", 200, missing).errors,
            ["get_esim_product: body.currency_code is required but missing"]
        );
        let mut wrong = good.clone();
        wrong["id"] = json!("712");
        assert_eq!(
            findings("get_esim_product", 200, wrong).errors,
            ["get_esim_product: body.id should be integer but is a string"]
        );
        let mut extra = good;
        extra["popularity"] = json!(3);
        let f = findings("get_esim_product", 200, extra);
        assert!(f.errors.is_empty());
        assert_eq!(f.drift, ["get_esim_product: body.popularity is not in the spec"]);
        assert_eq!(
            findings("get_esim_product", 418, json!({})).errors,
            ["get_esim_product: status 418 is not declared"]
        );
    }

    #[test]
    fn unknown_enum_values_are_drift_and_nulls_need_nullable() {
        let order = json!({"id": 1, "status": "REFUNDED", "amount": 4.275, "currency": "USD"});
        let f = findings("get_esim_order", 200, order);
        assert_eq!(f.drift, ["get_esim_order: body.status has the undocumented enum value \"REFUNDED\""]);
        let order = json!({"id": 1, "status": "DELIVERED", "amount": null, "currency": "USD", "installed_at": null});
        assert_eq!(
            findings("get_esim_order", 200, order).errors,
            ["get_esim_order: body.amount is null but not nullable"]
        );
    }
}
