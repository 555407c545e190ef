//! Passerelle server library: configuration, database, authentication, services and HTTP.
//! The `passerelle` binary (main.rs) is a thin CLI over this.

pub mod auth;
pub mod bootstrap;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod commands_qr;
pub mod commands_serve;
pub mod commands_spool;
pub mod commands_tokens;
pub mod config;
pub mod db;
pub mod dicomweb;
pub mod dimse;
pub mod fetchback;
pub mod hl7;
pub mod http;
pub mod ingest;
pub mod netconfig;
pub mod qr;
pub mod queue;
pub mod routing;
pub mod services;
pub mod state;
pub mod storage;
pub mod synth;
pub mod targets;
pub mod telemetry;
pub mod workflow;
