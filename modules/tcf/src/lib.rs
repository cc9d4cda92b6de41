//! The `tcf` lazy module's Wasm: decodes the TC string of the page's IAB TCF v2.2 consent
//! manager with `concierge_protocol::tcf::decode` and answers only what the engine's mapping
//! reads, so the core agent carries no decoder (docs/architecture.md, "Lazy modules").
//!
//! The TC string comes in as it is, with the policy's vendor id beside it (0: none), and one
//! JSON string goes out: either sets of TCF purposes as numbers, bit `n` for purpose `n`,
//! `{"purpose_consents": 130, "purpose_legitimate_interests": 4, "vendor_consent": true,
//!   "vendor_legitimate_interest": false, "restrictions": [128, 0, 0]}` (the purposes the
//! publisher restricts for the vendor, by restriction type: not allowed, consent required,
//! legitimate interest required), or `{"error": "..."}` with the decoder's reason. No JSON parser and no number formatting: the
//! answer is written by hand from small integers, which keeps the module's Wasm small
//! (docs/decisions.md). `src/web/tcf.js` is its glue.

use concierge_protocol::tcf::{self, IdSet};

/// The answer for `tc_string` and the policy's vendor (`None`: the policy names none).
pub fn answer(tc_string: &str, vendor: Option<u16>) -> String {
    let mut out = String::from("{");
    match tcf::decode(tc_string) {
        Ok(decoded) => write(&mut out, &decoded.core, vendor),
        Err(error) => {
            out.push_str("\"error\":\"");
            for c in error.describe().chars() {
                match c {
                    '"' | '\\' => {
                        out.push('\\');
                        out.push(c);
                    }
                    c if c < ' ' => out.push(' '),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
    }
    out.push('}');
    out
}

fn push_number(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let (mut n, mut at) = (n, digits.len());
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[at..].iter().for_each(|d| out.push(char::from(*d)));
}

/// The ids as bits (a TCF purpose is at most 24; anything above 31 cannot be one).
fn bits(ids: impl IntoIterator<Item = u16>) -> u32 {
    ids.into_iter().fold(0, |bits, id| bits | 1u32.checked_shl(u32::from(id)).unwrap_or(0))
}

fn field(out: &mut String, name: &str, value: u32) {
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
    push_number(out, value);
    out.push(',');
}

fn write(out: &mut String, core: &tcf::Core, vendor: Option<u16>) {
    field(out, "purpose_consents", bits(core.purpose_consents.iter().copied()));
    let interests = bits(core.purpose_legitimate_interests.iter().copied());
    field(out, "purpose_legitimate_interests", interests);
    // Without a vendor id the policy asks for no vendor's consent.
    let listed = |set: &IdSet| vendor.is_none_or(|id| set.contains(&id));
    let flag = |flag: bool| if flag { "true," } else { "false," };
    out.push_str("\"vendor_consent\":");
    out.push_str(flag(listed(&core.vendor_consents)));
    out.push_str("\"vendor_legitimate_interest\":");
    out.push_str(flag(listed(&core.vendor_legitimate_interests)));
    let mut restricted = [0u32; 3];
    for restriction in &core.publisher_restrictions {
        if vendor.is_some_and(|id| restriction.vendors.contains(&id)) {
            restricted[restriction.restriction_type as usize] |=
                bits([u16::from(restriction.purpose_id)]);
        }
    }
    out.push_str("\"restrictions\":[");
    for (kind, set) in restricted.iter().enumerate() {
        if kind > 0 {
            out.push(',');
        }
        push_number(out, *set);
    }
    out.push(']');
}

#[cfg(target_arch = "wasm32")]
mod exports {
    //! The module's exports: the glue writes the request into memory lent by `tcf_alloc`,
    //! calls `tcf_decode`, and reads the answer at `tcf_output`.
    use std::cell::RefCell;

    thread_local! {
        /// The last answer, kept until the next call so the glue can read it.
        static OUTPUT: RefCell<String> = const { RefCell::new(String::new()) };
    }

    /// Lends the glue `len` bytes for a request; `tcf_decode` takes them back.
    #[no_mangle]
    pub extern "C" fn tcf_alloc(len: usize) -> *mut u8 {
        Box::into_raw(vec![0u8; len].into_boxed_slice()).cast()
    }

    /// Where the last answer starts; `tcf_decode` returns its length in bytes.
    #[no_mangle]
    pub extern "C" fn tcf_output() -> *const u8 {
        OUTPUT.with(|output| output.borrow().as_ptr())
    }

    /// Decodes the TC string lent by `tcf_alloc(len)` for vendor `vendor` (0: none) and
    /// returns the answer's length.
    ///
    /// # Safety
    /// `ptr` and `len` must come from one `tcf_alloc(len)` call, filled with UTF-8 (the glue
    /// writes it with `TextEncoder`).
    #[no_mangle]
    pub unsafe extern "C" fn tcf_decode(ptr: *mut u8, len: usize, vendor: u32) -> usize {
        // SAFETY: the caller hands back exactly the boxed slice `tcf_alloc` leaked.
        let bytes = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) };
        // SAFETY: TextEncoder output is UTF-8.
        let tc_string = unsafe { String::from_utf8_unchecked(bytes.into_vec()) };
        let vendor = u16::try_from(vendor).ok().filter(|id| *id != 0);
        let answer = super::answer(&tc_string, vendor);
        OUTPUT.with(|output| {
            let len = answer.len();
            *output.borrow_mut() = answer;
            len
        })
    }
}

/// The module is single-threaded (no Wasm threads), which makes this allocator sound; it never
/// frees, which a page that decodes a few TC strings never notices.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::LeakingAllocator> =
    // SAFETY: the module never runs on more than one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::LeakingAllocator::new()) };
