import { describe, expect, it } from 'vitest'
import { inBatches } from '../../../src/pull/in-batches.js'

async function* pagesOf(...sizes: number[]): AsyncGenerator<readonly number[]> {
  let next = 0
  for (const size of sizes) {
    yield Array.from({ length: size }, () => next++)
  }
}

async function sizes(pages: AsyncIterable<readonly number[]>, size: number) {
  const out: number[][] = []
  for await (const batch of inBatches(pages, size)) out.push(batch)
  return out
}

describe('inBatches', () => {
  it('regroups pages of any size into batches of `size`, in order, the last one smaller', async () => {
    const batches = await sizes(pagesOf(10, 3, 0, 8), 5)
    expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 1])
    expect(batches.flat()).toEqual(Array.from({ length: 21 }, (_, i) => i))
  })

  it('gives nothing for no records, and whole pages that fit a batch exactly', async () => {
    expect(await sizes(pagesOf(), 5)).toEqual([])
    expect(await sizes(pagesOf(0, 0), 5)).toEqual([])
    expect((await sizes(pagesOf(5, 5), 5)).map((b) => b.length)).toEqual([5, 5])
  })

  it('never hands out an array it keeps filling (a batch is the caller’s to keep)', async () => {
    const batches = await sizes(pagesOf(7, 7), 5)
    expect(batches.map((b) => b.length)).toEqual([5, 5, 4])
    expect(batches.flat()).toEqual(Array.from({ length: 14 }, (_, i) => i))
  })

  it('refuses a batch size that is not a whole number of records (it would never fill)', async () => {
    for (const size of [0, -1, 2.5, Number.NaN])
      await expect(sizes(pagesOf(3), size)).rejects.toThrow(RangeError)
  })
})
