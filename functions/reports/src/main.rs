//! The Reports API function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::serve(reports::router()).await
}
