// Benchmark: the agent's download size and the time from DOMContentLoaded to ready, in headless Chromium.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { agentReady, launchBrowser, startServer } from "../tests/e2e/harness.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const LOADS = Number(process.env.LOADS ?? 20);

function sizes() {
  const files = ["www/concierge/loader.js", "www/concierge/pkg/concierge.js", "www/concierge/pkg/concierge_bg.wasm"];
  return files.map((file) => {
    const bytes = readFileSync(join(ROOT, file));
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Milliseconds from DOMContentLoaded to the agent's `concierge:ready` mark, and to its
 * `concierge:config` mark (the shop's published documents in force; null for agents without it).
 */
async function startUp(page, url) {
  await page.goto(url);
  await agentReady(page);
  await page.waitForFunction(() => performance.getEntriesByName("concierge:config").length > 0, null, { timeout: 3_000 }).catch(() => {});
  return page.evaluate(() => {
    const [navigation] = performance.getEntriesByType("navigation");
    const [ready] = performance.getEntriesByName("concierge:ready");
    const [config] = performance.getEntriesByName("concierge:config");
    const start = navigation.domContentLoadedEventStart;
    return { ready: ready.startTime - start, config: config ? config.startTime - start : null };
  });
}

async function readyAfterDomContentLoaded(page, url) {
  const times = await startUp(page, url);
  configTimes.push(times.config);
  return times.ready;
}

const configTimes = [];

const server = await startServer();
const browser = await launchBrowser();
try {
  const url = `${server.url}/`;
  const cold = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext();
    cold.push(await readyAfterDomContentLoaded(await context.newPage(), url));
    await context.close();
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  await readyAfterDomContentLoaded(page, url);
  const warm = [];
  for (let i = 0; i < LOADS; i++) warm.push(await readyAfterDomContentLoaded(page, url));
  await context.close();

  const coldConfig = configTimes.slice(0, LOADS).filter((t) => t !== null);
  const measured = sizes();
  const total = measured.reduce((sum, entry) => sum + entry.gzip, 0);
  const date = new Date().toISOString().slice(0, 10);
  const fmt = (ms) => ms.toFixed(1);
  const report = [
    `# Concierge benchmark, ${date}`,
    "",
    `Machine: ${process.platform}, Node ${process.version}, headless Chromium (${browser.version()}), server on loopback.`,
    "",
    "## Download",
    "",
    "| file | bytes | gzip -9 |",
    "| --- | ---: | ---: |",
    ...measured.map((entry) => `| ${entry.file} | ${entry.raw} | ${entry.gzip} |`),
    `| **total** | | **${total}** |`,
    "",
    `## DOMContentLoaded to ready (median of ${LOADS} loads)`,
    "",
    "| cache | median ms | min ms | max ms |",
    "| --- | ---: | ---: | ---: |",
    `| cold (new browser context each load) | ${fmt(median(cold))} | ${fmt(Math.min(...cold))} | ${fmt(Math.max(...cold))} |`,
    `| warm (same context, reloads) | ${fmt(median(warm))} | ${fmt(Math.min(...warm))} | ${fmt(Math.max(...warm))} |`,
    coldConfig.length
      ? `| cold, to the published config in force | ${fmt(median(coldConfig))} | ${fmt(Math.min(...coldConfig))} | ${fmt(Math.max(...coldConfig))} |`
      : "| cold, to the published config in force | (this agent fetches no config) | | |",
    "",
  ].join("\n");
  mkdirSync(join(ROOT, "bench/out"), { recursive: true });
  writeFileSync(join(ROOT, "bench/out/report.md"), report);
  console.log(report);
  console.log("Written to bench/out/report.md");
} finally {
  await browser.close();
  await server.stop();
}
