import { describe, expect, it } from 'vitest'
import { loadAvro } from '../../../src/salesforce/pubsub/avro-types.js'
import { changeEventFields } from '../../../src/salesforce/pubsub/change-event-fields.js'
import {
  buildChangeEventSchema,
  encodeChangeEvent,
} from '../../../src/testing/emulator/change-event-schema.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'

const schema = {
  fields: [
    { name: 'ChangeEventHeader', type: 'record' },
    { name: 'Name', type: ['null', 'string'] },
    { name: 'Phone', type: ['null', 'string'] },
    { name: 'Industry', type: ['null', 'string'] },
    {
      name: 'BillingAddress',
      type: [
        'null',
        { type: 'record', fields: [{ name: 'Street' }, { name: 'City' }, { name: 'Country' }] },
      ],
    },
    { name: 'LastModifiedDate', type: ['null', 'long'] },
  ],
}

describe('changeEventFields', () => {
  it('reads top-level bits least significant first, bit 0 being the header', () => {
    // 0x16 = bits 1, 2 and 4
    expect(changeEventFields(schema, ['0x16'])).toEqual(['Name', 'Phone', 'BillingAddress'])
    expect(changeEventFields(schema, ['0x21'])).toEqual(['LastModifiedDate'])
  })

  it('names the nested fields of compound entries as Salesforce fields', () => {
    expect(changeEventFields(schema, ['0x20', '4-0x06'])).toEqual([
      'LastModifiedDate',
      'BillingAddress',
      'BillingCity',
      'BillingCountry',
    ])
  })

  it('keeps names already decoded and ignores what it cannot place', () => {
    expect(changeEventFields(schema, ['Name', '9-0x01', '1-0x01', '0x'])).toEqual(['Name'])
  })
})

describe('the emulator’s change event encoding', () => {
  it('round-trips through Avro with bitmaps a decoder reads back to the changed fields', async () => {
    const kit = await loadAvro()
    const org = new InMemoryOrg()
    const built = buildChangeEventSchema(org.describe('Account'), kit)
    const encoded = encodeChangeEvent(built, {
      ChangeEventHeader: {
        entityName: 'Account',
        recordIds: ['001000000000001AAA'],
        changeType: 'UPDATE',
        changeOrigin: 'com/salesforce/api/rest/60.0;client=pgforce',
        transactionKey: 't',
        sequenceNumber: 1,
        commitTimestamp: 1_700_000_000_000,
        commitNumber: 2 ** 60,
        commitUser: '005000000000001AAA',
        changedFields: ['Industry', 'BillingCity', 'LastModifiedDate'],
        nulledFields: ['Phone'],
        diffFields: [],
      },
      Industry: 'Energy',
      BillingCity: 'Lyon',
      LastModifiedDate: '2026-11-26T10:00:00.000+0000',
    })
    const decoded = built.type.fromBuffer(encoded.payload) as Record<string, unknown> & {
      ChangeEventHeader: { changedFields: string[]; nulledFields: string[]; commitNumber: bigint }
    }
    expect(decoded.ChangeEventHeader.commitNumber).toBe(2n ** 60n)
    expect(decoded.Industry).toBe('Energy')
    expect(decoded.BillingAddress).toEqual(expect.objectContaining({ City: 'Lyon' }))
    expect(decoded.LastModifiedDate).toBe(BigInt(Date.parse('2026-11-26T10:00:00.000Z')))
    const json = JSON.parse(built.json)
    expect(changeEventFields(json, decoded.ChangeEventHeader.changedFields).sort()).toEqual(
      ['BillingAddress', 'BillingCity', 'Industry', 'LastModifiedDate'].sort(),
    )
    expect(changeEventFields(json, decoded.ChangeEventHeader.nulledFields)).toEqual(['Phone'])
  })

  it('gives a changed schema a new id and keeps the old one’s fields', async () => {
    const kit = await loadAvro()
    const org = new InMemoryOrg()
    const before = buildChangeEventSchema(org.describe('Account'), kit)
    org.addField('Account', { name: 'Tier__c', type: 'string' })
    const after = buildChangeEventSchema(org.describe('Account'), kit)
    expect(after.id).not.toBe(before.id)
    expect(after.positions.has('Tier__c')).toBe(true)
    expect(before.positions.has('Tier__c')).toBe(false)
  })
})
