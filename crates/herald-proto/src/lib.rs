//! Generated gRPC code for Herald's public API.

/// The `herald.v1` package.
pub mod v1 {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("herald.v1");
}

/// Encoded `FileDescriptorSet` of every Herald proto, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/herald_descriptor.bin"));
