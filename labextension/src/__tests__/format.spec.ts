/**
 * Text for people: schedules, relative times, durations, sizes, states.
 */
import {
  bytesText,
  defaultRelease,
  dateTimeText,
  durationText,
  expiryText,
  expiryTone,
  failingCellText,
  intervalLabel,
  listCountText,
  nextRunText,
  releaseLabel,
  relativeTime,
  outcomeTone,
  runSummary,
  scheduleText,
  sizeText,
  sizeTitle,
  spanText,
  statusLabel,
  statusTone
} from '../format';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const later = (ms: number): string => new Date(NOW + ms).toISOString();
const MIN = 60000;
const HOUR = 60 * MIN;

describe('scheduleText', () => {
  it('names the intervals', () => {
    const base = { schedule: null, timezone: null };
    expect(scheduleText({ ...base, interval_in_hours: 24 })).toBe('every day');
    expect(scheduleText({ ...base, interval_in_hours: 168 })).toBe(
      'every week'
    );
    expect(scheduleText({ ...base, interval_in_hours: 720 })).toBe(
      'every month'
    );
    expect(scheduleText({ ...base, interval_in_hours: 6 })).toBe('every 6 h');
    expect(scheduleText({ ...base, interval_in_hours: null })).toBe(
      'no schedule'
    );
  });

  it('shows cron with its time zone', () => {
    expect(
      scheduleText({
        interval_in_hours: null,
        schedule: '0 6 * * 1',
        timezone: 'Europe/Berlin'
      })
    ).toBe('cron 0 6 * * 1 (Europe/Berlin)');
    expect(
      scheduleText({
        interval_in_hours: null,
        schedule: '0 6 * * 1',
        timezone: null
      })
    ).toBe('cron 0 6 * * 1 (UTC)');
  });

  it('labels interval choices', () => {
    expect(intervalLabel(24)).toBe('Daily');
    expect(intervalLabel(168)).toBe('Weekly');
    expect(intervalLabel(720)).toBe('Monthly (every 30 days)');
    expect(intervalLabel(12)).toBe('Every 12 h');
  });
});

describe('relative times', () => {
  it('spells spans', () => {
    expect(spanText(3 * HOUR + 12 * MIN + 59000)).toBe('3 h 12 min');
    expect(spanText(45 * MIN)).toBe('45 min');
    expect(spanText(2 * HOUR)).toBe('2 h');
    expect(spanText(50 * HOUR)).toBe('2 d 2 h');
    expect(spanText(48 * HOUR)).toBe('2 d');
    expect(spanText(30000)).toBe('less than a minute');
    expect(spanText(-45 * MIN)).toBe('45 min');
  });

  it('says in … or … ago', () => {
    expect(relativeTime(later(3 * HOUR + 12 * MIN), NOW)).toBe('in 3 h 12 min');
    expect(relativeTime(later(-5 * MIN), NOW)).toBe('5 min ago');
    expect(relativeTime(later(20000), NOW)).toBe('in less than a minute');
    expect(relativeTime(later(-20000), NOW)).toBe('just now');
    expect(relativeTime(null, NOW)).toBe('');
    expect(relativeTime('not a date', NOW)).toBe('');
  });

  it('tells a cluster expiry', () => {
    const active = { is_active: true, expires_at: later(3 * HOUR + 12 * MIN) };
    expect(expiryText(active, NOW)).toBe('expires in 3 h 12 min');
    expect(expiryText({ ...active, expires_at: later(-10 * MIN) }, NOW)).toBe(
      'expired 10 min ago'
    );
    expect(expiryText({ ...active, is_active: false }, NOW)).toBe('');
    expect(expiryText({ ...active, expires_at: null }, NOW)).toBe('');
  });

  it('grades the expiry', () => {
    const c = {
      is_active: true,
      expires_at: later(3 * HOUR),
      is_expiring_soon: false
    };
    expect(expiryTone(c, NOW)).toBe('ok');
    expect(expiryTone({ ...c, expires_at: later(30 * MIN) }, NOW)).toBe('soon');
    expect(expiryTone({ ...c, is_expiring_soon: true }, NOW)).toBe('soon');
    expect(expiryTone({ ...c, expires_at: later(-MIN) }, NOW)).toBe('past');
    expect(expiryTone({ ...c, is_active: false }, NOW)).toBe('none');
  });
});

describe('durations and sizes', () => {
  it('measures runs', () => {
    const start = later(0);
    expect(durationText(start, later(12000), NOW)).toBe('12 s');
    expect(durationText(start, later(65000), NOW)).toBe('1 min 5 s');
    expect(durationText(start, later(2 * MIN), NOW)).toBe('2 min');
    expect(durationText(start, later(2 * HOUR + 3 * MIN), NOW)).toBe(
      '2 h 3 min'
    );
    expect(durationText(later(-30000), null, NOW)).toBe('30 s');
    expect(durationText(null, null, NOW)).toBe('');
  });

  it('formats bytes', () => {
    expect(bytesText(512)).toBe('512 B');
    expect(bytesText(1536)).toBe('1.5 KB');
    expect(bytesText(12 * 1024 * 1024)).toBe('12 MB');
    expect(bytesText(-1)).toBe('');
  });

  it('formats instants in a zone', () => {
    expect(dateTimeText('2026-11-23T05:00:00Z', 'Europe/Berlin')).toBe(
      'Mon 2026-11-23 06:00'
    );
    expect(dateTimeText(new Date('2026-11-23T05:00:00Z'), 'UTC')).toBe(
      'Mon 2026-11-23 05:00'
    );
    expect(dateTimeText(null)).toBe('');
    expect(dateTimeText('garbage')).toBe('');
  });
});

describe('states', () => {
  it('groups EMR states into tones', () => {
    expect(statusTone('STARTING')).toBe('pending');
    expect(statusTone('BOOTSTRAPPING')).toBe('pending');
    expect(statusTone('WAITING')).toBe('ready');
    expect(statusTone('RUNNING')).toBe('busy');
    expect(statusTone('TERMINATING')).toBe('busy');
    expect(statusTone('TERMINATED')).toBe('done');
    expect(statusTone('TERMINATED_WITH_ERRORS')).toBe('failed');
    expect(statusTone('MISSED')).toBe('missed');
    expect(statusLabel('TERMINATED_WITH_ERRORS')).toBe(
      'terminated with errors'
    );
    expect(statusLabel(null)).toBe('never ran');
    expect(outcomeTone('succeeded')).toBe('ready');
    expect(outcomeTone('failed')).toBe('failed');
    expect(outcomeTone('timed out')).toBe('failed');
    expect(outcomeTone('missed')).toBe('missed');
    expect(outcomeTone('running')).toBe('busy');
    expect(outcomeTone('stopped')).toBe('done');
  });

  it('summarises a run', () => {
    expect(runSummary(null, NOW)).toBe('never ran');
    expect(
      runSummary(
        {
          outcome: 'failed',
          started_at: later(-65000),
          finished_at: later(0),
          error: { cell_index: 3, ename: 'ValueError', evalue: 'bad' }
        },
        NOW
      )
    ).toBe('failed · 1 min 5 s · cell 4: ValueError');
    // The server's word, never EMR's state: a succeeded run never reads "terminated".
    expect(
      runSummary(
        {
          outcome: 'succeeded',
          started_at: later(-7000),
          finished_at: later(0),
          error: null
        },
        NOW
      )
    ).toBe('succeeded · 7 s');
    expect(
      failingCellText({ cell_index: 0, ename: 'ValueError', evalue: 'bad' })
    ).toBe('cell 1 raised ValueError: bad');
    expect(failingCellText({ cell_index: null, ename: 'E', evalue: '' })).toBe(
      'a cell raised E'
    );
    expect(failingCellText(null)).toBe('');
  });
});

describe('clusters and releases', () => {
  it('spells sizes', () => {
    expect(sizeText(1)).toBe('1 node');
    expect(sizeText(3)).toBe('1 + 3 nodes');
    expect(sizeTitle(1)).toBe('a master node only');
    expect(sizeTitle(3)).toBe('a master and 3 core nodes');
  });

  it('picks and labels releases', () => {
    const release = (
      version: string,
      is_experimental = false,
      is_deprecated = false
    ) => ({
      version,
      changelog_url: '',
      help_text: '',
      is_experimental,
      is_deprecated
    });
    const releases = [
      release('7.10.0', true),
      release('7.9.0'),
      release('6.15.0', false, true)
    ];
    expect(defaultRelease(releases)).toBe('7.9.0');
    expect(defaultRelease([release('8.0.0', true)])).toBe('8.0.0');
    expect(defaultRelease([])).toBe('');
    expect(releaseLabel(releases[0])).toBe('7.10.0 (experimental)');
    expect(releaseLabel(releases[1])).toBe('7.9.0');
    expect(releaseLabel(release('5.0.0', true, true))).toBe(
      '5.0.0 (experimental, deprecated)'
    );
  });
});

describe('nextRunText', () => {
  const job = {
    expired_date: null,
    is_enabled: true,
    next_run_at: later(2 * HOUR)
  };
  it('says when a job runs next', () => {
    expect(nextRunText(job, NOW)).toBe('next run in 2 h');
    expect(nextRunText({ ...job, next_run_at: later(-MIN) }, NOW)).toBe(
      'due now'
    );
    expect(nextRunText({ ...job, is_enabled: false }, NOW)).toBe('disabled');
    expect(nextRunText({ ...job, expired_date: later(-HOUR) }, NOW)).toBe(
      'expired'
    );
    expect(nextRunText({ ...job, next_run_at: null }, NOW)).toBe('no next run');
  });
});

describe('list counts', () => {
  it('counts the whole list, not the page', () => {
    expect(listCountText(3, false, 3)).toBe('3');
    expect(listCountText(50, true, 1000)).toBe('1000'); // 1,000 active clusters
    expect(listCountText(50, true, null)).toBe('50+'); // no total from the server
    expect(listCountText(4, false, null)).toBe('4');
    // a launch shown before the next refresh is not undercounted
    expect(listCountText(51, true, 50)).toBe('51');
  });
});
