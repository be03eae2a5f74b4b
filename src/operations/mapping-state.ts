import type { EventEmitter } from 'eventemitter3'
import type { SyncEngineEvents } from '../engine/sync-engine-events.js'

/**
 * What a mapping is doing, in one word; the names map onto Heroku Connect's mapping and
 * connection states (docs/guides/monitoring.md, "Mapping states"):
 * `initial` (INITIAL), `loading` (LOADING_BULK_JOB, POLLING_SF_BULK, WAIT_BULK_LOAD),
 * `reloading` (RELOAD_TABLE), `resync` (RESYNC), `polling` (POLLING_SF_CHANGES),
 * `synced` (DATA_SYNCED), `schema-changed` (SCHEMA_CHANGED), `paused` (the connection's PAUSED),
 * `error` (the connection's SYSTEM_ERROR).
 */
export type MappingState =
  | 'initial'
  | 'loading'
  | 'reloading'
  | 'resync'
  | 'polling'
  | 'synced'
  | 'schema-changed'
  | 'paused'
  | 'error'

/** Each state and the Heroku Connect states it stands for (the monitoring guide's table). */
export const HEROKU_CONNECT_STATES: Readonly<Record<MappingState, readonly string[]>> = {
  initial: ['INITIAL'],
  loading: ['LOADING_BULK_JOB', 'POLLING_SF_BULK', 'WAIT_BULK_LOAD'],
  reloading: ['RELOAD_TABLE'],
  resync: ['RESYNC'],
  polling: ['POLLING_SF_CHANGES', 'POLLING_SF_FOR_DELETES'],
  synced: ['DATA_SYNCED'],
  'schema-changed': ['SCHEMA_CHANGED'],
  paused: ['PAUSED'],
  error: ['SYSTEM_ERROR'],
}

/** What this engine is doing to each mapping right now, from its events. @internal */
export class MappingPhases {
  private readonly phases = new Map<string, MappingState>()

  constructor(events: EventEmitter<SyncEngineEvents>) {
    events.on('pull:started', (e) =>
      this.phases.set(e.mapping, e.reason === 'reload' ? 'reloading' : 'polling'),
    )
    events.on('load:started', (e) => {
      if (this.phases.get(e.mapping) !== 'reloading')
        this.phases.set(e.mapping, e.columns ? 'resync' : 'loading')
    })
    events.on('pull:completed', (e) => this.phases.delete(e.mapping))
    events.on('pull:failed', (e) => this.phases.delete(e.mapping))
  }

  /** The phase of `mapping`'s pull in flight on this engine, if one is. */
  of(mapping: string): MappingState | undefined {
    return this.phases.get(mapping)
  }
}

/** The one-word state of a mapping, most pressing first. @internal */
export function mappingState(facts: {
  readonly paused: boolean
  readonly failing: boolean
  readonly drifted: boolean
  readonly phase: MappingState | undefined
  readonly pulledOnce: boolean
}): MappingState {
  if (facts.paused) return 'paused'
  if (facts.failing) return 'error'
  if (facts.phase) return facts.phase
  if (facts.drifted) return 'schema-changed'
  return facts.pulledOnce ? 'synced' : 'initial'
}
