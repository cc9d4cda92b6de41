//! Visitor ids as agents make them, for tests that bucket many visitors: shared by the
//! protocol's bucketing tests and the server's assignment tests (`#[path]`), so both sample the
//! same kind of id.

/// Visitor ids as the agent makes them (`vis_` and 26 base-32 characters), from splitmix64.
pub fn visitor_ids(count: usize, seed: u64) -> Vec<String> {
    const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..count)
        .map(|_| {
            let (mut high, mut low) = (next(), next());
            let mut id = String::from("vis_");
            for i in 0..26 {
                let word = if i < 13 { &mut high } else { &mut low };
                id.push(BASE32[(*word & 31) as usize] as char);
                *word >>= 5;
            }
            id
        })
        .collect()
}
