// Benchmark, download sizes: what each agent costs over the wire, gzip -9 and brotli (quality 11), measured from the files themselves.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** KB in this report: 1,024 bytes, as the budgets in issue 8 are stated. */
export const KB = 1024;

/** Everything a visitor's first page view downloads; the budget is gzip -9 bytes. */
export const CORE = {
  name: "Concierge core agent",
  budget: 40 * KB,
  files: [
    { path: "www/concierge/loader.js", role: "loader", budget: 1.5 * KB },
    { path: "www/concierge/pkg/concierge.js", role: "shell (JavaScript)" },
    { path: "www/concierge/pkg/concierge_bg.wasm", role: "Wasm" },
  ],
};

/**
 * Modules fetched only when needed (src/web/modules.js): { name,
 * files: [paths from the repository root], budget: gzip bytes, when: "what makes the page fetch
 * it" }, each measured on its own row. The budget is the module's line in `size-budget`, the
 * one `./build.sh test` enforces (over the module's .js and its .wasm together).
 */
export const LAZY_MODULES = [
  {
    name: "TCF decoder",
    files: ["www/concierge/modules/tcf.js", "www/concierge/modules/tcf.wasm"],
    budget: moduleBudget("tcf"),
    when: "the page has an IAB TCF consent manager and the policy maps its purposes",
  },
  {
    name: "Shopping assistant",
    files: ["www/concierge/modules/assistant.js", "www/concierge/modules/assistant.wasm"],
    budget: moduleBudget("assistant"),
    when: "the visitor opens the assistant, or a prompt is due",
  },
];

/** The `name bytes` line of a lazy module in `size-budget`, or null. */
function moduleBudget(name) {
  const file = join(import.meta.dirname, "../../size-budget");
  const line = readFileSync(file, "utf8").split("\n").find((text) => text.split(" ")[0] === name);
  return line ? Number(line.split(" ")[1]) : null;
}

/**
 * The agents shops use today, from bench/peers (pinned in its package-lock.json). Each is the
 * browser bundle as published: the minified standalone file where the package ships one.
 */
export const PEERS = [
  {
    package: "@adobe/alloy",
    does: "Adobe Experience Platform Web SDK (tracking, identity, personalization; no consent UI)",
    files: ["dist/alloy.min.js"],
    note: "standalone minified bundle with every component, as Adobe's CDN serves it",
  },
  {
    package: "posthog-js",
    does: "PostHog product analytics, feature flags, surveys",
    files: ["dist/array.js"],
    note: "the bundle the PostHog snippet loads; session recording and extensions load later",
  },
  {
    package: "@segment/analytics-next",
    does: "Segment analytics.js 2.0 (event collection; destinations load later)",
    files: ["dist/umd/index.js"],
    note: "standalone UMD entry; its lazily loaded chunks are not counted",
  },
  {
    package: "@growthbook/growthbook",
    does: "GrowthBook feature flags and experiments (targeting)",
    files: ["dist/bundles/index.min.js"],
    note: "minified UMD bundle",
  },
  {
    package: "klaro",
    does: "Klaro consent manager (consent UI)",
    files: ["dist/klaro.js"],
    note: "default build with styles and translations, as Klaro's docs embed it",
  },
  {
    package: "vanilla-cookieconsent",
    does: "CookieConsent v3 (consent UI)",
    files: ["dist/cookieconsent.umd.js", "dist/cookieconsent.css"],
    note: "minified UMD plus the stylesheet its UI needs",
  },
  {
    package: "json-logic-js",
    does: "JsonLogic rule evaluator (targeting rules)",
    files: ["logic.js"],
    note: "the only file shipped; not minified",
  },
  {
    package: "minisearch",
    does: "MiniSearch full-text search (an assistant's product search)",
    files: ["dist/umd/index.js"],
    note: "UMD bundle as shipped; not minified",
  },
];

export const PEERS_DIR = "bench/peers/node_modules";

/**
 * gzip -9 by the gzip program where there is one, so the figures equal the size budget check in
 * build.sh byte for byte (zlib's deflate differs from gzip's by a few hundred bytes on the Wasm).
 */
function gzipProgramAvailable() {
  try {
    execFileSync("gzip", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export const GZIP_TOOL = gzipProgramAvailable() ? "gzip -9 (the gzip program)" : "gzip level 9 (node zlib)";

/** The file is named on the command line as build.sh does (gzip stores the name in its header). */
function gzipSize(path, bytes) {
  if (GZIP_TOOL.startsWith("gzip -9")) return execFileSync("gzip", ["-9c", path], { maxBuffer: 1 << 28 }).length;
  return gzipSync(bytes, { level: 9 }).length;
}

function compressedSizes(path, isText) {
  const bytes = readFileSync(path);
  return {
    raw: bytes.length,
    gzip: gzipSize(path, bytes),
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: isText ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
}

/** Sizes of each file, summed; a missing file makes the whole entry an error naming it. */
function measureFiles(root, paths) {
  const files = [];
  for (const path of paths) {
    const full = join(root, path);
    if (!existsSync(full)) return { error: `${path} is missing` };
    files.push({ path, ...compressedSizes(full, !path.endsWith(".wasm")) });
  }
  const total = (key) => files.reduce((sum, file) => sum + file[key], 0);
  return { files, raw: total("raw"), gzip: total("gzip"), brotli: total("brotli") };
}

function installedVersion(root, name) {
  try {
    return JSON.parse(readFileSync(join(root, PEERS_DIR, name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

/** Every size in the report: the core agent file by file, the lazy modules and the peers. */
export function measureSizes(root) {
  const core = measureFiles(root, CORE.files.map((file) => file.path));
  if (core.files) {
    core.files = core.files.map((file, index) => ({ ...file, role: CORE.files[index].role, budget: CORE.files[index].budget ?? null }));
  }
  const lazy = LAZY_MODULES.map((module) => ({ name: module.name, when: module.when ?? null, budget: module.budget, ...measureFiles(root, module.files) }));
  const peers = PEERS.map((peer) => {
    const version = installedVersion(root, peer.package);
    const base = { package: peer.package, version, does: peer.does, note: peer.note, files: peer.files };
    if (!version) return { ...base, error: `${peer.package} is not installed in ${PEERS_DIR}` };
    const measured = measureFiles(join(root, PEERS_DIR, peer.package), peer.files);
    return { ...base, ...measured, files: measured.files ?? peer.files.map((path) => ({ path })) };
  });
  return { core: { name: CORE.name, budget: CORE.budget, ...core }, lazy, peers };
}
