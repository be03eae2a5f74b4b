import { beforeEach, describe, expect, it } from 'vitest'
import { PullRecheckStore } from '../../../src/store/pull-rechecks.js'
import { useTestDatabase } from '../../support/test-database.js'
import { install, planAccount } from './install-helpers.js'

const db = useTestDatabase()
const A = '001000000000001AAA'
const B = '001000000000002AAA'

describe('records read while their push was in flight (_pgforce_pull_recheck)', () => {
  beforeEach(async () => {
    await db().pool.query('DROP SCHEMA IF EXISTS salesforce CASCADE')
    await install(db().pool, [planAccount()])
  })

  it('are due after 2 s, then twice as long each time they are read when due and still in flight, up to a minute', async () => {
    const rechecks = new PullRecheckStore(db().pool, 'salesforce')
    const makeDue = () =>
      db().pool.query(
        `UPDATE salesforce._pgforce_pull_recheck SET due_at = now() - interval '1 second'`,
      )
    const seconds = async () => Math.round(((await rechecks.nextDueInMs('account')) ?? -1) / 1000)
    const waits: number[] = []
    for (let i = 0; i < 8; i += 1) {
      await rechecks.add('account', [A])
      waits.push(await seconds())
      // Read again before it is due (a poll's look-back): its due time stays.
      await rechecks.add('account', [A])
      expect(await seconds()).toBe(waits.at(-1))
      await makeDue()
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 60, 60, 60])
    expect(await rechecks.due('account', 10)).toEqual({ any: true, due: [A] })
  })

  it('are read when due, and leave once decided', async () => {
    const rechecks = new PullRecheckStore(db().pool, 'salesforce')
    await rechecks.add('account', [A, B])
    await db().pool.query(
      `UPDATE salesforce._pgforce_pull_recheck SET due_at = now() - interval '1 second' WHERE sfid = $1`,
      [A],
    )
    expect(await rechecks.due('account', 10)).toEqual({ any: true, due: [A] })
    await rechecks.clear('account', [A, B])
    expect(await rechecks.due('account', 10)).toEqual({ any: false, due: [] })
  })
})
