//! [`StatefulConfig`]: one service's typed configuration over the node's table.

use super::submitter::ConfigSubmitter;
use crate::error::{Cause, Error};
use crate::leadership::TermIndex;
use crate::services::EpochToken;
use crate::table::{
    encode_delete_request, encode_run_control_request, encode_set_request,
    encode_stamped_delete_request, encode_stamped_set_request, validate_service_name, ConfigTable,
};
use std::marker::PhantomData;
use std::sync::Arc;

/// A configuration that can say whether its service should run. libomsvc asks it only while no
/// user start or stop was ever recorded for the service (see [`StatefulConfig::should_run`]):
/// so a database written before run control had a record of its own keeps its meaning.
pub trait RunControlledConfiguration {
    /// Whether this configuration says the service should run.
    fn should_run(&self) -> bool;
}

/// The configuration of one stateful service, a protobuf message `M`. Reads are local;
/// writes are log entries submitted through the host's replication path.
///
/// A service writes with the [`EpochToken`] of its run ([`StatefulConfig::save`]): the entry
/// is stamped with the epoch, and every peer refuses it unless it was appended in that term,
/// so a leader that lost its leadership can never take the configuration backwards. A user's
/// start and stop ([`StatefulConfig::request_stop`]) live in a run-control record of their own
/// that no save of the configuration touches.
pub struct StatefulConfig<M> {
    name: String,
    table: Arc<ConfigTable>,
    submitter: Arc<dyn ConfigSubmitter>,
    _message: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for StatefulConfig<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatefulConfig")
            .field("name", &self.name)
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
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

    /// The service this configuration belongs to.
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
                    source: Cause::new(source),
                }
            }),
        }
    }

    /// The service's save in the run `writer` was handed at start; returns once it is applied
    /// on this node. Fails at once with [`Error::EpochEnded`] when that epoch has ended, and
    /// with [`Error::StaleWriterEpoch`] when the entry was appended in a later term (every peer
    /// refused it; nothing was written).
    pub fn save(&self, writer: &EpochToken, configuration: &M) -> Result<TermIndex, Error> {
        let request =
            encode_stamped_set_request(&self.name, &configuration.encode_to_vec(), writer.epoch())?;
        self.submitter.submit_as(request, writer)
    }

    /// The service's removal of its configuration, stamped like [`StatefulConfig::save`].
    pub fn delete(&self, writer: &EpochToken) -> Result<TermIndex, Error> {
        let request = encode_stamped_delete_request(&self.name, writer.epoch())?;
        self.submitter.submit_as(request, writer)
    }

    /// An operator's save (a tool, a test, a host setting an initial value): not stamped, so
    /// not fenced. A service saves with [`StatefulConfig::save`].
    pub fn save_as_operator(&self, configuration: &M) -> Result<TermIndex, Error> {
        let request = encode_set_request(&self.name, &configuration.encode_to_vec())?;
        self.submitter.submit(request)
    }

    /// An operator's removal of the configuration (not fenced).
    pub fn delete_as_operator(&self) -> Result<TermIndex, Error> {
        let request = encode_delete_request(&self.name)?;
        self.submitter.submit(request)
    }

    /// The user's last start (`true`) or stop (`false`), or `None` when none was recorded.
    pub fn run_control(&self) -> Result<Option<bool>, Error> {
        self.table.run_control(&self.name)
    }

    /// A user's stop: records "should not run" in the service's run-control record. Every peer
    /// applies it, the leader's runner then stops the service, and no later leader starts it;
    /// no save of the configuration, concurrent or later, changes it.
    pub fn request_stop(&self) -> Result<TermIndex, Error> {
        self.submit_run_control(false)
    }

    /// A user's start: records "should run"; the leader's runner starts the service.
    pub fn request_start(&self) -> Result<TermIndex, Error> {
        self.submit_run_control(true)
    }

    fn submit_run_control(&self, should_run: bool) -> Result<TermIndex, Error> {
        self.submitter
            .submit(encode_run_control_request(&self.name, should_run)?)
    }
}

impl<M: prost::Message + Default + RunControlledConfiguration> StatefulConfig<M> {
    /// Whether the service should run: the user's last start or stop when one was recorded;
    /// otherwise what the persisted configuration says (a database from before run-control
    /// records), or with none saved, what `M::default()` says.
    pub fn should_run(&self) -> Result<bool, Error> {
        match self.run_control()? {
            Some(should_run) => Ok(should_run),
            None => Ok(self.read()?.unwrap_or_default().should_run()),
        }
    }
}
