//! The Chatwoot filter language (`POST /conversations/filter`, `POST /contacts/filter`,
//! automation rule conditions): parsing and validating a payload of conditions into a
//! [`Filter`], and evaluating it on one record at a time. Pure: the caller loads the records
//! and the account's custom attribute definitions.
//!
//! Upstream turns the conditions into one SQL `WHERE` by plain concatenation, each condition
//! followed by its own `query_operator`; so `AND` binds tighter than `OR`, and a comparison with
//! a missing value is false (SQL NULL) unless the operator asks about presence.

mod attributes;
mod condition;

use crate::error::{AppError, AppResult};
use crate::model::conversation::Status;
use attributes::{Kind, Operator};
use condition::{text_of, Bound, Condition, Location, Scalar, Test};
use serde_json::{Map, Value};
use time::Date;

/// Which records a filter selects, and so which standard attributes and custom attribute
/// definitions (`conversation_attribute` / `contact_attribute`) it may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterModel {
    Conversation,
    Contact,
    /// An automation rule's conditions, over a conversation with its contact and the event's
    /// message and changes (parsed by [`Filter::parse_automation`]).
    Automation,
}

/// The standard attribute keys of `model`, in Chatwoot's order.
pub fn standard_keys(model: FilterModel) -> impl Iterator<Item = &'static str> {
    attributes::standard_attributes(model).iter().map(|a| a.key)
}

/// The automation record's object of the contact's custom attributes.
pub const CONTACT_CUSTOM_ATTRIBUTES: &str = "contact_custom_attributes";

/// The automation record's object of the event's attribute changes.
pub const CHANGED_ATTRIBUTES: &str = "changed_attributes";

/// A custom attribute definition the filter may name (from the account's definitions of the
/// filter's model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomAttributeKey<'a> {
    pub key: &'a str,
    /// `text`, `number`, `currency`, `percent`, `link`, `date`, `list` or `checkbox`.
    pub display_type: &'a str,
}

/// The custom attribute definitions of one model (`conversation_attribute` or
/// `contact_attribute`) and the record's object holding their values.
struct CustomCatalog<'k> {
    model: &'static str,
    object: &'static str,
    keys: &'k [CustomAttributeKey<'k>],
}

/// A parsed filter: alternatives (joined by `OR`), each a list of conditions that must all hold.
#[derive(Debug, Clone)]
pub struct Filter {
    any_of: Vec<Vec<Condition>>,
}

/// How a condition is joined to the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Connector {
    And,
    Or,
}

impl Filter {
    /// Parses and validates `payload`, the JSON array of conditions
    /// `{attribute_key, filter_operator, values, query_operator, custom_attribute_type?}`
    /// (`custom_attribute_type` is ignored: `custom_keys` are the model's definitions).
    ///
    /// Errors are 422s with Chatwoot's texts, in its order: a bad `query_operator` anywhere
    /// first, then each condition in turn (operator not allowed for the attribute, no values,
    /// unknown attribute key, values the attribute cannot be compared with). Upstream sends
    /// payloads with a connector missing between two conditions, or left on the last one, to
    /// the database, which fails (500); here they are the query operator's 422. An empty
    /// payload selects everything.
    pub fn parse(
        model: FilterModel,
        payload: &Value,
        custom_keys: &[CustomAttributeKey],
    ) -> AppResult<Filter> {
        let catalog = CustomCatalog {
            model: match model {
                FilterModel::Contact => "contact_attribute",
                _ => "conversation_attribute",
            },
            object: "custom_attributes",
            keys: custom_keys,
        };
        Filter::parse_with(model, payload, &[catalog])
    }

    /// Parses an automation rule's conditions as [`Filter::parse`] does, with the automation
    /// keys and operators: `starts_with` is a prefix test, and `attribute_changed` (any
    /// attribute, `values: {from: […], to: […]}`) tests the event's change of the attribute.
    /// A custom attribute is looked up among the definitions of the condition's
    /// `custom_attribute_type` (`conversation_attribute` / `contact_attribute`), or, without
    /// one, the conversation's first and then the contact's.
    pub fn parse_automation(
        conditions: &Value,
        conversation_keys: &[CustomAttributeKey],
        contact_keys: &[CustomAttributeKey],
    ) -> AppResult<Filter> {
        let catalogs = [
            CustomCatalog {
                model: "conversation_attribute",
                object: "custom_attributes",
                keys: conversation_keys,
            },
            CustomCatalog {
                model: "contact_attribute",
                object: CONTACT_CUSTOM_ATTRIBUTES,
                keys: contact_keys,
            },
        ];
        Filter::parse_with(FilterModel::Automation, conditions, &catalogs)
    }

    fn parse_with(
        model: FilterModel,
        payload: &Value,
        catalogs: &[CustomCatalog],
    ) -> AppResult<Filter> {
        let items = payload.as_array().ok_or_else(|| invalid_value("payload"))?;
        let connectors = items.iter().map(connector).collect::<AppResult<Vec<_>>>()?;
        let conditions = items
            .iter()
            .map(|item| parse_condition(model, item, catalogs))
            .collect::<AppResult<Vec<_>>>()?;
        let last = connectors.len().saturating_sub(1);
        if connectors
            .iter()
            .enumerate()
            .any(|(index, connector)| connector.is_some() != (index != last))
        {
            return Err(invalid_query_operator());
        }
        let mut any_of = vec![Vec::new()];
        for (condition, connector) in conditions.into_iter().zip(connectors) {
            any_of.last_mut().expect("never empty").push(condition);
            if connector == Some(Connector::Or) {
                any_of.push(Vec::new());
            }
        }
        Ok(Filter { any_of })
    }

    /// Whether `record` passes the filter. `record` is a flat object of the model's standard
    /// attributes by key (additional attributes such as `referer` or `city` lifted to the top;
    /// dates as epoch seconds; `labels` an array of names; `message_type` its code) plus
    /// `custom_attributes`, an object; for automation rules also
    /// [`CONTACT_CUSTOM_ATTRIBUTES`] and [`CHANGED_ATTRIBUTES`] (attribute →
    /// `{previous_value, current_value}`). `today` is the current UTC date, for `days_before`.
    pub fn matches(&self, record: &Map<String, Value>, today: Date) -> bool {
        self.any_of.iter().any(|all_of| {
            all_of
                .iter()
                .all(|condition| condition.matches(record, today))
        })
    }
}

/// A condition's `query_operator`: none when absent, null or empty; `AND`/`OR` in any case.
fn connector(item: &Value) -> AppResult<Option<Connector>> {
    match item.get("query_operator") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("and") => Ok(Some(Connector::And)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("or") => Ok(Some(Connector::Or)),
        Some(_) => Err(invalid_query_operator()),
    }
}

/// The attribute a condition names.
struct Attribute {
    location: Location,
    kind: Kind,
    operators: &'static [Operator],
}

impl Attribute {
    /// Automation rules may ask whether any attribute changed.
    fn allows(&self, model: FilterModel, operator: Operator) -> bool {
        self.operators.contains(&operator)
            || (model == FilterModel::Automation && operator == Operator::AttributeChanged)
    }
}

/// The attribute `key` names: a standard one, else a custom attribute of the first catalog
/// (of the model `custom_model`, when given) that defines it.
fn resolve(
    model: FilterModel,
    key: &str,
    custom_model: Option<&str>,
    catalogs: &[CustomCatalog],
) -> Option<Attribute> {
    if let Some(standard) = attributes::standard_attributes(model)
        .iter()
        .find(|a| a.key == key)
    {
        return Some(Attribute {
            location: Location::Standard(standard.key),
            kind: standard.kind,
            operators: standard.operators,
        });
    }
    catalogs
        .iter()
        .filter(|catalog| custom_model.is_none_or(|m| m == catalog.model))
        .find_map(|catalog| {
            let custom = catalog.keys.iter().find(|c| c.key == key)?;
            let (kind, operators) = attributes::custom_attribute(custom.display_type);
            Some(Attribute {
                location: Location::Custom {
                    object: catalog.object,
                    key: key.to_owned(),
                },
                kind,
                operators,
            })
        })
}

fn parse_condition(
    model: FilterModel,
    item: &Value,
    catalogs: &[CustomCatalog],
) -> AppResult<Condition> {
    let item = item.as_object().ok_or_else(|| invalid_value("payload"))?;
    let key = item
        .get("attribute_key")
        .and_then(text_of)
        .unwrap_or_default();
    let operator = item
        .get("filter_operator")
        .and_then(Value::as_str)
        .and_then(Operator::parse);
    // Only automation rules choose the definitions' model per condition.
    let custom_model = item
        .get("custom_attribute_type")
        .and_then(Value::as_str)
        .filter(|m| model == FilterModel::Automation && !m.trim().is_empty());
    let attribute = resolve(model, &key, custom_model, catalogs);
    if let Some(attribute) = &attribute {
        if !operator.is_some_and(|o| attribute.allows(model, o)) {
            return Err(invalid_operator(&key, attribute.operators));
        }
    }
    if let (Some(attribute), Some(Operator::AttributeChanged)) = (&attribute, operator) {
        let (from, to) = changes(item.get("values")).ok_or_else(|| invalid_value(&key))?;
        return Ok(Condition {
            location: Location::Changed(key.into_owned()),
            kind: attribute.kind,
            test: Test::Changed { from, to },
        });
    }
    let values = if operator.is_some_and(Operator::is_presence) {
        Vec::new()
    } else {
        values(item.get("values"))
            .filter(|values| !values.is_empty())
            .ok_or_else(|| invalid_value(&key))?
    };
    let (Some(attribute), Some(operator)) = (attribute, operator) else {
        return Err(invalid_attribute(model, &key));
    };
    let custom = matches!(attribute.location, Location::Custom { .. });
    let test = build_test(model, attribute.kind, custom, operator, &values)
        .map_err(|()| invalid_value(&key))?;
    Ok(Condition {
        location: attribute.location,
        kind: attribute.kind,
        test,
    })
}

/// The condition's `values` as a list: empty when blank (in Rails' sense), one value when a
/// bare scalar; `None` when they hold an object or a nested list.
fn values(raw: Option<&Value>) -> Option<Vec<&Value>> {
    let values: Vec<&Value> = match raw {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Vec::new(),
        Some(Value::String(s)) if s.trim().is_empty() => Vec::new(),
        Some(Value::Object(o)) if o.is_empty() => Vec::new(),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(scalar) => vec![scalar],
    };
    values
        .iter()
        .all(|v| !v.is_object() && !v.is_array())
        .then_some(values)
}

/// `attribute_changed`'s `values`, `{from: […], to: […]}`, each side as text (null as `None`).
type Changes = (Vec<Option<String>>, Vec<Option<String>>);

fn changes(raw: Option<&Value>) -> Option<Changes> {
    let side = |name: &str| -> Option<Vec<Option<String>>> {
        let list = raw?.get(name)?.as_array()?;
        Some(
            list.iter()
                .map(|v| text_of(v).map(std::borrow::Cow::into_owned))
                .collect(),
        )
    };
    Some((side("from")?, side("to")?))
}

/// The test for `operator` (allowed for the attribute) over `values` (non-empty unless a
/// presence test); `Err` when a value cannot be compared with the attribute.
fn build_test(
    model: FilterModel,
    kind: Kind,
    custom: bool,
    operator: Operator,
    values: &[&Value],
) -> Result<Test, ()> {
    let negated = matches!(
        operator,
        Operator::NotEqualTo | Operator::DoesNotContain | Operator::IsNotPresent
    );
    Ok(match operator {
        Operator::IsPresent | Operator::IsNotPresent => Test::Present(!negated),
        Operator::EqualTo | Operator::NotEqualTo if kind == Kind::Labels => Test::AnyLabel {
            labels: values
                .iter()
                .filter_map(|v| text_of(v))
                .map(|label| label.trim().to_lowercase())
                .collect(),
            negated,
        },
        Operator::StartsWith if model == FilterModel::Automation => Test::StartsWith {
            prefix: text_of(values[0]).ok_or(())?.trim().to_lowercase(),
        },
        // A contact's phone `starts_with` is an equality upstream.
        Operator::EqualTo | Operator::NotEqualTo | Operator::StartsWith => Test::OneOf {
            operands: equality_operands(model, kind, custom, values)?,
            negated,
            or_missing: negated && custom,
        },
        Operator::Contains | Operator::DoesNotContain => Test::Contains {
            needles: values
                .iter()
                .map(|v| text_of(v).map(|t| t.trim().to_lowercase()).ok_or(()))
                .collect::<Result<_, _>>()?,
            negated,
        },
        Operator::IsGreaterThan | Operator::IsLessThan => Test::Compare {
            greater: operator == Operator::IsGreaterThan,
            bound: Bound::Fixed(kind.operand(values[0])?.ok_or(())?),
        },
        Operator::DaysBefore => Test::Compare {
            greater: false,
            bound: Bound::DaysBeforeToday(days(values[0]).ok_or(())?),
        },
        // Its values are no list: `parse_condition` builds its test.
        Operator::AttributeChanged => return Err(()),
    })
}

/// The operands of `equal_to` / `not_equal_to`. Contacts compare with the first value only;
/// conversations with all of them, except a custom attribute given a text first value (upstream
/// then keeps only that one). `all` among a status's values means every status.
fn equality_operands(
    model: FilterModel,
    kind: Kind,
    custom: bool,
    values: &[&Value],
) -> Result<Vec<Option<Scalar>>, ()> {
    if kind == Kind::Status && values.iter().any(|v| v.as_str() == Some("all")) {
        return Status::ALL
            .iter()
            .map(|status| kind.operand(&Value::from(status.as_str())))
            .collect();
    }
    let first_only = match model {
        FilterModel::Contact => true,
        FilterModel::Conversation | FilterModel::Automation => custom && values[0].is_string(),
    };
    let selected = if first_only { &values[..1] } else { values };
    selected.iter().map(|v| kind.operand(v)).collect()
}

/// `days_before`'s day count: a whole number from 1 to 998, as upstream accepts.
fn days(value: &Value) -> Option<i64> {
    let days = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    (1..=998).contains(&days).then_some(days)
}

fn unprocessable(message: String) -> AppError {
    AppError::Unprocessable(Value::String(message))
}

fn invalid_attribute(model: FilterModel, key: &str) -> AppError {
    let keys: Vec<&str> = attributes::standard_attributes(model)
        .iter()
        .map(|a| a.key)
        .collect();
    unprocessable(format!(
        "Invalid attribute key - [{key}]. The key should be one of [{}] or a custom attribute defined in the account.",
        keys.join(",")
    ))
}

fn invalid_operator(key: &str, allowed: &[Operator]) -> AppError {
    let allowed: Vec<&str> = allowed.iter().map(|o| o.as_str()).collect();
    unprocessable(format!(
        "Invalid operator. The allowed operators for {key} are [{}].",
        allowed.join(",")
    ))
}

fn invalid_value(key: &str) -> AppError {
    unprocessable(format!(
        "Invalid value. The values provided for {key} are invalid"
    ))
}

fn invalid_query_operator() -> AppError {
    unprocessable(r#"Query operator must be either "AND" or "OR"."#.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::date;

    const TODAY: Date = date!(2024 - 06 - 15);

    const CONVERSATION_KEYS: &[CustomAttributeKey] = &[
        CustomAttributeKey {
            key: "plan",
            display_type: "list",
        },
        CustomAttributeKey {
            key: "seats",
            display_type: "number",
        },
        CustomAttributeKey {
            key: "renewal",
            display_type: "date",
        },
        CustomAttributeKey {
            key: "trial",
            display_type: "checkbox",
        },
    ];

    const CONTACT_KEYS: &[CustomAttributeKey] = &[
        CustomAttributeKey {
            key: "tier",
            display_type: "text",
        },
        CustomAttributeKey {
            key: "score",
            display_type: "percent",
        },
    ];

    /// Epoch seconds of noon UTC on `day`.
    fn at_noon(day: Date) -> i64 {
        day.midnight().assume_utc().unix_timestamp() + 12 * 3600
    }

    fn conversations() -> Vec<Value> {
        vec![
            json!({"id": 1, "status": "open", "assignee_id": 5, "inbox_id": 1, "team_id": null,
                "priority": "high", "display_id": 12, "campaign_id": null, "labels": ["billing", "vip"],
                "browser_language": "en", "conversation_language": null,
                "referer": "https://shop.example.com/cart", "mail_subject": "Refund please",
                "created_at": at_noon(date!(2024 - 06 - 01)), "last_activity_at": at_noon(date!(2024 - 06 - 10)),
                "custom_attributes": {"plan": "Gold", "seats": 10, "renewal": "2024-07-01", "trial": true}}),
            json!({"id": 2, "status": "resolved", "assignee_id": null, "inbox_id": 2, "team_id": 3,
                "priority": null, "display_id": 123, "campaign_id": 7, "labels": [],
                "browser_language": "fr", "referer": null, "mail_subject": null,
                "created_at": at_noon(date!(2024 - 05 - 01)), "last_activity_at": at_noon(date!(2024 - 06 - 14)),
                "custom_attributes": {"plan": "silver", "seats": "25", "trial": false}}),
            json!({"id": 3, "status": "pending", "assignee_id": 6, "inbox_id": 1, "team_id": 3,
                "priority": "low", "display_id": 7, "labels": ["Billing"], "browser_language": "en-US",
                "created_at": at_noon(date!(2024 - 06 - 14)), "last_activity_at": at_noon(date!(2024 - 06 - 15)),
                "custom_attributes": {}}),
        ]
    }

    fn contacts() -> Vec<Value> {
        vec![
            json!({"id": 1, "name": "Alice Smith", "email": "Alice@Example.com", "phone_number": "+15550100",
                "identifier": "ID-1", "country_code": "US", "city": "Berlin", "company": "Acme",
                "labels": ["vip"], "created_at": at_noon(date!(2024 - 06 - 01)), "last_activity_at": null,
                "blocked": false, "custom_attributes": {"tier": "Gold", "score": 3}}),
            json!({"id": 2, "name": "Bob", "email": null, "phone_number": "+447700900", "identifier": null,
                "country_code": "de", "city": null, "company": "acme labs", "labels": [],
                "created_at": at_noon(date!(2024 - 01 - 01)), "last_activity_at": at_noon(date!(2024 - 06 - 14)),
                "blocked": true, "custom_attributes": {}}),
        ]
    }

    fn condition(key: &str, operator: &str, values: Value) -> Value {
        json!({"attribute_key": key, "filter_operator": operator, "values": values, "query_operator": null})
    }

    fn error_message(result: AppResult<Filter>) -> String {
        match result {
            Err(AppError::Unprocessable(Value::String(message))) => message,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    /// The ids of the records `payload` selects.
    fn selected(model: FilterModel, payload: &Value) -> Vec<i64> {
        let (records, keys) = match model {
            FilterModel::Contact => (contacts(), CONTACT_KEYS),
            _ => (conversations(), CONVERSATION_KEYS),
        };
        let filter = Filter::parse(model, payload, keys)
            .unwrap_or_else(|e| panic!("{payload} does not parse: {e:?}"));
        records
            .iter()
            .map(|r| r.as_object().unwrap())
            .filter(|r| filter.matches(r, TODAY))
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    }

    #[test]
    fn conversation_operators_on_each_attribute_family() {
        for (key, operator, values, expected) in [
            ("status", "equal_to", json!(["open"]), vec![1]),
            ("status", "equal_to", json!(["open", "pending"]), vec![1, 3]),
            ("status", "not_equal_to", json!(["open"]), vec![2, 3]),
            ("status", "equal_to", json!(["all"]), vec![1, 2, 3]),
            ("status", "not_equal_to", json!(["all"]), vec![]),
            ("status", "equal_to", json!(["Open", "bogus"]), vec![]),
            // An unknown name is NULL, and `NOT IN (…, NULL)` holds for no row.
            (
                "status",
                "not_equal_to",
                json!(["resolved", "bogus"]),
                vec![],
            ),
            ("priority", "equal_to", json!(["high"]), vec![1]),
            ("priority", "not_equal_to", json!(["high"]), vec![3]),
            ("assignee_id", "equal_to", json!([5]), vec![1]),
            ("assignee_id", "equal_to", json!(["6"]), vec![3]),
            ("assignee_id", "not_equal_to", json!([5]), vec![3]),
            ("assignee_id", "is_present", json!([]), vec![1, 3]),
            ("assignee_id", "is_not_present", json!(null), vec![2]),
            ("inbox_id", "equal_to", json!([1, 2]), vec![1, 2, 3]),
            ("team_id", "is_not_present", json!([]), vec![1]),
            ("campaign_id", "is_present", json!([]), vec![2]),
            ("display_id", "equal_to", json!([12]), vec![1]),
            ("display_id", "contains", json!(["12"]), vec![1, 2]),
            ("display_id", "contains", json!(["3", 7]), vec![2, 3]),
            ("display_id", "does_not_contain", json!(["12"]), vec![3]),
            ("labels", "equal_to", json!(["billing"]), vec![1, 3]),
            ("labels", "equal_to", json!(["vip", "none"]), vec![1]),
            ("labels", "not_equal_to", json!(["vip"]), vec![2, 3]),
            ("labels", "is_present", json!([]), vec![1, 3]),
            ("labels", "is_not_present", json!([]), vec![2]),
            ("browser_language", "equal_to", json!(["en"]), vec![1]),
            ("browser_language", "equal_to", json!(["EN"]), vec![]),
            (
                "browser_language",
                "not_equal_to",
                json!(["en"]),
                vec![2, 3],
            ),
            (
                "conversation_language",
                "not_equal_to",
                json!(["en"]),
                vec![],
            ),
            ("referer", "contains", json!(["SHOP"]), vec![1]),
            ("referer", "does_not_contain", json!(["nothing"]), vec![1]),
            (
                "referer",
                "equal_to",
                json!(["https://shop.example.com/cart"]),
                vec![1],
            ),
            ("mail_subject", "contains", json!([" refund "]), vec![1]),
            (
                "mail_subject",
                "does_not_contain",
                json!(["refund"]),
                vec![],
            ),
            (
                "created_at",
                "is_greater_than",
                json!(["2024-06-01"]),
                vec![3],
            ),
            ("created_at", "is_less_than", json!(["2024-06-01"]), vec![2]),
            (
                "created_at",
                "is_less_than",
                json!("2024-06-02"),
                vec![1, 2],
            ),
            ("last_activity_at", "days_before", json!([1]), vec![1]),
            // Before 2024-06-11, then before 2024-06-10 (the first's day: not before).
            ("last_activity_at", "days_before", json!(["4"]), vec![1]),
            ("last_activity_at", "days_before", json!(["5"]), vec![]),
            ("plan", "equal_to", json!(["GOLD"]), vec![1]),
            // A text first value: only that one counts.
            ("plan", "equal_to", json!(["gold", "silver"]), vec![1]),
            // Missing values pass a custom attribute's `not_equal_to`.
            ("plan", "not_equal_to", json!(["gold"]), vec![2, 3]),
            ("plan", "contains", json!(["IL"]), vec![2]),
            ("plan", "is_present", json!([]), vec![1, 2]),
            ("plan", "is_not_present", json!([]), vec![3]),
            ("seats", "equal_to", json!([10, 25]), vec![1, 2]),
            ("seats", "equal_to", json!(["25.0"]), vec![2]),
            ("seats", "is_greater_than", json!(["9.5"]), vec![1, 2]),
            ("seats", "is_less_than", json!([20]), vec![1]),
            ("renewal", "is_greater_than", json!(["2024-06-30"]), vec![1]),
            ("renewal", "equal_to", json!(["2024-07-01"]), vec![1]),
            ("renewal", "days_before", json!([1]), vec![]),
            ("trial", "equal_to", json!([true]), vec![1]),
            ("trial", "equal_to", json!(["false"]), vec![2]),
            ("trial", "not_equal_to", json!([true]), vec![2, 3]),
        ] {
            let payload = json!([condition(key, operator, values.clone())]);
            assert_eq!(
                selected(FilterModel::Conversation, &payload),
                expected,
                "{key} {operator} {values}"
            );
        }
    }

    #[test]
    fn contact_operators_on_each_attribute_family() {
        for (key, operator, values, expected) in [
            ("name", "equal_to", json!(["alice SMITH"]), vec![1]),
            // Contacts compare with the first value only.
            ("name", "equal_to", json!(["bob", "alice smith"]), vec![2]),
            ("name", "not_equal_to", json!(["bob"]), vec![1]),
            ("name", "contains", json!(["SMI", "zzz"]), vec![1]),
            ("name", "does_not_contain", json!(["o"]), vec![1]),
            ("email", "equal_to", json!(["alice@example.com"]), vec![1]),
            ("email", "not_equal_to", json!(["x@y.z"]), vec![1]),
            ("phone_number", "equal_to", json!(["15550100"]), vec![1]),
            ("phone_number", "equal_to", json!(["+15550100"]), vec![1]),
            ("phone_number", "starts_with", json!(["+1555"]), vec![]),
            ("phone_number", "starts_with", json!(["+15550100"]), vec![1]),
            ("phone_number", "contains", json!(["4477"]), vec![2]),
            ("identifier", "equal_to", json!(["id-1"]), vec![1]),
            ("country_code", "equal_to", json!(["us"]), vec![1]),
            ("country_code", "equal_to", json!(["DE"]), vec![2]),
            ("city", "contains", json!(["ber"]), vec![1]),
            ("company", "equal_to", json!(["ACME"]), vec![1]),
            ("company", "contains", json!(["acme"]), vec![1, 2]),
            ("labels", "equal_to", json!([" VIP "]), vec![1]),
            ("labels", "is_not_present", json!([]), vec![2]),
            ("blocked", "equal_to", json!([true]), vec![2]),
            ("blocked", "equal_to", json!(["false"]), vec![1]),
            ("blocked", "not_equal_to", json!([true]), vec![1]),
            ("created_at", "is_less_than", json!(["2024-06-01"]), vec![2]),
            (
                "last_activity_at",
                "is_greater_than",
                json!(["2024-01-01"]),
                vec![2],
            ),
            ("last_activity_at", "days_before", json!([998]), vec![]),
            ("tier", "equal_to", json!(["gold"]), vec![1]),
            ("tier", "not_equal_to", json!(["gold"]), vec![2]),
            ("score", "is_greater_than", json!([2]), vec![1]),
            ("score", "equal_to", json!(["3"]), vec![1]),
        ] {
            let payload = json!([condition(key, operator, values.clone())]);
            assert_eq!(
                selected(FilterModel::Contact, &payload),
                expected,
                "{key} {operator} {values}"
            );
        }
    }

    /// Builds a payload from conditions and the connectors between them.
    fn chain(parts: &[(Value, Option<&str>)]) -> Value {
        Value::Array(
            parts
                .iter()
                .map(|(condition, connector)| {
                    let mut condition = condition.clone();
                    condition["query_operator"] = json!(connector);
                    condition
                })
                .collect(),
        )
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let resolved = condition("status", "equal_to", json!(["resolved"]));
        let open = condition("status", "equal_to", json!(["open"]));
        let pending = condition("status", "equal_to", json!(["pending"]));
        let inbox_1 = condition("inbox_id", "equal_to", json!([1]));
        let inbox_2 = condition("inbox_id", "equal_to", json!([2]));
        let high = condition("priority", "equal_to", json!(["high"]));
        for (parts, expected) in [
            (vec![], vec![1, 2, 3]),
            (vec![(inbox_1.clone(), None)], vec![1, 3]),
            // resolved OR (inbox 1 AND high), not (resolved OR inbox 1) AND high.
            (
                vec![
                    (resolved.clone(), Some("OR")),
                    (inbox_1.clone(), Some("AND")),
                    (high.clone(), None),
                ],
                vec![1, 2],
            ),
            // (open AND inbox 2) OR pending.
            (
                vec![
                    (open.clone(), Some("and")),
                    (inbox_2.clone(), Some("or")),
                    (pending.clone(), None),
                ],
                vec![3],
            ),
            // (inbox 1 AND high) OR (resolved AND inbox 2) OR pending.
            (
                vec![
                    (inbox_1.clone(), Some("And")),
                    (high.clone(), Some("Or")),
                    (resolved.clone(), Some("and")),
                    (inbox_2.clone(), Some("or")),
                    (pending.clone(), Some("")),
                ],
                vec![1, 2, 3],
            ),
            (
                vec![
                    (inbox_1.clone(), Some("and")),
                    (pending.clone(), Some("and")),
                    (high.clone(), None),
                ],
                vec![],
            ),
        ] {
            assert_eq!(
                selected(FilterModel::Conversation, &chain(&parts)),
                expected,
                "{}",
                chain(&parts)
            );
        }
    }

    #[test]
    fn parse_errors_carry_chatwoot_texts() {
        let conversation_keys = "status,assignee_id,inbox_id,team_id,priority,display_id,campaign_id,labels,browser_language,conversation_language,referer,created_at,last_activity_at,mail_subject";
        let contact_keys = "name,phone_number,email,identifier,country_code,city,company,labels,created_at,last_activity_at,blocked";
        let query_operator = r#"Query operator must be either "AND" or "OR"."#;
        let status_open = condition("status", "equal_to", json!(["open"]));
        for (model, payload, expected) in [
            (
                FilterModel::Conversation,
                json!({"attribute_key": "status"}),
                "Invalid value. The values provided for payload are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!(["status"]),
                "Invalid value. The values provided for payload are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("phone_number", "equal_to", json!(["1"]))]),
                format!("Invalid attribute key - [phone_number]. The key should be one of [{conversation_keys}] or a custom attribute defined in the account."),
            ),
            (
                FilterModel::Contact,
                json!([condition("status", "equal_to", json!(["open"]))]),
                format!("Invalid attribute key - [status]. The key should be one of [{contact_keys}] or a custom attribute defined in the account."),
            ),
            // The other model's custom attribute is unknown.
            (
                FilterModel::Contact,
                json!([condition("plan", "equal_to", json!(["gold"]))]),
                format!("Invalid attribute key - [plan]. The key should be one of [{contact_keys}] or a custom attribute defined in the account."),
            ),
            (
                FilterModel::Conversation,
                json!([{"filter_operator": "equal_to", "values": ["x"]}]),
                format!("Invalid attribute key - []. The key should be one of [{conversation_keys}] or a custom attribute defined in the account."),
            ),
            (
                FilterModel::Conversation,
                json!([condition("status", "contains", json!(["open"]))]),
                "Invalid operator. The allowed operators for status are [equal_to,not_equal_to].".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("created_at", "equal_to", json!(["2024-01-01"]))]),
                "Invalid operator. The allowed operators for created_at are [is_greater_than,is_less_than,days_before].".to_owned(),
            ),
            (
                FilterModel::Contact,
                json!([condition("phone_number", "is_present", json!([]))]),
                "Invalid operator. The allowed operators for phone_number are [equal_to,not_equal_to,contains,does_not_contain,starts_with].".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("inbox_id", "like", json!([1]))]),
                "Invalid operator. The allowed operators for inbox_id are [equal_to,not_equal_to,is_present,is_not_present].".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("seats", "contains", json!(["1"]))]),
                "Invalid operator. The allowed operators for seats are [equal_to,not_equal_to,is_present,is_not_present,is_greater_than,is_less_than].".to_owned(),
            ),
            (
                FilterModel::Contact,
                json!([condition("tier", "days_before", json!([3]))]),
                "Invalid operator. The allowed operators for tier are [equal_to,not_equal_to,contains,does_not_contain,is_present,is_not_present].".to_owned(),
            ),
            // An operator not allowed wins over missing values.
            (
                FilterModel::Conversation,
                json!([condition("status", "is_present", json!([]))]),
                "Invalid operator. The allowed operators for status are [equal_to,not_equal_to].".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("inbox_id", "equal_to", json!([]))]),
                "Invalid value. The values provided for inbox_id are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([{"attribute_key": "inbox_id", "filter_operator": "equal_to"}]),
                "Invalid value. The values provided for inbox_id are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("mail_subject", "contains", json!("  "))]),
                "Invalid value. The values provided for mail_subject are invalid".to_owned(),
            ),
            // Missing values win over an unknown key.
            (
                FilterModel::Conversation,
                json!([condition("nothing", "equal_to", json!([]))]),
                "Invalid value. The values provided for nothing are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("status", "equal_to", json!([{"id": "open"}]))]),
                "Invalid value. The values provided for status are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("assignee_id", "equal_to", json!(["me"]))]),
                "Invalid value. The values provided for assignee_id are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("referer", "contains", json!(["a", null]))]),
                "Invalid value. The values provided for referer are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("created_at", "is_greater_than", json!(["yesterday"]))]),
                "Invalid value. The values provided for created_at are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("created_at", "is_less_than", json!([null]))]),
                "Invalid value. The values provided for created_at are invalid".to_owned(),
            ),
            (
                FilterModel::Contact,
                json!([condition("last_activity_at", "days_before", json!(["a week"]))]),
                "Invalid value. The values provided for last_activity_at are invalid".to_owned(),
            ),
            (
                FilterModel::Contact,
                json!([condition("last_activity_at", "days_before", json!([0]))]),
                "Invalid value. The values provided for last_activity_at are invalid".to_owned(),
            ),
            (
                FilterModel::Contact,
                json!([condition("last_activity_at", "days_before", json!([999]))]),
                "Invalid value. The values provided for last_activity_at are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("seats", "is_greater_than", json!(["many"]))]),
                "Invalid value. The values provided for seats are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([condition("trial", "equal_to", json!(["perhaps"]))]),
                "Invalid value. The values provided for trial are invalid".to_owned(),
            ),
            (
                FilterModel::Contact,
                json!([condition("blocked", "equal_to", json!(["perhaps"]))]),
                "Invalid value. The values provided for blocked are invalid".to_owned(),
            ),
            (
                FilterModel::Conversation,
                chain(&[(status_open.clone(), Some("xor")), (status_open.clone(), None)]),
                query_operator.to_owned(),
            ),
            // A bad query operator anywhere wins over an earlier bad condition.
            (
                FilterModel::Conversation,
                chain(&[
                    (condition("nothing", "equal_to", json!([1])), Some("and")),
                    (status_open.clone(), Some("&&")),
                    (status_open.clone(), None),
                ]),
                query_operator.to_owned(),
            ),
            (
                FilterModel::Conversation,
                json!([{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": true}]),
                query_operator.to_owned(),
            ),
            // Left on the last condition, or missing between two.
            (
                FilterModel::Conversation,
                chain(&[(status_open.clone(), Some("and"))]),
                query_operator.to_owned(),
            ),
            (
                FilterModel::Conversation,
                chain(&[(status_open.clone(), None), (status_open.clone(), None)]),
                query_operator.to_owned(),
            ),
            // A bad condition wins over misplaced connectors.
            (
                FilterModel::Conversation,
                chain(&[
                    (status_open.clone(), None),
                    (condition("status", "equal_to", json!([])), Some("or")),
                ]),
                "Invalid value. The values provided for status are invalid".to_owned(),
            ),
        ] {
            let keys = match model {
                FilterModel::Contact => CONTACT_KEYS,
                _ => CONVERSATION_KEYS,
            };
            assert_eq!(
                error_message(Filter::parse(model, &payload, keys)),
                expected,
                "{payload}"
            );
        }
    }

    #[test]
    fn standard_keys_win_over_custom_attributes_of_the_same_name() {
        let keys = [CustomAttributeKey {
            key: "status",
            display_type: "text",
        }];
        let payload = json!([condition("status", "contains", json!(["op"]))]);
        assert_eq!(
            error_message(Filter::parse(FilterModel::Conversation, &payload, &keys)),
            "Invalid operator. The allowed operators for status are [equal_to,not_equal_to]."
        );
    }

    /// An automation record: a conversation with its contact, message and changes.
    fn automation_record() -> Map<String, Value> {
        json!({
            "status": "resolved", "assignee_id": 5, "inbox_id": 1, "team_id": null,
            "priority": "high", "labels": ["billing"], "browser_language": "en",
            "content": "Please REFUND my order", "message_type": 0,
            "email": "carla@vip.example.com", "phone_number": "+4915550100",
            "country_code": "DE", "city": "Berlin", "company": null,
            "custom_attributes": {"plan": "gold"},
            "contact_custom_attributes": {"plan": "silver", "tier": "Platinum"},
            "changed_attributes": {
                "status": {"previous_value": "open", "current_value": "resolved"},
                "assignee_id": {"previous_value": null, "current_value": 5}
            }
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn automation_conditions_on_the_conversation_contact_message_and_changes() {
        let conversation_keys = [CustomAttributeKey {
            key: "plan",
            display_type: "list",
        }];
        let contact_keys = [
            CustomAttributeKey {
                key: "plan",
                display_type: "text",
            },
            CustomAttributeKey {
                key: "tier",
                display_type: "text",
            },
        ];
        let record = automation_record();
        let changed = |from: Value, to: Value| json!({"from": from, "to": to});
        for (key, operator, values, custom_type, expected) in [
            ("content", "contains", json!(["refund"]), None, true),
            (
                "content",
                "equal_to",
                json!(["please refund my order"]),
                None,
                true,
            ),
            ("content", "does_not_contain", json!(["order"]), None, false),
            ("message_type", "equal_to", json!(["incoming"]), None, true),
            (
                "message_type",
                "equal_to",
                json!(["outgoing", "activity"]),
                None,
                false,
            ),
            (
                "message_type",
                "not_equal_to",
                json!(["outgoing"]),
                None,
                true,
            ),
            ("email", "contains", json!(["@VIP.example"]), None, true),
            ("phone_number", "starts_with", json!(["+49"]), None, true),
            ("phone_number", "starts_with", json!(["+1"]), None, false),
            ("country_code", "equal_to", json!(["de"]), None, true),
            ("city", "equal_to", json!(["berlin", "paris"]), None, true),
            ("company", "contains", json!(["acme"]), None, false),
            ("status", "equal_to", json!(["resolved"]), None, true),
            ("labels", "equal_to", json!(["billing"]), None, true),
            ("team_id", "is_not_present", json!([]), None, true),
            ("plan", "equal_to", json!(["Gold"]), None, true),
            (
                "plan",
                "equal_to",
                json!(["silver"]),
                Some("contact_attribute"),
                true,
            ),
            (
                "plan",
                "equal_to",
                json!(["gold"]),
                Some("contact_attribute"),
                false,
            ),
            ("tier", "equal_to", json!(["platinum"]), None, true),
            (
                "status",
                "attribute_changed",
                changed(json!(["open", "pending"]), json!(["resolved"])),
                None,
                true,
            ),
            (
                "status",
                "attribute_changed",
                changed(json!(["pending"]), json!(["resolved"])),
                None,
                false,
            ),
            (
                "assignee_id",
                "attribute_changed",
                changed(json!([null]), json!(["5"])),
                None,
                true,
            ),
            (
                "priority",
                "attribute_changed",
                changed(json!(["low"]), json!(["high"])),
                None,
                false,
            ),
        ] {
            let mut item = condition(key, operator, values.clone());
            if let Some(custom_type) = custom_type {
                item["custom_attribute_type"] = json!(custom_type);
            }
            let filter =
                Filter::parse_automation(&json!([item]), &conversation_keys, &contact_keys)
                    .unwrap_or_else(|e| panic!("{key} {operator} {values}: {e:?}"));
            assert_eq!(
                filter.matches(&record, TODAY),
                expected,
                "{key} {operator} {values}"
            );
        }
    }

    #[test]
    fn automation_parse_errors() {
        for (item, expected) in [
            (
                condition("status", "attribute_changed", json!(["open"])),
                "Invalid value. The values provided for status are invalid",
            ),
            (
                condition("status", "attribute_changed", json!({"from": ["open"]})),
                "Invalid value. The values provided for status are invalid",
            ),
            (
                condition("status", "starts_with", json!(["op"])),
                "Invalid operator. The allowed operators for status are [equal_to,not_equal_to].",
            ),
            (
                condition("tier", "equal_to", json!(["x"])),
                "Invalid attribute key - [tier]. The key should be one of [content,email,country_code,status,message_type,browser_language,assignee_id,team_id,referer,city,company,inbox_id,mail_subject,phone_number,priority,conversation_language,labels] or a custom attribute defined in the account.",
            ),
        ] {
            assert_eq!(
                error_message(Filter::parse_automation(&json!([item]), &[], &[])),
                expected,
                "{item}"
            );
        }
        // The conversation filter knows neither automation operator.
        assert_eq!(
            error_message(Filter::parse(
                FilterModel::Conversation,
                &json!([condition(
                    "status",
                    "attribute_changed",
                    json!({"from": [], "to": []})
                )]),
                &[]
            )),
            "Invalid operator. The allowed operators for status are [equal_to,not_equal_to]."
        );
    }
}
