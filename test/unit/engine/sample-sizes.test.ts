import { describe, expect, it } from 'vitest'
import { sampleSizes } from '../../../src/engine/verify-mapping.js'
import { ConfigError } from '../../../src/index.js'

describe('verify() sample sizes', () => {
  it('default to 200 random rows and 100 recent records; 0 is allowed', () => {
    expect(sampleSizes({})).toEqual({ sample: 200, recent: 100 })
    expect(sampleSizes({ sample: 0, recent: 0 })).toEqual({ sample: 0, recent: 0 })
  })

  it('refuse what Salesforce or the sample cannot take, listing every problem', () => {
    expect(() => sampleSizes({ sample: -1, recent: 2001 })).toThrow(ConfigError)
    expect(() => sampleSizes({ sample: 1.5 })).toThrow(/sample/)
    try {
      sampleSizes({ sample: -1, recent: 2001 })
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.path)).toEqual(['sample', 'recent'])
    }
  })
})
