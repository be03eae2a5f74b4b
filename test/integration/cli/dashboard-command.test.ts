import { rmSync } from 'node:fs'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { writeCliConfig } from '../../support/cli-config.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// `pgforce dashboard --port N` over HTTP (no browser: the page itself is tested in
// test/integration/dashboard): basic auth, read-only by default, actions only from the page.
const db = useTestDatabase()
const schema = `dash_${process.pid}`
let emulator: SalesforceEmulator
let dir: string

beforeAll(async () => {
  emulator = await SalesforceEmulator.start()
  emulator.org.insert('Account', [{ Name: 'Acme <b>' }])
  dir = writeCliConfig('pgforce-dashboard-', {
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    databaseUrl: db().url,
    schema,
  })
})
afterAll(async () => {
  await emulator?.stop()
  await db().pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  rmSync(dir, { recursive: true, force: true })
})

/** Starts `pgforce <args>`; its URL once it listens, and a function that stops it (its code). */
async function start(args: string[], env: Record<string, string> = {}) {
  let out = ''
  let err = ''
  let stop: () => void = () => {}
  const interrupted = new Promise<void>((resolve) => {
    stop = resolve
  })
  const io = {
    out: { write: (text: string) => (out += text) },
    err: { write: (text: string) => (err += text) },
    cwd: dir,
  }
  const done = main(args, env, io, interrupted)
  await waitFor(() => /http:\/\/\S+\//.test(out) || err !== '', 20_000, 'the dashboard')
  const url = /http:\/\/\S+\//.exec(out)?.[0]
  if (!url) throw new Error(`no URL: ${err}`)
  return {
    url,
    out: () => out,
    async stop() {
      stop()
      return done
    },
  }
}

describe('pgforce dashboard', () => {
  it('asks for basic auth, is read-only by default, and syncs', async () => {
    const quiet = { out: { write: () => 0 }, err: { write: () => 0 }, cwd: dir }
    expect(await main(['install'], {}, quiet, new Promise(() => {}))).toBe(0)
    const server = await start(['dashboard', '--port', '0'], {
      PGFORCE_DASHBOARD_PASSWORD: 's3cret',
    })
    try {
      expect(server.out()).toContain('read-only, basic auth, syncing')
      expect((await fetch(server.url)).status).toBe(401)
      const wrong = { authorization: `Basic ${Buffer.from('pgforce:nope').toString('base64')}` }
      expect((await fetch(server.url, { headers: wrong })).status).toBe(401)
      const auth = { authorization: `Basic ${Buffer.from('pgforce:s3cret').toString('base64')}` }
      const page = await fetch(server.url, { headers: auth })
      expect(page.status).toBe(200)
      expect(page.headers.get('content-security-policy')).toContain("script-src 'nonce-")
      expect(await page.text()).toContain('<td>Account</td>')
      // The engine runs in the process: the record is pulled.
      await waitFor(async () => {
        const { rows } = await db().pool.query(`SELECT name FROM "${schema}".account`)
        return rows[0]?.name === 'Acme <b>'
      })
      const pause = await fetch(`${server.url}actions/pause`, {
        method: 'POST',
        headers: { ...auth, 'x-pgforce-dashboard': '1' },
      })
      expect(pause.status).toBe(403)
      expect(await pause.json()).toEqual({ error: expect.stringContaining('read-only') })
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it('with --actions, takes actions from the page only (a cross-site form cannot)', async () => {
    const server = await start(['dashboard', '--port', '0', '--actions'])
    try {
      const crossSite = await fetch(`${server.url}actions/pause`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'x=1',
      })
      expect(crossSite.status).toBe(403)
      const pause = await fetch(`${server.url}actions/pause`, {
        method: 'POST',
        headers: { 'x-pgforce-dashboard': '1' },
      })
      expect(await pause.json()).toEqual({ message: expect.stringContaining('Paused') })
      const status = (await (await fetch(`${server.url}api/status`)).json()) as { status: unknown }
      expect(status.status).toMatchObject({ state: 'running', paused: true })
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it('without a password, answers only requests addressed to this machine (no DNS rebinding)', async () => {
    const server = await start(['dashboard', '--port', '0', '--actions', '--no-sync'])
    try {
      const { port } = new URL(server.url)
      // A page of evil.example whose name now resolves to 127.0.0.1 sends its own name as Host.
      const asked = (host: string) =>
        new Promise<number>((resolve, reject) => {
          request({ host: '127.0.0.1', port, path: '/api/status', headers: { host } }, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          })
            .on('error', reject)
            .end()
        })
      expect(await asked(`evil.example:${port}`)).toBe(421)
      expect(await asked(`localhost:${port}`)).toBe(200)
      expect(await asked(`127.0.0.1:${port}`)).toBe(200)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it('refuses to serve beyond this machine without a password', async () => {
    let err = ''
    const io = {
      out: { write: () => true },
      err: {
        write: (text: string) => {
          err += text
          return true
        },
      },
      cwd: dir,
    }
    const code = await main(
      ['dashboard', '--host', '0.0.0.0', '--port', '0'],
      {},
      io,
      new Promise(() => {}),
    )
    expect(code).not.toBe(0)
    expect(err).toContain('PGFORCE_DASHBOARD_PASSWORD')
  })
})
