// Benchmark, the assistant: the 500-entry knowledge document both search engines answer over, and the timing of Concierge's assistant module beside MiniSearch in the same page, with each engine's precision at 1 on the labelled set.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { summary } from "./stats.mjs";
import { openShop } from "./browser.mjs";

export const LANGUAGES = ["en", "es", "nl", "de"];
/** Entries in the timed document: the figure. */
export const KNOWLEDGE_ENTRIES = 500;

/**
 * Product questions a shop's help centre carries beside its general ones, one per product and
 * topic, in each language: they share words with the general entries ("warranty", "stock",
 * "instalments"), so the timed document is as hard to search as a real one, not padded with
 * words no question uses.
 */
const TOPICS = {
  box: {
    en: ["What is included in the box with the {name}?", "The {name} comes with a USB-C cable, a SIM tool and a quick start guide. Chargers are sold separately."],
    es: ["¿Qué incluye la caja del {name}?", "El {name} incluye un cable USB-C, una herramienta para la SIM y una guía rápida. Los cargadores se venden por separado."],
    nl: ["Wat zit er in de doos van de {name}?", "De {name} wordt geleverd met een USB-C-kabel, een simkaartpin en een snelstartgids. Opladers worden apart verkocht."],
    de: ["Was ist beim {name} im Lieferumfang?", "Das {name} kommt mit USB-C-Kabel, SIM-Werkzeug und Kurzanleitung. Ladegeräte werden separat verkauft."],
  },
  colours: {
    en: ["Which colours does the {name} come in?", "The {name} comes in graphite, silver and a seasonal colour; the product page shows what is in stock."],
    es: ["¿En qué colores está disponible el {name}?", "El {name} está disponible en grafito, plata y un color de temporada; la página del producto muestra el stock."],
    nl: ["In welke kleuren is de {name} er?", "De {name} is er in grafiet, zilver en een seizoenskleur; de productpagina toont wat op voorraad is."],
    de: ["In welchen Farben gibt es das {name}?", "Das {name} gibt es in Graphit, Silber und einer Saisonfarbe; die Produktseite zeigt, was vorrätig ist."],
  },
  stock: {
    en: ["Is the {name} in stock in the shops?", "Stock of the {name} is shown per shop on its product page and updated every fifteen minutes."],
    es: ["¿Hay stock del {name} en las tiendas?", "El stock del {name} se muestra por tienda en su página y se actualiza cada quince minutos."],
    nl: ["Is de {name} op voorraad in de winkels?", "De voorraad van de {name} staat per winkel op de productpagina en wordt elk kwartier bijgewerkt."],
    de: ["Ist das {name} in den Filialen vorrätig?", "Der Bestand des {name} steht je Filiale auf der Produktseite und wird alle fünfzehn Minuten aktualisiert."],
  },
  warranty: {
    en: ["How long is the warranty on the {name}?", "The {name} has the manufacturer's two-year warranty; an extended plan adds a third year."],
    es: ["¿Cuánto dura la garantía del {name}?", "El {name} tiene la garantía de dos años del fabricante; un plan ampliado añade un tercer año."],
    nl: ["Hoe lang is de garantie op de {name}?", "De {name} heeft twee jaar fabrieksgarantie; een uitgebreid plan voegt een derde jaar toe."],
    de: ["Wie lange gilt die Garantie für das {name}?", "Das {name} hat zwei Jahre Herstellergarantie; ein erweiterter Plan fügt ein drittes Jahr hinzu."],
  },
  instalments: {
    en: ["Can I pay for the {name} in monthly instalments?", "Yes: the {name} can be paid over 12 or 24 months at 0% with an approved credit check."],
    es: ["¿Puedo pagar el {name} a plazos mensuales?", "Sí: el {name} se puede pagar en 12 o 24 meses al 0% tras aprobar el estudio de crédito."],
    nl: ["Kan ik de {name} in maandelijkse termijnen betalen?", "Ja: de {name} kun je in 12 of 24 maanden aan 0% betalen na een goedgekeurde kredietcheck."],
    de: ["Kann ich das {name} in Monatsraten bezahlen?", "Ja: das {name} lässt sich nach bestandener Bonitätsprüfung in 12 oder 24 Monaten zu 0% bezahlen."],
  },
  battery: {
    en: ["How long does the battery of the {name} last?", "In ordinary use the {name} lasts a full day or more; the product page lists the measured hours."],
    es: ["¿Cuánto dura la batería del {name}?", "Con un uso normal el {name} dura un día completo o más; la página del producto indica las horas medidas."],
    nl: ["Hoe lang gaat de batterij van de {name} mee?", "Bij normaal gebruik gaat de {name} een volle dag of langer mee; de productpagina noemt de gemeten uren."],
    de: ["Wie lange hält der Akku des {name}?", "Bei normaler Nutzung hält das {name} einen ganzen Tag oder länger; die Produktseite nennt die gemessenen Stunden."],
  },
  compare: {
    en: ["How does the {name} compare with the previous model?", "The {name} improves the camera, the display and the battery on its predecessor; see the comparison table on its page."],
    es: ["¿En qué mejora el {name} al modelo anterior?", "El {name} mejora la cámara, la pantalla y la batería de su predecesor; consulta la tabla comparativa en su página."],
    nl: ["Wat is er beter aan de {name} dan aan het vorige model?", "De {name} verbetert de camera, het scherm en de batterij van zijn voorganger; zie de vergelijkingstabel op zijn pagina."],
    de: ["Was ist beim {name} besser als beim Vorgänger?", "Das {name} verbessert Kamera, Display und Akku seines Vorgängers; siehe die Vergleichstabelle auf seiner Seite."],
  },
};

/**
 * The demo's knowledge document (`documents/demo/knowledge.json`, whose questions the labelled
 * set asks) with product entries added until it holds `KNOWLEDGE_ENTRIES`, the same number in
 * each language; deterministic, so every run times the same document.
 */
export function knowledge500(root) {
  const demo = JSON.parse(readFileSync(join(root, "documents/demo/knowledge.json"), "utf8"));
  const products = JSON.parse(readFileSync(join(root, "www/catalog.json"), "utf8")).products;
  const perLanguage = (KNOWLEDGE_ENTRIES - demo.entries.length) / LANGUAGES.length;
  const entries = [...demo.entries];
  for (const lang of LANGUAGES) {
    let added = 0;
    for (const [topic, texts] of Object.entries(TOPICS)) {
      for (const product of products) {
        if (added === perLanguage) break;
        const [question, answer] = texts[lang].map((text) => text.replaceAll("{name}", product.name));
        entries.push({ id: `${product.id}-${topic}`, lang, question, answer, link: `/product/?id=${product.id}`, tags: [product.category, topic] });
        added++;
      }
    }
    if (added !== perLanguage) throw new Error(`only ${added} product entries in ${lang}, ${perLanguage} needed`);
  }
  return { ...demo, entries };
}

/** The labelled questions (`tests/fixtures/knowledge/labelled.json`): `{ lang, question, expect: id | null }`. */
export function labelled(root) {
  return JSON.parse(readFileSync(join(root, "tests/fixtures/knowledge/labelled.json"), "utf8"));
}

/**
 * In the page: Concierge's assistant module (the very file the agent imports when the panel
 * opens) and MiniSearch, each indexing the same documents; precision at 1 of each over the
 * answerable labelled questions on the demo document, then every labelled question asked of
 * each over the 500-entry document, taking turns question by question, `perSample` consecutive
 * asks per sample (one ask can be a few timer steps).
 */
function enginesInPage({ demo, large, questions, rounds, perSample }) {
  return (async () => {
    const assistant = await import("/concierge/modules/assistant.js");
    await assistant.ready;
    const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    // MiniSearch as its documentation sets up a help centre: each language its own index,
    // question, tags and synonyms searched with the answer, the question boosted, prefix and
    // fuzzy matching for typos, accents folded like Concierge's.
    const miniSearch = (document) => {
      const byLanguage = {};
      for (const lang of ["en", "es", "nl", "de"]) {
        const search = new MiniSearch({
          fields: ["question", "tags", "answer"],
          idField: "key",
          processTerm: (term) => fold(term),
          searchOptions: { boost: { question: 2, tags: 1.5 }, prefix: true, fuzzy: 0.2 },
        });
        search.addAll(
          document.entries
            .filter((entry) => entry.lang === lang)
            .map((entry) => ({ key: entry.id, question: entry.question, answer: entry.answer, tags: [...(entry.tags ?? []), ...(entry.synonyms ?? [])].join(" ") })),
        );
        byLanguage[lang] = search;
      }
      return (question, lang) => byLanguage[lang].search(question)[0]?.id ?? null;
    };
    const concierge = (document) => {
      const index = assistant.index(JSON.stringify(document));
      return (question, lang) => index.ask(question, lang).hits[0]?.id ?? null;
    };
    const build = (make, document) => {
      const started = performance.now();
      const ask = make(document);
      return { ask, ms: performance.now() - started };
    };
    const engines = { concierge, miniSearch };
    const out = {};
    for (const [name, make] of Object.entries(engines)) {
      const onDemo = make(demo);
      const answerable = questions.filter((row) => row.expect !== null);
      const right = {};
      for (const row of answerable) {
        right[row.lang] ??= { right: 0, of: 0 };
        right[row.lang].of++;
        if (onDemo(row.question, row.lang) === row.expect) right[row.lang].right++;
      }
      const onLarge = build(make, large);
      let largeRight = 0;
      for (const row of answerable) if (onLarge.ask(row.question, row.lang) === row.expect) largeRight++;
      out[name] = { ask: onLarge.ask, indexMs: onLarge.ms, precision: right, precisionLarge: largeRight / answerable.length, times: [] };
    }
    let resolution = Infinity;
    for (let i = 0, last = performance.now(); i < 1000; i++) {
      const now = performance.now();
      if (now > last) resolution = Math.min(resolution, now - last);
      last = now;
    }
    for (let round = 0; round < rounds; round++) {
      for (const row of questions) {
        for (const name of round % 2 ? ["miniSearch", "concierge"] : ["concierge", "miniSearch"]) {
          const engine = out[name];
          const started = performance.now();
          for (let i = 0; i < perSample; i++) engine.ask(row.question, row.lang);
          engine.times.push((performance.now() - started) / perSample);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    for (const engine of Object.values(out)) delete engine.ask;
    return { engines: out, resolution };
  })();
}

/** Time to answer over the 500-entry document, Concierge beside MiniSearch, with precision at 1. */
export async function assistantSearch(browser, origin, root, { rounds, perSample }) {
  let shop;
  try {
    const demo = JSON.parse(readFileSync(join(root, "documents/demo/knowledge.json"), "utf8"));
    const large = knowledge500(root);
    const questions = labelled(root);
    shop = await openShop(browser, origin, root, { variant: "none", isolate: true });
    await shop.page.goto(`${origin}/`, { waitUntil: "load" });
    await shop.page.addScriptTag({ url: "/bench-peers/minisearch/dist/umd/index.js" });
    const run = await shop.page.evaluate(enginesInPage, { demo, large, questions, rounds, perSample });
    const method = `every labelled question (${questions.length}, in en, es, nl, de) asked ${rounds} times of each engine over the ${large.entries.length}-entry document, taking turns question by question; ${perSample} consecutive asks per sample, the sample's time divided by ${perSample}`;
    const row = (name, engine) => {
      const precision = Object.fromEntries(Object.entries(engine.precision).map(([lang, { right, of }]) => [lang, right / of]));
      const values = Object.values(precision);
      return {
        name,
        ...summary(engine.times.map((ms) => ms * 1000)),
        unit: "µs",
        indexMs: engine.indexMs,
        precision,
        meanPrecision: values.reduce((sum, value) => sum + value, 0) / values.length,
        precisionLarge: engine.precisionLarge,
        method,
      };
    };
    return {
      entries: large.entries.length,
      questions: questions.length,
      timerResolutionUs: run.resolution * 1000,
      rows: [row("Concierge (assistant module)", run.engines.concierge), row("MiniSearch", run.engines.miniSearch)],
    };
  } catch (error) {
    return { error: String(error?.message ?? error).split("\n")[0], rows: [] };
  } finally {
    await shop?.context.close().catch(() => {});
  }
}
