/**
 * Marks on the arrays `SalesforceAdapter.bulkQuery()` yields, for an adapter that hands a result
 * page over in slices (the jsforce adapter: 1 000 records at a time): every slice after a page's
 * first continues that page, so the engine's API meter charges one call per page, not per slice.
 * An array without the mark starts a page, as every array of an adapter that yields whole pages
 * does. A wrapper around an adapter passes the arrays through as they are, or marks its copies
 * again (`continuesPage(slice) ? continuingPage(copy) : copy`).
 */
const CONTINUES_PAGE: unique symbol = Symbol.for('pgforce.continuesPage')

/**
 * Marks `slice` (an array `bulkQuery()` yields) as continuing the result page of the array
 * before it: it cost no API call of its own. Returns `slice`.
 */
export function continuingPage<T extends readonly unknown[]>(slice: T): T {
  Object.defineProperty(slice, CONTINUES_PAGE, { value: true, enumerable: false })
  return slice
}

/**
 * Marks the first array of a Bulk 2.0 query job with the status polls it took beyond the one a
 * query is charged up front: a real org answers `InProgress` for as long as the job runs, one
 * call each. @internal
 */
export function afterPolls<T extends readonly unknown[]>(slice: T, extraPolls: number): T {
  if (extraPolls > 0) Object.defineProperty(slice, EXTRA_POLLS, { value: extraPolls })
  return slice
}

/** The status polls `slice` was marked with by {@link afterPolls}; 0 when none. @internal */
export function extraPollsOf(slice: readonly unknown[]): number {
  return (slice as { readonly [EXTRA_POLLS]?: number })[EXTRA_POLLS] ?? 0
}

const EXTRA_POLLS: unique symbol = Symbol.for('pgforce.extraPolls')

/** Whether `slice` continues the result page of the array before it (see {@link continuingPage}). */
export function continuesPage(slice: readonly unknown[]): boolean {
  return (slice as { readonly [CONTINUES_PAGE]?: boolean })[CONTINUES_PAGE] === true
}
