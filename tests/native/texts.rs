//! The i18n catalogue: complete in every language, placeholders kept, negotiation by language.

use concierge::engine::i18n::{self, Texts, ALL, EN};

fn fields(texts: &Texts) -> [(&'static str, &'static str); 14] {
    [
        ("consent_label", texts.consent_label),
        ("consent_title", texts.consent_title),
        ("consent_body", texts.consent_body),
        ("consent_accept", texts.consent_accept),
        ("consent_reject", texts.consent_reject),
        ("recovery_label", texts.recovery_label),
        ("recovery_title", texts.recovery_title),
        ("recovery_body", texts.recovery_body),
        ("recovery_quantity", texts.recovery_quantity),
        ("recovery_more", texts.recovery_more),
        ("recovery_total", texts.recovery_total),
        ("recovery_resume", texts.recovery_resume),
        ("recovery_dismiss", texts.recovery_dismiss),
        ("recommendations_title", texts.recommendations_title),
    ]
}

#[test]
fn every_language_has_every_text_with_the_same_placeholders() {
    assert!(ALL.len() >= 4);
    for texts in ALL {
        for ((key, text), (_, english)) in fields(texts).into_iter().zip(fields(&EN)) {
            assert!(!text.trim().is_empty(), "{}.{key} is empty", texts.lang);
            assert_eq!(text.contains("{n}"), english.contains("{n}"), "{}.{key}", texts.lang);
            assert!(!text.contains('<'), "{}.{key} looks like markup", texts.lang);
        }
    }
}

#[test]
fn languages_are_negotiated_by_their_primary_subtag() {
    let cases = [
        ("es-ES", "es"),
        ("nl_BE", "nl"),
        ("DE-at", "de"),
        ("en-GB", "en"),
        ("fr-FR", "en"),
        ("", "en"),
    ];
    for (locale, lang) in cases {
        assert_eq!(i18n::texts_for(locale).lang, lang, "{locale}");
    }
    assert_eq!(i18n::fill("Qty {n}", 3), "Qty 3");
}
