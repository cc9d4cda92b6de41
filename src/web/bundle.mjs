//! Bundles the browser shell into one minified ES module: `node src/web/bundle.mjs OUT VERSION`.
//!
//! esbuild, with the stylesheet minified and inlined as text (dom.js hands it to a constructed
//! style sheet, which a strict CSP allows), and the agent's version from Cargo.toml.

import { build, transform } from "esbuild";
import { readFile } from "node:fs/promises";

const [outfile, version] = process.argv.slice(2);

const minifiedCss = {
  name: "minified-css-as-text",
  setup(bundle) {
    bundle.onLoad({ filter: /\.css$/ }, async ({ path }) => {
      const { code } = await transform(await readFile(path, "utf8"), { loader: "css", minify: true });
      return { contents: code.trim(), loader: "text" };
    });
  },
};

await build({
  entryPoints: [new URL("main.js", import.meta.url).pathname],
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
  define: { __VERSION__: JSON.stringify(version) },
  plugins: [minifiedCss],
  outfile,
});
