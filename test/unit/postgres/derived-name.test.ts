import { describe, expect, it } from 'vitest'
import {
  byteLength,
  derivedName,
  tableObjectNames,
} from '../../../src/postgres/install/derived-name.js'

describe('derivedName()', () => {
  it("keeps Heroku Connect's name when it fits in 63 bytes", () => {
    expect(derivedName('hc_', 'account', '_logger')).toBe('hc_account_logger')
    const fits = 'a'.repeat(53)
    expect(derivedName('hc_', fits, '_logger')).toBe(`hc_${fits}_logger`)
    expect(byteLength(derivedName('hc_', fits, '_logger'))).toBe(63)
    expect(tableObjectNames('account', 'external_id__c')).toEqual({
      logger: 'hc_account_logger',
      status: 'hc_account_status',
      logTrigger: 'hc_account_logtrigger',
      statusTrigger: 'hc_account_status_trigger',
      sfidIndex: 'hcu_idx_account_sfid',
      systemmodstampIndex: 'hc_idx_account_systemmodstamp',
      externalIdIndex: 'hcu_idx_account_external_id__c',
    })
  })

  it('shortens a longer name to 63 bytes: table prefix, 8 hex digits of a hash, role suffix', () => {
    const table = `${'a'.repeat(50)}_long_table_name`
    const name = derivedName('hc_', table, '_logger')
    // The hash is of the full name, so it stays the same from one install (and version) to the next.
    expect(name).toBe(`hc_${'a'.repeat(44)}_8079898f_logger`)
    expect(byteLength(name)).toBe(63)
  })

  it('gives distinct names to distinct tables and roles, for every table name length up to 63', () => {
    for (let length = 1; length <= 63; length++) {
      const tables = [`${'t'.repeat(length - 1)}a`, `${'t'.repeat(length - 1)}b`]
      const names = tables.flatMap((table) =>
        Object.values(tableObjectNames(table, 'external_id__c')),
      )
      expect(new Set(names).size, `tables of ${length} characters`).toBe(names.length)
      for (const name of names) expect(byteLength(name as string)).toBeLessThanOrEqual(63)
    }
  })

  it('counts bytes, not characters, and never cuts a character in two', () => {
    const base = 'é'.repeat(30) // 60 bytes in 30 characters
    const name = derivedName('hc_', base, '_logger')
    expect(byteLength(name)).toBeLessThanOrEqual(63)
    expect(name).toMatch(/^hc_é+_[0-9a-f]{8}_logger$/)
    expect(Buffer.from(name, 'utf8').toString('utf8')).toBe(name)
  })
})
