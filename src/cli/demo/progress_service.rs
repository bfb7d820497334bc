//! The demo's stateful service: it works through numbered items as the leader, saving its
//! progress through the cluster after each one, and resumes from the saved progress wherever
//! it starts next.

use omsvc_core::{EpochToken, RunControlledConfiguration, Service, ServiceError, StatefulConfig};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The service's persisted configuration. A user's stop is kept apart (the run-control
/// record), so saving progress never undoes it; `suspended` only keeps its meaning for
/// databases written before that record existed.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DemoProgress {
    #[prost(bool, tag = "1")]
    pub suspended: bool,
    /// The next item to process.
    #[prost(uint64, tag = "2")]
    pub next_item: u64,
    #[prost(uint64, tag = "3")]
    pub saved_in_epoch: u64,
    #[prost(string, tag = "4")]
    pub saved_by: String,
}

impl RunControlledConfiguration for DemoProgress {
    fn should_run(&self) -> bool {
        !self.suspended
    }
}

/// What the service reports as it works (the demo prints these as its timeline).
#[derive(Debug, Clone)]
pub enum ProgressEvent {
    Started {
        node: String,
        epoch: u64,
        resume_from: u64,
        saved_by: String,
        saved_in_epoch: u64,
    },
    Saved {
        node: String,
        epoch: u64,
        next_item: u64,
        /// The log entry the save was committed as: (term, index).
        entry: (u64, u64),
    },
    SaveFailed {
        node: String,
        error: String,
    },
    Stopped {
        node: String,
    },
}

pub type EventSink = Arc<dyn Fn(ProgressEvent) + Send + Sync>;

pub struct ProgressService {
    node: String,
    config: StatefulConfig<DemoProgress>,
    step: Duration,
    sink: EventSink,
    worker: Mutex<Option<(Arc<AtomicBool>, JoinHandle<()>)>>,
}

impl ProgressService {
    pub fn new(
        node: String,
        config: StatefulConfig<DemoProgress>,
        step: Duration,
        sink: EventSink,
    ) -> Self {
        ProgressService {
            node,
            config,
            step,
            sink,
            worker: Mutex::new(None),
        }
    }
}

impl Service for ProgressService {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        let progress = self.config.read()?.unwrap_or_default();
        (self.sink)(ProgressEvent::Started {
            node: self.node.clone(),
            epoch: epoch.epoch().0,
            resume_from: progress.next_item,
            saved_by: progress.saved_by.clone(),
            saved_in_epoch: progress.saved_in_epoch,
        });
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            node: self.node.clone(),
            config: self.config.clone(),
            step: self.step,
            sink: self.sink.clone(),
            stop: stop.clone(),
            epoch,
        };
        let handle = std::thread::Builder::new()
            .name(format!("demo-progress-{}", self.node))
            .spawn(move || worker.run(progress.next_item))?;
        *self.worker.lock().unwrap_or_else(|p| p.into_inner()) = Some((stop, handle));
        Ok(())
    }

    fn stop(&self) -> Result<(), ServiceError> {
        if let Some((stop, handle)) = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take() {
            stop.store(true, Ordering::SeqCst);
            let _ = handle.join();
        }
        (self.sink)(ProgressEvent::Stopped {
            node: self.node.clone(),
        });
        Ok(())
    }

    fn should_run(&self) -> Result<bool, ServiceError> {
        Ok(self.config.should_run()?)
    }
}

struct Worker {
    node: String,
    config: StatefulConfig<DemoProgress>,
    step: Duration,
    sink: EventSink,
    stop: Arc<AtomicBool>,
    epoch: EpochToken,
}

impl Worker {
    fn run(self, mut next_item: u64) {
        while !self.stop.load(Ordering::SeqCst) && self.epoch.is_current() {
            std::thread::sleep(self.step);
            // "Process" item `next_item`, then save that the next one is due.
            let progress = DemoProgress {
                suspended: false,
                next_item: next_item + 1,
                saved_in_epoch: self.epoch.epoch().0,
                saved_by: self.node.clone(),
            };
            // The save is stamped with the epoch: it fails at once once the epoch has ended,
            // and every peer refuses it if it is appended in a later term.
            match self.config.save(&self.epoch, &progress) {
                Ok(receipt) => {
                    next_item += 1;
                    (self.sink)(ProgressEvent::Saved {
                        node: self.node.clone(),
                        epoch: self.epoch.epoch().0,
                        next_item,
                        entry: (receipt.term.0, receipt.index.0),
                    });
                }
                // This run's epoch ended (the node lost its leadership): nothing to report, the
                // runner is stopping the service.
                Err(omsvc_core::Error::EpochEnded { .. }) => break,
                Err(error) => {
                    (self.sink)(ProgressEvent::SaveFailed {
                        node: self.node.clone(),
                        error: error.to_string(),
                    });
                    break;
                }
            }
        }
    }
}
