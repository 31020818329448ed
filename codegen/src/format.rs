//! Token streams to source text: one `syn` parse and one prettyplease pass per file, then a blank line
//! between top-level items so the output reads like hand-written code.

use proc_macro2::TokenStream;

/// Formats a file's items. A parse failure here is a generator bug, reported with the file name.
pub fn format(file_name: &str, tokens: TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("internal error: generated {file_name} does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
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
