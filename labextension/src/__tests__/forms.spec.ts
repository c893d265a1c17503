/**
 * Form validation and request bodies.
 */
import { IJob, INotebookFacts, ISSHKey } from '../api';
import {
  extendChoices,
  fromLocalInput,
  identifierProblem,
  initialLaunchValues,
  initialScheduleValues,
  jobChanges,
  launchBody,
  newJobBody,
  previewQuery,
  readPublicKeyFile,
  resizeProblem,
  scheduleValuesOfJob,
  sortKeysNewestFirst,
  toLocalInput,
  validateKey,
  validateLaunch,
  validateSchedule
} from '../forms';

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
  min_resize_size: 2,
  min_cluster_lifetime: 2,
  max_cluster_lifetime: 24,
  default_cluster_lifetime: 8,
  job_intervals: [24, 168, 720],
  default_interval_in_hours: 168,
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
    const hours = { min_cluster_lifetime: 2 };
    expect(extendChoices({ ...hours, max_cluster_lifetime: 4 })).toEqual([
      2, 3, 4
    ]);
    expect(extendChoices({ ...hours, max_cluster_lifetime: 1 })).toEqual([2]);
    expect(resizeProblem('5', 3, CONFIG)).toBeNull();
    expect(resizeProblem('3', 3, CONFIG)).toBe(
      'The cluster already has 3 nodes.'
    );
    expect(resizeProblem('40', 3, CONFIG)).toBe('Use a number from 2 to 30.');
    expect(resizeProblem('x', 3, { ...CONFIG, max_cluster_size: null })).toBe(
      'Enter a whole number 2 or more.'
    );
    // the bound is GET /config's min_resize_size (test_clusters.py checks the server keeps it)
    expect(resizeProblem('1', 3, CONFIG)).toBe('Use a number from 2 to 30.');
    expect(resizeProblem('2', 3, { ...CONFIG, min_resize_size: 3 })).toBe(
      'Use a number from 3 to 30.'
    );
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

  it('leaves private keys to the server', () => {
    expect(validateKey({ title: 'laptop', key: 'ssh-ed25519 AAAA' })).toEqual(
      {}
    );
    // whatever the kind (test_keys.py: the server names every one)
    for (const key of [
      '-----BEGIN OPENSSH PRIVATE KEY-----\nabc',
      'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none'
    ]) {
      expect(validateKey({ title: ' ', key })).toEqual({
        title: 'Enter a title, e.g. the computer the key is on.'
      });
    }
    expect(validateKey({ title: 'x'.repeat(101), key: '' })).toEqual({
      title: 'Use at most 100 characters.',
      key: 'Paste a public key (the contents of a .pub file).'
    });
  });
});

describe('schedule form', () => {
  const FACTS: INotebookFacts = {
    notebook_path: 'work/Daily Report.ipynb',
    identifier: 'daily-report',
    title: 'Daily report',
    parameters: { day: '2026-11-01', n: 3, flags: [true, null], s: '3' },
    skipped: ['scheduled_at']
  };
  const initial = () => initialScheduleValues(CONFIG, FACTS);

  it('prefills from what the server read in the notebook', () => {
    const values = initial();
    expect(values.identifier).toBe('daily-report');
    expect(values.description).toBe('Daily report');
    expect(values.kind).toBe('interval');
    expect(values.interval_in_hours).toBe('168'); // the server's default
    expect(values.executor).toBe('local');
    expect(values.parameters).toEqual([
      { name: 'day', value: '2026-11-01' },
      { name: 'n', value: '3' },
      { name: 'flags', value: '[true,null]' },
      { name: 's', value: '"3"' }
    ]);
    const empty = initialScheduleValues(CONFIG, null);
    expect([empty.identifier, empty.description, empty.parameters]).toEqual([
      '',
      '',
      []
    ]);
  });

  it('leaves parameter names, cron and time zones to the server', () => {
    // test_jobs_forms.py: the server takes café and refuses class and scheduled_at
    const values = {
      ...initial(),
      kind: 'cron' as const,
      schedule: '0 6 * *',
      timezone: 'Mars/Base',
      parameters: ['café', 'class', 'scheduled_at'].map(name => ({
        name,
        value: '1'
      }))
    };
    expect(validateSchedule(values, CONFIG)).toEqual({});
    expect(
      validateSchedule(
        { ...values, schedule: ' ', parameters: [{ name: '', value: '1' }] },
        CONFIG
      )
    ).toEqual({
      schedule: 'Enter a cron expression.',
      parameters: 'Name every parameter that has a value.'
    });
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
        schedule: '',
        job_timeout_hours: '25',
        size: '0',
        start_date: '2026-12-01T00:00',
        end_date: '2026-11-01T00:00',
        parameters: [
          { name: 'ok', value: '1' },
          { name: ' ', value: '2' }
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
        'size'
      ].sort()
    );
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
        { name: 'who', value: '"3"' },
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
      parameters: { day: '2026-11-01', n: 3, who: '3' },
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
      timezone: 'UTC',
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
      created_at: '2026-11-01T06:00:00Z',
      modified_at: '2026-11-01T06:00:00Z'
    };
    const values = scheduleValuesOfJob(job, CONFIG);
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

  it('asks the server for the preview of the form schedule', () => {
    const start = '2027-01-04T09:00';
    expect(previewQuery({ ...initial(), start_date: start })).toEqual({
      interval_in_hours: 168,
      start_date: fromLocalInput(start),
      end_date: null,
      count: 3
    });
    expect(
      previewQuery({
        ...initial(),
        kind: 'cron',
        schedule: ' 0 6 * * 1 ',
        timezone: 'Europe/Berlin'
      })
    ).toEqual({
      schedule: '0 6 * * 1',
      timezone: 'Europe/Berlin',
      start_date: null,
      end_date: null,
      count: 3
    });
  });

  it('converts datetime-local values', () => {
    const iso = fromLocalInput('2026-11-21T08:30');
    expect(iso).not.toBeNull();
    expect(toLocalInput(iso)).toBe('2026-11-21T08:30');
    expect(fromLocalInput('')).toBeNull();
    expect(toLocalInput(null)).toBe('');
  });
});
