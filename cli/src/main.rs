//! `concierge-cli`: checks config documents (`check FILE...`) before they are published.

fn main() {}
