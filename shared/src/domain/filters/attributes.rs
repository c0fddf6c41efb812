//! What a filter may name: the operators, each model's standard attributes (Chatwoot's
//! `lib/filters/filter_keys.yml`, in its order; automation rules' in the order of
//! `AutomationRule#conditions_attributes`) and the custom attribute display types.

use super::FilterModel;

/// A `filter_operator`. `starts_with` is only allowed on a contact's phone number;
/// `attribute_changed` only in automation rules, on any attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operator {
    EqualTo,
    NotEqualTo,
    Contains,
    DoesNotContain,
    IsPresent,
    IsNotPresent,
    IsGreaterThan,
    IsLessThan,
    DaysBefore,
    StartsWith,
    AttributeChanged,
}

impl Operator {
    const ALL: [Operator; 11] = [
        Operator::EqualTo,
        Operator::NotEqualTo,
        Operator::Contains,
        Operator::DoesNotContain,
        Operator::IsPresent,
        Operator::IsNotPresent,
        Operator::IsGreaterThan,
        Operator::IsLessThan,
        Operator::DaysBefore,
        Operator::StartsWith,
        Operator::AttributeChanged,
    ];

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Operator::EqualTo => "equal_to",
            Operator::NotEqualTo => "not_equal_to",
            Operator::Contains => "contains",
            Operator::DoesNotContain => "does_not_contain",
            Operator::IsPresent => "is_present",
            Operator::IsNotPresent => "is_not_present",
            Operator::IsGreaterThan => "is_greater_than",
            Operator::IsLessThan => "is_less_than",
            Operator::DaysBefore => "days_before",
            Operator::StartsWith => "starts_with",
            Operator::AttributeChanged => "attribute_changed",
        }
    }

    pub(super) fn parse(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|o| o.as_str() == name)
    }

    /// The operators that need no `values`.
    pub(super) fn is_presence(self) -> bool {
        matches!(self, Operator::IsPresent | Operator::IsNotPresent)
    }
}

use Operator::*;

const EQUALITY: &[Operator] = &[EqualTo, NotEqualTo];
const EQUALITY_PRESENCE: &[Operator] = &[EqualTo, NotEqualTo, IsPresent, IsNotPresent];
const EQUALITY_CONTAINS: &[Operator] = &[EqualTo, NotEqualTo, Contains, DoesNotContain];
const PHONE: &[Operator] = &[EqualTo, NotEqualTo, Contains, DoesNotContain, StartsWith];
const DATES: &[Operator] = &[IsGreaterThan, IsLessThan, DaysBefore];

/// How an attribute's value is read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Text compared as stored (conversation additional attributes).
    Text,
    /// Text compared lower-cased on both sides (Chatwoot's `LOWER(...)`).
    FoldedText,
    /// A contact's phone number: folded text whose filter value is normalised to `+digits`.
    Phone,
    /// A conversation status name; an unknown name in a filter is SQL NULL, `all` is every status.
    Status,
    /// A conversation priority name; an unknown name in a filter is SQL NULL.
    Priority,
    Number,
    /// A calendar date (epoch seconds or an ISO 8601 date or date-time in the record).
    Date,
    Boolean,
    /// A list of label names.
    Labels,
    /// A message type code; filters name the type (`incoming`, `outgoing`, ...).
    MessageType,
}

/// A standard attribute: the record's field of the same name.
pub(super) struct StandardAttribute {
    pub key: &'static str,
    pub kind: Kind,
    pub operators: &'static [Operator],
}

const fn standard(
    key: &'static str,
    kind: Kind,
    operators: &'static [Operator],
) -> StandardAttribute {
    StandardAttribute {
        key,
        kind,
        operators,
    }
}

const CONVERSATION: &[StandardAttribute] = &[
    standard("status", Kind::Status, EQUALITY),
    standard("assignee_id", Kind::Number, EQUALITY_PRESENCE),
    standard("inbox_id", Kind::Number, EQUALITY_PRESENCE),
    standard("team_id", Kind::Number, EQUALITY_PRESENCE),
    standard("priority", Kind::Priority, EQUALITY),
    standard("display_id", Kind::Number, EQUALITY_CONTAINS),
    standard("campaign_id", Kind::Number, EQUALITY_PRESENCE),
    standard("labels", Kind::Labels, EQUALITY_PRESENCE),
    standard("browser_language", Kind::Text, EQUALITY),
    standard("conversation_language", Kind::Text, EQUALITY),
    standard("referer", Kind::Text, EQUALITY_CONTAINS),
    standard("created_at", Kind::Date, DATES),
    standard("last_activity_at", Kind::Date, DATES),
    standard("mail_subject", Kind::Text, EQUALITY_CONTAINS),
];

const CONTACT: &[StandardAttribute] = &[
    standard("name", Kind::FoldedText, EQUALITY_CONTAINS),
    standard("phone_number", Kind::Phone, PHONE),
    standard("email", Kind::FoldedText, EQUALITY_CONTAINS),
    standard("identifier", Kind::FoldedText, EQUALITY),
    standard("country_code", Kind::FoldedText, EQUALITY),
    standard("city", Kind::FoldedText, EQUALITY_CONTAINS),
    standard("company", Kind::FoldedText, EQUALITY_CONTAINS),
    standard("labels", Kind::Labels, EQUALITY_PRESENCE),
    standard("created_at", Kind::Date, DATES),
    standard("last_activity_at", Kind::Date, DATES),
    standard("blocked", Kind::Boolean, EQUALITY),
];

/// Automation rule conditions: the conversation's attributes, its contact's (`email`,
/// `phone_number`, `country_code`, `city`, `company`) and the event's message's (`content`,
/// `message_type`), each with the operators of its `filter_keys.yml` entry.
const AUTOMATION: &[StandardAttribute] = &[
    standard("content", Kind::FoldedText, EQUALITY_CONTAINS),
    standard("email", Kind::FoldedText, EQUALITY_CONTAINS),
    standard("country_code", Kind::FoldedText, EQUALITY),
    standard("status", Kind::Status, EQUALITY),
    standard("message_type", Kind::MessageType, EQUALITY),
    standard("browser_language", Kind::Text, EQUALITY),
    standard("assignee_id", Kind::Number, EQUALITY_PRESENCE),
    standard("team_id", Kind::Number, EQUALITY_PRESENCE),
    standard("referer", Kind::Text, EQUALITY_CONTAINS),
    standard("city", Kind::FoldedText, EQUALITY_CONTAINS),
    standard("company", Kind::FoldedText, EQUALITY_CONTAINS),
    standard("inbox_id", Kind::Number, EQUALITY_PRESENCE),
    standard("mail_subject", Kind::Text, EQUALITY_CONTAINS),
    standard("phone_number", Kind::Phone, PHONE),
    standard("priority", Kind::Priority, EQUALITY),
    standard("conversation_language", Kind::Text, EQUALITY),
    standard("labels", Kind::Labels, EQUALITY_PRESENCE),
];

/// The model's standard attributes, in the order Chatwoot lists them in its errors.
pub(super) fn standard_attributes(model: FilterModel) -> &'static [StandardAttribute] {
    match model {
        FilterModel::Conversation => CONVERSATION,
        FilterModel::Contact => CONTACT,
        FilterModel::Automation => AUTOMATION,
    }
}

/// How a custom attribute of `display_type` is compared, and with which operators.
///
/// Upstream checks no operator on custom attributes and lets the database fail (500) on
/// meaningless pairs such as `contains` on a number; here they are refused like a standard
/// attribute's. `currency` and `percent` have no type upstream (the query fails); here they are
/// numbers. An unknown display type is text.
pub(super) fn custom_attribute(display_type: &str) -> (Kind, &'static [Operator]) {
    match display_type {
        "number" | "currency" | "percent" => (
            Kind::Number,
            &[
                EqualTo,
                NotEqualTo,
                IsPresent,
                IsNotPresent,
                IsGreaterThan,
                IsLessThan,
            ],
        ),
        "date" => (
            Kind::Date,
            &[
                EqualTo,
                NotEqualTo,
                IsPresent,
                IsNotPresent,
                IsGreaterThan,
                IsLessThan,
                DaysBefore,
            ],
        ),
        "checkbox" => (Kind::Boolean, EQUALITY_PRESENCE),
        _ => (
            Kind::FoldedText,
            &[
                EqualTo,
                NotEqualTo,
                Contains,
                DoesNotContain,
                IsPresent,
                IsNotPresent,
            ],
        ),
    }
}
