import { describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { ReceivedEvent } from '../../../src/salesforce/pubsub/pubsub-subscription.js'
import { planPubSubBatch } from '../../../src/sources/pubsub-batch-plan.js'

const account = defineMapping({ object: 'Account', fields: ['Name'] })
const contact = defineMapping({ object: 'Contact', fields: ['LastName'] })

function event(
  entityName: string,
  changeType: string,
  recordIds: string[],
  origin = '',
): ReceivedEvent {
  return {
    replayId: new Uint8Array([1]),
    schemaId: 's',
    header: { entityName, changeType, recordIds, changeOrigin: origin },
    changedFields: [],
    payload: {},
  }
}

const context = { ownOrigin: 'client=pgforce', matters: () => true }

describe('planPubSubBatch', () => {
  it('routes the events of a channel to one pull per mapped object, by entityName', () => {
    const plan = planPubSubBatch(
      [
        event('Account', 'CREATE', ['001A']),
        event('Contact', 'UPDATE', ['003A']),
        event('Account', 'GAP_UPDATE', ['001B']),
        event('Lead', 'CREATE', ['00QA']),
      ],
      { ...context, mappings: [account, contact] },
    )
    expect(plan.pulls).toEqual([
      { object: 'Account', reason: 'gap', recordIds: ['001A', '001B'], tables: ['account'] },
      { object: 'Contact', reason: 'stream', recordIds: ['003A'], tables: ['contact'] },
    ])
    expect(plan.idleTables).toEqual([])
  })

  it('leaves the tables of unmapped objects’ and pgforce’s own events to a direct replay id write', () => {
    const plan = planPubSubBatch(
      [event('Lead', 'CREATE', ['00QA']), event('Contact', 'UPDATE', ['003A'], 'client=pgforce')],
      { ...context, mappings: [account, contact] },
    )
    expect(plan.pulls).toEqual([])
    expect(plan.idleTables).toEqual(['account', 'contact'])
  })

  it('gives an event without entityName to the only object of a per-object topic', () => {
    const noEntity = { ...event('', 'GAP_OVERFLOW', []) }
    const plan = planPubSubBatch([noEntity], { ...context, mappings: [account] })
    expect(plan.pulls).toEqual([
      { object: 'Account', reason: 'overflow', recordIds: [], tables: ['account'] },
    ])
  })
})
