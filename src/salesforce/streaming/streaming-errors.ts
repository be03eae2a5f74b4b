import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { BayeuxMessage } from './cometd-http-transport.js'

/** Why a handshake failed: Salesforce's `ext.sfdc.failureReason`, else the Bayeux `error`. @internal */
export function failureReason(message: BayeuxMessage): string {
  const sfdc = message.ext?.sfdc as { failureReason?: unknown } | undefined
  return String(sfdc?.failureReason ?? message.error ?? '')
}

/** A refused handshake: 401 → `INVALID_SESSION_ID`, else retryable unless advised not to. @internal */
export function handshakeError(message: BayeuxMessage): SalesforceApiError {
  const reason = failureReason(message)
  if (reason.startsWith('401'))
    return new SalesforceApiError(`The Streaming API refused the session: ${reason}`, {
      errorCode: 'INVALID_SESSION_ID',
      statusCode: 401,
      retryable: false,
    })
  return new SalesforceApiError(`Streaming handshake failed: ${reason}`, {
    errorCode: 'STREAMING_HANDSHAKE_FAILED',
    // The server says whether trying again can help.
    retryable: message.advice?.reconnect !== 'none',
  })
}

/** A failed `/meta/connect`: a dropped client (re-handshake) or another refusal. @internal */
export function connectError(reply: BayeuxMessage | undefined): SalesforceApiError {
  const error = reply?.error ?? 'no connect reply'
  if (reply?.advice?.reconnect === 'handshake' || /Unknown client/i.test(error))
    return new SalesforceApiError(`Streaming client dropped by the server: ${error}`, {
      errorCode: 'STREAMING_CLIENT_DROPPED',
      retryable: true,
    })
  return new SalesforceApiError(`Streaming connect failed: ${error}`, {
    errorCode: 'STREAMING_ERROR',
    retryable: reply?.advice?.reconnect !== 'none',
  })
}

/** A refused subscribe: `INVALID_REPLAY_ID`, `NOT_FOUND` (both final) or `STREAMING_ERROR`. @internal */
export function subscribeError(error: string): SalesforceApiError {
  const message = error.replace(/^\d+::/, '')
  if (/replayId/i.test(error))
    return new SalesforceApiError(message, { errorCode: 'INVALID_REPLAY_ID', statusCode: 400 })
  if (/does not exist/i.test(error))
    return new SalesforceApiError(message, { errorCode: 'NOT_FOUND', statusCode: 400 })
  return new SalesforceApiError(error, { errorCode: 'STREAMING_ERROR', retryable: true })
}
