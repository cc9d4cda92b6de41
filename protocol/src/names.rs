//! Names both ends must spell alike: GA4 ecommerce events, consent decisions and purposes,
//! and the cart-code alphabet.

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
