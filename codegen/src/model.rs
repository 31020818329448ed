//! The intermediate model: what the generated crate contains, with every name already resolved.
//!
//! Lowering (`types`, `operations`) builds it from the spec; emission (`emit`) turns it into tokens. Nothing
//! here knows about OpenAPI or about `syn`. Collections are sorted, so output order never depends on hashing.

use std::collections::{BTreeMap, BTreeSet};

/// The whole client: named types and operations.
#[derive(Debug, Default)]
pub struct Api {
    pub title: String,
    pub version: String,
    /// The generated crate's version (`x-crate-version` in `info`, or the default).
    pub crate_version: String,
    pub description: Option<String>,
    /// `x-client-guide` in `info`: Markdown for the crate's rustdoc.
    pub guide: Option<String>,
    pub servers: Vec<Server>,
    /// Named types by Rust name.
    pub types: BTreeMap<String, TypeDef>,
    /// Sorted by method name.
    pub operations: Vec<Operation>,
    /// Types that hold a one-time secret, directly or not (they are not `Clone`).
    pub once_holders: std::collections::BTreeSet<String>,
    /// Wire names of fields that carry secrets (`x-secret`, `format: password`): redacted in `Debug` and excerpts.
    pub secret_fields: Vec<String>,
    /// Which optional dependencies the models need.
    pub uses: Uses,
    /// The token lifecycle (`x-token-lifecycle` on a security scheme), when the spec declares one.
    pub auth: Option<AuthFlow>,
    /// `x-webhook-signature`: how webhook deliveries are signed.
    pub webhook_signature: Option<crate::extensions::WebhookSignature>,
    /// The types of `x-webhooks` request bodies: what a webhook receiver decodes.
    pub webhook_payloads: Vec<Ty>,
    /// The document root's `x-paging` headers, when an operation uses them.
    pub paging_headers: Option<crate::extensions::PagingHeaders>,
    /// `x-retry-hint`: where an error body states its wait, when the responses declare it.
    pub retry_hint: Option<crate::extensions::RetryHint>,
    /// The security schemes and each operation's requirement (`crate::security`).
    pub security: crate::security::Security,
}

/// How a client logs in and rotates its token, by operation method names and JSON pointers.
#[derive(Debug, Clone)]
pub struct AuthFlow {
    pub login: String,
    pub refresh: Option<String>,
    pub logout: Option<String>,
    pub key_field: String,
    pub secret_field: String,
    pub refresh_field: String,
    /// JSON pointers into the login and refresh answers (empty: not declared).
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_at: String,
    pub refresh_expires_at: String,
    /// How long tokens live when an answer does not say (0: until the server refuses them).
    pub access_lifetime_secs: u64,
    pub refresh_lifetime_secs: u64,
    pub refresh_before_secs: u64,
}

impl Api {
    /// The named types these type expressions reach: themselves, and every type a reached type mentions (its
    /// fields, extra properties, variants, alias target and error code's type).
    pub fn reachable<'a>(&'a self, roots: impl IntoIterator<Item = &'a Ty>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<&Ty> = roots.into_iter().collect();
        while let Some(t) = stack.pop() {
            match t {
                Ty::Named(n) => {
                    if !out.insert(n.clone()) {
                        continue;
                    }
                    let Some(def) = self.types.get(n) else { continue };
                    stack.extend(def.error_code.as_ref().map(|e| &e.code));
                    match &def.kind {
                        TypeKind::Struct(s) => {
                            stack.extend(s.fields.iter().map(|f| &f.ty));
                            stack.extend(s.extra.iter());
                        }
                        TypeKind::Alias(a) | TypeKind::Newtype(a) => stack.push(a),
                        TypeKind::Untagged(vs) | TypeKind::Discriminated { variants: vs, .. } => {
                            stack.extend(vs.iter().map(|v| &v.ty));
                        }
                        TypeKind::Tagged { variants, .. } => {
                            stack.extend(variants.iter().flat_map(|v| v.fields.iter().map(|f| &f.ty)));
                        }
                        TypeKind::StringEnum(_) | TypeKind::IntEnum(_) => {}
                    }
                }
                Ty::Vec(i) | Ty::Map(i) | Ty::Option(i) | Ty::Box(i) | Ty::EventStream(i, _) => stack.push(i),
                Ty::Tuple(items) => stack.extend(items),
                Ty::Prim(_) | Ty::Json | Ty::Unit | Ty::ByteStream => {}
            }
        }
        out
    }
}

impl Operation {
    /// Every type expression the operation's signature and results mention: parameters, body, response bodies
    /// and the success and error shapes.
    pub fn type_roots(&self) -> Vec<&Ty> {
        let mut roots: Vec<&Ty> = self.path_params.iter().chain(&self.params).map(|p| &p.ty).collect();
        roots.extend(self.body.iter().flat_map(|b| b.type_roots()));
        roots.extend(self.responses.iter().map(|r| &r.body));
        roots.extend(self.events.as_ref().map(|(_, _, t)| t));
        for shape in [&self.success, &self.error] {
            match shape {
                ResultShape::Single(t) => roots.push(t),
                ResultShape::Enum { variants, .. } => roots.extend(variants.iter().map(|(_, t)| t)),
            }
        }
        roots
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Uses {
    pub decimal: bool,
    pub chrono: bool,
    pub uuid: bool,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub url: String,
    pub description: Option<String>,
    /// `x-name`: a constant for the URL (`SANDBOX`).
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub doc: Option<String>,
    pub kind: TypeKind,
    /// `x-error-code`: the path to the body's machine-readable code, and the code's type.
    pub error_code: Option<ErrorCodePath>,
    /// For a status enum that an `x-poll` reads: its terminal values, and the operations that declare them.
    pub terminal: Option<(Vec<String>, Vec<String>)>,
}

/// Where an error body keeps its code: the fields to follow from the body's type, and the code's type.
#[derive(Debug, Clone)]
pub struct ErrorCodePath {
    pub steps: Vec<(String, Access)>,
    pub code: Ty,
}

/// How one field on the way is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Plain,
    Option,
    Tristate,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Struct(Struct),
    /// An open string enum: the known values plus `Unknown(String)`.
    StringEnum(Vec<EnumValue<String>>),
    /// An open integer enum: the known values plus `Unknown(i64)`.
    IntEnum(Vec<EnumValue<i64>>),
    /// `oneOf` objects told apart by a property with one constant value each (`{"type": "a", ...}`).
    Tagged {
        tag: String,
        variants: Vec<TaggedVariant>,
    },
    /// `oneOf` with a `discriminator`: dispatch on the property's value; the variant keeps the property.
    Discriminated {
        property: String,
        variants: Vec<SumVariant>,
    },
    /// `oneOf`/`anyOf` without a discriminator: the first variant that decodes wins.
    Untagged(Vec<SumVariant>),
    /// A named array, map or primitive.
    Alias(Ty),
    /// A wrapper struct (`struct X(pub T)`, serialized as `T`): an alias that reaches itself, which a type
    /// synonym cannot express.
    Newtype(Ty),
}

#[derive(Debug, Clone, Default)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Typed `additionalProperties` next to named properties: collected into a flattened map.
    pub extra: Option<Ty>,
}

#[derive(Debug, Clone)]
pub struct EnumValue<T> {
    pub ident: String,
    pub value: T,
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TaggedVariant {
    pub ident: String,
    pub value: String,
    pub doc: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub struct SumVariant {
    pub ident: String,
    /// For `Discriminated`: the property values that select this variant.
    pub values: Vec<String>,
    pub ty: Ty,
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust identifier, unescaped (`type`, not `r#type`).
    pub rust: String,
    pub wire: String,
    pub doc: Option<String>,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
    pub secret: bool,
    /// `x-deliver-once`: a credential the API shows only once; typed so the caller must take it.
    pub once: bool,
    /// A scalar default used when an optional field is absent.
    pub default: Option<serde_json::Value>,
    /// `writeOnly` and required: required when the type is only ever sent (a request body), optional when
    /// the type is also received (a response never carries it).
    pub write_only_required: bool,
}

impl Ty {
    /// Every named type this type mentions.
    pub fn named(&self, out: &mut Vec<String>) {
        match self {
            Ty::Named(n) => out.push(n.clone()),
            Ty::Option(t) | Ty::Box(t) | Ty::Vec(t) | Ty::Map(t) | Ty::EventStream(t, _) => t.named(out),
            Ty::Tuple(items) => items.iter().for_each(|t| t.named(out)),
            Ty::Prim(_) | Ty::Json | Ty::Unit | Ty::ByteStream => {}
        }
    }
}

impl Field {
    /// Where the spec tells absent and `null` apart, the field has three states.
    pub fn is_tristate(&self) -> bool {
        !self.required && self.nullable
    }
}

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    Named(String),
    Prim(Prim),
    Vec(Box<Ty>),
    Map(Box<Ty>),
    /// Nullable inside an array, map or variant.
    Option(Box<Ty>),
    /// Breaks a recursive type.
    Box(Box<Ty>),
    /// Anything: `serde_json::Value`.
    Json,
    /// No body.
    Unit,
    /// A fixed-length array of differently typed items (OpenAPI 3.1's `prefixItems`): a Rust tuple.
    Tuple(Vec<Ty>),
    /// A success body of server-sent events whose data is the inner type (`crate::streaming`), and the data
    /// that ends the stream (`x-stream-terminator`), if the spec names one.
    EventStream(Box<Ty>, Option<String>),
    /// A success body streamed as bytes: a download (`crate::streaming`).
    ByteStream,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prim {
    String,
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    /// `type: number, format: decimal`: an exact decimal carried as a JSON number.
    Decimal,
    /// `type: string, format: decimal`: an exact decimal carried as a JSON string.
    DecimalString,
    DateTime,
    Date,
    Uuid,
    IpAddr,
    Ipv4Addr,
    Ipv6Addr,
}

/// One HTTP operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The spec's `operationId` (or one derived from method and path).
    pub id: String,
    /// The Rust method name, unescaped.
    pub method_name: String,
    pub http_method: String,
    pub path: String,
    /// The module (file) the operation lives in: its first tag.
    pub module: String,
    pub doc: Option<String>,
    pub deprecated: bool,
    pub secure: bool,
    pub path_params: Vec<Param>,
    /// Query, header and cookie parameters, gathered in `params_type`.
    pub params: Vec<Param>,
    pub params_type: Option<String>,
    pub body: Option<Body>,
    pub responses: Vec<Response>,
    pub success: ResultShape,
    pub error: ResultShape,
    /// The paging parameters, when the operation is a paged list.
    pub paging: Option<Paging>,
    /// The name of the method that streams every item of every page (paged lists of arrays).
    pub stream_name: Option<String>,
    /// The name claimed for `find_*_by_reference`, while `x-idempotency` is being resolved.
    pub find_name: Option<String>,
    /// `x-poll`: how to wait for a terminal status with this (lookup) operation.
    pub poll: Option<Poll>,
    /// Safe to send twice: GET, HEAD, PUT, DELETE, OPTIONS, or declared `x-safe-to-retry`.
    pub retry_safe: bool,
    /// `x-idempotency`: the body field that identifies a create request, and the operation that finds it.
    pub idempotency: Option<Idempotency>,
    /// `x-idempotency` as declared (operationIds), with its pointer; `idempotency` once they are resolved.
    pub declared_idempotency: Option<(crate::extensions::Idempotency, String)>,
    /// `x-timeout-seconds`: the least time a call needs (eSIM orders wait 60 s inline).
    pub timeout_secs: Option<u64>,
    /// `x-cache`: how the client's cache (feature `cache`) treats the operation's answers.
    pub cache: Option<crate::extensions::Cache>,
    /// `x-rate-limit`: the quota class and its per-minute quotas.
    pub rate_limit: Option<crate::extensions::RateLimit>,
    /// A `<method>_events` companion, when an answer offers `text/event-stream` beside the media type the
    /// method reads (`crate::streaming::companions`): its method name, the answer's status and its body.
    pub events: Option<(String, StatusKey, Ty)>,
}

#[derive(Debug, Clone)]
pub struct Poll {
    /// The waiting method's name.
    pub method: String,
    /// The response field holding the status.
    pub status_field: String,
    pub terminal: Vec<String>,
    /// (interval, for how long) in seconds; the last interval repeats until the deadline.
    pub schedule: Vec<(u64, u64)>,
}

#[derive(Debug, Clone)]
pub struct Idempotency {
    pub field: String,
    /// The method name of the lookup operation.
    pub lookup: String,
    pub lookup_param: String,
    /// The by-id read's method name and the field of a found item that fills its path parameter.
    pub read: Option<(String, String)>,
    /// Request field → order field, for proving a found order is the request's.
    pub matches: Vec<(String, String)>,
    pub duplicate: Option<crate::extensions::DuplicateAnswer>,
    /// The `find_*_by_reference` method.
    pub find: String,
}

#[derive(Debug, Clone)]
pub struct Paging {
    pub page_param: String,
    pub size_param: String,
    pub headers: crate::extensions::PagingHeaders,
    /// The headers are the document's (`Api::paging_headers`), not the operation's own.
    pub shared: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub rust: String,
    pub wire: String,
    pub location: ParamIn,
    pub doc: Option<String>,
    pub ty: Ty,
    pub required: bool,
    /// How the value is written: `style`, `explode`, `allowReserved`, JSON `content` (`crate::params`).
    pub style: crate::params::ParamStyle,
}

#[derive(Debug, Clone)]
pub struct Body {
    /// `Unit` for a multipart body or a choice, whose types are generated beside the operation (`shape`).
    pub ty: Ty,
    pub kind: BodyKind,
    pub content_type: String,
    pub required: bool,
    /// A form's per-property encoding, a multipart body's parts, a choice's variants (`crate::bodies`).
    pub shape: crate::bodies::Shape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
    Bytes,
    Text,
    /// `multipart/form-data` (request bodies only).
    Multipart,
    /// Several media types: the caller picks one (request bodies only).
    Choice,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusKey {
    Code(u16),
    /// `2XX` is `Range(2)`.
    Range(u16),
    Default,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusKey,
    pub body: Ty,
    pub kind: BodyKind,
    pub success: bool,
    /// The variant of the success or error enum this response decodes into, when there is an enum.
    pub variant: Option<String>,
}

/// What one side (success or error) of an operation's result is.
#[derive(Debug, Clone)]
pub enum ResultShape {
    /// One type for every status on this side.
    Single(Ty),
    /// An enum named `name`, one variant per distinct status.
    Enum { name: String, variants: Vec<(String, Ty)> },
}
