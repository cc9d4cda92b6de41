/*! Concierge loader: queues calls made before the agent is ready, then loads it without blocking the page. */
(function (window, document) {
  "use strict";
  var script = document.currentScript;
  var stub = window.concierge = window.concierge || function () {
    (stub.q = stub.q || []).push(arguments);
  };
  // The tag included twice, or the npm package beside it: the first copy does the work.
  if (stub.loading) return;
  stub.loading = true;

  var base = new URL(".", (script && script.src) || document.baseURI);
  var settings = {};
  var dataset = (script && script.dataset) || {};
  for (var key in dataset) settings[key] = dataset[key];
  var locale = document.documentElement.lang || navigator.language || "en";

  // Both downloads start now, side by side; the module compiles while it streams in.
  var wasm = fetch(new URL("pkg/concierge_bg.wasm", base));
  import(new URL("pkg/concierge.js", base).href)
    .then(function (agent) {
      return agent.default({ module_or_path: wasm }).then(function () {
        agent.start(settings, locale);
      });
    })
    .catch(function (error) {
      stub.loading = false;
      console.warn("[concierge] the agent could not load; the shop works without it:", error);
    });
})(window, document);
