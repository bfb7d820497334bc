//! Protobuf types generated from `proto/omsvc.proto`.

#![allow(clippy::all, missing_docs)]

include!(concat!(env!("OUT_DIR"), "/omsvc.v1.rs"));
