import type { EventEmitter } from 'eventemitter3'
import type { MappingStatus } from '../engine/engine-status.js'
import type { SyncEngineEvents } from '../engine/sync-engine-events.js'
import { PgforceError } from '../errors/pgforce-error.js'
import type { Emit } from '../runs/emit.js'
import type { Warning, WarningKind, WarningStore } from '../store/warning-store.js'
import { sendAlert } from './alert-sender.js'
import type { MappingState } from './mapping-state.js'
import type { ResolvedOperationsOptions } from './operations-options.js'

/** The events warnings raise (part of `SyncEngineEvents`). */
export interface WarningEvents {
  /**
   * A warning started or ended (docs/guides/monitoring.md, "Warnings"); raised by the worker that
   * opened or closed it in `_pgforce_warning`, which also calls the alert hooks.
   */
  warning: [event: { readonly event: 'started' | 'ended'; readonly warning: Warning }]
  /**
   * A mapping's state (`status().mappings[i].state`) changed, as a running engine's periodic
   * check (`operations.warningCheckMs`) saw it: `from` is `undefined` at the first check.
   */
  'mapping:state': [
    event: {
      readonly mapping: string
      readonly from: MappingState | undefined
      readonly to: MappingState
    },
  ]
}

/**
 * Raises and ends the warnings of docs/guides/monitoring.md from an engine's events (budget,
 * stream, failed runs, schema drift) and from periodic checks of its status (backlog age, drift
 * resolved), persisting them in `_pgforce_warning` and calling the alert hooks when one starts or
 * ends. Writes for one warning run in order. @internal
 */
export class WarningMonitor {
  private readonly warnings: WarningStore
  private readonly options: ResolvedOperationsOptions
  private readonly schema: string
  private readonly emit: Emit<SyncEngineEvents>
  private readonly failures = new Map<string, number>()
  /** Runs that completed in this process: the first ends a warning a process before it left open. */
  private readonly completedOnce = new Set<string>()
  private readonly queues = new Map<string, Promise<void>>()
  private readonly states = new Map<string, MappingState>()

  constructor(parts: {
    readonly events: EventEmitter<SyncEngineEvents>
    readonly warnings: WarningStore
    readonly options: ResolvedOperationsOptions
    readonly schema: string
    readonly emit: Emit<SyncEngineEvents>
  }) {
    this.warnings = parts.warnings
    this.options = parts.options
    this.schema = parts.schema
    this.emit = parts.emit
    const { events } = parts
    events.on('budget', (e) => {
      const mapping = e.mapping === '*' ? '' : e.mapping
      if (e.level === 'ok') this.end('budget-low', mapping)
      else
        this.start(
          'budget-low',
          mapping,
          e.level === 'exhausted' ? 'RED' : 'YELLOW',
          e.level === 'exhausted'
            ? `API budget spent (${e.used} of ${e.budget} calls today): calls wait for the next UTC day`
            : `API budget low (${e.used} of ${e.budget} calls today): polls thin out, pushes batch`,
        )
    })
    events.on('source:reconnecting', (e) =>
      this.start(
        'stream-lost',
        e.target,
        'YELLOW',
        `${e.source} lost ${e.target}${e.reason ? ` (${e.reason.message})` : ''}; polls cover the gap`,
      ),
    )
    events.on('source:connected', (e) => this.end('stream-lost', e.target))
    for (const direction of ['pull', 'push'] as const) {
      events.on(`${direction}:failed`, (e) => {
        const key = `${direction}:${e.mapping}`
        const n = (this.failures.get(key) ?? 0) + 1
        this.failures.set(key, n)
        if (n >= this.options.repeatedFailures)
          this.start(
            'repeated-failures',
            e.mapping,
            e.retryInMs === undefined ? 'RED' : 'YELLOW',
            `${n} ${direction === 'pull' ? 'pulls' : 'pushes'} of ${e.mapping} failed in a row${e.retryInMs === undefined ? '' : ' (retried)'}: ${e.error.message}`,
          )
      })
      events.on(`${direction}:completed`, (e) => {
        const key = `${direction}:${e.mapping}`
        // The first completed run also ends a warning an earlier process started (a restart, a
        // rolling deploy): this one never saw those failures.
        if (!this.failures.has(key) && this.completedOnce.has(key)) return
        this.completedOnce.add(key)
        this.failures.delete(key)
        this.end('repeated-failures', e.mapping)
      })
    }
    events.on('mapping:drift', (e) => {
      if (e.change === 'deleted' || e.change === 'type-changed')
        this.start(
          'schema-drift',
          e.mapping,
          'YELLOW',
          e.change === 'deleted'
            ? `${e.mapping}.${e.field} no longer exists in Salesforce (column ${e.column} kept)`
            : `${e.mapping}.${e.field} changed type in Salesforce; column ${e.column} stays ${e.from}`,
        )
    })
  }

  /**
   * The periodic checks: backlog age per read/write mapping, drift that was resolved, and each
   * mapping's state (a `mapping:state` event when it changed since the last check).
   */
  async check(mappings: readonly MappingStatus[]): Promise<void> {
    const limit = this.options.backlogWarningMs
    for (const m of mappings) {
      const before = this.states.get(m.object)
      if (before !== m.state) {
        this.states.set(m.object, m.state)
        this.emit('mapping:state', { mapping: m.object, from: before, to: m.state })
      }
      if (m.access === 'read_write' && m.pushLagMs >= limit)
        this.start(
          'backlog-ageing',
          m.object,
          m.pushLagMs >= 4 * limit ? 'RED' : 'YELLOW',
          `${m.pending} unsent change(s) of ${m.object}, the oldest ${Math.round(m.pushLagMs / 60_000)} min old`,
        )
      else this.end('backlog-ageing', m.object)
      if (m.missingFields.length === 0 && m.typeMismatches.length === 0)
        this.end('schema-drift', m.object)
    }
    await Promise.all(this.queues.values())
  }

  /** Waits for the warning writes under way (tests, `stop()`). */
  async settled(): Promise<void> {
    await Promise.all(this.queues.values())
  }

  private start(kind: WarningKind, mapping: string, level: 'YELLOW' | 'RED', message: string) {
    this.enqueue(kind, mapping, async () => {
      const started = await this.warnings.start(kind, mapping, level, message)
      if (started) await this.announce('started', started)
    })
  }

  private end(kind: WarningKind, mapping: string) {
    this.enqueue(kind, mapping, async () => {
      const ended = await this.warnings.end(kind, mapping)
      if (ended) await this.announce('ended', ended)
    })
  }

  private async announce(event: 'started' | 'ended', warning: Warning): Promise<void> {
    this.emit('warning', { event, warning })
    await sendAlert(this.options.alerts, { event, warning, schema: this.schema })
  }

  private enqueue(kind: WarningKind, mapping: string, work: () => Promise<void>): void {
    const key = `${kind}|${mapping}`
    const next = (this.queues.get(key) ?? Promise.resolve()).then(work).catch((error: unknown) =>
      this.emit('error', {
        error: error instanceof Error ? error : new PgforceError('ENGINE_STATE', String(error)),
        context: `warning ${kind}`,
      }),
    )
    this.queues.set(key, next)
    void next.finally(() => {
      if (this.queues.get(key) === next) this.queues.delete(key)
    })
  }
}
