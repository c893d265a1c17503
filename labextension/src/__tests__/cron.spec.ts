/**
 * The client-side cron helper (schedule preview).
 */
import {
  CronError,
  instantsOf,
  isValidCron,
  isValidTimeZone,
  nextRuns,
  parseCron,
  usesCronExtensions,
  wallTime
} from '../cron';
import goldenCases from './cron-golden.json';

const iso = (dates: Date[]): string[] => dates.map(d => d.toISOString());

describe('parseCron', () => {
  it('reads lists, ranges, steps and names', () => {
    const s = parseCron('0,30 9-17/4 1 jan-mar MON-fri');
    expect([...s.minutes]).toEqual([0, 30]);
    expect([...s.hours]).toEqual([9, 13, 17]);
    expect([...s.daysOfMonth]).toEqual([1]);
    expect([...s.months]).toEqual([1, 2, 3]);
    expect([...s.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect(s.anyDayOfMonth).toBe(false);
    expect(s.hourWildcard).toBe(false);
  });

  it('treats 7 as Sunday and expands steps from a start value', () => {
    expect([...parseCron('0 0 * * 7').daysOfWeek]).toEqual([0]);
    expect([...parseCron('5/20 * * * *').minutes]).toEqual([5, 25, 45]);
    expect(parseCron('0 */2 * * *').hourWildcard).toBe(true);
  });

  it('notices croniter extensions it leaves to the server', () => {
    expect(usesCronExtensions('0 0 L * *')).toBe(true);
    expect(usesCronExtensions('0 0 * * 5#2')).toBe(true);
    expect(usesCronExtensions('0 0 15W * *')).toBe(true);
    expect(usesCronExtensions('0 0 * jul wed')).toBe(false);
    expect(usesCronExtensions('0 6 * * 1')).toBe(false);
  });

  it.each([
    ['', 'Enter a cron expression'],
    ['0 6 * *', 'has 5 fields'],
    ['0 6 * * * *', 'this one has 6'],
    ['60 * * * *', 'minute must be from 0 to 59'],
    ['0 24 * * *', 'hour must be from 0 to 23'],
    ['0 0 0 * *', 'day of month must be from 1 to 31'],
    ['0 0 * 13 *', 'month must be from 1 to 12'],
    ['0 0 * * 8', 'day of week must be from 0 to 7'],
    ['*/0 * * * *', 'positive number'],
    ['5-1 * * * *', 'goes backwards'],
    ['a * * * *', 'invalid value "a"'],
    ['1,,2 * * * *', 'empty list item'],
    ['@daily', 'as five fields'],
    ['@sometimes', 'as five fields']
  ])('rejects %p', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(CronError);
    expect(() => parseCron(expression)).toThrow(message);
    expect(isValidCron(expression)).toBe(false);
  });
});

describe('time zones', () => {
  it('knows IANA names', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('reads wall-clock times', () => {
    expect(
      wallTime(Date.parse('2026-07-01T10:00:00Z'), 'Europe/Berlin')
    ).toEqual({ year: 2026, month: 7, day: 1, hour: 12, minute: 0 });
  });

  it('finds none, one or two instants of a wall time', () => {
    // Berlin springs forward on 2026-03-29 at 02:00 and falls back on
    // 2026-10-25 at 03:00.
    const zone = 'Europe/Berlin';
    expect(
      instantsOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, zone)
    ).toEqual([]);
    expect(
      instantsOf(
        { year: 2026, month: 10, day: 25, hour: 2, minute: 30 },
        zone
      ).map(ms => new Date(ms).toISOString())
    ).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
    expect(
      instantsOf({ year: 2026, month: 6, day: 1, hour: 8, minute: 0 }, zone)
    ).toEqual([Date.parse('2026-06-01T06:00:00Z')]);
  });
});

describe('nextRuns', () => {
  it('gives the next runs in UTC, strictly after the start', () => {
    const after = new Date('2026-11-21T06:00:00Z'); // a Saturday
    expect(iso(nextRuns('0 6 * * *', after, 3))).toEqual([
      '2026-11-22T06:00:00.000Z',
      '2026-11-23T06:00:00.000Z',
      '2026-11-24T06:00:00.000Z'
    ]);
    expect(
      iso(nextRuns('*/20 * * * *', new Date('2026-11-21T06:05:00Z'), 3))
    ).toEqual([
      '2026-11-21T06:20:00.000Z',
      '2026-11-21T06:40:00.000Z',
      '2026-11-21T07:00:00.000Z'
    ]);
  });

  it('evaluates the wall clock of the time zone', () => {
    // Monday 06:00 in Berlin: 05:00 UTC in winter, 04:00 UTC in summer.
    const runs = nextRuns(
      '0 6 * * 1',
      new Date('2026-03-20T00:00:00Z'),
      3,
      'Europe/Berlin'
    );
    expect(iso(runs)).toEqual([
      '2026-03-23T05:00:00.000Z',
      '2026-03-30T04:00:00.000Z',
      '2026-04-06T04:00:00.000Z'
    ]);
    const tokyo = nextRuns(
      '30 23 * * *',
      new Date('2026-01-01T00:00:00Z'),
      1,
      'Asia/Tokyo'
    );
    expect(iso(tokyo)).toEqual(['2026-01-01T14:30:00.000Z']);
  });

  it('runs a wall time skipped by daylight saving at the transition', () => {
    const runs = nextRuns(
      '30 2 * * *',
      new Date('2026-03-28T12:00:00Z'),
      2,
      'Europe/Berlin'
    );
    expect(iso(runs)).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, the transition
      '2026-03-30T00:30:00.000Z'
    ]);
  });

  it('runs a repeated wall time once, or twice with a wildcard hour', () => {
    const after = new Date('2026-10-24T12:00:00Z');
    expect(iso(nextRuns('30 2 * * *', after, 2, 'Europe/Berlin'))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z'
    ]);
    expect(
      iso(
        nextRuns(
          '30 * * * *',
          new Date('2026-10-25T00:00:00Z'),
          3,
          'Europe/Berlin'
        )
      )
    ).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:30:00.000Z'
    ]);
  });

  it('matches day of month OR day of week when both are restricted', () => {
    // The 1st, or any Friday.
    const runs = nextRuns('0 0 1 * 5', new Date('2026-11-25T00:00:00Z'), 3);
    expect(iso(runs)).toEqual([
      '2026-11-27T00:00:00.000Z',
      '2026-12-01T00:00:00.000Z',
      '2026-12-04T00:00:00.000Z'
    ]);
  });

  it('finds rare dates and gives up on impossible ones', () => {
    expect(
      iso(nextRuns('0 0 29 2 *', new Date('2026-01-01T00:00:00Z'), 2))
    ).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
    expect(nextRuns('0 0 31 2 *', new Date('2026-01-01T00:00:00Z'), 3)).toEqual(
      []
    );
  });

  it('is fast for every-minute schedules', () => {
    const started = Date.now();
    const runs = nextRuns(
      '* * * * *',
      new Date('2026-11-21T06:00:30Z'),
      3,
      'America/New_York'
    );
    expect(iso(runs)).toEqual([
      '2026-11-21T06:01:00.000Z',
      '2026-11-21T06:02:00.000Z',
      '2026-11-21T06:03:00.000Z'
    ]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects unknown zones', () => {
    expect(() => nextRuns('0 0 * * *', new Date(), 1, 'Nowhere/Land')).toThrow(
      'Unknown time zone'
    );
  });
});

describe('agreement with the server', () => {
  // Generated by scripts/cron_golden.py from atmo_lab.jobs.schedule.
  const golden: Array<{
    expression: string;
    zone: string;
    after: string;
    runs: string[];
  }> = goldenCases;

  it('has cases', () => {
    expect(golden.length).toBeGreaterThan(100);
  });

  it.each(golden.map(c => [c.expression, c.zone, c.after, c.runs]))(
    '%s in %s after %s',
    (expression, zone, after, runs) => {
      const mine = nextRuns(
        expression as string,
        new Date(after as string),
        3,
        zone as string
      );
      expect(mine.map(d => d.toISOString())).toEqual(runs);
    }
  );
});
