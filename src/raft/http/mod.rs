//! The node's HTTP listener (`omsvc node run --http ADDR`, off by default): `/metrics` for
//! Prometheus, `/status` (this node's [`NodeReport`](super::status::NodeReport) as JSON, as
//! `omsvc status --json` prints it), `/cluster` (every member's report, fetched by this node) and `/`, the
//! status page. Read-only: nothing here changes the node.
//!
//! One request per connection (no keep-alive), headers within 10 s, 64 connections at most:
//! a scraper or a browser costs a connection a second, and nothing can hold the listener.

mod cluster_view;
mod routes;

use super::server::ServerContext;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

const MAX_CONNECTIONS: usize = 64;
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, context: Arc<ServerContext>) {
    let routes = Arc::new(routes::Routes::new(context.clone()));
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(node = context.id, %error, "http: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::debug!(node = context.id, %peer, "http: refused a connection (all {MAX_CONNECTIONS} in use)");
            continue;
        };
        let routes = routes.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let routes = routes.clone();
                async move { Ok::<_, std::convert::Infallible>(routes.answer(request).await) }
            });
            let served = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(error) = served {
                tracing::debug!(%peer, %error, "http: a connection failed");
            }
            drop(slot);
        });
    }
}
