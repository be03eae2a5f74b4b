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

/** Whether `slice` continues the result page of the array before it (see {@link continuingPage}). */
export function continuesPage(slice: readonly unknown[]): boolean {
  return (slice as { readonly [CONTINUES_PAGE]?: boolean })[CONTINUES_PAGE] === true
}
