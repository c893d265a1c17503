/**
 * Form validation and request bodies.
 */
import { IJob, ISSHKey } from '../api';
import {
  extendChoices,
  fromLocalInput,
  identifierFromFileName,
  identifierProblem,
  initialLaunchValues,
  initialScheduleValues,
  intervalRuns,
  jobChanges,
  launchBody,
  newJobBody,
  previewRuns,
  readPublicKeyFile,
  resizeProblem,
  scheduleValuesOfJob,
  sortKeysNewestFirst,
  toLocalInput,
  validateKey,
  validateLaunch,
  validateSchedule
} from '../forms';
import { valueToInput } from '../params';

const key = (id: number, created_at: string): ISSHKey => ({
  id,
  title: `k${id}`,
  prefix: 'ssh-ed25519',
  fingerprint: '00:11',
  fingerprint_sha256: 'SHA256:x',
  created_at
});

const KEYS = [
  key(1, '2026-01-01T00:00:00Z'),
  key(3, '2026-03-01T00:00:00Z'),
  key(2, '2026-02-01T00:00:00Z')
];

const CONFIG = {
  max_cluster_size: 30,
  max_cluster_lifetime: 24,
  default_cluster_lifetime: 8,
  job_intervals: [24, 168, 720],
  job_executor: 'local' as const
};

describe('identifiers', () => {
  it('checks the pattern', () => {
    expect(identifierProblem('good-1')).toBeNull();
    expect(identifierProblem('')).toBe('Enter an identifier.');
    expect(identifierProblem('Bad_Name')).toBe(
      'Use lowercase letters, digits and dashes only.'
    );
    expect(identifierProblem('a'.repeat(101))).toBe(
      'Use at most 100 characters.'
    );
  });

  it('derives one from a notebook file name', () => {
    expect(identifierFromFileName('Reports/Monthly Report (v2).ipynb')).toBe(
      'monthly-report-v2'
    );
    expect(identifierFromFileName('daily_KPIs.ipynb')).toBe('daily-kpis');
    expect(identifierFromFileName('über.ipynb')).toBe('ber');
    expect(identifierFromFileName('___.ipynb')).toBe('notebook');
    expect(identifierFromFileName('x'.repeat(120) + '.ipynb')).toHaveLength(
      100
    );
    for (const name of ['A B.ipynb', '-x-.ipynb', 'Ünïcödé 🙂.ipynb']) {
      expect(identifierProblem(identifierFromFileName(name))).toBeNull();
    }
  });
});

describe('launch form', () => {
  it('prefills the newest key and the default lifetime', () => {
    const values = initialLaunchValues(
      CONFIG,
      KEYS,
      'brave-curie-1234',
      '7.5.0'
    );
    expect(values).toEqual({
      identifier: 'brave-curie-1234',
      size: '1',
      lifetime_hours: '8',
      ssh_key_id: '3',
      emr_release: '7.5.0'
    });
    expect(initialLaunchValues(CONFIG, [], '', '').ssh_key_id).toBe('');
  });

  it('checks bounds from /config', () => {
    const ok = initialLaunchValues(CONFIG, KEYS, 'x', '');
    expect(validateLaunch(ok, CONFIG)).toEqual({});
    expect(
      validateLaunch(
        {
          ...ok,
          identifier: 'No!',
          size: '31',
          lifetime_hours: '1',
          ssh_key_id: ''
        },
        CONFIG
      )
    ).toEqual({
      identifier: 'Use lowercase letters, digits and dashes only.',
      size: 'Use a number from 1 to 30.',
      lifetime_hours: 'Use a number from 2 to 24.',
      ssh_key_id: 'Add an SSH key first: the cluster needs one.'
    });
    expect(validateLaunch({ ...ok, size: '2.5' }, CONFIG).size).toBe(
      'Enter a whole number from 1 to 30.'
    );
    // Maintainers: no upper bound.
    expect(
      validateLaunch(
        { ...ok, size: '500' },
        { ...CONFIG, max_cluster_size: null }
      )
    ).toEqual({});
    expect(
      validateLaunch(
        { ...ok, size: '0' },
        { ...CONFIG, max_cluster_size: null }
      ).size
    ).toBe('Use a number 1 or more.');
    // An empty identifier lets the server pick one.
    expect(validateLaunch({ ...ok, identifier: '' }, CONFIG)).toEqual({});
  });

  it('builds the body with the key id as the server sent it', () => {
    const values = initialLaunchValues(CONFIG, KEYS, 'x', '7.5.0');
    expect(launchBody({ ...values, size: '3' }, KEYS)).toEqual({
      identifier: 'x',
      size: 3,
      lifetime_hours: 8,
      ssh_key_id: 3,
      emr_release: '7.5.0'
    });
    expect(
      launchBody({ ...values, identifier: '', emr_release: '' }, KEYS)
    ).toEqual({
      size: 1,
      lifetime_hours: 8,
      ssh_key_id: 3
    });
  });

  it('offers extensions and checks resizes', () => {
    expect(extendChoices(4)).toEqual([2, 3, 4]);
    expect(extendChoices(1)).toEqual([2]);
    expect(resizeProblem('5', 3, 30)).toBeNull();
    expect(resizeProblem('3', 3, 30)).toBe('The cluster already has 3 nodes.');
    expect(resizeProblem('40', 3, 30)).toBe('Use a number from 1 to 30.');
    expect(resizeProblem('x', 3, null)).toBe('Enter a whole number 1 or more.');
  });
});

describe('keys', () => {
  it('sorts newest first', () => {
    expect(sortKeysNewestFirst(KEYS).map(k => k.id)).toEqual([3, 2, 1]);
  });

  it('reads a .pub file', () => {
    expect(
      readPublicKeyFile('\nssh-ed25519 AAAAC3Nza ann@laptop work\n')
    ).toEqual({
      key: 'ssh-ed25519 AAAAC3Nza ann@laptop work',
      comment: 'ann@laptop work'
    });
    expect(readPublicKeyFile('ssh-rsa AAAAB3')).toEqual({
      key: 'ssh-rsa AAAAB3',
      comment: ''
    });
  });

  it('refuses private keys plainly', () => {
    expect(validateKey({ title: 'laptop', key: 'ssh-ed25519 AAAA' })).toEqual(
      {}
    );
    expect(
      validateKey({
        title: ' ',
        key: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc'
      })
    ).toEqual({
      title: 'Enter a title, e.g. the computer the key is on.',
      key: 'This is a private key. Never share it: paste the public key (the .pub file) instead.'
    });
    expect(validateKey({ title: 'x'.repeat(101), key: '' })).toEqual({
      title: 'Use at most 100 characters.',
      key: 'Paste a public key (the contents of a .pub file).'
    });
  });
});

describe('schedule form', () => {
  const initial = () =>
    initialScheduleValues(
      'work/Daily Report.ipynb',
      CONFIG,
      { day: '2026-11-01', n: 3 },
      valueToInput
    );

  it('prefills from the notebook', () => {
    const values = initial();
    expect(values.identifier).toBe('daily-report');
    expect(values.kind).toBe('interval');
    expect(values.executor).toBe('local');
    expect(values.parameters).toEqual([
      { name: 'day', value: '2026-11-01' },
      { name: 'n', value: '3' }
    ]);
  });

  it('checks every field', () => {
    const values = { ...initial(), description: 'Daily KPIs' };
    expect(validateSchedule(values, CONFIG)).toEqual({});
    const errors = validateSchedule(
      {
        ...values,
        identifier: 'Bad',
        description: ' ',
        kind: 'cron',
        schedule: '0 6 * *',
        timezone: 'Mars/Base',
        job_timeout_hours: '25',
        size: '0',
        start_date: '2026-12-01T00:00',
        end_date: '2026-11-01T00:00',
        parameters: [
          { name: 'ok', value: '1' },
          { name: '1bad', value: '2' }
        ]
      },
      CONFIG
    );
    expect(Object.keys(errors).sort()).toEqual(
      [
        'description',
        'end_date',
        'identifier',
        'job_timeout_hours',
        'parameters',
        'schedule',
        'size',
        'timezone'
      ].sort()
    );
    expect(errors.schedule).toContain('5 fields');
    expect(errors.end_date).toBe('The end must be after the start.');
    expect(
      validateSchedule(
        {
          ...values,
          parameters: [
            { name: 'a', value: '1' },
            { name: 'a', value: '2' }
          ]
        },
        CONFIG
      ).parameters
    ).toBe('"a" is given twice.');
    expect(
      validateSchedule({ ...values, interval_in_hours: '12' }, CONFIG)
    ).toEqual({
      interval_in_hours: 'Choose daily, weekly or monthly.'
    });
    // The identifier is immutable when editing.
    expect(
      validateSchedule({ ...values, identifier: 'Bad' }, CONFIG, {
        editing: true
      })
    ).toEqual({});
  });

  it('builds the POST body', () => {
    const values = {
      ...initial(),
      description: ' Daily KPIs ',
      kind: 'cron' as const,
      schedule: ' 0  6 * * 1 ',
      timezone: 'Europe/Berlin',
      emr_release: '7.5.0',
      parameters: [
        { name: 'day', value: '2026-11-01' },
        { name: 'n', value: '3' },
        { name: '', value: '' }
      ]
    };
    expect(newJobBody(values, 'work/Daily Report.ipynb')).toEqual({
      identifier: 'daily-report',
      description: 'Daily KPIs',
      notebook_path: 'work/Daily Report.ipynb',
      result_visibility: 'private',
      size: 1,
      job_timeout_hours: 24,
      executor: 'local',
      parameters: { day: '2026-11-01', n: 3 },
      schedule: '0 6 * * 1',
      timezone: 'Europe/Berlin',
      emr_release: '7.5.0'
    });
    const interval = newJobBody(
      { ...initial(), description: 'x', interval_in_hours: '168' },
      'a.ipynb'
    );
    expect(interval.interval_in_hours).toBe(168);
    expect(interval.schedule).toBeUndefined();
  });

  it('sends only what changed when editing', () => {
    const job: IJob = {
      id: 7,
      identifier: 'daily-report',
      description: 'Daily KPIs',
      notebook_name: 'Daily Report.ipynb',
      notebook_s3_key: 'jobs/daily-report/Daily Report.ipynb',
      result_visibility: 'private',
      size: 1,
      interval_in_hours: 24,
      schedule: null,
      timezone: null,
      job_timeout_hours: 24,
      start_date: '2026-11-01T06:00:00Z',
      end_date: null,
      expired_date: null,
      is_enabled: true,
      emr_release: '7.5.0',
      parameters: { n: 3 },
      executor: 'local',
      next_run_at: null,
      latest_run: null,
      owner: 'ann',
      created_at: '2026-11-01T06:00:00Z'
    };
    const values = scheduleValuesOfJob(job, valueToInput);
    expect(jobChanges(values, job)).toEqual({});
    expect(
      jobChanges(
        {
          ...values,
          kind: 'cron',
          schedule: '0 6 * * 1',
          timezone: 'UTC',
          size: '2',
          parameters: [{ name: 'n', value: '4' }]
        },
        job
      )
    ).toEqual({
      schedule: '0 6 * * 1',
      timezone: 'UTC',
      interval_in_hours: null,
      size: 2,
      parameters: { n: 4 }
    });
    const end = '2027-01-01T00:00';
    expect(jobChanges({ ...values, end_date: end }, job)).toEqual({
      end_date: fromLocalInput(end)
    });
  });

  it('previews interval runs on the start date grid', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    const future = intervalRuns('2026-11-22T06:00:00Z', 24, 3, now).map(d =>
      d.toISOString()
    );
    expect(future).toEqual([
      '2026-11-22T06:00:00.000Z',
      '2026-11-23T06:00:00.000Z',
      '2026-11-24T06:00:00.000Z'
    ]);
    // A past start is due at once, then keeps its grid.
    const past = intervalRuns('2026-11-20T06:00:00Z', 24, 3, now).map(d =>
      d.toISOString()
    );
    expect(past).toEqual([
      '2026-11-21T12:00:00.000Z',
      '2026-11-22T06:00:00.000Z',
      '2026-11-23T06:00:00.000Z'
    ]);
    expect(intervalRuns(null, 168, 2, now)[0].getTime()).toBe(now);
  });

  it('converts datetime-local values', () => {
    const iso = fromLocalInput('2026-11-21T08:30');
    expect(iso).not.toBeNull();
    expect(toLocalInput(iso)).toBe('2026-11-21T08:30');
    expect(fromLocalInput('')).toBeNull();
    expect(toLocalInput(null)).toBe('');
  });
});

describe('previewRuns', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  const base = () => ({
    ...initialScheduleValues('a.ipynb', CONFIG, {}, valueToInput)
  });

  it('previews cron schedules in their time zone', () => {
    const preview = previewRuns(
      {
        ...base(),
        kind: 'cron',
        schedule: '0 6 * * 1',
        timezone: 'Europe/Berlin'
      },
      now
    );
    expect(preview.zone).toBe('Europe/Berlin');
    expect(preview.problem).toBe('');
    expect(preview.runs.map(d => d.toISOString())).toEqual([
      '2026-11-23T05:00:00.000Z',
      '2026-11-30T05:00:00.000Z',
      '2026-12-07T05:00:00.000Z'
    ]);
  });

  it('starts at the start date', () => {
    const start = toLocalInput('2027-01-04T00:00:00Z');
    const preview = previewRuns(
      {
        ...base(),
        kind: 'cron',
        schedule: '0 6 * * 1',
        timezone: 'UTC',
        start_date: start
      },
      now
    );
    expect(preview.runs[0].toISOString()).toBe('2027-01-04T06:00:00.000Z');
  });

  it('explains bad expressions and empty schedules', () => {
    expect(
      previewRuns({ ...base(), kind: 'cron', schedule: '0 6 *' }, now).problem
    ).toContain('5 fields');
    expect(
      previewRuns(
        { ...base(), kind: 'cron', schedule: '0 0 31 2 *', timezone: 'UTC' },
        now
      ).problem
    ).toBe('This schedule never runs.');
    expect(
      previewRuns(
        {
          ...base(),
          kind: 'cron',
          schedule: '0 0 * * *',
          timezone: 'Nowhere/X'
        },
        now
      ).problem
    ).toContain('Unknown time zone');
    expect(
      previewRuns(
        { ...base(), kind: 'cron', schedule: '0 0 L * *', timezone: 'UTC' },
        now
      ).problem
    ).toBe('No preview for L, W or # (the server checks them).');
  });

  it('previews intervals from now', () => {
    const preview = previewRuns(
      { ...base(), kind: 'interval', interval_in_hours: '168' },
      now
    );
    expect(preview.runs.map(d => d.getTime() - now)).toEqual([
      0,
      168 * 3600000,
      336 * 3600000
    ]);
  });
});
