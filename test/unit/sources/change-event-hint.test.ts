import { describe, expect, it } from 'vitest'
import { changeEventHint } from '../../../src/sources/change-event-hint.js'

describe('changeEventHint', () => {
  it('names the records of an ordinary change', () => {
    expect(
      changeEventHint({ changeType: 'UPDATE', recordIds: ['001A', '001B'] }, 'client=pgforce'),
    ).toEqual({
      reason: 'stream',
      recordIds: ['001A', '001B'],
    })
  })

  it('a wildcard id stands for records it does not name: the pull follows the cursor too', () => {
    expect(
      changeEventHint(
        { changeType: 'UPDATE', recordIds: ['001A', '001xx000003DGb*'] },
        'client=pgforce',
      ),
    ).toEqual({ reason: 'gap', recordIds: ['001A'] })
  })

  it("ignores pgforce's own writes, and keeps GAP_OVERFLOW an overflow", () => {
    expect(
      changeEventHint(
        { changeOrigin: 'com/salesforce/api/rest/62.0;client=pgforce', recordIds: ['001A'] },
        'client=pgforce',
      ),
    ).toBeUndefined()
    expect(
      changeEventHint({ changeType: 'GAP_OVERFLOW', recordIds: ['001*'] }, 'client=pgforce'),
    ).toEqual({
      reason: 'overflow',
      recordIds: [],
    })
  })
})
