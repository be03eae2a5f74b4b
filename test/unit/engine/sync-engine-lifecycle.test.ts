import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type CallBehaviour,
  type EngineCall,
  type EngineState,
  LIFECYCLE,
} from '../../../src/engine/engine-lifecycle.js'
import { useRunners } from '../../../src/engine/engine-runners.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { ConfigError } from '../../../src/index.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { FakeStore, fakeConnection, fakeRunners } from './engine-fakes.js'

const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })

// Fake timers: no engine timer (stop's deadline, upkeep, retries) fires unless a test advances
// it, so what a test sees after settle() was decided by the calls alone, not by how much wall
// time passed.
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/**
 * Lets every pending promise chain run to its end (the fakes do no I/O, so nothing else can make
 * progress): a call that is going to settle without help has settled after this.
 */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0)
}

function newEngine() {
  const fakes = fakeRunners()
  const engine = new SyncEngine({
    connection: fakeConnection(),
    mappings: [account],
    sources: [],
    store: new FakeStore(),
  })
  useRunners(engine, fakes.runners)
  return { engine, ...fakes }
}

/** Brings a fresh engine into `state`; returns a function that lets a held transition finish. */
async function engineIn(state: EngineState) {
  const fakes = newEngine()
  const { engine } = fakes
  let release = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  if (state === 'starting') {
    // plan() awaits describe: hold the start there.
    const connection = (
      engine as unknown as { options: { connection: { salesforce: { describe: unknown } } } }
    ).options.connection
    const describe = connection.salesforce.describe as (n: string) => Promise<unknown>
    connection.salesforce.describe = async (n: string) => {
      await gate
      return describe(n)
    }
    void engine.start()
  } else if (state === 'running') {
    await engine.start()
  } else if (state === 'stopping') {
    fakes.holdPulls(gate)
    const pulling = fakes.nextPullStart()
    await engine.start()
    await pulling // the startup pull is now held
    void engine.stop()
  } else if (state === 'stopped') {
    await engine.start()
    await engine.stop()
  }
  expect(engine.state).toBe(state)
  return { ...fakes, release }
}

/** What each behaviour means, observably, for each call. */
const expectations: Record<CallBehaviour, string> = {
  transition: 'changes state',
  join: 'resolves with the transition under way',
  'after-current': 'waits for the transition, then acts',
  'no-op': 'resolves at once, state unchanged',
  run: 'runs now',
}

describe('SyncEngine lifecycle (docs/spec/engine-lifecycle.md)', () => {
  const cases = Object.entries(LIFECYCLE).flatMap(([state, calls]) =>
    Object.entries(calls).map(([call, behaviour]) => [
      state as EngineState,
      call as EngineCall,
      behaviour,
    ]),
  ) as [EngineState, EngineCall, CallBehaviour][]

  it.each(cases)('in %s, %s() → %s', async (state, call, behaviour) => {
    const { engine, release, calls } = await engineIn(state)
    const states: EngineState[] = []
    engine.on('state', ({ to }) => states.push(to))
    let settled = false
    // reload() is the one call that takes an argument: the mapping to reload.
    const args = call === 'reload' ? ['Account'] : []
    const promise = (engine[call] as (...args: string[]) => Promise<unknown>).call(engine, ...args)
    void promise.then(
      () => {
        settled = true
      },
      () => {
        settled = true
      },
    )
    await settle()
    switch (behaviour) {
      case 'no-op':
        expect(settled, expectations[behaviour]).toBe(true)
        expect(engine.state).toBe(state)
        break
      case 'transition':
        expect(states.length, expectations[behaviour]).toBeGreaterThan(0)
        break
      case 'join':
      case 'after-current':
        expect(settled, expectations[behaviour]).toBe(false)
        release()
        await promise
        if (behaviour === 'after-current' && call === 'syncOnce')
          expect(calls).toContain('push:Account')
        break
      case 'run':
        release()
        await promise
        break
    }
    release()
    await promise.catch(() => {})
    await engine.stop()
  })

  it('start, stop, start again works', async () => {
    const { engine, calls } = newEngine()
    await engine.start()
    await engine.stop()
    await engine.start()
    await engine.stop()
    expect(engine.state).toBe('stopped')
    expect(calls.filter((c) => c === 'pull:Account')).toHaveLength(2)
  })

  it('stop() waits for a pull in flight', async () => {
    const { engine, holdPulls, nextPullStart, calls } = newEngine()
    let finish = () => {}
    holdPulls(
      new Promise<void>((resolve) => {
        finish = resolve
      }),
    )
    const pulling = nextPullStart()
    await engine.start()
    await pulling
    expect(calls).toContain('pull:Account')
    const stopping = engine.stop()
    await settle()
    expect(engine.state).toBe('stopping')
    expect(calls).not.toContain('pull-done:Account')
    finish()
    await stopping
    expect(calls).toContain('pull-done:Account')
    expect(engine.state).toBe('stopped')
  })

  it('concurrent start() calls share one start', async () => {
    const { engine } = newEngine()
    const states: EngineState[] = []
    engine.on('state', ({ to }) => states.push(to))
    await Promise.all([engine.start(), engine.start(), engine.start()])
    expect(states).toEqual(['starting', 'running'])
    await engine.stop()
  })

  it('pushes after a pull that kept unsent changes (a push meanwhile skipped them)', async () => {
    for (const keptUnsent of [0, 1]) {
      const fakes = fakeRunners({ keptUnsent })
      const engine = new SyncEngine({
        connection: fakeConnection(),
        mappings: [account],
        sources: [],
        store: new FakeStore(),
      })
      useRunners(engine, fakes.runners)
      await engine.start()
      await settle()
      const pushes = fakes.calls.filter((c) => c === 'push:Account').length
      // The startup push, and one more only when the pull kept unsent changes.
      expect({ keptUnsent, pushes }).toEqual({ keptUnsent, pushes: 1 + keptUnsent })
      // …and that one after the pull finished.
      if (keptUnsent > 0)
        expect(fakes.calls.lastIndexOf('push:Account')).toBeGreaterThan(
          fakes.calls.indexOf('pull-done:Account'),
        )
      await engine.stop()
    }
  })

  it('syncOnce() pulls every mapping then pushes read/write ones', async () => {
    const { engine, calls } = newEngine()
    const report = await engine.syncOnce()
    expect(calls).toEqual(['pull:Account', 'pull-done:Account', 'push:Account'])
    expect(report.pulls).toHaveLength(1)
    expect(report.pushes).toHaveLength(1)
  })

  it('refuses bad options before anything runs', () => {
    expect(
      () =>
        new SyncEngine({
          connection: {} as never,
          mappings: [
            account,
            defineMapping({ object: 'Contact', table: 'account', fields: ['LastName'] }),
          ],
          concurrency: 0,
        }),
    ).toThrow(ConfigError)
  })

  it('is disposable', async () => {
    const { engine } = newEngine()
    await engine.start()
    await engine[Symbol.asyncDispose]()
    expect(engine.state).toBe('stopped')
  })
})
