// Benchmark, backend: runs the ingest example (server/examples/ingest_bench.rs, built by build.sh) and reads its Markdown table into figures.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const TIMEOUT_MS = 5 * 60_000;

/** The rows of every Markdown table in `text`, as { measure, result }, and the headings above them. */
export function parseIngestReport(text) {
  const rows = [];
  let heading = null;
  for (const line of text.split("\n")) {
    if (line.startsWith("## ")) heading = line.slice(3).trim();
    const cells = line.trim().match(/^\|(.*)\|$/)?.[1].split("|").map((cell) => cell.trim());
    if (!cells || cells.length !== 2 || cells[0] === "measure" || /^-+$/.test(cells[0].replace(/[: ]/g, ""))) continue;
    rows.push({ table: heading, measure: cells[0], result: cells[1] });
  }
  return rows;
}

/** Runs the built example; resolves with its heading and rows, or with an error naming what failed. */
export function runIngest(root) {
  const binary = join(root, "target/release/examples/ingest_bench");
  if (!existsSync(binary)) return Promise.resolve({ error: `${binary} is missing: build it with cargo build --release --example ingest_bench -p concierge-server` });
  return new Promise((resolve) => {
    const child = spawn(binary, [], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGTERM"), TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ error: `ingest_bench did not start: ${error.message}` });
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return resolve({ error: `ingest_bench ended with ${signal ?? `exit code ${code}`}: ${stderr.trim().split("\n").slice(-3).join(" ")}` });
      const rows = parseIngestReport(stdout);
      if (rows.length === 0) return resolve({ error: "ingest_bench printed no table" });
      resolve({ heading: rows[0].table, rows: rows.map(({ measure, result }) => ({ measure, result })) });
    });
  });
}
