//! A report file's header: its name, description and typed parameters.

use std::path::PathBuf;

use rusqlite::types::Value as SqlValue;

use super::ReportError;

/// The type of a report parameter, declared as `-- param: NAME: TYPE = DEFAULT`
/// (or `TYPE in (A, B, ...)` for a fixed set of values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    Integer,
    Real,
    Text,
}

impl ParamType {
    fn parse(word: &str) -> Option<ParamType> {
        match word {
            "integer" | "int" => Some(ParamType::Integer),
            "real" | "float" => Some(ParamType::Real),
            "text" => Some(ParamType::Text),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ParamType::Integer => "integer",
            ParamType::Real => "real",
            ParamType::Text => "text",
        }
    }

    /// `raw` as an SQLite value of this type, or `None` when it is not one.
    pub fn value(self, raw: &str) -> Option<SqlValue> {
        let t = raw.trim();
        match self {
            ParamType::Integer => t.parse::<i64>().ok().map(SqlValue::Integer),
            ParamType::Real => t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(SqlValue::Real),
            ParamType::Text => Some(SqlValue::Text(raw.to_string())),
        }
    }
}

/// A parameter a report declares: its type, its default value as written and
/// what it means.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ParamType,
    pub default: String,
    pub help: Option<String>,
    /// `TYPE in (A, B)`: the only values it takes (empty: any of its type).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

impl Param {
    /// `limit: integer = 20`, `target: text in (hevc, av1) = hevc`, as declared.
    pub fn signature(&self) -> String {
        format!("{}: {} = {}", self.name, self.type_text(), self.default)
    }

    /// `integer`, `text in (hevc, av1)`.
    pub fn type_text(&self) -> String {
        if self.allowed.is_empty() {
            self.kind.name().to_string()
        } else {
            format!("{} in ({})", self.kind.name(), self.allowed.join(", "))
        }
    }

    /// Whether `raw` is a value of this parameter: of its type, and one of
    /// its allowed values if it has a set.
    pub fn accepts(&self, raw: &str) -> bool {
        self.kind.value(raw).is_some()
            && (self.allowed.is_empty() || self.allowed.iter().any(|a| a == raw.trim()))
    }
}

/// `TYPE` or `TYPE in (A, B, ...)`: the type and the allowed values.
fn parse_type(text: &str) -> Result<(ParamType, Vec<String>), String> {
    let (word, set) = match text.split_once(" in ") {
        Some((w, set)) => (w.trim(), Some(set.trim())),
        None => (text.trim(), None),
    };
    let kind = ParamType::parse(word)
        .ok_or_else(|| format!("parameter type {word:?} is not integer, real or text"))?;
    let Some(set) = set else {
        return Ok((kind, Vec::new()));
    };
    let inner = set
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| format!("expected `{word} in (A, B, ...)`, got {text:?}"))?;
    let allowed: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
    if let Some(bad) = allowed
        .iter()
        .find(|v| v.is_empty() || kind.value(v).is_none())
    {
        return Err(format!("allowed value {bad:?} is not {}", kind.name()));
    }
    Ok((kind, allowed))
}

/// Where a report came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Bundled,
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Bundled => write!(f, "bundled"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    pub description: String,
    pub params: Vec<Param>,
    pub sql: String,
    pub origin: Origin,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn valid_param(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parse a report file. `file` names it in errors; `stem` is the name used when
/// the header has no `-- name:` line.
pub fn parse(text: &str, file: &str, stem: &str, origin: Origin) -> Result<Report, ReportError> {
    let header_err = |line: usize, message: String| ReportError::Header {
        file: file.to_string(),
        line,
        message,
    };
    let mut name = None;
    let mut description = None;
    let mut params: Vec<Param> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("--") else {
            break;
        };
        let comment = comment.trim();
        let Some((key, value)) = comment.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "name" => {
                if !valid_name(value) {
                    return Err(header_err(
                        i + 1,
                        format!(
                            "report name {value:?} must be lowercase letters, digits, '-' or '_'"
                        ),
                    ));
                }
                name = Some(value.to_string());
            }
            "description" => description = Some(value.to_string()),
            "param" => {
                let p = parse_param(value, &params).map_err(|m| header_err(i + 1, m))?;
                params.push(p);
            }
            _ => {}
        }
    }
    let name = match name {
        Some(n) => n,
        None if valid_name(stem) => stem.to_string(),
        None => {
            return Err(ReportError::File {
                file: file.to_string(),
                message: "no `-- name:` header and the file name is not a valid report name".into(),
            });
        }
    };
    let description = description.ok_or_else(|| ReportError::File {
        file: file.to_string(),
        message: "no `-- description:` header line".into(),
    })?;
    Ok(Report {
        name,
        description,
        params,
        sql: text.to_string(),
        origin,
    })
}

/// One `-- param: NAME: TYPE [in (A, B, ...)] = DEFAULT -- HELP` line's value (after `param:`),
/// checked against the parameters declared before it; the message on error.
fn parse_param(value: &str, earlier: &[Param]) -> Result<Param, String> {
    let (spec, help) = match value.split_once(" -- ") {
        Some((s, h)) => (s.trim(), Some(h.trim().to_string())),
        None => (value, None),
    };
    let Some((decl, default)) = spec.split_once('=') else {
        return Err(format!(
            "expected `-- param: NAME: TYPE = DEFAULT`, got {value:?}"
        ));
    };
    let (pname, (kind, allowed)) = match decl.split_once(':') {
        Some((n, t)) => (n.trim(), parse_type(t)?),
        None => (decl.trim(), (ParamType::Text, Vec::new())),
    };
    let default = default.trim();
    if kind.value(default).is_none() {
        return Err(format!(
            "default {default:?} of {pname} is not {}",
            kind.name()
        ));
    }
    if !allowed.is_empty() && !allowed.iter().any(|a| a == default) {
        return Err(format!(
            "default {default:?} of {pname} is not one of {}",
            allowed.join(", ")
        ));
    }
    if !valid_param(pname) {
        return Err(format!("bad parameter name {pname:?}"));
    }
    if earlier.iter().any(|p| p.name == pname) {
        return Err(format!("parameter {pname} declared twice"));
    }
    Ok(Param {
        name: pname.to_string(),
        kind,
        default: default.to_string(),
        help,
        allowed,
    })
}
