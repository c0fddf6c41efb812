//! Request parameters as Rails sees them: query string, JSON, form and multipart bodies all
//! become one nested object, with `a[b]=1` and `a[]=1` brackets expanded, and uploaded files
//! kept aside by their field path.

use crate::error::{AppError, AppResult};
use bytes::Bytes;
use serde_json::{Map, Value};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct UploadedFile {
    pub filename: String,
    pub content_type: String,
    pub bytes: Bytes,
}

#[derive(Debug, Clone, Default)]
pub struct Params {
    values: Map<String, Value>,
    /// Uploaded files by their bracket path joined with '.', e.g. `profile.avatar`.
    files: HashMap<String, UploadedFile>,
}

impl Params {
    pub fn from_object(values: Map<String, Value>) -> Self {
        Params {
            values,
            files: HashMap::new(),
        }
    }

    /// `a=1&b[c]=2&d[]=3` → `{"a":"1","b":{"c":"2"},"d":["3"]}`.
    pub fn from_urlencoded(input: &[u8]) -> Self {
        let mut params = Params::default();
        for (key, value) in form_urlencoded::parse(input) {
            insert_bracketed(&mut params.values, &key, Value::String(value.into_owned()));
        }
        params
    }

    pub(crate) fn insert_field(&mut self, field: &str, value: Value) {
        insert_bracketed(&mut self.values, field, value);
    }

    /// Files of an array field (`attachments[]`) are kept in order as `attachments.0`, ...
    pub(crate) fn insert_file(&mut self, field: &str, file: UploadedFile) {
        let mut path = bracket_path(field);
        if path.last().is_some_and(String::is_empty) {
            path.pop();
            let base = path.join(".");
            let index = self.files_of(&base).len();
            path.push(index.to_string());
        }
        self.files.insert(path.join("."), file);
    }

    /// Body parameters win over query parameters, as in Rails.
    pub fn merged_over(mut self, under: Params) -> Params {
        for (key, value) in under.values {
            self.values.entry(key).or_insert(value);
        }
        for (key, file) in under.files {
            self.files.entry(key).or_insert(file);
        }
        self
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    pub fn as_object(&self) -> &Map<String, Value> {
        &self.values
    }

    /// A string value; numbers and booleans are given as their text (form input is all text).
    pub fn string(&self, key: &str) -> Option<String> {
        match self.values.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A nullable string field: `Some(None)` when sent as null or "", absent when not sent.
    pub fn optional_string(&self, key: &str) -> Option<Option<String>> {
        match self.values.get(key)? {
            Value::Null => Some(None),
            _ => Some(self.string(key).filter(|s| !s.is_empty())),
        }
    }

    /// An integer given as a JSON number or numeric text. `Err` when present but not one.
    pub fn integer(&self, key: &str) -> AppResult<Option<i64>> {
        match self.values.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| not_integer(key)),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| not_integer(key)),
            Some(_) => Err(not_integer(key)),
        }
    }

    /// A boolean the way Rails casts it: `true`, `"true"`, `"1"`, `1`, ... are true.
    pub fn boolean(&self, key: &str) -> Option<bool> {
        match self.values.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => Some(n.as_f64() != Some(0.0)),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "" => None,
                "false" | "0" | "f" | "off" | "no" => Some(false),
                _ => Some(true),
            },
            _ => None,
        }
    }

    /// A list parameter (`labels[]=a&labels[]=b` or a JSON array): its strings, numbers as
    /// their text; a single non-empty string is a list of one.
    pub fn string_list(&self, key: &str) -> Vec<String> {
        match self.values.get(key) {
            Some(Value::Array(values)) => values
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            Some(Value::String(one)) if !one.is_empty() => vec![one.clone()],
            _ => Vec::new(),
        }
    }

    /// [`Params::string_list`] as integers; blank entries are skipped, anything else that is
    /// not an integer is refused (400).
    pub fn integer_list(&self, key: &str) -> AppResult<Vec<i64>> {
        self.string_list(key)
            .iter()
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
            .map(|value| value.parse().map_err(|_| not_integer(key)))
            .collect()
    }

    /// `page` as Kaminari reads it (Ruby's `to_i`): its leading digits; 1 when absent, not a
    /// number or below 1.
    pub fn page(&self) -> usize {
        self.string("page")
            .map(|page| {
                page.trim()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(1)
            .max(1)
    }

    /// A nested object parameter (`custom_attributes`, `features`, ...).
    pub fn object(&self, key: &str) -> AppResult<Option<Map<String, Value>>> {
        match self.values.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map.clone())),
            // Form clients send an empty string for an empty hash.
            Some(Value::String(s)) if s.is_empty() => Ok(Some(Map::new())),
            Some(_) => Err(AppError::BadRequest(format!("{key} must be an object"))),
        }
    }

    pub fn file(&self, path: &str) -> Option<&UploadedFile> {
        self.files.get(path)
    }

    /// The files of an array field (`attachments[]` → `files_of("attachments")`), in order.
    pub fn files_of(&self, path: &str) -> Vec<&UploadedFile> {
        (0..)
            .map_while(|i| self.files.get(&format!("{path}.{i}")))
            .collect()
    }

    /// Rails' parameter wrapping: the object under `wrapper` if the client sent one, else the
    /// top-level keys (all of them, or only `allowed` when given: models' columns).
    pub fn wrapped(&self, wrapper: &str, allowed: Option<&[&str]>) -> Params {
        let prefix = format!("{wrapper}.");
        let nested_values = match self.values.get(wrapper) {
            Some(Value::Object(inner)) => Some(inner.clone()),
            _ => None,
        };
        let has_nested_files = self.files.keys().any(|k| k.starts_with(&prefix));
        if nested_values.is_some() || has_nested_files {
            return Params {
                values: nested_values.unwrap_or_default(),
                files: self
                    .files
                    .iter()
                    .filter_map(|(k, f)| Some((k.strip_prefix(&prefix)?.to_owned(), f.clone())))
                    .collect(),
            };
        }
        let keep = |key: &str| allowed.is_none_or(|list| list.contains(&key));
        Params {
            values: self
                .values
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            files: self
                .files
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, f)| (k.clone(), f.clone()))
                .collect(),
        }
    }

    /// Like [`Params::wrapped`], but an empty result is Rails' "param is missing" 422.
    pub fn require(&self, wrapper: &str, allowed: Option<&[&str]>) -> AppResult<Params> {
        let params = self.wrapped(wrapper, allowed);
        if params.values.is_empty() && params.files.is_empty() {
            return Err(AppError::ParamMissing(wrapper.to_owned()));
        }
        Ok(params)
    }
}

fn not_integer(key: &str) -> AppError {
    AppError::BadRequest(format!("{key} must be an integer"))
}

/// `a[b][]` → `["a", "b", ""]`.
fn bracket_path(field: &str) -> Vec<String> {
    match field.find('[') {
        None => vec![field.to_owned()],
        Some(open) => {
            let mut path = vec![field[..open].to_owned()];
            for part in field[open..].split('[').skip(1) {
                path.push(part.trim_end_matches(']').to_owned());
            }
            path
        }
    }
}

/// Rack's limit on bracket nesting. Deeper fields are dropped: nesting them would recurse
/// once per level (a few kilobytes of brackets overflowed the stack).
const MAX_PARAM_DEPTH: usize = 100;

fn insert_bracketed(root: &mut Map<String, Value>, field: &str, value: Value) {
    let path = bracket_path(field);
    if path.len() <= MAX_PARAM_DEPTH {
        insert_path(root, &path, value);
    }
}

fn insert_path(map: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((head, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.insert(head.clone(), value);
        return;
    }
    if rest[0].is_empty() {
        // `a[]=v`: append to an array (nested objects in arrays are not needed by any route).
        let slot = map
            .entry(head.clone())
            .or_insert_with(|| Value::Array(vec![]));
        if !slot.is_array() {
            *slot = Value::Array(vec![]);
        }
        if let Value::Array(items) = slot {
            items.push(value);
        }
        return;
    }
    let slot = map
        .entry(head.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(inner) = slot {
        insert_path(inner, rest, value);
    }
}

impl From<&UploadedFile> for crate::domain::messages::Upload {
    fn from(file: &UploadedFile) -> Self {
        crate::domain::messages::Upload {
            file_name: file.filename.clone(),
            content_type: file.content_type.clone(),
            bytes: file.bytes.clone(),
        }
    }
}

impl From<&UploadedFile> for crate::domain::avatars::AvatarUpload {
    fn from(file: &UploadedFile) -> Self {
        crate::domain::avatars::AvatarUpload {
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            bytes: file.bytes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn brackets_nest_like_rails() {
        let p = Params::from_urlencoded(b"name=A+b&team[name]=x&labels[]=a&labels[]=b&f[a][b]=1");
        assert_eq!(
            Value::Object(p.values.clone()),
            json!({"name":"A b","team":{"name":"x"},"labels":["a","b"],"f":{"a":{"b":"1"}}})
        );
    }

    #[test]
    fn fields_nested_beyond_the_limit_are_dropped() {
        let deep = |levels: usize| format!("a{}=x", "[b]".repeat(levels));
        let kept = Params::from_urlencoded(deep(MAX_PARAM_DEPTH - 1).as_bytes());
        assert!(kept.has("a"));
        let dropped = Params::from_urlencoded(format!("{}&c=1", deep(10_000)).as_bytes());
        assert_eq!(Value::Object(dropped.values), json!({"c": "1"}));
    }

    #[test]
    fn wrapping_accepts_both_forms() {
        let flat = Params::from_object(json!({"name":"x","other":1}).as_object().unwrap().clone());
        let nested = Params::from_object(json!({"team":{"name":"x"}}).as_object().unwrap().clone());
        let allowed = Some(&["name"][..]);
        assert_eq!(
            flat.wrapped("team", allowed).string("name").as_deref(),
            Some("x")
        );
        assert!(!flat.wrapped("team", allowed).has("other"));
        assert_eq!(
            nested.wrapped("team", allowed).string("name").as_deref(),
            Some("x")
        );
        let empty = Params::default();
        assert_eq!(
            empty.require("team", None).unwrap_err(),
            AppError::ParamMissing("team".into())
        );
    }

    #[test]
    fn scalar_casts() {
        let p = Params::from_object(
            json!({"a":"12","b":7,"c":"x","t":"true","f":"0","n":null})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(p.integer("a").unwrap(), Some(12));
        assert_eq!(p.integer("b").unwrap(), Some(7));
        assert!(p.integer("c").is_err());
        assert_eq!(p.integer("n").unwrap(), None);
        assert_eq!(p.boolean("t"), Some(true));
        assert_eq!(p.boolean("f"), Some(false));
        assert_eq!(p.optional_string("n"), Some(None));
        assert_eq!(p.optional_string("zz"), None);
    }

    #[test]
    fn integer_lists_and_pages() {
        let p = Params::from_urlencoded(b"ids[]=1&ids[]=&ids[]=+3&one=7&bad[]=x&page=2abc");
        assert_eq!(p.integer_list("ids").unwrap(), [1, 3]);
        assert_eq!(p.integer_list("one").unwrap(), [7]);
        assert_eq!(p.integer_list("absent").unwrap(), Vec::<i64>::new());
        assert!(p.integer_list("bad").is_err());
        assert_eq!(p.page(), 2);
        for (raw, page) in [("", 1), ("abc", 1), ("0", 1), ("-2", 1), (" 4", 4)] {
            let query = format!("page={}", raw.replace(' ', "+"));
            assert_eq!(
                Params::from_urlencoded(query.as_bytes()).page(),
                page,
                "{raw:?}"
            );
        }
        assert_eq!(Params::default().page(), 1);
    }
}
