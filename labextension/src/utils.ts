/**
 * Pure helpers shared by the atmo-lab frontend (no widgets, so they can be
 * unit tested directly).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { PartialJSONObject } from '@lumino/coreutils';

/**
 * A value allowed in a query string; `undefined` and `null` are left out.
 */
export type QueryValue = string | number | boolean | undefined | null;

/**
 * Append a query string to `path`, URL-encoding names and values and skipping
 * parameters whose value is `undefined` or `null`.
 *
 * @param path The path, without a query string
 * @param params The query parameters, in order
 * @returns `path` or `path?name=value&…`
 */
export function withQuery(
  path: string,
  params: { [name: string]: QueryValue } = {}
): string {
  const given: PartialJSONObject = {};
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) {
      given[name] = value;
    }
  }
  return path + URLExt.objectToQueryString(given);
}

/**
 * Join URL path segments, URL-encoding each one (ids, identifiers).
 *
 * @param segments The path segments
 * @returns The encoded path, e.g. `clusters/12/extend`
 */
export function apiPath(...segments: (string | number)[]): string {
  return segments.map(s => encodeURIComponent(String(s))).join('/');
}

/**
 * The smallest refresh interval the settings schema allows, in seconds.
 */
export const MIN_REFRESH_INTERVAL = 2;

/**
 * The default refresh interval, in seconds (as in schema/plugin.json).
 */
export const DEFAULT_REFRESH_INTERVAL = 10;

/**
 * Turn the `refreshInterval` setting (seconds) into milliseconds, falling
 * back to the default for anything that is not a finite number and raising
 * values below the schema minimum to that minimum.
 *
 * @param seconds The raw setting value
 * @returns The polling interval in milliseconds
 */
export function refreshIntervalMs(seconds: unknown): number {
  const value =
    typeof seconds === 'number' && Number.isFinite(seconds)
      ? seconds
      : DEFAULT_REFRESH_INTERVAL;
  return Math.max(value, MIN_REFRESH_INTERVAL) * 1000;
}

/**
 * The human-readable message of anything thrown by a request.
 *
 * @param reason A thrown value (usually a ServerConnection.ResponseError)
 * @returns Its message
 */
export function errorMessage(reason: unknown): string {
  if (reason instanceof Error) {
    return reason.message || reason.name;
  }
  if (typeof reason === 'string') {
    return reason;
  }
  if (
    reason &&
    typeof reason === 'object' &&
    typeof (reason as { message?: unknown }).message === 'string'
  ) {
    return (reason as { message: string }).message;
  }
  return String(reason);
}

/**
 * The line logged when the frontend reached the server extension.
 *
 * @param config The user and region, from `GET atmo-lab/api/config`
 * @returns `atmo-lab: connected as <user> (region <region>)`
 */
export function connectedMessage(config: {
  user: string;
  region: string;
}): string {
  return `atmo-lab: connected as ${config.user} (region ${config.region})`;
}
