//! Builds what the page downloads from src/web/: `node src/web/bundle.mjs VERSION` writes the
//! shell as one minified ES module (`www/concierge/pkg/concierge.js`) and the minified loader
//! (`www/concierge/loader.js`, the one script tag), and the admin page's consent preview
//! (`www/concierge/pkg/preview.js`: dom.js's drawing alone, never loaded by a shop page).
//!
//! esbuild, with the stylesheet minified and inlined as text (dom.js hands it to a constructed
//! style sheet, which a strict CSP allows), and the agent's version from Cargo.toml. The loader
//! is minified as it is (an ES5 function the page runs first); its comments stay in the source.

import { build, transform } from "esbuild";
import { readFile, writeFile } from "node:fs/promises";

const [version] = process.argv.slice(2);
const www = new URL("../../www/concierge/", import.meta.url);

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
  outfile: new URL("pkg/concierge.js", www).pathname,
});

// The admin page's consent preview: dom.js's drawing and the views' stylesheet, nothing else.
await build({
  entryPoints: [new URL("preview.js", import.meta.url).pathname],
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
  plugins: [minifiedCss],
  outfile: new URL("pkg/preview.js", www).pathname,
});

const loader = await transform(await readFile(new URL("loader.js", import.meta.url), "utf8"), {
  minify: true,
  legalComments: "none",
});
await writeFile(new URL("loader.js", www), loader.code);
