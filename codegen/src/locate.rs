//! Finds the line and column of a JSON pointer in the source text.
//!
//! Parsers lose positions once a document is a value tree (and openapiv3 reports positions inside path items
//! wrongly), so errors are placed by this pass of our own over the raw text. JSON is scanned exactly. YAML is
//! located by indentation, which covers block style fully and flow style (`{ a: b }`) on a best-effort basis:
//! it answers the deepest position it can prove, never a wrong deeper one.

/// 1-based line and column of the value (or key) at `pointer`, or of its deepest ancestor that was found.
pub fn locate(text: &str, is_json: bool, pointer: &str) -> Option<(usize, usize)> {
    let segments = split_pointer(pointer);
    let offset = if is_json { json::find(text, &segments) } else { yaml::find(text, &segments) }?;
    Some(line_col(text, offset))
}

fn split_pointer(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.chars().count(), |i| before[i + 1..].chars().count()) + 1;
    (line, col)
}

mod json {
    /// Byte offset of the deepest value on the path.
    pub fn find(text: &str, segments: &[String]) -> Option<usize> {
        let b = text.as_bytes();
        let mut pos = skip_ws(b, 0);
        let mut best = pos;
        for seg in segments {
            match b.get(pos)? {
                b'{' => {
                    pos = skip_ws(b, pos + 1);
                    loop {
                        if b.get(pos) != Some(&b'"') {
                            return Some(best);
                        }
                        let key_start = pos;
                        let (key, after) = string(b, pos)?;
                        pos = skip_ws(b, after);
                        if b.get(pos) != Some(&b':') {
                            return Some(best);
                        }
                        pos = skip_ws(b, pos + 1);
                        if key == *seg {
                            best = key_start;
                            break;
                        }
                        pos = skip_ws(b, skip_value(b, pos)?);
                        if b.get(pos) == Some(&b',') {
                            pos = skip_ws(b, pos + 1);
                        } else {
                            return Some(best);
                        }
                    }
                }
                b'[' => {
                    let want: usize = seg.parse().ok()?;
                    pos = skip_ws(b, pos + 1);
                    for _ in 0..want {
                        pos = skip_ws(b, skip_value(b, pos)?);
                        if b.get(pos) != Some(&b',') {
                            return Some(best);
                        }
                        pos = skip_ws(b, pos + 1);
                    }
                    best = pos;
                }
                _ => return Some(best),
            }
        }
        Some(best)
    }

    fn skip_ws(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    }

    /// Parses a string starting at the opening quote; returns its (unescaped enough for keys) text and the end.
    fn string(b: &[u8], start: usize) -> Option<(String, usize)> {
        let mut i = start + 1;
        let mut out = Vec::new();
        while i < b.len() {
            match b[i] {
                b'"' => return Some((String::from_utf8_lossy(&out).into_owned(), i + 1)),
                b'\\' => {
                    let esc = *b.get(i + 1)?;
                    match esc {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'/' => out.push(b'/'),
                        b'u' => {
                            let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
                            let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?).unwrap_or('\u{fffd}');
                            out.extend(c.to_string().as_bytes());
                            i += 4;
                        }
                        other => out.push(other),
                    }
                    i += 2;
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        None
    }

    fn skip_value(b: &[u8], start: usize) -> Option<usize> {
        match b.get(start)? {
            b'"' => string(b, start).map(|(_, e)| e),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut i = start;
                while i < b.len() {
                    match b[i] {
                        b'"' => {
                            i = string(b, i)?.1;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some(i + 1);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                None
            }
            _ => {
                let mut i = start;
                while i < b.len() && !matches!(b[i], b',' | b'}' | b']') && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                Some(i)
            }
        }
    }
}

mod yaml {
    struct Line<'a> {
        offset: usize,
        indent: usize,
        body: &'a str,
    }

    /// Byte offset of the deepest key or item on the path.
    pub fn find(text: &str, segments: &[String]) -> Option<usize> {
        let mut lines = Vec::new();
        let mut offset = 0;
        for raw in text.split_inclusive('\n') {
            let content = raw.trim_end_matches(['\n', '\r']);
            let body = content.trim_start_matches(' ');
            if !body.is_empty() && !body.starts_with('#') && !body.starts_with("---") {
                lines.push(Line { offset, indent: content.len() - body.len(), body });
            }
            offset += raw.len();
        }
        // The current block: lines [lo, hi) whose indentation exceeds `parent_indent` (or all, at the root).
        let (mut lo, mut hi) = (0, lines.len());
        let mut best = lines.first().map(|l| l.offset + l.indent)?;
        // A sequence item line `- key: v` holds its first key on the same line at this column.
        let mut inline: Option<(usize, usize)> = None; // (line index, column of content)
        for (depth, seg) in segments.iter().enumerate() {
            if let Some((li, col)) = inline.take() {
                // Continue inside a `- key: value` item: the item's keys sit at `col`.
                let line = &lines[li];
                let rest = &line.body[col - line.indent..];
                let mut end = li + 1;
                while end < lines.len() && lines[end].indent >= col {
                    end += 1;
                }
                if key_matches(rest, seg) {
                    best = line.offset + col;
                    (lo, hi) = (li + 1, end);
                    continue;
                }
                if let Some(i) = (li + 1..end).find(|&i| lines[i].indent == col && key_matches(lines[i].body, seg)) {
                    best = lines[i].offset + col;
                    (lo, hi) = block_after(&lines, i);
                    continue;
                }
                return Some(best);
            }
            let Some(first) = lines.get(lo).filter(|_| lo < hi) else { return Some(best) };
            let indent = first.indent;
            if let Ok(index) = seg.parse::<usize>()
                && (first.body.starts_with("- ") || first.body == "-")
            {
                let items: Vec<usize> =
                    (lo..hi).filter(|&i| lines[i].indent == indent && lines[i].body.starts_with('-')).collect();
                let Some(&i) = items.get(index) else { return Some(best) };
                best = lines[i].offset + indent;
                let after_dash = lines[i].body[1..].trim_start();
                if after_dash.is_empty() {
                    (lo, hi) = block_after(&lines, i);
                } else {
                    let col = indent + (lines[i].body.len() - after_dash.len());
                    best = lines[i].offset + col;
                    inline = Some((i, col));
                }
                continue;
            }
            let Some(i) = (lo..hi).find(|&i| lines[i].indent == indent && key_matches(lines[i].body, seg)) else {
                // Perhaps a flow mapping on the parent's line: look for `seg:` there.
                if lo > 0 {
                    let parent = &lines[lo - 1];
                    if let Some(p) = find_flow_key(parent.body, seg) {
                        best = parent.offset + parent.indent + p;
                    }
                }
                return Some(best);
            };
            best = lines[i].offset + indent;
            (lo, hi) = block_after(&lines, i);
            if lo == hi {
                // The value is on the same line; a flow mapping may still hold deeper keys.
                let mut col_best = best;
                let body = lines[i].body;
                let mut from = 0;
                for s in &segments[depth + 1..] {
                    match find_flow_key(&body[from..], s) {
                        Some(p) => {
                            col_best = lines[i].offset + indent + from + p;
                            from += p + s.len();
                        }
                        None => break,
                    }
                }
                return Some(col_best);
            }
        }
        Some(best)
    }

    fn block_after(lines: &[Line<'_>], i: usize) -> (usize, usize) {
        let indent = lines[i].indent;
        let mut end = i + 1;
        while end < lines.len() && lines[end].indent > indent {
            end += 1;
        }
        (i + 1, end)
    }

    fn key_matches(body: &str, seg: &str) -> bool {
        let body = body.strip_prefix("- ").unwrap_or(body);
        for quoted in [format!("{seg}:"), format!("\"{seg}\":"), format!("'{seg}':")] {
            if let Some(rest) = body.strip_prefix(&quoted) {
                return rest.is_empty() || rest.starts_with(' ');
            }
        }
        false
    }

    fn find_flow_key(body: &str, seg: &str) -> Option<usize> {
        for pat in [format!("{seg}:"), format!("\"{seg}\":"), format!("'{seg}':")] {
            let mut from = 0;
            while let Some(p) = body[from..].find(&pat) {
                let at = from + p;
                let prev = body[..at].chars().last();
                if matches!(prev, None | Some('{' | ' ' | ',')) {
                    return Some(at);
                }
                from = at + 1;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn json_positions() {
        let t = "{\n  \"paths\": {\n    \"/a\": {\"get\": {\"operationId\": 1}}\n  }\n}";
        assert_eq!(locate(t, true, "/paths/~1a/get/operationId"), Some((3, 20)));
        assert_eq!(locate(t, true, "/paths/~1a/post"), Some((3, 5)));
    }

    #[test]
    fn yaml_block_and_flow_positions() {
        let t = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - name: x\n          in: query\n        - { $ref: '#/x' }\n      responses: { \"200\": { description: ok } }\n";
        assert_eq!(locate(t, false, "/paths/~1a/get"), Some((4, 5)));
        assert_eq!(locate(t, false, "/paths/~1a/get/parameters/0/in"), Some((7, 11)));
        assert_eq!(locate(t, false, "/paths/~1a/get/parameters/1"), Some((8, 11)));
        assert_eq!(locate(t, false, "/paths/~1a/get/responses/200/description"), Some((9, 29)));
    }
}
