//! Each function's IAM role, read from `template.yaml` and enforced in-process. No emulator
//! checks IAM, so a call a role does not grant passes every suite and fails only when
//! deployed; these decorators over the store and blob ports refuse it as AWS would. A
//! presigned URL carries its signer's permissions, so presigning needs the action the URL
//! performs (a URL signed without `s3:GetObject` answers 403).

use crate::template::{tag_value, Lambda};
use async_trait::async_trait;
use bytes::Bytes;
use serde_yaml::Value;
use shared::blob::{Blob, BlobError, BlobStore};
use shared::store::dynamo::GSI1_NAME;
use shared::store::{Index, Item, Key, Page, Query, Store, StoreError, WriteOp};
use shared::AppState;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The IAM actions the ports' calls are checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    GetItem,
    BatchGetItem,
    Query,
    PutItem,
    UpdateItem,
    DeleteItem,
    ConditionCheckItem,
    GetObject,
    PutObject,
    DeleteObject,
}

impl Action {
    const ALL: [Action; 10] = [
        Action::GetItem,
        Action::BatchGetItem,
        Action::Query,
        Action::PutItem,
        Action::UpdateItem,
        Action::DeleteItem,
        Action::ConditionCheckItem,
        Action::GetObject,
        Action::PutObject,
        Action::DeleteObject,
    ];

    fn name(self) -> &'static str {
        match self {
            Action::GetItem => "dynamodb:GetItem",
            Action::BatchGetItem => "dynamodb:BatchGetItem",
            Action::Query => "dynamodb:Query",
            Action::PutItem => "dynamodb:PutItem",
            Action::UpdateItem => "dynamodb:UpdateItem",
            Action::DeleteItem => "dynamodb:DeleteItem",
            Action::ConditionCheckItem => "dynamodb:ConditionCheckItem",
            Action::GetObject => "s3:GetObject",
            Action::PutObject => "s3:PutObject",
            Action::DeleteObject => "s3:DeleteObject",
        }
    }

    /// What one operation of a write needs: a transaction (TransactWriteItems) is allowed
    /// only if each of its operations is, as AWS checks it.
    fn of_write(op: &WriteOp) -> Action {
        match op {
            WriteOp::Put { .. } => Action::PutItem,
            WriteOp::Delete { .. } => Action::DeleteItem,
            WriteOp::Check { .. } => Action::ConditionCheckItem,
            WriteOp::Add { .. } => Action::UpdateItem,
        }
    }
}

/// Resources are named as the template spells their ARNs (`${Table.Arn}/index/*`,
/// `${Bucket.Arn}/<key>`), so its patterns apply unchanged.
const TABLE: &str = "${Table.Arn}";

/// IAM's wildcard match, for the patterns the template uses: a literal, or a prefix and `*`.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// A pattern the match above reads as IAM would, else a panic rather than a wrong answer.
fn pattern(text: &str) -> String {
    assert!(
        !text.trim_end_matches('*').contains(['*', '?']),
        "unsupported IAM pattern {text}"
    );
    text.to_owned()
}

/// A statement's resource as its ARN pattern: `!GetAtt Table.Arn` → `${Table.Arn}`,
/// `!Sub "${Bucket.Arn}/*"` → `${Bucket.Arn}/*`.
fn resource_pattern(value: &Value) -> String {
    if let Some(Value::String(text)) = tag_value(value, "Sub") {
        return pattern(text);
    }
    match tag_value(value, "GetAtt") {
        Some(Value::String(attribute)) => format!("${{{attribute}}}"),
        Some(Value::Sequence(parts)) if parts.len() == 2 => format!(
            "${{{}.{}}}",
            parts[0].as_str().unwrap_or_default(),
            parts[1].as_str().unwrap_or_default()
        ),
        _ => panic!("unsupported policy Resource {value:?}"),
    }
}

/// One value or a list of them, as IAM's `Action` and `Resource` take.
fn one_or_many(value: &Value) -> Vec<&Value> {
    match value {
        Value::Sequence(values) => values.iter().collect(),
        single => vec![single],
    }
}

/// Why a call was refused, as AWS's `AccessDeniedException` would say it.
struct Denied {
    function: Lambda,
    action: Action,
    resource: String,
}

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AccessDenied: the {} function's role in template.yaml does not allow {} on {}",
            self.function.binary(),
            self.action.name(),
            self.resource
        )
    }
}

/// A function's role: the (action, resource pattern) pairs its policy statements allow.
struct Policy {
    function: Lambda,
    grants: Vec<(Action, String)>,
}

impl Policy {
    /// The role the template gives `function` (read once for all functions).
    fn of(function: Lambda) -> Arc<Policy> {
        static POLICIES: OnceLock<Vec<Arc<Policy>>> = OnceLock::new();
        let policies = POLICIES.get_or_init(|| {
            Lambda::ALL
                .into_iter()
                .map(|lambda| Arc::new(Policy::read(lambda)))
                .collect()
        });
        policies
            .iter()
            .find(|policy| policy.function == function)
            .expect("every function's policy")
            .clone()
    }

    /// The function's `Policies`: inline policy documents of Allow statements (anything else
    /// is refused loudly, since the guard could not judge it).
    fn read(function: Lambda) -> Policy {
        let policies = &function.resource()["Properties"]["Policies"];
        let mut grants = Vec::new();
        for document in one_or_many(policies) {
            let statements = document
                .get("Statement")
                .unwrap_or_else(|| panic!("{function:?}: only inline policy documents are read"));
            for statement in one_or_many(statements) {
                assert_eq!(
                    statement["Effect"], "Allow",
                    "{function:?}: only Allow statements are read"
                );
                let resources: Vec<String> = one_or_many(&statement["Resource"])
                    .into_iter()
                    .map(resource_pattern)
                    .collect();
                for action in one_or_many(&statement["Action"]) {
                    let action = pattern(action.as_str().expect("an action name"));
                    // Action names are case-insensitive.
                    let granted = Action::ALL.into_iter().filter(|known| {
                        matches(
                            &action.to_ascii_lowercase(),
                            &known.name().to_ascii_lowercase(),
                        )
                    });
                    for known in granted {
                        grants.extend(resources.iter().map(|r| (known, r.clone())));
                    }
                }
            }
        }
        Policy { function, grants }
    }

    /// Whether the role allows `action` on `resource`; a refusal is also printed, so a test
    /// whose request failed shows why (the API answers a bare 500).
    fn authorize(&self, action: Action, resource: &str) -> Result<(), Denied> {
        if self
            .grants
            .iter()
            .any(|(granted, pattern)| *granted == action && matches(pattern, resource))
        {
            return Ok(());
        }
        let denied = Denied {
            function: self.function,
            action,
            resource: resource.to_owned(),
        };
        eprintln!("{denied}");
        Err(denied)
    }

    /// A store call's check; a refusal fails it as the adapter fails AccessDenied.
    fn item_call(&self, action: Action, resource: &str) -> Result<(), StoreError> {
        self.authorize(action, resource)
            .map_err(|denied| StoreError::Backend(denied.to_string()))
    }

    fn object_call(&self, action: Action, key: &str) -> Result<(), BlobError> {
        self.authorize(action, &format!("${{Bucket.Arn}}/{key}"))
            .map_err(|denied| BlobError::Backend(denied.to_string()))
    }
}

/// A store that performs only what its function's role allows.
struct GuardedStore {
    inner: Arc<dyn Store>,
    policy: Arc<Policy>,
}

#[async_trait]
impl Store for GuardedStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.policy.item_call(Action::GetItem, TABLE)?;
        self.inner.get(key).await
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        self.policy.item_call(Action::BatchGetItem, TABLE)?;
        self.inner.get_many(keys).await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        let resource = match query.index {
            Index::Primary => TABLE.to_owned(),
            Index::Gsi1 => format!("{TABLE}/index/{GSI1_NAME}"),
        };
        self.policy.item_call(Action::Query, &resource)?;
        self.inner.query(query).await
    }

    async fn write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        for op in &ops {
            self.policy.item_call(Action::of_write(op), TABLE)?;
        }
        self.inner.write(ops).await
    }

    async fn increment(&self, key: &Key, attr: &str, by: i64) -> Result<i64, StoreError> {
        self.policy.item_call(Action::UpdateItem, TABLE)?;
        self.inner.increment(key, attr, by).await
    }

    fn consumed(&self) -> Option<shared::store::Capacity> {
        self.inner.consumed()
    }
}

/// A blob store that performs (and signs) only what its function's role allows.
struct GuardedBlobs {
    inner: Arc<dyn BlobStore>,
    policy: Arc<Policy>,
}

#[async_trait]
impl BlobStore for GuardedBlobs {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
        self.policy.object_call(Action::PutObject, key)?;
        self.inner.put(key, bytes, content_type).await
    }

    async fn get(&self, key: &str) -> Result<Option<Blob>, BlobError> {
        self.policy.object_call(Action::GetObject, key)?;
        self.inner.get(key).await
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        self.policy.object_call(Action::DeleteObject, key)?;
        self.inner.delete(key).await
    }

    async fn presign_get(&self, key: &str, ttl: Duration) -> Result<String, BlobError> {
        self.policy.object_call(Action::GetObject, key)?;
        self.inner.presign_get(key, ttl).await
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        ttl: Duration,
    ) -> Result<String, BlobError> {
        self.policy.object_call(Action::PutObject, key)?;
        self.inner.presign_put(key, content_type, ttl).await
    }
}

/// `state` as `function` sees it when deployed: the same adapters, through its role.
pub fn guarded(state: &AppState, function: Lambda) -> Arc<AppState> {
    let policy = Policy::of(function);
    Arc::new(AppState {
        store: Arc::new(GuardedStore {
            inner: state.store.clone(),
            policy: policy.clone(),
        }),
        blobs: Arc::new(GuardedBlobs {
            inner: state.blobs.clone(),
            policy,
        }),
        clock: state.clock.clone(),
        config: state.config.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::clock::SystemClock;
    use shared::state::Config;

    const DAY: Duration = Duration::from_secs(86_400);

    #[tokio::test]
    async fn a_role_allows_what_the_template_grants_and_refuses_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config::with_defaults(crate::FRONTEND_URL);
        let state = store_embedded::open(dir.path(), config, Arc::new(SystemClock))
            .expect("embedded store")
            .state;
        let reports = guarded(&state, Lambda::Reports);
        let key = Key::new("TEST#1", "ITEM");
        assert_eq!(reports.store.get(&key).await, Ok(None));
        assert_eq!(
            reports.store.write(vec![WriteOp::put(key.to_item())]).await,
            Err(StoreError::Backend(
                "AccessDenied: the reports function's role in template.yaml does not allow \
                 dynamodb:PutItem on ${Table.Arn}"
                    .into()
            ))
        );
        assert_eq!(state.store.get(&key).await, Ok(None), "nothing written");

        let avatar = "avatars/user/1/01AVATAR/face.png";
        let application = guarded(&state, Lambda::Application);
        let image = Bytes::from_static(b"PNG");
        application
            .blobs
            .put(avatar, image.clone(), "image/png")
            .await
            .unwrap();
        assert!(application.blobs.presign_get(avatar, DAY).await.is_ok());
        let scheduler = guarded(&state, Lambda::Scheduler);
        assert!(matches!(
            scheduler.blobs.presign_get(avatar, DAY).await,
            Err(BlobError::Backend(denied)) if denied.contains("s3:GetObject on ${Bucket.Arn}/avatars/")
        ));
        assert!(reports.blobs.presign_get(avatar, DAY).await.is_ok());
        let logo = "portals/1/01LOGO/logo.png";
        assert!(reports.blobs.presign_get(logo, DAY).await.is_err());
        assert!(reports.blobs.put(avatar, image, "image/png").await.is_err());
    }
}
