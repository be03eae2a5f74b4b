import type { QueryResultLike } from '../postgres/pg-pool-like.js'

/**
 * What a store module runs its statements on: the pool (each statement on its own) or the client
 * of a transaction (statements commit with the data they describe). @internal
 */
export interface Queryable {
  query<R = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryResultLike<R>>
}
