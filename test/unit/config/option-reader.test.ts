import { describe, expect, it } from 'vitest'
import { OptionReader } from '../../../src/config/option-reader.js'
import { ConfigError } from '../../../src/index.js'

function problemsOf(fn: () => void) {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

describe('OptionReader', () => {
  it('returns valid values and throws nothing', () => {
    const read = new OptionReader()
    expect(read.string('name', 'x')).toBe('x')
    expect(read.integer('n', 5, { min: 1, max: 10 })).toBe(5)
    expect(read.boolean('b', false)).toBe(false)
    expect(read.oneOf('access', 'read_only', ['read_only', 'read_write'])).toBe('read_only')
    expect(read.object('o', { a: 1 })).toEqual({ a: 1 })
    expect(read.func('f', () => 1)).toBeTypeOf('function')
    expect(() => read.finish()).not.toThrow()
  })

  it('collects every problem and reports them together', () => {
    const problems = problemsOf(() => {
      const read = new OptionReader('engine options')
      read.string('name', '')
      read.integer('pollMs', 1.5, { min: 1 })
      read.integer('limit', 500, { min: 1, max: 200 })
      read.oneOf('access', 'rw', ['read_only', 'read_write'])
      read.object('postgres', ['x'])
      read.finish()
    })
    expect(problems).toEqual([
      { path: 'name', expected: 'a non-empty string', received: '"" (string)' },
      { path: 'pollMs', expected: 'a whole number >= 1', received: '1.5 (number)' },
      { path: 'limit', expected: 'a whole number from 1 to 200', received: '500 (number)' },
      { path: 'access', expected: '"read_only" or "read_write"', received: '"rw" (string)' },
      { path: 'postgres', expected: 'an object', received: 'an array of 1' },
    ])
  })

  it('never shows a secret value', () => {
    const problems = problemsOf(() => {
      const read = new OptionReader()
      read.string('password', 42, { secret: true })
      read.finish()
    })
    expect(problems[0]?.received).toBe('a hidden value (number)')
  })
})
