// Benchmark probes' shared part: builds of the agent served side by side on the demo shop, and cold views of each taken in turns.

import { existsSync, readFileSync } from "node:fs";
import { join, normalize, resolve } from "node:path";
import { startServer } from "../../tests/e2e/harness.mjs";
import { launch } from "./browser.mjs";

/** Serves `dir` (a copy of www/concierge: loader.js, pkg/, modules/) in the place of
 * /concierge/ on `page`, by the browser's request routing; files it lacks come from the server. */
export async function serveBuild(page, origin, dir) {
  const base = resolve(dir);
  await page.route(`${origin}/concierge/**`, (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname.slice("/concierge/".length));
    const file = normalize(join(base, path));
    if (!file.startsWith(base) || !existsSync(file)) return route.fallback();
    const type = file.endsWith(".wasm") ? "application/wasm" : "text/javascript";
    return route.fulfill({ status: 200, contentType: type, body: readFileSync(file) });
  });
}

/**
 * `oneView(browser, origin, dir)` for each of `dirs` in turns, `views` times, after one discarded
 * view each (the machine is shared and noisy: turns spread its noise over every build alike).
 * Returns each dir's results, in the order of `dirs`.
 */
export async function inTurns(dirs, views, oneView) {
  const server = await startServer();
  const browser = await launch();
  try {
    const results = dirs.map(() => []);
    for (const dir of dirs) await oneView(browser, server.url, dir);
    for (let view = 0; view < views; view++) {
      for (const [index, dir] of dirs.entries()) results[index].push(await oneView(browser, server.url, dir));
    }
    return results;
  } finally {
    await browser.close();
    await server.stop();
  }
}
