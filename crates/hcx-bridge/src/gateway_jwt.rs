//! The gateway's bearer JWT, as the bridge uses it. Minting and verification live in
//! [`hcx_protocol::gateway_jwt`], the one implementation the bridge and the sandbox share; this
//! module re-exports it so bridge users keep the `hcx_bridge::gateway_jwt` path.

pub use hcx_protocol::gateway_jwt::*;
