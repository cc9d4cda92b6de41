//! The admin page's consent preview draws with this: dom.js's own `build` and the views'
//! stylesheet, bundled apart (`www/concierge/pkg/preview.js`) so the preview is the shell's
//! rendering of the agent's view data, not a copy of it.

export { build } from "./dom.js";
export { default as STYLES } from "./view.css";
