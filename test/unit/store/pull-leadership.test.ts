import { describe, expect, it } from 'vitest'
import { PullLeadership } from '../../../src/store/pull-leadership.js'
import { fakePool } from '../../support/fake-pg-client.js'

describe('PullLeadership', () => {
  it('gives back a connection that failed before it became the leadership session', async () => {
    // The connection is cut while it names itself: a leaked client would keep pool.end() waiting.
    const pool = fakePool((sql) => sql.startsWith('SET application_name'))
    const leadership = new PullLeadership(pool, 'salesforce', () => {})
    await expect(leadership.lead('Account')).rejects.toThrow('Connection terminated')
    expect(pool.clients).toHaveLength(1)
    expect(pool.clients[0]?.released?.error).toBeInstanceOf(Error)
    expect(leadership.leading.size).toBe(0)
  })

  it('tries again with a new connection after such a failure', async () => {
    let cut = true
    const pool = fakePool((sql) => sql.startsWith('SET application_name') && cut)
    const leadership = new PullLeadership(pool, 'salesforce', () => {})
    await expect(leadership.lead('Account')).rejects.toThrow()
    cut = false
    await leadership.lead('Account')
    expect(pool.clients).toHaveLength(2)
    expect(pool.clients[1]?.released).toBeUndefined() // held: it is the session now
    await leadership.close()
    expect(pool.clients[1]?.released).toBeDefined()
  })
})
