//! The Application API function (`/api/v1/...`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::serve(application::router()).await
}
