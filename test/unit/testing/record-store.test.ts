import { describe, expect, it } from 'vitest'
import { RecordStore } from '../../../src/testing/org/record-store.js'

const record = (id: string, deleted = false) => ({ Id: id, IsDeleted: deleted, Name: id })
const ids = (records: Iterable<{ Id?: unknown }> | undefined) =>
  records === undefined ? undefined : [...records].map((r) => r.Id)

describe('RecordStore.inIdOrder', () => {
  it('finds an Id range (first 15 characters, inclusive) by binary search, either way', () => {
    const store = new RecordStore()
    for (const n of [1, 2, 3, 4, 5]) store.add('Account', record(`00100000000000${n}AAA`))
    store.add('Account', record('001000000000006AAA', true))
    const range = { low: '001000000000002', high: '001000000000004' }
    expect(ids(store.inIdOrder('Account', false, range))).toEqual([
      '001000000000002AAA',
      '001000000000003AAA',
      '001000000000004AAA',
    ])
    expect(ids(store.inIdOrder('account', false, { low: '001000000000004' }, true))).toEqual([
      '001000000000005AAA',
      '001000000000004AAA',
    ])
    expect(ids(store.inIdOrder('Account', true, { low: '001000000000006' }))).toEqual([
      '001000000000006AAA',
    ])
    expect(ids(store.inIdOrder('Contact', false, {}))).toEqual([])
  })

  it('gives up (undefined) once a record came with an Id out of order: callers read them all', () => {
    const store = new RecordStore()
    store.add('Account', record('001000000000002AAA'))
    store.add('Account', record('001000000000001AAA'))
    expect(store.inIdOrder('Account', false, { low: '001000000000001' })).toBeUndefined()
    expect(ids(store.records('Account', false))).toEqual([
      '001000000000002AAA',
      '001000000000001AAA',
    ])
  })
})
