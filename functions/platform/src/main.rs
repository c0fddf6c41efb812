//! The Platform API function (`/platform/api/v1/...`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::serve(platform::router()).await
}
