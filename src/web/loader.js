/*! Concierge loader: queues calls made before the agent is ready, then fetches the agent and the site's configuration side by side without blocking the page, and never throws into it. */
(function (window, document) {
  "use strict";
  var script = document.currentScript;
  var stub = window.concierge = window.concierge || function () {
    (stub.q = stub.q || []).push(arguments);
  };
  // The tag included twice, or the npm package beside it: the first copy does the work.
  if (stub.loading) return;
  stub.loading = true;

  function nothing() {
    return null;
  }
  // Runs `action` once, in a task of its own, soon: the scheduler's at the highest priority
  // where the browser has it, and a zero timer beside it in case the page or a test's clock holds
  // either; whichever comes second does nothing. Where neither can be asked for, now.
  function later(action) {
    var done = false;
    var asked = false;
    function once() {
      if (!done) {
        done = true;
        action();
      }
    }
    try {
      window.scheduler.postTask(once, { priority: "user-blocking" })["catch"](nothing);
      asked = true;
    } catch (error) {}
    try {
      setTimeout(once, 0);
      asked = true;
    } catch (error) {}
    if (!asked) once();
  }
  // The page may have replaced fetch with one that throws: that becomes a rejection.
  function request(url, init) {
    try {
      return Promise.resolve(fetch(url, init));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // Own data-* attributes only, into an object that inherits nothing: a polluted
  // Object.prototype must not become a setting.
  var settings = Object.create(null);
  var dataset = (script && script.dataset) || {};
  Object.keys(dataset).forEach(function (key) {
    settings[key] = dataset[key];
  });
  // The same defaults the agent applies to these two settings.
  var site = (settings.site || "").trim() || "default";
  var endpoint = (settings.endpoint || "").trim().replace(/\/+$/, "") || "/v1";
  var base = new URL(".", (script && script.src) || document.baseURI);
  var locale = document.documentElement.lang || navigator.language || "en";

  // The agent's two downloads start first, side by side (the engine compiles while it streams
  // in, beside the shell's download rather than after it), then the configuration's: reading
  // its ETag is the page's first use of localStorage, which loads the whole store at once (10
  // to 30 ms at 4x CPU throttling), and the first fetch costs as much again.
  var wasm = request(new URL("pkg/concierge_bg.wasm", base)).then(function (response) {
    if (!response.ok) throw new Error("HTTP " + response.status);
    return /^application\/wasm/.test(response.headers.get("content-type")) && WebAssembly.compileStreaming
      ? WebAssembly.compileStreaming(response)
      : response.arrayBuffer().then(function (bytes) { return WebAssembly.compile(bytes); });
  });
  wasm.catch(nothing);
  // The shell's module in the first task the loader posts: the dynamic import took 3 to 18 ms
  // at 4x CPU throttling, and with it this script's run crossed 50 ms in some page views.
  later(function () {
    import(new URL("pkg/concierge.js", base).href)
      .then(function (agent) {
        // `config` is set below, in this same run of the loader, before any promise settles.
        return agent.start(settings, locale, config, wasm);
      })
      .catch(function (error) {
        stub.loading = false;
        console.warn("[concierge] the agent could not load; the shop works without it:", error);
      });
  });
  // The configuration is the one request before consent: no cookie, no referrer, no body, and
  // nothing that identifies the visitor; the stored ETag only saves the download. Its ETag is
  // read in a task of its own, then the request made in the next: the page's first read of
  // localStorage (7 to 23 ms at 4x CPU throttling) and a fetch (1 to 27 ms) together crossed
  // 50 ms in some page views.
  var config = new Promise(function (resolve) {
    var etag;
    later(function () {
      try {
        etag = JSON.parse(localStorage.getItem("concierge:" + site + ":config")).etag;
      } catch (error) {}
      later(ask);
    });
    function ask() {
      try {
        var abort = window.AbortController && new AbortController();
        try {
          setTimeout(function () {
            resolve(null);
            if (abort) abort.abort();
          }, 8000);
        } catch (error) {}
        request(endpoint + "/config?site=" + encodeURIComponent(site), {
          credentials: "omit",
          referrerPolicy: "no-referrer",
          cache: "no-cache",
          headers: typeof etag == "string" ? { "If-None-Match": etag } : {},
          signal: abort && abort.signal
        }).then(function (response) {
          var status = response.status;
          var tag = response.headers.get("ETag");
          return (status > 199 && status < 300 ? response.json() : Promise.resolve(null)).catch(nothing).then(function (body) {
            resolve({ status: status, etag: tag, body: body });
          });
        }).catch(function () {
          resolve(null);
        });
      } catch (error) {
        resolve(null);
      }
    }
  }).catch(nothing);
})(window, document);
