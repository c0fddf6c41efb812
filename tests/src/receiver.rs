//! A real HTTP receiver for webhook and agent-bot deliveries: it records every request and
//! answers with scripted statuses (then 200), so tests see exactly what went over the wire.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    /// Responses still to give, in order: status and optional `Location`.
    script: VecDeque<(u16, Option<String>)>,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Receiver {
    /// Listens on a free loopback port.
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let state = state.clone();
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                let (status, location) = {
                                    let mut shared = state.lock().unwrap();
                                    shared.received.push(Received {
                                        path: parts.uri.path().to_owned(),
                                        headers: parts.headers,
                                        body: String::from_utf8_lossy(&body).into_owned(),
                                    });
                                    shared.script.pop_front().unwrap_or((200, None))
                                };
                                let mut response = hyper::Response::builder().status(status);
                                if let Some(location) = location {
                                    response = response.header("location", location);
                                }
                                Ok::<_, Infallible>(
                                    response.body(Full::new(Bytes::from_static(b"{}"))).unwrap(),
                                )
                            }
                        });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver { url, shared }
    }

    /// The next responses, in order (afterwards: 200).
    pub fn answer(&self, statuses: &[u16]) {
        let mut shared = self.shared.lock().unwrap();
        shared.script.extend(statuses.iter().map(|s| (*s, None)));
    }

    /// The next response redirects to `location`.
    pub fn redirect(&self, location: &str) {
        let mut shared = self.shared.lock().unwrap();
        shared.script.push_back((302, Some(location.to_owned())));
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// The bodies received for event `name`.
    pub fn events(&self, name: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.json()["event"] == name)
            .collect()
    }
}
