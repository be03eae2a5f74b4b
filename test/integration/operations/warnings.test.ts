import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { SIGNATURE_HEADER, sendAlert, signAlert } from '../../../src/operations/alert-sender.js'
import type { WarningAlert } from '../../../src/operations/warning-alert.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// Warnings as an operator meets them: persisted in _pgforce_warning, read by status(), and the
// alert hooks called once when one starts and once when it ends.
const db = useTestDatabase()
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture | undefined
const servers: Server[] = []

afterEach(async () => {
  await fixture?.close()
  fixture = undefined
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})

/** A webhook receiver that answers `statuses` in turn (then 200), recording what it got. */
async function receiver(statuses: number[]): Promise<{
  url: string
  got: { body: string; signature: string | undefined }[]
}> {
  const got: { body: string; signature: string | undefined }[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      got.push({ body, signature: req.headers[SIGNATURE_HEADER] as string | undefined })
      res.writeHead(statuses.shift() ?? 200).end()
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, got }
}

describe('warnings and alerts', () => {
  it('repeated failures start a warning (status shows it, the hooks hear it once) and a success ends it', async () => {
    const alerts: WarningAlert[] = []
    const hook = await receiver([])
    fixture = await syncFixture(db(), [account], {
      operations: {
        repeatedFailures: 2,
        alerts: {
          onWarning: (a) => void alerts.push(a),
          webhook: { url: hook.url, secret: 's3cret' },
        },
      },
    })
    const { engine } = fixture
    const org = fixture.org
    org.faults.failRequests({ path: '/query', status: 503, count: 2 })
    await expect(engine.syncOnce()).rejects.toThrow()
    expect((await engine.status()).warnings).toEqual([])
    await expect(engine.syncOnce()).rejects.toThrow()
    await waitFor(() => alerts.length === 1, 5000, 'the alert')
    const status = await engine.status()
    expect(status.warnings).toEqual([
      // syncOnce() does not retry: RED (a running engine's retried failures are YELLOW).
      expect.objectContaining({ kind: 'repeated-failures', mapping: 'Account', level: 'RED' }),
    ])
    expect(status.mappings[0]?.state).toBe('error')
    expect(alerts[0]).toMatchObject({
      event: 'started',
      schema: fixture.connection.schema,
      warning: {
        kind: 'repeated-failures',
        message: '2 pulls of Account failed in a row: Server is temporarily unavailable.',
      },
    })
    await waitFor(() => hook.got.length === 1, 5000, 'the webhook')
    expect(hook.got[0]?.signature).toBe(signAlert(hook.got[0]?.body ?? '', 's3cret'))
    expect(JSON.parse(hook.got[0]?.body ?? '{}')).toMatchObject({ event: 'started' })
    await engine.syncOnce()
    await waitFor(() => alerts.length === 2, 5000, 'the end alert')
    expect(alerts[1]).toMatchObject({ event: 'ended', warning: { endedAt: expect.any(Date) } })
    expect((await engine.status()).warnings).toEqual([])
  })

  it('a warning a process before a restart left open ends with the next process’s first success', async () => {
    fixture = await syncFixture(db(), [account], { operations: { repeatedFailures: 2 } })
    fixture.org.faults.failRequests({ path: '/query', status: 503, count: 2 })
    await expect(fixture.engine.syncOnce()).rejects.toThrow()
    await expect(fixture.engine.syncOnce()).rejects.toThrow()
    await waitFor(
      async () => ((await fixture?.engine.status())?.warnings.length ?? 0) === 1,
      5000,
      'the warning',
    )
    // The process restarts: a new engine, which never saw those failures, pulls fine.
    const restarted = new SyncEngine({
      connection: fixture.connection,
      mappings: [account],
      sources: [],
      operations: { repeatedFailures: 2 },
    })
    await restarted.syncOnce()
    await waitFor(
      async () => (await restarted.status()).warnings.length === 0,
      5000,
      'the warning to end',
    )
  })

  it('a paused worker raises backlog-ageing when unsent changes grow old, and reports its state', async () => {
    fixture = await syncFixture(db(), [account], {
      operations: { warningCheckMs: 50, backlogWarningMs: 60_000 },
    })
    const { engine, connection } = fixture
    const started: string[] = []
    engine.on('warning', (e) => started.push(`${e.event} ${e.warning.kind} ${e.warning.level}`))
    const states: string[] = []
    engine.on('mapping:state', (e) => states.push(`${e.mapping} ${e.to}`))
    await engine.start()
    await engine.pause()
    await db().pool.query(`INSERT INTO "${connection.schema}".account (name) VALUES ('Waiting')`)
    await db().pool.query(
      `UPDATE "${connection.schema}"._trigger_log SET created_at = now() - interval '5 minutes'`,
    )
    await waitFor(() => started.includes('started backlog-ageing RED'), 5000, 'the warning')
    expect(states).toContain('Account paused') // the periodic check reports state changes too
    await engine.resume()
    await waitFor(() => started.includes('ended backlog-ageing RED'), 5000, 'its end')
    await waitFor(() => states.at(-1) === 'Account synced', 5000, 'synced again')
  })

  it('the webhook is retried on a 5xx answer, not on a 4xx', async () => {
    const hook = await receiver([503, 502])
    const alert = {
      event: 'started',
      schema: 's',
      warning: {
        kind: 'stream-lost',
        mapping: '',
        level: 'YELLOW',
        message: 'm',
        startedAt: new Date(),
        endedAt: undefined,
      },
    } as const
    await sendAlert({ webhook: { url: hook.url, retries: 3 } }, alert, 1)
    expect(hook.got).toHaveLength(3)
    const refusing = await receiver([400])
    const secretPath = `${refusing.url}/T000/B000/XXXXsecretXXXX`
    const refused = await sendAlert({ webhook: { url: secretPath } }, alert, 1).catch(
      (error: Error) => error.message,
    )
    // Logged as it is: the origin only, never the path (a chat webhook's path is its secret).
    expect(refused).toBe(`alert webhook ${new URL(refusing.url).origin} answered 400`)
    expect(refusing.got).toHaveLength(1)
  })
})
