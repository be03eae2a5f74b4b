import { describe, expect, it } from 'vitest'
import { defaultSources } from '../../../src/engine/default-engine-parts.js'
import { SalesforcePollingSource } from '../../../src/sources/salesforce-polling-source.js'
import { SalesforcePubSubSource } from '../../../src/sources/salesforce-pubsub-source.js'
import { SalesforceStreamingSource } from '../../../src/sources/salesforce-streaming-source.js'

describe('the default sources', () => {
  it('stream over CometD unless told otherwise, always with polls beside', () => {
    const sources = defaultSources()
    expect(sources[0]).toBeInstanceOf(SalesforceStreamingSource)
    expect(sources.map((s) => s.name)).toEqual([
      'salesforce-streaming',
      'salesforce-polling',
      'postgres-notify',
      'postgres-polling',
    ])
  })

  it("stream over the Pub/Sub API with `streaming: 'pubsub'`, or with the source given", () => {
    expect(defaultSources('pubsub')[0]).toBeInstanceOf(SalesforcePubSubSource)
    const own = new SalesforcePubSubSource({ endpoint: '127.0.0.1:7443', ca: 'PEM' })
    const sources = defaultSources(own)
    expect(sources[0]).toBe(own)
    expect(sources[1]).toBeInstanceOf(SalesforcePollingSource)
  })
})
