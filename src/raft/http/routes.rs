//! What each path answers.

use super::cluster_view::ClusterViews;
use crate::metrics_snapshot;
use crate::server::ServerContext;
use crate::status;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use std::sync::Arc;

/// The status page: plain HTML and a script, no build step.
const PAGE: &str = include_str!("page.html");

pub struct Routes {
    context: Arc<ServerContext>,
    cluster: ClusterViews,
}

impl Routes {
    pub fn new(context: Arc<ServerContext>) -> Routes {
        Routes {
            cluster: ClusterViews::new(context.clone()),
            context,
        }
    }

    pub async fn answer(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        if !matches!(*request.method(), Method::GET | Method::HEAD) {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET is served\n");
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        match request.uri().path() {
            "/" | "/index.html" => body(
                StatusCode::OK,
                "text/html; charset=utf-8",
                Bytes::from_static(PAGE.as_bytes()),
            ),
            "/metrics" => body(
                StatusCode::OK,
                metrics_snapshot::CONTENT_TYPE,
                Bytes::from(metrics_snapshot::render(&self.context)),
            ),
            "/status" => json(
                serde_json::to_vec(&status::build(&self.context).to_json()).unwrap_or_default(),
            ),
            "/cluster" => body(
                StatusCode::OK,
                "application/json",
                self.cluster.current().await,
            ),
            _ => plain(
                StatusCode::NOT_FOUND,
                "not found: this node serves /, /status, /cluster and /metrics\n",
            ),
        }
    }
}

fn body(status: StatusCode, content_type: &'static str, bytes: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(bytes));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn json(bytes: Vec<u8>) -> Response<Full<Bytes>> {
    body(StatusCode::OK, "application/json", Bytes::from(bytes))
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    body(
        status,
        "text/plain; charset=utf-8",
        Bytes::from_static(text.as_bytes()),
    )
}
