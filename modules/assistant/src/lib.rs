//! The `assistant` lazy module's Wasm: reads the shop's `knowledge` document (JSON text, checked
//! by the protocol's one validator, so a bad document is refused with the field at fault) and
//! answers a visitor's question from it with `concierge_protocol::ask`, so the core agent carries
//! neither (docs/architecture.md, "Lazy modules"). `src/web/assistant.js` is its glue and panel.
//!
//! Strings in, one string out, no bindings: [`read`] gives a [`Knowledge`] or the reason it
//! is refused; [`answer`] writes a question's outcome as JSON,
//! `{"outcome":"confident"|"weak"|"none","hits":[{"id","score","question","answer","link"}]}`
//! (the best three entries, best first, whatever the outcome, so a benchmark can read the
//! first); [`opening_hours`] picks the document's text for a language.

use concierge_protocol::ask::{outcome, Answer, Index};
use concierge_protocol::documents::{check_knowledge, Knowledge};
use concierge_protocol::writer::{JsonSink, JsonWriter};
use concierge_protocol::{json, text};

/// How much of a question is searched: a visitor's question is a sentence, and a page that
/// hands the module a book gets its first paragraph answered, in bounded time.
pub const MAX_QUESTION: usize = 500;
/// How many of a refused document's problems the reason lists.
const LISTED_PROBLEMS: usize = 3;

/// The knowledge document in `text`, or why it is refused, naming the field at fault
/// (`entries[2].lang: must be one of en, es, nl, de`).
pub fn read(text: &str) -> Result<Knowledge, String> {
    let value = json::parse(text)
        .map_err(|error| text!("the knowledge document is not JSON: ", error.describe()))?;
    match check_knowledge(&value) {
        Ok(knowledge) => Ok(knowledge),
        Err(problems) => {
            let mut reason = String::from("the knowledge document is refused: ");
            for (at, problem) in problems.iter().take(LISTED_PROBLEMS).enumerate() {
                if at > 0 {
                    reason.push_str("; ");
                }
                reason.push_str(&problem.describe());
            }
            if problems.len() > LISTED_PROBLEMS {
                reason.push_str(&text!(" (and ", problems.len() - LISTED_PROBLEMS, " more)"));
            }
            Err(reason)
        }
    }
}

/// What the assistant does with `question` in `lang`, as JSON (see the module's doc).
pub fn answer(index: &Index<'_>, question: &str, lang: &str) -> String {
    let mut end = question.len().min(MAX_QUESTION);
    while !question.is_char_boundary(end) {
        end -= 1;
    }
    let mut hits = index.search(lang, &question[..end]);
    hits.truncate(3);
    let name = match outcome(hits.clone()) {
        Answer::Confident(_) => "confident",
        Answer::Weak(_) => "weak",
        Answer::Nothing => "none",
    };
    let mut out = JsonWriter::new();
    out.open_object();
    out.key("outcome");
    out.string(name);
    out.key("hits");
    out.open_array();
    for hit in &hits {
        out.open_object();
        out.key("id");
        out.string(&hit.entry.id);
        out.key("score");
        // Three decimals: enough to compare, and what `concierge-cli ask` prints.
        out.number((hit.score * 1000.0).round() / 1000.0);
        out.key("question");
        out.string(&hit.entry.question);
        out.key("answer");
        out.string(&hit.entry.answer);
        out.key("link");
        match &hit.entry.link {
            Some(link) => out.string(link),
            None => out.null(),
        }
        out.close_object();
    }
    out.close_array();
    out.close_object();
    out.finish()
}

/// The document's opening hours in `lang`, else in English, else none.
pub fn opening_hours<'k>(knowledge: &'k Knowledge, lang: &str) -> Option<&'k str> {
    let in_lang = |wanted: &str| {
        knowledge.opening_hours.iter().find(|(code, _)| code == wanted).map(|(_, t)| t.as_str())
    };
    in_lang(lang).or_else(|| in_lang("en"))
}

#[cfg(target_arch = "wasm32")]
mod exports {
    //! The module's exports: the glue writes a request into memory lent by `assistant_alloc`,
    //! calls one function, and reads the answer at `assistant_output`. An index is a handle
    //! (1, 2, ...) to a document read by `assistant_index`, freed by `assistant_free`.
    use concierge_protocol::ask::Index;
    use concierge_protocol::documents::Knowledge;
    use std::cell::RefCell;

    /// One read document and its index, which borrows from it.
    struct Slot {
        /// Declared first, so it is dropped before the document it borrows.
        index: Index<'static>,
        knowledge: *mut Knowledge,
    }

    impl Drop for Slot {
        fn drop(&mut self) {
            // SAFETY: `knowledge` came from `Box::into_raw` in `assistant_index`, and the index
            // that borrowed it is dropped already (fields drop after `drop` runs, so it is
            // replaced by an empty one first).
            self.index = Index::new(empty());
            drop(unsafe { Box::from_raw(self.knowledge) });
        }
    }

    /// A document with nothing in it, for an index that must borrow something.
    fn empty() -> &'static Knowledge {
        static EMPTY: Knowledge =
            Knowledge { version: 0, opening_hours: Vec::new(), entries: Vec::new() };
        &EMPTY
    }

    thread_local! {
        /// The last answer, kept until the next call so the glue can read it.
        static OUTPUT: RefCell<String> = const { RefCell::new(String::new()) };
        /// The indexes by handle minus one; a freed one leaves `None`.
        static SLOTS: RefCell<Vec<Option<Slot>>> = const { RefCell::new(Vec::new()) };
    }

    fn output(text: String) -> usize {
        OUTPUT.with(|output| {
            let len = text.len();
            *output.borrow_mut() = text;
            len
        })
    }

    /// The request lent by `assistant_alloc(len)`, taken back.
    ///
    /// # Safety
    /// `ptr` and `len` must come from one `assistant_alloc(len)` call, filled with UTF-8.
    unsafe fn request(ptr: *mut u8, len: usize) -> String {
        // SAFETY: the caller hands back exactly the boxed slice `assistant_alloc` leaked.
        let bytes = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) };
        // Not trusted to be UTF-8: a lone surrogate from the page becomes U+FFFD.
        String::from_utf8(bytes.into_vec())
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }

    /// Lends the glue `len` bytes for a request; the next call takes them back.
    #[no_mangle]
    pub extern "C" fn assistant_alloc(len: usize) -> *mut u8 {
        Box::into_raw(vec![0u8; len].into_boxed_slice()).cast()
    }

    /// Where the last answer starts.
    #[no_mangle]
    pub extern "C" fn assistant_output() -> *const u8 {
        OUTPUT.with(|output| output.borrow().as_ptr())
    }

    /// Reads the knowledge document lent by `assistant_alloc(len)` and indexes it: its handle,
    /// or 0 with the reason it is refused as the answer (`assistant_output`, `error_len`).
    ///
    /// # Safety
    /// As for `request`.
    #[no_mangle]
    pub unsafe extern "C" fn assistant_index(ptr: *mut u8, len: usize) -> u32 {
        // SAFETY: passed on from the caller.
        let text = unsafe { request(ptr, len) };
        match super::read(&text) {
            Ok(knowledge) => {
                let knowledge = Box::into_raw(Box::new(knowledge));
                // SAFETY: the document lives until its slot is dropped, after the index.
                let index = Index::new(unsafe { &*knowledge });
                SLOTS.with(|slots| {
                    let mut slots = slots.borrow_mut();
                    slots.push(Some(Slot { index, knowledge }));
                    slots.len() as u32
                })
            }
            Err(reason) => {
                output(reason);
                0
            }
        }
    }

    /// The length of the answer a failed `assistant_index` left.
    #[no_mangle]
    pub extern "C" fn assistant_output_len() -> usize {
        OUTPUT.with(|output| output.borrow().len())
    }

    /// Answers the request `lang` `\n` `question` with index `handle`; returns the answer's
    /// length (an unknown handle answers as a document without entries would).
    ///
    /// # Safety
    /// As for `request`.
    #[no_mangle]
    pub unsafe extern "C" fn assistant_ask(handle: u32, ptr: *mut u8, len: usize) -> usize {
        // SAFETY: passed on from the caller.
        let text = unsafe { request(ptr, len) };
        let (lang, question) = text.split_once('\n').unwrap_or((&text, ""));
        let answer = with_slot(handle, |slot| match slot {
            Some(slot) => super::answer(&slot.index, question, lang),
            None => super::answer(&Index::new(empty()), question, lang),
        });
        output(answer)
    }

    /// The opening hours in the language lent (empty: none).
    ///
    /// # Safety
    /// As for `request`.
    #[no_mangle]
    pub unsafe extern "C" fn assistant_hours(handle: u32, ptr: *mut u8, len: usize) -> usize {
        // SAFETY: passed on from the caller.
        let lang = unsafe { request(ptr, len) };
        let hours = with_slot(handle, |slot| {
            // SAFETY: the document lives as long as its slot.
            slot.and_then(|slot| super::opening_hours(unsafe { &*slot.knowledge }, &lang))
                .unwrap_or_default()
                .to_owned()
        });
        output(hours)
    }

    /// Frees index `handle`; an unknown or freed handle is passed over.
    #[no_mangle]
    pub extern "C" fn assistant_free(handle: u32) {
        let freed = SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            (handle as usize).checked_sub(1).and_then(|at| slots.get_mut(at)).and_then(Option::take)
        });
        drop(freed);
    }

    fn with_slot<T>(handle: u32, body: impl FnOnce(Option<&Slot>) -> T) -> T {
        SLOTS.with(|slots| {
            let slots = slots.borrow();
            let slot = (handle as usize).checked_sub(1).and_then(|at| slots.get(at));
            body(slot.and_then(Option::as_ref))
        })
    }
}

/// The module is single-threaded (no Wasm threads), which makes this allocator sound.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: the module never runs on more than one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
