//! Views are data: what to show, with every text already chosen; the shell only draws them.

use super::cart::{line_total, Cart};
use super::config::Config;
use super::consent::{Consent, Decision, Source};
use super::i18n::{fill, texts_for};
use super::money::Money;

/// The recovery banner lists this many lines, then "and N more".
pub const BANNER_LINES: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewKind {
    ConsentPrompt,
    /// The preferences panel: one switch per purpose of the policy in force.
    ConsentPanel,
    /// A campaign's message (the cart-recovery banner among them), one view per campaign.
    Campaign,
}

/// What a control in a view does when used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    AcceptConsent,
    RejectConsent,
    /// Opens the preferences panel (the dialog's "Choose", the persistent control).
    OpenPanel,
    /// The panel's switches as one choice; the shell sends them with the action.
    SavePanel,
    /// Escape on the dialog or the panel: no choice yet, asked again on the next page.
    CloseConsent,
    /// A campaign's action link was used (the recovery banner's "Resume checkout").
    Follow,
    /// A campaign's view was closed.
    Dismiss,
}

impl Action {
    /// The stable name the shell puts on the control and reads back on click.
    pub fn name(self) -> &'static str {
        match self {
            Action::AcceptConsent => "accept",
            Action::RejectConsent => "reject",
            Action::OpenPanel => "choose",
            Action::SavePanel => "save",
            Action::CloseConsent => "later",
            Action::Follow => "follow",
            Action::Dismiss => "dismiss",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        [
            Action::AcceptConsent,
            Action::RejectConsent,
            Action::OpenPanel,
            Action::SavePanel,
            Action::CloseConsent,
            Action::Follow,
            Action::Dismiss,
        ]
        .into_iter()
        .find(|action| action.name() == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emphasis {
    Primary,
    /// The close control of a view: an icon button whose label is for assistive technology.
    Close,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ViewAction {
    pub action: Action,
    pub label: String,
    /// A link target (relative or absolute, checked by the shell against the allowlist).
    pub href: Option<String>,
    pub emphasis: Emphasis,
}

/// One purpose in the preferences panel, in the visitor's language.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelRow {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The switch's state: granted now (or always, for a purpose not based on consent).
    pub on: bool,
    /// Not based on consent: shown on and disabled, with [`PanelRow::note`] saying "always on".
    pub fixed: bool,
    /// "Always on", or that Global Privacy Control set the denial.
    pub note: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ViewLine {
    pub name: String,
    pub quantity: String,
    pub amount: Money,
    /// The line's own link (a recommended product's page), checked by the shell.
    pub href: Option<String>,
    /// A picture of the line's product (a recommended product's `image`), checked by the shell
    /// as its link is; only with an `href`.
    pub image: Option<String>,
}

/// A view's text: borrowed from the [`i18n`](super::i18n) catalogue (never copied into each
/// view), or a campaign's message with its template filled.
pub type Text = std::borrow::Cow<'static, str>;

/// Which campaign a [`ViewKind::Campaign`] view shows, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignTag {
    pub id: String,
    pub variant: Option<String>,
    /// `top_bar`, `bottom_bar`, `inline`, `corner_toast` or `modal`.
    pub placement: &'static str,
    /// The shop's `data-concierge-slot` for an inline placement.
    pub slot: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub kind: ViewKind,
    /// The accessible name of the view's landmark. Texts straight from the catalogue are
    /// borrowed from it, not copied into each view.
    pub label: Text,
    pub lang: &'static str,
    pub title: Text,
    pub body: Text,
    pub lines: Vec<ViewLine>,
    pub more: Option<String>,
    pub total: Option<(&'static str, Money)>,
    /// A label and a code the visitor can read out to staff.
    pub code: Option<(&'static str, String)>,
    /// A link's label and target (the policy's privacy page), checked by the shell.
    pub link: Option<(&'static str, String)>,
    pub rows: Vec<PanelRow>,
    pub actions: Vec<ViewAction>,
    /// The campaign a [`ViewKind::Campaign`] view shows.
    pub campaign: Option<Box<CampaignTag>>,
    /// An assistant prompt's quick replies (placement `assistant`): each opens the assistant.
    pub replies: Vec<Reply>,
}

/// A prompt's quick reply: its label, and what the assistant does with it: `ask` (the label is
/// the question), `call`, `store` (the handoff screens) or `resume` (the cart).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub label: &'static str,
    pub kind: &'static str,
}

/// A view of `kind` with no text yet.
pub fn empty(kind: ViewKind, lang: &'static str) -> View {
    View {
        kind,
        label: Text::Borrowed(""),
        lang,
        title: Text::Borrowed(""),
        body: Text::Borrowed(""),
        lines: Vec::new(),
        more: None,
        total: None,
        code: None,
        link: None,
        rows: Vec::new(),
        actions: Vec::new(),
        campaign: None,
        replies: Vec::new(),
    }
}

/// A consent view's button. Accepting and rejecting look alike: a choice nudged by design is
/// not a free choice.
fn button(action: Action, label: &str) -> ViewAction {
    ViewAction { action, label: label.to_owned(), href: None, emphasis: Emphasis::Primary }
}

/// The consent dialog (`kind` [`ViewKind::ConsentPrompt`]) or the preferences panel, whose
/// rows are the policy's purposes with `consent`'s decisions.
pub fn consent_view(config: &Config, consent: Option<&Consent>) -> View {
    let texts = texts_for(&config.locale);
    let policy = &config.policy;
    let mut view = View {
        kind: ViewKind::ConsentPrompt,
        label: Text::Borrowed(texts.consent_label),
        lang: texts.lang,
        title: Text::Borrowed(texts.consent_title),
        body: Text::Borrowed(texts.consent_body),
        lines: Vec::new(),
        more: None,
        total: None,
        code: None,
        link: policy.privacy_url.clone().map(|url| (texts.consent_privacy, url)),
        rows: Vec::new(),
        actions: vec![
            button(Action::AcceptConsent, texts.consent_accept),
            button(Action::RejectConsent, texts.consent_reject),
            button(Action::OpenPanel, texts.consent_choose),
        ],
        campaign: None,
        replies: Vec::new(),
    };
    let Some(consent) = consent else { return view };
    view.kind = ViewKind::ConsentPanel;
    view.title = Text::Borrowed(texts.consent_label);
    view.actions[2] = button(Action::SavePanel, texts.panel_save);
    // In the visitor's language, else English (every policy has it), else the id.
    let text = |texts_by_lang: &[(String, String)], id: &str| {
        [texts.lang, "en"]
            .iter()
            .find_map(|lang| texts_by_lang.iter().find(|(l, _)| l == lang))
            .map_or_else(|| id.to_owned(), |(_, text)| text.clone())
    };
    for purpose in &policy.purposes {
        let fixed = !purpose.needs_consent();
        let decision = consent.decision(&purpose.id);
        let by_gpc = consent.source == Source::Gpc
            && decision == Decision::Denied
            && policy.gpc_denies.contains(&purpose.id);
        view.rows.push(PanelRow {
            id: purpose.id.clone(),
            name: text(&purpose.names, &purpose.id),
            description: text(&purpose.descriptions, ""),
            on: fixed || decision == Decision::Granted,
            fixed,
            note: if fixed {
                Some(texts.always_on)
            } else if by_gpc {
                Some(texts.gpc_note)
            } else {
                None
            },
        });
    }
    view
}

/// The recovery banner's parts (the cart's first lines, the rest counted, the total, the code),
/// which every `cart_abandoned` campaign shows under its text; the campaign adds its texts and
/// actions.
pub fn recovery_banner(config: &Config, cart: &Cart, cart_code: Option<&str>) -> View {
    let texts = texts_for(&config.locale);
    let mut lines = Vec::new();
    for line in cart.lines.iter().take(BANNER_LINES) {
        lines.push(ViewLine {
            name: line.name.clone(),
            quantity: fill(texts.recovery_quantity, line.quantity),
            amount: Money::new(line_total(line.price, line.quantity), cart.currency),
            href: None,
            image: None,
        });
    }
    let hidden = cart.lines.len().saturating_sub(BANNER_LINES);
    View {
        label: Text::Borrowed(texts.recovery_label),
        title: Text::Borrowed(texts.recovery_title),
        body: Text::Borrowed(texts.recovery_body),
        lines,
        more: (hidden > 0).then(|| fill(texts.recovery_more, hidden)),
        total: Some((texts.recovery_total, cart.total())),
        code: cart_code.map(|code| (texts.recovery_code, code.to_owned())),
        ..empty(ViewKind::Campaign, texts.lang)
    }
}
