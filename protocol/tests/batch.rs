//! The shared batch codec: what the agent writes, the server reads back exactly; what is out of
//! bounds is refused by name; money never wraps.

use concierge_protocol::batch::{
    self, Batch, CampaignBucket, CampaignEvent, Cart, ConsentState, Event, Item, Payload,
};
use concierge_protocol::money::{self, Currency};
use concierge_protocol::names::{CommerceKind, Decision};
use concierge_protocol::writer::JsonWriter;
use concierge_protocol::Value;

fn item(id: &str, price: i64, quantity: u32) -> Item {
    Item { id: id.into(), name: format!("Product {id}"), category: None, price, quantity }
}

fn sample() -> Batch {
    let mut phone = item("aurora-x1", 79_900, 1);
    phone.category = Some("Phones".into());
    let cart = Cart { currency: Currency::EUR, lines: vec![phone.clone()], updated_at: Some(5) };
    let granted = ConsentState::from_legacy(Decision::Granted, Decision::Denied);
    Batch {
        site: "demo".into(),
        visitor_id: "vis_abcdefghijklmnop".into(),
        secret: "sec_abcdefghijklmnop".into(),
        batch_key: "batch_12345678".into(),
        cart_code: Some("K7M-4QP".into()),
        dropped: 3,
        events: vec![
            Event { id: "evt_00000001".into(), at: 1, payload: Payload::Consent(granted) },
            Event { id: "evt_00000002".into(), at: 2, payload: Payload::Cart(cart) },
            Event {
                id: "evt_00000003".into(),
                at: 3,
                payload: Payload::Commerce {
                    kind: CommerceKind::Purchase,
                    items: vec![phone],
                    transaction_id: Some("T-1".into()),
                },
            },
            Event {
                id: "evt_00000004".into(),
                at: 4,
                payload: Payload::Campaign {
                    event: CampaignEvent::Conversion,
                    campaign: "cart-recovery".into(),
                    variant: Some("code".into()),
                    bucket: CampaignBucket::Treatment,
                    value: Some(45.0),
                },
            },
        ],
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn a_batch_survives_the_round_trip_through_json_text() {
    let batch = sample();
    let text = serde_json::to_string(&batch::encode_batch(&batch)).unwrap();
    assert_eq!(batch::decode_batch(&json(&text)), Ok(batch.clone()));
    assert_eq!(batch::encode_batch(&batch).json_len(), text.len(), "json_len is exact");
}

#[test]
fn the_agent_writes_the_text_serde_writes_of_the_same_batch() {
    let batch = sample();
    let mut writer = JsonWriter::new();
    batch::write_batch(&mut writer, &batch);
    let written = writer.finish();
    assert_eq!(written, serde_json::to_string(&batch::encode_batch(&batch)).unwrap());
    assert_eq!(written, batch::encode_batch(&batch).to_json());
}

/// (a change to the sample's JSON, the field named, the start of the message)
#[test]
fn what_is_out_of_bounds_is_refused_by_name() {
    let cases: [(&str, &str, &str); 7] = [
        (
            r#"{"price":9223372036854775807}"#,
            "events[2].items[0].price",
            "must be a whole number from 0 to 1000000000000",
        ),
        (r#"{"price":-1}"#, "events[2].items[0].price", "must be a whole number from 0"),
        (
            r#"{"quantity":10000}"#,
            "events[2].items[0].quantity",
            "must be a whole number from 1 to 9999",
        ),
        (r#"{"quantity":1.5}"#, "events[2].items[0].quantity", "must be a whole number"),
        (r#"{"item_name":7}"#, "events[2].items[0].item_name", "must be a string, got a number"),
        (r#"{"colour":"red"}"#, "events[2].items[0].colour", "is not a known field"),
        (r#"{"item_id":null}"#, "events[2].items[0].item_id", "is required"),
    ];
    for (change, path, message) in cases {
        let mut value: serde_json::Value =
            serde_json::to_value(batch::encode_batch(&sample())).unwrap();
        let item = &mut value["events"][2]["items"][0];
        for (key, new) in serde_json::from_str::<serde_json::Map<_, _>>(change).unwrap() {
            item[key] = new;
        }
        let problem = batch::decode_batch(&json(&value.to_string())).unwrap_err();
        assert_eq!(problem.path, path, "{change}");
        assert!(problem.message.starts_with(message), "{change}: {}", problem.message);
    }
}

#[test]
fn cart_totals_saturate_instead_of_wrapping() {
    let absurd = Cart {
        currency: Currency::EUR,
        lines: vec![item("a", i64::MAX, 1), item("b", i64::MAX, 1)],
        updated_at: None,
    };
    assert_eq!(absurd.total().minor, i64::MAX, "never the -2 two wrapped lines once showed");
    assert_eq!(money::line_total(i64::MAX, 9_999), i64::MAX);
    // Within the limits every total is exact.
    let largest = concierge_protocol::limits::MAX_PRICE_MINOR;
    let full: Vec<_> = (0..100).map(|n| item(&format!("p{n}"), largest, 9_999)).collect();
    let cart = Cart { currency: Currency::EUR, lines: full, updated_at: None };
    assert_eq!(cart.total().minor, concierge_protocol::limits::MAX_TOTAL_MINOR);
}

/// The consent payload of issue 9 (contract section 4): by purpose, with the policy version
/// and the source; the released agents' two words still read; each bad field named.
#[test]
fn the_consent_payload_is_by_purpose_and_the_released_one_still_reads() {
    let decode = |consent: &str| batch::decode_consent(&json(consent), "consent");
    let state = decode(
        r#"{"policy":2,"purposes":{"measurement":"granted","marketing":"denied"},"source":"gpc"}"#,
    )
    .unwrap();
    assert_eq!(state.decision("measurement"), Decision::Granted);
    assert_eq!(state.decision("marketing"), Decision::Denied);
    assert_eq!(state.decision("personalization"), Decision::Unset);
    assert_eq!((state.policy, state.source.name()), (2, "gpc"));
    assert!(state.allows(concierge_protocol::names::Purpose::Analytics), "analytics: measurement");

    let released = decode(r#"{"storage":"granted","analytics":"denied"}"#).unwrap();
    assert_eq!(released, ConsentState::from_legacy(Decision::Granted, Decision::Denied));
    assert_eq!(released.decision("personalization"), Decision::Granted);

    let cases = [
        (
            r#"{"policy":0,"purposes":{},"source":"api"}"#,
            "consent.policy",
            "must be a policy version",
        ),
        (r#"{"policy":2,"purposes":[],"source":"api"}"#, "consent.purposes", "must be an object"),
        (
            r#"{"policy":2,"purposes":{"Ads!":"granted"},"source":"api"}"#,
            "consent.purposes.Ads!",
            "is not a purpose id",
        ),
        (
            r#"{"policy":2,"purposes":{"ads":"yes"},"source":"api"}"#,
            "consent.purposes.ads",
            "must be \"granted\"",
        ),
        (
            r#"{"policy":2,"purposes":{},"source":"banner"}"#,
            "consent.source",
            "must be dialog, panel",
        ),
        (r#"{"policy":2,"purposes":{}}"#, "consent.source", "is required"),
        (
            r#"{"policy":2,"purposes":{},"source":"api","storage":"granted"}"#,
            "consent.storage",
            "is not a known field",
        ),
    ];
    for (consent, path, message) in cases {
        let problem = decode(consent).unwrap_err();
        assert_eq!(problem.path, path, "{consent}");
        assert!(problem.message.starts_with(message), "{consent}: {}", problem.message);
    }
}

/// The campaign payload of issue 10 (contract, Wire): its text as the contract writes it, every
/// event and bucket round trip, and each bad field refused by name.
#[test]
fn the_campaign_payload_reads_as_the_contract_writes_it_and_refuses_bad_fields_by_name() {
    let read = |text: &str| batch::decode_event(&json(text), "events[0]");
    let holdout = read(
        r#"{"id":"evt_00000009","at":7,"name":"campaign","campaign":"welcome-back","variant":null,"bucket":"holdout","event":"holdout"}"#,
    )
    .unwrap();
    assert_eq!(
        holdout.payload,
        Payload::Campaign {
            event: CampaignEvent::Holdout,
            campaign: "welcome-back".into(),
            variant: None,
            bucket: CampaignBucket::Holdout,
            value: None,
        }
    );
    assert_eq!(holdout.payload.name(), "campaign");
    assert_eq!(holdout.payload.purpose(), Some(concierge_protocol::names::Purpose::Analytics));
    let mut writer = JsonWriter::new();
    batch::write_event(&mut writer, &holdout);
    assert_eq!(
        writer.finish(),
        r#"{"id":"evt_00000009","name":"campaign","at":7,"campaign":"welcome-back","variant":null,"bucket":"holdout","event":"holdout"}"#
    );
    for event in CampaignEvent::ALL {
        assert_eq!(CampaignEvent::from_name(event.name()), Some(event));
    }

    let good = r#"{"id":"evt_00000009","at":7,"name":"campaign","campaign":"cart-recovery","variant":"code","bucket":"treatment","event":"click"}"#;
    assert!(read(good).is_ok());
    let cases: [(&str, &str, &str); 10] = [
        (r#"{"campaign":"no spaces"}"#, "events[0].campaign", "must be 1-64 letters"),
        (r#"{"campaign":null}"#, "events[0].campaign", "is required"),
        (r#"{"variant":7}"#, "events[0].variant", "must be a string, got a number"),
        (
            r#"{"variant":"way-too-long-for-a-variant-id-xxxxxxx"}"#,
            "events[0].variant",
            "must be 1-32",
        ),
        (r#"{"bucket":"control"}"#, "events[0].bucket", "must be \"treatment\" or \"holdout\""),
        (r#"{"bucket":"holdout"}"#, "events[0].bucket", "is holdout, which a click event cannot"),
        (r#"{"event":"hover"}"#, "events[0].event", "must be impression, click, dismiss"),
        (r#"{"value":45}"#, "events[0].value", "is allowed on conversion events only"),
        (r#"{"event":"conversion","value":-1}"#, "events[0].value", "must be a number from 0"),
        (r#"{"items":[]}"#, "events[0].items", "is not allowed on campaign events"),
    ];
    refused_with(read, good, &cases);
    // A campaign's fields on another kind of event are refused too.
    let stray = r#"{"id":"evt_00000009","at":7,"name":"purchase","campaign":"cart-recovery"}"#;
    assert_eq!(read(stray).unwrap_err().path, "events[0].campaign");
}

#[test]
fn the_interests_payload_reads_as_the_agent_writes_it_and_refuses_bad_fields_by_name() {
    let read = |text: &str| batch::decode_event(&json(text), "events[2]");
    let good = r#"{"id":"evt_00000009","name":"interests","at":7,"top":[{"dimension":"category","key":"phones","score":0.82},{"dimension":"price_band","key":"300-1000","score":1}]}"#;
    let event = read(good).unwrap();
    assert_eq!(event.payload.name(), "interests");
    let Payload::Interests { top } = &event.payload else { panic!("interests") };
    assert_eq!(
        (top[0].dimension.as_str(), top[0].key.as_str(), top[0].score),
        ("category", "phones", 0.82)
    );
    let mut writer = JsonWriter::new();
    batch::write_event(&mut writer, &event);
    assert_eq!(writer.finish(), good, "written as read");

    let entry = |fields: &str| {
        text_of(&format!(r#"{{"id":"evt_00000009","name":"interests","at":7,"top":[{fields}]}}"#))
    };
    let cases = [
        (
            entry(r#"{"dimension":"colour","key":"red","score":1}"#),
            "events[2].top[0].dimension",
            "must be category, brand or price_band",
        ),
        (
            entry(r#"{"dimension":"brand","key":" ","score":1}"#),
            "events[2].top[0].key",
            "must not be empty",
        ),
        (
            entry(&format!(r#"{{"dimension":"brand","key":"{}","score":1}}"#, "k".repeat(65))),
            "events[2].top[0].key",
            "is longer than 64",
        ),
        (
            entry(r#"{"dimension":"brand","key":"x","score":-0.1}"#),
            "events[2].top[0].score",
            "must be a number from 0 to 1",
        ),
        (entry(r#"{"dimension":"brand","key":"x"}"#), "events[2].top[0].score", "is required"),
        (
            entry(r#"{"dimension":"brand","key":"x","score":1,"because":[]}"#),
            "events[2].top[0].because",
            "is not a known field",
        ),
        (
            text_of(r#"{"id":"evt_00000009","name":"interests","at":7}"#),
            "events[2].top",
            "is required",
        ),
        (
            text_of(r#"{"id":"evt_00000009","name":"interests","at":7,"top":{}}"#),
            "events[2].top",
            "must be an array",
        ),
        (
            text_of(&format!(
                r#"{{"id":"evt_00000009","name":"interests","at":7,"top":[{}]}}"#,
                [r#"{"dimension":"brand","key":"x","score":1}"#; 11].join(",")
            )),
            "events[2].top",
            "has more than 10 entries",
        ),
        (
            text_of(r#"{"id":"evt_00000009","name":"interests","at":7,"top":[],"items":[]}"#),
            "events[2].items",
            "is not allowed on interests events",
        ),
        (
            text_of(r#"{"id":"evt_00000009","name":"view_item","at":7,"top":[]}"#),
            "events[2].top",
            "is not allowed on view_item events",
        ),
    ];
    for (text, path, message) in cases {
        let problem = read(&text).unwrap_err();
        assert_eq!(problem.path, path, "{text}");
        assert!(problem.message.starts_with(message), "{text}: {}", problem.message);
    }
}

fn text_of(text: &str) -> String {
    text.to_owned()
}

#[test]
fn the_handoff_payload_reads_as_the_contract_writes_it_and_refuses_bad_fields_by_name() {
    use concierge_protocol::batch::{Handoff, HandoffKind, TranscriptLine};
    let read = |text: &str| batch::decode_event(&json(text), "events[0]");
    let good = r#"{"id":"evt_00000009","name":"handoff","at":7,"kind":"call","phone":"+31 6 1234 5678","cart_code":"K7M-4QP","transcript":[{"from":"visitor","text":"Is it waterproof?"},{"from":"assistant","text":"Yes."}]}"#;
    let call = read(good).unwrap();
    assert_eq!(
        call.payload,
        Payload::Handoff(Handoff {
            kind: HandoffKind::Call,
            phone: Some("+31 6 1234 5678".into()),
            cart_code: Some("K7M-4QP".into()),
            transcript: vec![
                TranscriptLine { visitor: true, text: "Is it waterproof?".into() },
                TranscriptLine { visitor: false, text: "Yes.".into() },
            ],
        })
    );
    assert_eq!(call.payload.name(), "handoff");
    let mut writer = JsonWriter::new();
    batch::write_event(&mut writer, &call);
    assert_eq!(writer.finish(), good, "the agent writes what the server reads");
    // A store visit needs no phone and no transcript.
    let store = read(r#"{"id":"evt_00000009","at":7,"name":"handoff","kind":"store"}"#).unwrap();
    assert!(matches!(store.payload, Payload::Handoff(Handoff { kind: HandoffKind::Store, .. })));

    let long = "x".repeat(1001);
    let long_line = format!(r#"{{"transcript":[{{"from":"visitor","text":"{long}"}}]}}"#);
    let many =
        format!(r#"{{"transcript":[{}]}}"#, vec![r#"{"from":"visitor","text":"a"}"#; 41].join(","));
    let cases: Vec<(&str, &str, &str)> = vec![
        (r#"{"kind":"email"}"#, "events[0].kind", "must be \"call\" or \"store\""),
        (r#"{"kind":null}"#, "events[0].kind", "is required"),
        (r#"{"phone":null}"#, "events[0].phone", "is required for a call"),
        (r#"{"phone":"call me maybe"}"#, "events[0].phone", "must be a phone number"),
        (r#"{"phone":"12345"}"#, "events[0].phone", "must be a phone number"),
        (r#"{"phone":"+1234567890123456"}"#, "events[0].phone", "must be a phone number"),
        (r#"{"phone":"<img src=x>"}"#, "events[0].phone", "must be a phone number"),
        (r#"{"phone":7}"#, "events[0].phone", "must be a string, got a number"),
        (r#"{"cart_code":"nope"}"#, "events[0].cart_code", "must look like K7M-4QP"),
        (r#"{"transcript":"hi"}"#, "events[0].transcript", "must be an array"),
        (&many, "events[0].transcript", "has more than 40 entries"),
        (
            r#"{"transcript":[{"from":"staff","text":"a"}]}"#,
            "events[0].transcript[0].from",
            "must be \"visitor\" or \"assistant\"",
        ),
        (r#"{"transcript":[{"from":"visitor"}]}"#, "events[0].transcript[0].text", "is required"),
        (&long_line, "events[0].transcript[0].text", "is longer than 1000 characters"),
        (
            r#"{"transcript":[{"from":"visitor","text":"a","at":1}]}"#,
            "events[0].transcript[0].at",
            "is not a known field",
        ),
        (r#"{"items":[]}"#, "events[0].items", "is not allowed on handoff events"),
        (r#"{"campaign":"x"}"#, "events[0].campaign", "is not allowed on handoff events"),
    ];
    refused_with(read, good, &cases);
    // A handoff's fields on another kind of event are refused too.
    let stray = r#"{"id":"evt_00000009","at":7,"name":"purchase","phone":"+31 6 1234 5678"}"#;
    assert_eq!(read(stray).unwrap_err().path, "events[0].phone");
    for phone in ["+31 6 1234 5678", "(020) 555-0100", "0612345678", "+1.415.555.0100"] {
        assert!(batch::is_phone(phone), "{phone}");
    }
    for phone in ["", "+", "++31612345678", "06-12", "-0612345678", "0612345678 ext 2"] {
        assert!(!batch::is_phone(phone), "{phone}");
    }
}

/// Each case changes `good`'s fields (a JSON object of the fields to set) and `read` must refuse
/// the result at `path` with a message starting with `message`.
fn refused_with(
    read: impl Fn(&str) -> Result<batch::Event, concierge_protocol::Problem>,
    good: &str,
    cases: &[(&str, &str, &str)],
) {
    for (change, path, message) in cases {
        let mut value: serde_json::Value = serde_json::from_str(good).unwrap();
        for (key, new) in serde_json::from_str::<serde_json::Map<_, _>>(change).unwrap() {
            value[key] = new;
        }
        let problem = read(&value.to_string()).unwrap_err();
        assert_eq!(problem.path, *path, "{change}");
        assert!(problem.message.starts_with(message), "{change}: {}", problem.message);
    }
}
