import * as api from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { traceChannels } from '../../../src/operations/trace-channels.js'
import { instrumentOpenTelemetry } from '../../../src/otel.js'
import { SalesforceStreamingSource } from '../../../src/sources/salesforce-streaming-source.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// pgforce/otel with the OpenTelemetry SDK's in-memory exporters: the metrics and spans a
// collector would receive.
const db = useTestDatabase()
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture | undefined
let close: (() => void) | undefined

afterEach(async () => {
  close?.()
  await fixture?.close()
  fixture = undefined
})

function sdk() {
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({
    exporter: metrics,
    exportIntervalMillis: 3_600_000,
  })
  const meterProvider = new MeterProvider({ readers: [reader] })
  const spans = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  })
  const collect = async (): Promise<MetricData[]> => {
    await reader.forceFlush()
    const all = metrics.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
    metrics.reset()
    return all
  }
  return { meterProvider, tracerProvider, spans, collect }
}

const points = (metrics: MetricData[], name: string) =>
  metrics
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })))

describe('pgforce/otel', () => {
  it('exports records synced, runs and durations, trigger-log and API gauges, and spans', async () => {
    fixture = await syncFixture(db(), [account])
    const { engine, org, connection } = fixture
    const otel = sdk()
    const instrumented = await instrumentOpenTelemetry({
      engine,
      api,
      meterProvider: otel.meterProvider,
      tracerProvider: otel.tracerProvider,
    })
    close = instrumented.close
    expect(instrumented.enabled).toBe(true)
    org.insert('Account', [{ Name: 'Acme' }, { Name: 'Globex' }])
    await db().pool.query(`INSERT INTO "${connection.schema}".account (name) VALUES ('Initech')`)
    await engine.syncOnce()
    await db().pool.query(`INSERT INTO "${connection.schema}".account (name) VALUES (NULL)`)
    await engine.syncOnce() // Salesforce rejects it: a failed record, a FAILED entry

    const metrics = await otel.collect()
    const synced = points(metrics, 'pgforce.records.synced')
    const schema = connection.schema
    expect(synced).toEqual(
      expect.arrayContaining([
        {
          attributes: { direction: 'pull', mapping: 'Account', schema, outcome: 'inserted' },
          value: 2,
        },
        {
          attributes: { direction: 'push', mapping: 'Account', schema, outcome: 'succeeded' },
          value: 1,
        },
        {
          attributes: { direction: 'push', mapping: 'Account', schema, outcome: 'failed' },
          value: 1,
        },
      ]),
    )
    expect(points(metrics, 'pgforce.runs')).toContainEqual({
      attributes: { direction: 'pull', mapping: 'Account', schema, outcome: 'completed' },
      value: expect.any(Number),
    })
    const durations = points(metrics, 'pgforce.run.duration')
    expect(durations.length).toBe(2)
    expect(durations[0]?.value).toMatchObject({
      count: expect.any(Number),
      sum: expect.any(Number),
    })
    expect(points(metrics, 'pgforce.trigger_log.failed')).toEqual([
      { attributes: { mapping: 'Account' }, value: 1 },
    ])
    expect(points(metrics, 'pgforce.trigger_log.pending')).toEqual([
      { attributes: { mapping: 'Account' }, value: 0 },
    ])
    expect(points(metrics, 'pgforce.pull.lag')[0]?.value).toBeGreaterThanOrEqual(0)
    expect(points(metrics, 'pgforce.api.calls.today')[0]?.value).toBeGreaterThan(0)

    const spans = otel.spans.getFinishedSpans()
    const pull = spans.find((s) => s.name === 'pgforce.pull')
    expect(pull?.attributes).toMatchObject({
      'pgforce.mapping': 'Account',
      'pgforce.schema': schema,
      'pgforce.reason': 'poll',
      'pgforce.inserted': 2,
    })
    expect(
      spans.filter((s) => s.name === 'pgforce.push').map((s) => s.attributes['pgforce.failed']),
    ).toEqual(expect.arrayContaining([0, 1]))
  })

  it('a stream batch is a span, parent of its pull, with the stream lag measured', async () => {
    fixture = await syncFixture(db(), [account], { sources: [new SalesforceStreamingSource()] })
    const { engine, org } = fixture
    const otel = sdk()
    close = (
      await instrumentOpenTelemetry({
        engine,
        api,
        meterProvider: otel.meterProvider,
        tracerProvider: otel.tracerProvider,
      })
    ).close
    await engine.start()
    await waitFor(() => otel.spans.getFinishedSpans().some((s) => s.name === 'pgforce.pull'))
    org.insert('Account', [{ Name: 'Streamed' }])
    await waitFor(
      () => otel.spans.getFinishedSpans().some((s) => s.name === 'pgforce.stream_batch'),
      10_000,
      'a stream batch',
    )
    const spans = otel.spans.getFinishedSpans()
    const batch = spans.find((s) => s.name === 'pgforce.stream_batch')
    const child = spans.find(
      (s) =>
        s.name === 'pgforce.pull' && s.parentSpanContext?.spanId === batch?.spanContext().spanId,
    )
    // (The record may have come with a pull already under way; the stream's pull is traced anyway.)
    expect(child?.attributes).toMatchObject({
      'pgforce.reason': 'stream',
      'pgforce.mapping': 'Account',
    })
    expect(batch?.attributes['pgforce.events']).toBe(1)
    const metrics = await otel.collect()
    expect(points(metrics, 'pgforce.stream.events')).toEqual([
      { attributes: { mapping: 'Account', schema: fixture.connection.schema }, value: 1 },
    ])
    expect(points(metrics, 'pgforce.stream.lag')[0]?.value).toMatchObject({ count: 1 })
  })

  it('close() unsubscribes: with no subscriber the core publishes nothing', async () => {
    const otel = sdk()
    const instrumented = await instrumentOpenTelemetry({
      api,
      meterProvider: otel.meterProvider,
      tracerProvider: otel.tracerProvider,
    })
    const channels = traceChannels()
    expect(channels.pull.hasSubscribers).toBe(true)
    instrumented.close()
    expect(
      [channels.pull, channels.push, channels.streamBatch].map((c) => c.hasSubscribers),
    ).toEqual([false, false, false])
  })
})
