import { beforeAll, describe, expect, it } from 'vitest'
import { InMemoryOrg, OrgClock } from '../../../src/testing.js'

let org: InMemoryOrg
let ids: string[]
const names = (soql: string, includeDeleted = false) =>
  org.query(soql, { includeDeleted }).records.map((r) => r.Name)

beforeAll(() => {
  org = new InMemoryOrg({ clock: new OrgClock(new Date('2026-06-15T12:00:00Z')) })
  org.clock.freeze()
  ids = org.insert('Account', [
    { Name: 'Acme', Industry: 'Energy', AnnualRevenue: 500, NumberOfEmployees: 10 },
    { Name: 'beta', Industry: 'Banking', AnnualRevenue: 1500 },
    { Name: 'Gamma', AnnualRevenue: null, NumberOfEmployees: 3 },
    { Name: "O'Brien & Co", Industry: 'Retail' },
  ])
  org.insert('Contact', [{ LastName: 'Doe', AccountId: ids[0] }])
})

describe('executeSoql', () => {
  it.each([
    ["SELECT Name FROM Account WHERE Industry = 'energy'", ['Acme']],
    ['SELECT Name FROM Account WHERE AnnualRevenue > 600', ['beta']],
    [
      'SELECT Name FROM Account WHERE AnnualRevenue = null ORDER BY Name',
      ['Gamma', "O'Brien & Co"],
    ],
    ["SELECT Name FROM Account WHERE Name LIKE 'a%' OR Name LIKE '%co'", ['Acme', "O'Brien & Co"]],
    [
      "SELECT Name FROM Account WHERE Industry IN ('Banking', 'Retail') ORDER BY Name DESC",
      ["O'Brien & Co", 'beta'],
    ],
    [
      "SELECT Name FROM Account WHERE NOT Industry = 'Energy' AND Industry != null ORDER BY Name",
      ['beta', "O'Brien & Co"],
    ],
    [
      "SELECT Name FROM Account WHERE (Industry = 'Energy' OR Industry = 'Banking') AND AnnualRevenue < 1000",
      ['Acme'],
    ],
    ["SELECT Name FROM Account WHERE Name = 'O\\'Brien & Co'", ["O'Brien & Co"]],
    [
      'SELECT Name FROM Account WHERE CreatedDate = TODAY AND Name != null ORDER BY Name LIMIT 2',
      ['Acme', 'beta'],
    ],
    [
      'SELECT Name FROM Account WHERE CreatedDate > 2026-06-15T11:59:59Z ORDER BY Name LIMIT 1 OFFSET 1',
      ['beta'],
    ],
    [
      'SELECT Name FROM Account WHERE CreatedDate >= 2026-06-15T14:00:00+02:00 ORDER BY Name LIMIT 1',
      ['Acme'],
    ],
    [
      'SELECT Name FROM Account ORDER BY NumberOfEmployees NULLS LAST, Name LIMIT 2',
      ['Gamma', 'Acme'],
    ],
  ])('%s', (soql, expected) => {
    expect(names(soql)).toEqual(expected)
  })

  it('nests parent fields and child subqueries, with canonical names', () => {
    const [record] = org.query(
      `SELECT name, owner.name, (SELECT lastname FROM Contacts) FROM Account WHERE Id = '${ids[0]}'`,
    ).records
    expect(record).toEqual({
      attributes: { type: 'Account', url: `/services/data/v60.0/sobjects/Account/${ids[0]}` },
      Name: 'Acme',
      Owner: { attributes: expect.objectContaining({ type: 'User' }), Name: 'pgforce Integration' },
      Contacts: {
        totalSize: 1,
        done: true,
        records: [expect.objectContaining({ LastName: 'Doe' })],
      },
    })
  })

  it('counts with COUNT()', () => {
    expect(org.query('SELECT COUNT() FROM Account WHERE AnnualRevenue > 0')).toEqual({
      totalSize: 2,
      records: [],
    })
  })

  it('compares 15- and 18-character ids alike', () => {
    expect(names(`SELECT Name FROM Account WHERE Id = '${ids[1]?.slice(0, 15)}'`)).toEqual(['beta'])
  })

  it('orders ties on the keyset (SystemModstamp, Id) the way the pull reads them', () => {
    const stamp = org.get(ids[0] as string)?.SystemModstamp as string
    const after = org.query(
      `SELECT Id FROM Account WHERE SystemModstamp > ${stamp.replace('+0000', 'Z')} OR (SystemModstamp = ${stamp.replace('+0000', 'Z')} AND Id > '${ids[1]}') ORDER BY SystemModstamp, Id`,
    )
    expect(after.records.map((r) => r.Id)).toEqual([ids[2], ids[3]])
  })

  it.each([
    ['SELEC Name FROM Account', 'MALFORMED_QUERY'],
    ['SELECT Nope FROM Account', 'INVALID_FIELD'],
    ['SELECT Name FROM Nope__c', 'INVALID_TYPE'],
    ['SELECT Name FROM Account WHERE Bogus.Name = null', 'INVALID_FIELD'],
    [
      "SELECT Name FROM Account WHERE CreatedDate > '2026-01-01T00:00:00Z'",
      'INVALID_QUERY_FILTER_OPERATOR',
    ],
    ['SELECT Name FROM Account LIMIT 1 OFFSET 2001', 'NUMBER_OUTSIDE_VALID_RANGE'],
  ])('refuses %s with %s', (soql, errorCode) => {
    expect(() => org.query(soql)).toThrow(expect.objectContaining({ errorCode, statusCode: 400 }))
  })

  it('ORDER BY … LIMIT gives the first rows of the full order, ties in insertion order', () => {
    const small = new InMemoryOrg()
    small.insert(
      'Lead',
      Array.from({ length: 500 }, (_, i) => ({
        LastName: `L${(i * 7919) % 37}`, // many ties, out of order
        Company: `C${i}`,
        Status: 'Open',
      })),
    )
    const all = small.query('SELECT Company FROM Lead ORDER BY LastName DESC').records
    for (const limit of [1, 10, 37, 200]) {
      const page = small.query(`SELECT Company FROM Lead ORDER BY LastName DESC LIMIT ${limit}`)
      expect(page.records.map((r) => r.Company)).toEqual(all.slice(0, limit).map((r) => r.Company))
    }
    const offset = small.query('SELECT Company FROM Lead ORDER BY LastName LIMIT 20 OFFSET 30')
    const ascending = small.query('SELECT Company FROM Lead ORDER BY LastName').records
    expect(offset.records.map((r) => r.Company)).toEqual(
      ascending.slice(30, 50).map((r) => r.Company),
    )
  })

  it('filters and sorts 20 000 records', () => {
    const big = new InMemoryOrg()
    big.insert(
      'Lead',
      Array.from({ length: 20_000 }, (_, i) => ({
        LastName: `L${i}`,
        Company: i % 2 ? 'Odd' : 'Even',
        Status: 'Open',
      })),
    )
    const result = big.query(
      "SELECT Id, LastName FROM Lead WHERE Company = 'odd' ORDER BY LastName DESC LIMIT 5",
    )
    expect(result.records.map((r) => r.LastName)).toEqual([
      'L9999',
      'L9997',
      'L9995',
      'L9993',
      'L9991',
    ])
    // About results, not speed: inserting 20 000 records took over 5 s on a loaded CI machine.
  }, 30_000)

  it('answers Id ranges and ORDER BY Id … LIMIT through the index on Id as a full read would', () => {
    const ranged = new InMemoryOrg()
    const leads = ranged.insert(
      'Lead',
      Array.from({ length: 300 }, (_, i) => ({
        LastName: `L${i}`,
        Company: `C${i % 3}`,
        Status: 'Open',
      })),
    )
    ranged.delete('Lead', [leads[5] as string, leads[150] as string])
    const p = (id: string | undefined) => String(id).slice(0, 15)
    const [a, b] = [leads[40] as string, leads[200] as string]
    const live = leads.filter((_, i) => i !== 5 && i !== 150)
    const ids = (soql: string, includeDeleted = false) =>
      ranged.query(soql, { includeDeleted }).records.map((r) => r.Id)
    // 18- and 15-character literals alike, strict and inclusive bounds, with other conditions
    expect(ids(`SELECT Id FROM Lead WHERE Id >= '${a}' AND Id < '${p(b)}'`)).toEqual(
      live.filter((id) => p(id) >= p(a) && p(id) < p(b)),
    )
    expect(ids(`SELECT Id FROM Lead WHERE Id > '${p(a)}' AND Id <= '${b}'`)).toEqual(
      live.filter((id) => p(id) > p(a) && p(id) <= p(b)),
    )
    expect(ids(`SELECT Id FROM Lead WHERE Company = 'c1' AND Id < '${a}'`)).toEqual(
      live.filter((id) => p(id) < p(a) && leads.indexOf(id) % 3 === 1),
    )
    expect(ids(`SELECT Id FROM Lead WHERE Id < '${a}'`, true)).toEqual(
      leads.filter((id) => p(id) < p(a)),
    )
    // an OR is no range: every record is read
    expect(ids(`SELECT Id FROM Lead WHERE Id < '${leads[2]}' OR Id = '${b}'`)).toEqual([
      leads[0],
      leads[1],
      b,
    ])
    expect(ids(`SELECT Id FROM Lead WHERE Id = '${p(b)}'`)).toEqual([b])
    expect(ids('SELECT Id FROM Lead ORDER BY Id DESC LIMIT 3')).toEqual(live.slice(-3).reverse())
    expect(ids('SELECT Id FROM Lead ORDER BY Id LIMIT 2 OFFSET 4')).toEqual(live.slice(4, 6))
    expect(ids(`SELECT Id FROM Lead WHERE Id >= '${b}' ORDER BY Id DESC LIMIT 2`)).toEqual(
      live.slice(-2).reverse(),
    )
    expect(ids(`SELECT Id FROM Lead WHERE Id >= '${b}' ORDER BY LastName DESC LIMIT 1`)).toEqual([
      leads[299],
    ])
    expect(ranged.query(`SELECT COUNT() FROM Lead WHERE Id >= '${a}'`).totalSize).toBe(
      live.filter((id) => p(id) >= p(a)).length,
    )
  })
})
