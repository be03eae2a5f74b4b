import pg from 'pg'
import { SalesforceEmulator } from 'pgforce/testing'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchBrowser, noBrowser } from '../../test/support/browser.js'
import { startChangeFeedApp } from './change-feed.js'

// The example in a real headless Chromium: a change made in Salesforce (the emulator) appears
// on the page, through CDC streaming, the pull, the `change` event and Server-Sent Events.
describe.skipIf(noBrowser())('the change feed example', () => {
  let emulator: SalesforceEmulator
  let app: Awaited<ReturnType<typeof startChangeFeedApp>>
  let browser: Browser
  const schema = `change_feed_${process.pid}`

  beforeAll(async () => {
    emulator = await SalesforceEmulator.start()
    app = await startChangeFeedApp(
      { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
      inject('postgresUrl'),
      { schema, port: 0 },
    )
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await emulator?.stop()
    const pool = new pg.Pool({ connectionString: inject('postgresUrl') })
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await pool.end()
  })

  it('shows a change made in Salesforce, and one made in Postgres, as they cross', async () => {
    const page = await browser.newPage()
    await page.goto(app.url)
    await page.getByText('(live)').waitFor()
    const [id] = emulator.org.insert('Account', [{ Name: 'Globex <b>bold</b>', Industry: 'Media' }])
    const line = page.locator('li', { hasText: 'from Salesforce' })
    await line.waitFor()
    expect(await line.textContent()).toContain(`Account INSERT ${id}:`)
    expect(await line.textContent()).toContain('name = Globex <b>bold</b>')

    const pool = new pg.Pool({ connectionString: inject('postgresUrl') })
    try {
      await pool.query(`UPDATE ${schema}.account SET industry = 'Energy' WHERE sfid = $1`, [id])
    } finally {
      await pool.end()
    }
    const pushed = page.locator('li', { hasText: 'to Salesforce' })
    await pushed.waitFor()
    expect(await pushed.textContent()).toContain(`Account UPDATE ${id}: industry = Energy`)
    expect(emulator.org.get(id as string)?.Industry).toBe('Energy')
  })
})
