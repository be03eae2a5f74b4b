/**
 * Marks on the arrays `SalesforceAdapter.bulkQuery()` yields, for an adapter that hands a result
 * page over in slices (the jsforce adapter: 1 000 records at a time): every slice after a page's
 * first continues that page, so whoever counts API calls (`MeteredSalesforceAdapter`) charges one
 * call per page, not per slice. An array without the mark starts a page, as every array of an
 * adapter that yields whole pages does. @internal
 */
const CONTINUES_PAGE: unique symbol = Symbol('pgforce.continuesPage')

/** Marks `slice` as the continuation of the page before it; returns it. @internal */
export function continuingPage<T extends readonly unknown[]>(slice: T): T {
  Object.defineProperty(slice, CONTINUES_PAGE, { value: true, enumerable: false })
  return slice
}

/** Whether `slice` continues the page of the slice before it (no API call of its own). @internal */
export function continuesPage(slice: readonly unknown[]): boolean {
  return (slice as { readonly [CONTINUES_PAGE]?: boolean })[CONTINUES_PAGE] === true
}
