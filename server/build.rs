//! Rebuilds the server when a migration is added: `sqlx::migrate!` embeds the directory's files
//! at compile time, and Cargo would not otherwise notice a new one.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
