import { describe, expect, it } from 'vitest'
import { isRetryable, RetryPolicy, SalesforceApiError } from '../../../src/index.js'

describe('RetryPolicy', () => {
  it.each([
    [{ code: '40001' }, true, 'serialization failure'],
    [{ code: '57P01' }, true, 'admin shutdown'],
    [{ code: '23505' }, false, 'unique violation'],
    [{ code: 'ECONNRESET' }, true, 'socket reset'],
    [{ errorCode: 'UNABLE_TO_LOCK_ROW' }, true, 'row lock'],
    [{ errorCode: 'ERROR_HTTP_503' }, true, '503'],
    [{ errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' }, false, 'validation rule'],
    [new Error('plain'), false, 'plain error'],
    ['a string', false, 'not an object'],
  ])('%j → %s (%s)', (error, expected, _why) => {
    expect(isRetryable(error)).toBe(expected)
  })

  it('walks the cause chain', () => {
    const wrapped = new Error('pull failed', {
      cause: new Error('io', { cause: { code: 'EPIPE' } }),
    })
    expect(isRetryable(wrapped)).toBe(true)
  })

  it('survives a cause cycle', () => {
    const a: { cause?: unknown } = {}
    const b = { cause: a }
    a.cause = b
    expect(isRetryable(a)).toBe(false)
  })

  it('respects an explicit permanent flag', () => {
    const error = new SalesforceApiError('refresh impossible', {
      errorCode: 'INVALID_SESSION_ID',
      retryable: false,
    })
    expect(isRetryable(error)).toBe(false)
  })

  it('can be extended with custom codes', () => {
    const policy = new RetryPolicy({
      salesforceCodes: { APEX_BUSY: { minDelayMs: 10, maxDelayMs: 100 } },
    })
    expect(policy.isRetryable({ errorCode: 'APEX_BUSY' })).toBe(true)
    expect(isRetryable({ errorCode: 'APEX_BUSY' })).toBe(false)
  })

  it('backs off exponentially within the rule bounds', () => {
    const policy = new RetryPolicy()
    const error = { code: '40001' } // 50 ms .. 5 s
    expect(policy.delayFor(error, 1, () => 1)).toBe(50)
    expect(policy.delayFor(error, 4, () => 1)).toBe(400)
    expect(policy.delayFor(error, 30, () => 1)).toBe(5_000)
    expect(policy.delayFor(error, 4, () => 0)).toBe(50)
    expect(policy.delayFor({ code: '23505' }, 1)).toBeUndefined()
  })
})
