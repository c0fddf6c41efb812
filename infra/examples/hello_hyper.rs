//! The throughput benchmark's baseline (`make bench-throughput`): a bare hyper server that
//! answers every request with a fixed body, served the way the local server serves (tokio's
//! multi-threaded runtime, one task per HTTP/1.1 connection). What the local server reaches
//! against it is the share the API's own work leaves of what hyper can do on the machine.

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3001".into());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("hello-hyper listening on http://127.0.0.1:{port}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let service = service_fn(|_request| async {
                Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                    b"Hello, world!",
                ))))
            });
            // A client closing its connection ends the task; nothing to report.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
