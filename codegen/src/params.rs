//! How a parameter travels: OpenAPI's `in`, `style`, `explode`, `allowReserved` and `content`, read into a
//! [`ParamStyle`] that the emitter turns into one call of the runtime's `params` module (`codegen/runtime/params.rs`).
//! And the lenient reading of path templates: a template naming a parameter the operation does not declare
//! gets a required `String` path parameter, and a declared path parameter the template does not name is
//! dropped; each with a warning at its pointer.

use crate::diag::child;
use crate::model::{Param, ParamIn, Ty};
use crate::naming::{Namespace, snake};
use crate::types::TypeLowering;
use openapiv3::{
    CookieStyle, HeaderStyle, Parameter, ParameterSchemaOrContent, PathStyle, QueryStyle, ReferenceOr, Schema,
    SchemaData, SchemaKind,
};
use std::borrow::Cow;

/// OpenAPI's `style` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    Simple,
    Label,
    Matrix,
}

/// How a parameter's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamStyle {
    pub kind: Style,
    /// OpenAPI's default: `true` for `form`, `false` otherwise.
    pub explode: bool,
    /// `allowReserved` (query only): RFC 3986's reserved characters pass unencoded, but `& = + #`.
    pub allow_reserved: bool,
    /// `content: application/json`: the value travels as its JSON text, then as a string in its style.
    pub json: bool,
}

/// Where a parameter goes, how it is written, and its schema with that schema's pointer. `None`, with a
/// warning, for a `content` media type that is neither JSON nor text.
pub(crate) fn read<'p>(
    tl: &mut TypeLowering<'_>,
    p: &'p Parameter,
    at: &str,
) -> Option<(ParamIn, ParamStyle, Cow<'p, ReferenceOr<Schema>>, String)> {
    let data = p.parameter_data_ref();
    let (location, style, allow_reserved) = match p {
        Parameter::Path { style, .. } => (
            ParamIn::Path,
            match style {
                PathStyle::Simple => Style::Simple,
                PathStyle::Label => Style::Label,
                PathStyle::Matrix => Style::Matrix,
            },
            false,
        ),
        Parameter::Header { style: HeaderStyle::Simple, .. } => (ParamIn::Header, Style::Simple, false),
        Parameter::Query { style, allow_reserved, .. } => (
            ParamIn::Query,
            match style {
                QueryStyle::Form => Style::Form,
                QueryStyle::SpaceDelimited => Style::SpaceDelimited,
                QueryStyle::PipeDelimited => Style::PipeDelimited,
                QueryStyle::DeepObject => Style::DeepObject,
            },
            *allow_reserved,
        ),
        Parameter::Cookie { style: CookieStyle::Form, .. } => (ParamIn::Cookie, Style::Form, false),
    };
    let explode = data.explode.unwrap_or(style == Style::Form);
    let mut wire = ParamStyle { kind: style, explode, allow_reserved, json: false };
    let (schema, schema_at) = match &data.format {
        ParameterSchemaOrContent::Schema(s) => (Cow::Borrowed(s), child(at, "schema")),
        ParameterSchemaOrContent::Content(content) => {
            let Some((media_type, media)) = content.first() else {
                tl.warn(at, format!("parameter `{}`: `content` names no media type; it is left out", data.name));
                return None;
            };
            let mt = media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            let media_at = child(&child(at, "content"), media_type);
            if mt == "application/json" || mt.ends_with("+json") {
                wire.json = true;
            } else if !mt.starts_with("text/") {
                tl.warn(
                    &media_at,
                    format!(
                        "parameter `{}`: `{media_type}` content is not supported (JSON and text are); it is left out",
                        data.name
                    ),
                );
                return None;
            }
            // One value, written whole in its media type: never exploded into pieces.
            wire.explode = false;
            match &media.schema {
                Some(s) => (Cow::Borrowed(s), child(&media_at, "schema")),
                None => (Cow::Owned(ReferenceOr::Item(any_schema())), media_at),
            }
        }
    };
    Some((location, wire, schema, schema_at))
}

/// A schema that accepts any JSON: what a `content` entry without a schema describes.
fn any_schema() -> Schema {
    Schema { schema_data: SchemaData::default(), schema_kind: SchemaKind::Any(Default::default()) }
}

fn template_names(path: &str) -> Vec<String> {
    path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string())).collect()
}

/// Whether a parameter belongs to the operation: a path parameter the template does not name is dropped,
/// with a warning at its pointer (a positional argument that goes nowhere would mislead the caller).
pub(crate) fn keep(tl: &mut TypeLowering<'_>, path: &str, p: &Parameter, at: &str) -> bool {
    let Parameter::Path { parameter_data, .. } = p else { return true };
    if template_names(path).contains(&parameter_data.name) {
        return true;
    }
    tl.warn(
        at,
        format!(
            "path parameter `{}` is not in the path template `{path}`; it is left out (lenient mode)",
            parameter_data.name
        ),
    );
    false
}

/// Lenient mode: each name in the path template that no path parameter declares becomes a required
/// `String` path parameter, with a warning at the operation's pointer. `arg_names` is the method's argument
/// namespace. Path arguments end up in the order of the template.
pub(crate) fn complete_path(
    tl: &mut TypeLowering<'_>,
    path: &str,
    ptr: &str,
    path_params: &mut Vec<Param>,
    arg_names: &mut Namespace,
) {
    for name in template_names(path) {
        if path_params.iter().any(|p| p.wire == name) {
            continue;
        }
        let wanted = snake(&name);
        let (rust, _) = arg_names.claim_noting(&wanted);
        tl.warn(
            ptr,
            format!(
                "path template `{path}` names `{{{name}}}` but the operation declares no path parameter `{name}`; \
                 it is taken as a required string argument `{rust}` (lenient mode)"
            ),
        );
        path_params.push(Param {
            rust,
            wire: name,
            location: ParamIn::Path,
            doc: None,
            ty: Ty::Prim(crate::model::Prim::String),
            required: true,
            style: ParamStyle { kind: Style::Simple, explode: false, allow_reserved: false, json: false },
        });
    }
    path_params.sort_by_key(|p| path.find(&format!("{{{}}}", p.wire)).unwrap_or(usize::MAX));
}

#[cfg(test)]
mod tests {
    use super::template_names;

    #[test]
    fn template_names_in_order() {
        assert_eq!(template_names("/a/{x}/b/{y-z}.json"), ["x", "y-z"]);
        assert!(template_names("/a/b").is_empty());
        assert_eq!(template_names("/a/{unclosed"), Vec::<String>::new());
    }
}
