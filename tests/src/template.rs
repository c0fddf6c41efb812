//! `template.yaml` as the suites read it: parsed once, CloudFormation's short tags (`!Ref`,
//! `!Sub`, `!GetAtt`) kept as tagged values, and its Lambda functions known by the binary
//! each builds. The route-agreement suite and the IAM guard both read it from here.

use infra::Function;
use serde_yaml::Value;
use std::sync::OnceLock;

const TEMPLATE: &str = include_str!("../../template.yaml");

/// The template's `Resources`.
pub fn resources() -> &'static Value {
    static PARSED: OnceLock<Value> = OnceLock::new();
    let template =
        PARSED.get_or_init(|| serde_yaml::from_str(TEMPLATE).expect("template.yaml parses"));
    &template["Resources"]
}

pub fn resource(logical_id: &str) -> &'static Value {
    resources()
        .get(logical_id)
        .unwrap_or_else(|| panic!("template has no resource {logical_id}"))
}

/// The value under a short tag (`!Sub "..."` → `"..."`), if `value` carries that tag.
pub fn tag_value<'v>(value: &'v Value, tag: &str) -> Option<&'v Value> {
    match value {
        Value::Tagged(tagged) if tagged.tag == tag => Some(&tagged.value),
        _ => None,
    }
}

/// One of the template's six Lambda functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lambda {
    Platform,
    Application,
    Client,
    Reports,
    Dispatcher,
    Scheduler,
}

impl Lambda {
    pub const ALL: [Lambda; 6] = [
        Lambda::Platform,
        Lambda::Application,
        Lambda::Client,
        Lambda::Reports,
        Lambda::Dispatcher,
        Lambda::Scheduler,
    ];

    /// The binary the function builds (`Metadata.BuildProperties.Binary`), its crate's name.
    pub fn binary(self) -> &'static str {
        match self {
            Lambda::Platform => "platform",
            Lambda::Application => "application",
            Lambda::Client => "client",
            Lambda::Reports => "reports",
            Lambda::Dispatcher => "dispatcher",
            Lambda::Scheduler => "scheduler",
        }
    }

    /// The function a resource of the template is, by the binary it builds.
    pub fn of(logical_id: &str, function: &Value) -> Lambda {
        let binary = function["Metadata"]["BuildProperties"]["Binary"].as_str();
        Lambda::ALL
            .into_iter()
            .find(|lambda| Some(lambda.binary()) == binary)
            .unwrap_or_else(|| panic!("{logical_id} builds {binary:?}, no function of ours"))
    }

    /// The function's resource in the template: the one that builds its binary.
    pub fn resource(self) -> &'static Value {
        let Value::Mapping(entries) = resources() else {
            panic!("template has no Resources");
        };
        entries
            .iter()
            .filter(|(_, resource)| resource["Type"] == "AWS::Serverless::Function")
            .find(|(logical_id, resource)| {
                Lambda::of(logical_id.as_str().unwrap_or_default(), resource) == self
            })
            .map(|(_, resource)| resource)
            .unwrap_or_else(|| panic!("template has no function building {}", self.binary()))
    }

    /// The HTTP function it is, if API routes reach it.
    pub fn http(self) -> Option<Function> {
        match self {
            Lambda::Platform => Some(Function::Platform),
            Lambda::Application => Some(Function::Application),
            Lambda::Client => Some(Function::Client),
            Lambda::Reports => Some(Function::Reports),
            Lambda::Dispatcher | Lambda::Scheduler => None,
        }
    }
}

impl From<Function> for Lambda {
    fn from(function: Function) -> Self {
        match function {
            Function::Platform => Lambda::Platform,
            Function::Application => Lambda::Application,
            Function::Client => Lambda::Client,
            Function::Reports => Lambda::Reports,
        }
    }
}
