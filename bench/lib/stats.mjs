// Benchmark, statistics: medians and percentiles over the measured samples (nearest-rank percentiles, no interpolation).

export function percentile(values, p) {
  const sorted = values.filter((value) => typeof value === "number" && Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  const sorted = values.filter((value) => typeof value === "number" && Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** median, p95, min, max and the sample count of one measure. */
export function summary(values) {
  const numbers = values.filter((value) => typeof value === "number" && Number.isFinite(value));
  return {
    median: median(numbers),
    p95: percentile(numbers, 95),
    min: numbers.length ? Math.min(...numbers) : null,
    max: numbers.length ? Math.max(...numbers) : null,
    samples: numbers.length,
  };
}
