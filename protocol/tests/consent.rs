//! Consent under a policy: what choices unlock, the words of the page's API, regions and GPC,
//! and when a choice is asked again. Each case names the rule it holds.

use concierge_protocol::consent::{
    builtin_policy, purpose_for_word, Choices, Source, TcfSignal, BUILTIN_POLICY,
};
use concierge_protocol::documents::{check_document, Document, Mode, OnNewVersion, Policy};
use concierge_protocol::names::{DataCategory, Decision, Feature};

const DAY: i64 = 86_400_000;
const G: Decision = Decision::Granted;
const D: Decision = Decision::Denied;

fn choices(pairs: &[(&str, Decision)]) -> Choices {
    let mut choices = Choices::default();
    for (id, decision) in pairs {
        choices.set(id, *decision);
    }
    choices
}

/// Data categories and features, by name.
type Names = (Vec<&'static str>, Vec<&'static str>);

/// The categories and features unlocked, by name, for comparing with a case.
fn unlocked(policy: &Policy, choices: &Choices) -> Names {
    let unlocked = policy.unlocked(choices);
    let data = DataCategory::ALL.into_iter().filter(|c| unlocked.has(*c)).map(|c| c.name());
    let features = Feature::ALL.into_iter().filter(|f| unlocked.enables(*f)).map(|f| f.name());
    (data.collect(), features.collect())
}

#[test]
fn the_builtin_policy_is_the_demo_document_as_the_validator_reads_it() {
    let text = include_str!("../../documents/demo/policy.json");
    let value = concierge_protocol::json::parse(text).unwrap();
    let Ok(Document::Policy(checked)) = check_document(&value) else { panic!("demo policy") };
    assert_eq!(builtin_policy(), checked);
    assert_eq!(checked.purposes.len(), 4);
}

#[test]
fn the_builtin_policy_is_carried_without_the_files_whitespace_and_reads_the_same() {
    let pretty = include_str!("../../documents/demo/policy.json");
    let parse = |text| concierge_protocol::json::parse(text).unwrap();
    // The same value: every space inside a text kept, every one between tokens gone.
    assert_eq!(parse(BUILTIN_POLICY), parse(pretty));
    // Written out compactly, the file is exactly what the agent carries.
    assert_eq!(parse(pretty).to_json(), BUILTIN_POLICY);
}

#[test]
fn what_each_state_of_the_demo_policy_unlocks() {
    let policy = builtin_policy();
    let all = ["measurement", "personalization", "marketing"];
    let only = |granted: &str| choices(&all.map(|id| (id, if id == granted { G } else { D })));
    let cases: [(&str, Choices, Names); 6] = [
        ("no choice yet", Choices::default(), (vec![], vec![])),
        ("reject all", choices(&all.map(|id| (id, D))), (vec![], vec![])),
        (
            "accept all",
            choices(&all.map(|id| (id, G))),
            (
                vec!["cart", "activity", "interests", "identifiers", "contact"],
                vec![
                    "recovery_banner",
                    "sync",
                    "staff_view",
                    "assistant_memory",
                    "email_recovery",
                    "sms_recovery",
                ],
            ),
        ),
        (
            "personalization only",
            only("personalization"),
            (
                vec!["cart", "interests", "identifiers"],
                vec!["recovery_banner", "staff_view", "assistant_memory"],
            ),
        ),
        ("measurement only", only("measurement"), (vec!["activity", "identifiers"], vec!["sync"])),
        (
            "marketing only",
            only("marketing"),
            (vec!["cart", "identifiers", "contact"], vec!["email_recovery", "sms_recovery"]),
        ),
    ];
    for (state, choices, expected) in cases {
        assert_eq!(unlocked(&policy, &choices), expected, "{state}");
    }
}

#[test]
fn a_purpose_not_on_consent_is_always_granted_and_a_feature_needs_all_its_data() {
    let mut policy = builtin_policy();
    // The necessary purpose made to keep the cart: granted with no choice at all.
    policy.purposes[0].data = vec![DataCategory::Cart];
    policy.purposes[0].features = vec![Feature::RecoveryBanner, Feature::StaffView];
    assert_eq!(
        unlocked(&policy, &Choices::default()),
        (vec!["cart"], vec!["recovery_banner"]),
        "staff_view needs identifiers too, which nothing granted unlocks"
    );
    assert_eq!(
        unlocked(&policy, &choices(&[("measurement", G)])).1,
        ["recovery_banner", "sync", "staff_view"],
        "identifiers from measurement complete what staff_view needs"
    );
}

#[test]
fn the_words_of_the_page_name_purposes() {
    let cases = [
        ("analytics_storage", Some("measurement")),
        ("functionality_storage", Some("personalization")),
        ("personalization_storage", Some("personalization")),
        ("ad_storage", Some("marketing")),
        ("ad_user_data", Some("marketing")),
        ("ad_personalization", Some("marketing")),
        ("storage", Some("personalization")),
        ("analytics", Some("measurement")),
        ("security_storage", None),
        ("marketing", None),
    ];
    for (word, expected) in cases {
        assert_eq!(purpose_for_word(word), expected, "{word}");
    }
    let legacy = Choices::from_legacy(G, D);
    assert_eq!((legacy.get("personalization"), legacy.get("measurement")), (G, D));
    assert_eq!(legacy.get("marketing"), Decision::Unset);
}

#[test]
fn google_consent_mode_follows_the_purposes() {
    let policy = builtin_policy();
    let state = policy.consent_mode(&choices(&[("personalization", G), ("marketing", D)]));
    assert_eq!(
        state,
        [
            ("ad_storage", false),
            ("ad_user_data", false),
            ("ad_personalization", false),
            ("analytics_storage", false),
            ("functionality_storage", true),
            ("personalization_storage", true),
        ]
    );
    let mut without_marketing = policy.clone();
    without_marketing.purposes.retain(|purpose| purpose.id != "marketing");
    let all = choices(&[("measurement", G), ("personalization", G), ("marketing", G)]);
    assert!(
        !without_marketing.consent_mode(&all)[0].1,
        "a purpose the policy lacks grants nothing"
    );
}

#[test]
fn the_region_picks_the_mode() {
    let mut policy = builtin_policy();
    let cases = [
        (Some("DE"), Mode::OptIn),
        (Some("GB"), Mode::OptIn),
        (Some("US-CA"), Mode::OptOut),
        (Some("US-NY"), Mode::OptIn),
        (Some("JP"), Mode::OptIn),
        (None, Mode::OptIn),
    ];
    for (region, mode) in cases {
        assert_eq!(policy.mode_for(region), mode, "{region:?}");
    }
    policy.default_mode = Mode::OptOut;
    assert_eq!(policy.mode_for(Some("JP")), Mode::OptOut, "no listed region: the default");
    assert_eq!(policy.mode_for(None), Mode::OptOut, "unknown region: the default");
    assert_eq!(policy.mode_for(Some("FR")), Mode::OptIn);
    policy.default_mode = Mode::OptIn;
    policy.regions[1].countries.push("US".into());
    policy.regions[0].countries.push("US-TX".into());
    assert_eq!(policy.mode_for(Some("US-NY")), Mode::OptOut, "a subdivision of a listed country");
    assert_eq!(policy.mode_for(Some("US-TX")), Mode::OptIn, "a subdivision listed itself wins");
}

#[test]
fn a_visitor_starts_by_mode_then_gpc() {
    let policy = builtin_policy();
    let (opt_out, source) = policy.starting_choices(Mode::OptOut, false);
    assert_eq!(opt_out, choices(&[("measurement", G), ("personalization", G), ("marketing", G)]));
    assert_eq!(source, Source::Default);
    assert!(policy.is_settled(&opt_out));

    let (gpc, source) = policy.starting_choices(Mode::OptOut, true);
    assert_eq!(gpc, choices(&[("measurement", G), ("personalization", G), ("marketing", D)]));
    assert_eq!(source, Source::Gpc);

    let (opt_in, source) = policy.starting_choices(Mode::OptIn, true);
    assert_eq!(opt_in, choices(&[("marketing", D)]));
    assert_eq!(source, Source::Gpc);
    assert!(!policy.is_settled(&opt_in), "the dialog still asks for the rest");
    assert!(!Source::Gpc.is_explicit() && Source::Panel.is_explicit());
}

#[test]
fn a_choice_is_asked_again_when_old_or_when_a_new_version_asks() {
    let old = builtin_policy();
    let scope = old.scope();
    let chosen = choices(&[("measurement", D), ("personalization", G), ("marketing", D)]);
    let at = 1_000 * DAY;
    assert!(!old.asks_again(&chosen, at, &scope, at + 365 * DAY), "within reprompt_days");
    assert!(old.asks_again(&chosen, at, &scope, at + 365 * DAY + 1), "older than reprompt_days");

    let newer = |change: &dyn Fn(&mut Policy)| {
        let mut policy = old.clone();
        policy.version += 1;
        change(&mut policy);
        policy
    };
    let texts_only = newer(&|p| p.purposes[1].names[0].1 = "Statistics".into());
    assert!(!texts_only.asks_again(&chosen, at, &scope, at + DAY), "new texts widen nothing");
    let granted_widened = newer(&|p| p.purposes[2].data.push(DataCategory::Activity));
    assert!(granted_widened.asks_again(&chosen, at, &scope, at + DAY), "a granted purpose widened");
    let denied_widened = newer(&|p| p.purposes[1].data.push(DataCategory::Cart));
    assert!(!denied_widened.asks_again(&chosen, at, &scope, at + DAY), "a denied purpose widened");
    let added = newer(&|p| {
        let mut support = p.purposes[3].clone();
        support.id = "support".into();
        p.purposes.push(support);
    });
    assert!(added.asks_again(&chosen, at, &scope, at + DAY), "a purpose added");
    let keep = newer(&|p| {
        p.on_new_version = OnNewVersion::Keep;
        p.purposes[2].data.push(DataCategory::Activity);
    });
    assert!(!keep.asks_again(&chosen, at, &scope, at + DAY), "keep: never for a new version");
    let again = newer(&|p| p.on_new_version = OnNewVersion::AskAgain);
    assert!(again.asks_again(&chosen, at, &scope, at + DAY), "ask_again: every new version");
}

/// A consent manager's signal: consent for these TCF purposes, the vendor's consent, and the
/// publisher's restrictions for the vendor as (purpose, type).
fn signal(purposes: &[u8], vendor: bool, restrictions: &[(u8, usize)]) -> TcfSignal {
    let mut restricted = [0u32; 3];
    for (purpose, kind) in restrictions {
        restricted[*kind] |= 1 << purpose;
    }
    TcfSignal {
        purpose_consents: purposes.iter().fold(0, |bits, p| bits | 1 << p),
        purpose_legitimate_interests: 0,
        vendor_consent: vendor,
        vendor_legitimate_interest: vendor,
        restrictions: restricted,
    }
}

#[test]
fn a_tcf_signal_grants_a_purpose_when_every_tcf_purpose_it_maps_to_has_consent() {
    // The demo's mapping: measurement [1, 7], personalization [1, 5, 6], marketing [1, 3, 4].
    let policy = builtin_policy();
    let of = |signal: TcfSignal| policy.tcf_choices(&signal).expect("the demo maps TCF");
    let all = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    assert_eq!(
        of(signal(&all, true, &[])),
        choices(&[("measurement", G), ("personalization", G), ("marketing", G)])
    );
    // One missing TCF purpose denies every policy purpose that needs it.
    assert_eq!(
        of(signal(&[1, 5, 6, 7], true, &[])),
        choices(&[("measurement", G), ("personalization", G), ("marketing", D)])
    );
    assert_eq!(
        of(signal(&[3, 4, 5, 6, 7], true, &[])),
        choices(&[("measurement", D), ("personalization", D), ("marketing", D)])
    );
    assert_eq!(
        of(signal(&[], true, &[])),
        choices(&[("measurement", D), ("personalization", D), ("marketing", D)])
    );
    // Publisher restrictions for the vendor: purpose 7 not allowed (0), or only on legitimate
    // interest (2), takes measurement away; consent required (1) leaves consent usable.
    for restriction in [0, 2] {
        assert_eq!(
            of(signal(&all, true, &[(7, restriction)])).get("measurement"),
            D,
            "{restriction}"
        );
    }
    assert_eq!(of(signal(&all, true, &[(7, 1)])).get("measurement"), G);
}

#[test]
fn a_tcf_mapping_with_a_vendor_id_needs_the_vendor_s_consent_and_one_without_denies_unlisted_purposes(
) {
    let mut policy = builtin_policy();
    let mut mapping = policy.tcf.clone().expect("the demo maps TCF");
    mapping.vendor_id = Some(1234);
    mapping.purposes.retain(|(id, _)| id == "measurement");
    policy.tcf = Some(mapping);
    let all = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    // The module reports the policy's vendor's consent: without it, nothing is granted.
    assert_eq!(
        policy.tcf_choices(&signal(&all, false, &[])),
        Some(choices(&[("measurement", D), ("personalization", D), ("marketing", D)]))
    );
    // With it, the mapped purpose is granted and the purposes the mapping leaves out are
    // denied: the consent manager governs, and nobody else asks.
    assert_eq!(
        policy.tcf_choices(&signal(&all, true, &[])),
        Some(choices(&[("measurement", G), ("personalization", D), ("marketing", D)]))
    );
    policy.tcf = None;
    assert_eq!(policy.tcf_choices(&signal(&all, true, &[])), None);
}
