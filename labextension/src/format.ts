/**
 * Text for people: schedules, relative times, durations, sizes, states.
 * Pure functions so they can be unit tested; each takes the translation
 * bundle last (the model's `trans`; English when left out).
 */
import { TranslationBundle, nullTranslator } from '@jupyterlab/translation';

import type { IRelease, IRun, RunOutcome } from './api';

/**
 * The gettext domain of atmo_lab's strings (also the settings schema's).
 */
export const DOMAIN = 'atmo_lab';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The schedule of a job in words.
 *
 * @param job The job's `interval_in_hours`, `schedule` and `timezone`
 * @returns "every day", "every week", "every month", "every 6 h" or
 *   "cron 0 6 * * 1 (Europe/Berlin)"
 */
export function scheduleText(
  job: {
    interval_in_hours: number | null;
    schedule: string | null;
    timezone: string | null;
  },
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  if (job.schedule) {
    return trans.__('cron %1 (%2)', job.schedule, job.timezone || 'UTC');
  }
  switch (job.interval_in_hours) {
    case 24:
      return trans.__('every day');
    case 168:
      return trans.__('every week');
    case 720:
      return trans.__('every month');
    case null:
    case undefined:
      return trans.__('no schedule');
    default:
      return trans.__('every %1 h', job.interval_in_hours);
  }
}

/**
 * The label of an interval choice in the schedule form.
 */
export function intervalLabel(
  hours: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  switch (hours) {
    case 24:
      return trans.__('Daily');
    case 168:
      return trans.__('Weekly');
    case 720:
      return trans.__('Monthly (every 30 days)');
    default:
      return trans.__('Every %1 h', hours);
  }
}

/**
 * A span of time as "3 h 12 min", "45 min", "2 d 4 h" or "less than a
 * minute", rounded down to the minute.
 *
 * @param ms The span in milliseconds (its absolute value is used)
 */
export function spanText(
  ms: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) {
    return trans.__('less than a minute');
  }
  const days = Math.floor(abs / DAY);
  const hours = Math.floor((abs % DAY) / HOUR);
  const minutes = Math.floor((abs % HOUR) / MINUTE);
  if (days > 0) {
    return hours > 0
      ? trans.__('%1 d %2 h', days, hours)
      : trans.__('%1 d', days);
  }
  if (hours > 0) {
    return minutes > 0
      ? trans.__('%1 h %2 min', hours, minutes)
      : trans.__('%1 h', hours);
  }
  return trans.__('%1 min', minutes);
}

/**
 * How far away `iso` is from `now`: "in 3 h 12 min" or "5 min ago".
 * Expiry and next-run times need the minutes: coreutils' `Time.formatHuman`
 * rounds to the largest unit ("in 3 hours" for 2 h 31 min), so it serves only
 * past file times, where rounding misleads no one.
 *
 * @param iso An ISO date-time (null gives an empty string)
 * @param now The current time in ms since the epoch
 */
export function relativeTime(
  iso: string | null,
  now: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  if (!iso) {
    return '';
  }
  const target = Date.parse(iso);
  if (Number.isNaN(target)) {
    return '';
  }
  const delta = target - now;
  if (delta < 0 && -delta < MINUTE) {
    return trans.__('just now');
  }
  return delta >= 0
    ? trans.__('in %1', spanText(delta, trans))
    : trans.__('%1 ago', spanText(delta, trans));
}

/**
 * The time to a cluster's expiry: "expires in 3 h 12 min", "expired 5 min
 * ago", or "" when the cluster has no expiry or is no longer active.
 */
export function expiryText(
  cluster: { expires_at: string | null; is_active: boolean },
  now: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  if (!cluster.is_active || !cluster.expires_at) {
    return '';
  }
  const target = Date.parse(cluster.expires_at);
  if (Number.isNaN(target)) {
    return '';
  }
  const left = target - now;
  if (left > 0) {
    return trans.__('expires in %1', spanText(left, trans));
  }
  return -left < MINUTE
    ? trans.__('expired just now')
    : trans.__('expired %1 ago', spanText(left, trans));
}

/**
 * A run's duration: "1 min 5 s", "2 h 3 min", "12 s" ("" when not started).
 *
 * @param startedAt When it started (null: not yet)
 * @param finishedAt When it finished (null: still running, counts to now)
 * @param now The current time in ms since the epoch
 */
export function durationText(
  startedAt: string | null,
  finishedAt: string | null,
  now: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  if (!startedAt) {
    return '';
  }
  const start = Date.parse(startedAt);
  const end = finishedAt ? Date.parse(finishedAt) : now;
  if (Number.isNaN(start) || Number.isNaN(end)) {
    return '';
  }
  const ms = Math.max(0, end - start);
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) {
    return trans.__('%1 s', seconds);
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    const rest = seconds % 60;
    return rest > 0
      ? trans.__('%1 min %2 s', minutes, rest)
      : trans.__('%1 min', minutes);
  }
  return spanText(ms, trans);
}

/**
 * A byte count as "512 B", "1.5 KB", "12 MB".
 */
export function bytesText(
  bytes: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    unit++;
  }
  const shown = value.toFixed(unit === 0 || value >= 10 ? 0 : 1);
  // One literal per unit, for the translators' catalog.
  switch (unit) {
    case 0:
      return trans.__('%1 B', shown);
    case 1:
      return trans.__('%1 KB', shown);
    case 2:
      return trans.__('%1 MB', shown);
    case 3:
      return trans.__('%1 GB', shown);
    default:
      return trans.__('%1 TB', shown);
  }
}

/**
 * An instant as "Mon 2026-11-23 06:00" in `zone` (default: the browser's).
 *
 * @param value A Date or an ISO date-time (null gives "")
 * @param zone An IANA time zone
 */
export function dateTimeText(
  value: Date | string | null,
  zone?: string
): string {
  if (value === null) {
    return '';
  }
  const ms = typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) {
    return '';
  }
  const parts: { [type: string]: string } = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit'
  });
  for (const part of format.formatToParts(new Date(ms))) {
    parts[part.type] = part.value;
  }
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/**
 * How a status badge looks: one of a few tones.
 */
export type StatusTone =
  'pending' | 'ready' | 'busy' | 'done' | 'failed' | 'missed';

/**
 * The tone of an EMR state (clusters and runs).
 */
export function statusTone(status: string | null | undefined): StatusTone {
  switch (status) {
    case 'STARTING':
    case 'BOOTSTRAPPING':
      return 'pending';
    case 'WAITING':
      return 'ready';
    case 'RUNNING':
    case 'TERMINATING':
      return 'busy';
    case 'TERMINATED':
      return 'done';
    case 'TERMINATED_WITH_ERRORS':
      return 'failed';
    case 'MISSED':
      // An occurrence that did not run (the previous run was still active).
      return 'missed';
    default:
      return 'pending';
  }
}

const OUTCOME_TONES: { [outcome in RunOutcome]: StatusTone } = {
  succeeded: 'ready',
  failed: 'failed',
  'timed out': 'failed',
  missed: 'missed',
  running: 'busy',
  stopped: 'done'
};

/**
 * The tone of a run's badge (the outcome is the server's word for the run).
 */
export function outcomeTone(outcome: RunOutcome): StatusTone {
  return OUTCOME_TONES[outcome] ?? 'done';
}

/**
 * A run's outcome in words (the server's word, translated).
 */
export function outcomeText(
  outcome: RunOutcome,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  switch (outcome) {
    case 'succeeded':
      return trans.__('succeeded');
    case 'failed':
      return trans.__('failed');
    case 'timed out':
      return trans.__('timed out');
    case 'missed':
      return trans.__('missed');
    case 'running':
      return trans.__('running');
    case 'stopped':
      return trans.__('stopped');
    default:
      return outcome;
  }
}

/**
 * A state in words for screen readers and tooltips: "terminated with
 * errors" for `TERMINATED_WITH_ERRORS` (an unknown state in lower case).
 */
export function statusLabel(
  status: string | null | undefined,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  switch (status) {
    case null:
    case undefined:
    case '':
      return trans.__('never ran');
    case 'STARTING':
      return trans.__('starting');
    case 'BOOTSTRAPPING':
      return trans.__('bootstrapping');
    case 'RUNNING':
      return trans.__('running');
    case 'WAITING':
      return trans.__('waiting');
    case 'TERMINATING':
      return trans.__('terminating');
    case 'TERMINATED':
      return trans.__('terminated');
    case 'TERMINATED_WITH_ERRORS':
      return trans.__('terminated with errors');
    case 'MISSED':
      return trans.__('missed');
    default:
      return status.toLowerCase().replace(/_/g, ' ');
  }
}

/**
 * The tone of a cluster's expiry: 'soon' within the warning hour.
 */
export function expiryTone(
  cluster: {
    expires_at: string | null;
    is_active: boolean;
    is_expiring_soon?: boolean;
  },
  now: number
): 'none' | 'ok' | 'soon' | 'past' {
  if (!cluster.is_active || !cluster.expires_at) {
    return 'none';
  }
  const left = Date.parse(cluster.expires_at) - now;
  if (Number.isNaN(left)) {
    return 'none';
  }
  if (left <= 0) {
    return 'past';
  }
  return cluster.is_expiring_soon || left <= HOUR ? 'soon' : 'ok';
}

/**
 * A run in a line, in the server's words: "succeeded · 7 s", "failed · 2 min ·
 * cell 4: ValueError", "never ran".
 */
export function runSummary(
  run: Pick<IRun, 'outcome' | 'started_at' | 'finished_at' | 'error'> | null,
  now: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  if (!run) {
    return trans.__('never ran');
  }
  const parts: string[] = [outcomeText(run.outcome, trans)];
  const duration = durationText(run.started_at, run.finished_at, now, trans);
  if (duration) {
    parts.push(duration);
  }
  if (run.error) {
    const cell = cellText(run.error.cell_index, trans);
    parts.push(trans.__('%1: %2', cell, run.error.ename));
  }
  return parts.join(' · ');
}

/**
 * A failing cell as people count it: "cell 4" for `cell_index` 3 (the
 * server counts from 0), "a cell" when unknown.
 */
export function cellText(
  cellIndex: number | null | undefined,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  return typeof cellIndex === 'number' && cellIndex >= 0
    ? trans.__('cell %1', cellIndex + 1)
    : trans.__('a cell');
}

/**
 * The failing cell of a run in one line: "cell 4 raised ValueError: bad".
 */
export function failingCellText(
  error: { cell_index: number | null; ename: string; evalue: string } | null,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  if (!error) {
    return '';
  }
  const cell = cellText(error.cell_index, trans);
  return error.evalue
    ? trans.__('%1 raised %2: %3', cell, error.ename, error.evalue)
    : trans.__('%1 raised %2', cell, error.ename);
}

/**
 * A cluster size in a few words: "1 node", "1 + 3 nodes".
 */
export function sizeText(
  size: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  return size === 1
    ? trans.__('1 node')
    : trans._n('1 + %1 node', '1 + %1 nodes', size);
}

/**
 * A cluster size in words: "a master node only", "a master and 3 core nodes".
 */
export function sizeTitle(
  size: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  return size === 1
    ? trans.__('a master node only')
    : trans._n('a master and %1 core node', 'a master and %1 core nodes', size);
}

/**
 * The default release: the newest stable one, else the newest.
 */
export function defaultRelease(releases: ReadonlyArray<IRelease>): string {
  const stable = releases.find(r => !r.is_experimental && !r.is_deprecated);
  return (stable ?? releases[0])?.version ?? '';
}

/**
 * A release's label in a select.
 */
export function releaseLabel(
  release: IRelease,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  const marks = [
    release.is_experimental ? trans.__('experimental') : '',
    release.is_deprecated ? trans.__('deprecated') : ''
  ].filter(Boolean);
  return marks.length
    ? trans.__('%1 (%2)', release.version, marks.join(', '))
    : release.version;
}

/**
 * When a job runs next, in words.
 */
export function nextRunText(
  job: {
    expired_date: string | null;
    is_enabled: boolean;
    next_run_at: string | null;
  },
  now: number,
  trans: TranslationBundle = nullTranslator.load(DOMAIN)
): string {
  if (job.expired_date) {
    return trans.__('expired');
  }
  if (!job.is_enabled) {
    return trans.__('disabled');
  }
  const next = job.next_run_at ? Date.parse(job.next_run_at) : NaN;
  if (Number.isNaN(next)) {
    return trans.__('no next run');
  }
  return next <= now
    ? trans.__('due now')
    : trans.__('next run in %1', spanText(next - now, trans));
}

/**
 * The count on a list's tab: what is shown when that is the whole list,
 * else the server's total, else "50+" (more pages, no total known).
 */
export function listCountText(
  shown: number,
  more: boolean,
  total: number | null
): string {
  if (!more) {
    return String(shown);
  }
  return total !== null ? String(Math.max(total, shown)) : `${shown}+`;
}
