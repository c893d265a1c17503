/**
 * Unit tests for the pure helpers and the request layer of atmo-lab.
 */
import { ServerConnection } from '@jupyterlab/services';

import { getConfig, listClusters } from '../api';
import { AtmoApiError, apiUrl, requestAPI } from '../request';
import {
  apiPath,
  connectedMessage,
  errorMessage,
  refreshIntervalMs,
  withQuery
} from '../utils';

describe('withQuery', () => {
  it('returns the path unchanged without parameters', () => {
    expect(withQuery('clusters')).toBe('clusters');
    expect(withQuery('clusters', { status: undefined, owner: null })).toBe(
      'clusters'
    );
  });

  it('encodes names and values and keeps their order', () => {
    expect(withQuery('clusters', { status: 'all', owner: 'all' })).toBe(
      'clusters?status=all&owner=all'
    );
    expect(
      withQuery('jobs/identifier-available', { identifier: 'a b/&c' })
    ).toBe('jobs/identifier-available?identifier=a%20b%2F%26c');
    expect(withQuery('notifications', { unread: false })).toBe(
      'notifications?unread=false'
    );
  });
});

describe('apiPath', () => {
  it('encodes each segment', () => {
    expect(apiPath('clusters', 12, 'extend')).toBe('clusters/12/extend');
    expect(apiPath('keys', '../x')).toBe('keys/..%2Fx');
  });
});

describe('apiUrl', () => {
  it('joins base URL, namespace and endpoint', () => {
    expect(apiUrl('http://localhost:8888/', 'config')).toBe(
      'http://localhost:8888/atmo-lab/api/config'
    );
    expect(apiUrl('http://h/user/ann/', 'clusters/3/extend')).toBe(
      'http://h/user/ann/atmo-lab/api/clusters/3/extend'
    );
  });

  it('leaves the query string alone', () => {
    expect(
      apiUrl('http://h/', 'jobs/identifier-available?identifier=..%2F..%2Fx')
    ).toBe(
      'http://h/atmo-lab/api/jobs/identifier-available?identifier=..%2F..%2Fx'
    );
  });
});

describe('refreshIntervalMs', () => {
  it('converts seconds to milliseconds', () => {
    expect(refreshIntervalMs(10)).toBe(10000);
    expect(refreshIntervalMs(2.5)).toBe(2500);
  });

  it('enforces the schema minimum and falls back to the default', () => {
    expect(refreshIntervalMs(0)).toBe(2000);
    expect(refreshIntervalMs(-5)).toBe(2000);
    expect(refreshIntervalMs(undefined)).toBe(10000);
    expect(refreshIntervalMs('7')).toBe(10000);
    expect(refreshIntervalMs(Number.NaN)).toBe(10000);
  });
});

describe('messages', () => {
  it('formats the connected line', () => {
    expect(connectedMessage({ user: 'ann', region: 'us-west-2' })).toBe(
      'atmo-lab: connected as ann (region us-west-2)'
    );
  });

  it('extracts error messages', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage({ message: 'obj' })).toBe('obj');
    expect(errorMessage(42)).toBe('42');
  });
});

/**
 * Server settings whose fetch answers from `respond` and records requests.
 */
function fakeSettings(respond: (request: Request) => Response): {
  settings: ServerConnection.ISettings;
  requests: Request[];
} {
  const requests: Request[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/lab-base/',
    token: 'secret',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(String(input), init);
      requests.push(request);
      return respond(request);
    }
  });
  return { settings, requests };
}

/**
 * A request URL without the cache-busting `?<timestamp>` / `&<timestamp>`
 * that ServerConnection.makeRequest appends to GET requests.
 */
function stripCacheBuster(url: string): string {
  return url.replace(/[?&]\d+$/, '');
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

describe('requestAPI', () => {
  it('GETs below atmo-lab/api and parses JSON', async () => {
    const config = {
      user: 'ann',
      is_maintainer: false,
      region: 'eu-west-1',
      max_cluster_size: 30,
      max_cluster_lifetime: 24,
      default_cluster_lifetime: 8,
      job_executor: 'local',
      job_intervals: [24, 168, 720]
    };
    const { settings, requests } = fakeSettings(() =>
      jsonResponse(200, config)
    );
    await expect(getConfig(settings)).resolves.toEqual(config);
    expect(requests).toHaveLength(1);
    expect(requests[0].method).toBe('GET');
    expect(stripCacheBuster(requests[0].url)).toBe(
      'http://localhost:8888/lab-base/atmo-lab/api/config'
    );
    expect(requests[0].headers.get('Authorization')).toBe('token secret');
  });

  it('unwraps lists and sends query parameters', async () => {
    const { settings, requests } = fakeSettings(() =>
      jsonResponse(200, { clusters: [] })
    );
    await expect(listClusters(settings, { status: 'all' })).resolves.toEqual(
      []
    );
    expect(stripCacheBuster(requests[0].url)).toBe(
      'http://localhost:8888/lab-base/atmo-lab/api/clusters?status=all'
    );
  });

  it('throws a ResponseError carrying the JSON message and field errors', async () => {
    const { settings } = fakeSettings(() =>
      jsonResponse(400, {
        message: 'Invalid cluster',
        errors: { size: 'Must be at most 30.' }
      })
    );
    let caught: unknown;
    try {
      await requestAPI('clusters', settings, {
        method: 'POST',
        body: JSON.stringify({ size: 99 })
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ServerConnection.ResponseError);
    expect(caught).toBeInstanceOf(AtmoApiError);
    const error = caught as AtmoApiError;
    expect(error.message).toBe('Invalid cluster');
    expect(error.response.status).toBe(400);
    expect(error.errors).toEqual({ size: 'Must be at most 30.' });
  });

  it('returns undefined for an empty body', async () => {
    const { settings, requests } = fakeSettings(
      () => new Response(null, { status: 204 })
    );
    await expect(
      requestAPI<void>('keys/1', settings, { method: 'DELETE' })
    ).resolves.toBeUndefined();
    expect(requests[0].method).toBe('DELETE');
  });

  it('wraps fetch failures in a NetworkError', async () => {
    const { settings } = fakeSettings(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(requestAPI('config', settings)).rejects.toBeInstanceOf(
      ServerConnection.NetworkError
    );
  });
});

describe('atmo-lab:plugin', () => {
  /**
   * Activate the plugin against a fake app (real command registry, a shell
   * that records what is added) and wait for its config request.
   */
  async function activate(respond: (request: Request) => Response) {
    const { default: plugin } = await import('../index');
    const { CommandRegistry } = await import('@lumino/commands');
    const { settings, requests } = fakeSettings(respond);
    const added: Array<{ widget: any; area: string }> = [];
    const commands = new CommandRegistry();
    const app = {
      commands,
      serviceManager: { serverSettings: settings },
      shell: {
        add: (widget: any, area: string) => added.push({ widget, area }),
        activateById: () => undefined
      }
    } as any;
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      plugin.activate(app, null, null, null, null, null);
      for (let i = 0; i < 50 && !log.mock.calls.length; i++) {
        if (error.mock.calls.length) {
          break;
        }
        await new Promise(resolve => setTimeout(resolve, 10));
      }
      return {
        requests,
        added,
        commands,
        logged: log.mock.calls.map(args => args.join(' ')),
        errors: error.mock.calls.map(args => args.join(' '))
      };
    } finally {
      log.mockRestore();
      error.mockRestore();
      // Stop the sidebar model's polling.
      for (const { widget } of added) {
        widget.model?.dispose();
      }
    }
  }

  it('has the expected id and needs nothing', async () => {
    const { default: plugin } = await import('../index');
    expect(plugin.id).toBe('atmo-lab:plugin');
    expect(plugin.autoStart).toBe(true);
    expect(plugin.requires ?? []).toEqual([]);
  });

  it('adds the sidebar on the left and registers its commands', async () => {
    const { added, commands } = await activate(() =>
      jsonResponse(200, { user: 'ann', region: 'us-west-2' })
    );
    expect(added.map(a => [a.widget.id, a.area])).toEqual([
      ['atmo-lab-sidebar', 'left']
    ]);
    expect(added[0].widget.title.caption).toContain('atmo_lab');
    for (const id of [
      'atmo-lab:open',
      'atmo-lab:launch-cluster',
      'atmo-lab:add-key',
      'atmo-lab:schedule-notebook',
      'atmo-lab:schedule-file',
      'atmo-lab:open-output'
    ]) {
      expect(commands.hasCommand(id)).toBe(true);
    }
    expect(
      commands.label('atmo-lab:schedule-notebook', { toolbar: true })
    ).toBe('Schedule');
    // No notebook tracker: nothing to schedule.
    expect(commands.isEnabled('atmo-lab:schedule-notebook')).toBe(false);
  });

  it('logs the user and region from GET config', async () => {
    const { requests, logged, errors } = await activate(request => {
      const path = new URL(request.url).pathname;
      const lists: { [path: string]: string } = {
        '/lab-base/atmo-lab/api/notifications': 'notifications',
        '/lab-base/atmo-lab/api/releases': 'releases',
        '/lab-base/atmo-lab/api/keys': 'keys',
        '/lab-base/atmo-lab/api/clusters': 'clusters',
        '/lab-base/atmo-lab/api/jobs': 'jobs'
      };
      if (lists[path]) {
        return jsonResponse(200, { [lists[path]]: [], next_cursor: null });
      }
      return jsonResponse(200, { user: 'ann', region: 'us-west-2' });
    });
    expect(requests.map(r => stripCacheBuster(r.url))).toContain(
      'http://localhost:8888/lab-base/atmo-lab/api/config'
    );
    expect(logged).toContain('atmo-lab: connected as ann (region us-west-2)');
    expect(errors).toEqual([]);
  });

  it('logs an error with the server message when GET config fails', async () => {
    const { logged, errors } = await activate(() =>
      jsonResponse(503, { message: 'store unavailable', errors: {} })
    );
    expect(logged).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('store unavailable');
  });
});
