//! Logs and metrics, set up once per process.
//!
//! Logs: JSON lines in Lambda (and when `LOG_FORMAT=json`), readable lines otherwise; the
//! level from `RUST_LOG` (default `info`). Metrics: with `METRICS=emf` (the default in
//! Lambda; `METRICS=off` turns them off, and they are off elsewhere unless asked for) every
//! request also prints one CloudWatch Embedded Metric Format object, which CloudWatch Logs
//! turns into metrics in the namespace `METRICS_NAMESPACE` (default [`DEFAULT_NAMESPACE`]).
//!
//! The router emits a request's metrics as one `tracing` event with the target
//! [`METRICS_TARGET`]; only the EMF layer prints those, so whether metrics are on is a
//! property of the installed subscriber and costs nothing when off.

use serde_json::{Map, Number, Value};
use std::io::Write;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{filter_fn, EnvFilter, FilterExt};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, Registry};

/// The target of the per-request metric events.
pub const METRICS_TARGET: &str = "request_metrics";

/// The CloudWatch namespace when `METRICS_NAMESPACE` is unset.
pub const DEFAULT_NAMESPACE: &str = "ChatwootApi";

/// The metric event's fields that become CloudWatch dimensions.
const DIMENSIONS: [&str; 2] = ["function", "route"];

/// The metric event's fields that become CloudWatch metrics, with their units. The request
/// units are only there on DynamoDB; a metric is declared only when its field is present.
const METRICS: [(&str, &str); 5] = [
    ("latency_ms", "Milliseconds"),
    ("store_reads", "Count"),
    ("store_writes", "Count"),
    ("store_read_units", "Count"),
    ("store_write_units", "Count"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metrics {
    Off,
    /// Embedded Metric Format objects in this CloudWatch namespace.
    Emf {
        namespace: String,
    },
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub format: LogFormat,
    pub metrics: Metrics,
    /// An `EnvFilter` directive such as `info` or `shared=debug`.
    pub filter: String,
}

impl Settings {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let in_lambda = var("AWS_LAMBDA_FUNCTION_NAME").is_some();
        let format = if in_lambda || var("LOG_FORMAT").is_some_and(|f| f == "json") {
            LogFormat::Json
        } else {
            LogFormat::Text
        };
        let emf = match var("METRICS").as_deref() {
            Some("emf") => true,
            Some("off") => false,
            _ => in_lambda,
        };
        let metrics = if emf {
            Metrics::Emf {
                namespace: var("METRICS_NAMESPACE").unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
            }
        } else {
            Metrics::Off
        };
        Settings {
            format,
            metrics,
            filter: var("RUST_LOG").unwrap_or_else(|| "info".into()),
        }
    }
}

/// Installs the process-wide subscriber from the environment. A second call (tests) keeps
/// the first subscriber.
pub fn init() {
    let installed =
        tracing::subscriber::set_global_default(subscriber(&Settings::from_env(), std::io::stdout));
    drop(installed);
}

/// The subscriber [`init`] installs, writing to `writer`: tests capture its output with one.
pub fn subscriber<W>(settings: &Settings, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Clone + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = filter.and(filter_fn(|metadata| metadata.target() != METRICS_TARGET));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(writer.clone())
        .with_target(false);
    let log_layer = match settings.format {
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_span_list(false)
            .without_time()
            .with_filter(logs)
            .boxed(),
        LogFormat::Text => fmt.with_filter(logs).boxed(),
    };
    let metrics_layer = match &settings.metrics {
        Metrics::Off => None,
        Metrics::Emf { namespace } => Some(
            EmfLayer {
                namespace: namespace.clone(),
                writer,
            }
            .with_filter(filter_fn(|metadata| metadata.target() == METRICS_TARGET)),
        ),
    };
    Box::new(Registry::default().with(log_layer).with(metrics_layer))
}

/// Whether the installed subscriber prints request metrics (so whether counting a
/// request's store round trips is worth it).
pub fn metrics_enabled() -> bool {
    tracing::enabled!(target: METRICS_TARGET, tracing::Level::INFO)
}

/// Prints each metric event as one EMF object: the event's fields at the top level, the
/// `_aws` metadata naming which of them are dimensions and metrics.
struct EmfLayer<W> {
    namespace: String,
    writer: W,
}

impl<S, W> Layer<S> for EmfLayer<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = JsonFields::default();
        event.record(&mut fields);
        let mut document = fields.0;
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let metrics: Vec<Value> = METRICS
            .iter()
            .filter(|(name, _)| document.contains_key(*name))
            .map(|(name, unit)| serde_json::json!({ "Name": name, "Unit": unit }))
            .collect();
        document.insert(
            "_aws".into(),
            serde_json::json!({
                "Timestamp": timestamp,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [DIMENSIONS],
                    "Metrics": metrics,
                }],
            }),
        );
        let mut line = Value::Object(document).to_string();
        line.push('\n');
        // A lost metric line must never fail the request.
        let _ = self.writer.make_writer().write_all(line.as_bytes());
    }
}

/// An event's fields as JSON values.
#[derive(Default)]
struct JsonFields(Map<String, Value>);

impl Visit for JsonFields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if let Some(number) = Number::from_f64(value) {
            self.0.insert(field.name().into(), Value::Number(number));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}
