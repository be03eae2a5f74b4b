import type { EventEmitter } from 'eventemitter3'
import type { SyncEngineEvents } from '../engine/sync-engine-events.js'

/** A push source's connection as last reported. */
export interface SourceConnection {
  readonly source: string
  readonly target: string
  readonly connected: boolean
  readonly since: Date
}

/**
 * The push sources' connections (streaming channels, LISTEN), from `source:connected` and
 * `source:reconnecting` events: what `/healthz` and the metrics report. @internal
 */
export class SourceConnections {
  private readonly connections = new Map<string, SourceConnection>()

  constructor(events: EventEmitter<SyncEngineEvents>) {
    for (const name of ['source:connected', 'source:reconnecting'] as const)
      events.on(name, (e) =>
        this.connections.set(`${e.source}|${e.target}`, {
          source: e.source,
          target: e.target,
          connected: e.state === 'connected',
          since: new Date(),
        }),
      )
    events.on('state', (e) => {
      if (e.to === 'stopped') this.connections.clear()
    })
  }

  /** Every connection reported so far. */
  all(): SourceConnection[] {
    return [...this.connections.values()]
  }

  /** Those not connected now. */
  lost(): SourceConnection[] {
    return this.all().filter((c) => !c.connected)
  }
}
