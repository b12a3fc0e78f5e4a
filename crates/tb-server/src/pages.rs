//! The dashboard (placeholder until the pages land).
use axum::Router;

use crate::App;

pub struct Templates;

impl Templates {
    pub fn new() -> anyhow::Result<Templates> {
        Ok(Templates)
    }
}

pub fn routes(router: Router<App>) -> Router<App> {
    router
}
