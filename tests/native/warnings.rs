//! The console warnings the engine asks for, worded by the engine without `core::fmt`.

use concierge::engine::cart::{CartRefusal, MAX_LINES};
use concierge::engine::config::{iso_time, ConfigSource};
use concierge::engine::money::Currency;
use concierge::engine::persist::Section;
use concierge::engine::Warning;
use concierge_protocol::Problem;

#[test]
fn every_warning_reads_as_the_console_shows_it() {
    let kept = ConfigSource::Kept { fetched_at: 1_795_435_200_000 };
    let full = Warning::CartRefused(CartRefusal::TooManyLines { id: "SKU-1".into() });
    assert_eq!(
        full.describe(),
        format!("the cart is full ({MAX_LINES} lines); \"SKU-1\" was not added")
    );
    let cases = [
        (
            Warning::StoredCurrencyChanged {
                stored: Currency::EUR,
                configured: Currency::parse("usd").unwrap(),
            },
            "the stored cart is in EUR but data-currency is USD; the stored cart was discarded",
        ),
        (
            Warning::BatchRejected { status: 422, events: 3 },
            "the backend refused a batch of 3 events with HTTP 422; they were dropped (see its \
             answer in the network panel)",
        ),
        (Warning::EventTooLarge, "an event is larger than the backend accepts; it was dropped"),
        (
            Warning::VisitorErased,
            "the backend has erased this visitor; the agent forgets its identity and asks for \
             consent again",
        ),
        (
            Warning::SectionForeign(Section::Outbox),
            "the stored outbox is in a newer format than this agent reads; it is left as it is",
        ),
        (
            Warning::ConfigInvalid {
                problems: vec![
                    Problem::new("documents[0].idle_minutes", "must be a whole number"),
                    Problem::new("", "the config must be an object, got null"),
                ],
                using: kept,
            },
            "the shop's published config is invalid (documents[0].idle_minutes: must be a whole \
             number; the config must be an object, got null); using the copy kept on this device \
             from 2026-11-23T12:00:00.000Z",
        ),
        (
            Warning::ConfigUnreachable {
                reason: "the backend answered HTTP 503".into(),
                using: ConfigSource::Defaults,
            },
            "the shop's published config could not be fetched (the backend answered HTTP 503); \
             using the built-in defaults and the page's data-* attributes",
        ),
        (
            Warning::ConfigUnreachable { reason: "offline".into(), using: ConfigSource::Fetched },
            "the shop's published config could not be fetched (offline); using the config \
             fetched on this page",
        ),
    ];
    for (warning, expected) in cases {
        assert_eq!(warning.describe(), expected);
    }
}

#[test]
fn times_read_as_javascript_writes_them() {
    // Each as `new Date(ms).toISOString()` gives it.
    let cases = [
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (951_868_799_999, "2000-02-29T23:59:59.999Z"),
        (1_709_164_800_123, "2024-02-29T00:00:00.123Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (253_402_300_800_000, "+010000-01-01T00:00:00.000Z"),
        (8_640_000_000_000_000, "+275760-09-13T00:00:00.000Z"),
    ];
    for (millis, expected) in cases {
        assert_eq!(iso_time(millis), expected, "{millis}");
    }
}
