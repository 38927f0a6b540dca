//! The load harness of storedesk (BENCHMARKS.md).
//!
//! It drives a running server over HTTP (and WebSocket for `live`) with a fixed number of
//! connections for a fixed time after a warm-up, each connection sending its next request as
//! soon as the last one is answered (a closed loop, as agents and apps behave). Latencies go
//! into HDR histograms; a request counts as an error when it is not a `200` or its body has
//! an `errors` entry. When told the server's process id, it samples the server's CPU time and
//! resident memory from `/proc` over the measured window.
//!
//! The dataset comes from `storedesk bench seed` (its accounts and password are known), and
//! the server must run with the abuse limits off (`STOREDESK_RATE_*=0`): the whole load comes
//! from one address. `scripts/bench.sh` does both.

pub mod client;
pub mod live;
pub mod process;
pub mod report;
pub mod run;
pub mod scenarios;
pub mod suite;
pub mod world;

pub use report::{Outcome, Report};
pub use run::RunConfig;
pub use scenarios::Scenario;
pub use suite::{Item, run_suite};
pub use world::World;
