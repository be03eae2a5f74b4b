import { existsSync } from 'node:fs'
import type { Browser } from 'playwright-core'

/**
 * The Chromium the browser tests drive, from Debian's package (`apt-get install -y chromium`;
 * `.ci/run` installs it). playwright-core cannot download a browser here, so it launches this one
 * by path. `PGFORCE_CHROMIUM` names another.
 */
export const chromiumPath = [process.env.PGFORCE_CHROMIUM, '/usr/bin/chromium']
  .filter((p): p is string => typeof p === 'string' && p !== '')
  .find((p) => existsSync(p))

let announced = false
/** `true` when no browser is installed; says so once, in one line. */
export function noBrowser(): boolean {
  if (chromiumPath) return false
  if (!announced) {
    announced = true
    console.warn(
      '[pgforce tests] browser tests skipped: no Chromium (apt-get install -y chromium, or set PGFORCE_CHROMIUM)',
    )
  }
  return true
}

/** A headless Chromium. */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  })
}
