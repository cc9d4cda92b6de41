//! The catalogue of every text a visitor can see, in each supported language.
//!
//! Texts are plain strings, set on the page as text (never parsed as HTML). A `{n}` in a text
//! is replaced by a number with [`fill`].

use concierge_protocol::text::Piece;

/// Every visitor-facing text, for one language.
#[derive(Debug, PartialEq, Eq)]
pub struct Texts {
    pub lang: &'static str,
    pub consent_label: &'static str,
    pub consent_title: &'static str,
    pub consent_body: &'static str,
    pub consent_accept: &'static str,
    pub consent_reject: &'static str,
    /// Opens the preferences panel, one switch per purpose.
    pub consent_choose: &'static str,
    pub consent_privacy: &'static str,
    pub panel_save: &'static str,
    /// A purpose whose legal basis is not consent.
    pub always_on: &'static str,
    pub gpc_note: &'static str,
    pub recovery_label: &'static str,
    pub recovery_title: &'static str,
    pub recovery_body: &'static str,
    pub recovery_quantity: &'static str,
    pub recovery_more: &'static str,
    pub recovery_total: &'static str,
    pub recovery_code: &'static str,
    pub recovery_resume: &'static str,
    pub recovery_dismiss: &'static str,
    /// The heading of the "you may also like" slot (`recommend`).
    pub recommendations_title: &'static str,
    /// The assistant's launcher (issue 12).
    pub assistant_label: &'static str,
    /// The assistant's contextual prompts (`campaigns::PROMPTS`, in that order): product page,
    /// cart page, checkout hesitation, abandoned cart (`{n}`: its code), after a store visit.
    pub prompt_texts: [&'static str; 5],
    /// Their quick replies (`campaigns::PROMPTS` says which prompt offers which).
    pub prompt_replies: [&'static str; 9],
}

pub const EN: Texts = Texts {
    lang: "en",
    consent_label: "Privacy choices",
    consent_title: "Keep your cart for later?",
    consent_body: "With your permission we measure your visit to improve our shop, keep your cart and what interests you on this device for better suggestions, and may remind you by email or text message of a cart you left. You can change this at any time.",
    consent_accept: "Accept all",
    consent_reject: "Reject all",
    consent_choose: "Choose",
    consent_privacy: "Privacy policy",
    panel_save: "Save choices",
    always_on: "Always on",
    gpc_note: "Set by your browser's Global Privacy Control",
    recovery_label: "Your saved cart",
    recovery_title: "You left something in your cart",
    recovery_body: "Your items are still here. Pick up where you left off.",
    recovery_quantity: "Qty {n}",
    recovery_more: "and {n} more",
    recovery_total: "Total",
    recovery_code: "Your cart code",
    recovery_resume: "Resume checkout",
    recovery_dismiss: "Dismiss",
    recommendations_title: "You may also like",
    assistant_label: "Ask us",
    prompt_texts: ["Questions about this product?", "Questions before you buy?", "Need a hand with checkout?", "Pick up where you left off: your cart code is {n}.", "Your advisor noted your visit. Can we help with anything else?"],
    prompt_replies: ["What's in the box?", "How long is delivery?", "Compare with similar products", "How do returns work?", "Can I pay in instalments?", "Which payment methods can I use?", "Resume my cart", "Call me", "Continue in store"],
};

pub const ES: Texts = Texts {
    lang: "es",
    consent_label: "Opciones de privacidad",
    consent_title: "¿Guardamos tu carrito para más tarde?",
    consent_body: "Con tu permiso medimos tu visita para mejorar la tienda, guardamos tu carrito y lo que te interesa en este dispositivo para sugerirte mejor, y podemos recordarte por correo electrónico o SMS un carrito que dejaste. Puedes cambiarlo cuando quieras.",
    consent_accept: "Aceptar todo",
    consent_reject: "Rechazar todo",
    consent_choose: "Elegir",
    consent_privacy: "Política de privacidad",
    panel_save: "Guardar opciones",
    always_on: "Siempre activo",
    gpc_note: "Lo ha fijado el Global Privacy Control de tu navegador",
    recovery_label: "Tu carrito guardado",
    recovery_title: "Te dejaste algo en el carrito",
    recovery_body: "Tus productos siguen aquí. Continúa donde lo dejaste.",
    recovery_quantity: "Cant. {n}",
    recovery_more: "y {n} más",
    recovery_total: "Total",
    recovery_code: "Código de tu carrito",
    recovery_resume: "Continuar con la compra",
    recovery_dismiss: "Cerrar",
    recommendations_title: "También te puede gustar",
    assistant_label: "Pregúntanos",
    prompt_texts: ["¿Preguntas sobre este producto?", "¿Dudas antes de comprar?", "¿Te ayudamos con el pago?", "Sigue donde lo dejaste: el código de tu carrito es {n}.", "Tu asesor anotó tu visita. ¿Te ayudamos con algo más?"],
    prompt_replies: ["¿Qué incluye la caja?", "¿Cuánto tarda el envío?", "Comparar con productos similares", "¿Cómo funcionan las devoluciones?", "¿Puedo pagar a plazos?", "¿Qué formas de pago hay?", "Recuperar mi carrito", "Llamadme", "Seguir en la tienda"],
};

pub const NL: Texts = Texts {
    lang: "nl",
    consent_label: "Privacykeuzes",
    consent_title: "Je winkelwagen bewaren voor later?",
    consent_body: "Met je toestemming meten we je bezoek om onze winkel te verbeteren, bewaren we je winkelwagen en wat je interesseert op dit apparaat voor betere suggesties, en kunnen we je per e-mail of sms herinneren aan een achtergelaten winkelwagen. Je kunt dit altijd wijzigen.",
    consent_accept: "Alles accepteren",
    consent_reject: "Alles weigeren",
    consent_choose: "Kiezen",
    consent_privacy: "Privacybeleid",
    panel_save: "Keuzes opslaan",
    always_on: "Altijd aan",
    gpc_note: "Ingesteld door Global Privacy Control van je browser",
    recovery_label: "Je bewaarde winkelwagen",
    recovery_title: "Er ligt nog iets in je winkelwagen",
    recovery_body: "Je artikelen staan nog klaar. Ga verder waar je gebleven was.",
    recovery_quantity: "Aantal {n}",
    recovery_more: "en nog {n}",
    recovery_total: "Totaal",
    recovery_code: "Je winkelwagencode",
    recovery_resume: "Verder met afrekenen",
    recovery_dismiss: "Sluiten",
    recommendations_title: "Misschien vind je dit ook leuk",
    assistant_label: "Vraag het ons",
    prompt_texts: ["Vragen over dit product?", "Vragen voordat je koopt?", "Hulp nodig bij het afrekenen?", "Ga verder waar je was: je winkelwagencode is {n}.", "Je adviseur heeft je bezoek genoteerd. Kunnen we je nog ergens mee helpen?"],
    prompt_replies: ["Wat zit er in de doos?", "Hoe lang duurt de levering?", "Vergelijk met vergelijkbare producten", "Hoe werkt retourneren?", "Kan ik in termijnen betalen?", "Welke betaalmethoden zijn er?", "Mijn winkelwagen hervatten", "Bel mij", "Verder in de winkel"],
};

pub const DE: Texts = Texts {
    lang: "de",
    consent_label: "Datenschutzeinstellungen",
    consent_title: "Warenkorb für später speichern?",
    consent_body: "Mit Ihrer Erlaubnis messen wir Ihren Besuch, um unseren Shop zu verbessern, speichern Ihren Warenkorb und Ihre Interessen auf diesem Gerät für bessere Vorschläge und erinnern Sie gegebenenfalls per E-Mail oder SMS an einen zurückgelassenen Warenkorb. Sie können das jederzeit ändern.",
    consent_accept: "Alle akzeptieren",
    consent_reject: "Alle ablehnen",
    consent_choose: "Auswählen",
    consent_privacy: "Datenschutzerklärung",
    panel_save: "Auswahl speichern",
    always_on: "Immer aktiv",
    gpc_note: "Von der Global Privacy Control Ihres Browsers gesetzt",
    recovery_label: "Ihr gespeicherter Warenkorb",
    recovery_title: "In Ihrem Warenkorb liegt noch etwas",
    recovery_body: "Ihre Artikel sind noch da. Machen Sie dort weiter, wo Sie aufgehört haben.",
    recovery_quantity: "Menge {n}",
    recovery_more: "und {n} weitere",
    recovery_total: "Summe",
    recovery_code: "Ihr Warenkorb-Code",
    recovery_resume: "Zur Kasse",
    recovery_dismiss: "Schließen",
    recommendations_title: "Das könnte Ihnen auch gefallen",
    assistant_label: "Fragen Sie uns",
    prompt_texts: ["Fragen zu diesem Produkt?", "Fragen vor dem Kauf?", "Hilfe beim Bezahlen?", "Machen Sie weiter, wo Sie aufgehört haben: Ihr Warenkorb-Code ist {n}.", "Ihr Berater hat Ihren Besuch notiert. Können wir sonst noch helfen?"],
    prompt_replies: ["Was ist im Lieferumfang?", "Wie lange dauert die Lieferung?", "Mit ähnlichen Produkten vergleichen", "Wie funktioniert die Rückgabe?", "Kann ich in Raten zahlen?", "Welche Zahlungsarten gibt es?", "Meinen Warenkorb fortsetzen", "Rufen Sie mich an", "Im Geschäft weitermachen"],
};

pub const ALL: [&Texts; 4] = [&EN, &ES, &NL, &DE];

/// The catalogue for a BCP 47 tag, by its primary language; English when none matches.
pub fn texts_for(locale: &str) -> &'static Texts {
    // A byte scan rather than `split`, whose pattern machinery costs more Wasm than this.
    let bytes = locale.as_bytes();
    let end = bytes.iter().position(|&b| b == b'-' || b == b'_').unwrap_or(bytes.len());
    for texts in ALL {
        if texts.lang.as_bytes().eq_ignore_ascii_case(&bytes[..end]) {
            return texts;
        }
    }
    &EN
}

/// Puts `n` where the text says `{n}`. A [`Piece`] (a count, a text) rather than anything
/// `Display`, which would pull `core::fmt` into the agent's Wasm.
pub fn fill(text: &str, n: impl Piece) -> String {
    // A byte scan rather than `str::replace`, whose substring searcher costs about 1.3 KB of
    // Wasm for this one use. `{` and `}` are ASCII, so every cut is on a character boundary.
    let mut filled = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(at) = rest.as_bytes().windows(3).position(|window| window == b"{n}") {
        filled.push_str(&rest[..at]);
        n.push_to(&mut filled);
        rest = &rest[at + 3..];
    }
    filled.push_str(rest);
    filled
}
