import { describe, expect, it } from 'vitest'
import { columnTypeFor } from '../../../src/mappings/column-types.js'

describe('columnTypeFor', () => {
  it("gives picklists the field's length, as Heroku Connect does", () => {
    // Heroku Connect's own schemas: industry varchar(40), currencyisocode varchar(3), custom
    // picklists varchar(255).
    expect(columnTypeFor({ type: 'picklist', length: 40 })).toBe('varchar(40)')
    expect(columnTypeFor({ type: 'picklist', length: 3 })).toBe('varchar(3)')
    expect(columnTypeFor({ type: 'picklist', length: 255 })).toBe('varchar(255)')
    expect(columnTypeFor({ type: 'picklist', length: 0 })).toBe('varchar(255)')
  })

  it('gives multi-select picklists varchar(4099), their values joined by ";"', () => {
    expect(columnTypeFor({ type: 'multipicklist', length: 4099 })).toBe('varchar(4099)')
  })
})
