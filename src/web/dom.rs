//! Draws engine views inside a Shadow DOM root: text set as text, links checked, no layout shift.

use super::console;
use crate::engine::links::{self, LinkTarget};
use crate::engine::money::Money;
use crate::engine::view::{Action, Emphasis, View, ViewKind};
use gloo_events::EventListener;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    CssStyleSheet, Document, Element, KeyboardEvent, ShadowRoot, ShadowRootInit, ShadowRootMode,
};

/// The host's id, for shops that want to find it; its look is set with CSS custom properties.
pub const HOST_ID: &str = "concierge-root";

const STYLES: &str = include_str!("view.css");

pub struct Dom {
    document: Document,
    root: Option<ShadowRoot>,
    on_action: std::rc::Rc<dyn Fn(Action)>,
    formatter: Option<Function>,
    link_hosts: Vec<String>,
    listeners: Vec<EventListener>,
    /// The root could not be made (Shadow DOM or constructed sheets missing or replaced by the
    /// page); said once, then views are skipped.
    unavailable: bool,
}

impl Dom {
    pub fn new(
        locale: &str,
        currency: &str,
        link_hosts: Vec<String>,
        on_action: impl Fn(Action) + 'static,
    ) -> Option<Dom> {
        let document = web_sys::window()?.document()?;
        Some(Dom {
            document,
            root: None,
            on_action: std::rc::Rc::new(on_action),
            formatter: currency_formatter(locale, currency),
            link_hosts,
            listeners: Vec::new(),
            unavailable: false,
        })
    }

    /// Draws `view`; links may point to the page's origin or to `link_hosts` (the settings in
    /// force now, which the shop's published documents can change after start).
    pub fn render(&mut self, view: &View, link_hosts: &[String]) {
        if self.link_hosts != link_hosts {
            self.link_hosts = link_hosts.to_vec();
        }
        let Some(root) = self.root() else { return };
        let built = match self.build(view) {
            Ok(built) => built,
            Err(_) => return console::warn("a view could not be drawn"),
        };
        match root.query_selector(&format!("[data-view={}]", kind_name(view.kind))) {
            Ok(Some(old)) => {
                let _ = root.replace_child(&built, &old);
            }
            _ => {
                let _ = root.append_child(&built);
            }
        }
    }

    pub fn remove(&mut self, kind: ViewKind) {
        let Some(root) = &self.root else { return };
        if let Ok(Some(old)) = root.query_selector(&format!("[data-view={}]", kind_name(kind))) {
            old.remove();
        }
    }

    /// The shadow root, created on first use so a page with nothing to show gets no element.
    fn root(&mut self) -> Option<ShadowRoot> {
        if let Some(root) = &self.root {
            return Some(root.clone());
        }
        if self.unavailable {
            return None;
        }
        let root = self.create_root();
        if root.is_none() {
            self.unavailable = true;
            console::warn(
                "views cannot be shown on this page (Shadow DOM or constructed style sheets \
                 are unavailable); the agent keeps working without them",
            );
        }
        root
    }

    fn create_root(&mut self) -> Option<ShadowRoot> {
        let body = self.document.body()?;
        let host = self.document.create_element("div").ok()?;
        host.set_id(HOST_ID);
        let init = ShadowRootInit::new(ShadowRootMode::Open);
        let root = host.attach_shadow(&init).ok()?;
        // A constructed sheet is not an inline style, so a strict CSP without
        // 'unsafe-inline' still applies it.
        let sheet = CssStyleSheet::new().ok()?;
        sheet.replace_sync(STYLES).ok()?;
        Reflect::set(&root, &"adoptedStyleSheets".into(), &Array::of1(&sheet)).ok()?;

        let on_action = self.on_action.clone();
        self.listeners.push(EventListener::new(&root, "click", move |event| {
            if let Some(action) = action_of(event.target()) {
                on_action(action);
            }
        }));
        let on_action = self.on_action.clone();
        self.listeners.push(EventListener::new(&root, "keydown", move |event| {
            let escape = event.dyn_ref::<KeyboardEvent>().is_some_and(|key| key.key() == "Escape");
            let in_banner = event
                .target()
                .and_then(|target| target.dyn_into::<Element>().ok())
                .and_then(|element| element.closest("[data-view=recovery]").ok().flatten())
                .is_some();
            if escape && in_banner {
                on_action(Action::DismissBanner);
            }
        }));
        body.append_child(&host).ok()?;
        self.root = Some(root.clone());
        Some(root)
    }

    fn build(&self, view: &View) -> Result<Element, JsValue> {
        let title_id = format!("{HOST_ID}-{}-title", kind_name(view.kind));
        let section = self.element("section", "view")?;
        section.set_attribute("data-view", kind_name(view.kind))?;
        section.set_attribute("role", "region")?;
        section.set_attribute("aria-labelledby", &title_id)?;
        section.set_attribute("lang", view.lang)?;
        section.class_list().add_1(kind_name(view.kind))?;

        let header = self.element("div", "header")?;
        let title = self.text_element("h2", "title", &view.title)?;
        title.set_id(&title_id);
        header.append_child(&title)?;
        for action in view.actions.iter().filter(|a| a.emphasis == Emphasis::Close) {
            let close = self.text_element("button", "close", "×")?;
            close.set_attribute("type", "button")?;
            close.set_attribute("aria-label", &action.label)?;
            close.set_attribute("title", &action.label)?;
            close.set_attribute("data-action", action.action.name())?;
            header.append_child(&close)?;
        }
        section.append_child(&header)?;
        self.append_text(&section, "p", "body", &view.body)?;

        if !view.lines.is_empty() {
            let list = self.element("ul", "lines")?;
            for line in &view.lines {
                let item = self.element("li", "line")?;
                self.append_text(&item, "span", "name", &line.name)?;
                self.append_text(&item, "span", "qty", &line.quantity)?;
                self.append_text(&item, "span", "amount", &self.money(line.amount))?;
                list.append_child(&item)?;
            }
            section.append_child(&list)?;
        }
        if let Some(more) = &view.more {
            self.append_text(&section, "p", "more", more)?;
        }
        if let Some((label, code)) = &view.code {
            let line = self.element("p", "code")?;
            self.append_text(&line, "span", "code-label", label)?;
            self.append_text(&line, "strong", "code-value", code)?;
            section.append_child(&line)?;
        }
        if let Some((label, amount)) = &view.total {
            let total = self.element("p", "total")?;
            self.append_text(&total, "span", "total-label", label)?;
            self.append_text(&total, "strong", "total-amount", &self.money(*amount))?;
            section.append_child(&total)?;
        }

        let actions = self.element("div", "actions")?;
        for action in view.actions.iter().filter(|a| a.emphasis == Emphasis::Primary) {
            let control = match &action.href {
                Some(href) => match self.safe_href(href) {
                    Some(href) => {
                        let link = self.text_element("a", "button", &action.label)?;
                        link.set_attribute("href", &href)?;
                        link
                    }
                    None => {
                        console::warn(format_args!(
                            "link to {href} is not allowed (data-link-hosts); not shown"
                        ));
                        continue;
                    }
                },
                None => {
                    let button = self.text_element("button", "button", &action.label)?;
                    button.set_attribute("type", "button")?;
                    button
                }
            };
            control.set_attribute("data-action", action.action.name())?;
            actions.append_child(&control)?;
        }
        section.append_child(&actions)?;
        Ok(section)
    }

    fn element(&self, tag: &str, class: &str) -> Result<Element, JsValue> {
        let element = self.document.create_element(tag)?;
        element.set_class_name(class);
        Ok(element)
    }

    fn append_text(
        &self,
        parent: &Element,
        tag: &str,
        class: &str,
        text: &str,
    ) -> Result<(), JsValue> {
        let child = self.text_element(tag, class, text)?;
        parent.append_child(&child)?;
        Ok(())
    }

    fn text_element(&self, tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
        let element = self.element(tag, class)?;
        element.set_text_content(Some(text));
        Ok(element)
    }

    fn money(&self, money: Money) -> String {
        let formatted = self
            .formatter
            .as_ref()
            .and_then(|format| format.call1(&JsValue::NULL, &money.major().into()).ok())
            .and_then(|text| text.as_string());
        formatted.unwrap_or_else(|| {
            format!("{} {}", crate::value::format_decimal(money.major()), money.currency)
        })
    }

    /// The link resolved against the page, if the allowlist admits it.
    fn safe_href(&self, href: &str) -> Option<String> {
        let location = self.document.location()?;
        let url = web_sys::Url::new_with_base(href, &location.href().ok()?).ok()?;
        let (protocol, host, origin) = (url.protocol(), url.host(), url.origin());
        let target = LinkTarget { protocol: &protocol, host: &host, origin: &origin };
        links::is_allowed(&target, &location.origin().ok()?, &self.link_hosts).then(|| url.href())
    }
}

fn kind_name(kind: ViewKind) -> &'static str {
    match kind {
        ViewKind::ConsentPrompt => "consent",
        ViewKind::RecoveryBanner => "recovery",
    }
}

fn action_of(target: Option<web_sys::EventTarget>) -> Option<Action> {
    let element = target?.dyn_into::<Element>().ok()?;
    let control = element.closest("[data-action]").ok().flatten()?;
    Action::from_name(&control.get_attribute("data-action")?)
}

/// `Intl.NumberFormat(locale, { style: "currency", currency }).format`, bound. The locale was
/// checked for shape, but `Intl` can still refuse it, so it is built with a catch.
fn currency_formatter(locale: &str, currency: &str) -> Option<Function> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: Function =
        Reflect::get(&intl, &"NumberFormat".into()).ok()?.dyn_into().ok()?;
    let options = js_sys::Object::new();
    Reflect::set(&options, &"style".into(), &"currency".into()).ok()?;
    Reflect::set(&options, &"currency".into(), &currency.into()).ok()?;
    let build =
        |locale: &str| Reflect::construct(&constructor, &Array::of2(&locale.into(), &options)).ok();
    let format = build(locale).or_else(|| build("en"))?;
    Reflect::get(&format, &"format".into()).ok()?.dyn_into().ok()
}
