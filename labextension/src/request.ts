import { URLExt } from '@jupyterlab/coreutils';

import { ServerConnection } from '@jupyterlab/services';

/**
 * The URL namespace of the atmo_lab REST API, below the server's base URL.
 */
export const API_NAMESPACE = 'atmo-lab/api';

/**
 * The error thrown for a non-2xx answer of the atmo_lab API.
 *
 * It is a `ServerConnection.ResponseError` whose `message` is the `message`
 * of the server's JSON error body; `errors` maps each invalid input field to
 * a message a person can act on (empty when the error is not about a field).
 */
export class AtmoApiError extends ServerConnection.ResponseError {
  constructor(
    response: Response,
    message?: string,
    errors: { [field: string]: string } = {}
  ) {
    super(response, message);
    this.name = 'AtmoApiError';
    this.errors = errors;
  }

  /**
   * Field name to error message, from the body's `errors` object.
   */
  readonly errors: { [field: string]: string };
}

/**
 * Build the absolute URL of an atmo_lab REST endpoint.
 *
 * The path part of `endPoint` is joined to `baseUrl + 'atmo-lab/api/'`; an
 * optional query string (`?a=b`) is appended untouched, so that path
 * normalisation can never rewrite an encoded query value.
 *
 * @param baseUrl The Jupyter server base URL (`serverSettings.baseUrl`)
 * @param endPoint The endpoint below `atmo-lab/api`, e.g. `clusters?status=all`
 * @returns The request URL
 */
export function apiUrl(baseUrl: string, endPoint: string): string {
  const queryStart = endPoint.indexOf('?');
  const path = queryStart === -1 ? endPoint : endPoint.slice(0, queryStart);
  const query = queryStart === -1 ? '' : endPoint.slice(queryStart);
  return URLExt.join(baseUrl, API_NAMESPACE, path) + query;
}

/**
 * Call the atmo_lab server extension.
 *
 * @param endPoint API REST end point below `atmo-lab/api`
 * @param serverSettings The server settings to use for the request
 * @param init Initial values for the request
 * @returns The response body interpreted as JSON (or the raw text when the
 *   body is not JSON, and `undefined` for an empty body such as a 204)
 * @throws ServerConnection.NetworkError when the server cannot be reached
 * @throws AtmoApiError (a ServerConnection.ResponseError) on a non-2xx
 *   status; its `message` is the `message` of the server's JSON error body
 */
export async function requestAPI<T>(
  endPoint: string,
  serverSettings: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<T> {
  const requestUrl = apiUrl(serverSettings.baseUrl, endPoint);

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      requestUrl,
      init,
      serverSettings
    );
  } catch (error) {
    throw new ServerConnection.NetworkError(error as any);
  }

  const text = await response.text();
  let data: any = text.length > 0 ? text : undefined;

  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      if (response.ok) {
        console.debug('atmo-lab: not a JSON response body.', requestUrl);
      }
    }
  }

  if (!response.ok) {
    const message =
      data && typeof data === 'object' && typeof data.message === 'string'
        ? data.message
        : typeof data === 'string'
          ? data
          : undefined;
    const errors =
      data &&
      typeof data === 'object' &&
      data.errors &&
      typeof data.errors === 'object'
        ? (data.errors as { [field: string]: string })
        : {};
    throw new AtmoApiError(response, message, errors);
  }

  return data as T;
}
