import { describe, expect, it } from 'vitest'
import { Counter, Histogram, prometheusText } from '../../../src/operations/prometheus-text.js'

describe('prometheusText', () => {
  it('writes HELP, TYPE and samples, escaping label values', () => {
    const counter = new Counter()
    counter.add({ mapping: 'Account', outcome: 'inserted' }, 2)
    counter.add({ mapping: 'Account', outcome: 'inserted' }, 3)
    counter.add({ mapping: 'Odd "name"\\\n', outcome: 'failed' })
    counter.add({ mapping: 'Skipped', outcome: 'failed' }, 0)
    expect(
      prometheusText([
        { name: 'pgforce_x_total', help: 'Things.', type: 'counter', samples: counter.samples() },
        { name: 'pgforce_up', help: 'Up.', type: 'gauge', samples: [{ value: 1 }] },
      ]),
    ).toBe(
      [
        '# HELP pgforce_x_total Things.',
        '# TYPE pgforce_x_total counter',
        'pgforce_x_total{mapping="Account",outcome="inserted"} 5',
        'pgforce_x_total{mapping="Odd \\"name\\"\\\\\\n",outcome="failed"} 1',
        '# HELP pgforce_up Up.',
        '# TYPE pgforce_up gauge',
        'pgforce_up 1',
        '',
      ].join('\n'),
    )
  })

  it('writes histograms as cumulative buckets, sum and count', () => {
    const histogram = new Histogram()
    histogram.observe({ mapping: 'A' }, 0.07)
    histogram.observe({ mapping: 'A' }, 3)
    const text = prometheusText([
      { name: 'h_seconds', help: 'H.', type: 'histogram', samples: histogram.samples() },
    ])
    expect(text).toContain('h_seconds_bucket{mapping="A",le="0.05"} 0\n')
    expect(text).toContain('h_seconds_bucket{mapping="A",le="0.1"} 1\n')
    expect(text).toContain('h_seconds_bucket{mapping="A",le="5"} 2\n')
    expect(text).toContain('h_seconds_bucket{mapping="A",le="+Inf"} 2\n')
    expect(text).toContain('h_seconds_sum{mapping="A"} 3.07\n')
    expect(text).toContain('h_seconds_count{mapping="A"} 2\n')
  })
})
