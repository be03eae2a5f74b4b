import type { Connection } from 'jsforce'
import { describe, expect, it } from 'vitest'
import { runBulkIngest } from '../../../src/salesforce/jsforce/bulk-ingest-job.js'

/**
 * A Bulk 2.0 job endpoint in memory. `close` decides what the close (PATCH UploadComplete) does:
 * answer, or close the job and lose the answer (a reset socket), or fail before closing it.
 * `readable: false` makes the job's state unreadable afterwards.
 */
function fakeBulk(close: 'answers' | 'lost answer' | 'fails', readable = true) {
  const log: string[] = []
  let state = 'Open'
  const conn = {
    version: '62.0',
    async request(req: { method: string; url: string; body?: string }) {
      const path = req.url.replace('/services/data/v62.0/jobs/ingest', '')
      log.push(`${req.method} ${path || '/'}${req.body?.includes('Aborted') ? ' Aborted' : ''}`)
      if (req.method === 'POST') return { id: 'J1', state }
      if (req.method === 'PUT') return {}
      if (req.method === 'DELETE') return {}
      if (req.method === 'PATCH' && req.body?.includes('UploadComplete')) {
        if (close === 'fails') throw new Error('socket hang up')
        state = 'JobComplete'
        if (close === 'lost answer') throw new Error('socket hang up')
        return { id: 'J1', state }
      }
      if (req.method === 'PATCH') return {}
      if (!readable) throw new Error('connect ECONNREFUSED')
      if (path === '/J1') return { id: 'J1', state, numberRecordsProcessed: 1 }
      if (path === '/J1/successfulResults')
        return [{ sf__Id: '001A', sf__Created: 'true', Name: 'A' }]
      if (path === '/J1/failedResults') return []
      throw new Error(`unexpected ${req.method} ${path}`)
    },
  }
  const run = () =>
    runBulkIngest(conn as unknown as Connection, {
      object: 'Account',
      operation: 'insert',
      records: [{ Name: 'A' }],
      pollIntervalMs: 1,
    })
  return { log, run }
}

describe('runBulkIngest: a close whose answer is lost', () => {
  it('reads the state: a job that closed all the same runs, and its results are read', async () => {
    const bulk = fakeBulk('lost answer')
    const outcome = await bulk.run()
    expect(outcome.results).toEqual([{ id: '001A', success: true, created: true, errors: [] }])
    // Not deleted and sent again: that would create the record twice.
    expect(bulk.log.filter((l) => l.startsWith('DELETE'))).toEqual([])
  })

  it('a job still Open never ran: it is deleted, and the close error thrown (safe to send again)', async () => {
    const bulk = fakeBulk('fails')
    await expect(bulk.run()).rejects.toThrow('socket hang up')
    expect(bulk.log.at(-1)).toBe('DELETE /J1')
  })

  it('a job whose state cannot be read may run: its outcome is unknown, never sent again', async () => {
    const bulk = fakeBulk('lost answer', false)
    await expect(bulk.run()).rejects.toMatchObject({ errorCode: 'BULK_JOB_OUTCOME_UNKNOWN' })
    expect(bulk.log.filter((l) => l.startsWith('DELETE'))).toEqual([])
    expect(bulk.log.at(-1)).toBe('PATCH /J1 Aborted')
  })
})
