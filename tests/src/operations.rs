//! The documented operations of Chatwoot's API (`tests/data/chatwoot-operations.tsv`: function,
//! method, path, operation id, copied from the reference), shared by the suites that check
//! routing: the in-process route tables and the template's API Gateway routes.

use http::Method;
use infra::Function;

const OPERATIONS: &str = include_str!("../data/chatwoot-operations.tsv");

/// How many operations the document lists.
pub const DOCUMENTED_OPERATIONS: usize = 157;

pub struct Operation {
    pub function: Function,
    pub method: Method,
    /// The document's path template, e.g. `/api/v1/accounts/{account_id}/labels`.
    pub path: &'static str,
    pub id: &'static str,
}

impl Operation {
    /// The names of the path's `{parameters}`.
    pub fn parameters(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('/')
            .filter(|s| s.starts_with('{'))
            .map(|s| s.trim_matches(|c| c == '{' || c == '}'))
    }
}

pub fn operations() -> Vec<Operation> {
    OPERATIONS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [function, method, path, id] = fields[..] else {
                panic!("malformed operation line: {line}");
            };
            let function = match function {
                "platform" => Function::Platform,
                "application" => Function::Application,
                "client" => Function::Client,
                "reports" => Function::Reports,
                other => panic!("unknown function {other}"),
            };
            Operation {
                function,
                method: method.parse().expect("method"),
                path,
                id,
            }
        })
        .collect()
}

/// The document's path with its `{parameters}` filled in: `account_id` with `account`, every
/// other one with `other` (ids, slugs and identifiers alike are one path segment).
pub fn concrete_path(template: &str, account: &str, other: &str) -> String {
    let mut path = String::new();
    for (i, segment) in template.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        path.push_str(match segment {
            "{account_id}" => account,
            s if s.starts_with('{') => other,
            s => s,
        });
    }
    path
}
