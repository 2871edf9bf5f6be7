//! Preset settings: their declared types, their values, and `--set key=value` overrides.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The type of a setting, as written in a preset's `type:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SettingType {
    Integer,
    Boolean,
    String,
    Choice,
}

impl fmt::Display for SettingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::String => "string",
            Self::Choice => "choice",
        })
    }
}

/// One value a template can read as `settings.<key>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SettingValue {
    Integer(i64),
    Boolean(bool),
    String(String),
}

impl fmt::Display for SettingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer(n) => write!(f, "{n}"),
            Self::Boolean(b) => write!(f, "{b}"),
            Self::String(s) => f.write_str(s),
        }
    }
}

/// A setting declared by a preset.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SettingDef {
    pub key: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: SettingType,
    pub default: SettingValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

impl SettingDef {
    /// Checks the declaration itself: a default of the declared type, bounds only where they mean something.
    pub fn check_declaration(&self) -> Result<(), String> {
        let is_identifier = self
            .key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
            && self
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !is_identifier {
            return Err(format!(
                "setting key `{}` must be snake_case (lower-case letters, digits, `_`)",
                self.key
            ));
        }
        if self.kind != SettingType::Integer && (self.min.is_some() || self.max.is_some()) {
            return Err(format!(
                "setting `{}`: `min`/`max` only apply to integer settings",
                self.key
            ));
        }
        if self.kind == SettingType::Choice && self.choices.is_empty() {
            return Err(format!(
                "setting `{}`: a choice setting needs a non-empty `choices` list",
                self.key
            ));
        }
        if self.kind != SettingType::Choice && !self.choices.is_empty() {
            return Err(format!(
                "setting `{}`: `choices` only applies to choice settings",
                self.key
            ));
        }
        self.check_value(&self.default)
            .map_err(|problem| format!("setting `{}`: default {problem}", self.key))
    }

    /// Checks a value against this setting's type, bounds and choices.
    pub fn check_value(&self, value: &SettingValue) -> Result<(), String> {
        match (self.kind, value) {
            (SettingType::Integer, SettingValue::Integer(n)) => {
                if let Some(min) = self.min.filter(|min| n < min) {
                    return Err(format!("{n} is below the minimum {min}"));
                }
                if let Some(max) = self.max.filter(|max| n > max) {
                    return Err(format!("{n} is above the maximum {max}"));
                }
                Ok(())
            }
            (SettingType::Boolean, SettingValue::Boolean(_))
            | (SettingType::String, SettingValue::String(_)) => Ok(()),
            (SettingType::Choice, SettingValue::String(s)) => {
                if self.choices.contains(s) {
                    Ok(())
                } else {
                    Err(format!("`{s}` is not one of: {}", self.choices.join(", ")))
                }
            }
            (kind, other) => Err(format!("`{other}` is not a valid {kind}")),
        }
    }

    /// Parses the text of a `--set` value as this setting's type.
    pub fn parse_value(&self, text: &str) -> Result<SettingValue, String> {
        let value = match self.kind {
            SettingType::Integer => text
                .parse::<i64>()
                .map(SettingValue::Integer)
                .map_err(|_| format!("`{text}` is not an integer"))?,
            SettingType::Boolean => match text {
                "true" | "yes" | "on" => SettingValue::Boolean(true),
                "false" | "no" | "off" => SettingValue::Boolean(false),
                _ => return Err(format!("`{text}` is not a boolean (use true or false)")),
            },
            SettingType::String | SettingType::Choice => SettingValue::String(text.to_string()),
        };
        self.check_value(&value)?;
        Ok(value)
    }

    /// How the accepted values read in help and error messages.
    pub fn accepted(&self) -> String {
        match self.kind {
            SettingType::Integer => match (self.min, self.max) {
                (Some(min), Some(max)) => format!("integer {min}..={max}"),
                (Some(min), None) => format!("integer >= {min}"),
                (None, Some(max)) => format!("integer <= {max}"),
                (None, None) => "integer".into(),
            },
            SettingType::Boolean => "true or false".into(),
            SettingType::String => "text".into(),
            SettingType::Choice => self.choices.join(" | "),
        }
    }
}

/// One `--set key=value` as the user typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub key: String,
    pub value: String,
}

impl std::str::FromStr for Override {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => Ok(Self {
                key: key.trim().to_string(),
                value: value.to_string(),
            }),
            _ => Err(format!("`{text}` is not of the form key=value")),
        }
    }
}

/// Why a `--set` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("--set {key}: `{preset}` has no setting named `{key}`; its settings are: {known}")]
    UnknownKey {
        key: String,
        preset: String,
        known: String,
    },
    #[error("--set {key}={value}: {problem} (expected {accepted})")]
    BadValue {
        key: String,
        value: String,
        problem: String,
        accepted: String,
    },
}

/// The resolved value of every setting, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings(Vec<(String, SettingValue)>);

impl Settings {
    /// Starts from the declared defaults and applies the overrides in order.
    pub fn resolve(
        preset: &str,
        defs: &[SettingDef],
        overrides: &[Override],
    ) -> Result<Self, OverrideError> {
        let mut values: Vec<(String, SettingValue)> = defs
            .iter()
            .map(|def| (def.key.clone(), def.default.clone()))
            .collect();
        for Override { key, value } in overrides {
            let Some(index) = defs.iter().position(|def| &def.key == key) else {
                let known = defs.iter().map(|d| d.key.as_str()).collect::<Vec<_>>();
                return Err(OverrideError::UnknownKey {
                    key: key.clone(),
                    preset: preset.to_string(),
                    known: if known.is_empty() {
                        "(none)".into()
                    } else {
                        known.join(", ")
                    },
                });
            };
            let def = &defs[index];
            values[index].1 =
                def.parse_value(value)
                    .map_err(|problem| OverrideError::BadValue {
                        key: key.clone(),
                        value: value.clone(),
                        problem,
                        accepted: def.accepted(),
                    })?;
        }
        Ok(Self(values))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &SettingValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn as_map(&self) -> BTreeMap<&str, &SettingValue> {
        self.iter().collect()
    }
}

impl Serialize for Settings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port() -> SettingDef {
        SettingDef {
            key: "http_port".into(),
            description: "port".into(),
            kind: SettingType::Integer,
            default: SettingValue::Integer(8080),
            min: Some(1),
            max: Some(65535),
            choices: vec![],
        }
    }

    fn format() -> SettingDef {
        SettingDef {
            key: "log_format".into(),
            description: "format".into(),
            kind: SettingType::Choice,
            default: SettingValue::String("json".into()),
            min: None,
            max: None,
            choices: vec!["json".into(), "pretty".into()],
        }
    }

    fn set(text: &str) -> Override {
        text.parse().expect("key=value")
    }

    #[test]
    fn defaults_apply_when_nothing_is_overridden() {
        let settings = Settings::resolve("p", &[port(), format()], &[]).expect("defaults");
        assert_eq!(settings.as_map()["http_port"], &SettingValue::Integer(8080));
    }

    #[test]
    fn overrides_are_parsed_as_the_declared_type() {
        let settings = Settings::resolve("p", &[port(), format()], &[set("http_port=3000")])
            .expect("valid override");
        assert_eq!(settings.as_map()["http_port"], &SettingValue::Integer(3000));
    }

    #[test]
    fn unknown_keys_list_the_known_ones() {
        let err = Settings::resolve("p", &[port()], &[set("port=1")]).expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "--set port: `p` has no setting named `port`; its settings are: http_port"
        );
    }

    #[test]
    fn wrong_types_and_bounds_are_refused_with_what_is_accepted() {
        let err = Settings::resolve("p", &[port()], &[set("http_port=abc")]).expect_err("type");
        assert!(
            err.to_string()
                .contains("not an integer (expected integer 1..=65535)"),
            "{err}"
        );
        let err = Settings::resolve("p", &[port()], &[set("http_port=70000")]).expect_err("max");
        assert!(err.to_string().contains("above the maximum 65535"), "{err}");
        let err =
            Settings::resolve("p", &[format()], &[set("log_format=xml")]).expect_err("choice");
        assert!(
            err.to_string().contains("not one of: json, pretty"),
            "{err}"
        );
    }

    #[test]
    fn set_requires_key_equals_value() {
        assert!("novalue".parse::<Override>().is_err());
        assert!("=1".parse::<Override>().is_err());
        assert_eq!(set("a=b=c").value, "b=c");
    }

    #[test]
    fn declarations_with_mismatched_defaults_are_refused() {
        let mut def = port();
        def.default = SettingValue::String("x".into());
        assert!(def.check_declaration().is_err());
        let mut def = format();
        def.min = Some(1);
        assert!(def.check_declaration().is_err());
    }
}
