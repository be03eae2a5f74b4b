import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/index.js'
import { mappingsFromHerokuConnect } from '../../../src/mappings/mappings-from-heroku-connect.js'

const exported = JSON.parse(
  await readFile(new URL('../../fixtures/heroku-connect/export.json', import.meta.url), 'utf8'),
)

describe('mappingsFromHerokuConnect', () => {
  it('turns a Heroku Connect export into mappings and engine choices', () => {
    const result = mappingsFromHerokuConnect(exported)
    expect(
      result.mappings.map((m) => [m.object, m.table, m.access, m.externalId, m.pollIntervalMs]),
    ).toEqual([
      ['Account', 'account', 'read_write', 'External_Id__c', 600_000],
      ['Contact', 'contact', 'read_only', undefined, 120_000],
    ])
    expect(result.mappings[0]?.fields.map((f) => f.column)).toEqual([
      'name',
      'industry',
      'annualrevenue',
      'external_id__c',
    ])
    expect(result).toMatchObject({
      writeAlgorithm: 'ordered',
      bulkWrites: true,
      streamingObjects: ['Account'],
      dailyApiCalls: { Account: 30000, Contact: 30000 },
    })
  })

  it('reads merged writes from poll_db_no_merge = false', () => {
    const merged = { ...exported, connection: { features: { poll_db_no_merge: false } } }
    expect(mappingsFromHerokuConnect(merged)).toMatchObject({
      writeAlgorithm: 'merged',
      bulkWrites: false,
    })
  })

  it('lists every mapping it cannot convert', () => {
    const bad = {
      mappings: [
        { object_name: 'Account', config: { access: 'write', fields: {} } },
        { object_name: 'Contact', config: { fields: { LastName: {} }, sf_polling_seconds: 0 } },
      ],
    }
    let error: unknown
    try {
      mappingsFromHerokuConnect(bad)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems.map((p) => p.path)).toEqual([
      'mappings[0] (Account).access',
      'mappings[0] (Account).fields',
      'mappings[1] (Contact).pollIntervalMs',
    ])
  })
})
