//! The rustdoc example on every operation: the call, an arm per documented error status and, for a create
//! whose answer carries a status (`x-idempotency`, `x-poll`), the branching on it. The arguments are the
//! example function's parameters, so the example compiles (as a `no_run` doctest) without inventing values.

use super::tokens::ident;
use crate::model::{Api, BodyKind, Operation, ResultShape, StatusKey, Ty, TypeKind};
use proc_macro2::TokenStream;
use quote::quote;

/// `# Example` doc lines for `op`; `krate` is the crate's name as a path root.
pub fn example(op: &Operation, api: &Api, krate: &str) -> TokenStream {
    let path = |t: TokenStream| tidy(&t.to_string()).replace("crate::", &format!("{krate}::"));
    let mut params = vec![format!("client: &{krate}::Client")];
    let mut args = Vec::new();
    for p in &op.path_params {
        let t = path(super::operations::arg_ty(p));
        params.push(format!("{}: {t}", raw(&p.rust)));
        args.push(raw(&p.rust));
    }
    if let Some(pt) = &op.params_type {
        params.push(format!("params: &{krate}::operations::{pt}"));
        args.push("params".into());
    }
    if let Some(body) = &op.body {
        let t = match body.kind {
            BodyKind::Bytes if body.required => "Vec<u8>".into(),
            _ => path(super::bodies::arg_ty(body)),
        };
        let (t, arg) = if body.required { (t, "body".to_string()) } else { (format!("Option<{t}>"), "body".into()) };
        params.push(format!("body: {t}"));
        args.push(arg);
    }
    let call = format!("client.{}({}).await", raw(&op.method_name), args.join(", "));
    let mut lines = vec![
        String::new(),
        " # Example".to_string(),
        String::new(),
        " ```no_run".to_string(),
        format!(" # async fn example({}) -> Result<(), Box<dyn std::error::Error>> {{", params.join(", ")),
        format!(" match {call} {{"),
    ];
    match status_values(op, api) {
        Some((field, values)) => {
            lines.push(format!("     Ok(resp) => match resp.body.{}.as_str() {{", raw(&field)));
            for v in values {
                lines.push(format!("         {v:?} => {{}}"));
            }
            lines.push("         _ => {} // a status the API adds later".into());
            lines.push("     },".into());
        }
        None => lines.push("     Ok(resp) => println!(\"{:?}\", resp.request_id),".into()),
    }
    let documented: Vec<String> = op
        .responses
        .iter()
        .filter(|r| !r.success)
        .filter_map(|r| match r.status {
            StatusKey::Code(c) => Some(c.to_string()),
            _ => None,
        })
        .collect();
    if !documented.is_empty() {
        lines.push(format!(
            "     Err(e) if matches!(e.status(), Some({})) => eprintln!(\"documented error {{:?}}, request id {{:?}}\", e.status(), e.request_id()),",
            documented.join(" | ")
        ));
    }
    lines.push("     Err(e) => return Err(e.into()),".into());
    lines.push(" }".into());
    lines.push(" # Ok(()) }".into());
    lines.push(" ```".into());
    quote!(#(#[doc = #lines])*)
}

/// For a create or a polled read: the success body's status field and its documented values.
fn status_values(op: &Operation, api: &Api) -> Option<(String, Vec<String>)> {
    if op.idempotency.is_none() && op.poll.is_none() {
        return None;
    }
    let wire = op.poll.as_ref().map_or("status", |p| p.status_field.as_str());
    let ResultShape::Single(Ty::Named(body)) = &op.success else { return None };
    let TypeKind::Struct(s) = &api.types.get(body)?.kind else { return None };
    let field = s.fields.iter().find(|f| f.wire == wire && f.required && !f.nullable)?;
    let Ty::Named(status) = &field.ty else { return None };
    let TypeKind::StringEnum(values) = &api.types.get(status)?.kind else { return None };
    Some((field.rust.clone(), values.iter().map(|v| v.value.clone()).collect()))
}

/// A name as Rust source: keywords written raw.
fn raw(name: &str) -> String {
    ident(name).to_string()
}

/// Token text without the spaces `to_string` puts around punctuation.
fn tidy(s: &str) -> String {
    s.replace(" :: ", "::")
        .replace(":: ", "::")
        .replace("& ", "&")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
}
