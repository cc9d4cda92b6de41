//! Names both ends must spell alike: GA4 ecommerce events, consent decisions and purposes,
//! the closed sets of data categories and features a consent policy speaks of, and the
//! cart-code alphabet.

/// The GA4 ecommerce events the agent understands and the backend stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommerceKind {
    ViewItemList,
    ViewItem,
    AddToCart,
    RemoveFromCart,
    ViewCart,
    BeginCheckout,
    Purchase,
}

impl CommerceKind {
    pub const ALL: [CommerceKind; 7] = [
        CommerceKind::ViewItemList,
        CommerceKind::ViewItem,
        CommerceKind::AddToCart,
        CommerceKind::RemoveFromCart,
        CommerceKind::ViewCart,
        CommerceKind::BeginCheckout,
        CommerceKind::Purchase,
    ];

    /// The GA4 event name.
    pub fn name(self) -> &'static str {
        match self {
            CommerceKind::ViewItemList => "view_item_list",
            CommerceKind::ViewItem => "view_item",
            CommerceKind::AddToCart => "add_to_cart",
            CommerceKind::RemoveFromCart => "remove_from_cart",
            CommerceKind::ViewCart => "view_cart",
            CommerceKind::BeginCheckout => "begin_checkout",
            CommerceKind::Purchase => "purchase",
        }
    }

    pub fn from_name(name: &str) -> Option<CommerceKind> {
        CommerceKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One purpose's state. `Unset` until the visitor (or the shop's CMP) decides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Decision {
    #[default]
    Unset,
    Granted,
    Denied,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Unset, Decision::Granted, Decision::Denied];

    pub fn from_granted(granted: bool) -> Decision {
        if granted {
            Decision::Granted
        } else {
            Decision::Denied
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Decision::Unset => "unset",
            Decision::Granted => "granted",
            Decision::Denied => "denied",
        }
    }

    pub fn from_name(name: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|decision| decision.name() == name)
    }
}

/// The consent purposes of the current two-purpose policy, by their ids in documents and on
/// the wire. Named after GA4 consent mode's keys so a shop's CMP can pass its state unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Keep the cart on this device and for the visitor across channels (what staff see).
    Storage,
    /// Send measurement (the ecommerce events) to the shop's backend.
    Analytics,
}

impl Purpose {
    pub const ALL: [Purpose; 2] = [Purpose::Storage, Purpose::Analytics];

    pub fn id(self) -> &'static str {
        match self {
            Purpose::Storage => "storage",
            Purpose::Analytics => "analytics",
        }
    }

    pub fn from_id(id: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|purpose| purpose.id() == id)
    }
}

/// The kinds of data a consent policy's purposes unlock (a closed set: the agent knows what
/// each one is and where it lives).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataCategory {
    /// The cart kept on the device and its snapshot sent to the backend.
    Cart,
    /// The visit's events: pages, products viewed, cart changes as events.
    Activity,
    /// The interest model.
    Interests,
    /// The visitor id, on the device and sent.
    Identifiers,
    /// Email address and phone number.
    Contact,
}

/// The names of [`DataCategory::ALL`], in its order (documents and messages spell them so).
pub const DATA_CATEGORY_NAMES: &[&str] =
    &["cart", "activity", "interests", "identifiers", "contact"];

impl DataCategory {
    pub const ALL: [DataCategory; 5] = [
        DataCategory::Cart,
        DataCategory::Activity,
        DataCategory::Interests,
        DataCategory::Identifiers,
        DataCategory::Contact,
    ];

    pub fn name(self) -> &'static str {
        DATA_CATEGORY_NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<DataCategory> {
        DataCategory::ALL.into_iter().find(|category| category.name() == name)
    }
}

/// What the agent and the backend can do with the data a policy unlocks (a closed set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feature {
    /// The banner that brings back an abandoned cart.
    RecoveryBanner,
    /// Sending the visit to the shop's backend.
    Sync,
    /// The cart code staff look the cart up by.
    StaffView,
    /// The assistant remembering the visitor's interests.
    AssistantMemory,
    EmailRecovery,
    SmsRecovery,
}

/// The names of [`Feature::ALL`], in its order.
pub const FEATURE_NAMES: &[&str] = &[
    "recovery_banner",
    "sync",
    "staff_view",
    "assistant_memory",
    "email_recovery",
    "sms_recovery",
];

impl Feature {
    pub const ALL: [Feature; 6] = [
        Feature::RecoveryBanner,
        Feature::Sync,
        Feature::StaffView,
        Feature::AssistantMemory,
        Feature::EmailRecovery,
        Feature::SmsRecovery,
    ];

    pub fn name(self) -> &'static str {
        FEATURE_NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|feature| feature.name() == name)
    }

    /// The data a purpose must unlock to enable this feature.
    pub fn needs(self) -> &'static [DataCategory] {
        use DataCategory::{Cart, Contact, Identifiers, Interests};
        match self {
            Feature::RecoveryBanner => &[Cart],
            Feature::Sync => &[Identifiers],
            Feature::StaffView => &[Cart, Identifiers],
            Feature::AssistantMemory => &[Interests],
            Feature::EmailRecovery | Feature::SmsRecovery => &[Contact, Cart, Identifiers],
        }
    }
}

/// Why a purpose may process data (GDPR art. 6). Only `Consent` asks the visitor; the others
/// are always granted and shown as "always on".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LegalBasis {
    Consent,
    Contract,
    LegalObligation,
    LegitimateInterests,
}

/// The names of [`LegalBasis::ALL`], in its order.
pub const LEGAL_BASIS_NAMES: &[&str] =
    &["consent", "contract", "legal_obligation", "legitimate_interests"];

impl LegalBasis {
    pub const ALL: [LegalBasis; 4] = [
        LegalBasis::Consent,
        LegalBasis::Contract,
        LegalBasis::LegalObligation,
        LegalBasis::LegitimateInterests,
    ];

    pub fn name(self) -> &'static str {
        LEGAL_BASIS_NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<LegalBasis> {
        LegalBasis::ALL.into_iter().find(|basis| basis.name() == name)
    }
}

/// Alphabet of cart codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B look-alikes, nothing offensive to spell.
pub const CART_CODE_ALPHABET: &[u8; 26] = b"ACDEFGHJKLMNPQRTUVWXY34679";

/// A cart code as staff may type it (`k7m 4qp`, `K7M4QP`) in its canonical form `K7M-4QP`;
/// `None` when it cannot be one.
pub fn normalise_cart_code(code: &str) -> Option<String> {
    let compact: Vec<u8> = code
        .bytes()
        .filter(|b| !matches!(b, b'-' | b' '))
        .map(|b| b.to_ascii_uppercase())
        .collect();
    let valid = compact.len() == 6 && compact.iter().all(|b| CART_CODE_ALPHABET.contains(b));
    if !valid {
        return None;
    }
    let mut canonical = String::with_capacity(7);
    for (i, b) in compact.iter().enumerate() {
        if i == 3 {
            canonical.push('-');
        }
        canonical.push(char::from(*b));
    }
    Some(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_tables_follow_their_enums() {
        for (position, category) in DataCategory::ALL.iter().enumerate() {
            assert_eq!(*category as usize, position);
            assert_eq!(DataCategory::from_name(category.name()), Some(*category));
        }
        for (position, feature) in Feature::ALL.iter().enumerate() {
            assert_eq!(*feature as usize, position);
            assert_eq!(Feature::from_name(feature.name()), Some(*feature));
        }
        for (position, basis) in LegalBasis::ALL.iter().enumerate() {
            assert_eq!(*basis as usize, position);
            assert_eq!(LegalBasis::from_name(basis.name()), Some(*basis));
        }
        assert_eq!(DATA_CATEGORY_NAMES.len(), DataCategory::ALL.len());
        assert_eq!(FEATURE_NAMES.len(), Feature::ALL.len());
    }
}
