//! Composition: merges the manifests of a preset's layers into the values the shared templates
//! render (dependency lines, module declarations, configuration tables, extension points and
//! the values layers export to each other).
//!
//! The merge never asks which layers are present. Contributions that meet merge as a union in
//! a stable order, so the result does not depend on layer order: dependencies and modules are
//! sorted by name, features are a sorted union. Where two layers disagree (two versions of one
//! crate, one capability provided twice) composition fails with both names.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::layer::{DependencySpec, EnvironmentBlock, LayerManifest, ModuleDecl, slot_files};

/// The merged contributions of a preset's layers.
#[derive(Debug, Clone, Serialize)]
pub struct Composition {
    /// The preset's layers, in overlay order.
    pub layers: Vec<String>,
    pub cargo: CargoLines,
    /// Parent module (`crate`, `api`, `core::config`) to the modules declared in it, sorted.
    pub modules: BTreeMap<String, Vec<ModuleLine>>,
    /// Configuration variables, block by block in layer order.
    pub environment: Vec<EnvironmentBlock>,
    /// Output file to its import block: every layer's `use` paths for it, grouped (std, other
    /// crates, this crate) and sorted the way rustfmt sorts them.
    pub uses: BTreeMap<String, String>,
    /// Extension point to the layer pieces that fill it, in layer order.
    pub slots: BTreeMap<String, Vec<String>>,
    /// Values layers export, by name.
    #[serde(skip)]
    pub exports: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CargoLines {
    pub dependencies: Vec<DependencyLine>,
    pub dev_dependencies: Vec<DependencyLine>,
}

/// `name = spec` in `Cargo.toml`; `spec` is already TOML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependencyLine {
    pub name: String,
    pub spec: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleLine {
    pub name: String,
    pub public: bool,
    /// Items re-exported with `pub use name::{…}`, sorted.
    pub export: Vec<String>,
    /// That `pub use` statement as rustfmt lays it out (empty when nothing is exported).
    pub export_line: String,
}

/// rustfmt's width for a line of code.
const MAX_WIDTH: usize = 100;

/// `pub use module::{…};` on one line when it fits, else one item list per indented line,
/// filled up to the width, the way rustfmt lays out a long import.
fn pub_use(module: &str, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [item] => format!("pub use {module}::{item};"),
        _ => {
            let single = format!("pub use {module}::{{{}}};", items.join(", "));
            if single.len() <= MAX_WIDTH {
                return single;
            }
            let mut lines = vec![format!("pub use {module}::{{")];
            let mut line = String::new();
            for item in items {
                let piece = format!("{item},");
                if !line.is_empty() && 4 + line.len() + 1 + piece.len() > MAX_WIDTH {
                    lines.push(format!("    {line}"));
                    line.clear();
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(&piece);
            }
            lines.push(format!("    {line}"));
            lines.push("};".to_owned());
            lines.join("\n")
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompositionError {
    #[error(
        "layers `{first}` and `{second}` both provide `{capability}`; a preset takes one of them"
    )]
    ProvidedTwice {
        capability: String,
        first: String,
        second: String,
    },
    #[error(
        "layer `{layer}` needs a layer that provides `{capability}`{hint}; add one to the preset's `layers`"
    )]
    Missing {
        layer: String,
        capability: String,
        hint: String,
    },
    #[error(
        "layers `{first}` and `{second}` ask for different versions of `{krate}` ({first_version} and {second_version}); make them agree"
    )]
    VersionConflict {
        krate: String,
        first: String,
        first_version: String,
        second: String,
        second_version: String,
    },
    #[error(
        "dependency `{krate}` has no version in any layer; give it one where it is first declared"
    )]
    NoVersion { krate: String },
    #[error("layers `{first}` and `{second}` both declare module `{path}`")]
    ModuleTwice {
        path: String,
        first: String,
        second: String,
    },
    #[error("layers `{first}` and `{second}` both export `{name}`; exported names must be unique")]
    ExportTwice {
        name: String,
        first: String,
        second: String,
    },
    #[error("layer `{layer}` exports `{name}`, a name stackgen itself gives templates; rename it")]
    ReservedExport { layer: String, name: String },
    #[error("layers `{first}` and `{second}` both declare the variable `{name}`")]
    VariableTwice {
        name: String,
        first: String,
        second: String,
    },
}

/// Names the renderer gives every template; layers cannot export over them.
pub const RESERVED: &[&str] = &[
    "project",
    "preset",
    "settings",
    "api",
    "stackgen",
    "claude",
    "files",
    "readme",
    "migrations",
    "config",
    "layers",
    "cargo",
    "modules",
    "environment",
    "uses",
    "test_modules",
    "slots",
];

/// One layer's name and its parsed manifest.
pub struct Layer<'a> {
    pub name: &'a str,
    pub manifest: &'a LayerManifest,
}

/// Only the values layers export (the first reading of the manifests needs no more), after
/// checking that the layers' capabilities fit.
pub fn exports(
    layers: &[Layer<'_>],
) -> Result<BTreeMap<String, serde_json::Value>, CompositionError> {
    check_capabilities(layers)?;
    merge_exports(layers)
}

/// Merges the layers' manifests, checking that they fit together.
pub fn compose(layers: &[Layer<'_>]) -> Result<Composition, CompositionError> {
    check_capabilities(layers)?;
    Ok(Composition {
        layers: layers.iter().map(|l| l.name.to_owned()).collect(),
        cargo: cargo_lines(layers)?,
        modules: merge_modules(layers)?,
        environment: merge_environment(layers)?,
        uses: merge_uses(layers),
        slots: merge_slots(layers),
        exports: merge_exports(layers)?,
    })
}

fn check_capabilities(layers: &[Layer<'_>]) -> Result<(), CompositionError> {
    let mut providers: BTreeMap<&str, &str> = BTreeMap::new();
    for layer in layers {
        let own = std::iter::once(layer.name);
        let declared: BTreeSet<&str> = layer.manifest.provides.iter().map(String::as_str).collect();
        for capability in own.chain(declared.into_iter().filter(|c| *c != layer.name)) {
            if let Some(first) = providers.insert(capability, layer.name) {
                return Err(CompositionError::ProvidedTwice {
                    capability: capability.to_owned(),
                    first: first.to_owned(),
                    second: layer.name.to_owned(),
                });
            }
        }
    }
    for layer in layers {
        for capability in &layer.manifest.requires {
            if !providers.contains_key(capability.as_str()) {
                let candidates = crate::embedded::layers_providing(capability);
                let hint = if candidates.is_empty() {
                    String::new()
                } else {
                    format!(" (available: {})", candidates.join(", "))
                };
                return Err(CompositionError::Missing {
                    layer: layer.name.to_owned(),
                    capability: capability.clone(),
                    hint,
                });
            }
        }
    }
    Ok(())
}

#[derive(Debug)]
struct MergedDependency {
    version: Option<(String, String)>,
    default_features: Option<bool>,
    features: BTreeSet<String>,
}

impl MergedDependency {
    /// Whether depending on `self` already gives everything `other` asks for.
    fn covers(&self, other: &Self) -> bool {
        let version = |d: &Self| d.version.as_ref().map(|(_, v)| v.clone());
        version(self) == version(other)
            && (self.default_features != Some(false) || other.default_features == Some(false))
            && self.features.is_superset(&other.features)
    }
}

fn cargo_lines(layers: &[Layer<'_>]) -> Result<CargoLines, CompositionError> {
    let normal = merge_dependencies(layers, |m| &m.cargo.dependencies)?;
    // A dev-dependency without a version takes the crate's; one the crate already has, with
    // everything it needs, adds nothing.
    let dev: BTreeMap<String, MergedDependency> =
        merge_dependencies(layers, |m| &m.cargo.dev_dependencies)?
            .into_iter()
            .map(|(name, mut dev)| {
                if dev.version.is_none() {
                    dev.version = normal.get(&name).and_then(|n| n.version.clone());
                }
                (name, dev)
            })
            .filter(|(name, dev)| !normal.get(name).is_some_and(|n| n.covers(dev)))
            .collect();
    Ok(CargoLines {
        dependencies: lines(normal)?,
        dev_dependencies: lines(dev)?,
    })
}

fn merge_dependencies(
    layers: &[Layer<'_>],
    section: impl Fn(&LayerManifest) -> &BTreeMap<String, DependencySpec>,
) -> Result<BTreeMap<String, MergedDependency>, CompositionError> {
    let mut merged: BTreeMap<String, MergedDependency> = BTreeMap::new();
    for layer in layers {
        for (krate, spec) in section(layer.manifest) {
            let spec = spec.detailed();
            let names_version = spec.version.is_some();
            let entry = merged
                .entry(krate.clone())
                .or_insert_with(|| MergedDependency {
                    version: None,
                    default_features: None,
                    features: BTreeSet::new(),
                });
            if let Some(version) = spec.version {
                match &entry.version {
                    Some((first, first_version)) if *first_version != version => {
                        return Err(CompositionError::VersionConflict {
                            krate: krate.clone(),
                            first: first.clone(),
                            first_version: first_version.clone(),
                            second: layer.name.to_owned(),
                            second_version: version,
                        });
                    }
                    Some(_) => {}
                    None => entry.version = Some((layer.name.to_owned(), version)),
                }
            }
            // A layer that names a version asks for Cargo's defaults unless it says otherwise;
            // one that only adds features has no opinion. Defaults stay on if any layer wants them.
            let wants_defaults = spec.default_features.or(names_version.then_some(true));
            entry.default_features = match (entry.default_features, wants_defaults) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), _) | (_, Some(false)) => Some(false),
                (None, None) => None,
            };
            entry.features.extend(spec.features);
        }
    }
    Ok(merged)
}

fn lines(
    merged: BTreeMap<String, MergedDependency>,
) -> Result<Vec<DependencyLine>, CompositionError> {
    merged
        .into_iter()
        .map(|(name, dependency)| {
            let Some((_, version)) = dependency.version else {
                return Err(CompositionError::NoVersion { krate: name });
            };
            Ok(DependencyLine {
                spec: toml_spec(&version, dependency.default_features, &dependency.features),
                name,
            })
        })
        .collect()
}

fn toml_spec(version: &str, default_features: Option<bool>, features: &BTreeSet<String>) -> String {
    if default_features != Some(false) && features.is_empty() {
        return format!("\"{version}\"");
    }
    let mut parts = vec![format!("version = \"{version}\"")];
    if default_features == Some(false) {
        parts.push("default-features = false".to_owned());
    }
    if !features.is_empty() {
        let list: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
        parts.push(format!("features = [{}]", list.join(", ")));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn merge_modules(
    layers: &[Layer<'_>],
) -> Result<BTreeMap<String, Vec<ModuleLine>>, CompositionError> {
    let mut declared: BTreeMap<String, (&str, &ModuleDecl)> = BTreeMap::new();
    for layer in layers {
        for module in &layer.manifest.modules {
            if let Some((first, _)) = declared.insert(module.path.clone(), (layer.name, module)) {
                return Err(CompositionError::ModuleTwice {
                    path: module.path.clone(),
                    first: first.to_owned(),
                    second: layer.name.to_owned(),
                });
            }
        }
    }
    let implicit: Vec<ModuleDecl> = declared
        .keys()
        .flat_map(|path| {
            let segments: Vec<&str> = path.split("::").collect();
            (1..segments.len())
                .map(|end| segments[..end].join("::"))
                .collect::<Vec<_>>()
        })
        .filter(|ancestor| !declared.contains_key(ancestor))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|path| ModuleDecl {
            path,
            public: true,
            export: Vec::new(),
        })
        .collect();
    for module in &implicit {
        declared.insert(module.path.clone(), ("", module));
    }
    let mut modules: BTreeMap<String, Vec<ModuleLine>> = BTreeMap::new();
    for (path, (_, module)) in &declared {
        let (parent, name) = match path.rsplit_once("::") {
            Some((parent, name)) => (parent.to_owned(), name.to_owned()),
            None => ("crate".to_owned(), path.clone()),
        };
        let mut export = module.export.clone();
        export.sort();
        modules.entry(parent).or_default().push(ModuleLine {
            export_line: pub_use(&name, &export),
            name,
            public: module.public,
            export,
        });
    }
    for lines in modules.values_mut() {
        lines.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(modules)
}

fn merge_environment(layers: &[Layer<'_>]) -> Result<Vec<EnvironmentBlock>, CompositionError> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut blocks = Vec::new();
    for layer in layers {
        for block in &layer.manifest.environment {
            for variable in &block.variables {
                if let Some(first) = seen.insert(variable.name.as_str(), layer.name) {
                    return Err(CompositionError::VariableTwice {
                        name: variable.name.clone(),
                        first: first.to_owned(),
                        second: layer.name.to_owned(),
                    });
                }
            }
            blocks.push(block.clone());
        }
    }
    Ok(blocks)
}

fn merge_uses(layers: &[Layer<'_>]) -> BTreeMap<String, String> {
    let mut paths: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for layer in layers {
        for (file, uses) in &layer.manifest.uses {
            paths
                .entry(file.as_str())
                .or_default()
                .extend(uses.iter().map(String::as_str));
        }
    }
    paths
        .into_iter()
        .map(|(file, uses)| (file.to_owned(), use_block(&uses)))
        .collect()
}

/// `use` lines in three groups separated by a blank line: the standard library, other crates,
/// then `crate`/`self`/`super`. Within a group paths sort segment by segment, which is
/// rustfmt's order for the paths layers write (one item or one sorted `{…}` list per line;
/// rustfmt's version sort of digits inside a name is not reproduced).
pub fn use_block(paths: &BTreeSet<&str>) -> String {
    let group = |path: &str| {
        let root = path.split("::").next().unwrap_or_default();
        match root {
            "std" | "core" | "alloc" => 0,
            "crate" | "self" | "super" => 2,
            _ => 1,
        }
    };
    let mut groups: [Vec<&str>; 3] = Default::default();
    for path in paths {
        groups[group(path)].push(path);
    }
    // Segment by segment, so `a::X` comes before `a2::X` as rustfmt has it.
    for group in &mut groups {
        group.sort_by(|a, b| a.split("::").cmp(b.split("::")));
    }
    groups
        .iter()
        .filter(|paths| !paths.is_empty())
        .map(|paths| {
            paths
                .iter()
                .map(|path| format!("use {path};\n"))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every extension point any layer fills, each with the pieces of this preset's layers (often
/// none). A template that names an extension point no layer fills fails as undefined.
fn merge_slots(layers: &[Layer<'_>]) -> BTreeMap<String, Vec<String>> {
    let mut slots: BTreeMap<String, Vec<String>> = crate::embedded::layer_names()
        .iter()
        .flat_map(|layer| slot_files(layer).into_keys())
        .map(|slot| (slot, Vec::new()))
        .collect();
    for layer in layers {
        for (slot, template) in slot_files(layer.name) {
            slots.entry(slot).or_default().push(template);
        }
    }
    slots
}

fn merge_exports(
    layers: &[Layer<'_>],
) -> Result<BTreeMap<String, serde_json::Value>, CompositionError> {
    let mut exports: BTreeMap<String, (&str, serde_json::Value)> = BTreeMap::new();
    for layer in layers {
        for (name, value) in &layer.manifest.exports {
            if RESERVED.contains(&name.as_str()) {
                return Err(CompositionError::ReservedExport {
                    layer: layer.name.to_owned(),
                    name: name.clone(),
                });
            }
            if let Some((first, _)) = exports.insert(name.clone(), (layer.name, value.clone())) {
                return Err(CompositionError::ExportTwice {
                    name: name.clone(),
                    first: first.to_owned(),
                    second: layer.name.to_owned(),
                });
            }
        }
    }
    Ok(exports
        .into_iter()
        .map(|(name, (_, value))| (name, value))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer;

    fn manifest(yaml: &str) -> LayerManifest {
        layer::parse("test", yaml).expect("valid manifest")
    }

    fn compose_pair(first: &str, second: &str) -> Result<Composition, CompositionError> {
        let a = manifest(first);
        let b = manifest(second);
        compose(&[
            Layer {
                name: "first",
                manifest: &a,
            },
            Layer {
                name: "second",
                manifest: &b,
            },
        ])
    }

    #[test]
    fn features_merge_as_a_sorted_union_whatever_the_order() {
        let base = "summary: a\ncargo:\n  dependencies:\n    axum: { version: \"0.8\", default-features: false, features: [json, http1] }\n";
        let extra = "summary: b\ncargo:\n  dependencies:\n    axum: { features: [form] }\n    anyhow: \"1\"\n";
        let forward = compose_pair(base, extra).expect("composes");
        let backward = compose_pair(extra, base).expect("composes");
        assert_eq!(forward.cargo.dependencies, backward.cargo.dependencies);
        assert_eq!(
            forward.cargo.dependencies,
            [
                DependencyLine {
                    name: "anyhow".into(),
                    spec: "\"1\"".into()
                },
                DependencyLine {
                    name: "axum".into(),
                    spec: "{ version = \"0.8\", default-features = false, features = [\"form\", \"http1\", \"json\"] }".into()
                },
            ]
        );
    }

    #[test]
    fn a_versioned_contribution_keeps_cargos_defaults_and_a_feature_only_one_has_no_say() {
        let base = "summary: a\ncargo:\n  dependencies:\n    tokio: { version: \"1\", default-features: false, features: [rt] }\n";
        let feature_only = "summary: b\ncargo:\n  dependencies:\n    tokio: { features: [net] }\n";
        let versioned = "summary: b\ncargo:\n  dependencies:\n    tokio: \"1\"\n";
        let kept = compose_pair(base, feature_only).expect("composes");
        assert!(
            kept.cargo.dependencies[0]
                .spec
                .contains("default-features = false")
        );
        let restored = compose_pair(base, versioned).expect("composes");
        assert!(
            !restored.cargo.dependencies[0]
                .spec
                .contains("default-features")
        );
    }

    #[test]
    fn a_dev_dependency_without_a_version_takes_the_crates() {
        let composed = compose_pair(
            "summary: a\ncargo:\n  dependencies:\n    uuid: { version: \"1\", features: [v4] }\n",
            "summary: b\ncargo:\n  dev-dependencies:\n    uuid: { features: [serde] }\n",
        )
        .expect("composes");
        assert_eq!(
            composed.cargo.dev_dependencies[0].spec,
            "{ version = \"1\", features = [\"serde\"] }"
        );
    }

    #[test]
    fn two_versions_of_one_crate_are_refused_naming_both_layers() {
        let err = compose_pair(
            "summary: a\ncargo:\n  dependencies:\n    serde: \"1.0.1\"\n",
            "summary: b\ncargo:\n  dependencies:\n    serde: \"1.0.2\"\n",
        )
        .expect_err("conflict");
        let text = err.to_string();
        assert!(
            text.contains("`first`") && text.contains("`second`"),
            "{text}"
        );
        assert!(text.contains("1.0.1") && text.contains("1.0.2"), "{text}");
    }

    #[test]
    fn a_dev_dependency_the_crate_already_has_is_dropped() {
        let composed = compose_pair(
            "summary: a\ncargo:\n  dev-dependencies:\n    uuid: { version: \"1\", features: [v4] }\n",
            "summary: b\ncargo:\n  dependencies:\n    uuid: { version: \"1\", features: [serde, v4] }\n",
        )
        .expect("composes");
        assert!(composed.cargo.dev_dependencies.is_empty());
        assert_eq!(composed.cargo.dependencies.len(), 1);
    }

    #[test]
    fn a_capability_provided_twice_or_missing_is_refused() {
        let twice = compose_pair(
            "summary: a\nprovides: [database]\n",
            "summary: b\nprovides: [database]\n",
        )
        .expect_err("two databases");
        assert!(matches!(twice, CompositionError::ProvidedTwice { .. }));
        let missing =
            compose_pair("summary: a\nrequires: [auth]\n", "summary: b\n").expect_err("no auth");
        assert!(missing.to_string().contains("`auth`"), "{missing}");
    }

    #[test]
    fn modules_are_grouped_by_parent_and_sorted() {
        let composed = compose_pair(
            "summary: a\nmodules:\n  - { path: api, public: true }\n  - { path: api::items }\n",
            "summary: b\nmodules:\n  - { path: api::auth, public: true, export: [Z, A] }\n",
        )
        .expect("composes");
        let api = &composed.modules["api"];
        assert_eq!(api[0].name, "auth");
        assert_eq!(api[0].export, ["A", "Z"]);
        assert_eq!(api[1].name, "items");
        assert_eq!(composed.modules["crate"][0].name, "api");
    }

    #[test]
    fn a_module_declares_its_parents_as_public_modules() {
        let composed = compose_pair(
            "summary: a\nmodules:\n  - { path: models::item }\n",
            "summary: b\n",
        )
        .expect("composes");
        assert_eq!(composed.modules["crate"][0].name, "models");
        assert!(composed.modules["crate"][0].public);
        assert!(!composed.modules["models"][0].public);
    }

    #[test]
    fn a_long_re_export_wraps_the_way_rustfmt_does() {
        let short = pub_use("auth", &["A".into(), "B".into()]);
        assert_eq!(short, "pub use auth::{A, B};");
        let names: Vec<String> = [
            "DEFAULT_ALLOW_REGISTRATION",
            "DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE",
        ]
        .into_iter()
        .chain(["DEFAULT_TRUST_FORWARDED_FOR", "LoginConfig"])
        .map(String::from)
        .collect();
        assert_eq!(
            pub_use("login", &names),
            "pub use login::{\n    DEFAULT_ALLOW_REGISTRATION, DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE, \
             DEFAULT_TRUST_FORWARDED_FOR,\n    LoginConfig,\n};"
        );
    }

    #[test]
    fn imports_are_grouped_and_sorted_like_rustfmt() {
        let paths: BTreeSet<&str> = [
            "crate::auth::{Clock, service}",
            "sqlx::PgPool",
            "std::sync::Arc",
            "crate::auth::password::PasswordHasher",
            "anyhow::Context",
        ]
        .into_iter()
        .collect();
        assert_eq!(
            use_block(&paths),
            "use std::sync::Arc;\n\nuse anyhow::Context;\nuse sqlx::PgPool;\n\n\
             use crate::auth::password::PasswordHasher;\nuse crate::auth::{Clock, service};\n"
        );
    }

    #[test]
    fn exports_may_not_collide_or_shadow_stackgen_names() {
        let twice = compose_pair(
            "summary: a\nexports:\n  x: 1\n",
            "summary: b\nexports:\n  x: 2\n",
        )
        .expect_err("collision");
        assert!(matches!(twice, CompositionError::ExportTwice { .. }));
        let reserved = compose_pair("summary: a\nexports:\n  project: 1\n", "summary: b\n")
            .expect_err("reserved");
        assert!(matches!(reserved, CompositionError::ReservedExport { .. }));
    }
}
