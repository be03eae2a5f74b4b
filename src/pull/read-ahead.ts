/**
 * The items of `sources`, one source after the other, with the next `ahead` sources already
 * started: once a source gave its first item, the next ones are opened and asked for theirs while
 * it is read, so the time a source takes to start (a Bulk 2.0 job being created and processed by
 * Salesforce) overlaps reading and applying the one before. At most `ahead + 1` sources run at a time; their
 * items still come in source order. When the reader stops early (an error, an abort), sources
 * started and not finished are closed. @internal
 */
export async function* readAhead<T>(
  sources: readonly (() => AsyncIterable<T>)[],
  ahead: number,
): AsyncGenerator<T> {
  const started: (Started<T> | undefined)[] = []
  const start = (index: number) => {
    const source = sources[index]
    if (!source || started[index]) return
    const iterator = source()[Symbol.asyncIterator]()
    const first = iterator.next()
    first.catch(() => {}) // awaited when its turn comes; not unhandled if the reader stops first
    started[index] = { iterator, first }
  }
  try {
    for (let current = 0; current < sources.length; current += 1) {
      start(current)
      const running = started[current] as Started<T>
      let result = await running.first
      // The next sources start once this one answered: they do not compete with its start.
      for (let k = current + 1; k <= current + Math.max(0, ahead); k += 1) start(k)
      while (!result.done) {
        yield result.value
        result = await running.iterator.next()
      }
      started[current] = undefined
    }
  } finally {
    for (const running of started) void running?.iterator.return?.()?.catch(() => {})
  }
}

interface Started<T> {
  readonly iterator: AsyncIterator<T>
  readonly first: Promise<IteratorResult<T>>
}
