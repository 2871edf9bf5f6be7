//! Drawing a list of relative paths as a file tree.

use std::collections::BTreeMap;

#[derive(Default)]
struct Node {
    children: BTreeMap<String, Node>,
}

/// Draws `paths` (`/`-separated) as an indented tree with box-drawing branches.
pub fn draw<'a>(root: &str, paths: impl IntoIterator<Item = &'a str>) -> String {
    let mut top = Node::default();
    for path in paths {
        let mut node = &mut top;
        for part in path.split('/') {
            node = node.children.entry(part.to_string()).or_default();
        }
    }
    let mut out = format!("{root}/\n");
    draw_children(&top, "", &mut out);
    out
}

fn draw_children(node: &Node, prefix: &str, out: &mut String) {
    let count = node.children.len();
    for (index, (name, child)) in node.children.iter().enumerate() {
        let last = index + 1 == count;
        let branch = if last { "└── " } else { "├── " };
        let slash = if child.children.is_empty() { "" } else { "/" };
        out.push_str(&format!("{prefix}{branch}{name}{slash}\n"));
        let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
        draw_children(child, &deeper, out);
    }
}

/// The `(path, comment)` entries of layer pieces that list files one per line as `path` or
/// `path  # comment`; blank lines are skipped.
pub fn parse_annotated<'a>(chunks: impl IntoIterator<Item = &'a str>) -> Vec<(String, String)> {
    chunks
        .into_iter()
        .flat_map(str::lines)
        .filter(|line| !line.trim().is_empty())
        .map(|line| match line.split_once(" # ") {
            Some((path, comment)) => (path.trim().to_owned(), comment.trim().to_owned()),
            None => (line.trim().to_owned(), String::new()),
        })
        .collect()
}

/// Entries sorted byte-wise by path, an entry named twice keeping both comments (`, ` between
/// them, a space before one that opens with a parenthesis).
pub fn merge_annotated<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<String, String> {
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    for (path, comment) in entries {
        let joined = merged.entry(path.to_owned()).or_default();
        if !comment.is_empty() {
            if !joined.is_empty() {
                joined.push_str(if comment.starts_with('(') { " " } else { ", " });
            }
            joined.push_str(comment);
        }
    }
    merged
}

/// Draws `(path, comment)` entries as the file tree of a document such as CLAUDE.md: `.` first,
/// every parent directory an entry of its own (`src/`), entries sorted byte-wise by path, and
/// an entry named twice keeping both comments (`, ` between them, a space before one that opens
/// with a parenthesis). Comments start at column 30, or two spaces after a longer name.
pub fn draw_annotated<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut nodes = merge_annotated(entries);
    let parents: Vec<String> = nodes
        .keys()
        .flat_map(|path| {
            let parts: Vec<&str> = path.split('/').collect();
            (1..parts.len())
                .map(|end| format!("{}/", parts[..end].join("/")))
                .collect::<Vec<_>>()
        })
        .collect();
    for parent in parents {
        nodes.entry(parent).or_default();
    }
    let shaped: Vec<(usize, String, &String)> = nodes
        .iter()
        .map(|(path, comment)| {
            let trimmed = path.trim_end_matches('/');
            let depth = trimmed.matches('/').count();
            let name = trimmed.rsplit('/').next().unwrap_or(trimmed);
            let name = if path.ends_with('/') {
                format!("{name}/")
            } else {
                name.to_owned()
            };
            (depth, name, comment)
        })
        .collect();
    let mut out = String::from(".\n");
    let mut rails: Vec<&str> = Vec::new();
    for (index, (depth, name, comment)) in shaped.iter().enumerate() {
        // The last child of its parent: the next entry not below it is shallower.
        let last = shaped[index + 1..]
            .iter()
            .find(|(later, _, _)| later <= depth)
            .is_none_or(|(later, _, _)| later < depth);
        rails.truncate(*depth);
        out.push_str(&rails.concat());
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(name);
        if !comment.is_empty() {
            let width = 4 * depth + 4 + name.chars().count();
            out.push_str(&" ".repeat(29usize.saturating_sub(width).max(2)));
            out.push_str("# ");
            out.push_str(comment);
        }
        out.push('\n');
        if name.ends_with('/') {
            rails.push(if last { "    " } else { "│   " });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn annotated_trees_add_parents_merge_comments_and_close_each_level() {
        let drawn = super::draw_annotated([
            ("src/main.rs", "entry point"),
            ("Cargo.toml", ""),
            ("src/db/retry.rs", "retries"),
            ("src/main.rs", "(thin)"),
            ("tests/api.rs", ""),
        ]);
        assert_eq!(
            drawn,
            ".\n\
             ├── Cargo.toml\n\
             ├── src/\n\
             │   ├── db/\n\
             │   │   └── retry.rs         # retries\n\
             │   └── main.rs              # entry point (thin)\n\
             └── tests/\n    \
             └── api.rs\n"
        );
    }

    #[test]
    fn draws_nested_paths_in_order() {
        let drawn = super::draw("app", ["src/main.rs", "Cargo.toml", "src/lib.rs"]);
        assert_eq!(
            drawn,
            "app/\n├── Cargo.toml\n└── src/\n    ├── lib.rs\n    └── main.rs\n"
        );
    }
}
