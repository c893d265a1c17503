/**
 * Typed client for the atmo_lab REST API (docs/API.md §3).
 *
 * Every function takes the JupyterLab `ServerConnection.ISettings`
 * (`app.serviceManager.serverSettings`) and calls
 * `{base_url}atmo-lab/api/<endpoint>` through `requestAPI`, which handles
 * the token / XSRF header and turns error answers into `AtmoApiError`.
 * List endpoints answer `{"<things>": [...]}`; the functions here unwrap the
 * array.
 */
import { ServerConnection } from '@jupyterlab/services';

import { apiUrl, requestAPI } from './request';
import { apiPath, withQuery } from './utils';

/**
 * An object id as the server sends it. API.md does not fix its JSON type;
 * treat it as opaque and send it back as received.
 */
export type ObjectId = number | string;

/**
 * An ISO 8601 date-time in UTC with an explicit offset (`…Z` or `…+00:00`).
 */
export type DateTimeString = string;

/**
 * A JSON value (papermill parameters, notebook JSON).
 */
export type JSONValue =
  string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

/**
 * A JSON object.
 */
export type JSONObject = { [key: string]: JSONValue };

/**
 * The EMR cluster state vocabulary, used for clusters and job runs.
 */
export type EMRState =
  | 'STARTING'
  | 'BOOTSTRAPPING'
  | 'RUNNING'
  | 'WAITING'
  | 'TERMINATING'
  | 'TERMINATED'
  | 'TERMINATED_WITH_ERRORS';

/**
 * The states in which a cluster (or run) counts as active.
 */
export const ACTIVE_STATES: ReadonlyArray<EMRState> = [
  'STARTING',
  'BOOTSTRAPPING',
  'RUNNING',
  'WAITING',
  'TERMINATING'
];

/**
 * Whether `status` is one of the active states.
 *
 * @param status An EMR state
 * @returns True for the first five states of the vocabulary
 */
export function isActiveState(status: string): boolean {
  return (ACTIVE_STATES as ReadonlyArray<string>).includes(status);
}

/**
 * Where scheduled notebooks run.
 */
export type JobExecutor = 'emr' | 'local';

/**
 * Which bucket receives a job's results.
 */
export type ResultVisibility = 'private' | 'public';

/**
 * The `status` filter of `GET /clusters` (default `active`).
 */
export type ClusterStatusFilter = 'active' | 'terminated' | 'failed' | 'all';

/**
 * The interval choices of a scheduled job, in hours (day, week, month).
 */
export type JobInterval = 24 | 168 | 720;

/**
 * The kinds of notification the worker records.
 */
export type NotificationKind =
  | 'cluster_expiring'
  | 'cluster_expired'
  | 'run_failed'
  | 'run_timed_out'
  | 'job_expired';

/**
 * `GET /config`.
 */
export interface IConfig {
  user: string;
  is_maintainer: boolean;
  region: string;
  /** null for maintainers (no upper bound) */
  max_cluster_size: number | null;
  /** the smallest size a cluster with core nodes may be resized to */
  min_resize_size: number;
  /** hours: the shortest lifetime and extension */
  min_cluster_lifetime: number;
  /** hours */
  max_cluster_lifetime: number;
  /** hours */
  default_cluster_lifetime: number;
  job_executor: JobExecutor;
  /** hours, e.g. [24, 168, 720] */
  job_intervals: number[];
  /** hours: the interval of a job that names none */
  default_interval_in_hours: number;
  /** where AWS calls go when a custom endpoint is set (e.g. a local emulator) */
  aws_endpoint?: string | null;
  /** true when AWS is a local emulator on loopback (the demo) */
  is_local_emulator?: boolean;
}

/**
 * An active EMR release, from `GET /releases`.
 */
export interface IRelease {
  version: string;
  changelog_url: string;
  help_text: string;
  is_experimental: boolean;
  is_deprecated: boolean;
}

/**
 * An SSH public key, as listed.
 */
export interface ISSHKey {
  id: ObjectId;
  title: string;
  /** the key type, e.g. `ssh-ed25519` */
  prefix: string;
  /** MD5, colon form (`50:a2:…`) */
  fingerprint: string;
  /** OpenSSH form (`SHA256:…`) */
  fingerprint_sha256: string;
  created_at: DateTimeString;
}

/**
 * An SSH key with its public key text, from `GET /keys/{id}`.
 */
export interface ISSHKeyDetail extends ISSHKey {
  key: string;
}

/**
 * The body of `POST /keys`.
 */
export interface INewSSHKey {
  title: string;
  /** one OpenSSH public key line */
  key: string;
}

/**
 * An EMR cluster.
 */
export interface ICluster {
  id: ObjectId;
  identifier: string;
  size: number;
  lifetime_hours: number;
  lifetime_extension_count: number;
  /** null once the key was deleted */
  ssh_key_id: ObjectId | null;
  emr_release: string;
  jobflow_id: string | null;
  status: EMRState;
  status_reason: string | null;
  master_address: string | null;
  created_at: DateTimeString;
  started_at: DateTimeString | null;
  ready_at: DateTimeString | null;
  finished_at: DateTimeString | null;
  expires_at: DateTimeString | null;
  is_active: boolean;
  is_expiring_soon: boolean;
  owner: string;
}

/**
 * The body of `POST /clusters`.
 */
export interface INewCluster {
  /** `^[a-z0-9-]{1,100}$`; generated when omitted */
  identifier?: string;
  /** 1 = master only; N > 1 = master + N core nodes */
  size: number;
  /** 2…max_cluster_lifetime, default default_cluster_lifetime */
  lifetime_hours?: number;
  ssh_key_id: ObjectId;
  /** an active release; default the newest stable one */
  emr_release?: string;
}

/**
 * The failing cell of a failed notebook run.
 */
export interface IRunError {
  /** counted from 0 in the submitted notebook; null when unknown */
  cell_index: number | null;
  ename: string;
  evalue: string;
}

/**
 * A run's outcome in the words the server computes.
 */
export type RunOutcome =
  'succeeded' | 'failed' | 'timed out' | 'missed' | 'running' | 'stopped';

/**
 * One run of a scheduled job.
 */
export interface IRun {
  id: ObjectId;
  status: EMRState;
  status_reason: string | null;
  jobflow_id: string | null;
  scheduled_at: DateTimeString | null;
  started_at: DateTimeString | null;
  ready_at: DateTimeString | null;
  finished_at: DateTimeString | null;
  output_notebook_key: string | null;
  error: IRunError | null;
  /** extra fields the server sends (not in API.md) */
  job_id?: ObjectId;
  /** what happened, in words (`status` stays EMR's) */
  outcome: RunOutcome;
  /** when the worker deleted this run's output (older than the kept runs) */
  output_pruned_at?: DateTimeString | null;
  is_active?: boolean;
  is_manual?: boolean;
  duration_seconds?: number | null;
}

/**
 * A scheduled notebook job.
 */
export interface IJob {
  id: ObjectId;
  identifier: string;
  description: string;
  notebook_name: string;
  notebook_s3_key: string;
  result_visibility: ResultVisibility;
  size: number;
  /** set when the job runs on an interval, null with a cron schedule */
  interval_in_hours: number | null;
  /** five-field cron expression, null with an interval */
  schedule: string | null;
  /** IANA time zone of `schedule` */
  timezone: string | null;
  job_timeout_hours: number;
  start_date: DateTimeString;
  end_date: DateTimeString | null;
  expired_date: DateTimeString | null;
  is_enabled: boolean;
  emr_release: string;
  parameters: JSONObject | null;
  executor: JobExecutor;
  next_run_at: DateTimeString | null;
  latest_run: IRun | null;
  owner: string;
  created_at: DateTimeString;
}

/**
 * The fields of `POST /jobs` and `PATCH /jobs/{id}` other than `identifier`.
 *
 * The notebook is given either as `notebook_path` (a path in the Jupyter
 * server's contents) or as `notebook` (nbformat 4 JSON) with
 * `notebook_name`; the schedule either as `interval_in_hours` or as
 * `schedule` (cron) with an optional `timezone`.
 */
export interface IJobFields {
  description?: string;
  notebook_path?: string;
  notebook?: JSONObject;
  /** ends in `.ipynb` */
  notebook_name?: string;
  result_visibility?: ResultVisibility;
  size?: number;
  /** 1…24 */
  job_timeout_hours?: number;
  emr_release?: string;
  interval_in_hours?: JobInterval;
  schedule?: string;
  timezone?: string;
  start_date?: DateTimeString;
  end_date?: DateTimeString | null;
  parameters?: JSONObject;
  executor?: JobExecutor;
}

/**
 * The body of `PATCH /jobs/{id}`: like `IJobFields`, and switching between
 * an interval and cron clears the other with `null`.
 */
export interface IJobPatch extends Omit<
  IJobFields,
  'interval_in_hours' | 'schedule' | 'timezone'
> {
  interval_in_hours?: JobInterval | null;
  schedule?: string | null;
  timezone?: string | null;
  is_enabled?: boolean;
}

/**
 * The body of `POST /jobs`.
 */
export interface INewJob extends IJobFields {
  /** `^[a-z0-9-]{1,100}$`, unique across all users, immutable */
  identifier: string;
  description: string;
}

/**
 * A stored result or log file of a job.
 */
export interface IResult {
  key: string;
  size: number;
  last_modified: DateTimeString;
  /** download link (presigned for private results) */
  url: string;
}

/**
 * `GET /jobs/{id}/results`.
 */
export interface IJobResults {
  data: IResult[];
  logs: IResult[];
}

/**
 * `GET /jobs/identifier-available`.
 */
export interface IIdentifierAvailability {
  identifier: string;
  valid: boolean;
  available: boolean;
}

/**
 * What the worker told a user.
 */
export interface INotification {
  id: ObjectId;
  kind: NotificationKind;
  subject: string;
  body: string;
  created_at: DateTimeString;
  read: boolean;
  object: {
    type: 'cluster' | 'job' | 'run';
    id: ObjectId;
    /** the run's job, when the server sends it */
    job_id?: ObjectId;
  };
}

/**
 * A request init for a JSON body.
 *
 * @param method The HTTP method
 * @param body The value to send as JSON (none when undefined)
 * @returns The request init
 */
function jsonInit(method: string, body?: unknown): RequestInit {
  const init: RequestInit = {
    method,
    headers: { 'Content-Type': 'application/json' }
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  return init;
}

// ----------------------------------------------------------------- pages

/**
 * One page of a list route: the items and the cursor of the next page
 * (null at the end).
 */
export interface IPage<T> {
  items: T[];
  next_cursor: string | null;
  /** how many the whole list holds (first page of clusters and jobs), else null */
  total: number | null;
}

/**
 * Paging options of list routes.
 */
export interface IPageOptions {
  /** 1…1000; the server's default page size when omitted */
  limit?: number;
  /** the `next_cursor` of the previous page */
  cursor?: string | null;
}

async function listPage<T>(
  settings: ServerConnection.ISettings,
  path: string,
  name: string,
  query: { [name: string]: string | number | boolean | null | undefined }
): Promise<IPage<T>> {
  const data = await requestAPI<{ [name: string]: unknown }>(
    withQuery(path, query),
    settings
  );
  return {
    items: (data[name] as T[]) ?? [],
    next_cursor: (data.next_cursor as string | null | undefined) ?? null,
    total: typeof data.total === 'number' ? data.total : null
  };
}

// ---------------------------------------------------------------- config

/**
 * `GET /config`: the caller, their limits and the deployment's settings.
 */
export function getConfig(
  settings: ServerConnection.ISettings
): Promise<IConfig> {
  return requestAPI<IConfig>('config', settings);
}

/**
 * `GET /releases`: active EMR releases, newest first.
 */
export async function listReleases(
  settings: ServerConnection.ISettings
): Promise<IRelease[]> {
  const data = await requestAPI<{ releases: IRelease[] }>('releases', settings);
  return data.releases ?? [];
}

// -------------------------------------------------------------- SSH keys

/**
 * `GET /keys`: the caller's keys, newest first.
 */
export async function listKeys(
  settings: ServerConnection.ISettings
): Promise<ISSHKey[]> {
  const data = await requestAPI<{ keys: ISSHKey[] }>('keys', settings);
  return data.keys ?? [];
}

/**
 * `POST /keys`: add a public key.
 */
export function createKey(
  settings: ServerConnection.ISettings,
  key: INewSSHKey
): Promise<ISSHKey> {
  return requestAPI<ISSHKey>('keys', settings, jsonInit('POST', key));
}

/**
 * `GET /keys/{id}`: a key with its public key text.
 */
export function getKey(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<ISSHKeyDetail> {
  return requestAPI<ISSHKeyDetail>(apiPath('keys', id), settings);
}

/**
 * The URL of `GET /keys/{id}/raw` (the `text/plain` public key).
 */
export function keyRawUrl(
  settings: ServerConnection.ISettings,
  id: ObjectId
): string {
  return apiUrl(settings.baseUrl, apiPath('keys', id, 'raw'));
}

/**
 * `DELETE /keys/{id}`.
 */
export async function deleteKey(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<void> {
  await requestAPI<void>(apiPath('keys', id), settings, { method: 'DELETE' });
}

// -------------------------------------------------------------- clusters

/**
 * Options of `GET /clusters`.
 */
export interface IListClustersOptions {
  /** default `active` */
  status?: ClusterStatusFilter;
  /** `all`: everyone's clusters (maintainers only) */
  owner?: 'all';
}

/**
 * `GET /clusters`: the caller's clusters, newest first.
 */
export async function listClusters(
  settings: ServerConnection.ISettings,
  options: IListClustersOptions = {}
): Promise<ICluster[]> {
  const data = await requestAPI<{ clusters: ICluster[] }>(
    withQuery('clusters', { status: options.status, owner: options.owner }),
    settings
  );
  return data.clusters ?? [];
}

/**
 * `GET /clusters`, one page.
 */
export function listClustersPage(
  settings: ServerConnection.ISettings,
  options: IListClustersOptions & IPageOptions = {}
): Promise<IPage<ICluster>> {
  return listPage<ICluster>(settings, 'clusters', 'clusters', {
    status: options.status,
    owner: options.owner,
    limit: options.limit,
    cursor: options.cursor
  });
}

/**
 * `GET /clusters/new-identifier`: a free generated identifier.
 */
export async function suggestClusterIdentifier(
  settings: ServerConnection.ISettings
): Promise<string> {
  const data = await requestAPI<{ identifier: string }>(
    'clusters/new-identifier',
    settings
  );
  return data.identifier;
}

/**
 * `POST /clusters`: launch a cluster.
 */
export function createCluster(
  settings: ServerConnection.ISettings,
  cluster: INewCluster
): Promise<ICluster> {
  return requestAPI<ICluster>('clusters', settings, jsonInit('POST', cluster));
}

/**
 * `GET /clusters/{id}`.
 */
export function getCluster(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<ICluster> {
  return requestAPI<ICluster>(apiPath('clusters', id), settings);
}

/**
 * `POST /clusters/{id}/extend`: add `hours` to the expiry.
 */
export function extendCluster(
  settings: ServerConnection.ISettings,
  id: ObjectId,
  hours: number
): Promise<ICluster> {
  return requestAPI<ICluster>(
    apiPath('clusters', id, 'extend'),
    settings,
    jsonInit('POST', { hours })
  );
}

/**
 * `POST /clusters/{id}/terminate`.
 */
export function terminateCluster(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<ICluster> {
  return requestAPI<ICluster>(
    apiPath('clusters', id, 'terminate'),
    settings,
    jsonInit('POST')
  );
}

/**
 * `POST /clusters/{id}/resize`: set the number of core nodes.
 */
export function resizeCluster(
  settings: ServerConnection.ISettings,
  id: ObjectId,
  size: number
): Promise<ICluster> {
  return requestAPI<ICluster>(
    apiPath('clusters', id, 'resize'),
    settings,
    jsonInit('POST', { size })
  );
}

// ------------------------------------------------------------------ jobs

/**
 * Options of `GET /jobs`.
 */
export interface IListJobsOptions {
  /** `all`: everyone's jobs (maintainers only) */
  owner?: 'all';
}

/**
 * `GET /jobs`: the caller's scheduled notebook jobs.
 */
export async function listJobs(
  settings: ServerConnection.ISettings,
  options: IListJobsOptions = {}
): Promise<IJob[]> {
  const data = await requestAPI<{ jobs: IJob[] }>(
    withQuery('jobs', { owner: options.owner }),
    settings
  );
  return data.jobs ?? [];
}

/**
 * `GET /jobs`, one page.
 */
export function listJobsPage(
  settings: ServerConnection.ISettings,
  options: IListJobsOptions & IPageOptions = {}
): Promise<IPage<IJob>> {
  return listPage<IJob>(settings, 'jobs', 'jobs', {
    owner: options.owner,
    limit: options.limit,
    cursor: options.cursor
  });
}

/**
 * `POST /jobs`: schedule a notebook.
 */
export function createJob(
  settings: ServerConnection.ISettings,
  job: INewJob
): Promise<IJob> {
  return requestAPI<IJob>('jobs', settings, jsonInit('POST', job));
}

/**
 * `GET /jobs/{id}`.
 */
export function getJob(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<IJob> {
  return requestAPI<IJob>(apiPath('jobs', id), settings);
}

/**
 * `PATCH /jobs/{id}`: change any field but `identifier`.
 */
export function updateJob(
  settings: ServerConnection.ISettings,
  id: ObjectId,
  changes: IJobPatch
): Promise<IJob> {
  return requestAPI<IJob>(
    apiPath('jobs', id),
    settings,
    jsonInit('PATCH', changes)
  );
}

/**
 * `DELETE /jobs/{id}`: stop a running run, remove the stored notebook; the
 * results are kept.
 */
export async function deleteJob(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<void> {
  await requestAPI<void>(apiPath('jobs', id), settings, { method: 'DELETE' });
}

/**
 * `POST /jobs/{id}/run`: run now.
 */
export function runJob(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<IRun> {
  return requestAPI<IRun>(
    apiPath('jobs', id, 'run'),
    settings,
    jsonInit('POST')
  );
}

/**
 * `GET /jobs/{id}/runs`: the job's runs, newest first.
 */
export async function listRuns(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<IRun[]> {
  const data = await requestAPI<{ runs: IRun[] }>(
    apiPath('jobs', id, 'runs'),
    settings
  );
  return data.runs ?? [];
}

/**
 * `GET /runs/{id}`: one run (with its `job_id`).
 */
export function getRun(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<IRun> {
  return requestAPI<IRun>(apiPath('runs', id), settings);
}

/**
 * `GET /runs/{id}/output`: the run's executed notebook (nbformat JSON), served
 * by the server itself.
 */
export function getRunOutput(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<unknown> {
  return requestAPI<unknown>(apiPath('runs', id, 'output'), settings);
}

/**
 * The URL of `GET /jobs/{id}/notebook` (the stored notebook, as a download).
 */
export function jobNotebookUrl(
  settings: ServerConnection.ISettings,
  id: ObjectId
): string {
  return apiUrl(settings.baseUrl, apiPath('jobs', id, 'notebook'));
}

/**
 * `GET /jobs/{id}/results`: result and log files with download links.
 */
export function getJobResults(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<IJobResults> {
  return requestAPI<IJobResults>(apiPath('jobs', id, 'results'), settings);
}

/**
 * What `GET /jobs/schedule-preview` is asked: the form's schedule fields.
 */
export interface ISchedulePreviewQuery {
  interval_in_hours?: number | null;
  schedule?: string | null;
  timezone?: string | null;
  start_date?: DateTimeString | null;
  end_date?: DateTimeString | null;
  count?: number;
}

/**
 * `GET /jobs/schedule-preview`: the next runs, computed by the server.
 */
export interface ISchedulePreview {
  timezone: string;
  runs: DateTimeString[];
}

/**
 * `GET /jobs/notebook-facts`: what the schedule form starts from.
 */
export interface INotebookFacts {
  notebook_path: string;
  /** made from the file name */
  identifier: string;
  /** the first Markdown heading, or null */
  title: string | null;
  /** read from the cell tagged `parameters` by papermill */
  parameters: JSONObject;
  /** names not offered (not plain values, or set by atmo_lab) */
  skipped: string[];
}

/**
 * `GET /jobs/schedule-preview?…`.
 */
export function previewSchedule(
  settings: ServerConnection.ISettings,
  query: ISchedulePreviewQuery
): Promise<ISchedulePreview> {
  return requestAPI<ISchedulePreview>(
    withQuery('jobs/schedule-preview', { ...query }),
    settings
  );
}

/**
 * `GET /jobs/notebook-facts?notebook_path=x`.
 */
export function notebookFacts(
  settings: ServerConnection.ISettings,
  notebookPath: string
): Promise<INotebookFacts> {
  return requestAPI<INotebookFacts>(
    withQuery('jobs/notebook-facts', { notebook_path: notebookPath }),
    settings
  );
}

/**
 * `GET /jobs/identifier-available?identifier=x`.
 */
export function checkJobIdentifier(
  settings: ServerConnection.ISettings,
  identifier: string
): Promise<IIdentifierAvailability> {
  return requestAPI<IIdentifierAvailability>(
    withQuery('jobs/identifier-available', { identifier }),
    settings
  );
}

// --------------------------------------------------------- notifications

/**
 * Options of `GET /notifications`.
 */
export interface IListNotificationsOptions {
  /** sent as `?unread=true|false`; true lists unread notifications only */
  unread?: boolean;
}

/**
 * `GET /notifications`: newest first.
 */
export async function listNotifications(
  settings: ServerConnection.ISettings,
  options: IListNotificationsOptions = {}
): Promise<INotification[]> {
  const data = await requestAPI<{ notifications: INotification[] }>(
    withQuery('notifications', { unread: options.unread }),
    settings
  );
  return data.notifications ?? [];
}

/**
 * `POST /notifications/{id}/read`.
 */
export function markNotificationRead(
  settings: ServerConnection.ISettings,
  id: ObjectId
): Promise<INotification> {
  return requestAPI<INotification>(
    apiPath('notifications', id, 'read'),
    settings,
    jsonInit('POST')
  );
}
