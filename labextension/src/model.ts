/**
 * The sidebar's state: what the server said last, refreshed by a Lumino
 * `Poll` (standby while the page is hidden, backoff while the server is
 * unreachable), and the actions that change it.
 *
 * Views subscribe to `changed`; every action updates the state from the
 * server's answer at once and then asks for a refresh, so nobody has to
 * reload anything by hand.
 */
import { ServerConnection } from '@jupyterlab/services';
import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ClusterStatusFilter,
  ICluster,
  IIdentifierAvailability,
  INotebookFacts,
  ISchedulePreview,
  ISchedulePreviewQuery,
  IConfig,
  IJob,
  IJobPatch,
  IJobResults,
  INewCluster,
  INewJob,
  INewSSHKey,
  INotification,
  IRelease,
  IRun,
  ISSHKey,
  ObjectId,
  checkJobIdentifier,
  notebookFacts,
  previewSchedule,
  createCluster,
  createJob,
  createKey,
  deleteJob,
  deleteKey,
  extendCluster,
  getConfig,
  getJobResults,
  listClustersPage,
  listJobsPage,
  listKeys,
  listNotifications,
  listReleases,
  listRuns,
  markNotificationRead,
  resizeCluster,
  runJob,
  suggestClusterIdentifier,
  terminateCluster,
  updateJob
} from './api';
import { DOMAIN } from './format';
import { sortKeysNewestFirst } from './forms';
import { reconcile, upsert, without } from './state';
import { errorMessage } from './utils';

/**
 * The sections of the sidebar.
 */
export type Section = 'clusters' | 'jobs' | 'keys';

/**
 * A request to show something in the sidebar.
 */
export interface IRevealRequest {
  section: Section;
  /** the cluster or job to expand and focus */
  id?: ObjectId;
}

/**
 * How many rows a list shows at first, and how many more "Show more" adds.
 */
export const PAGE_STEP = 50;

/**
 * The longest wait between polls while the server cannot be reached.
 */
const MAX_BACKOFF_MS = 5 * 60 * 1000;

/**
 * Whether an error means the server could not be reached at all.
 */
function isNetworkError(reason: unknown): boolean {
  return reason instanceof ServerConnection.NetworkError;
}

/**
 * The model behind the atmo_lab sidebar and the notifications.
 */
export class AtmoModel implements IDisposable {
  constructor(options: AtmoModel.IOptions) {
    this.serverSettings = options.serverSettings;
    this.trans = (options.translator ?? nullTranslator).load(DOMAIN);
    this._poll = new Poll({
      auto: options.autoStart ?? true,
      factory: () => this._tick(),
      frequency: {
        interval: options.refreshMs,
        backoff: true,
        max: MAX_BACKOFF_MS
      },
      name: 'atmo-lab:model',
      standby: 'when-hidden'
    });
  }

  /**
   * The server the model talks to.
   */
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * The atmo_lab strings of the user's language.
   */
  readonly trans: TranslationBundle;

  /**
   * Emitted whenever anything shown changed.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Emitted with the unread notifications of each poll.
   */
  get notificationsFetched(): ISignal<this, INotification[]> {
    return this._notificationsFetched;
  }

  /**
   * Emitted when something asks the sidebar to show a section or object.
   */
  get revealRequested(): ISignal<this, IRevealRequest> {
    return this._revealRequested;
  }

  /**
   * Emitted with the new value when `showEveryone` changes.
   */
  get showEveryoneChanged(): ISignal<this, boolean> {
    return this._showEveryoneChanged;
  }

  /**
   * Whether the caller may list everyone's clusters and jobs (a maintainer;
   * false until the config is known).
   */
  get canShowEveryone(): boolean {
    return this._config?.is_maintainer === true;
  }

  /**
   * Whether the lists hold everyone's clusters and jobs (`owner=all`), not
   * only the caller's. Always false for a non-maintainer.
   */
  get showEveryone(): boolean {
    return this._everyoneWanted && this.canShowEveryone;
  }

  get config(): IConfig | null {
    return this._config;
  }

  get releases(): ReadonlyArray<IRelease> {
    return this._releases;
  }

  /**
   * The caller's keys, newest first.
   */
  get keys(): ReadonlyArray<ISSHKey> {
    return this._keys;
  }

  get clusters(): ReadonlyArray<ICluster> {
    return this._clusters;
  }

  get jobs(): ReadonlyArray<IJob> {
    return this._jobs;
  }

  get clusterFilter(): ClusterStatusFilter {
    return this._clusterFilter;
  }

  /**
   * Whether more clusters / jobs exist than are shown.
   */
  get moreClusters(): boolean {
    return this._moreClusters;
  }

  get moreJobs(): boolean {
    return this._moreJobs;
  }

  /**
   * How many clusters (of the current filter) / jobs the server holds, or
   * null before the first answer.
   */
  get clusterTotal(): number | null {
    return this._clusterTotal;
  }

  get jobTotal(): number | null {
    return this._jobTotal;
  }

  /**
   * The section errors of the last refresh ('' when it worked).
   */
  get errors(): Readonly<{ [part: string]: string }> {
    return this._errors;
  }

  /**
   * When the lists were last fetched (ms), 0 before the first time.
   */
  get updatedAt(): number {
    return this._updatedAt;
  }

  /**
   * Whether the first load is still running.
   */
  get loading(): boolean {
    return this._updatedAt === 0 && !this._errors.connection;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Whether the sidebar is visible: lists are polled only then, unread
   * notifications always.
   */
  set visible(value: boolean) {
    if (value === this._visible) {
      return;
    }
    this._visible = value;
    if (value) {
      void this.refresh();
    }
  }

  get visible(): boolean {
    return this._visible;
  }

  /**
   * The polling interval in milliseconds.
   */
  set refreshMs(ms: number) {
    this._poll.frequency = { ...this._poll.frequency, interval: ms };
  }

  /**
   * Fetch everything now (the returned promise settles after the fetch).
   */
  async refresh(): Promise<void> {
    await this._poll.refresh();
    await this._poll.tick;
  }

  /**
   * Show another cluster filter (and fetch it).
   */
  setClusterFilter(filter: ClusterStatusFilter): void {
    if (filter === this._clusterFilter) {
      return;
    }
    this._clusterFilter = filter;
    this._clusterLimit = PAGE_STEP;
    this._clusters = [];
    this._clusterTotal = null;
    this._changed.emit();
    void this.refresh();
  }

  /**
   * List everyone's clusters and jobs, or the caller's only (and fetch
   * them). Asked before the config is known, it applies once the server
   * says the caller is a maintainer; for anyone else it changes nothing.
   */
  setShowEveryone(value: boolean): void {
    const before = this.showEveryone;
    this._everyoneWanted = value;
    this._everyoneChanged(before);
  }

  /**
   * Show more rows of the clusters or jobs list.
   */
  showMore(list: 'clusters' | 'jobs'): void {
    if (list === 'clusters') {
      this._clusterLimit += PAGE_STEP;
    } else {
      this._jobLimit += PAGE_STEP;
    }
    void this.refresh();
  }

  /**
   * Ask the sidebar to show a section, and optionally one object in it.
   */
  reveal(request: IRevealRequest): void {
    this._revealRequested.emit(request);
  }

  // ------------------------------------------------------------ job details

  /**
   * The runs of a job, newest first, if fetched.
   */
  runsOf(jobId: ObjectId): ReadonlyArray<IRun> | undefined {
    return this._runs.get(String(jobId));
  }

  /**
   * The result files of a job, if fetched.
   */
  resultsOf(jobId: ObjectId): IJobResults | undefined {
    return this._results.get(String(jobId));
  }

  /**
   * Keep a job's runs and results fresh while its details are open.
   */
  watchJob(jobId: ObjectId, watch: boolean): void {
    const key = String(jobId);
    if (watch) {
      this._watchedJobs.add(key);
      void this._loadJobDetails(key);
    } else {
      this._watchedJobs.delete(key);
    }
  }

  /**
   * Fetch a job's runs and results now.
   */
  async loadJobDetails(jobId: ObjectId): Promise<void> {
    await this._loadJobDetails(String(jobId));
  }

  /**
   * The job whose latest run (or a fetched run) has this id.
   */
  jobOfRun(runId: ObjectId): ObjectId | null {
    const key = String(runId);
    for (const job of this._jobs) {
      if (job.latest_run && String(job.latest_run.id) === key) {
        return job.id;
      }
    }
    for (const [jobId, runs] of this._runs) {
      if (runs.some(r => String(r.id) === key)) {
        const job = this._jobs.find(j => String(j.id) === jobId);
        return job ? job.id : jobId;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- actions

  /**
   * A free cluster identifier from the server.
   */
  suggestClusterIdentifier(): Promise<string> {
    return suggestClusterIdentifier(this.serverSettings);
  }

  /**
   * Whether a job identifier is valid and free.
   */
  checkJobIdentifier(identifier: string): Promise<IIdentifierAvailability> {
    return checkJobIdentifier(this.serverSettings, identifier);
  }

  previewSchedule(query: ISchedulePreviewQuery): Promise<ISchedulePreview> {
    return previewSchedule(this.serverSettings, query);
  }

  notebookFacts(notebookPath: string): Promise<INotebookFacts> {
    return notebookFacts(this.serverSettings, notebookPath);
  }

  async launchCluster(body: INewCluster): Promise<ICluster> {
    const cluster = await createCluster(this.serverSettings, body);
    if (this._clusterFilter === 'active' || this._clusterFilter === 'all') {
      this._clusters = upsert(this._clusters, cluster);
    }
    this._afterAction();
    return cluster;
  }

  async extendCluster(id: ObjectId, hours: number): Promise<ICluster> {
    return this._clusterAction(extendCluster(this.serverSettings, id, hours));
  }

  async resizeCluster(id: ObjectId, size: number): Promise<ICluster> {
    return this._clusterAction(resizeCluster(this.serverSettings, id, size));
  }

  async terminateCluster(id: ObjectId): Promise<ICluster> {
    return this._clusterAction(terminateCluster(this.serverSettings, id));
  }

  async addKey(key: INewSSHKey): Promise<ISSHKey> {
    const created = await createKey(this.serverSettings, key);
    this._keys = sortKeysNewestFirst(upsert(this._keys, created));
    this._afterAction();
    return created;
  }

  async deleteKey(id: ObjectId): Promise<void> {
    await deleteKey(this.serverSettings, id);
    this._keys = without(this._keys, id);
    this._afterAction();
  }

  async createJob(body: INewJob): Promise<IJob> {
    const job = await createJob(this.serverSettings, body);
    this._jobs = upsert(this._jobs, job);
    this._afterAction();
    return job;
  }

  async updateJob(id: ObjectId, changes: IJobPatch): Promise<IJob> {
    const job = await updateJob(this.serverSettings, id, changes);
    this._jobs = upsert(this._jobs, job);
    this._afterAction();
    return job;
  }

  async deleteJob(id: ObjectId): Promise<void> {
    await deleteJob(this.serverSettings, id);
    this._jobs = without(this._jobs, id);
    this._runs.delete(String(id));
    this._results.delete(String(id));
    this._watchedJobs.delete(String(id));
    this._afterAction();
  }

  async runJob(id: ObjectId): Promise<IRun> {
    const run = await runJob(this.serverSettings, id);
    const key = String(id);
    this._runs.set(key, upsert(this._runs.get(key) ?? [], run));
    const job = this._jobs.find(j => String(j.id) === key);
    if (job) {
      this._jobs = upsert(this._jobs, { ...job, latest_run: run });
    }
    this._afterAction();
    return run;
  }

  /**
   * Mark a server notification read.
   */
  async markRead(id: ObjectId): Promise<void> {
    await markNotificationRead(this.serverSettings, id);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  // -------------------------------------------------------------- internals

  /**
   * After `showEveryone` may have changed from `before`: start the lists
   * afresh (the other owners' rows must not linger) and fetch them.
   */
  private _everyoneChanged(before: boolean): void {
    const now = this.showEveryone;
    if (now === before) {
      return;
    }
    this._clusterLimit = PAGE_STEP;
    this._jobLimit = PAGE_STEP;
    this._clusters = [];
    this._jobs = [];
    this._clusterTotal = null;
    this._jobTotal = null;
    this._moreClusters = false;
    this._moreJobs = false;
    this._showEveryoneChanged.emit(now);
    this._changed.emit();
    void this.refresh();
  }

  private async _clusterAction(request: Promise<ICluster>): Promise<ICluster> {
    const cluster = await request;
    this._clusters = upsert(this._clusters, cluster);
    this._afterAction();
    return cluster;
  }

  private _afterAction(): void {
    this._changed.emit();
    void this.refresh();
  }

  private _setError(part: string, reason: unknown): void {
    const message = reason === null ? '' : errorMessage(reason);
    if ((this._errors[part] ?? '') !== message) {
      this._errors = { ...this._errors, [part]: message };
      this._dirty = true;
    }
  }

  private async _tick(): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    this._dirty = false;
    const notifications = listNotifications(this.serverSettings, {
      unread: true
    });
    const parts: Promise<void>[] = [
      notifications.then(
        items => {
          this._setError('notifications', null);
          this._notificationsFetched.emit(items);
        },
        reason => this._setError('notifications', reason)
      )
    ];
    if (!this._config) {
      // Whether the lists are everyone's depends on the caller's role.
      if (this._everyoneWanted) {
        await this._loadConfig();
      } else {
        parts.push(this._loadConfig());
      }
    }
    if (this._visible || this._updatedAt === 0) {
      // Fetched again when the owner setting changed meanwhile (the role
      // arrived with the config, or the switch was flipped).
      parts.push(
        this._loadLists().then(async fresh => {
          if (!fresh) {
            await this._loadLists();
          }
        })
      );
    }
    for (const key of this._watchedJobs) {
      parts.push(this._loadJobDetails(key, false));
    }
    await Promise.all(parts);
    if (this._dirty) {
      this._changed.emit();
    }
    // Let the poll back off when the server cannot be reached at all.
    const connection = await notifications.then(
      () => null,
      (reason: unknown) => reason
    );
    if (connection !== null && isNetworkError(connection)) {
      this._setError('connection', connection);
      this._changed.emit();
      throw connection;
    }
    if (this._errors.connection) {
      this._setError('connection', null);
      this._changed.emit();
    }
  }

  private async _loadConfig(): Promise<void> {
    try {
      const [config, releases] = await Promise.all([
        getConfig(this.serverSettings),
        listReleases(this.serverSettings)
      ]);
      const before = this.showEveryone;
      this._config = config;
      if (this.showEveryone !== before) {
        this._showEveryoneChanged.emit(this.showEveryone);
      }
      this._releases = releases;
      this._setError('config', null);
      this._dirty = true;
    } catch (reason) {
      this._setError('config', reason);
    }
  }

  /**
   * Fetch the lists; false when the owner setting changed while they were
   * fetched (and so the clusters and jobs were dropped).
   */
  private async _loadLists(): Promise<boolean> {
    const filter = this._clusterFilter;
    const everyone = this.showEveryone;
    const owner = everyone ? 'all' : undefined;
    const [clusters, keys, jobs] = await Promise.allSettled([
      listClustersPage(this.serverSettings, {
        status: filter,
        owner,
        limit: this._clusterLimit
      }),
      listKeys(this.serverSettings),
      listJobsPage(this.serverSettings, { owner, limit: this._jobLimit })
    ]);
    // A filter or owner change while these requests ran: their answers are stale.
    const current = everyone === this.showEveryone;
    if (clusters.status === 'fulfilled') {
      if (current && filter === this._clusterFilter) {
        this._clusters = this._reconciled(this._clusters, clusters.value.items);
        if (this._moreClusters !== (clusters.value.next_cursor !== null)) {
          this._moreClusters = clusters.value.next_cursor !== null;
          this._dirty = true;
        }
        if (this._clusterTotal !== clusters.value.total) {
          this._clusterTotal = clusters.value.total;
          this._dirty = true;
        }
      }
      this._setError('clusters', null);
    } else {
      this._setError('clusters', clusters.reason);
    }
    if (keys.status === 'fulfilled') {
      this._keys = this._reconciled(
        this._keys,
        sortKeysNewestFirst(keys.value)
      );
      this._setError('keys', null);
    } else {
      this._setError('keys', keys.reason);
    }
    if (jobs.status === 'fulfilled') {
      if (current) {
        this._jobs = this._reconciled(this._jobs, jobs.value.items);
        if (this._moreJobs !== (jobs.value.next_cursor !== null)) {
          this._moreJobs = jobs.value.next_cursor !== null;
          this._dirty = true;
        }
        if (this._jobTotal !== jobs.value.total) {
          this._jobTotal = jobs.value.total;
          this._dirty = true;
        }
      }
      this._setError('jobs', null);
    } else {
      this._setError('jobs', jobs.reason);
    }
    if (this._updatedAt === 0) {
      this._dirty = true; // no longer loading
    }
    this._updatedAt = Date.now();
    return current;
  }

  private _reconciled<T extends { id: ObjectId }>(
    current: ReadonlyArray<T>,
    fresh: ReadonlyArray<T>
  ): ReadonlyArray<T> {
    const next = reconcile(current, fresh);
    if (next !== current) {
      this._dirty = true;
    }
    return next;
  }

  private async _loadJobDetails(key: string, emit = true): Promise<void> {
    const [runs, results] = await Promise.allSettled([
      listRuns(this.serverSettings, key),
      getJobResults(this.serverSettings, key)
    ]);
    let changed = false;
    if (runs.status === 'fulfilled') {
      const next = reconcile(this._runs.get(key) ?? [], runs.value);
      if (next !== this._runs.get(key)) {
        this._runs.set(key, next);
        changed = true;
      }
      this._setError(`runs:${key}`, null);
    } else {
      this._setError(`runs:${key}`, runs.reason);
    }
    if (results.status === 'fulfilled') {
      const old = this._results.get(key);
      if (JSON.stringify(old) !== JSON.stringify(results.value)) {
        this._results.set(key, results.value);
        changed = true;
      }
      this._setError(`results:${key}`, null);
    } else {
      this._setError(`results:${key}`, results.reason);
    }
    if (changed) {
      this._dirty = true;
    }
    if (emit && (changed || this._dirty)) {
      this._changed.emit();
    }
  }

  private _changed = new Signal<this, void>(this);
  private _notificationsFetched = new Signal<this, INotification[]>(this);
  private _revealRequested = new Signal<this, IRevealRequest>(this);
  private _showEveryoneChanged = new Signal<this, boolean>(this);
  private _poll: Poll;
  private _config: IConfig | null = null;
  private _releases: ReadonlyArray<IRelease> = [];
  private _keys: ReadonlyArray<ISSHKey> = [];
  private _clusters: ReadonlyArray<ICluster> = [];
  private _jobs: ReadonlyArray<IJob> = [];
  private _runs = new Map<string, ReadonlyArray<IRun>>();
  private _results = new Map<string, IJobResults>();
  private _watchedJobs = new Set<string>();
  private _clusterFilter: ClusterStatusFilter = 'active';
  private _everyoneWanted = false;
  private _clusterLimit = PAGE_STEP;
  private _jobLimit = PAGE_STEP;
  private _moreClusters = false;
  private _moreJobs = false;
  private _clusterTotal: number | null = null;
  private _jobTotal: number | null = null;
  private _errors: { [part: string]: string } = {};
  private _updatedAt = 0;
  private _visible = false;
  private _dirty = false;
  private _isDisposed = false;
}

/**
 * The model's statics.
 */
export namespace AtmoModel {
  export interface IOptions {
    serverSettings: ServerConnection.ISettings;
    /** the polling interval in milliseconds */
    refreshMs: number;
    /** start polling at once (default true; tests pass false) */
    autoStart?: boolean;
    /** the application's translator (default: none, English) */
    translator?: ITranslator | null;
  }
}
