import { describe, expect, it } from 'vitest'
import { EngineStateError } from '../../../src/index.js'
import {
  assertSupportedNode,
  unsupportedNodeMessage,
} from '../../../src/salesforce/supported-node.js'

describe('the Node.js version check', () => {
  it('accepts 22.19 and later', () => {
    for (const version of ['22.19.0', '22.23.3', '23.0.0', '24.11.1'])
      expect(unsupportedNodeMessage(version), version).toBeUndefined()
  })

  it('names the version needed and the one running, in one line', () => {
    expect(unsupportedNodeMessage('20.20.2')).toBe(
      'pgforce needs Node.js >= 22.19 (jsforce 3 requires it); this is Node 20.20.2',
    )
    expect(unsupportedNodeMessage('22.18.0')).toMatch(/this is Node 22\.18\.0$/)
    expect(() => assertSupportedNode('18.20.4')).toThrow(EngineStateError)
    expect(() => assertSupportedNode('18.20.4')).toThrow(
      expect.objectContaining({ code: 'ENGINE_STATE' }),
    )
  })
})
