//! A campaign's message with its `{{variables}}` filled: values go in as text, in one pass (a
//! value that itself reads `{{cart.code}}` or `<b>` stays exactly that), and amounts are
//! written in the visitor's language as the browser's `Intl.NumberFormat` writes them.
//!
//! The view is set on the page with `textContent`, so nothing here is HTML and nothing needs
//! HTML escaping; "escaping" is that no value is ever read as markup or as another template.

use super::money::Money;
use concierge_protocol::text::push_integer;

/// What the variables of [`concierge_protocol::documents::TEMPLATE_VARIABLES`] stand for now.
pub struct Values<'a> {
    pub total: Money,
    pub count: u32,
    /// The cart code, when the visitor's choices let the agent have one.
    pub code: Option<&'a str>,
    /// The name of the cart's first item.
    pub item: Option<&'a str>,
    /// The language the message is in (`en`, `es`, `nl`, `de`).
    pub lang: &'a str,
}

/// `template` with each `{{name}}` replaced by its value (unknown names, and values the visitor
/// does not have, by nothing); a `{{` without its `}}` stays as written.
pub fn fill(template: &str, values: &Values<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = pair_at(rest, b'{') {
        let Some(close) = pair_at(&rest[open + 2..], b'}') else { break };
        out.push_str(&rest[..open]);
        match rest[open + 2..open + 2 + close].trim() {
            "cart.total" => out.push_str(&format_money(values.total, values.lang)),
            "cart.count" => push_integer(&mut out, i128::from(values.count)),
            "cart.code" => out.push_str(values.code.unwrap_or("")),
            "item.name" => out.push_str(values.item.unwrap_or("")),
            _ => {}
        }
        rest = &rest[open + 2 + close + 2..];
    }
    out.push_str(rest);
    out
}

/// Where `text` first has `byte` twice in a row. A byte scan rather than `str::find`, whose
/// substring searcher costs more Wasm than this; `{` and `}` are ASCII, so cuts fall on
/// character boundaries.
fn pair_at(text: &str, byte: u8) -> Option<usize> {
    text.as_bytes().windows(2).position(|pair| pair[0] == byte && pair[1] == byte)
}

/// How a language writes an amount: the currency's sign (before or after, with a no-break
/// space where `Intl` puts one), and the separators.
struct Style {
    before: bool,
    /// A sign written as letters (`CHF`) is always spaced; `€` and `$` are spaced only here.
    spaced: bool,
    group: char,
    decimal: char,
    /// The fewest integer digits that are grouped at all (Spanish leaves `1234` whole).
    grouping_from: usize,
}

const NO_BREAK_SPACE: char = '\u{a0}';

/// `amount` as `Intl.NumberFormat(lang, { style: "currency", currency })` writes it for the
/// agent's four languages (CLDR's language defaults): `€1,234.50`, `1234,50 €`, `€ 1.234,50`,
/// `1.234,50 €`; currencies without a sign of their own in that language by their code.
pub fn format_money(amount: Money, lang: &str) -> String {
    let (style, signs): (Style, &[(&str, &str)]) = match lang {
        "es" => (
            Style { before: false, spaced: true, group: '.', decimal: ',', grouping_from: 5 },
            &[("EUR", "€"), ("USD", "US$")],
        ),
        "nl" => (
            Style { before: true, spaced: true, group: '.', decimal: ',', grouping_from: 4 },
            &[("EUR", "€"), ("USD", "US$"), ("GBP", "£"), ("JPY", "JP¥")],
        ),
        "de" => (
            Style { before: false, spaced: true, group: '.', decimal: ',', grouping_from: 4 },
            &[("EUR", "€"), ("USD", "$"), ("GBP", "£"), ("JPY", "¥")],
        ),
        _ => (
            Style { before: true, spaced: false, group: ',', decimal: '.', grouping_from: 4 },
            &[("EUR", "€"), ("USD", "$"), ("GBP", "£"), ("JPY", "¥")],
        ),
    };
    let code = amount.currency.code();
    let sign = signs.iter().find(|(known, _)| *known == code).map(|(_, sign)| *sign);
    let spaced = style.spaced || sign.is_none();
    let sign = sign.unwrap_or(code);
    let mut out = String::with_capacity(24);
    if style.before {
        out.push_str(sign);
        if spaced {
            out.push(NO_BREAK_SPACE);
        }
    }
    push_number(&mut out, amount, &style);
    if !style.before {
        out.push(NO_BREAK_SPACE);
        out.push_str(sign);
    }
    out
}

fn push_number(out: &mut String, amount: Money, style: &Style) {
    let digits = amount.currency.minor_digits();
    let scale = 10u64.pow(digits);
    if amount.minor < 0 {
        out.push('-');
    }
    let minor = amount.minor.unsigned_abs();
    let mut whole = String::new();
    push_integer(&mut whole, i128::from(minor / scale));
    let grouped = whole.len() >= style.grouping_from;
    for (position, digit) in whole.chars().enumerate() {
        if grouped && position > 0 && (whole.len() - position) % 3 == 0 {
            out.push(style.group);
        }
        out.push(digit);
    }
    if digits > 0 {
        out.push(style.decimal);
        let mut fraction = String::new();
        push_integer(&mut fraction, i128::from(minor % scale));
        for _ in fraction.len()..digits as usize {
            out.push('0');
        }
        out.push_str(&fraction);
    }
}
