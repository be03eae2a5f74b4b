import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDashboard, type DashboardHandler } from '../../../src/dashboard.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { launchBrowser, noBrowser } from '../../support/browser.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// The dashboard in a real headless Chromium, against a running engine, the emulator (real
// jsforce over HTTP) and Postgres.
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
  externalId: 'External_Id__c',
})

describe.skipIf(noBrowser())('the dashboard in a browser', () => {
  let browser: Browser
  let fixture: SyncFixture | undefined
  let server: Server | undefined
  let dashboard: DashboardHandler | undefined
  let page: Page | undefined

  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
  })
  afterEach(async () => {
    await page?.close()
    dashboard?.close()
    server?.closeAllConnections()
    server?.close()
    await fixture?.close()
    fixture = undefined
  })

  const sql = (text: string, values?: unknown[]) =>
    schemaSql(db().pool, fixture?.connection.schema as string, text, values)

  /** A running engine (LISTEN/NOTIFY for pushes) and its dashboard, open in a page. */
  async function open(actions: boolean): Promise<Page> {
    fixture = await syncFixture(db(), [account], {
      over: 'http',
      sources: [new PostgresNotifySource()],
      changeEvents: { values: true },
    })
    await fixture.engine.start()
    dashboard = createDashboard({ engine: fixture.engine, actions })
    server = createServer(dashboard).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.getByText('live', { exact: true }).waitFor()
    expect(errors).toEqual([])
    return page
  }

  it('shows a failed write with Salesforce’s message; Retry sends it once the rule is fixed', async () => {
    const page = await open(true)
    const { org } = fixture as SyncFixture
    org.faults.failRecords({
      objectName: 'Account',
      operation: 'upsert',
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Industry is required for new accounts',
    })
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Acme', 'A-1')`)
    const failed = page.getByTestId('failed-write')
    await failed.waitFor()
    await expect
      .poll(() => failed.getByTestId('failed-message').textContent())
      .toBe('FIELD_CUSTOM_VALIDATION_EXCEPTION: Industry is required for new accounts')
    expect(await failed.textContent()).toContain('Acme')
    expect(org.all('Account')).toEqual([])

    // The fault was for one record: a retry goes through.
    await failed.getByRole('button', { name: 'Retry' }).click()
    await page.getByTestId('no-failed').waitFor()
    await page.getByTestId('change').filter({ hasText: 'Postgres → Salesforce' }).waitFor()
    expect(org.all('Account').map((r) => r.Name)).toEqual(['Acme'])
    const [row] = await sql(`SELECT _hc_lastop FROM $schema.account`)
    expect(row?._hc_lastop).toBe('INSERTED')
  })

  it('pauses and resumes the engine, and shows it', async () => {
    const page = await open(true)
    await page.getByTestId('pause').click()
    await expect.poll(() => page.getByTestId('engine-state').textContent()).toBe('paused')
    expect((await fixture?.engine.status())?.paused).toBe(true)
    await page.getByTestId('resume').click()
    await expect.poll(() => page.getByTestId('engine-state').textContent()).toBe('running')
    expect((await fixture?.engine.status())?.paused).toBe(false)
  })

  it('shows values as text: a <script> in a record stays text, and actions are off by default', async () => {
    const page = await open(false)
    const { org } = fixture as SyncFixture
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    const evil = `<script>alert('x')</script><img src=x onerror="alert('y')">`
    org.faults.failRecords({
      objectName: 'Account',
      operation: 'upsert',
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: `Bad name ${evil}`,
    })
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ($1, 'A-1')`, [evil])
    const failed = page.getByTestId('failed-write')
    await failed.waitFor()
    expect(await failed.getByTestId('failed-message').textContent()).toBe(
      `FIELD_CUSTOM_VALIDATION_EXCEPTION: Bad name ${evil}`,
    )
    expect(await failed.textContent()).toContain(evil)
    expect(await page.locator('img[src=x]').count()).toBe(0)
    expect(await failed.getByRole('button').count()).toBe(0)
    expect(await page.getByTestId('pause').count()).toBe(0)
    // The fault was for one record: the next one with that name goes, and its values show in
    // the live feed as text.
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ($1, 'A-2')`, [evil])
    const change = page.getByTestId('change').filter({ hasText: 'A-2' })
    await change.waitFor()
    expect(await change.textContent()).toContain(JSON.stringify(evil).slice(1, -1))
    expect(await page.locator('img[src=x]').count()).toBe(0)
    expect(dialogs).toEqual([])
  })
})
