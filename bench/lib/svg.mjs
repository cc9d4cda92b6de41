// Benchmark, charts: horizontal bar charts as plain SVG text, every bar labelled with its value, so they read without a chart library or colour.

const WIDTH = 820;
const LABEL_WIDTH = 300;
const VALUE_ROOM = 150;
const BAR_HEIGHT = 14;
const BAR_GAP = 3;
const ROW_GAP = 10;
const TOP = 62;
const FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"12\"";
/** A white outline under value labels, so a budget line crossing them does not hide a digit. */
const HALO = 'stroke="#fff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"';
const COLOURS = ["#2b6cb0", "#9c4221", "#276749", "#6b46c1"];

function escape(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * rows: [{ label, values: [number|null per series], heading?: true, note?: "shown instead of bars" }]
 * series: [{ name }]; markers: [{ value, label }] drawn as dashed vertical lines (budgets).
 * format(value) writes each bar's label.
 */
export function barChart({ title, subtitle = "", series, rows, markers = [], format }) {
  const values = rows.flatMap((row) => row.values ?? []).filter((value) => typeof value === "number" && Number.isFinite(value));
  const scaleMax = Math.max(...values, ...markers.map((marker) => marker.value), 1e-9);
  const barArea = WIDTH - LABEL_WIDTH - VALUE_ROOM - 20;
  const x = (value) => LABEL_WIDTH + (Math.max(0, value) / scaleMax) * barArea;
  const parts = [];
  let y = TOP + (series.length > 1 ? 18 : 0);
  for (const row of rows) {
    if (row.heading) {
      y += 4;
      parts.push(`<text x="8" y="${y + 12}" font-weight="bold">${escape(row.label)}</text>`);
      y += 20;
      continue;
    }
    const height = series.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + height / 2 + 4}" text-anchor="end">${escape(row.label)}</text>`);
    if (row.note) {
      parts.push(`<text x="${LABEL_WIDTH}" y="${y + height / 2 + 4}" font-style="italic" fill="#555">${escape(row.note)}</text>`);
    } else {
      series.forEach((entry, index) => {
        const value = row.values[index];
        const top = y + index * (BAR_HEIGHT + BAR_GAP);
        if (typeof value !== "number" || !Number.isFinite(value)) {
          parts.push(`<text x="${LABEL_WIDTH}" y="${top + BAR_HEIGHT - 3}" font-style="italic" fill="#555">${escape(entry.name)}: not measured</text>`);
          return;
        }
        const end = x(value);
        const text = series.length > 1 ? `${format(value)} ${entry.name}` : format(value);
        parts.push(
          `<rect x="${LABEL_WIDTH}" y="${top}" width="${Math.max(1, end - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLOURS[index % COLOURS.length]}"><title>${escape(`${row.label}, ${entry.name}: ${format(value)}`)}</title></rect>`,
          `<text x="${(end + 6).toFixed(1)}" y="${top + BAR_HEIGHT - 3}" ${HALO}>${escape(text)}</text>`,
        );
      });
    }
    y += height + ROW_GAP;
  }
  const bottom = y + 10;
  // Budget lines go first, under the bars and their labels.
  const lines = markers.flatMap((marker) => {
    const at = x(marker.value).toFixed(1);
    return [
      `<line x1="${at}" y1="${TOP + 10}" x2="${at}" y2="${bottom - 14}" stroke="#c53030" stroke-width="1.5" stroke-dasharray="5 4"/>`,
      `<text x="${at}" y="${bottom}" text-anchor="middle" fill="#c53030">${escape(marker.label)}</text>`,
    ];
  });
  const legend =
    series.length > 1
      ? series
          .map((entry, index) => {
            const left = LABEL_WIDTH + index * 140;
            return `<rect x="${left}" y="${TOP - 8}" width="12" height="12" fill="${COLOURS[index % COLOURS.length]}"/><text x="${left + 18}" y="${TOP + 2}">${escape(entry.name)}</text>`;
          })
          .join("")
      : "";
  const height = bottom + 12;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} role="img" aria-label="${escape(title)}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    subtitle ? `<text x="8" y="38" fill="#444">${escape(subtitle)}</text>` : "",
    legend,
    ...lines,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
