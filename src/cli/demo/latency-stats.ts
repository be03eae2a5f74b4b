/** p50 / p99 / max of a list of milliseconds, rounded. */
export function latencyStats(ms: readonly number[]): { p50: number; p99: number; max: number } {
  if (ms.length === 0) return { p50: 0, p99: 0, max: 0 }
  const sorted = [...ms].sort((a, b) => a - b)
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
  return {
    p50: Math.round(at(0.5)),
    p99: Math.round(at(0.99)),
    max: Math.round(sorted.at(-1) ?? 0),
  }
}
