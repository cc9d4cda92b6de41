//! The `tcf` module's answers: what the engine's mapping reads from real TC strings (made with
//! `@iabtcf/core` 1.5: consent for purposes 1-10 or 1, 2, 5-10, legitimate interest for 2, vendor
//! 1234's or 99's consent, purpose 7 not allowed for vendor 1234), and errors as text.

use concierge_tcf::answer;

const ALL: &str = "CQujIwAQumbsAEsACBENCWEgAP_AAEAAAAYgJpQAQJpAAAAA.YAAAAAAAAAAA";
const NO_MARKETING: &str = "CQujIwAQumbsAEsACBENCWEgAM_AAEAAAAYgJpQAQJpAAAAA.YAAAAAAAAAAA";
const OTHER_VENDOR: &str = "CQujIwAQumbsAEsACBENCWEgAP_AAEAAAAYgAxwAQAxgAAAA.YAAAAAAAAAAA";
const RESTRICTED: &str =
    "CQujIwAQumbsAEsACBENCWEgAP_AAEAAAAYgJpQAQJpAAAACHAAQJpBwAIANwAAA.YAAAAAAAAAAA";

fn request(string: &str, vendor: Option<u16>) -> (&str, Option<u16>) {
    (string, vendor)
}

fn answer_to((string, vendor): (&str, Option<u16>)) -> String {
    answer(string, vendor)
}

#[test]
fn purposes_and_the_policys_vendor_are_reported() {
    // Purposes 1-10: bits 1 to 10, 2046; purpose 2 alone: 4.
    let all = r#"{"purpose_consents":2046,"purpose_legitimate_interests":4,"#;
    assert_eq!(
        answer_to(request(ALL, Some(1234))),
        [
            all,
            r#""vendor_consent":true,"vendor_legitimate_interest":false,"restrictions":[0,0,0]}"#
        ]
        .concat()
    );
    // Without 3 and 4: 2046 - 8 - 16.
    assert_eq!(
        answer_to(request(NO_MARKETING, Some(1234))),
        r#"{"purpose_consents":2022,"purpose_legitimate_interests":4,"vendor_consent":true,"vendor_legitimate_interest":false,"restrictions":[0,0,0]}"#
    );
    // Another vendor's consent is not the shop's.
    assert!(answer_to(request(OTHER_VENDOR, Some(1234))).contains(r#""vendor_consent":false"#));
    // With no vendor id in the policy, no vendor's consent is asked for.
    let unnamed = answer_to(request(OTHER_VENDOR, None));
    assert!(
        unnamed.contains(r#""vendor_consent":true,"vendor_legitimate_interest":true"#),
        "{unnamed}"
    );
}

#[test]
fn publisher_restrictions_naming_the_vendor_are_reported() {
    // Purpose 7 not allowed for vendor 1234: bit 7 of the first set.
    assert!(answer_to(request(RESTRICTED, Some(1234))).ends_with(r#""restrictions":[128,0,0]}"#));
    // Vendor 55's restriction (purpose 3, legitimate interest required) is not the shop's.
    assert!(answer_to(request(RESTRICTED, Some(55))).ends_with(r#""restrictions":[0,0,8]}"#));
    assert!(answer_to(request(RESTRICTED, Some(99))).ends_with(r#""restrictions":[0,0,0]}"#));
}

#[test]
fn bad_strings_and_requests_answer_an_error_never_a_panic() {
    let error = |request: (&str, Option<u16>)| {
        let text = answer_to(request);
        assert!(text.starts_with(r#"{"error":""#), "{request:?} gave {text}");
        text
    };
    error(request("not*base64", None));
    error(request(&ALL[..12], None));
    error(request("", Some(1)));
    // The reason is JSON text the glue parses, whatever it says.
    let text = error(request("C\"\\", None));
    let reason = text.trim_start_matches(r#"{"error":""#).trim_end_matches(r#""}"#);
    assert!(!reason.is_empty() && !reason.replace("\\\"", "").contains('"'), "{text}");
    // Every truncation of a valid string answers (an error or a decoding), never panics.
    for end in 0..RESTRICTED.len() {
        answer_to(request(&RESTRICTED[..end], Some(1234)));
    }
}
