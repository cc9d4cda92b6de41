//! The time, read through `Date.now()` so that test clocks (Playwright's `page.clock`) drive it.

use crate::engine::Millis;

pub fn now() -> Millis {
    js_sys::Date::now() as Millis
}
