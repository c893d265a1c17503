/**
 * The sidebar model: polling, list reconciliation, section errors, actions.
 */
import { ServerConnection } from '@jupyterlab/services';

import { AtmoModel } from '../model';

type Handler = (
  request: Request,
  path: string,
  query: URLSearchParams
) => Response;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

const CONFIG = {
  user: 'ann',
  is_maintainer: false,
  region: 'us-west-2',
  max_cluster_size: 30,
  max_cluster_lifetime: 24,
  default_cluster_lifetime: 8,
  job_executor: 'local',
  job_intervals: [24, 168, 720]
};

const cluster = (id: number, status = 'WAITING') => ({
  id,
  identifier: `c${id}`,
  size: 1,
  lifetime_hours: 8,
  lifetime_extension_count: 0,
  ssh_key_id: 1,
  emr_release: '7.5.0',
  jobflow_id: `j-${id}`,
  status,
  status_reason: '',
  master_address: '',
  created_at: '2026-11-21T08:00:00Z',
  started_at: null,
  ready_at: null,
  finished_at: null,
  expires_at: '2026-11-21T16:00:00Z',
  is_active: true,
  is_expiring_soon: false,
  owner: 'ann',
  spark_connect_url: null,
  spark_version: null,
  ssh_tunnel: null
});

const key = (id: number, created_at: string) => ({
  id,
  title: `k${id}`,
  prefix: 'ssh-ed25519',
  fingerprint: 'aa',
  fingerprint_sha256: 'SHA256:a',
  created_at
});

/**
 * A fake atmo_lab server: `routes` answer by path (below the API base).
 */
function fakeServer(routes: { [path: string]: Handler }) {
  const requests: string[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    token: 't',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(String(input), init);
      const url = new URL(request.url);
      const path = url.pathname.replace('/atmo-lab/api/', '');
      requests.push(
        `${request.method} ${path}${url.search.replace(/[?&]\d+$/, '')}`
      );
      const handler = routes[`${request.method} ${path}`] ?? routes[path];
      if (!handler) {
        return json(404, { message: `No route ${path}`, errors: {} });
      }
      return handler(request, path, url.searchParams);
    }
  });
  return { settings, requests };
}

function defaultRoutes(state: {
  clusters: any[];
  keys: any[];
  notifications: any[];
}) {
  return {
    config: () => json(200, CONFIG),
    releases: () =>
      json(200, {
        releases: [
          {
            version: '7.5.0',
            changelog_url: '',
            help_text: '',
            is_experimental: false,
            is_deprecated: false
          }
        ]
      }),
    keys: () => json(200, { keys: state.keys, next_cursor: null }),
    clusters: () => json(200, { clusters: state.clusters, next_cursor: null }),
    jobs: () => json(200, { jobs: [], next_cursor: null }),
    notifications: () =>
      json(200, { notifications: state.notifications, next_cursor: null })
  } as { [path: string]: Handler };
}

describe('AtmoModel', () => {
  let model: AtmoModel | null = null;

  afterEach(() => {
    model?.dispose();
    model = null;
  });

  it('loads config, releases and the lists, keys newest first', async () => {
    const state = {
      clusters: [cluster(1)],
      keys: [key(1, '2026-01-01T00:00:00Z'), key(2, '2026-02-01T00:00:00Z')],
      notifications: []
    };
    const { settings, requests } = fakeServer(defaultRoutes(state));
    model = new AtmoModel({
      serverSettings: settings,
      refreshMs: 60000,
      autoStart: false
    });
    let changes = 0;
    model.changed.connect(() => changes++);
    expect(model.loading).toBe(true);
    await model.refresh();
    expect(model.loading).toBe(false);
    expect(model.config?.user).toBe('ann');
    expect(model.releases.map(r => r.version)).toEqual(['7.5.0']);
    expect(model.keys.map(k => k.id)).toEqual([2, 1]);
    expect(model.clusters.map(c => c.id)).toEqual([1]);
    expect(model.errors.jobs ?? '').toBe('');
    expect(requests).toContain('GET clusters?status=active&limit=50');
    expect(changes).toBeGreaterThan(0);

    // Nothing changed on the server: no change signal, same arrays.
    const clusters = model.clusters;
    changes = 0;
    model.visible = true;
    await model.refresh();
    expect(model.clusters).toBe(clusters);
    expect(changes).toBe(0);

    // One cluster changed: a new array, the unchanged row keeps its object.
    state.clusters = [cluster(2, 'STARTING'), cluster(1)];
    await model.refresh();
    expect(model.clusters.map(c => c.status)).toEqual(['STARTING', 'WAITING']);
    expect(model.clusters[1]).toBe(clusters[0]);
    expect(changes).toBe(1);
  });

  it('polls only notifications while the sidebar is hidden', async () => {
    const state = { clusters: [], keys: [], notifications: [] };
    const { settings, requests } = fakeServer(defaultRoutes(state));
    model = new AtmoModel({
      serverSettings: settings,
      refreshMs: 60000,
      autoStart: false
    });
    await model.refresh(); // first load: everything
    requests.length = 0;
    await model.refresh();
    expect(requests).toEqual(['GET notifications?unread=true']);
  });

  it('keeps one section error from hiding the others', async () => {
    const routes = defaultRoutes({
      clusters: [cluster(1)],
      keys: [],
      notifications: []
    });
    routes.jobs = () => json(503, { message: 'jobs are resting', errors: {} });
    const { settings } = fakeServer(routes);
    model = new AtmoModel({
      serverSettings: settings,
      refreshMs: 60000,
      autoStart: false
    });
    await model.refresh();
    expect(model.errors.jobs).toBe('jobs are resting');
    expect(model.clusters).toHaveLength(1);
    expect(model.errors.clusters ?? '').toBe('');
  });

  it('reports an unreachable server and recovers', async () => {
    let down = true;
    const routes = defaultRoutes({ clusters: [], keys: [], notifications: [] });
    const guarded: { [path: string]: Handler } = {};
    for (const [path, handler] of Object.entries(routes)) {
      guarded[path] = (r, p, q) => {
        if (down) {
          throw new TypeError('Failed to fetch');
        }
        return handler(r, p, q);
      };
    }
    const { settings } = fakeServer(guarded);
    model = new AtmoModel({
      serverSettings: settings,
      refreshMs: 60000,
      autoStart: false
    });
    await model.refresh();
    expect(model.errors.connection).toContain('Failed to fetch');
    expect(model.config).toBeNull();
    down = false;
    await model.refresh();
    expect(model.errors.connection ?? '').toBe('');
    expect(model.config?.region).toBe('us-west-2');
  });

  it('hands out unread notifications', async () => {
    const note = {
      id: 4,
      kind: 'cluster_expiring',
      subject: '[atmo_lab] Cluster c1 expires in 1 h',
      body: '',
      created_at: '2026-11-21T10:00:00Z',
      read: false,
      object: { type: 'cluster', id: 1 }
    };
    const { settings } = fakeServer(
      defaultRoutes({ clusters: [], keys: [], notifications: [note] })
    );
    model = new AtmoModel({
      serverSettings: settings,
      refreshMs: 60000,
      autoStart: false
    });
    const seen: number[][] = [];
    model.notificationsFetched.connect((_, items) =>
      seen.push(items.map(n => n.id as number))
    );
    await model.refresh();
    expect(seen).toEqual([[4]]);
  });

  it('applies action answers at once and refetches on a filter change', async () => {
    const state = {
      clusters: [cluster(1)],
      keys: [key(1, '2026-01-01T00:00:00Z')],
      notifications: []
    };
    const routes = defaultRoutes(state);
    routes['POST clusters'] = () => json(201, cluster(7, 'STARTING'));
    routes['POST clusters/1/extend'] = () =>
      json(200, { ...cluster(1), lifetime_extension_count: 1 });
    routes['DELETE keys/1'] = () => new Response(null, { status: 204 });
    const { settings, requests } = fakeServer(routes);
    model = new AtmoModel({
      serverSettings: settings,
      refreshMs: 60000,
      autoStart: false
    });
    await model.refresh();

    await model.launchCluster({ size: 1, ssh_key_id: 1 });
    expect(model.clusters.map(c => c.id)).toEqual([7, 1]);
    await model.extendCluster(1, 2);
    expect(model.clusters.find(c => c.id === 1)?.lifetime_extension_count).toBe(
      1
    );
    await model.deleteKey(1);
    expect(model.keys).toEqual([]);

    model.setClusterFilter('failed');
    expect(model.clusters).toEqual([]);
    model.visible = true;
    await model.refresh();
    expect(requests).toContain('GET clusters?status=failed&limit=50');
  });

  it("keeps the server's count of a list longer than a page", async () => {
    const routes = defaultRoutes({ clusters: [], keys: [], notifications: [] });
    routes.clusters = () =>
      json(200, {
        clusters: [cluster(1), cluster(2)],
        next_cursor: '1',
        total: 1000
      });
    const { settings } = fakeServer(routes);
    model = new AtmoModel({
      serverSettings: settings,
      refreshMs: 60000,
      autoStart: false
    });
    model.visible = true;
    await model.refresh();
    expect(model.moreClusters).toBe(true);
    expect(model.clusterTotal).toBe(1000);
    expect(model.jobTotal).toBeNull(); // a reply without total
  });

  describe("everyone's view", () => {
    const job = (id: number, owner: string) => ({
      id,
      identifier: `j${id}`,
      owner,
      latest_run: null
    });

    /** A server whose lists hold bob's rows too when asked for `owner=all`. */
    function everyoneServer(isMaintainer: boolean) {
      const routes = defaultRoutes({
        clusters: [],
        keys: [],
        notifications: []
      });
      routes.config = () =>
        json(200, { ...CONFIG, is_maintainer: isMaintainer });
      routes.clusters = (_, __, query) =>
        json(200, {
          clusters:
            query.get('owner') === 'all'
              ? [{ ...cluster(2), owner: 'bob' }, cluster(1)]
              : [cluster(1)],
          next_cursor: null
        });
      routes.jobs = (_, __, query) =>
        json(200, {
          jobs:
            query.get('owner') === 'all'
              ? [job(4, 'bob'), job(3, 'ann')]
              : [job(3, 'ann')],
          next_cursor: null
        });
      return fakeServer(routes);
    }

    it('is off by default, also for a maintainer', async () => {
      const { settings, requests } = everyoneServer(true);
      model = new AtmoModel({
        serverSettings: settings,
        refreshMs: 60000,
        autoStart: false
      });
      expect(model.canShowEveryone).toBe(false); // no config yet
      await model.refresh();
      expect(model.canShowEveryone).toBe(true);
      expect(model.showEveryone).toBe(false);
      expect(model.clusters.map(c => c.owner)).toEqual(['ann']);
      expect(requests).toContain('GET clusters?status=active&limit=50');
      expect(requests).toContain('GET jobs?limit=50');
      expect(requests.filter(r => r.includes('owner='))).toEqual([]);
    });

    it('cannot be turned on by a non-maintainer', async () => {
      const { settings, requests } = everyoneServer(false);
      model = new AtmoModel({
        serverSettings: settings,
        refreshMs: 60000,
        autoStart: false
      });
      const seen: boolean[] = [];
      model.showEveryoneChanged.connect((_, value) => seen.push(value));
      model.visible = true;
      await model.refresh();
      model.setShowEveryone(true);
      await model.refresh();
      expect(model.canShowEveryone).toBe(false);
      expect(model.showEveryone).toBe(false);
      expect(seen).toEqual([]);
      expect(model.jobs.map(j => j.owner)).toEqual(['ann']);
      expect(requests.filter(r => r.includes('owner='))).toEqual([]);
    });

    it('refetches with owner=all when toggled, pages included', async () => {
      const { settings, requests } = everyoneServer(true);
      model = new AtmoModel({
        serverSettings: settings,
        refreshMs: 60000,
        autoStart: false
      });
      const seen: boolean[] = [];
      model.showEveryoneChanged.connect((_, value) => seen.push(value));
      model.visible = true;
      await model.refresh();
      requests.length = 0;

      model.setShowEveryone(true);
      expect(seen).toEqual([true]);
      expect(model.showEveryone).toBe(true);
      expect(model.clusters).toEqual([]); // the caller's rows are not kept
      await model.refresh();
      expect(requests).toContain(
        'GET clusters?status=active&owner=all&limit=50'
      );
      expect(requests).toContain('GET jobs?owner=all&limit=50');
      expect(model.clusters.map(c => c.owner)).toEqual(['bob', 'ann']);
      expect(model.jobs.map(j => j.owner)).toEqual(['bob', 'ann']);

      // "Show more" and polling keep asking for everyone's.
      requests.length = 0;
      model.showMore('jobs');
      await model.refresh();
      expect(requests).toContain('GET jobs?owner=all&limit=100');
      expect(requests).toContain(
        'GET clusters?status=active&owner=all&limit=50'
      );

      requests.length = 0;
      model.setShowEveryone(false);
      await model.refresh();
      expect(seen).toEqual([true, false]);
      expect(requests).toContain('GET jobs?limit=50');
      expect(requests.filter(r => r.includes('owner='))).toEqual([]);
      expect(model.jobs.map(j => j.owner)).toEqual(['ann']);
    });

    it('applies a choice made before the config arrived', async () => {
      const { settings, requests } = everyoneServer(true);
      model = new AtmoModel({
        serverSettings: settings,
        refreshMs: 60000,
        autoStart: false
      });
      model.setShowEveryone(true); // the setting, loaded first
      expect(model.showEveryone).toBe(false);
      await model.refresh();
      expect(model.showEveryone).toBe(true);
      expect(model.clusters.map(c => c.owner)).toEqual(['bob', 'ann']);
      expect(requests.filter(r => r.startsWith('GET clusters'))).toEqual([
        'GET clusters?status=active&owner=all&limit=50'
      ]);
    });
  });

  it('finds the job of a run', async () => {
    const routes = defaultRoutes({ clusters: [], keys: [], notifications: [] });
    routes.jobs = () =>
      json(200, {
        jobs: [
          { id: 3, identifier: 'j', latest_run: { id: 30, status: 'RUNNING' } }
        ],
        next_cursor: null
      });
    const { settings } = fakeServer(routes);
    model = new AtmoModel({
      serverSettings: settings,
      refreshMs: 60000,
      autoStart: false
    });
    await model.refresh();
    expect(model.jobOfRun(30)).toBe(3);
    expect(model.jobOfRun(31)).toBeNull();
  });
});
