// Benchmark probe: how much of the core's Wasm a page view runs, by a profile-guided split of the shipped Wasm (binaryen's wasm-split).
//
// `node bench/probe-split.mjs [WASM]` (default www/concierge/pkg/concierge_bg.wasm). Needs
// target/release/concierge-server, Chromium, and binaryen's `wasm-split` on the PATH (Debian's
// `binaryen` package; not installed by build.sh, since nothing shipped uses it).
//
// The Wasm is instrumented (`wasm-split --instrument`: each function records when it first ran)
// and served in the place of the shipped one on the demo shop; visitors then go through the
// flows below in Chromium, and after each page view every instance of the module the page made
// (the agent's and its warm-up spare) writes its profile. For each set of flows, the profiles are
// merged and the Wasm split by them: the primary module keeps every function that ran, the
// secondary gets the rest, and both are weighed, gzip -9, the primary also after the build's
// similarity layout (src/web/wasm-order.mjs), as the shipped Wasm is laid out. The primary is what
// a split at function granularity could not move out of those page views' download; a function
// that ran once stays whole, with the branches that did not run.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { acceptConsent, agentReady, comeBackLater, launchBrowser, startServer, visitor } from "../tests/e2e/harness.mjs";
import { serveBuild } from "./lib/probe.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const wasm = resolve(process.argv[2] ?? join(ROOT, "www/concierge/pkg/concierge_bg.wasm"));
const FEATURES = [
  "--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals",
  "--enable-nontrapping-float-to-int", "--enable-reference-types", "--enable-multivalue",
];
const work = mkdtempSync(join(tmpdir(), "concierge-split-"));
const split = (...args) => execFileSync("wasm-split", [...FEATURES, ...args], { stdio: ["ignore", "ignore", "inherit"] });

// A copy of the agent's files with the instrumented Wasm in the shipped one's place.
const build = join(work, "concierge");
mkdirSync(join(build, "pkg"), { recursive: true });
copyFileSync(join(ROOT, "www/concierge/loader.js"), join(build, "loader.js"));
copyFileSync(join(ROOT, "www/concierge/pkg/concierge.js"), join(build, "pkg/concierge.js"));
split("--instrument", wasm, "-o", join(build, "pkg/concierge_bg.wasm"));

/** Every instance of the instrumented module the page makes, kept for its profile. */
function keepInstances() {
  const instantiate = WebAssembly.instantiate;
  const kept = (window.__splitProfiled = []);
  WebAssembly.instantiate = function (...args) {
    return instantiate.apply(this, args).then((result) => {
      const exports = (result.instance || result).exports;
      if (exports.__write_profile) kept.push(exports);
      return result;
    });
  };
}

const profiles = [];
/** Writes the profile of every instance the page made since its last navigation. */
async function writeProfiles(page, flow) {
  const written = await page.evaluate(() =>
    window.__splitProfiled.map((exports) => {
      const size = 1 << 16;
      const at = exports.concierge_alloc(size);
      const length = exports.__write_profile(at, size);
      return Array.from(new Uint8Array(exports.memory.buffer, at, length));
    }),
  );
  for (const bytes of written) {
    const file = join(work, `p${profiles.length}.prof`);
    writeFileSync(file, Buffer.from(bytes));
    profiles.push({ flow, file });
  }
  if (!written.length) throw new Error(`${flow}: the page made no instrumented instance`);
}

async function newVisitor(browser) {
  const session = await visitor(browser);
  await session.page.addInitScript(keepInstances);
  await serveBuild(session.page, shop.url, build);
  return session.page;
}

const shop = await startServer();
const browser = await launchBrowser();
try {
  // A new visitor's first page view: the consent dialog is shown and not answered.
  {
    const page = await newVisitor(browser);
    await page.goto(`${shop.url}/`);
    await agentReady(page);
    await page.waitForTimeout(1_000);
    await writeProfiles(page, "first view");
  }
  // A visitor who accepts, looks at a product, adds it to the cart, opens the cart, leaves, comes
  // back two hours later to the recovery banner and dismisses it, then opens a product again.
  {
    const page = await newVisitor(browser);
    await acceptConsent(page, `${shop.url}/`);
    await page.waitForTimeout(300);
    await writeProfiles(page, "accepting visitor");
    await page.locator("a[href*='product']").first().click();
    await agentReady(page);
    await page.locator(".add-to-cart").first().click();
    await page.waitForTimeout(500);
    await writeProfiles(page, "accepting visitor");
    await page.goto(`${shop.url}/cart/`);
    await agentReady(page);
    await page.waitForTimeout(500);
    await writeProfiles(page, "accepting visitor");
    await comeBackLater(page, "02:00:00", `${shop.url}/`);
    const dismiss = page.locator("[data-action=dismiss]").first();
    await dismiss.waitFor({ timeout: 5_000 }).catch(() => {});
    if (await dismiss.count()) await dismiss.click();
    await page.waitForTimeout(500);
    await writeProfiles(page, "accepting visitor");
  }
  // A visitor who rejects, then opens another page.
  {
    const page = await newVisitor(browser);
    await page.goto(`${shop.url}/`);
    await agentReady(page);
    await page.locator("[data-view=consent] [data-action=reject]").click();
    await page.waitForTimeout(500);
    await writeProfiles(page, "rejecting visitor");
    await page.goto(`${shop.url}/?category=phones`);
    await agentReady(page);
    await page.waitForTimeout(500);
    await writeProfiles(page, "rejecting visitor");
  }
} finally {
  await browser.close();
  await shop.stop();
}

// gzip -9 as build.sh weighs the core (`gz_size`).
const gz = (file) => execFileSync("gzip", ["-9c", file]).length;
const raw = (file) => readFileSync(file).length;
/** The build's similarity layout (build.sh `order_wasm`), for the primary's shipped-like size. */
function laidOut(input, output) {
  const named = `${output}.named.wasm`;
  execFileSync("node", [join(ROOT, "src/web/wasm-order.mjs"), input, named]);
  execFileSync(join(ROOT, "node_modules/.bin/wasm-opt"), [
    "--reorder-functions-by-name", "--generate-stack-ir", "--optimize-stack-ir", "--optimize-level=2",
    "--shrink-level=2", "--strip-debug", ...FEATURES, named, "-o", output,
  ]);
}

const sets = [
  ["a new visitor's first page view, no answer", ["first view"]],
  ["every flow above", ["first view", "accepting visitor", "rejecting visitor"]],
];
console.log(`The shipped Wasm: ${raw(wasm)} B, ${gz(wasm)} B gzip -9`);
console.log("| page views profiled | profiles | primary (ran) | primary, laid out | secondary (never ran) |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [name, flows] of sets) {
  const files = profiles.filter((profile) => flows.includes(profile.flow)).map((profile) => profile.file);
  const merged = join(work, `${flows.length}.prof`);
  split("--merge-profiles", ...files, "-o", merged);
  const primary = join(work, `primary-${flows.length}.wasm`);
  const secondary = join(work, `secondary-${flows.length}.wasm`);
  split("--profile", merged, wasm, "-o1", primary, "-o2", secondary);
  const ordered = join(work, `primary-${flows.length}-ordered.wasm`);
  laidOut(primary, ordered);
  const cell = (file) => `${raw(file)} B, **${gz(file)} B** gzip`;
  console.log(`| ${name} | ${files.length} | ${cell(primary)} | ${cell(ordered)} | ${cell(secondary)} |`);
}
rmSync(work, { recursive: true, force: true });
