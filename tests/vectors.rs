//! Golden encodings under `tests/vectors/`: the bytes libomsvc writes for each message must
//! never change, and the Java side decodes and re-encodes the same files.
//! `OMSVC_REGENERATE_VECTORS=1 cargo test --release --test vectors` rewrites them (review the diff).

use omsvc_core::proto::{
    service_configuration_command::Command, service_configuration_response::Outcome,
    DeleteServiceConfigurationRequest, ServiceConfigurationCommand, ServiceConfigurationResponse,
    SetRunControlRequest, SetServiceConfigurationRequest, TransactionInfo,
};
use omsvc_core::Term;
use prost::Message;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn configuration(spec: &str) -> Vec<u8> {
    let (kind, value) = spec.split_once(':').unwrap_or((spec, ""));
    match kind {
        "empty" => Vec::new(),
        "utf8" => value.as_bytes().to_vec(),
        "hex" => (0..value.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&value[i..i + 2], 16).unwrap())
            .collect(),
        "pattern" => (0..value.parse::<usize>().unwrap())
            .map(|i| (i % 251) as u8)
            .collect(),
        other => panic!("unknown configuration spec {other:?}"),
    }
}

/// Builds the message a manifest line describes and encodes it.
fn encode(message: &str, fields: &BTreeMap<&str, &str>) -> Vec<u8> {
    let number = |key: &str| fields[key].parse::<u64>().unwrap();
    let writer_epoch = fields
        .get("writer_epoch")
        .map(|epoch| epoch.parse::<u64>().unwrap());
    match message {
        "ServiceConfigurationCommand.set" => ServiceConfigurationCommand {
            command: Some(Command::Set(SetServiceConfigurationRequest {
                service_name: fields["service_name"].to_owned(),
                configuration: configuration(fields["configuration"]),
            })),
            writer_epoch,
        }
        .encode_to_vec(),
        "ServiceConfigurationCommand.delete" => ServiceConfigurationCommand {
            command: Some(Command::Delete(DeleteServiceConfigurationRequest {
                service_name: fields["service_name"].to_owned(),
            })),
            writer_epoch,
        }
        .encode_to_vec(),
        "ServiceConfigurationCommand.set_run_control" => ServiceConfigurationCommand {
            command: Some(Command::SetRunControl(SetRunControlRequest {
                service_name: fields["service_name"].to_owned(),
                should_run: fields["should_run"].parse().unwrap(),
            })),
            writer_epoch,
        }
        .encode_to_vec(),
        "TransactionInfo" => TransactionInfo {
            term: number("term"),
            index: number("index"),
        }
        .encode_to_vec(),
        "ServiceConfigurationResponse" => ServiceConfigurationResponse {
            outcome: Outcome::from_str_name(fields["outcome"]).unwrap() as i32,
            transaction_info: Some(TransactionInfo {
                term: number("term"),
                index: number("index"),
            }),
            error: fields["error"].to_owned(),
        }
        .encode_to_vec(),
        other => panic!("unknown message {other:?}"),
    }
}

fn manifest() -> Vec<(String, String, BTreeMap<&'static str, &'static str>)> {
    let text: &'static str = include_str!("vectors/manifest.tsv");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let mut columns = line.split('\t');
            let file = columns.next().unwrap().to_owned();
            let message = columns.next().unwrap().to_owned();
            let fields = columns
                .map(|field| field.split_once('=').unwrap())
                .collect();
            (file, message, fields)
        })
        .collect()
}

#[test]
fn every_vector_encodes_to_its_golden_bytes_and_decodes_back() {
    let regenerate = std::env::var_os("OMSVC_REGENERATE_VECTORS").is_some();
    let entries = manifest();
    assert_eq!(entries.len(), 14);
    for (file, message, fields) in entries {
        let encoded = encode(&message, &fields);
        let path = vectors_dir().join(&file);
        if regenerate {
            std::fs::write(&path, &encoded).unwrap();
        }
        let golden = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            encoded, golden,
            "{file}: encoding differs from the golden bytes"
        );
        let reencoded = match message.as_str() {
            m if m.starts_with("ServiceConfigurationCommand") => {
                ServiceConfigurationCommand::decode(golden.as_slice())
                    .unwrap()
                    .encode_to_vec()
            }
            "TransactionInfo" => TransactionInfo::decode(golden.as_slice())
                .unwrap()
                .encode_to_vec(),
            _ => ServiceConfigurationResponse::decode(golden.as_slice())
                .unwrap()
                .encode_to_vec(),
        };
        assert_eq!(
            reencoded, golden,
            "{file}: decode + encode is not byte-identical"
        );
    }
}

#[test]
fn the_small_set_vector_matches_a_hand_encoding() {
    // field 1 (set), length 32 { field 1 (name), length 19, "KeyLifecycleService";
    //                            field 2 (configuration), length 9, "suspended" }
    let mut expected = vec![0x0a, 0x20, 0x0a, 0x13];
    expected.extend_from_slice(b"KeyLifecycleService");
    expected.extend_from_slice(&[0x12, 0x09]);
    expected.extend_from_slice(b"suspended");
    assert_eq!(
        std::fs::read(vectors_dir().join("set_small.bin")).unwrap(),
        expected
    );
    assert_eq!(
        omsvc_core::encode_set_request("KeyLifecycleService", b"suspended").unwrap(),
        expected
    );
}

#[test]
fn the_library_encoders_produce_the_golden_bytes() {
    let read = |file: &str| std::fs::read(vectors_dir().join(file)).unwrap();
    assert_eq!(
        omsvc_core::encode_delete_request("KeyLifecycleService").unwrap(),
        read("delete.bin")
    );
    assert_eq!(
        omsvc_core::encode_set_request("TrashRecoveryService", b"").unwrap(),
        read("set_empty_configuration.bin")
    );
    let large = configuration("pattern:70000");
    assert_eq!(
        omsvc_core::encode_set_request("ContainerBalancer", &large).unwrap(),
        read("set_large_configuration.bin")
    );
}

#[test]
fn the_library_encoders_of_stamped_writes_and_run_control_produce_the_golden_bytes() {
    let read = |file: &str| std::fs::read(vectors_dir().join(file)).unwrap();
    assert_eq!(
        omsvc_core::encode_stamped_set_request("KeyLifecycleService", b"position-16", Term(16))
            .unwrap(),
        read("set_stamped.bin")
    );
    assert_eq!(
        omsvc_core::encode_stamped_set_request("KeyLifecycleService", b"", Term(0)).unwrap(),
        read("set_stamped_epoch_zero.bin")
    );
    assert_eq!(
        omsvc_core::encode_stamped_delete_request("KeyLifecycleService", Term(4_294_967_297))
            .unwrap(),
        read("delete_stamped.bin")
    );
    assert_eq!(
        omsvc_core::encode_run_control_request("KeyLifecycleService", false).unwrap(),
        read("run_control_stop.bin")
    );
    assert_eq!(
        omsvc_core::encode_run_control_request("KeyLifecycleService", true).unwrap(),
        read("run_control_start.bin")
    );
    // An operator's write carries no epoch: its bytes are those of the first version.
    let mut stamped = read("set_stamped.bin");
    let unstamped = omsvc_core::encode_set_request("KeyLifecycleService", b"position-16").unwrap();
    assert_eq!(&stamped[..unstamped.len()], unstamped.as_slice());
    stamped.truncate(unstamped.len());
    assert_eq!(stamped, unstamped, "the epoch is a trailing field 4");
}
