//! Stateful services in openraft mode, with real nodes in this process (real TCP on
//! 127.0.0.1, real RocksDB in temp dirs): a deposed leader's save never takes the
//! configuration backwards, and a save of an epoch that has ended fails at once.

use omsvc_core::Term;
use omsvc_core::{EpochToken, Error, Service, ServiceError, StatefulConfig};
use omsvc_raft::RaftTimeouts;
use omsvc_testkit::poll::eventually;
use omsvc_testkit::raft_cluster::{Cluster, SERVICE, WAIT};
use omsvc_testkit::serial::serial;
use omsvc_testkit::timings::IN_PROCESS;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The service's configuration: how far it got.
#[derive(Clone, PartialEq, prost::Message)]
struct Progress {
    #[prost(uint64, tag = "1")]
    position: u64,
}

/// What a saving worker ended with: when, and the error.
type Failure = (Instant, Error);

/// Keeps the token of its last start; optionally saves progress in a loop while it runs.
struct Saver {
    config: OnceLock<StatefulConfig<Progress>>,
    token: Mutex<Option<EpochToken>>,
    keep_saving: bool,
    failure: Arc<Mutex<Option<Failure>>>,
    worker: Mutex<Option<(Arc<AtomicBool>, JoinHandle<()>)>>,
}

impl Saver {
    fn new(keep_saving: bool) -> Arc<Saver> {
        Arc::new(Saver {
            config: OnceLock::new(),
            token: Mutex::new(None),
            keep_saving,
            failure: Default::default(),
            worker: Mutex::new(None),
        })
    }

    fn config(&self) -> &StatefulConfig<Progress> {
        self.config
            .get()
            .expect("attached after the cluster started")
    }

    fn token(&self) -> EpochToken {
        self.token.lock().unwrap().clone().expect("started once")
    }
}

impl Service for Saver {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        *self.token.lock().unwrap() = Some(epoch.clone());
        if !self.keep_saving {
            return Ok(());
        }
        let Some(config) = self.config.get().cloned() else {
            return Err("not attached yet".into());
        };
        let stop = Arc::new(AtomicBool::new(false));
        let (stopped, failure) = (stop.clone(), self.failure.clone());
        let worker = std::thread::spawn(move || {
            let mut position = 0;
            while !stopped.load(Ordering::SeqCst) {
                position += 1;
                if let Err(error) = config.save(&epoch, &Progress { position }) {
                    *failure.lock().unwrap() = Some((Instant::now(), error));
                    return;
                }
            }
        });
        *self.worker.lock().unwrap() = Some((stop, worker));
        Ok(())
    }

    fn stop(&self) -> Result<(), ServiceError> {
        if let Some((stop, worker)) = self.worker.lock().unwrap().take() {
            stop.store(true, Ordering::SeqCst);
            worker.join().map_err(|_| "the saving worker panicked")?;
        }
        Ok(())
    }
}

fn cluster_of_savers(
    timeouts: RaftTimeouts,
    keep_saving: bool,
) -> (Cluster, BTreeMap<u64, Arc<Saver>>) {
    let savers: Arc<Mutex<BTreeMap<u64, Arc<Saver>>>> = Default::default();
    let factory = {
        let savers = savers.clone();
        move |id: u64| -> Arc<dyn Service> {
            let saver = Saver::new(keep_saving);
            savers.lock().unwrap().insert(id, saver.clone());
            saver
        }
    };
    let cluster = Cluster::start(3, timeouts, 1000, factory);
    let savers = savers.lock().unwrap().clone();
    for (id, saver) in &savers {
        let node = cluster.node(*id);
        let config = node
            .node()
            .stateful_config::<Progress>(SERVICE, node.submitter())
            .unwrap();
        assert!(saver.config.set(config).is_ok());
    }
    (cluster, savers)
}

fn stored(cluster: &Cluster, id: u64) -> Option<Progress> {
    cluster
        .node(id)
        .node()
        .read_configuration(SERVICE)
        .unwrap()
        .map(|bytes| prost::Message::decode(bytes.as_slice()).unwrap())
}

#[test]
fn a_deposed_leaders_save_committed_in_a_later_term_is_refused_on_every_peer() {
    let _serial = serial();
    let (cluster, savers) = cluster_of_savers(IN_PROCESS, false);
    let (old, old_epoch) = cluster.leader();
    let old_token = savers[&old].token();
    savers[&old]
        .config()
        .save(&old_token, &Progress { position: 15 })
        .unwrap();
    // A save the old leader's service made while its epoch was current, delivered to the log
    // only after the next leader's own save (as a Ratis client's retry reaches a new leader).
    let late = omsvc_core::encode_stamped_set_request(
        SERVICE,
        &prost::Message::encode_to_vec(&Progress { position: 14 }),
        Term(old_epoch),
    )
    .unwrap();

    cluster.node(old).fault_switch().set_isolated(true);
    let (new, new_epoch) =
        cluster.wait_for_runner(WAIT, "another node to run the service", |node, epoch| {
            node != old && epoch > old_epoch
        });
    savers[&new]
        .config()
        .save(&savers[&new].token(), &Progress { position: 16 })
        .unwrap();

    let err = cluster
        .node(new)
        .submitter()
        .submit(late)
        .expect_err("the old epoch's write must be refused");
    let Error::StaleWriterEpoch {
        writer_epoch,
        term,
        index,
        ..
    } = err
    else {
        panic!("expected a StaleWriterEpoch refusal, got {err}");
    };
    assert_eq!((writer_epoch, term), (Term(old_epoch), Term(new_epoch)));

    cluster.node(old).fault_switch().set_isolated(false);
    cluster.wait_applied(index.0);
    for id in cluster.ids() {
        assert_eq!(
            stored(&cluster, id),
            Some(Progress { position: 16 }),
            "node {id} took the configuration backwards"
        );
    }
    let err = savers[&old]
        .config()
        .save(&old_token, &Progress { position: 17 })
        .unwrap_err();
    assert!(
        matches!(err, Error::EpochEnded { epoch } if epoch == Term(old_epoch)),
        "{err}"
    );
}

#[test]
fn a_save_of_an_epoch_that_ended_fails_at_once_not_at_the_write_bound() {
    let _serial = serial();
    let timeouts = RaftTimeouts::default();
    let write_bound = timeouts.election_max * 10;
    let (cluster, savers) = cluster_of_savers(timeouts, true);
    let (leader, epoch) = cluster.leader();
    let saver = &savers[&leader];
    let saved_before = stored(&cluster, leader).map_or(0, |p| p.position);
    assert!(
        eventually(WAIT, || stored(&cluster, leader)
            .is_some_and(|p| p.position > saved_before + 5)),
        "the leader's service is not saving"
    );

    let isolated_at = Instant::now();
    cluster.node(leader).fault_switch().set_isolated(true);
    let deadline = isolated_at + write_bound * 2;
    let (failed_at, error) = loop {
        if let Some(failure) = saver.failure.lock().unwrap().take() {
            break failure;
        }
        assert!(
            Instant::now() < deadline,
            "the isolated leader's save neither committed nor failed"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let after = failed_at.saturating_duration_since(isolated_at);
    eprintln!("the isolated leader's save failed {after:?} after the partition: {error}");
    assert!(
        matches!(error, Error::EpochEnded { epoch: ended } if ended == Term(epoch)),
        "expected the save to fail because epoch {epoch} ended, got: {error}"
    );
    assert!(
        after < write_bound,
        "the save failed only after {after:?}, not before the {write_bound:?} write bound"
    );
    cluster.node(leader).fault_switch().set_isolated(false);
}
