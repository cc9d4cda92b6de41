//! The campaigns' contact history and the contact policy read against it: rolling windows per
//! campaign and across all campaigns, the cooldown after a dismissal, the stop after a
//! conversion. This is the stored section `campaigns` (kept only while the visitor's choices
//! unlock `activity`; otherwise held for the page).
//!
//! What counts against a cap is a *display*: a campaign view put on the page, or a holdout
//! visitor's turn at one (tracked as if shown). An impression (the view seen) is measured, not
//! counted; a view redrawn after the consent dialog closes is the same display.

use super::Millis;
use concierge_protocol::documents::{Campaign, Caps};

pub const DAY: Millis = 86_400_000;
pub const WEEK: Millis = 7 * DAY;
/// Display times kept, per campaign and overall: the largest cap a document may set.
pub const KEPT_DISPLAYS: usize = 100;
/// Campaigns remembered at most (a document holds at most this many).
pub const KEPT_CAMPAIGNS: usize = 100;

/// One visitor's contacts with the shop's campaigns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Visits so far (a page view after `visit_timeout` without any starts one).
    pub visits: u32,
    pub visit_started: Option<Millis>,
    pub last_seen: Option<Millis>,
    /// Every campaign's displays in the last week, oldest first.
    pub shown: Vec<Millis>,
    pub campaigns: Vec<Contact>,
}

/// One campaign's contacts with this visitor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contact {
    pub id: String,
    /// Its displays in the last week, oldest first.
    pub shown: Vec<Millis>,
    pub dismissed_at: Option<Millis>,
    pub converted_at: Option<Millis>,
    /// The last display (or holdout turn) not yet converted: the goal's window starts here.
    pub exposed_at: Option<Millis>,
    /// The variant of that exposure; `None` for the campaign's own content or the holdout.
    pub variant: Option<String>,
    pub holdout: bool,
}

impl History {
    pub fn contact(&self, id: &str) -> Option<&Contact> {
        self.campaigns.iter().find(|contact| contact.id == id)
    }

    fn contact_mut(&mut self, id: &str) -> &mut Contact {
        if let Some(position) = self.campaigns.iter().position(|contact| contact.id == id) {
            return &mut self.campaigns[position];
        }
        if self.campaigns.len() >= KEPT_CAMPAIGNS {
            // The one heard from least recently goes (the first of equals). A loop rather
            // than `min_by_key`, whose adapters cost three functions of Wasm here.
            let last =
                |c: &Contact| c.shown.last().copied().max(c.dismissed_at).max(c.converted_at);
            let mut oldest = 0;
            for (position, contact) in self.campaigns.iter().enumerate() {
                if last(contact) < last(&self.campaigns[oldest]) {
                    oldest = position;
                }
            }
            self.campaigns.remove(oldest);
        }
        self.campaigns.push(Contact { id: id.to_owned(), ..Contact::default() });
        let end = self.campaigns.len() - 1;
        &mut self.campaigns[end]
    }

    /// A page view: a new visit after `visit_timeout` without any.
    pub fn page_view(&mut self, visit_timeout: Millis, now: Millis) -> bool {
        let new_visit = self.last_seen.is_none_or(|seen| now - seen >= visit_timeout);
        if new_visit {
            self.visits = self.visits.saturating_add(1);
            self.visit_started = Some(now);
        }
        self.last_seen = Some(now);
        new_visit
    }

    /// A display (or a holdout turn) of `id` at `now`.
    pub fn displayed(&mut self, id: &str, variant: Option<&str>, holdout: bool, now: Millis) {
        push_bounded(&mut self.shown, now);
        self.displayed_apart(id, variant, holdout, now);
    }

    /// A display the limits across campaigns do not count (the recommendations' shelf): only
    /// its own campaign's.
    pub fn displayed_apart(&mut self, id: &str, variant: Option<&str>, holdout: bool, now: Millis) {
        let contact = self.contact_mut(id);
        push_bounded(&mut contact.shown, now);
        contact.exposed_at = Some(now);
        contact.variant = variant.map(str::to_owned);
        contact.holdout = holdout;
    }

    pub fn dismissed(&mut self, id: &str, now: Millis) {
        self.contact_mut(id).dismissed_at = Some(now);
    }

    /// A conversion: the exposure it is credited to is used up.
    pub fn converted(&mut self, id: &str, now: Millis) {
        let contact = self.contact_mut(id);
        contact.converted_at = Some(now);
        contact.exposed_at = None;
    }

    /// Why `campaign` may not be shown now under its own policy and `limits` across all
    /// campaigns; `None`: it may.
    pub fn refusal(&self, campaign: &Campaign, limits: &Caps, now: Millis) -> Option<Refusal> {
        let started = self.visit_started.unwrap_or(now);
        if exhausted(&self.shown, limits, started, now) {
            return Some(Refusal::GlobalCap);
        }
        let contact = self.contact(&campaign.id)?;
        let policy = &campaign.contact;
        if policy.stop_after_conversion && contact.converted_at.is_some() {
            return Some(Refusal::Converted);
        }
        let cooldown = Millis::from(policy.cooldown_hours) * 3_600_000;
        if contact.dismissed_at.is_some_and(|at| now < at.saturating_add(cooldown)) {
            return Some(Refusal::Cooldown);
        }
        if exhausted(&contact.shown, &policy.caps, started, now) {
            return Some(Refusal::CampaignCap);
        }
        None
    }

    /// When a refusal of `campaign` ends by time alone (a cooldown, a day or week rolling on);
    /// `None` when none does (a conversion, a visit's cap).
    pub fn eligible_again(&self, campaign: &Campaign, now: Millis) -> Option<Millis> {
        let contact = self.contact(&campaign.id)?;
        let cooldown = Millis::from(campaign.contact.cooldown_hours) * 3_600_000;
        let mut at = contact.dismissed_at.map(|d| d.saturating_add(cooldown)).filter(|&t| t > now);
        let caps = &campaign.contact.caps;
        for (cap, window) in [(caps.per_day, DAY), (caps.per_week, WEEK)] {
            let Some(cap) = cap else { continue };
            // Counted, then the one wanted found, rather than collected: this runs for every
            // active campaign on every engine call (the next deadline).
            let recent = || contact.shown.iter().copied().filter(|&t| now - t < window);
            let count = recent().count();
            // The window frees a place when its oldest counted display leaves it.
            if let Some(oldest) = count.checked_sub(cap as usize).and_then(|n| recent().nth(n)) {
                let frees = oldest + window;
                at = Some(at.map_or(frees, |earlier: Millis| earlier.max(frees)));
            }
        }
        at
    }
}

/// Why a campaign is not shown now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    GlobalCap,
    CampaignCap,
    Cooldown,
    Converted,
}

/// Whether `shown` reaches a cap: displays since the visit began, in the last 24 hours, in the
/// last 7 days.
fn exhausted(shown: &[Millis], caps: &Caps, visit_started: Millis, now: Millis) -> bool {
    let count = |since: Millis| shown.iter().filter(|&&at| at >= since).count();
    let over =
        |cap: Option<u32>, since: Millis| cap.is_some_and(|cap| count(since) >= cap as usize);
    over(caps.per_session, visit_started)
        || over(caps.per_day, now - DAY + 1)
        || over(caps.per_week, now - WEEK + 1)
}

/// Adds `at`, keeping the last week's and at most [`KEPT_DISPLAYS`].
fn push_bounded(times: &mut Vec<Millis>, at: Millis) {
    times.retain(|&t| at - t < WEEK);
    if times.len() >= KEPT_DISPLAYS {
        times.remove(0);
    }
    times.push(at);
}
