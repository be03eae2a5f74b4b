import { describe, expect, it } from 'vitest'
import { readAhead } from '../../../src/pull/read-ahead.js'

/** A source that logs when it is opened and closed, and yields `items` after `ready`. */
function source(name: string, items: number[], log: string[], ready = Promise.resolve()) {
  return () =>
    (async function* () {
      log.push(`open ${name}`)
      try {
        await ready
        for (const item of items) yield item
      } finally {
        log.push(`close ${name}`)
      }
    })()
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

describe('readAhead', () => {
  it('yields every source in order, each started while the one before is read', async () => {
    const log: string[] = []
    const items = readAhead(
      [source('a', [1, 2], log), source('b', [3], log), source('c', [4, 5], log)],
      1,
    )
    const iterator = items[Symbol.asyncIterator]()
    expect((await iterator.next()).value).toBe(1)
    // While a is read, b is already open; c is not yet.
    expect(log).toEqual(['open a', 'open b'])
    const rest: number[] = []
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value)
    expect(rest).toEqual([2, 3, 4, 5])
  })

  it('keeps source order when a later source is ready first', async () => {
    const log: string[] = []
    let release: () => void = () => {}
    const slow = new Promise<void>((resolve) => {
      release = resolve
    })
    const reading = collect(readAhead([source('a', [1], log, slow), source('b', [2], log)], 1))
    await new Promise((resolve) => setImmediate(resolve))
    release()
    expect(await reading).toEqual([1, 2])
  })

  it('runs one source at a time with nothing ahead', async () => {
    const log: string[] = []
    const iterator = readAhead([source('a', [1], log), source('b', [2], log)], 0)[
      Symbol.asyncIterator
    ]()
    await iterator.next()
    expect(log).toEqual(['open a'])
    await iterator.return(undefined)
  })

  it('closes the sources it started when the reader stops early', async () => {
    const log: string[] = []
    const sources = [source('a', [1, 2], log), source('b', [3], log), source('c', [4], log)]
    for await (const item of readAhead(sources, 1)) if (item === 1) break
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toEqual(expect.arrayContaining(['open a', 'open b', 'close a', 'close b']))
    expect(log).not.toContain('open c')
  })

  it('passes on a failing source', async () => {
    const failing = () =>
      (async function* () {
        yield 1
        throw new Error('job failed')
      })()
    await expect(collect(readAhead([failing, source('b', [2], [])], 1))).rejects.toThrow(
      'job failed',
    )
  })
})
