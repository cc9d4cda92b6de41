//! Backend tests: the router driven in process (no sockets), on SQLite and, when
//! `CONCIERGE_TEST_DATABASE_URL` names one, on PostgreSQL too (`./build.sh test` starts one).

mod agent;
mod campaigns;
mod config;
mod documents;
mod events;
mod handoffs;
mod policy_admin;
mod profiles;
mod receipts;
mod retention;
mod staff;
mod static_files;
mod support;
mod timeouts;
