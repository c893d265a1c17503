/**
 * Text for people: schedules, relative times, durations, sizes, states.
 * Pure functions (no JupyterLab imports) so they can be unit tested.
 */
import type { IRelease, IRun, RunOutcome } from './api';

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
export function scheduleText(job: {
  interval_in_hours: number | null;
  schedule: string | null;
  timezone: string | null;
}): string {
  if (job.schedule) {
    return `cron ${job.schedule} (${job.timezone || 'UTC'})`;
  }
  switch (job.interval_in_hours) {
    case 24:
      return 'every day';
    case 168:
      return 'every week';
    case 720:
      return 'every month';
    case null:
    case undefined:
      return 'no schedule';
    default:
      return `every ${job.interval_in_hours} h`;
  }
}

/**
 * The label of an interval choice in the schedule form.
 */
export function intervalLabel(hours: number): string {
  switch (hours) {
    case 24:
      return 'Daily';
    case 168:
      return 'Weekly';
    case 720:
      return 'Monthly (every 30 days)';
    default:
      return `Every ${hours} h`;
  }
}

/**
 * A span of time as "3 h 12 min", "45 min", "2 d 4 h" or "less than a
 * minute", rounded down to the minute.
 *
 * @param ms The span in milliseconds (its absolute value is used)
 */
export function spanText(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) {
    return 'less than a minute';
  }
  const days = Math.floor(abs / DAY);
  const hours = Math.floor((abs % DAY) / HOUR);
  const minutes = Math.floor((abs % HOUR) / MINUTE);
  if (days > 0) {
    return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  }
  if (hours > 0) {
    return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  return `${minutes} min`;
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
export function relativeTime(iso: string | null, now: number): string {
  if (!iso) {
    return '';
  }
  const target = Date.parse(iso);
  if (Number.isNaN(target)) {
    return '';
  }
  const delta = target - now;
  if (Math.abs(delta) < MINUTE) {
    return delta >= 0 ? 'in less than a minute' : 'just now';
  }
  return delta > 0 ? `in ${spanText(delta)}` : `${spanText(delta)} ago`;
}

/**
 * The time to a cluster's expiry: "expires in 3 h 12 min", "expired 5 min
 * ago", or "" when the cluster has no expiry or is no longer active.
 */
export function expiryText(
  cluster: { expires_at: string | null; is_active: boolean },
  now: number
): string {
  if (!cluster.is_active || !cluster.expires_at) {
    return '';
  }
  const target = Date.parse(cluster.expires_at);
  if (Number.isNaN(target)) {
    return '';
  }
  return target > now
    ? `expires ${relativeTime(cluster.expires_at, now)}`
    : `expired ${relativeTime(cluster.expires_at, now)}`;
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
  now: number
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
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    const rest = seconds % 60;
    return rest > 0 ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  return spanText(ms);
}

/**
 * A byte count as "512 B", "1.5 KB", "12 MB".
 */
export function bytesText(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
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
 * A state in words for screen readers and tooltips.
 */
export function statusLabel(status: string | null | undefined): string {
  if (!status) {
    return 'never ran';
  }
  return status.toLowerCase().replace(/_/g, ' ');
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
  now: number
): string {
  if (!run) {
    return 'never ran';
  }
  const parts: string[] = [run.outcome];
  const duration = durationText(run.started_at, run.finished_at, now);
  if (duration) {
    parts.push(duration);
  }
  if (run.error) {
    parts.push(`${cellText(run.error.cell_index)}: ${run.error.ename}`);
  }
  return parts.join(' · ');
}

/**
 * A failing cell as people count it: "cell 4" for `cell_index` 3 (the
 * server counts from 0), "a cell" when unknown.
 */
export function cellText(cellIndex: number | null | undefined): string {
  return typeof cellIndex === 'number' && cellIndex >= 0
    ? `cell ${cellIndex + 1}`
    : 'a cell';
}

/**
 * The failing cell of a run in one line: "cell 4 raised ValueError: bad".
 */
export function failingCellText(
  error: { cell_index: number | null; ename: string; evalue: string } | null
): string {
  if (!error) {
    return '';
  }
  const evalue = error.evalue ? `: ${error.evalue}` : '';
  return `${cellText(error.cell_index)} raised ${error.ename}${evalue}`;
}

/**
 * A cluster size in a few words: "1 node", "1 + 3 nodes".
 */
export function sizeText(size: number): string {
  return size === 1 ? '1 node' : `1 + ${size} nodes`;
}

/**
 * A cluster size in words: "a master node only", "a master and 3 core nodes".
 */
export function sizeTitle(size: number): string {
  return size === 1 ? 'a master node only' : `a master and ${size} core nodes`;
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
export function releaseLabel(release: IRelease): string {
  const marks = [
    release.is_experimental ? 'experimental' : '',
    release.is_deprecated ? 'deprecated' : ''
  ].filter(Boolean);
  return marks.length
    ? `${release.version} (${marks.join(', ')})`
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
  now: number
): string {
  if (job.expired_date) {
    return 'expired';
  }
  if (!job.is_enabled) {
    return 'disabled';
  }
  if (!job.next_run_at) {
    return 'no next run';
  }
  const when = relativeTime(job.next_run_at, now);
  return Date.parse(job.next_run_at) <= now ? 'due now' : `next run ${when}`;
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
