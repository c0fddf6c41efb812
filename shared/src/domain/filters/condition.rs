//! One parsed condition and its evaluation on a record. The semantics are those of the SQL
//! Chatwoot generates: a comparison with a missing (NULL) value is false, whichever operator.

use super::attributes::Kind;
use super::CHANGED_ATTRIBUTES;
use crate::model::conversation::{MessageType, Status, PRIORITIES};
use serde_json::{Map, Value};
use std::borrow::Cow;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime};

/// Where the attribute's value lives in the record.
#[derive(Debug, Clone)]
pub(super) enum Location {
    /// `record[key]`.
    Standard(&'static str),
    /// `record[object][key]`: a custom attribute in the record's `custom_attributes` (or, for
    /// automation rules, the contact's, `contact_custom_attributes`).
    Custom { object: &'static str, key: String },
    /// `record["changed_attributes"][key]`: the attribute's change in the event, as
    /// `{"previous_value": …, "current_value": …}`.
    Changed(String),
}

impl Location {
    /// The value, `None` when missing or null.
    fn lookup<'r>(&self, record: &'r Map<String, Value>) -> Option<&'r Value> {
        let within = |object: &str, key: &str| {
            record
                .get(object)
                .and_then(Value::as_object)
                .and_then(|attributes| attributes.get(key))
        };
        let value = match self {
            Location::Standard(key) => record.get(*key),
            Location::Custom { object, key } => within(object, key),
            Location::Changed(key) => within(CHANGED_ATTRIBUTES, key),
        };
        value.filter(|v| !v.is_null())
    }
}

/// A value read as its attribute's kind.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub(super) enum Scalar {
    Text(String),
    Number(f64),
    Date(Date),
    Boolean(bool),
}

#[derive(Debug, Clone)]
pub(super) enum Test {
    /// SQL `IN` / `NOT IN` over `operands` (`None` is a NULL operand, which `NOT IN` never
    /// passes). `or_missing`: a record without the value matches too (custom `not_equal_to`).
    OneOf {
        operands: Vec<Option<Scalar>>,
        negated: bool,
        or_missing: bool,
    },
    /// `ILIKE ANY` / `NOT ILIKE ALL`: the value's text contains one / none of the lower-cased
    /// `needles`.
    Contains { needles: Vec<String>, negated: bool },
    /// `IS NOT NULL` (true) / `IS NULL` (false); for labels, has some / has none.
    Present(bool),
    /// `>` (greater) or `<` against `bound`.
    Compare { greater: bool, bound: Bound },
    /// The record has one (negated: none) of these lower-cased label names.
    AnyLabel { labels: Vec<String>, negated: bool },
    /// SQL `LIKE 'prefix%'` (automation rules): the value's text, lower-cased, starts with
    /// the lower-cased `prefix`.
    StartsWith { prefix: String },
    /// The attribute changed in the event from one of `from` to one of `to` (values compared
    /// as text, so `5` and `"5"` are the same id).
    Changed {
        from: Vec<Option<String>>,
        to: Vec<Option<String>>,
    },
}

#[derive(Debug, Clone)]
pub(super) enum Bound {
    Fixed(Scalar),
    /// `today` minus this many days, known only when evaluating.
    DaysBeforeToday(i64),
}

#[derive(Debug, Clone)]
pub(super) struct Condition {
    pub location: Location,
    pub kind: Kind,
    pub test: Test,
}

impl Condition {
    pub(super) fn matches(&self, record: &Map<String, Value>, today: Date) -> bool {
        let raw = self.location.lookup(record);
        match &self.test {
            Test::Present(wanted) => self.is_present(raw) == *wanted,
            Test::AnyLabel { labels, negated } => {
                let mut names = label_names(raw);
                names.any(|name| labels.contains(&name)) != *negated
            }
            Test::Contains { needles, negated } => raw.and_then(text_of).is_some_and(|text| {
                let text = text.to_lowercase();
                needles.iter().any(|n| text.contains(n.as_str())) != *negated
            }),
            Test::StartsWith { prefix } => raw
                .and_then(text_of)
                .is_some_and(|text| text.to_lowercase().starts_with(prefix.as_str())),
            Test::Changed { from, to } => raw.is_some_and(|change| {
                let side = |name: &str| change.get(name).and_then(text_of).map(Cow::into_owned);
                from.contains(&side("previous_value")) && to.contains(&side("current_value"))
            }),
            Test::OneOf {
                operands,
                negated,
                or_missing,
            } => match raw.and_then(|v| self.kind.read(v)) {
                Some(value) if *negated => operands
                    .iter()
                    .all(|o| o.as_ref().is_some_and(|o| *o != value)),
                Some(value) => operands.iter().any(|o| o.as_ref() == Some(&value)),
                None => *or_missing && raw.is_none(),
            },
            Test::Compare { greater, bound } => {
                let bound = match bound {
                    Bound::Fixed(bound) => Some(bound.clone()),
                    Bound::DaysBeforeToday(days) => {
                        today.checked_sub(Duration::days(*days)).map(Scalar::Date)
                    }
                };
                match (raw.and_then(|v| self.kind.read(v)), bound) {
                    (Some(value), Some(bound)) if *greater => value > bound,
                    (Some(value), Some(bound)) => value < bound,
                    _ => false,
                }
            }
        }
    }

    fn is_present(&self, raw: Option<&Value>) -> bool {
        match self.kind {
            Kind::Labels => label_names(raw).next().is_some(),
            _ => raw.is_some(),
        }
    }
}

impl Kind {
    /// Reads a record's value (or a filter's, see [`Kind::operand`]); `None` when it cannot be
    /// read as this kind (the database would refuse the cast).
    fn read(self, value: &Value) -> Option<Scalar> {
        match self {
            Kind::Text | Kind::Status | Kind::Priority => {
                text_of(value).map(|t| Scalar::Text(t.into_owned()))
            }
            Kind::FoldedText | Kind::Phone => {
                text_of(value).map(|t| Scalar::Text(t.to_lowercase()))
            }
            Kind::Number => match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
                _ => None,
            }
            .map(Scalar::Number),
            Kind::Date => match value {
                Value::Number(n) => n
                    .as_i64()
                    .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok())
                    .map(OffsetDateTime::date),
                Value::String(s) => parse_date(s),
                _ => None,
            }
            .map(Scalar::Date),
            Kind::Boolean => match value {
                Value::Bool(b) => Some(*b),
                other => text_of(other).and_then(|t| parse_boolean(&t)),
            }
            .map(Scalar::Boolean),
            Kind::Labels => None,
            Kind::MessageType => value.as_i64().map(|code| Scalar::Number(code as f64)),
        }
    }

    /// Reads one of a filter's `values`: `Ok(None)` is SQL NULL, `Err` a value the attribute
    /// cannot be compared with.
    pub(super) fn operand(self, value: &Value) -> Result<Option<Scalar>, ()> {
        if value.is_null() {
            return Ok(None);
        }
        match self {
            Kind::Status => Ok(value
                .as_str()
                .filter(|name| Status::parse(name).is_some())
                .map(|name| Scalar::Text(name.to_owned()))),
            Kind::Priority => Ok(value
                .as_str()
                .filter(|name| PRIORITIES.contains(name))
                .map(|name| Scalar::Text(name.to_owned()))),
            Kind::Phone => Ok(text_of(value)
                .map(|t| Scalar::Text(format!("+{}", t.replace('+', "")).to_lowercase()))),
            // An unknown type name is SQL NULL, as upstream's enum lookup gives.
            Kind::MessageType => Ok(value
                .as_str()
                .and_then(MessageType::parse)
                .map(|kind| Scalar::Number(kind as i64 as f64))),
            _ => self.read(value).map(Some).ok_or(()),
        }
    }
}

/// The value as text, as Postgres' `->>` gives it; `None` for null.
pub(super) fn text_of(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(Cow::Borrowed(s)),
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// The record's label names, lower-cased (label titles are lower-case; a filter's names are
/// lower-cased too, so the comparison ignores case).
fn label_names(raw: Option<&Value>) -> impl Iterator<Item = String> + '_ {
    raw.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|label| label.as_str().map(|l| l.trim().to_lowercase()))
}

/// A date from `YYYY-MM-DD`, or the date part of an ISO 8601 date-time (as Postgres' `::date`
/// reads it, ignoring the time and offset).
pub(super) fn parse_date(text: &str) -> Option<Date> {
    let (day, rest) = text.trim().split_at_checked(10)?;
    if !(rest.is_empty() || rest.starts_with(['T', 't', ' '])) {
        return None;
    }
    Date::parse(day, format_description!("[year]-[month]-[day]")).ok()
}

/// Postgres' boolean literals.
fn parse_boolean(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::date;

    #[test]
    fn dates_read_from_epochs_dates_and_date_times() {
        for (value, expected) in [
            (json!(0), Some(date!(1970 - 01 - 01))),
            (json!(1_718_409_599), Some(date!(2024 - 06 - 14))),
            (json!(1_718_409_600), Some(date!(2024 - 06 - 15))),
            (json!("2024-06-15"), Some(date!(2024 - 06 - 15))),
            (json!(" 2024-06-15 "), Some(date!(2024 - 06 - 15))),
            (
                json!("2024-06-15T23:30:00-05:00"),
                Some(date!(2024 - 06 - 15)),
            ),
            (json!("2024-06-15 10:00"), Some(date!(2024 - 06 - 15))),
            (json!("2024-06-15x"), None),
            (json!("2024-02-30"), None),
            (json!("15/06/2024"), None),
            (json!("2024"), None),
            (json!(true), None),
        ] {
            assert_eq!(
                Kind::Date.read(&value),
                expected.map(Scalar::Date),
                "{value}"
            );
        }
    }

    #[test]
    fn numbers_booleans_and_text_read_like_postgres_casts() {
        for (kind, value, expected) in [
            (Kind::Number, json!(5), Some(Scalar::Number(5.0))),
            (Kind::Number, json!(" 2.5 "), Some(Scalar::Number(2.5))),
            (Kind::Number, json!("abc"), None),
            (Kind::Number, json!("NaN"), None),
            (Kind::Number, json!(true), None),
            (Kind::Boolean, json!(false), Some(Scalar::Boolean(false))),
            (Kind::Boolean, json!("TRUE"), Some(Scalar::Boolean(true))),
            (Kind::Boolean, json!(0), Some(Scalar::Boolean(false))),
            (Kind::Boolean, json!("maybe"), None),
            (Kind::Text, json!("Fr"), Some(Scalar::Text("Fr".into()))),
            (Kind::Text, json!(12), Some(Scalar::Text("12".into()))),
            (
                Kind::FoldedText,
                json!("Fr"),
                Some(Scalar::Text("fr".into())),
            ),
            (Kind::Labels, json!(["a"]), None),
        ] {
            assert_eq!(kind.read(&value), expected, "{kind:?} {value}");
        }
    }

    #[test]
    fn operands_map_names_and_phone_numbers() {
        let text = |t: &str| Ok(Some(Scalar::Text(t.into())));
        for (kind, value, expected) in [
            (Kind::Status, json!("open"), text("open")),
            (Kind::Status, json!("Open"), Ok(None)),
            (Kind::Status, json!(1), Ok(None)),
            (Kind::Priority, json!("urgent"), text("urgent")),
            (Kind::Priority, json!("critical"), Ok(None)),
            (Kind::Phone, json!("+15550100"), text("+15550100")),
            (Kind::Phone, json!("15550100"), text("+15550100")),
            (Kind::Phone, json!(15550100), text("+15550100")),
            (Kind::Number, json!(null), Ok(None)),
            (Kind::Number, json!("7"), Ok(Some(Scalar::Number(7.0)))),
            (Kind::Number, json!("seven"), Err(())),
            (Kind::Date, json!("yesterday"), Err(())),
            (Kind::Boolean, json!("nope"), Err(())),
        ] {
            assert_eq!(kind.operand(&value), expected, "{kind:?} {value}");
        }
    }
}
