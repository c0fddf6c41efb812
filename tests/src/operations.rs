//! The operations of Chatwoot's API document (`tests/data/chatwoot-operations.tsv`: function,
//! method, path, operation id, copied from the reference), and concrete paths for them.

use http::Method;
use infra::Function;

const OPERATIONS: &str = include_str!("../data/chatwoot-operations.tsv");

pub struct Operation {
    pub function: Function,
    pub method: Method,
    pub path: &'static str,
    pub id: &'static str,
}

pub fn documented_operations() -> Vec<Operation> {
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
