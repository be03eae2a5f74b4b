import { beforeEach, describe, expect, it } from 'vitest'
import { CursorStore } from '../../../src/store/cursors.js'
import { useTestDatabase } from '../../support/test-database.js'
import { install, planAccount } from './install-helpers.js'

const db = useTestDatabase()
const TOPIC = '/data/ChangeEvents'
const bytes = (n: number) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, n])

describe('Pub/Sub replay ids of a channel shared by several tables', () => {
  beforeEach(async () => {
    await db().pool.query('DROP SCHEMA IF EXISTS salesforce CASCADE')
    await install(db().pool, [planAccount()])
  })

  it('resume from the one received earliest, not the one written last', async () => {
    const cursors = new CursorStore(db().pool, 'salesforce')
    // Contact's pull of event 2 committed first; Account's slower pull of event 1 after it. A
    // restart must resume from event 1: Account may have events after it not read yet.
    await cursors.writeReplayBytes(
      'contact',
      new Map([[TOPIC, { replayId: bytes(2), receivedAt: 2_000 }]]),
    )
    await cursors.writeReplayBytes(
      'account',
      new Map([[TOPIC, { replayId: bytes(1), receivedAt: 1_000 }]]),
    )
    expect(await cursors.earliestReplayBytes(['account', 'contact'], TOPIC)).toEqual(
      Buffer.from(bytes(1)),
    )
    // Keepalives then move the quiet table on (received later still).
    await cursors.writeReplayBytesFor(['account'], TOPIC, { replayId: bytes(3), receivedAt: 3_000 })
    expect(await cursors.earliestReplayBytes(['account', 'contact'], TOPIC)).toEqual(
      Buffer.from(bytes(2)),
    )
  })
})
