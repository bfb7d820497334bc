//! Generates the protobuf types from `proto/omsvc.proto` with a pure-Rust compiler (protox),
//! so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=../../proto/omsvc.proto");
    let descriptors = protox::compile(["../../proto/omsvc.proto"], ["../../proto"])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
