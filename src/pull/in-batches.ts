/**
 * The records of `pages` regrouped in batches of `size` (the last one may be smaller), in order:
 * arrays as the adapter yields them (Bulk 2.0 result pages, or slices of them) become the batches a pull
 * writes in one transaction each. Records are copied a slice at a time, never one by one through
 * a promise. @internal
 */
export async function* inBatches<T>(
  pages: AsyncIterable<readonly T[]>,
  size: number,
): AsyncGenerator<T[]> {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`a batch holds a whole number of records, at least 1 (got ${size})`)
  let batch: T[] = []
  for await (const page of pages) {
    let from = 0
    while (from < page.length) {
      const take = Math.min(size - batch.length, page.length - from)
      if (batch.length === 0 && take === size) batch = page.slice(from, from + take)
      else for (let i = from; i < from + take; i += 1) batch.push(page[i] as T)
      from += take
      if (batch.length === size) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length > 0) yield batch
}
