//! Cart arithmetic and currency handling.

use super::support::*;
use concierge::engine::cart::{Cart, CartChanges, CartRefusal, MAX_LINES, MAX_QUANTITY};
use concierge::engine::money::Currency;

#[test]
fn adding_merges_lines_by_id_and_totals_in_minor_units() {
    let mut cart = Cart::new(Currency::EUR);
    cart.add(&[item("a", 1999, 2), item("b", 3500, 1)], T0);
    cart.add(&[item("a", 1999, 1)], T0 + 1);
    assert_eq!(cart.lines.len(), 2);
    assert_eq!(cart.lines[0].quantity, 3);
    assert_eq!(cart.item_count(), 4);
    // 3 × 19.99 + 35.00 = 94.97, exactly, where f64 sums of 19.99 drift.
    assert_eq!(cart.total().minor, 9497);
    assert_eq!(cart.total().major(), 94.97);
    assert_eq!(cart.updated_at, Some(T0 + 1));
}

#[test]
fn the_latest_name_and_price_of_a_product_win() {
    let mut cart = Cart::new(Currency::EUR);
    cart.add(&[item("a", 1000, 1)], T0);
    let mut renamed = item("a", 900, 1);
    renamed.name = "Sale".into();
    cart.add(&[renamed], T0);
    assert_eq!(
        (cart.lines[0].name.as_str(), cart.lines[0].price, cart.lines[0].quantity),
        ("Sale", 900, 2)
    );
}

#[test]
fn removing_reduces_quantity_and_drops_empty_lines() {
    let mut cart = Cart::new(Currency::EUR);
    cart.add(&[item("a", 500, 3), item("b", 700, 1)], T0);
    cart.remove(&[item("a", 0, 1)], T0);
    assert_eq!(cart.lines[0].quantity, 2);
    cart.remove(&[item("a", 0, 5), item("missing", 0, 1)], T0);
    assert_eq!(cart.lines.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["b"]);
    assert_eq!(cart.total().minor, 700);
}

#[test]
fn a_listing_replaces_the_cart() {
    let mut cart = Cart::new(Currency::EUR);
    cart.add(&[item("a", 500, 3)], T0);
    cart.replace(&[item("b", 700, 2)], T0);
    assert_eq!(cart.total().minor, 1400);
    assert_eq!(cart.lines.len(), 1);
}

#[test]
fn quantities_and_lines_are_bounded() {
    let mut cart = Cart::new(Currency::EUR);
    cart.add(&[item("a", 1, MAX_QUANTITY)], T0);
    cart.add(&[item("a", 1, 10)], T0);
    assert_eq!(cart.lines[0].quantity, MAX_QUANTITY);
    let many: Vec<_> = (0..MAX_LINES + 2).map(|i| item(&format!("p{i}"), 1, 1)).collect();
    let refusals = cart.add(&many, T0);
    assert_eq!(cart.lines.len(), MAX_LINES);
    assert_eq!(refusals.len(), 3);
    assert_eq!(refusals[0], CartRefusal::TooManyLines { id: format!("p{}", MAX_LINES - 1) });
}

#[test]
fn currencies_parse_and_convert_by_their_minor_digits() {
    let cases = [
        ("eur", 19.99, 1999),
        ("JPY", 1500.0, 1500),
        ("KWD", 1.234, 1234),
        ("USD", 0.1 + 0.2, 30),
        ("EUR", 799.0, 79900),
    ];
    for (code, major, minor) in cases {
        let currency = Currency::parse(code).expect(code);
        assert_eq!(currency.to_minor(major), Some(minor), "{code} {major}");
        assert_eq!(currency.to_major(minor), (major * 1000.0).round() / 1000.0, "{code}");
    }
    for bad in ["", "EU", "EURO", "E1R", "€€€"] {
        assert_eq!(Currency::parse(bad), None, "{bad:?}");
    }
    assert_eq!(Currency::EUR.to_minor(f64::NAN), None);
    assert_eq!(Currency::EUR.to_minor(1e300), None);
}
