import type * as Grpc from '@grpc/grpc-js'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'

/**
 * A Pub/Sub API failure as a `SalesforceApiError` (docs/guides/change-sources.md, "Pub/Sub API"):
 * a refused replay id (`…replayid.corrupted` / `…replayid.validation.failed`) is
 * `INVALID_REPLAY_ID`, as the Streaming API's is; an auth error (UNAUTHENTICATED or
 * `…service.auth.error`) is `INVALID_SESSION_ID`; anything else keeps Salesforce's `error-code`
 * trailer (or `GRPC_<STATUS>`) and is retryable unless the request itself was wrong. @internal
 */
export function pubSubError(error: unknown, grpc: typeof Grpc): SalesforceApiError {
  if (error instanceof SalesforceApiError) return error
  const failure = error as Partial<Grpc.ServiceError>
  const trailer = failure.metadata?.get('error-code')[0]
  const code = trailer === undefined ? undefined : String(trailer)
  const statusName = grpc.status[failure.code ?? grpc.status.UNKNOWN] ?? 'UNKNOWN'
  const message = `Pub/Sub API: ${failure.details ?? failure.message ?? String(error)}${code ? ` (${code})` : ''}`
  if (code && /replayid/i.test(code))
    return new SalesforceApiError(message, {
      errorCode: 'INVALID_REPLAY_ID',
      statusCode: 400,
      cause: error,
    })
  if (failure.code === grpc.status.UNAUTHENTICATED || (code && /auth\.error/i.test(code)))
    return new SalesforceApiError(message, {
      errorCode: 'INVALID_SESSION_ID',
      statusCode: 401,
      retryable: true,
      cause: error,
    })
  const final =
    failure.code === grpc.status.INVALID_ARGUMENT ||
    failure.code === grpc.status.NOT_FOUND ||
    failure.code === grpc.status.PERMISSION_DENIED ||
    failure.code === grpc.status.UNIMPLEMENTED
  return new SalesforceApiError(message, {
    errorCode: code ?? `GRPC_${statusName}`,
    retryable: !final,
    cause: error,
  })
}
