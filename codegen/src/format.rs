//! Token streams to source text: one `syn` parse and one prettyplease pass per file, then a blank line
//! between top-level items so the output reads like hand-written code.

use proc_macro2::TokenStream;

/// Formats a file's items. A parse failure here is a generator bug, reported with the file name.
pub fn format(file_name: &str, tokens: TokenStream) -> Result<String, String> {
    Ok(prettyplease::unparse(&parse(file_name, tokens)?))
}

/// Parses generated tokens as a file (inner attributes, then items).
pub fn parse(file_name: &str, tokens: TokenStream) -> Result<syn::File, String> {
    syn::parse2(tokens).map_err(|e| format!("internal error: generated {file_name} does not parse: {e}"))
}

/// Parses generated items and puts the outer attributes `attrs` (a `#[cfg(..)]`) on each of them, after
/// their documentation, so that everything emitted for one type or operation compiles, or not, together.
pub fn with_attrs(file_name: &str, items: TokenStream, attrs: TokenStream) -> Result<Vec<syn::Item>, String> {
    use syn::parse::Parser;
    let mut file = parse(file_name, items)?;
    for item in &mut file.items {
        let Some(a) = item_attrs(item) else {
            let text = quote::ToTokens::to_token_stream(item).to_string();
            let start: String = text.chars().take(80).collect();
            return Err(format!("internal error: {file_name} has an item the generator cannot gate: {start}"));
        };
        // Parsed per item: syn's types are built without `Clone` here.
        let outer = syn::Attribute::parse_outer
            .parse2(attrs.clone())
            .map_err(|e| format!("internal error: a generated attribute in {file_name} does not parse: {e}"))?;
        // After the item's documentation, as a hand-written `#[cfg]` would be.
        let at = a.iter().take_while(|attr| attr.path().is_ident("doc")).count();
        a.splice(at..at, outer);
    }
    Ok(file.items)
}

/// The outer attributes of the item kinds the generator emits.
fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    use syn::Item;
    Some(match item {
        Item::Const(i) => &mut i.attrs,
        Item::Enum(i) => &mut i.attrs,
        Item::Fn(i) => &mut i.attrs,
        Item::Impl(i) => &mut i.attrs,
        Item::Macro(i) => &mut i.attrs,
        Item::Mod(i) => &mut i.attrs,
        Item::Static(i) => &mut i.attrs,
        Item::Struct(i) => &mut i.attrs,
        Item::Trait(i) => &mut i.attrs,
        Item::Type(i) => &mut i.attrs,
        Item::Union(i) => &mut i.attrs,
        Item::Use(i) => &mut i.attrs,
        _ => return None,
    })
}

/// Inserts a blank line after each top-level item that ends at column 0 (`}`, `};`, or a one-line `...;`).
pub fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let top_level_end = !line.starts_with([' ', '#', '/']) && (line.ends_with('}') || line.ends_with(';'));
        let next_is_item = lines.peek().is_some_and(|n| {
            let starts_item = !n.is_empty() && !n.starts_with(' ');
            let use_run = line.starts_with("use ") && n.starts_with("use ");
            starts_item && !use_run
        });
        if top_level_end && next_is_item {
            out.push('\n');
        }
    }
    out
}
