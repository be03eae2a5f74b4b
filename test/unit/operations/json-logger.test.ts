import { describe, expect, it } from 'vitest'
import { jsonLogger } from '../../../src/cli/json-logger.js'

describe('jsonLogger', () => {
  it("writes pino's line format, above the level, with errors serialized", () => {
    const lines: string[] = []
    const logger = jsonLogger({ write: (text: string) => lines.push(text) }, 'info')
    logger.debug({ component: 'pgforce' }, 'hidden')
    const error = Object.assign(new Error('boom'), { code: 'SALESFORCE_API' })
    logger.error({ component: 'pgforce', err: error, mapping: 'Account' }, 'push failed')
    expect(lines).toHaveLength(1)
    expect(lines[0]?.endsWith('\n')).toBe(true)
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 50,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      component: 'pgforce',
      mapping: 'Account',
      err: { type: 'Error', message: 'boom', code: 'SALESFORCE_API', stack: expect.any(String) },
      msg: 'push failed',
    })
  })
})
