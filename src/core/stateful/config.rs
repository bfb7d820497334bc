//! [`StatefulConfig`]: one service's typed configuration over the node's table.

use super::submitter::{ConfigSubmitter, SubmitReceipt};
use crate::core::config::{
    encode_delete_request, encode_set_request, validate_service_name, ConfigTable,
};
use crate::core::error::Error;
use std::marker::PhantomData;
use std::sync::Arc;

/// A configuration that records whether its service should run, so a user's stop survives
/// failover: the next leader reads "should not run" and does not start the service.
pub trait RunControlledConfiguration {
    fn should_run(&self) -> bool;
    fn set_should_run(&mut self, should_run: bool);
}

/// The configuration of one stateful service, a protobuf message `M`. Reads are local;
/// writes are log entries submitted through the host's replication path.
pub struct StatefulConfig<M> {
    name: String,
    table: Arc<ConfigTable>,
    submitter: Arc<dyn ConfigSubmitter>,
    _message: PhantomData<fn() -> M>,
}

impl<M> Clone for StatefulConfig<M> {
    fn clone(&self) -> Self {
        StatefulConfig {
            name: self.name.clone(),
            table: self.table.clone(),
            submitter: self.submitter.clone(),
            _message: PhantomData,
        }
    }
}

impl<M: prost::Message + Default> StatefulConfig<M> {
    pub(crate) fn new(
        name: &str,
        table: Arc<ConfigTable>,
        submitter: Arc<dyn ConfigSubmitter>,
    ) -> Result<Self, Error> {
        validate_service_name(name)?;
        Ok(StatefulConfig {
            name: name.to_owned(),
            table,
            submitter,
            _message: PhantomData,
        })
    }

    pub fn service_name(&self) -> &str {
        &self.name
    }

    /// The persisted configuration, or `None` when none was ever saved (or it was deleted).
    pub fn read(&self) -> Result<Option<M>, Error> {
        match self.table.read(&self.name)? {
            None => Ok(None),
            Some(bytes) => M::decode(bytes.as_slice()).map(Some).map_err(|source| {
                Error::CorruptConfiguration {
                    name: self.name.clone(),
                    source,
                }
            }),
        }
    }

    /// Replicates `configuration`; returns once it is applied on this node.
    pub fn save(&self, configuration: &M) -> Result<SubmitReceipt, Error> {
        let request = encode_set_request(&self.name, &configuration.encode_to_vec())?;
        self.submitter.submit(request)
    }

    pub fn delete(&self) -> Result<SubmitReceipt, Error> {
        let request = encode_delete_request(&self.name)?;
        self.submitter.submit(request)
    }
}

impl<M: prost::Message + Default + RunControlledConfiguration> StatefulConfig<M> {
    /// What the persisted configuration says; with none saved, what `M::default()` says.
    pub fn should_run(&self) -> Result<bool, Error> {
        Ok(self.read()?.unwrap_or_default().should_run())
    }

    /// A user's stop: persists "should not run" (keeping the rest of the configuration). Every
    /// peer applies it, and the leader's runner then stops the service; no later leader
    /// starts it.
    pub fn request_stop(&self) -> Result<SubmitReceipt, Error> {
        self.persist_should_run(false)
    }

    /// A user's start: persists "should run"; the leader starts the service.
    pub fn request_start(&self) -> Result<SubmitReceipt, Error> {
        self.persist_should_run(true)
    }

    fn persist_should_run(&self, should_run: bool) -> Result<SubmitReceipt, Error> {
        let mut configuration = self.read()?.unwrap_or_default();
        configuration.set_should_run(should_run);
        self.save(&configuration)
    }
}
