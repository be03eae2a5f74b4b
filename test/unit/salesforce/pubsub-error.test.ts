import * as grpc from '@grpc/grpc-js'
import { describe, expect, it } from 'vitest'
import { pubSubError } from '../../../src/salesforce/pubsub/pubsub-error.js'

function failure(code: grpc.status, errorCode?: string) {
  const metadata = new grpc.Metadata()
  if (errorCode) metadata.set('error-code', errorCode)
  return Object.assign(new Error('x'), { code, details: 'details rpcId: 1', metadata })
}

describe('pubSubError', () => {
  it('calls a refused replay id INVALID_REPLAY_ID, as the Streaming API source does', () => {
    for (const code of [
      'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
      'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed',
    ]) {
      const error = pubSubError(failure(grpc.status.INVALID_ARGUMENT, code), grpc)
      expect(error.errorCode).toBe('INVALID_REPLAY_ID')
      expect(error.message).toContain(code)
    }
  })

  it('calls an auth error INVALID_SESSION_ID, by status or by error code', () => {
    expect(pubSubError(failure(grpc.status.UNAUTHENTICATED), grpc).errorCode).toBe(
      'INVALID_SESSION_ID',
    )
    expect(
      pubSubError(
        failure(grpc.status.PERMISSION_DENIED, 'sfdc.platform.eventbus.grpc.service.auth.error'),
        grpc,
      ).errorCode,
    ).toBe('INVALID_SESSION_ID')
  })

  it('retries an unavailable service and a reset stream, not a wrong request', () => {
    const unavailable = pubSubError(
      failure(grpc.status.UNAVAILABLE, 'sfdc.platform.eventbus.grpc.service.unavailable'),
      grpc,
    )
    expect(unavailable.errorCode).toBe('sfdc.platform.eventbus.grpc.service.unavailable')
    expect(unavailable.retryable).toBe(true)
    const reset = pubSubError(failure(grpc.status.UNAVAILABLE), grpc)
    expect(reset.errorCode).toBe('GRPC_UNAVAILABLE')
    expect(reset.retryable).toBe(true)
    expect(pubSubError(failure(grpc.status.NOT_FOUND), grpc).retryable).toBe(false)
  })
})
