import type { EngineStatus } from '../engine/engine-status.js'
import type { SyncEngine } from '../engine/sync-engine.js'
import { observeRuns } from './observe-runs.js'
import { Counter, Histogram, type MetricFamily, prometheusText } from './prometheus-text.js'
import { recordOutcomes } from './record-outcomes.js'
import { SourceConnections } from './source-connections.js'

/**
 * An engine's metrics in the Prometheus text format, as `pgforce run --health-port` serves them
 * at `/metrics` (names and labels: docs/guides/monitoring.md, "Metrics"). Counters and histograms
 * come from the tracing channels of the engine's schema; gauges from `engine.status()` when
 * scraped. `close()` unsubscribes.
 */
export class EngineMetrics {
  private readonly engine: SyncEngine
  private readonly records = new Counter()
  private readonly runs = new Counter()
  private readonly durations = new Histogram()
  private readonly streamEvents = new Counter()
  private readonly streamLag = new Histogram()
  private readonly lastPullAt = new Map<string, number>()
  private readonly sources: SourceConnections
  private readonly unsubscribe: () => void

  constructor(engine: SyncEngine, schema: string) {
    this.engine = engine
    this.sources = new SourceConnections(engine)
    this.unsubscribe = observeRuns(
      {
        run: (o) => {
          const labels = { direction: o.direction, mapping: o.mapping }
          this.runs.add({ ...labels, outcome: o.error === undefined ? 'completed' : 'failed' })
          this.durations.observe(labels, o.durationMs / 1000)
          if (o.report) {
            for (const [outcome, n] of recordOutcomes(o.report))
              this.records.add({ ...labels, outcome }, n)
            if (o.direction === 'pull') this.lastPullAt.set(o.mapping, Date.now())
          }
        },
        streamBatch: (o) => {
          this.streamEvents.add({ mapping: o.mapping }, o.events)
          if (o.error === undefined) this.streamLag.observe({ mapping: o.mapping }, o.lagMs / 1000)
        },
      },
      schema,
    )
  }

  /** The metrics now, as Prometheus text (reads `engine.status()`). */
  async text(): Promise<string> {
    return prometheusText(this.families(await this.engine.status()))
  }

  /** Stops listening to the tracing channels. */
  close(): void {
    this.unsubscribe()
  }

  /** The metric families for a status just read. */
  families(status: EngineStatus): MetricFamily[] {
    const per = (value: (m: EngineStatus['mappings'][number]) => number | undefined) =>
      status.mappings.flatMap((m) => {
        const v = value(m)
        return v === undefined ? [] : [{ labels: { mapping: m.object }, value: v }]
      })
    const usage = status.apiUsage
    const now = Date.now()
    return [
      {
        name: 'pgforce_records_synced_total',
        help: 'Records synced, by direction, mapping and outcome (pull: inserted, updated, deleted, refused; push: succeeded, failed).',
        type: 'counter',
        samples: this.records.samples(),
      },
      {
        name: 'pgforce_runs_total',
        help: 'Pulls and pushes run by this worker, by direction, mapping and outcome (completed, failed).',
        type: 'counter',
        samples: this.runs.samples(),
      },
      {
        name: 'pgforce_run_duration_seconds',
        help: 'How long pulls and pushes took, by direction and mapping.',
        type: 'histogram',
        samples: this.durations.samples(),
      },
      {
        name: 'pgforce_stream_events_total',
        help: 'Change Data Capture events that led to a pull, by mapping.',
        type: 'counter',
        samples: this.streamEvents.samples(),
      },
      {
        name: 'pgforce_stream_lag_seconds',
        help: 'From a change committing in Salesforce to its pull committing in Postgres, by mapping.',
        type: 'histogram',
        samples: this.streamLag.samples(),
      },
      {
        name: 'pgforce_trigger_log_pending',
        help: 'Trigger-log entries waiting to be sent to Salesforce, by mapping.',
        type: 'gauge',
        samples: per((m) => m.pending),
      },
      {
        name: 'pgforce_trigger_log_failed',
        help: 'Trigger-log entries Salesforce rejected (write errors), by mapping.',
        type: 'gauge',
        samples: per((m) => m.failed),
      },
      {
        name: 'pgforce_push_lag_seconds',
        help: 'Age of the oldest unsent change, by mapping (0 when none waits).',
        type: 'gauge',
        samples: per((m) => m.pushLagMs / 1000),
      },
      {
        name: 'pgforce_pull_lag_seconds',
        help: 'Seconds since the last completed pull of the mapping on this worker (absent where it does not lead the pull).',
        type: 'gauge',
        samples: per((m) => {
          if (!m.pullLeader) return undefined // another worker pulls it: its own gauge says
          const at = this.lastPullAt.get(m.object) ?? m.lastPull?.at.getTime()
          return at === undefined ? undefined : (now - at) / 1000
        }),
      },
      {
        name: 'pgforce_pull_refused',
        help: 'Salesforce records Postgres refused, waiting to be read again, by mapping.',
        type: 'gauge',
        samples: per((m) => m.pullFailed),
      },
      {
        name: 'pgforce_api_calls_today',
        help: "Salesforce API calls the mapping's pulls and pushes made today (UTC), all workers.",
        type: 'gauge',
        samples: per((m) => m.apiCallsToday),
      },
      {
        name: 'pgforce_org_api_calls_used',
        help: "The org's API calls used in the last 24 h, as Salesforce last reported.",
        type: 'gauge',
        samples: usage ? [{ value: usage.used }] : [],
      },
      {
        name: 'pgforce_org_api_calls_remaining',
        help: "The org's API calls remaining of its daily limit, as Salesforce last reported.",
        type: 'gauge',
        samples: usage ? [{ value: Math.max(0, usage.max - usage.used) }] : [],
      },
      {
        name: 'pgforce_mapping_state',
        help: "1 for the mapping's current state (initial, loading, reloading, resync, polling, synced, schema-changed, paused, error).",
        type: 'gauge',
        samples: status.mappings.map((m) => ({
          labels: { mapping: m.object, state: m.state },
          value: 1,
        })),
      },
      {
        name: 'pgforce_paused',
        help: '1 while the shared pause switch is on.',
        type: 'gauge',
        samples: [{ value: status.paused ? 1 : 0 }],
      },
      {
        name: 'pgforce_engine_running',
        help: '1 while this worker runs.',
        type: 'gauge',
        samples: [{ value: status.state === 'running' ? 1 : 0 }],
      },
      {
        name: 'pgforce_source_connected',
        help: '1 while a push source (streaming channel, LISTEN) is connected, 0 while it reconnects.',
        type: 'gauge',
        samples: this.sources.all().map((c) => ({
          labels: { source: c.source, target: c.target },
          value: c.connected ? 1 : 0,
        })),
      },
      {
        name: 'pgforce_warning',
        help: '1 for each open warning, by kind, mapping and level.',
        type: 'gauge',
        samples: status.warnings.map((w) => ({
          labels: { kind: w.kind, mapping: w.mapping, level: w.level },
          value: 1,
        })),
      },
    ]
  }
}
