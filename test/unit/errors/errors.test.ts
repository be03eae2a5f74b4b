import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  EngineStateError,
  PgforceError,
  PostgresError,
  SalesforceApiError,
} from '../../../src/index.js'

describe('error hierarchy', () => {
  const cases = [
    [
      new ConfigError([{ path: 'a', expected: 'x', received: 'y' }]),
      'ConfigError',
      'CONFIG_INVALID',
    ],
    [
      new SalesforceApiError('boom', { errorCode: 'INVALID_FIELD' }),
      'SalesforceApiError',
      'SALESFORCE_API',
    ],
    [new PostgresError('boom', { sqlState: '23505' }), 'PostgresError', 'POSTGRES'],
    [new EngineStateError('closed'), 'EngineStateError', 'ENGINE_STATE'],
  ] as const

  it.each(cases)('%s has its class name and a stable code', (error, name, code) => {
    expect(error).toBeInstanceOf(PgforceError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe(name)
    expect(error.code).toBe(code)
  })

  it('keeps the cause', () => {
    const cause = new Error('socket hang up')
    expect(new PostgresError('lost', { cause }).cause).toBe(cause)
  })

  it('lists every config problem in the message', () => {
    const error = new ConfigError(
      [
        { path: 'access', expected: '"read_only" or "read_write"', received: '"rw" (string)' },
        { path: 'fields', expected: 'a non-empty list', received: '[] (array)' },
      ],
      'mapping "Account"',
    )
    expect(error.message).toBe(
      'Invalid mapping "Account" (2 problems):\n' +
        '  - `access`: expected "read_only" or "read_write", got "rw" (string)\n' +
        '  - `fields`: expected a non-empty list, got [] (array)',
    )
    expect(error.problems).toHaveLength(2)
  })

  it('derives retryable from the error code unless told otherwise', () => {
    expect(new SalesforceApiError('x', { errorCode: 'REQUEST_LIMIT_EXCEEDED' }).retryable).toBe(
      true,
    )
    expect(new SalesforceApiError('x', { errorCode: 'REQUIRED_FIELD_MISSING' }).retryable).toBe(
      false,
    )
    expect(
      new SalesforceApiError('x', { errorCode: 'INVALID_SESSION_ID', retryable: false }).retryable,
    ).toBe(false)
  })
})
