import { EventEmitter } from 'eventemitter3'
import { describe, expect, it } from 'vitest'
import type { EngineStatus, MappingStatus } from '../../../src/engine/engine-status.js'
import type { SyncEngine } from '../../../src/engine/sync-engine.js'
import { EngineMetrics } from '../../../src/operations/engine-metrics.js'

/** A mapping as `status()` reports it, pulled a minute ago on this worker. */
function mapping(pullLeader: boolean): MappingStatus {
  return {
    object: 'Account',
    pullLeader,
    lastPull: { at: new Date(Date.now() - 60_000) },
  } as unknown as MappingStatus
}

const status = (m: MappingStatus) =>
  ({ state: 'running', paused: false, mappings: [m], warnings: [] }) as unknown as EngineStatus

describe('EngineMetrics', () => {
  it('pull lag is the pull leader’s to say: absent on a worker that no longer leads', () => {
    const metrics = new EngineMetrics(new EventEmitter() as unknown as SyncEngine, 'salesforce')
    try {
      const lag = (m: MappingStatus) =>
        metrics.families(status(m)).find((f) => f.name === 'pgforce_pull_lag_seconds')?.samples
      expect(lag(mapping(true))).toEqual([
        expect.objectContaining({ labels: { mapping: 'Account' }, value: expect.closeTo(60, 0) }),
      ])
      // A former leader: its last pull ages without bound, and would trip lag alerts.
      expect(lag(mapping(false)) ?? []).toEqual([])
    } finally {
      metrics.close()
    }
  })
})
