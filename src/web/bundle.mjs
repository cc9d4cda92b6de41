//! Builds what the page downloads from src/web/: `node src/web/bundle.mjs VERSION` writes the
//! shell as one minified ES module (`www/concierge/pkg/concierge.js`), the minified loader
//! (`www/concierge/loader.js`, the one script tag), each lazy module
//! (`www/concierge/modules/<name>.js`, fetched by `modules.js` only when needed: `tcf`, `assistant`), and
//! the admin page's consent preview (`www/concierge/pkg/preview.js`: dom.js's drawing alone,
//! never loaded by a shop page).
//!
//! esbuild, with the stylesheet minified and inlined as text (dom.js hands it to a constructed
//! style sheet, which a strict CSP allows), and the agent's version from Cargo.toml. The loader
//! is minified as it is (an ES5 function the page runs first); its comments stay in the source.
//! terser then minifies both once more: its compressor and mangler find what esbuild's leave
//! (−187 B gzipped on the shell, −22 B on the loader; docs/decisions.md, 2026-12-05).

import { build, transform } from "esbuild";
import { minify } from "terser";
import { mkdir, readFile, writeFile } from "node:fs/promises";

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

/** The lazy modules, by name: each its own ES module, sharing no code with the core. Each
 * brings its own Wasm (`modules/<name>.wasm`, built by build.sh from the `modules/<name>` crate). */
const MODULES = ["tcf", "assistant"];

/** What every ES module built here shares: one minified ES2020 module, CSS inlined as text. */
const MODULE_OPTIONS = {
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
  plugins: [minifiedCss],
};

const shell = await build({
  ...MODULE_OPTIONS,
  entryPoints: [new URL("main.js", import.meta.url).pathname],
  define: { __VERSION__: JSON.stringify(version) },
  write: false,
  outfile: new URL("pkg/concierge.js", www).pathname,
});
await writeFile(new URL("pkg/concierge.js", www), await smaller(shell.outputFiles[0].text, true));

await mkdir(new URL("modules/", www), { recursive: true });
for (const name of MODULES) {
  const module = await build({
    ...MODULE_OPTIONS,
    entryPoints: [new URL(name + ".js", import.meta.url).pathname],
    metafile: true,
    write: false,
    outfile: new URL("modules/" + name + ".js", www).pathname,
  });
  // A module that imported a core file would carry its own copy of it: they share nothing.
  const inputs = Object.keys(module.metafile.inputs);
  if (inputs.some((input) => /src\/web\/(main|dom|net|storage|capture|clock|wasm|cmp|modules)\.js$/.test(input))) {
    throw new Error("the " + name + " module imports a core file: " + inputs.join(", "));
  }
  await writeFile(new URL("modules/" + name + ".js", www), await smaller(module.outputFiles[0].text, true));
}

// The admin page's consent preview: dom.js's drawing and the views' stylesheet, nothing else.
await build({
  ...MODULE_OPTIONS,
  entryPoints: [new URL("preview.js", import.meta.url).pathname],
  outfile: new URL("pkg/preview.js", www).pathname,
});

const loader = await transform(await readFile(new URL("loader.js", import.meta.url), "utf8"), {
  minify: true,
  legalComments: "none",
});
await writeFile(new URL("loader.js", www), await smaller(loader.code, false));

/** esbuild's output through terser: the same program, in fewer bytes. */
async function smaller(code, module) {
  const result = await minify(code, {
    module,
    // The loader stays ES5, so that it runs first on any page.
    ecma: module ? 2020 : 5,
    // The shell's function declarations and `var`s hoisted to the top of their scope: the same
    // program, and gzip finds its repeats closer together (−36 B gzipped; the loader grew by
    // 10 B, so it keeps them where they are; docs/decisions.md).
    compress: { passes: 3, hoist_funs: module, hoist_vars: module },
    mangle: true,
    format: { comments: false },
  });
  return result.code;
}
