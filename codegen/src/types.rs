//! Type conversion: JSON schemas become named Rust types in the model.
//!
//! Component schemas keep their names; inline schemas that need a name (objects, enums, unions) are named
//! after where they appear (`VoucherOrder` + `vouchers` + item → `VoucherOrderVouchersItem`). Every name is
//! claimed in one namespace, so collisions get a numeric suffix instead of a compile error.

use crate::diag::{Diagnostic, Severity, child};
use crate::load::Spec;
use crate::model::{EnumValue, Field, Prim, Struct, SumVariant, TaggedVariant, Ty, TypeDef, TypeKind, Uses};
use crate::naming::{Namespace, pascal, snake};
use crate::resolve;
use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, AnySchema, ArrayType, IntegerFormat, NumberFormat, ObjectType, ReferenceOr, Schema,
    SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const COMPONENT_PREFIX: &str = "#/components/schemas/";

pub struct TypeLowering<'a> {
    pub spec: &'a Spec,
    pub names: Namespace,
    pub types: BTreeMap<String, TypeDef>,
    pub diags: Vec<Diagnostic>,
    pub uses: Uses,
    pub secrets: BTreeSet<String>,
    /// Component schema reference → Rust name.
    component_names: HashMap<String, String>,
    /// Other references already lowered (schemas reached through paths, responses, ...).
    ref_cache: HashMap<String, (Ty, bool)>,
    /// Responses reached through `$ref`, resolved once (large specs share one error response everywhere).
    pub response_cache: HashMap<String, (openapiv3::Response, String)>,
    /// Inline schemas being defined, by pointer: one reached again through its own definition (an `allOf`
    /// that merges the object holding it) refers to the type under way instead of defining another forever.
    inlining: HashMap<String, String>,
}

/// A schema reduced to the shapes the generator distinguishes.
enum Shape<'s> {
    String { format: Option<String>, values: Vec<Option<String>> },
    Integer { format: Option<String>, values: Vec<Option<i64>> },
    Number { format: Option<String> },
    Bool,
    Array(Option<&'s ReferenceOr<Box<Schema>>>),
    Object(&'s ObjectType),
    AllOf(&'s [ReferenceOr<Schema>]),
    OneOf(&'s [ReferenceOr<Schema>]),
    Not,
    Any,
}

fn shape(s: &Schema) -> (Shape<'_>, Option<ObjectType>) {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            (Shape::String { format: string_format(&t.format), values: t.enumeration.clone() }, None)
        }
        SchemaKind::Type(Type::Integer(t)) => {
            let format = match &t.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Some("int32".to_string()),
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => Some("int64".to_string()),
                VariantOrUnknownOrEmpty::Unknown(u) => Some(u.clone()),
                VariantOrUnknownOrEmpty::Empty => None,
            };
            (Shape::Integer { format, values: t.enumeration.clone() }, None)
        }
        SchemaKind::Type(Type::Number(t)) => {
            let format = match &t.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Some("float".to_string()),
                VariantOrUnknownOrEmpty::Item(NumberFormat::Double) => Some("double".to_string()),
                VariantOrUnknownOrEmpty::Unknown(u) => Some(u.clone()),
                VariantOrUnknownOrEmpty::Empty => None,
            };
            (Shape::Number { format }, None)
        }
        SchemaKind::Type(Type::Boolean(_)) => (Shape::Bool, None),
        SchemaKind::Type(Type::Array(ArrayType { items, .. })) => (Shape::Array(items.as_ref()), None),
        SchemaKind::Type(Type::Object(o)) => (Shape::Object(o), None),
        // An empty list constrains nothing: the value is kept as JSON.
        SchemaKind::AllOf { all_of } if all_of.is_empty() => (Shape::Any, None),
        SchemaKind::OneOf { one_of } if one_of.is_empty() => (Shape::Any, None),
        SchemaKind::AnyOf { any_of } if any_of.is_empty() => (Shape::Any, None),
        SchemaKind::AllOf { all_of } => (Shape::AllOf(all_of), None),
        SchemaKind::OneOf { one_of } => (Shape::OneOf(one_of), None),
        SchemaKind::AnyOf { any_of } => (Shape::OneOf(any_of), None),
        SchemaKind::Not { .. } => (Shape::Not, None),
        SchemaKind::Any(a) => any_shape(a),
    }
}

/// `SchemaKind::Any` is what openapiv3 produces for mixed schemas (`type: object` with `allOf`, or keywords
/// without `type`). Pick the most specific reading.
fn any_shape(a: &AnySchema) -> (Shape<'_>, Option<ObjectType>) {
    let props = (!a.properties.is_empty() || a.additional_properties.is_some()).then(|| ObjectType {
        properties: a.properties.clone(),
        required: a.required.clone(),
        additional_properties: a.additional_properties.clone(),
        min_properties: a.min_properties,
        max_properties: a.max_properties,
    });
    if !a.all_of.is_empty() {
        return (Shape::AllOf(&a.all_of), props);
    }
    if !a.one_of.is_empty() {
        return (Shape::OneOf(&a.one_of), None);
    }
    if !a.any_of.is_empty() {
        return (Shape::OneOf(&a.any_of), None);
    }
    match a.typ.as_deref() {
        Some("string") => {
            let values = a.enumeration.iter().map(|v| v.as_str().map(str::to_string)).collect();
            (Shape::String { format: a.format.clone(), values }, None)
        }
        Some("integer") => {
            let values = a.enumeration.iter().map(|v| v.as_i64()).collect();
            (Shape::Integer { format: a.format.clone(), values }, None)
        }
        Some("number") => (Shape::Number { format: a.format.clone() }, None),
        Some("boolean") => (Shape::Bool, None),
        Some("array") => (Shape::Array(a.items.as_ref()), None),
        _ if props.is_some() => (Shape::Any, props),
        Some("object") => (Shape::Any, Some(ObjectType::default())),
        _ if a.not.is_some() => (Shape::Not, None),
        _ => (Shape::Any, None),
    }
}

fn string_format(f: &VariantOrUnknownOrEmpty<StringFormat>) -> Option<String> {
    match f {
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some("date".into()),
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some("date-time".into()),
        VariantOrUnknownOrEmpty::Item(StringFormat::Password) => Some("password".into()),
        VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => Some("byte".into()),
        VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => Some("binary".into()),
        VariantOrUnknownOrEmpty::Unknown(u) => Some(u.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn doc_of(s: &Schema) -> Option<String> {
    let d = &s.schema_data;
    match (&d.title, &d.description) {
        (_, Some(desc)) if !desc.trim().is_empty() => Some(desc.trim().to_string()),
        (Some(t), _) if !t.trim().is_empty() => Some(t.trim().to_string()),
        _ => None,
    }
}

fn is_secret(s: &Schema) -> bool {
    crate::extensions::flag_in(&s.schema_data.extensions, crate::extensions::SECRET)
        || matches!(&s.schema_kind, SchemaKind::Type(Type::String(t)) if t.format == VariantOrUnknownOrEmpty::Item(StringFormat::Password))
}

impl<'a> TypeLowering<'a> {
    pub fn new(spec: &'a Spec, names: Namespace) -> Self {
        TypeLowering {
            spec,
            names,
            types: BTreeMap::new(),
            diags: Vec::new(),
            uses: Uses::default(),
            secrets: BTreeSet::new(),
            component_names: HashMap::new(),
            ref_cache: HashMap::new(),
            response_cache: HashMap::new(),
            inlining: HashMap::new(),
        }
    }

    /// Component schema key → Rust type name.
    pub fn component_names_by_key(&self) -> BTreeMap<String, String> {
        self.component_names
            .iter()
            .filter_map(|(r, n)| r.strip_prefix(COMPONENT_PREFIX).map(|k| (k.to_string(), n.clone())))
            .collect()
    }

    pub(crate) fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        let d = self.spec.diag(Severity::Warning, pointer, message);
        self.diags.push(d);
    }

    pub(crate) fn error(&mut self, pointer: &str, message: impl Into<String>) {
        let d = self.spec.diag(Severity::Error, pointer, message);
        self.diags.push(d);
    }

    /// Names every component schema first, so references resolve regardless of order; then lowers them.
    pub fn lower_components(&mut self) {
        let Some(components) = &self.spec.api.components else { return };
        let mut keys: Vec<&String> = components.schemas.keys().collect();
        keys.sort();
        for key in &keys {
            let wanted = pascal(key);
            let (name, taken) = self.names.claim_noting(&wanted);
            if let Some(why) = taken {
                self.warn(
                    &child("/components/schemas", key),
                    crate::naming::rename_note("schema", &wanted, &name, why),
                );
            }
            self.component_names.insert(format!("{COMPONENT_PREFIX}{key}"), name);
        }
        for key in keys {
            let pointer = child("/components/schemas", key);
            let name = self.component_names[&format!("{COMPONENT_PREFIX}{key}")].clone();
            match &components.schemas[key] {
                ReferenceOr::Reference { reference } => {
                    let (ty, _) = self.reference(reference, &pointer, key);
                    self.insert(name, None, TypeKind::Alias(ty));
                }
                ReferenceOr::Item(schema) => self.define(name, schema, &pointer),
            }
        }
    }

    fn insert(&mut self, name: String, doc: Option<String>, kind: TypeKind) {
        self.types.insert(name.clone(), TypeDef { name, doc, kind, error_code: None, terminal: None });
    }

    /// The type of a schema that may be a reference, and whether it admits `null`.
    pub fn ty_of(&mut self, s: &ReferenceOr<Schema>, pointer: &str, hint: &str) -> (Ty, bool) {
        match s {
            ReferenceOr::Reference { reference } => self.reference(reference, pointer, hint),
            ReferenceOr::Item(schema) => self.inline(schema, pointer, hint),
        }
    }

    fn ty_of_boxed(&mut self, s: &ReferenceOr<Box<Schema>>, pointer: &str, hint: &str) -> (Ty, bool) {
        match s {
            ReferenceOr::Reference { reference } => self.reference(reference, pointer, hint),
            ReferenceOr::Item(schema) => self.inline(schema, pointer, hint),
        }
    }

    fn reference(&mut self, reference: &str, pointer: &str, hint: &str) -> (Ty, bool) {
        if let Some(name) = self.component_names.get(reference).cloned() {
            let nullable = self.target_schema(reference).is_some_and(|s| s.schema_data.nullable);
            return (Ty::Named(name), nullable);
        }
        if let Some(hit) = self.ref_cache.get(reference) {
            return hit.clone();
        }
        match resolve::raw_target(self.spec, reference) {
            // Validation reports every dangling, external or cyclic `$ref`.
            Err(_) => (Ty::Json, false),
            Ok((raw, at)) => match serde_json::from_value::<Schema>(raw.clone()) {
                Err(e) => {
                    self.error(pointer, format!("`{reference}` is not a schema: {e}"));
                    (Ty::Json, false)
                }
                Ok(schema) => {
                    // Guard against a schema that refers to itself through a non-component pointer.
                    self.ref_cache.insert(reference.to_string(), (Ty::Json, false));
                    let last = at.rsplit('/').next().unwrap_or(hint).to_string();
                    let hint = if last.chars().all(|c| c.is_ascii_digit()) { hint.to_string() } else { last };
                    let out = self.inline(&schema, &at, &hint);
                    self.ref_cache.insert(reference.to_string(), out.clone());
                    out
                }
            },
        }
    }

    /// The schema a reference ends at, when it is a component schema (following alias chains).
    fn target_schema(&self, reference: &str) -> Option<&'a Schema> {
        let components = self.spec.api.components.as_ref()?;
        let mut r = reference;
        let mut seen = std::collections::HashSet::new();
        while seen.insert(r) {
            match components.schemas.get(r.strip_prefix(COMPONENT_PREFIX)?)? {
                ReferenceOr::Item(s) => return Some(s),
                ReferenceOr::Reference { reference } => r = reference,
            }
        }
        None
    }

    /// Follows a reference to an object-like schema for merging (`allOf`) or variant inspection.
    fn deref<'s>(&self, s: &'s ReferenceOr<Schema>) -> Option<Schema>
    where
        'a: 's,
    {
        match s {
            ReferenceOr::Item(s) => Some(s.clone()),
            ReferenceOr::Reference { reference } => {
                if let Some(s) = self.target_schema(reference) {
                    return Some(s.clone());
                }
                let (raw, _) = resolve::raw_target(self.spec, reference).ok()?;
                serde_json::from_value(raw.clone()).ok()
            }
        }
    }

    /// Whether a schema needs a named Rust type of its own.
    fn needs_name(s: &Schema) -> bool {
        let (sh, obj) = shape(s);
        match sh {
            Shape::String { values, .. } => values.iter().any(Option::is_some),
            Shape::Integer { values, .. } => values.iter().any(Option::is_some),
            Shape::Object(o) => !o.properties.is_empty(),
            Shape::AllOf(parts) => parts.len() > 1 || obj.is_some_and(|o| !o.properties.is_empty()),
            Shape::OneOf(_) => true,
            Shape::Any => obj.is_some_and(|o| !o.properties.is_empty()),
            _ => false,
        }
    }

    fn inline(&mut self, s: &Schema, pointer: &str, hint: &str) -> (Ty, bool) {
        let nullable = s.schema_data.nullable;
        if Self::needs_name(s) {
            if let Some(name) = self.inlining.get(pointer) {
                // A recursion through an inline schema: `box_cycles` boxes it like any other cycle.
                return (Ty::Named(name.clone()), nullable);
            }
            let name = self.names.claim(&pascal(hint));
            self.inlining.insert(pointer.to_string(), name.clone());
            self.define(name.clone(), s, pointer);
            self.inlining.remove(pointer);
            let nullable =
                nullable || matches!(self.types.get(&name).map(|t| &t.kind), Some(TypeKind::Alias(Ty::Option(_))));
            return (Ty::Named(name), nullable);
        }
        let (sh, obj) = shape(s);
        let ty = match sh {
            Shape::String { format, values } => {
                let nullable = nullable || values.iter().any(Option::is_none);
                return (Ty::Prim(self.string_prim(format.as_deref())), nullable);
            }
            Shape::Integer { format, .. } => Ty::Prim(int_prim(format.as_deref())),
            Shape::Number { format } => Ty::Prim(match format.as_deref() {
                Some("decimal") => {
                    self.uses.decimal = true;
                    Prim::Decimal
                }
                Some("float") => Prim::F32,
                _ => Prim::F64,
            }),
            Shape::Bool => Ty::Prim(Prim::Bool),
            Shape::Array(items) => match items {
                None => Ty::Vec(Box::new(Ty::Json)),
                Some(items) => {
                    let (item, n) = self.ty_of_boxed(items, &child(pointer, "items"), &format!("{hint}Item"));
                    Ty::Vec(Box::new(if n { Ty::Option(Box::new(item)) } else { item }))
                }
            },
            Shape::Object(o) => self.map_of(o, pointer, hint),
            Shape::AllOf(parts) => {
                // Exactly one part (needs_name handled the rest): the part itself.
                let (ty, n) = self.ty_of(&parts[0], &child(&child(pointer, "allOf"), "0"), hint);
                return (ty, nullable || n);
            }
            Shape::OneOf(_) => unreachable!("oneOf always gets a name"),
            Shape::Not => {
                self.warn(pointer, "`not` cannot be expressed as a Rust type; this value is kept as JSON");
                Ty::Json
            }
            Shape::Any => match obj {
                Some(o) => self.map_of(&o, pointer, hint),
                None => Ty::Json,
            },
        };
        (ty, nullable)
    }

    fn string_prim(&mut self, format: Option<&str>) -> Prim {
        match format {
            Some("date-time") => {
                self.uses.chrono = true;
                Prim::DateTime
            }
            Some("date") => {
                self.uses.chrono = true;
                Prim::Date
            }
            Some("uuid") => {
                self.uses.uuid = true;
                Prim::Uuid
            }
            Some("decimal") => {
                self.uses.decimal = true;
                Prim::DecimalString
            }
            Some("ip") => Prim::IpAddr,
            Some("ipv4") => Prim::Ipv4Addr,
            Some("ipv6") => Prim::Ipv6Addr,
            _ => Prim::String,
        }
    }

    /// An object without named properties: a map, or free-form JSON.
    fn map_of(&mut self, o: &ObjectType, pointer: &str, hint: &str) -> Ty {
        match &o.additional_properties {
            Some(AdditionalProperties::Schema(s)) => {
                let (v, n) = self.ty_of(s, &child(pointer, "additionalProperties"), &format!("{hint}Value"));
                Ty::Map(Box::new(if n { Ty::Option(Box::new(v)) } else { v }))
            }
            Some(AdditionalProperties::Any(false)) => Ty::Json,
            _ => Ty::Map(Box::new(Ty::Json)),
        }
    }

    /// Lowers a schema under a given name. Non-nameable schemas become aliases.
    fn define(&mut self, name: String, s: &Schema, pointer: &str) {
        let doc = doc_of(s);
        let (sh, obj) = shape(s);
        let kind = match sh {
            Shape::String { values, .. } if values.iter().any(Option::is_some) => {
                let known: Vec<String> = values.iter().flatten().cloned().collect();
                TypeKind::StringEnum(string_variants(&known, &BTreeMap::new()))
            }
            Shape::Integer { values, .. } if values.iter().any(Option::is_some) => {
                let mut ns = Namespace::default();
                ns.reserve("Unknown");
                let mut seen = std::collections::HashSet::new();
                let variants = values
                    .iter()
                    .flatten()
                    .filter(|v| seen.insert(**v))
                    .map(|v| EnumValue {
                        ident: ns.claim(&format!("V{}", v.to_string().replace('-', "Minus"))),
                        value: *v,
                        doc: None,
                    })
                    .collect();
                TypeKind::IntEnum(variants)
            }
            Shape::Object(o) if !o.properties.is_empty() => TypeKind::Struct(self.object(&name, o, pointer)),
            Shape::Any if obj.as_ref().is_some_and(|o| !o.properties.is_empty()) => {
                TypeKind::Struct(self.object(&name, obj.as_ref().expect("checked above"), pointer))
            }
            Shape::AllOf(parts) if parts.len() > 1 || obj.is_some() => TypeKind::Struct(self.all_of(&name, s, pointer)),
            Shape::OneOf(variants) => self.one_of(&name, s, variants, pointer),
            _ => {
                let (ty, nullable) = self.inline(s, pointer, &name);
                TypeKind::Alias(if nullable { Ty::Option(Box::new(ty)) } else { ty })
            }
        };
        self.insert(name, doc, kind);
    }

    fn object(&mut self, owner: &str, o: &ObjectType, pointer: &str) -> Struct {
        let mut ns = Namespace::default();
        let props = child(pointer, "properties");
        let fields = self.fields(owner, &o.properties, &o.required, &props, &mut ns);
        let extra = match &o.additional_properties {
            Some(AdditionalProperties::Schema(s)) => {
                let (v, n) = self.ty_of(s, &child(pointer, "additionalProperties"), &format!("{owner}Extra"));
                Some(if n { Ty::Option(Box::new(v)) } else { v })
            }
            _ => None,
        };
        Struct { fields, extra }
    }

    fn fields(
        &mut self,
        owner: &str,
        properties: &IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        pointer: &str,
        ns: &mut Namespace,
    ) -> Vec<Field> {
        let mut out = Vec::with_capacity(properties.len());
        for (wire, prop) in properties {
            let p = child(pointer, wire);
            let (ty, nullable) = self.ty_of_boxed(prop, &p, &format!("{owner}{}", pascal(wire)));
            let once = ty == Ty::Prim(Prim::String)
                && matches!(prop, ReferenceOr::Item(s) if crate::extensions::flag_in(&s.schema_data.extensions, crate::extensions::DELIVER_ONCE));
            let (mut doc, secret, default, read_only, write_only) = match prop {
                ReferenceOr::Item(s) => (
                    doc_of(s),
                    is_secret(s),
                    s.schema_data.default.clone().filter(|d| !d.is_null()),
                    s.schema_data.read_only,
                    s.schema_data.write_only,
                ),
                ReferenceOr::Reference { reference } => {
                    let target = self.target_schema(reference);
                    (None, target.is_some_and(is_secret), None, false, false)
                }
            };
            // readOnly: only responses carry it. writeOnly: only requests do, so a response never has it and
            // it cannot be required when decoding.
            let note = match (read_only, write_only) {
                (true, _) => Some("Read-only: set by the server and ignored in requests."),
                (_, true) => Some("Write-only: sent in requests, never returned."),
                _ => None,
            };
            if let Some(note) = note {
                doc = Some(doc.map_or(note.to_string(), |d| format!("{d}\n\n{note}")));
            }
            if secret {
                self.secrets.insert(wire.clone());
            }
            let wanted = snake(wire);
            let (rust, taken) = ns.claim_noting(&wanted);
            if let Some(why) = taken {
                self.warn(&p, crate::naming::rename_note("property", &wanted, &rust, why));
            }
            out.push(Field {
                rust,
                wire: wire.clone(),
                doc,
                ty,
                required: required.contains(wire) && !write_only,
                write_only_required: required.contains(wire) && write_only,
                nullable,
                secret,
                once,
                default,
            });
        }
        out
    }

    /// `allOf`: the union of the parts' properties; a later part's property replaces an earlier one. Which
    /// parts, in which order, is the spec layer's answer ([`crate::spec::Document::all_of_parts`]).
    fn all_of(&mut self, owner: &str, holder: &Schema, pointer: &str) -> Struct {
        let doc = self.spec.document();
        let written;
        let raw = match doc.root.pointer(pointer).filter(|v| crate::spec::has_all_of(v)) {
            Some(raw) => raw,
            None => {
                written = serde_json::to_value(holder).unwrap_or_default();
                &written
            }
        };
        let (parts, unresolved) = doc.all_of_parts(raw, pointer);
        for at in unresolved {
            self.error(&at, "this allOf part cannot be resolved");
        }
        let mut merged: IndexMap<String, (ReferenceOr<Box<Schema>>, String)> = IndexMap::new();
        let mut required: BTreeSet<String> = BTreeSet::new();
        let mut extra = None;
        for part in parts {
            let object = if part.own {
                let own = serde_json::json!({
                    "properties": part.schema.get("properties").cloned().unwrap_or_else(|| serde_json::json!({})),
                    "required": part.schema.get("required").cloned().unwrap_or_else(|| serde_json::json!([])),
                    "additionalProperties": part.schema.get("additionalProperties"),
                });
                serde_json::from_value::<ObjectType>(own).ok()
            } else {
                match serde_json::from_value::<Schema>(part.schema.clone()).as_ref().map(shape) {
                    Ok((Shape::Object(o), _)) => Some(o.clone()),
                    Ok((Shape::Any, obj)) => obj,
                    Ok(_) => {
                        self.warn(&part.pointer, "an allOf part that is not an object is ignored when merging");
                        None
                    }
                    Err(_) => None,
                }
            };
            let Some(o) = object else { continue };
            let at = part.pointer;
            for (k, v) in &o.properties {
                merged.insert(k.clone(), (v.clone(), child(&child(&at, "properties"), k)));
            }
            required.extend(o.required.iter().cloned());
            if let Some(AdditionalProperties::Schema(s)) = &o.additional_properties {
                let (v, _) = self.ty_of(s, &child(&at, "additionalProperties"), &format!("{owner}Extra"));
                extra = Some(v);
            }
        }
        let mut ns = Namespace::default();
        let mut fields = Vec::with_capacity(merged.len());
        for (wire, (prop, at)) in &merged {
            let mut one = IndexMap::new();
            one.insert(wire.clone(), prop.clone());
            let req: Vec<String> = required.iter().filter(|r| *r == wire).cloned().collect();
            let parent = at.rsplit_once('/').map_or("", |(p, _)| p).to_string();
            fields.extend(self.fields(owner, &one, &req, &parent, &mut ns));
        }
        Struct { fields, extra }
    }

    fn one_of(&mut self, name: &str, s: &Schema, variants: &[ReferenceOr<Schema>], pointer: &str) -> TypeKind {
        let key = if matches!(s.schema_kind, SchemaKind::AnyOf { .. }) { "anyOf" } else { "oneOf" };
        let resolved: Vec<Option<Schema>> = variants.iter().map(|v| self.deref(v)).collect();

        // Every variant a constant string (or a string enum): one open enum.
        if resolved.iter().all(|r| {
            r.as_ref().is_some_and(|r| matches!(shape(r).0, Shape::String { ref values, .. } if !values.is_empty()))
        }) {
            let mut values = Vec::new();
            let mut docs = BTreeMap::new();
            for r in resolved.iter().flatten() {
                if let Shape::String { values: vs, .. } = shape(r).0 {
                    for v in vs.into_iter().flatten() {
                        if let Some(d) = doc_of(r) {
                            docs.insert(v.clone(), d);
                        }
                        values.push(v);
                    }
                }
            }
            values.dedup();
            return TypeKind::StringEnum(string_variants(&values, &docs));
        }

        // An explicit discriminator: dispatch on the property's value.
        if let Some(disc) = &s.schema_data.discriminator {
            if variants.iter().all(|v| matches!(v, ReferenceOr::Reference { .. })) {
                let mut ns = Namespace::default();
                ns.reserve("Unknown");
                let mut out = Vec::new();
                for (i, v) in variants.iter().enumerate() {
                    let ReferenceOr::Reference { reference } = v else { continue };
                    let at = child(&child(pointer, key), &i.to_string());
                    let (ty, _) = self.reference(reference, &at, name);
                    let mut values: Vec<String> = disc
                        .mapping
                        .iter()
                        .filter(|(_, r)| {
                            *r == reference || r.as_str() == reference.rsplit('/').next().unwrap_or_default()
                        })
                        .map(|(k, _)| k.clone())
                        .collect();
                    if values.is_empty() {
                        values.push(reference.rsplit('/').next().unwrap_or_default().to_string());
                    }
                    let ident = match &ty {
                        Ty::Named(n) => ns.claim(n),
                        _ => ns.claim(&format!("Variant{i}")),
                    };
                    out.push(SumVariant { ident, values, ty, doc: None });
                }
                return TypeKind::Discriminated { property: disc.property_name.clone(), variants: out };
            }
            self.warn(pointer, "a discriminator over inline variants is decoded by trying each variant in turn");
        }

        // Objects that each pin one shared property to a constant: internally tagged.
        if let Some(tag) = common_tag(&resolved) {
            let all_inline = variants.iter().all(|v| matches!(v, ReferenceOr::Item(_)));
            let mut ns = Namespace::default();
            ns.reserve("Unknown");
            if all_inline {
                let mut out = Vec::new();
                for (i, r) in resolved.iter().enumerate() {
                    let r = r.as_ref().expect("common_tag resolved every variant");
                    let at = child(&child(pointer, key), &i.to_string());
                    let (_, obj) = shape(r);
                    let o = match shape(r).0 {
                        Shape::Object(o) => o.clone(),
                        _ => obj.unwrap_or_default(),
                    };
                    let value = tag_value(&o, &tag).expect("common_tag checked every variant");
                    let mut props = o.properties.clone();
                    props.shift_remove(&tag);
                    let ident = ns.claim(&pascal(&value));
                    let mut fns = Namespace::default();
                    let fields = self.fields(
                        &format!("{name}{ident}"),
                        &props,
                        &o.required,
                        &child(&at, "properties"),
                        &mut fns,
                    );
                    out.push(TaggedVariant { ident, value, doc: doc_of(r), fields });
                }
                return TypeKind::Tagged { tag, variants: out };
            }
            // Referenced variants keep the tag property, so dispatch on it without removing it.
            let mut out = Vec::new();
            for (i, (v, r)) in variants.iter().zip(&resolved).enumerate() {
                let at = child(&child(pointer, key), &i.to_string());
                let r = r.as_ref().expect("resolved");
                let o = match shape(r) {
                    (Shape::Object(o), _) => o.clone(),
                    (_, obj) => obj.unwrap_or_default(),
                };
                let value = tag_value(&o, &tag).expect("checked");
                let (ty, _) = self.ty_of(v, &at, &format!("{name}{}", pascal(&value)));
                let ident = ns.claim(&pascal(&value));
                out.push(SumVariant { ident, values: vec![value], ty, doc: doc_of(r) });
            }
            return TypeKind::Discriminated { property: tag, variants: out };
        }

        // Anything else: try each variant in order.
        let mut ns = Namespace::default();
        ns.reserve("Unknown");
        let mut out = Vec::new();
        for (i, v) in variants.iter().enumerate() {
            let at = child(&child(pointer, key), &i.to_string());
            let (ty, nullable) = self.ty_of(v, &at, &format!("{name}Variant{i}"));
            let ty = if nullable { Ty::Option(Box::new(ty)) } else { ty };
            let ident = ns.claim(&variant_ident(&ty, i));
            let doc = resolved.get(i).and_then(|r| r.as_ref()).and_then(doc_of);
            out.push(SumVariant { ident, values: Vec::new(), ty, doc });
        }
        TypeKind::Untagged(out)
    }

    /// Marks struct fields and variants that close a reference cycle as boxed.
    pub fn box_cycles(&mut self) {
        self.wrap_recursive_aliases();
        let names: Vec<String> = self.types.keys().cloned().collect();
        let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
        for (i, n) in names.iter().enumerate() {
            let mut out = Vec::new();
            for ty in direct_types(&self.types[n].kind) {
                direct_names(ty, &mut out);
            }
            edges[i] = out.iter().filter_map(|t| index.get(t.as_str()).copied()).collect();
        }
        let scc = tarjan(&edges);
        for (i, n) in names.iter().enumerate() {
            let same = |t: &str| index.get(t).is_some_and(|&j| scc[j] == scc[i]);
            let def = self.types.get_mut(n).expect("name from keys");
            for ty in direct_types_mut(&mut def.kind) {
                box_in(ty, &same);
            }
        }
    }
}

impl TypeLowering<'_> {
    /// A `writeOnly` field the spec requires is required in types that are only ever sent: types no
    /// response body reaches. Types that are also received keep it optional, since responses never carry it.
    pub fn settle_write_only(&mut self, ops: &[crate::model::Operation]) {
        let mut received: BTreeSet<String> = BTreeSet::new();
        let mut todo: Vec<String> = Vec::new();
        for op in ops {
            for r in &op.responses {
                r.body.named(&mut todo);
            }
        }
        while let Some(n) = todo.pop() {
            if !received.insert(n.clone()) {
                continue;
            }
            if let Some(def) = self.types.get(&n) {
                for t in direct_types(&def.kind) {
                    t.named(&mut todo);
                }
            }
        }
        for (name, def) in self.types.iter_mut() {
            if received.contains(name) {
                continue;
            }
            if let TypeKind::Struct(s) = &mut def.kind {
                for f in s.fields.iter_mut().filter(|f| f.write_only_required) {
                    f.required = true;
                }
            }
        }
    }

    /// Aliases that reach themselves through other aliases (`type A = Vec<A>`) are infinite type synonyms:
    /// each becomes a newtype, which breaks the cycle as any struct does.
    fn wrap_recursive_aliases(&mut self) {
        let aliases: Vec<String> =
            self.types.iter().filter(|(_, d)| matches!(d.kind, TypeKind::Alias(_))).map(|(n, _)| n.clone()).collect();
        let index: HashMap<&str, usize> = aliases.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        let edges: Vec<Vec<usize>> = aliases
            .iter()
            .map(|n| {
                let mut out = Vec::new();
                if let TypeKind::Alias(t) = &self.types[n].kind {
                    t.named(&mut out);
                }
                out.iter().filter_map(|t| index.get(t.as_str()).copied()).collect()
            })
            .collect();
        let scc = tarjan(&edges);
        for (i, n) in aliases.iter().enumerate() {
            let cyclic = edges[i].contains(&i) || scc.iter().enumerate().any(|(j, c)| j != i && *c == scc[i]);
            if cyclic
                && let Some(def) = self.types.get_mut(n)
                && let TypeKind::Alias(t) = &def.kind
            {
                def.kind = TypeKind::Newtype(t.clone());
            }
        }
    }
}

/// Every named type a type mentions, under any container.
fn int_prim(format: Option<&str>) -> Prim {
    match format {
        Some("int8") => Prim::I8,
        Some("int16") => Prim::I16,
        Some("int32") => Prim::I32,
        Some("uint8") => Prim::U8,
        Some("uint16") => Prim::U16,
        Some("uint32") => Prim::U32,
        Some("uint64" | "uint") => Prim::U64,
        _ => Prim::I64,
    }
}

/// Rust variants for string values: PascalCase, de-duplicated, with `Unknown` kept for the catch-all.
fn string_variants(values: &[String], docs: &BTreeMap<String, String>) -> Vec<EnumValue<String>> {
    let mut ns = Namespace::default();
    ns.reserve("Unknown");
    // A value listed twice (Stripe lists one API version eight times) is one variant: a second would be an
    // unreachable match arm.
    let mut seen = std::collections::HashSet::new();
    values
        .iter()
        .filter(|v| seen.insert(v.as_str()))
        .map(|v| {
            let base = if v.is_empty() { "Empty".to_string() } else { pascal(v) };
            EnumValue { ident: ns.claim(&base), value: v.clone(), doc: docs.get(v).cloned() }
        })
        .collect()
}

fn variant_ident(ty: &Ty, i: usize) -> String {
    match ty {
        Ty::Named(n) => n.clone(),
        Ty::Prim(p) => format!("{p:?}"),
        Ty::Vec(_) => "Array".into(),
        Ty::Map(_) => "Map".into(),
        Ty::Option(inner) | Ty::Box(inner) => variant_ident(inner, i),
        Ty::Json | Ty::Unit => format!("Variant{i}"),
    }
}

/// The property every variant requires and pins to a distinct single string value, if any.
fn common_tag(variants: &[Option<Schema>]) -> Option<String> {
    if variants.len() < 2 {
        return None;
    }
    let objects: Vec<ObjectType> = variants
        .iter()
        .map(|v| {
            let v = v.as_ref()?;
            match shape(v) {
                (Shape::Object(o), _) => Some(o.clone()),
                (Shape::Any, Some(o)) => Some(o),
                _ => None,
            }
        })
        .collect::<Option<_>>()?;
    let first = &objects[0];
    'candidates: for candidate in first.properties.keys() {
        let mut seen = BTreeSet::new();
        for o in &objects {
            if !o.required.contains(candidate) {
                continue 'candidates;
            }
            match tag_value(o, candidate) {
                Some(v) if seen.insert(v.clone()) => {}
                _ => continue 'candidates,
            }
        }
        return Some(candidate.clone());
    }
    None
}

fn tag_value(o: &ObjectType, prop: &str) -> Option<String> {
    match o.properties.get(prop)? {
        ReferenceOr::Item(s) => match shape(s).0 {
            Shape::String { values, .. } if values.len() == 1 => values[0].clone(),
            _ => None,
        },
        ReferenceOr::Reference { .. } => None,
    }
}

/// The types that hold a one-time secret (`x-deliver-once`), directly or through their fields and variants:
/// they are not `Clone`, since a copy of a credential shown once defeats the point.
pub fn once_holders(types: &BTreeMap<String, TypeDef>) -> BTreeSet<String> {
    let mut holders: BTreeSet<String> = types
        .iter()
        .filter(|(_, d)| matches!(&d.kind, TypeKind::Struct(s) if s.fields.iter().any(|f| f.once)))
        .map(|(n, _)| n.clone())
        .collect();
    loop {
        let before = holders.len();
        for (name, def) in types {
            let mut names = Vec::new();
            direct_types(&def.kind).into_iter().for_each(|t| t.named(&mut names));
            if names.iter().any(|n| holders.contains(n)) {
                holders.insert(name.clone());
            }
        }
        if holders.len() == before {
            return holders;
        }
    }
}

fn direct_types(kind: &TypeKind) -> Vec<&Ty> {
    match kind {
        TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
        TypeKind::Tagged { variants, .. } => variants.iter().flat_map(|v| v.fields.iter().map(|f| &f.ty)).collect(),
        TypeKind::Discriminated { variants, .. } | TypeKind::Untagged(variants) => {
            variants.iter().map(|v| &v.ty).collect()
        }
        TypeKind::Alias(t) | TypeKind::Newtype(t) => vec![t],
        TypeKind::StringEnum(_) | TypeKind::IntEnum(_) => Vec::new(),
    }
}

fn direct_types_mut(kind: &mut TypeKind) -> Vec<&mut Ty> {
    match kind {
        TypeKind::Struct(s) => s.fields.iter_mut().map(|f| &mut f.ty).collect(),
        TypeKind::Tagged { variants, .. } => {
            variants.iter_mut().flat_map(|v| v.fields.iter_mut().map(|f| &mut f.ty)).collect()
        }
        TypeKind::Discriminated { variants, .. } | TypeKind::Untagged(variants) => {
            variants.iter_mut().map(|v| &mut v.ty).collect()
        }
        TypeKind::Newtype(t) => vec![t],
        // An alias is a type synonym: a cycle through one cannot be broken there, so box its users instead.
        TypeKind::Alias(_) | TypeKind::StringEnum(_) | TypeKind::IntEnum(_) => Vec::new(),
    }
}

/// Named types reached without an indirection (a `Vec` or a map already allocates).
fn direct_names(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::Named(n) => out.push(n.clone()),
        Ty::Option(t) => direct_names(t, out),
        Ty::Box(_) | Ty::Vec(_) | Ty::Map(_) | Ty::Prim(_) | Ty::Json | Ty::Unit => {}
    }
}

fn box_in(ty: &mut Ty, same_scc: &dyn Fn(&str) -> bool) {
    match ty {
        Ty::Named(n) if same_scc(n) => *ty = Ty::Box(Box::new(ty.clone())),
        Ty::Option(t) => box_in(t, same_scc),
        _ => {}
    }
}

/// Strongly connected components (Tarjan), iteratively; returns the component id of each node.
fn tarjan(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let (mut index, mut low, mut comp) = (vec![usize::MAX; n], vec![0; n], vec![usize::MAX; n]);
    let (mut on_stack, mut stack) = (vec![false; n], Vec::new());
    let (mut next, mut next_comp) = (0, 0);
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut ei)) = call.last_mut() {
            if *ei == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*ei) {
                *ei += 1;
                if index[w] == usize::MAX {
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::tarjan;

    #[test]
    fn scc_finds_self_loops_and_cycles() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 alone.
        let c = tarjan(&[vec![1], vec![2], vec![0], vec![3], vec![]]);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[3], c[0]);
        assert_ne!(c[4], c[3]);
    }
}
