/**
 * How a part of the engine reports what happens: one function that takes an event name and its
 * payload, typed by an event map (`{ 'load:started': [event: …] }`). The engine hands each part
 * the one `emit` of its `SyncEngine`, narrowed to the events that part may raise, so adding an
 * event touches the map and the place that raises it, nothing in between.
 */
export type Emit<Events extends { [Name in keyof Events]: unknown[] }> = <
  Name extends keyof Events & string,
>(
  name: Name,
  ...payload: Events[Name]
) => void
