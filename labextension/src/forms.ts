/**
 * Form values, client-side validation and request bodies of the launch,
 * extend, resize, key and schedule forms.
 *
 * Errors are keyed by the API's field names, so the messages of a 400
 * answer (`errors`) and the ones found here are shown in the same place.
 * The server stays the authority; these checks only save a round trip.
 */
import { TranslationBundle, nullTranslator } from '@jupyterlab/translation';

import {
  IConfig,
  IJob,
  IJobFields,
  INewCluster,
  INewJob,
  IJobPatch,
  INewSSHKey,
  INotebookFacts,
  ISSHKey,
  ISchedulePreviewQuery,
  JSONObject,
  JobExecutor,
  JobInterval,
  ResultVisibility
} from './api';
import { DOMAIN } from './format';
import { valueFromInput, valueToInput } from './params';

/**
 * Field name → message.
 */
export type FieldErrors = { [field: string]: string };

/**
 * The identifier pattern of clusters and jobs.
 */
export const IDENTIFIER_PATTERN = /^[a-z0-9-]{1,100}$/;

/**
 * The message for an identifier that does not match the pattern, or null.
 */
export function identifierProblem(
  identifier: string,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string | null {
  if (identifier.length === 0) {
    return trans.__('Enter an identifier.');
  }
  if (identifier.length > 100) {
    return trans.__('Use at most %1 characters.', 100);
  }
  if (!IDENTIFIER_PATTERN.test(identifier)) {
    return trans.__('Use lowercase letters, digits and dashes only.');
  }
  return null;
}

/**
 * Parse a whole number typed in a form.
 */
function wholeNumber(text: string | number): number | null {
  const s = String(text).trim();
  return /^\d+$/.test(s) ? Number(s) : null;
}

function rangeProblem(
  value: number | null,
  min: number,
  max: number | null,
  trans: TranslationBundle
): string | null {
  if (value === null) {
    return max === null
      ? trans.__('Enter a whole number %1 or more.', min)
      : trans.__('Enter a whole number from %1 to %2.', min, max);
  }
  if (value < min || (max !== null && value > max)) {
    return max === null
      ? trans.__('Use a number %1 or more.', min)
      : trans.__('Use a number from %1 to %2.', min, max);
  }
  return null;
}

// --------------------------------------------------------------- clusters

/**
 * The launch form's values (as typed).
 */
export interface ILaunchValues {
  identifier: string;
  size: string;
  lifetime_hours: string;
  ssh_key_id: string;
  emr_release: string;
}

/**
 * The launch form's first values.
 *
 * @param config `GET /config`
 * @param keys The caller's keys (newest first: the first one is chosen)
 * @param identifier The suggested identifier (`GET clusters/new-identifier`)
 * @param release The default release (the newest stable one), or ''
 */
export function initialLaunchValues(
  config: Pick<IConfig, 'default_cluster_lifetime'>,
  keys: ReadonlyArray<ISSHKey>,
  identifier: string,
  release: string
): ILaunchValues {
  const newest = sortKeysNewestFirst(keys)[0];
  return {
    identifier,
    size: '1',
    lifetime_hours: String(config.default_cluster_lifetime),
    ssh_key_id: newest ? String(newest.id) : '',
    emr_release: release
  };
}

/**
 * Check the launch form.
 */
export function validateLaunch(
  values: ILaunchValues,
  config: Pick<
    IConfig,
    'max_cluster_size' | 'min_cluster_lifetime' | 'max_cluster_lifetime'
  >,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): FieldErrors {
  const errors: FieldErrors = {};
  if (values.identifier !== '') {
    const problem = identifierProblem(values.identifier, trans);
    if (problem) {
      errors.identifier = problem;
    }
  }
  const size = rangeProblem(
    wholeNumber(values.size),
    1,
    config.max_cluster_size,
    trans
  );
  if (size) {
    errors.size = size;
  }
  const lifetime = rangeProblem(
    wholeNumber(values.lifetime_hours),
    config.min_cluster_lifetime,
    config.max_cluster_lifetime,
    trans
  );
  if (lifetime) {
    errors.lifetime_hours = lifetime;
  }
  if (values.ssh_key_id === '') {
    errors.ssh_key_id = trans.__(
      'Add an SSH key first: the cluster needs one.'
    );
  }
  return errors;
}

/**
 * The body of `POST /clusters` from valid launch values.
 *
 * @param values The form values
 * @param keys The keys offered (to send the id with its original JSON type)
 */
export function launchBody(
  values: ILaunchValues,
  keys: ReadonlyArray<ISSHKey>
): INewCluster {
  const key = keys.find(k => String(k.id) === values.ssh_key_id);
  const body: INewCluster = {
    size: Number(values.size),
    lifetime_hours: Number(values.lifetime_hours),
    ssh_key_id: key ? key.id : Number(values.ssh_key_id)
  };
  if (values.identifier !== '') {
    body.identifier = values.identifier;
  }
  if (values.emr_release !== '') {
    body.emr_release = values.emr_release;
  }
  return body;
}

/**
 * The hours offered by the Extend control: the server's bounds of a
 * lifetime, `min_cluster_lifetime` … `max_cluster_lifetime`.
 */
export function extendChoices(
  config: Pick<IConfig, 'min_cluster_lifetime' | 'max_cluster_lifetime'>
): number[] {
  const low = config.min_cluster_lifetime;
  const choices: number[] = [];
  for (let h = low; h <= Math.max(low, config.max_cluster_lifetime); h++) {
    choices.push(h);
  }
  return choices;
}

/**
 * Check a resize request against the server's bounds (`GET /config`): the
 * message, or null when fine.
 */
export function resizeProblem(
  text: string,
  current: number,
  config: Pick<IConfig, 'min_resize_size' | 'max_cluster_size'>,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string | null {
  const size = wholeNumber(text);
  const problem = rangeProblem(
    size,
    config.min_resize_size,
    config.max_cluster_size,
    trans
  );
  if (problem) {
    return problem;
  }
  if (size === current) {
    return trans._n(
      'The cluster already has %1 node.',
      'The cluster already has %1 nodes.',
      current
    );
  }
  return null;
}

// ------------------------------------------------------------------- keys

/**
 * Keys, newest first (by `created_at`, then by id).
 */
export function sortKeysNewestFirst<
  T extends Pick<ISSHKey, 'created_at' | 'id'>
>(keys: ReadonlyArray<T>): T[] {
  return [...keys].sort((a, b) => {
    const byDate = Date.parse(b.created_at) - Date.parse(a.created_at);
    if (byDate !== 0 && !Number.isNaN(byDate)) {
      return byDate;
    }
    return String(b.id).localeCompare(String(a.id), undefined, {
      numeric: true
    });
  });
}

/**
 * What a `.pub` file gives the add-key form.
 */
export interface IPublicKeyFile {
  /** the first non-empty line */
  key: string;
  /** the key's comment (often `user@host`), or '' */
  comment: string;
}

/**
 * Read an OpenSSH public key file: its key line and comment.
 */
export function readPublicKeyFile(text: string): IPublicKeyFile {
  const line =
    text
      .split(/\r?\n/)
      .map(l => l.trim())
      .find(l => l !== '') ?? '';
  const fields = line.split(/\s+/);
  const comment = fields.length > 2 ? fields.slice(2).join(' ') : '';
  return { key: line, comment: comment.slice(0, 100) };
}

/**
 * Check the add-key form (whether the text is a private key, the server
 * says: it knows every kind).
 */
export function validateKey(
  values: INewSSHKey,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): FieldErrors {
  const errors: FieldErrors = {};
  const title = values.title.trim();
  if (title === '') {
    errors.title = trans.__('Enter a title, e.g. the computer the key is on.');
  } else if (title.length > 100) {
    errors.title = trans.__('Use at most %1 characters.', 100);
  }
  const key = values.key.trim();
  if (key === '') {
    errors.key = trans.__('Paste a public key (the contents of a .pub file).');
  } else if (key.length > 100000) {
    errors.key = trans.__('This is too long for a public key.');
  }
  return errors;
}

// ------------------------------------------------------------------- jobs

/**
 * How a job is scheduled in the form.
 */
export type ScheduleKind = 'interval' | 'cron';

/**
 * A parameter row of the schedule form.
 */
export interface IParameterRow {
  name: string;
  value: string;
}

/**
 * The schedule form's values (as typed).
 */
export interface IScheduleValues {
  identifier: string;
  description: string;
  kind: ScheduleKind;
  interval_in_hours: string;
  schedule: string;
  timezone: string;
  /** `datetime-local` value in the browser's zone, '' = now */
  start_date: string;
  /** `datetime-local` value in the browser's zone, '' = none */
  end_date: string;
  job_timeout_hours: string;
  size: string;
  emr_release: string;
  result_visibility: ResultVisibility;
  executor: JobExecutor;
  parameters: IParameterRow[];
}

/**
 * The browser's IANA time zone (UTC when unknown).
 */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * An ISO instant as a `datetime-local` input value in the browser's zone.
 */
export function toLocalInput(iso: string | null): string {
  if (!iso) {
    return '';
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return '';
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A `datetime-local` input value (browser's zone) as an ISO instant in UTC.
 */
export function fromLocalInput(value: string): string | null {
  if (!value) {
    return null;
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * The rows of a parameters object.
 */
function parameterRows(parameters: JSONObject | null): IParameterRow[] {
  return Object.entries(parameters ?? {}).map(([name, value]) => ({
    name,
    value: valueToInput(value)
  }));
}

/**
 * The schedule form's first values for a new job: the identifier, title
 * and parameters the server read from the notebook (`facts`, once known).
 */
export function initialScheduleValues(
  config: Pick<IConfig, 'job_executor' | 'default_interval_in_hours'>,
  facts: INotebookFacts | null
): IScheduleValues {
  return {
    identifier: facts?.identifier ?? '',
    description: facts?.title ?? '',
    kind: 'interval',
    interval_in_hours: String(config.default_interval_in_hours),
    schedule: '0 6 * * 1',
    timezone: browserTimeZone(),
    start_date: '',
    end_date: '',
    job_timeout_hours: '24',
    size: '1',
    emr_release: '',
    result_visibility: 'private',
    executor: config.job_executor,
    parameters: parameterRows(facts?.parameters ?? null)
  };
}

/**
 * The schedule form's values for editing `job`.
 */
export function scheduleValuesOfJob(
  job: IJob,
  config: Pick<IConfig, 'default_interval_in_hours'>
): IScheduleValues {
  return {
    identifier: job.identifier,
    description: job.description,
    kind: job.schedule ? 'cron' : 'interval',
    interval_in_hours: String(
      job.interval_in_hours ?? config.default_interval_in_hours
    ),
    schedule: job.schedule ?? '0 6 * * 1',
    timezone: job.timezone ?? 'UTC',
    start_date: toLocalInput(job.start_date),
    end_date: toLocalInput(job.end_date),
    job_timeout_hours: String(job.job_timeout_hours),
    size: String(job.size),
    emr_release: job.emr_release,
    result_visibility: job.result_visibility,
    executor: job.executor,
    parameters: parameterRows(job.parameters)
  };
}

/**
 * The parameters object of the form's rows (rows without a name are
 * ignored).
 */
export function parametersOf(rows: ReadonlyArray<IParameterRow>): JSONObject {
  const result: JSONObject = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (name !== '') {
      result[name] = valueFromInput(row.value);
    }
  }
  return result;
}

/**
 * Check the schedule form.
 *
 * @param values The form values
 * @param config `GET /config`
 * @param options `editing`: the identifier and a past start date are kept
 * @param now The current time (ms), for the start date check
 * @param trans The translation bundle of the messages
 */
export function validateSchedule(
  values: IScheduleValues,
  config: Pick<IConfig, 'max_cluster_size' | 'job_intervals'>,
  options: { editing?: boolean; originalStart?: string } = {},
  now: number = Date.now(),
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): FieldErrors {
  const errors: FieldErrors = {};
  if (!options.editing) {
    const problem = identifierProblem(values.identifier, trans);
    if (problem) {
      errors.identifier = problem;
    }
  }
  if (values.description.trim() === '') {
    errors.description = trans.__('Describe what the notebook does.');
  }
  if (values.kind === 'interval') {
    const hours = wholeNumber(values.interval_in_hours);
    if (hours === null || !config.job_intervals.includes(hours)) {
      errors.interval_in_hours = trans.__('Choose daily, weekly or monthly.');
    }
  } else if (values.schedule.trim() === '') {
    errors.schedule = trans.__('Enter a cron expression.');
  }
  // (the server judges cron expressions, time zones and parameter names)
  const start = values.start_date ? fromLocalInput(values.start_date) : null;
  if (values.start_date && start === null) {
    errors.start_date = trans.__('Enter a valid date and time.');
  }
  const end = values.end_date ? fromLocalInput(values.end_date) : null;
  if (values.end_date && end === null) {
    errors.end_date = trans.__('Enter a valid date and time.');
  } else if (end !== null) {
    const startMs = start !== null ? Date.parse(start) : now;
    if (Date.parse(end) <= startMs) {
      errors.end_date = trans.__('The end must be after the start.');
    }
  }
  const timeout = rangeProblem(
    wholeNumber(values.job_timeout_hours),
    1,
    24,
    trans
  );
  if (timeout) {
    errors.job_timeout_hours = timeout;
  }
  const size = rangeProblem(
    wholeNumber(values.size),
    1,
    config.max_cluster_size,
    trans
  );
  if (size) {
    errors.size = size;
  }
  const seen = new Set<string>();
  for (const row of values.parameters) {
    const name = row.name.trim();
    if (name === '' && row.value.trim() === '') {
      continue;
    }
    if (name === '') {
      errors.parameters = trans.__('Name every parameter that has a value.');
      break;
    }
    if (seen.has(name)) {
      errors.parameters = trans.__('"%1" is given twice.', name);
      break;
    }
    seen.add(name);
  }
  return errors;
}

/**
 * The schedule-related fields of a job body.
 */
function scheduleFields(values: IScheduleValues): IJobFields {
  if (values.kind === 'interval') {
    return {
      interval_in_hours: Number(values.interval_in_hours) as JobInterval
    };
  }
  return {
    schedule: values.schedule.trim().replace(/\s+/g, ' '),
    timezone: values.timezone.trim()
  };
}

/**
 * The body of `POST /jobs` from valid schedule values.
 */
export function newJobBody(
  values: IScheduleValues,
  notebookPath: string
): INewJob {
  const body: INewJob = {
    identifier: values.identifier,
    description: values.description.trim(),
    notebook_path: notebookPath,
    result_visibility: values.result_visibility,
    size: Number(values.size),
    job_timeout_hours: Number(values.job_timeout_hours),
    executor: values.executor,
    parameters: parametersOf(values.parameters),
    ...scheduleFields(values)
  };
  if (values.emr_release) {
    body.emr_release = values.emr_release;
  }
  const start = fromLocalInput(values.start_date);
  if (start) {
    body.start_date = start;
  }
  const end = fromLocalInput(values.end_date);
  if (end) {
    body.end_date = end;
  }
  return body;
}

/**
 * The body of `PATCH /jobs/{id}`: the fields that differ from `job`.
 * Switching between an interval and cron sends the new one and clears the
 * other (`null`).
 */
export function jobChanges(values: IScheduleValues, job: IJob): IJobPatch {
  const changes: IJobPatch = {};
  const description = values.description.trim();
  if (description !== job.description) {
    changes.description = description;
  }
  if (values.kind === 'interval') {
    const hours = Number(values.interval_in_hours);
    if (job.schedule !== null || hours !== job.interval_in_hours) {
      changes.interval_in_hours = hours as JobInterval;
      if (job.schedule !== null) {
        changes.schedule = null;
        changes.timezone = null;
      }
    }
  } else {
    const schedule = values.schedule.trim().replace(/\s+/g, ' ');
    const timezone = values.timezone.trim();
    if (schedule !== job.schedule || timezone !== job.timezone) {
      changes.schedule = schedule;
      changes.timezone = timezone;
      if (job.interval_in_hours !== null) {
        changes.interval_in_hours = null;
      }
    }
  }
  const timeout = Number(values.job_timeout_hours);
  if (timeout !== job.job_timeout_hours) {
    changes.job_timeout_hours = timeout;
  }
  const size = Number(values.size);
  if (size !== job.size) {
    changes.size = size;
  }
  if (values.emr_release !== job.emr_release) {
    changes.emr_release = values.emr_release;
  }
  if (values.result_visibility !== job.result_visibility) {
    changes.result_visibility = values.result_visibility;
  }
  if (values.executor !== job.executor) {
    changes.executor = values.executor;
  }
  const start = fromLocalInput(values.start_date);
  if (start && toLocalInput(start) !== toLocalInput(job.start_date)) {
    changes.start_date = start;
  }
  const end = fromLocalInput(values.end_date);
  if (toLocalInput(end) !== toLocalInput(job.end_date)) {
    changes.end_date = end;
  }
  const parameters = parametersOf(values.parameters);
  if (JSON.stringify(parameters) !== JSON.stringify(job.parameters ?? {})) {
    changes.parameters = parameters;
  }
  return changes;
}

/**
 * What the server is asked for the preview of the next runs.
 */
export function previewQuery(values: IScheduleValues): ISchedulePreviewQuery {
  const schedule =
    values.kind === 'interval'
      ? { interval_in_hours: wholeNumber(values.interval_in_hours) }
      : { schedule: values.schedule.trim(), timezone: values.timezone.trim() };
  return {
    ...schedule,
    start_date: fromLocalInput(values.start_date),
    end_date: fromLocalInput(values.end_date),
    count: 3
  };
}
