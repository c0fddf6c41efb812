//! The Client API function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::serve(client::router()).await
}
