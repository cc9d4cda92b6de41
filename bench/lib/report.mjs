// Benchmark, report: turns bench/results.json's figures into the Markdown tables of bench/REPORT.md (and the README's Benchmark section) and into the SVG charts.

import { KB } from "./sizes.mjs";
import { barChart } from "./svg.mjs";

const VARIANT_NAMES = { none: "no agent", concierge: "Concierge", alloy: "alloy" };

const group = (n) => (n === null || n === undefined ? "–" : Math.round(n).toLocaleString("en-GB"));
const kb = (bytes) => (bytes === null || bytes === undefined ? "–" : `${(bytes / KB).toFixed(1)} KB`);
const ms = (value, digits = 1) => (value === null || value === undefined ? "–" : `${value.toFixed(digits)} ms`);
const us = (value) => (value === null || value === undefined ? "–" : `${value < 10 ? value.toFixed(2) : value.toFixed(1)} µs`);
const verdict = (value, budget) => (value === null || value === undefined ? "not measured" : value <= budget ? "**met**" : "**missed**");
const failed = (entry) => `not measured: ${entry.error}`;

function table(header, rows) {
  const align = header.map((cell, index) => (index === 0 || cell.startsWith("<") ? "---" : "---:"));
  return [
    `| ${header.map((cell) => cell.replace(/^</, "")).join(" | ")} |`,
    `| ${align.join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

function downloadSection(sizes) {
  const core = sizes.core;
  const out = ["## 1. Download", ""];
  if (core.error) {
    out.push(`Concierge's core agent was ${failed(core)}.`, "");
    return out;
  }
  out.push(
    `Core agent: everything a visitor's first page view downloads. Budget ${kb(core.budget)} gzipped (loader ${kb(core.files[0].budget)}).`,
    "",
    table(
      ["file", "bytes", "gzip -9", "brotli", "budget (gzip)"],
      [
        ...core.files.map((file) => [`\`${file.path.replace("www/concierge/", "")}\` (${file.role})`, group(file.raw), group(file.gzip), group(file.brotli), file.budget ? `${kb(file.budget)}: ${verdict(file.gzip, file.budget)}` : ""]),
        ["**core agent**", `**${group(core.raw)}**`, `**${group(core.gzip)}** (${kb(core.gzip)})`, `**${group(core.brotli)}** (${kb(core.brotli)})`, `${kb(core.budget)}: ${verdict(core.gzip, core.budget)}`],
      ],
    ),
    "",
    "Lazy modules, each fetched only when needed (listed in `LAZY_MODULES`, `bench/lib/sizes.mjs`):",
    "",
    table(
      ["module", "<fetched when", "bytes", "gzip -9", "brotli", "budget (gzip)"],
      sizes.lazy.length
        ? sizes.lazy.map((module) =>
            module.error
              ? [module.name, module.when ?? "", failed(module), "", "", kb(module.budget)]
              : [module.name, module.when ?? "", group(module.raw), group(module.gzip), group(module.brotli), `${kb(module.budget)}: ${verdict(module.gzip, module.budget)}`],
          )
        : [["none yet", "", "", "", "", ""]],
    ),
    "",
    ...interestModelLines(sizes.interestModel, core),
    "Agents shops use today, the browser bundle each package publishes (installed from npm by the benchmark, pinned in `bench/peers/package-lock.json`):",
    "",
    table(
      ["package", "<file measured", "bytes", "gzip -9", "brotli", "gzip vs Concierge core"],
      sizes.peers.map((peer) =>
        peer.error
          ? [`${peer.package}`, peer.files.map((file) => `\`${file.path ?? file}\``).join(" + "), failed(peer), "", "", ""]
          : [
              `${peer.package} ${peer.version}`,
              peer.files.map((file) => `\`${file.path}\``).join(" + "),
              group(peer.raw),
              `${group(peer.gzip)} (${kb(peer.gzip)})`,
              `${group(peer.brotli)} (${kb(peer.brotli)})`,
              `${(peer.gzip / core.gzip).toFixed(2)}×`,
            ],
      ),
    ),
    "",
    ...sizes.peers.map((peer) => `- ${peer.package}: ${peer.does}; ${peer.note}.`),
    "",
  );
  return out;
}

/** What the interest model (issue 12) adds to the core agent: bench/lib/interest-cost.mjs's figures and what they count. */
function interestModelLines(model, core) {
  const out = ["What the interest model (issue 12) adds to the core agent: each shipped file beside the same build without the model.", ""];
  if (!model) return [...out, "Not measured in this run.", ""];
  if (model.error) return [...out, `The interest model's share was ${failed(model)}.`, ""];
  const { wasm, shell, total } = model;
  const bold = (text) => `**${text}**`;
  out.push(
    table(
      ["file", "bytes", "gzip -9"],
      [
        ["`pkg/concierge_bg.wasm` (Wasm) as shipped", group(wasm.shipped.raw), group(wasm.shipped.gzip)],
        [`the same Wasm without the model: ${wasm.stubbed.length} of its own functions stubbed, optimised the same way`, group(wasm.without.raw), group(wasm.without.gzip)],
        [bold("what the interest model adds to the core's Wasm"), bold(group(wasm.added.raw)), bold(group(wasm.added.gzip))],
        ["`pkg/concierge.js` (shell) as shipped", group(shell.shipped.raw), group(shell.shipped.gzip)],
        [`the same shell without ${shell.modules.map((module) => `\`${module.replace("src/web/", "")}\``).join(" and ")}, bundled the same way`, group(shell.without.raw), group(shell.without.gzip)],
        [bold("what the interest model adds to the shell"), bold(group(shell.added.raw)), bold(group(shell.added.gzip))],
        [
          bold("the interest model in the core agent"),
          bold(group(total.raw)),
          `${bold(group(total.gzip))} (${kb(total.gzip)}${core?.gzip ? `, ${((total.gzip / core.gzip) * 100).toFixed(1)}% of the core` : ""})`,
        ],
      ],
    ),
    "",
    "- gzip -9 of each file's bytes from standard input (`gzip -9n`: no file name in the header, so the two files of a pair differ by their content alone; the core agent's table above counts the name too).",
    `- The Wasm: the core's Wasm as \`./build.sh bench\` compiled it, before optimisation (its name section kept), with the body of each of the model's own functions replaced by one that returns zeros (\`bench/lib/stub-wasm.mjs\`, picked by demangled name: what lies in \`concierge::engine::interests\`, \`concierge::engine::recommend\` and \`concierge_protocol::documents::catalogue\`, the interest parts of the wire, stored, bridge, targeting, campaigns and agent modules, and the impls of the wire's \`Interest\`; ${wasm.stubbed.length} functions, ${group(wasm.stubbedBodies)} bytes of bodies before optimisation, listed in \`bench/results.json\`), then optimised as the shipped Wasm is (build.sh \`optimise_wasm\`), so the code that only those functions reached (library code made for them, the price parser of JSON-LD prices) goes as dead code too.`,
    "- Not counted, so the figure is a lower bound: the model's code that the compiler inlined into functions the core keeps (the agent's handling of an observation, writing and reading back the stored `interests` section, the outbox's `interests` payload, the config reader's `catalogue` document), each call into the model, and its data: texts in the Wasm's data segment (the stored section's field names, the recommendations heading in the text catalogue) stay whole, as no function owns them.",
    "- Stubs that return zeros rather than trap: wasm-opt inlines a one-instruction body, and after an inlined `unreachable` it removes the rest of the caller's block, core code included; zeros leave every caller whole.",
    `- The shell: \`src/web/main.js\` bundled as \`src/web/bundle.mjs\` bundles it (checked byte for byte against the shipped file), once as it is and once with \`pageview.js\` (page views, dwell, SPA navigations; the only importer of \`jsonld.js\`) replaced by three empty functions; the lines of \`main.js\` that call it stay.`,
    "",
  );
  return out;
}

function pageCostSection(pageCost, settings) {
  const out = [`## 2. Page cost on the demo shop, CPU throttled ${settings.throttle}×`, ""];
  const variants = Object.keys(pageCost);
  const cell = (variant, name, format) => {
    const entry = pageCost[variant];
    if (entry.measured === 0) return "failed";
    return format(entry.figures[name]?.median ?? null);
  };
  const row = (label, name, format, only) => [label, ...variants.map((variant) => (only && !only.includes(variant) ? "" : cell(variant, name, format)))];
  out.push(
    `Median of ${settings.loads} cold page views each (a new browser context per view), the three variants in turns.`,
    "",
    table(
      ["measure", ...variants.map((variant) => VARIANT_NAMES[variant])],
      [
        row("agent ready, from navigation start", "ready", ms, ["concierge", "alloy"]),
        row("agent ready, after `DOMContentLoaded` (budget 100 ms)", "readyAfterDomContentLoaded", ms, ["concierge", "alloy"]),
        row("Concierge's published config in force, after `DOMContentLoaded`", "configAfterDomContentLoaded", ms, ["concierge"]),
        row("first contentful paint", "firstContentfulPaint", ms),
        row("`DOMContentLoaded`", "domContentLoaded", ms),
        row("load event", "loadEvent", ms),
        row("long tasks (over 50 ms), count", "longTasks", (value) => (value === null ? "–" : String(value))),
        row("long tasks, total time", "longTaskTime", ms),
        row("longest task", "longestTask", ms),
        row("total blocking time", "totalBlockingTime", ms),
        [
          "page views with an agent script run over 50 ms (budget: none)",
          ...variants.map((variant) => {
            const entry = pageCost[variant];
            if (variant === "none") return "";
            if (entry.measured === 0) return "failed";
            return `${entry.viewsWithAgentScriptOver50} of ${entry.measured}: ${entry.viewsWithAgentScriptOver50 === 0 ? "**met**" : "**missed**"}`;
          }),
        ],
        row("longest agent script run", "agentLongestScript", ms, ["concierge", "alloy"]),
        row("cumulative layout shift, whole page", "cls", (value) => (value === null ? "–" : value.toFixed(3))),
        row("layout shifts of the agent's own nodes", "agentShifts", (value) => (value === null ? "–" : String(value)), ["concierge"]),
      ],
    ),
    "",
  );
  for (const variant of variants) {
    const entry = pageCost[variant];
    if (entry.failures.length) out.push(`- ${VARIANT_NAMES[variant]}: ${entry.failures.length} of ${entry.loads} page views failed${entry.loads < settings.loads ? ", then no more were tried" : ""}: ${[...new Set(entry.failures)].join("; ")}.`);
    if (entry.pageErrors.length) out.push(`- ${VARIANT_NAMES[variant]}: script errors on the page: ${entry.pageErrors.join("; ")}.`);
    if (entry.agentScriptsOver50Named?.length) {
      const times = new Map();
      for (const name of entry.agentScriptsOver50Named) times.set(name, (times.get(name) ?? 0) + 1);
      const list = [...times].map(([name, count]) => `${name} ${count}×`).join("; ");
      out.push(`- ${VARIANT_NAMES[variant]}'s script runs over 50 ms, over all ${entry.measured} views: ${list}.`);
    }
  }
  out.push(
    "- Agent ready: Concierge's `concierge:ready` performance mark; alloy: the moment its `configure` promise resolved (a mark set in its `then`). Both scripts are `async`, so either may be ready before `DOMContentLoaded` (a negative figure).",
    "- alloy is served from `bench/peers` by the browser's request routing, with Adobe's base code and a `configure` call (dummy organisation and datastream); the page's CSP gains Adobe's edge domains in `connect-src`, as a shop running alloy would publish; any request to them is answered with an empty 204 inside the browser.",
    "- Agent script runs: long-animation-frame script entries whose source is the agent's own files (`/concierge/` or alloy's bundle); agent code the shop calls synchronously (`concierge('track')` from `shop.js`) counts as the shop's.",
    "- Total blocking time: the time beyond 50 ms of each long task after first contentful paint, until 1 s after the agent was ready and the load event fired (no time-to-interactive bound).",
    "",
  );
  return out;
}

function startupSection(startup, pageCost, settings) {
  const throttled = pageCost.concierge?.figures;
  const plain = startup.concierge?.figures;
  const out = ["## Start-up", ""];
  const line = (label, name, budget) => {
    const values = [plain?.[name], throttled?.[name]];
    return [label, ...values.map((entry) => (entry ? `${ms(entry.median)} (p95 ${ms(entry.p95)})` : "–")), budget];
  };
  out.push(
    `Concierge, median of ${settings.loads} cold page views each.`,
    "",
    table(
      ["from `DOMContentLoaded` to", "unthrottled", `${settings.throttle}× throttled`, "<budget"],
      [
        line("ready (`concierge:ready`)", "readyAfterDomContentLoaded", `100 ms at 4×: ${verdict(throttled?.readyAfterDomContentLoaded?.median, 100)}`),
        line("config in force (`concierge:config`)", "configAfterDomContentLoaded", ""),
      ],
    ),
    "",
  );
  if (startup.concierge?.failures.length) out.push(`${startup.concierge.failures.length} unthrottled page views failed: ${[...new Set(startup.concierge.failures)].join("; ")}.`, "");
  return out;
}

function perEventSection(perEvent) {
  const out = ["## 3. Per event", ""];
  out.push(
    `Inside the page, unthrottled; each call timed on its own with \`performance.now()\` (the page served cross-origin isolated, timer step ${perEvent.timer ? `${(perEvent.timer.resolution * 1000).toFixed(1)} µs` : "unknown"}). \`add_to_cart\` is undone by an untimed \`remove_from_cart\` after each call so the cart stays the same.`,
    "",
    table(
      ["command", "median", "p95", "calls", "<cart listener called before the command returned", "<budget"],
      perEvent.rows.map((row) =>
        row.error
          ? [`\`${row.name}\``, failed(row), "", "", "", ""]
          : [
              `\`concierge('track', '${row.event}')\`, ${row.name.split(", ").slice(1).join(", ")}`,
              us(row.median),
              us(row.p95),
              group(row.samples),
              row.cartListenerCalledDuringCommand ?? "",
              row.event === "add_to_cart" ? `50 µs median: ${verdict(row.median, 50)}` : "",
            ],
      ),
    ),
    "",
  );
  return out;
}

function campaignsSection(decision, targeting) {
  const out = ["## 3b. Campaigns: one decision, and targeting", ""];
  out.push(
    `One full decision with ${decision.campaigns} campaigns (\`bench/lib/campaigns.mjs\`: triggers ${decision.triggers.map((name) => `\`${name}\``).join(", ")}; targeting rules, placements, caps, schedules, holdouts and variants in turn; valid per \`concierge-cli check\`). The shipped Wasm (\`www/concierge/pkg/concierge_bg.wasm\`) is started in a cross-origin isolated page as the shell starts it on a product page (consent given, a phone in the cart) and given the published config with this campaigns document through its config input. Each timed call hands the engine, in one input, ${decision.inputs.map((input) => `\`${input}\``).join(", ")}: every campaign is a candidate and goes through schedule, targeting, caps and arbitration. Timed as the shell calls it (JSON written, engine run, effects read back), ${decision.batch > 1 ? `${decision.batch} consecutive calls per sample, each sample's time divided by ${decision.batch} (one call is a few timer steps of ${decision.timer ? `${(decision.timer.resolution * 1000).toFixed(1)} µs` : "unknown size"}, so single calls would put the median on that step's multiples; the p95 is that of these per-call averages, so a single slow call weighs 1/${decision.batch} of what it would alone)` : `each call on its own (timer step ${decision.timer ? `${(decision.timer.resolution * 1000).toFixed(1)} µs` : "unknown"})`}, after ${decision.warmup ?? "untimed"} warm-up calls; the documents of what the calls stored are asked for untimed every fifth sample, as the shell asks for them when it writes storage in a task after the calls; the first decision showed ${decision.firstDecision.shown} campaigns (${decision.firstDecision.holdout} held back as holdout), later ones keep them on the page.`,
    "",
    table(
      ["measure", "median", "p95", "calls", "<budget"],
      [[`one decision, ${decision.campaigns} campaigns`, us(decision.median), us(decision.p95), group(decision.samples * (decision.batch ?? 1)), `50 µs median: ${verdict(decision.median, 50)}`]],
    ),
    "",
    "One targeting evaluation, a representative campaign rule and visitor (`bench/lib/targeting.mjs`), both evaluators in the same page on the same rule and data, each checked to give the expected result first. Concierge's evaluator is the agent's own (`protocol/src/logic.rs`), reached through a bench-only build of the Wasm (`--features bench`, export `concierge_bench_logic`; never shipped) with the same optimisation as the agent.",
    "",
    table(
      ["evaluator", "median", "p95", "<method"],
      targeting.rows.map((row) => (row.error ? [row.name, failed(row), "", ""] : [row.name, us(row.median), us(row.p95), row.method])),
    ),
    "",
    `Concierge ÷ json-logic-js: ${targeting.speedup === null ? "not measured" : `${targeting.speedup}× as fast at the median (goal: not slower: ${targeting.speedup >= 1 ? "**met**" : "**missed**"})`}.`,
    "",
  );
  return out;
}

function assistantSection(search) {
  const out = ["## 3c. The assistant: answering over a 500-entry knowledge document", ""];
  if (!search || search.error) return [...out, `The assistant's search was ${failed(search ?? { error: "not run" })}.`, ""];
  const percent = (value) => (typeof value === "number" ? `${(value * 100).toFixed(1)}%` : "–");
  out.push(
    `The knowledge document (\`bench/lib/assistant.mjs\`, \`knowledge500\`): the demo's \`documents/demo/knowledge.json\` (the one the labelled set asks about) with product entries (one per product and topic: what is in the box, colours, stock, warranty, instalments, battery, the previous model) until it holds ${search.entries} entries, the same number in each language. Concierge answers with its \`assistant\` lazy module, the very file the agent imports when the panel opens (\`Index.ask\`: BM25 over accent-folded 4-grams, \`protocol/src/ask.rs\`, in the module's Wasm; time includes the question's way in and the hits' way out); MiniSearch 7 with one index per language over question, tags and synonyms (boosted) and answer, prefix and fuzzy (0.2) matching, accents folded, as its documentation sets up a help centre. Both in the same cross-origin isolated page (timer step ${search.timerResolutionUs.toFixed(1)} µs). Precision at 1: the first hit is the labelled entry, over the ${search.questions} labelled questions that have one (\`tests/fixtures/knowledge/labelled.json\`), on the demo document and on the 500-entry one.`,
    "",
    table(
      ["engine", "median", "p95", "index built", "P@1 en", "P@1 es", "P@1 nl", "P@1 de", "P@1 on 500", "<budget"],
      search.rows.map((row) =>
        row.error
          ? [row.name, failed(row), "", "", "", "", "", "", "", ""]
          : [
              row.name,
              us(row.median),
              us(row.p95),
              ms(row.indexMs, 1),
              percent(row.precision.en),
              percent(row.precision.es),
              percent(row.precision.nl),
              percent(row.precision.de),
              percent(row.precisionLarge),
              row.name.startsWith("Concierge") ? `2 ms median: ${verdict(row.median, 2000)}` : "",
            ],
      ),
    ),
    "",
    `Method: ${search.rows[0]?.method ?? "–"}.`,
    "",
  );
  return out;
}

function memorySection(memory) {
  const out = ["## 4. Memory", ""];
  const bytes = (value) => (typeof value === "number" ? `${group(value)} (${kb(value)})` : value?.error ? failed(value) : "–");
  out.push(
    `JS heap in use after a forced garbage collection (DevTools \`Runtime.getHeapUsage\`, the whole page); Concierge's Wasm linear memory read as \`memory.buffer.byteLength\` through the shell module the loader imported. Consent given; ${group(memory.events)} events: \`view_item\`, \`add_to_cart\`, \`view_item\`, \`remove_from_cart\` in turn.`,
    "",
    table(
      ["page", "JS heap, bytes", "Wasm memory, bytes"],
      [
        ["no agent", bytes(memory.noneHeap), ""],
        ["alloy, configured", bytes(memory.alloyHeap), ""],
        ["Concierge, ready", bytes(memory.conciergeHeapReady), bytes(memory.wasmMemoryReady)],
        [`Concierge, after ${group(memory.events)} events`, bytes(memory.conciergeHeapAfterEvents), bytes(memory.wasmMemoryAfterEvents)],
      ],
    ),
    "",
  );
  if (memory.conciergeError) out.push(`Concierge was ${failed({ error: memory.conciergeError })}.`, "");
  if (typeof memory.storedCharactersAfterEvents === "number") out.push(`After the events the agent's \`localStorage\` entries hold ${group(memory.storedCharactersAfterEvents)} characters (keys and values).`, "");
  return out;
}

function vitalsSection(vitals, pageCost) {
  const out = [`## 5. Web Vitals with the recovery banner, CPU throttled ${vitals.throttle}×`, ""];
  const interaction = vitals.dismissInteraction;
  const accept = vitals.acceptInteraction;
  const interactionText = (value) => (value === null ? `under ${interaction.threshold} ms` : ms(value, 0));
  out.push(
    `A returning visitor whose cart was abandoned two hours ago (storage seeded in the stored format of today: every purpose accepted, a cart left), ${vitals.measured} of ${vitals.loads} page views measured.`,
    "",
    table(
      ["measure", "median", "worst", "<budget"],
      [
        ["layout shift from the agent's nodes while the banner appears", vitals.agentShiftValue.median?.toFixed(3) ?? "–", vitals.agentShiftValue.max?.toFixed(3) ?? "–", `0: ${verdict(vitals.agentShiftValue.max, 0)}`],
        ["the page's CLS with the banner", vitals.cls.median?.toFixed(3) ?? "–", vitals.cls.max?.toFixed(3) ?? "–", ""],
        ["the page's CLS without agent (section 2's page views)", pageCost.none?.figures.cls.median?.toFixed(3) ?? "–", pageCost.none?.figures.cls.max?.toFixed(3) ?? "–", ""],
        [
          "interaction: a click on the banner's dismiss button",
          interactionText(interaction.median),
          interactionText(interaction.max),
          `under 100 ms: ${interaction.samples === 0 ? "not measured" : (interaction.max ?? 0) < 100 ? "**met**" : "**missed**"}`,
        ],
        ...(accept
          ? [
              [
                `interaction: a click on the consent dialog's "Accept all" (a first visit, ${vitals.acceptMeasured} of ${vitals.loads} views)`,
                interactionText(accept.median),
                interactionText(accept.max),
                `under 100 ms: ${accept.samples === 0 ? "not measured" : (accept.max ?? 0) < 100 ? "**met**" : "**missed**"}`,
              ],
            ]
          : []),
      ],
    ),
    "",
    `- Interaction: the slowest Event Timing entry of the click's interaction (pointerdown, pointerup, click), durations rounded by the browser to 8 ms; ${interaction.underThreshold} of ${interaction.samples} dismiss clicks${accept ? ` and ${accept.underThreshold} of ${accept.samples} accept clicks` : ""} stayed under the API's 16 ms threshold.`,
    "",
  );
  if (vitals.failures.length) out.push(`${vitals.failures.length} page views failed: ${[...new Set(vitals.failures)].join("; ")}.`, "");
  return out;
}

function ingestSection(ingest) {
  const out = ["## Backend ingest", ""];
  if (ingest.error) return [...out, `The ingest benchmark was ${failed(ingest)}.`, ""];
  out.push(`${ingest.heading} (\`server/examples/ingest_bench.rs\`):`, "", table(["measure", "result"], ingest.rows.map((row) => [row.measure, row.result])), "");
  return out;
}

/** The agent's tasks by main-thread CPU time (bench/lib/trace.mjs), beside the wall-clock figures
 * of the page cost, which a busy machine stretches; and what stood between DOMContentLoaded and
 * ready. */
function agentTasksSection(agentTasks) {
  const out = ["## 2b. The agent's tasks by CPU time, and what comes before ready", ""];
  if (!agentTasks || agentTasks.error) return [...out, `The agent's tasks were ${agentTasks ? failed(agentTasks) : "not measured"}.`, ""];
  const { throttle, untilReady } = agentTasks;
  const times = (entry) => `${ms(entry.median)} (p95 ${ms(entry.p95)})`;
  out.push(
    `Concierge, ${agentTasks.measured} of ${agentTasks.loads} cold page views at ${throttle}× CPU throttling, traced (Chromium's \`devtools.timeline\` trace): every main-thread task in which a script of the agent's (\`/concierge/\`) ran, with its CPU time (the main thread's own: the throttling, which keeps the thread busy, counts in it; other processes on this shared machine, which stretch wall-clock times, do not) and its wall-clock time.`,
    "",
    table(
      ["measure", "median (p95)", "<budget"],
      [
        ["the agent's longest task, CPU time", times(agentTasks.longest), `no long task (50 ms) at 4×: ${agentTasks.viewsOver50} of ${agentTasks.measured} views over: ${agentTasks.viewsOver50 === 0 ? "**met**" : "**missed**"}`],
        ["the agent's longest task, wall-clock time", times(agentTasks.longestWall), ""],
        ["all of the agent's tasks, CPU time", times(agentTasks.total), ""],
        ["the agent's tasks, count", `${agentTasks.tasks.median} (p95 ${agentTasks.tasks.p95})`, ""],
      ],
    ),
    "",
  );
  if (untilReady?.views) {
    out.push(
      `From \`DOMContentLoaded\` to \`concierge:ready\`, wall-clock, what the main thread was doing (${untilReady.views} views, medians of each part, so they need not add up):`,
      "",
      table(
        ["part", "median (p95)"],
        [
          ["in all", times(untilReady.total)],
          ["the agent's tasks", times(untilReady.agent)],
          ["tasks running other scripts: the page's, and promise callbacks the trace names no script for (some the agent's)", times(untilReady.page)],
          ["tasks without a script: style, layout and paint (the agent's views' too), parsing", times(untilReady.rendering)],
          ["no task (waiting for the network or another thread)", times(untilReady.idle)],
        ],
      ),
      "",
    );
    if (untilReady.loaderRan?.median !== null && untilReady.loaderRan?.median !== undefined) {
      out.push(
        `The loader (the \`async\` script tag) began to run ${ms(untilReady.loaderRan.median)} after \`DOMContentLoaded\` at the median (p95 ${ms(untilReady.loaderRan.p95)}; negative: before): an async script runs when the page's own tasks let it, and the agent's downloads start only then.`,
        "",
      );
    }
  }
  if (agentTasks.failures.length) out.push(`${agentTasks.failures.length} page views failed: ${[...new Set(agentTasks.failures)].join("; ")}.`, "");
  return out;
}

/** The tables, in the order of issue 8's list. */
export function tables(results) {
  return [
    ...downloadSection(results.sizes),
    ...pageCostSection(results.pageCost, results.settings.pageCost),
    ...startupSection(results.startup, results.pageCost, results.settings.pageCost),
    ...agentTasksSection(results.agentTasks),
    ...perEventSection(results.perEvent),
    ...campaignsSection(results.decision, results.targeting),
    ...assistantSection(results.assistantSearch),
    ...memorySection(results.memory),
    ...vitalsSection(results.vitals, results.pageCost),
    ...ingestSection(results.ingest),
  ].join("\n");
}

export function header(results) {
  const machine = results.machine;
  return [
    `Measured ${results.date} by \`./build.sh bench\` on ${machine.cpus}× ${machine.cpuModel}, ${(machine.memory / KB ** 3).toFixed(1)} GB RAM, ${machine.os}; headless Chromium ${results.chromium}, Node ${machine.node}; server on loopback. Load average ${machine.loadBefore.map((value) => value.toFixed(2)).join(" / ")} before the run, ${machine.loadAfter.map((value) => value.toFixed(2)).join(" / ")} after (1/5/15 min): the machine is shared, quote medians.${results.loweredCounts?.length ? ` **Counts lowered for this run: ${results.loweredCounts.join(", ")}.**` : ""}`,
  ].join("\n");
}

export function charts(results) {
  const out = {};
  const { core, lazy, peers } = results.sizes;
  const kbValue = (value) => `${(value / KB).toFixed(1)} KB`;
  out["sizes.svg"] = barChart({
    title: "Download size of each agent",
    subtitle: "Concierge's core agent (loader + shell + Wasm) and each peer's browser bundle; dashed line: the core budget",
    series: [{ name: "gzip -9" }, { name: "brotli" }],
    rows: [
      core.error ? { label: "Concierge core", note: failed(core) } : { label: "Concierge core agent", values: [core.gzip, core.brotli] },
      ...lazy.map((module) => (module.error ? { label: module.name, note: failed(module) } : { label: `lazy: ${module.name}`, values: [module.gzip, module.brotli] })),
      ...peers.map((peer) => (peer.error ? { label: peer.package, note: "not installed" } : { label: `${peer.package} ${peer.version}`, values: [peer.gzip, peer.brotli] })),
    ],
    markers: core.budget ? [{ value: core.budget, label: `budget ${kbValue(core.budget)}` }] : [],
    format: kbValue,
  });

  const variants = Object.keys(results.pageCost);
  const measures = [
    ["agent ready", "ready"],
    ["load event", "loadEvent"],
    ["long tasks, total time", "longTaskTime"],
    ["total blocking time", "totalBlockingTime"],
  ];
  out["page-cost.svg"] = barChart({
    title: `Page cost on the demo shop, CPU ${results.settings.pageCost.throttle}× throttled`,
    subtitle: `median of ${results.settings.pageCost.loads} cold page views each; ready is measured from navigation start`,
    series: [{ name: "ms" }],
    rows: measures.flatMap(([label, name]) => [
      { label, heading: true },
      ...variants
        .filter((variant) => !(name === "ready" && variant === "none"))
        .map((variant) => {
          const entry = results.pageCost[variant];
          return entry.measured === 0 ? { label: VARIANT_NAMES[variant], note: "failed" } : { label: VARIANT_NAMES[variant], values: [entry.figures[name].median] };
        }),
    ]),
    format: (value) => `${value.toFixed(0)} ms`,
  });

  const throttled = results.pageCost.concierge?.figures;
  const plain = results.startup.concierge?.figures;
  out["startup.svg"] = barChart({
    title: "Concierge start-up, from DOMContentLoaded",
    subtitle: `median of ${results.settings.pageCost.loads} cold page views; dashed line: the 100 ms budget (at 4×)`,
    series: [{ name: "unthrottled" }, { name: `${results.settings.pageCost.throttle}× throttled` }],
    rows: [
      { label: "to ready (concierge:ready)", values: [plain?.readyAfterDomContentLoaded.median ?? null, throttled?.readyAfterDomContentLoaded.median ?? null] },
      { label: "to config in force (concierge:config)", values: [plain?.configAfterDomContentLoaded.median ?? null, throttled?.configAfterDomContentLoaded.median ?? null] },
    ],
    markers: [{ value: 100, label: "100 ms" }],
    format: (value) => `${value.toFixed(0)} ms`,
  });

  out["per-event.svg"] = barChart({
    title: "One command inside the page, unthrottled",
    subtitle: "median and p95 per call; dashed line: the 50 µs budget for add_to_cart and for a campaign decision at the median",
    series: [{ name: "median" }, { name: "p95" }],
    rows: [
      ...results.perEvent.rows.map((row) => (row.error ? { label: row.name, note: "failed" } : { label: row.name, values: [row.median, row.p95] })),
      { label: `campaign decision, ${results.decision.campaigns} campaigns`, values: [results.decision.median, results.decision.p95] },
      ...results.targeting.rows.map((row) => (row.error ? { label: `targeting: ${row.name}`, note: "failed" } : { label: `targeting: ${row.name}`, values: [row.median, row.p95] })),
    ],
    markers: [{ value: 50, label: "50 µs" }],
    format: (value) => `${value < 10 ? value.toFixed(1) : value.toFixed(0)} µs`,
  });
  return out;
}

export function report(results, chartFiles) {
  return [
    "<!-- Generated by ./build.sh bench (bench/run.mjs) from bench/results.json; do not edit by hand. -->",
    "",
    "# Concierge benchmark",
    "",
    header(results),
    "",
    `Every figure below was measured in this run; none is copied. Run time ${Math.round(results.seconds)} s.`,
    "",
    ...chartFiles.map((file) => `![${file}](charts/${file})`),
    "",
    tables(results),
  ].join("\n");
}
