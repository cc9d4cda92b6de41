//! The preferences panel's switches, one per purpose of the policy in force: a lazy module
//! (`modules/panel.js`), fetched when a visitor first opens the panel, or at idle once the
//! consent dialog offers it. Only visitors who choose purpose by purpose need it.
//!
//! Drawn as `dom.js` draws everything else: text set as text, attributes by `setAttribute`;
//! `element` is dom's own helper, passed in so this module imports nothing of the core.

import STYLES from "./panel.css";

/** The panel's styles, adopted by the agent's shadow root beside its own sheet. */
export { STYLES };

/** The list of switches for the panel view `view`; `id` is the view's id, for the ARIA links. */
export function rows(view, id, element) {
  const list = element("ul", "rows");
  view.rows.forEach(([name, label, description, on, fixed, note], index) => {
    const row = element("li", "row");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.name = name;
    input.checked = on;
    input.disabled = fixed;
    input.setAttribute("role", "switch");
    input.setAttribute("aria-describedby", id + index);
    const switchLabel = element("label", "purpose");
    switchLabel.append(input, element("span", "name", label));
    const details = element("span", "", description);
    details.id = id + index;
    row.append(switchLabel, element("p", "description", "").appendChild(details).parentNode);
    if (note) details.append(element("span", "note", note));
    list.append(row);
  });
  return list;
}
