// Benchmark, what the interest model (issue 12) adds to the core agent's download: the shipped Wasm beside the same build with the model's own functions stubbed and optimised alike (build.sh `build_core_without_interests`, bench/lib/stub-wasm.mjs), and the shipped shell beside the same bundle with its interest-only modules (pageview.js, which alone imports jsonld.js) left out; gzip -9 as the size budget measures.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build, transform } from "esbuild";
import { minify } from "terser";
import { GZIP_TOOL } from "./sizes.mjs";

/** Where build.sh writes the core's Wasm without the model (and, beside it as .json, what it stubbed). */
export const WITHOUT_INTERESTS_WASM = "target/bench/core-without-interests.wasm";
const SHIPPED_WASM = "www/concierge/pkg/concierge_bg.wasm";
const SHIPPED_SHELL = "www/concierge/pkg/concierge.js";

/** The shell's modules that exist only for the interest model (main.js imports pageview.js, which imports jsonld.js). */
export const SHELL_MODULES = ["src/web/pageview.js", "src/web/jsonld.js"];
/** What stands in for pageview.js: its three exports, doing nothing. */
const PAGEVIEW_STUB = "export function start() {}\nexport function stop() {}\nexport function dwell() {}\n";

/** The shell bundled as src/web/bundle.mjs bundles it; `withoutInterests`: pageview.js replaced by a stub. */
async function bundleShell(root, withoutInterests) {
  const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "([^"]+)"/m)?.[1];
  const plugins = [
    {
      name: "minified-css-as-text",
      setup(bundle) {
        bundle.onLoad({ filter: /\.css$/ }, async ({ path }) => {
          const { code } = await transform(readFileSync(path, "utf8"), { loader: "css", minify: true });
          return { contents: code.trim(), loader: "text" };
        });
      },
    },
  ];
  if (withoutInterests) {
    plugins.push({
      name: "without-the-interest-model",
      setup(bundle) {
        bundle.onLoad({ filter: /src\/web\/pageview\.js$/ }, () => ({ contents: PAGEVIEW_STUB, loader: "js" }));
      },
    });
  }
  const shell = await build({
    bundle: true,
    format: "esm",
    minify: true,
    target: "es2020",
    legalComments: "none",
    logLevel: "silent",
    plugins,
    entryPoints: [join(root, "src/web/main.js")],
    define: { __VERSION__: JSON.stringify(version) },
    write: false,
    metafile: true,
    outfile: join(root, SHIPPED_SHELL),
  });
  const inputs = Object.keys(shell.metafile.inputs);
  const result = await minify(shell.outputFiles[0].text, {
    module: true,
    ecma: 2020,
    compress: { passes: 3, hoist_funs: true, hoist_vars: true },
    mangle: true,
    format: { comments: false },
  });
  return { code: result.code, inputs };
}

/**
 * gzip -9 of the bytes from standard input, so no file name goes into the header: the two files
 * of a pair then compare by their content alone (the Download table's sizes include the name).
 */
function gzipSize(bytes) {
  if (GZIP_TOOL.startsWith("gzip -9")) return execFileSync("gzip", ["-9nc"], { input: bytes, maxBuffer: 1 << 28 }).length;
  return gzipSync(bytes, { level: 9 }).length;
}

const sized = (bytes) => ({ raw: bytes.length, gzip: gzipSize(bytes) });

/**
 * { wasm: { shipped, without, added, stubbed: [names], stubbedBodies }, shell: { shipped, without,
 * added, modules }, total: { raw, gzip } }. Throws, naming the file, when an input is missing or
 * stale, or when the rebuilt shell is not byte for byte the shipped one (bundle.mjs changed).
 */
export async function interestModelCost(root, withoutWasm = WITHOUT_INTERESTS_WASM) {
  const shippedWasm = join(root, SHIPPED_WASM);
  const stubbedWasm = resolve(root, withoutWasm);
  const list = stubbedWasm.replace(/\.wasm$/, ".json");
  for (const path of [shippedWasm, stubbedWasm, list]) if (!existsSync(path)) throw new Error(`${relative(root, path)} is missing (./build.sh bench writes it)`);
  if (statSync(stubbedWasm).mtimeMs < statSync(shippedWasm).mtimeMs) {
    throw new Error(`${relative(root, stubbedWasm)} is older than ${SHIPPED_WASM}: it was not built from the same compile`);
  }
  const { stubbed } = JSON.parse(readFileSync(list, "utf8"));
  const wasmShipped = sized(readFileSync(shippedWasm));
  const wasmWithout = sized(readFileSync(stubbedWasm));

  const shippedShell = readFileSync(join(root, SHIPPED_SHELL));
  const rebuilt = await bundleShell(root, false);
  if (!Buffer.from(rebuilt.code).equals(shippedShell)) {
    throw new Error(`the benchmark's bundle of the shell differs from ${SHIPPED_SHELL}: src/web/bundle.mjs changed, bench/lib/interest-cost.mjs must bundle as it does`);
  }
  const modules = SHELL_MODULES.filter((module) => rebuilt.inputs.some((input) => input.endsWith(module)));
  if (modules.length !== SHELL_MODULES.length) throw new Error(`the shell no longer bundles ${SHELL_MODULES.filter((module) => !modules.includes(module)).join(", ")}`);
  const without = await bundleShell(root, true);
  if (without.inputs.some((input) => input.endsWith("src/web/jsonld.js"))) throw new Error("jsonld.js is still bundled without pageview.js: another module imports it");
  const shellShipped = sized(shippedShell);
  const shellWithout = sized(Buffer.from(without.code));

  const difference = (a, b) => ({ raw: a.raw - b.raw, gzip: a.gzip - b.gzip });
  const wasmAdded = difference(wasmShipped, wasmWithout);
  const shellAdded = difference(shellShipped, shellWithout);
  return {
    wasm: { shipped: wasmShipped, without: wasmWithout, added: wasmAdded, stubbed: stubbed.map((entry) => entry.name), stubbedBodies: stubbed.reduce((sum, entry) => sum + entry.size, 0) },
    shell: { shipped: shellShipped, without: shellWithout, added: shellAdded, modules },
    total: { raw: wasmAdded.raw + shellAdded.raw, gzip: wasmAdded.gzip + shellAdded.gzip },
  };
}
