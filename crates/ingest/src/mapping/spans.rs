//! Where each key of a mapping file is written: the line of every key path (`fields.queued_at`,
//! `fields.queued_at[1].time`, `also[0].fields.at`), so that an error about a mapping names the
//! line to fix.

use std::collections::HashMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The line (1-based) of every key path of a TOML document.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    paths: HashMap<String, usize>,
}

impl Lines {
    /// Index `text`. A document that does not parse gives an empty index (the TOML error itself
    /// names its line).
    pub(crate) fn index(text: &str) -> Lines {
        let Ok(doc) = DeTable::parse(text) else {
            return Lines::default();
        };
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).max(1);
        let mut paths = HashMap::new();
        walk_table("", doc.get_ref(), &line_of, &mut paths);
        Lines { paths }
    }

    /// The line of `path`, or of the nearest enclosing key that has one.
    pub(crate) fn line(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(&line) = self.paths.get(p) {
                return Some(line);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk_table(
    prefix: &str,
    table: &DeTable<'_>,
    line_of: &dyn Fn(usize) -> usize,
    out: &mut HashMap<String, usize>,
) {
    for (key, value) in table.iter() {
        let path = join(prefix, key.get_ref());
        out.insert(path.clone(), line_of(key.span().start));
        walk_value(&path, value, line_of, out);
    }
}

fn walk_value(
    path: &str,
    value: &Spanned<DeValue<'_>>,
    line_of: &dyn Fn(usize) -> usize,
    out: &mut HashMap<String, usize>,
) {
    match value.get_ref() {
        DeValue::Table(t) => walk_table(path, t, line_of, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                out.insert(p.clone(), line_of(item.span().start));
                walk_value(&p, item, line_of, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_path_has_its_line() {
        let text = "kind = \"call\"\n\n[fields]\nid = \"a\"\nq = [\n  { when = \"x\", date = \"d\" },\n  { date = \"e\" },\n]\n\n[[also]]\nkind = \"survey\"\n[also.fields]\nat = \"z\"\n";
        let lines = Lines::index(text);
        assert_eq!(lines.line("kind"), Some(1));
        assert_eq!(lines.line("fields.id"), Some(4));
        assert_eq!(lines.line("fields.q"), Some(5));
        assert_eq!(lines.line("fields.q[1].date"), Some(7));
        assert_eq!(lines.line("also[0].fields.at"), Some(13));
        // An unknown sub-path falls back to the nearest key.
        assert_eq!(lines.line("fields.q[0].date.nothing"), Some(6));
        assert_eq!(lines.line("nowhere"), None);
        assert!(Lines::index("kind = [").paths.is_empty());
    }
}
