import { describe, expect, it } from 'vitest'
import { parseSince } from '../../../src/cli/operations-commands.js'
import { HEROKU_CONNECT_STATES, mappingState } from '../../../src/operations/mapping-state.js'

const facts = {
  paused: false,
  failing: false,
  drifted: false,
  phase: undefined,
  pulledOnce: true,
} as const

describe('mappingState', () => {
  it('names the most pressing state first', () => {
    expect(mappingState(facts)).toBe('synced')
    expect(mappingState({ ...facts, pulledOnce: false })).toBe('initial')
    expect(mappingState({ ...facts, drifted: true })).toBe('schema-changed')
    expect(mappingState({ ...facts, drifted: true, phase: 'loading' })).toBe('loading')
    expect(mappingState({ ...facts, phase: 'loading', failing: true })).toBe('error')
    expect(mappingState({ ...facts, failing: true, paused: true })).toBe('paused')
  })

  it('maps every state onto Heroku Connect states', () => {
    expect(HEROKU_CONNECT_STATES.synced).toEqual(['DATA_SYNCED'])
    expect(Object.values(HEROKU_CONNECT_STATES).every((names) => names.length > 0)).toBe(true)
  })
})

describe('parseSince', () => {
  it('takes an age or a date', () => {
    expect(parseSince('30m', 3_600_000).getTime()).toBe(1_800_000)
    expect(parseSince('1d', 86_400_000).getTime()).toBe(0)
    expect(parseSince('2026-01-02T03:04:05Z').toISOString()).toBe('2026-01-02T03:04:05.000Z')
    expect(() => parseSince('yesterday')).toThrow(/an age \(30m, 2h, 7d\) or an ISO date/)
  })
})
