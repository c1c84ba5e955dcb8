//! The HTTP surface. Handlers are thin: parse, authenticate, call one domain function, answer.
//!
//! | Path | What |
//! |---|---|
//! | `POST /api/{v}/participant/auth/token/generate` | token (form) |
//! | `POST /auth/realms/{realm}/protocol/openid-connect/token` | legacy token URL |
//! | `POST /api/{v}/participant/search`, `/create`, `/update` | registry |
//! | `POST /api/{v}/audit/search` | caller's own messages |
//! | `POST /api/{v}/{resource}/{action}` | every protocol API |
//! | `GET /certs/{code}/encryption_cert.pem` | registered certificates |
//! | `POST /participants/{slug}/{path}` | hosted (scripted) participants' callback endpoints |
//! | `POST /sandbox/demo-provider/send`, `GET /sandbox/demo-provider/inbox` | demo provider control |
//! | `POST /api/{v}/relay/{resource}/{action}`, `/api/{v}/relay/participant/search` | peer instances only (`relay`) |
//! | `GET /health`, `GET /api/{v}/health` | liveness |

pub mod audit;
pub mod auth;
pub mod demo;
pub mod error;
pub mod hosted;
pub mod protocol;
pub mod registry;
pub mod relay;
pub mod token;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hcx_protocol::ApiVersion;
use serde_json::json;

use crate::state::SharedState;

/// Largest request body accepted (JWE bundles with scanned documents can be large).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Builds the router.
pub fn router(state: SharedState) -> Router {
    let health = || async { axum::Json(json!({"status": "ok"})) };
    Router::new()
        .route("/health", get(health))
        .route("/api/{version}/health", get(health))
        .route("/api/{version}/participant/auth/token/generate", post(token::generate))
        .route("/auth/realms/{realm}/protocol/openid-connect/token", post(token::generate))
        .route("/api/{version}/participant/search", post(registry::search))
        .route("/api/{version}/participant/create", post(registry::create))
        .route("/api/{version}/participant/update", post(registry::update))
        .route("/api/{version}/audit/search", post(audit::search))
        .route("/api/{version}/{resource}/{action}", post(protocol::handle))
        .route("/api/{version}/relay/participant/search", post(relay::registry_search))
        .route("/api/{version}/relay/{resource}/{action}", post(relay::hop))
        .route("/certs/{code}/encryption_cert.pem", get(registry::cert))
        .route("/participants/{slug}/{*rest}", post(hosted::receive))
        .route("/sandbox/demo-provider/send", post(demo::send))
        .route("/sandbox/demo-provider/inbox", get(demo::inbox))
        .layer(middleware::from_fn(known_version))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Only `/api/v0.7`, `/api/v0.8` and `/api/v0.9` are routed (404 otherwise), as on the gateway.
async fn known_version(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if let Some(rest) = path.strip_prefix("/api/") {
        let version = rest.split('/').next().unwrap_or_default();
        if version.parse::<ApiVersion>().is_err() {
            return error::ApiError::not_found(format!("unknown API version {version}"))
                .into_response();
        }
    }
    next.run(req).await
}
