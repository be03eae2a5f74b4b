/**
 * pgforce/dashboard: the web dashboard as a request handler for the host's own server
 * (docs/guides/dashboard.md). Kept out of the `pgforce` entry so apps that do not serve it never
 * load it.
 * @packageDocumentation
 */
export type { RecentRun } from './dashboard/activity-feed.js'
export {
  createDashboard,
  type DashboardHandler,
  type DashboardOptions,
} from './dashboard/create-dashboard.js'
export type { DashboardEngine } from './dashboard/dashboard-engine.js'
