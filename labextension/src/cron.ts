/**
 * A small five-field cron helper: parse an expression and compute its next
 * run times in an IANA time zone, client-side, for the schedule preview.
 *
 * Semantics follow the server (atmo_lab/jobs/schedule.py, Vixie cron): when
 * both day-of-month and day-of-week are restricted, a day matches if either
 * does. A wall-clock time that does not exist in the zone (the hour skipped
 * when daylight saving time starts) runs at the transition; one that
 * happens twice (the hour repeated when it ends) runs once, at its first
 * pass, unless the hour field is a wildcard (`*` or `*` with a step): then both passes
 * run. The server stays the authority: the preview is for people.
 */

/**
 * A parsed cron expression: the allowed values of each field.
 */
export interface ICronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday */
  daysOfWeek: ReadonlySet<number>;
  /** true when the day-of-month field is `*` (or `?`) */
  anyDayOfMonth: boolean;
  /** true when the day-of-week field is `*` (or `?`) */
  anyDayOfWeek: boolean;
  /** true when the hour field is a wildcard (`*` or `*` with a step) */
  hourWildcard: boolean;
}

/**
 * The error of an invalid cron expression; `message` says what to fix.
 */
export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

const MONTH_NAMES = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec'
];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface IFieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** the first name maps to this number */
  nameBase?: number;
}

const FIELDS: IFieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  // 7 is accepted as Sunday and folded to 0 below.
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 }
];

function parseValue(text: string, spec: IFieldSpec): number {
  const lower = text.toLowerCase();
  if (spec.names) {
    const index = spec.names.indexOf(lower);
    if (index !== -1) {
      return index + (spec.nameBase ?? 0);
    }
  }
  if (!/^\d+$/.test(text)) {
    throw new CronError(
      `The ${spec.name} field has an invalid value "${text}".`
    );
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw new CronError(
      `The ${spec.name} must be from ${spec.min} to ${spec.max}, not ${value}.`
    );
  }
  return value;
}

function parseField(text: string, spec: IFieldSpec): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') {
      throw new CronError(`The ${spec.name} field has an empty list item.`);
    }
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) {
      throw new CronError(`The ${spec.name} field has two steps in "${part}".`);
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        throw new CronError(
          `The step in the ${spec.name} field must be a positive number.`
        );
      }
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      low = spec.min;
      high = spec.max === 7 ? 6 : spec.max;
    } else if (range.includes('-')) {
      const [a, b, c] = range.split('-');
      if (c !== undefined || a === '' || b === '') {
        throw new CronError(
          `The ${spec.name} field has an invalid range "${range}".`
        );
      }
      low = parseValue(a, spec);
      high = parseValue(b, spec);
      if (low > high) {
        throw new CronError(
          `The range "${range}" in the ${spec.name} field goes backwards.`
        );
      }
    } else {
      low = parseValue(range, spec);
      // "5/15" means from 5 to the end, every 15.
      high = stepText !== undefined ? spec.max : low;
    }
    for (let v = low; v <= high; v += step) {
      values.add(spec.max === 7 && v === 7 ? 0 : v);
    }
  }
  return values;
}

/**
 * Parse a five-field cron expression (minute hour day-of-month month
 * day-of-week), with lists, ranges, steps and month and day names.
 * croniter's extensions (`L`, `W`, `#`) are not understood here; see
 * `usesCronExtensions`.
 *
 * @param expression The cron expression
 * @returns The parsed schedule
 * @throws CronError with a message a person can act on
 */
export function parseCron(expression: string): ICronSchedule {
  const text = expression.trim().replace(/\s+/g, ' ');
  if (text === '') {
    throw new CronError('Enter a cron expression, e.g. "0 6 * * 1".');
  }
  if (text.startsWith('@')) {
    // The server (croniter through atmo_lab) takes five fields only.
    throw new CronError(
      `Write "${text}" as five fields, e.g. "0 0 * * *" for @daily.`
    );
  }
  const parts = text.split(' ');
  if (parts.length !== 5) {
    throw new CronError(
      `A cron expression has 5 fields (minute hour day month weekday); this one has ${parts.length}.`
    );
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((p, i) =>
    parseField(p, FIELDS[i])
  );
  return {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    anyDayOfMonth: parts[2] === '*' || parts[2] === '?',
    anyDayOfWeek: parts[4] === '*' || parts[4] === '?',
    hourWildcard: parts[1].startsWith('*')
  };
}

/**
 * Whether `expression` uses croniter extensions this helper does not read
 * (`L` last day, `W` weekday, `#` n-th weekday): the server decides then.
 */
export function usesCronExtensions(expression: string): boolean {
  return /[LW#]/i.test(
    expression
      .replace(/\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\b/gi, '')
      .replace(/\b(sun|mon|tue|wed|thu|fri|sat)\b/gi, '')
  );
}

/**
 * Whether `expression` is a valid cron expression.
 */
export function isValidCron(expression: string): boolean {
  try {
    parseCron(expression);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `zone` is an IANA time zone this browser knows.
 */
export function isValidTimeZone(zone: string): boolean {
  if (!zone) {
    return false;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A wall-clock time in some zone (month 1–12).
 */
export interface IWallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric'
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * The wall-clock time of the instant `ms` in `zone`.
 */
export function wallTime(ms: number, zone: string): IWallTime {
  const parts: { [type: string]: number } = {};
  for (const part of formatterFor(zone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') {
      parts[part.type] = Number(part.value);
    }
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour % 24,
    minute: parts.minute
  };
}

function wallAsUtc(t: IWallTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
}

function sameWall(a: IWallTime, b: IWallTime): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute
  );
}

/**
 * The instants at which the wall-clock time `t` occurs in `zone`, earliest
 * first: none in a daylight-saving gap, two in an overlap, usually one.
 */
export function instantsOf(t: IWallTime, zone: string): number[] {
  const naive = wallAsUtc(t);
  const found = new Set<number>();
  // Offsets are within ±18 h; probing around the naive instant finds both
  // candidates of an overlap.
  for (const probe of [naive - 86400000, naive, naive + 86400000]) {
    const offset = wallAsUtc(wallTime(probe, zone)) - probe;
    const candidate = naive - offset;
    if (sameWall(wallTime(candidate, zone), t)) {
      found.add(candidate);
    }
  }
  return Array.from(found).sort((a, b) => a - b);
}

/**
 * The first instant whose wall-clock time in `zone` is at or after `t`: for
 * a wall time in a daylight-saving gap, the transition itself.
 */
export function transitionInstant(t: IWallTime, zone: string): number {
  const target = wallAsUtc(t);
  // Offsets change by at most a few hours: search the 26 h around it.
  let low = target - 14 * 3600000;
  let high = target + 14 * 3600000;
  while (high - low > 60000) {
    const mid = low + Math.floor((high - low) / 120000) * 60000;
    if (wallAsUtc(wallTime(mid, zone)) >= target) {
      high = mid;
    } else {
      low = mid;
    }
  }
  return high;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayMatches(
  schedule: ICronSchedule,
  year: number,
  month: number,
  day: number
): boolean {
  if (!schedule.months.has(month)) {
    return false;
  }
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const domOk = schedule.daysOfMonth.has(day);
  const dowOk = schedule.daysOfWeek.has(weekday);
  if (schedule.anyDayOfMonth && schedule.anyDayOfWeek) {
    return true;
  }
  if (schedule.anyDayOfMonth) {
    return dowOk;
  }
  if (schedule.anyDayOfWeek) {
    return domOk;
  }
  return domOk || dowOk;
}

/**
 * Search horizon: long enough for "29 February on a Monday".
 */
const MAX_DAYS = 366 * 28;

/**
 * The next `count` run times of a cron schedule strictly after `after`.
 *
 * @param expression A cron expression (or an already parsed schedule)
 * @param after The instant to start from
 * @param count How many run times to return
 * @param zone The IANA time zone the expression is evaluated in (default UTC)
 * @returns The run times, ascending (fewer than `count` only when the
 *   expression can never match, e.g. "0 0 31 2 *")
 * @throws CronError for an invalid expression, RangeError for an unknown zone
 */
export function nextRuns(
  expression: string | ICronSchedule,
  after: Date,
  count: number,
  zone = 'UTC'
): Date[] {
  const schedule =
    typeof expression === 'string' ? parseCron(expression) : expression;
  if (!isValidTimeZone(zone)) {
    throw new RangeError(`Unknown time zone "${zone}".`);
  }
  const hours = Array.from(schedule.hours).sort((a, b) => a - b);
  const minutes = Array.from(schedule.minutes).sort((a, b) => a - b);
  const result: Date[] = [];
  const startMs = after.getTime();
  let lastMs = startMs;
  const start = wallTime(startMs, zone);
  // Walk calendar days in the zone, starting the day before to be safe
  // around offsets; instants are compared, not wall times.
  let cursor = Date.UTC(start.year, start.month - 1, start.day) - 86400000;
  for (
    let i = 0;
    i < MAX_DAYS && result.length < count;
    i++, cursor += 86400000
  ) {
    const date = new Date(cursor);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    if (
      day > daysInMonth(year, month) ||
      !dayMatches(schedule, year, month, day)
    ) {
      continue;
    }
    // Gather the day's instants first: around a daylight-saving change the
    // wall-clock order is not the order in time.
    const instants: number[] = [];
    for (const hour of hours) {
      for (const minute of minutes) {
        // An instant is within [naive - 14 h, naive + 12 h] of its wall
        // time read as UTC: skip what cannot come after the start, and stop
        // once the rest of the day cannot come before what was found.
        const naive = Date.UTC(year, month - 1, day, hour, minute);
        if (naive + 13 * 3600000 <= startMs) {
          continue;
        }
        if (
          instants.length >= count &&
          naive - 15 * 3600000 > Math.max(...instants)
        ) {
          break;
        }
        const wall = { year, month, day, hour, minute };
        const found = instantsOf(wall, zone);
        const passes =
          found.length === 0
            ? [transitionInstant(wall, zone)]
            : schedule.hourWildcard
              ? found
              : found.slice(0, 1);
        instants.push(...passes.filter(instant => instant > lastMs));
      }
    }
    instants.sort((a, b) => a - b);
    for (const instant of instants) {
      if (instant > lastMs) {
        result.push(new Date(instant));
        lastMs = instant;
        if (result.length >= count) {
          return result;
        }
      }
    }
  }
  return result;
}
