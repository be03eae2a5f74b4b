/** One sample of a metric family: its labels and value (`suffix` for `_bucket`, `_sum`, …). */
export interface Sample {
  readonly labels?: Readonly<Record<string, string>>
  readonly value: number
  readonly suffix?: string
}

/** A metric family as the Prometheus text format (version 0.0.4) writes it. */
export interface MetricFamily {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  readonly samples: readonly Sample[]
}

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

const formatValue = (value: number) =>
  Number.isNaN(value)
    ? 'NaN'
    : value === Number.POSITIVE_INFINITY
      ? '+Inf'
      : value === Number.NEGATIVE_INFINITY
        ? '-Inf'
        : String(value)

/** Writes metric families in the Prometheus text exposition format. @internal */
export function prometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help.replace(/\n/g, ' ')}`)
    lines.push(`# TYPE ${family.name} ${family.type}`)
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {})
      const text =
        labels.length === 0
          ? ''
          : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
      lines.push(`${family.name}${sample.suffix ?? ''}${text} ${formatValue(sample.value)}`)
    }
  }
  return `${lines.join('\n')}\n`
}

/** Histogram buckets (seconds) for run durations and stream lag. */
export const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const

/** A labelled histogram kept in memory. @internal */
export class Histogram {
  private readonly series = new Map<
    string,
    { labels: Record<string, string>; counts: number[]; sum: number; count: number }
  >()

  observe(labels: Record<string, string>, value: number): void {
    const key = JSON.stringify(labels)
    let s = this.series.get(key)
    if (!s) {
      s = { labels, counts: SECONDS_BUCKETS.map(() => 0), sum: 0, count: 0 }
      this.series.set(key, s)
    }
    SECONDS_BUCKETS.forEach((bound, i) => {
      if (value <= bound && s) s.counts[i] = (s.counts[i] ?? 0) + 1
    })
    s.sum += value
    s.count += 1
  }

  samples(): Sample[] {
    return [...this.series.values()].flatMap((s) => [
      ...SECONDS_BUCKETS.map((bound, i) => ({
        labels: { ...s.labels, le: String(bound) },
        value: s.counts[i] ?? 0,
        suffix: '_bucket',
      })),
      { labels: { ...s.labels, le: '+Inf' }, value: s.count, suffix: '_bucket' },
      { labels: s.labels, value: s.sum, suffix: '_sum' },
      { labels: s.labels, value: s.count, suffix: '_count' },
    ])
  }
}

/** A labelled counter kept in memory. @internal */
export class Counter {
  private readonly series = new Map<string, { labels: Record<string, string>; value: number }>()

  add(labels: Record<string, string>, by = 1): void {
    if (by === 0) return
    const key = JSON.stringify(labels)
    const s = this.series.get(key)
    if (s) s.value += by
    else this.series.set(key, { labels, value: by })
  }

  samples(): Sample[] {
    return [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }))
  }
}
