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

#[cfg(test)]
mod tests {
    #[test]
    fn draws_nested_paths_in_order() {
        let drawn = super::draw("app", ["src/main.rs", "Cargo.toml", "src/lib.rs"]);
        assert_eq!(
            drawn,
            "app/\n├── Cargo.toml\n└── src/\n    ├── lib.rs\n    └── main.rs\n"
        );
    }
}
