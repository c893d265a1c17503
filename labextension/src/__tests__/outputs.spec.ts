/**
 * Where opened outputs go, and which run's output is opened.
 */
import { IRun } from '../api';
import {
  baseName,
  hasOutput,
  outputPath,
  outputRun,
  resultName,
  runIdOfKey
} from '../outputs';

const run = (id: number, fields: Partial<IRun> = {}): IRun => ({
  id,
  job_id: 1,
  status: 'TERMINATED',
  status_reason: '',
  jobflow_id: null,
  scheduled_at: '2026-11-21T08:00:00Z',
  started_at: '2026-11-21T08:00:01Z',
  ready_at: null,
  finished_at: '2026-11-21T08:00:08Z',
  output_notebook_key: `daily/data/run-${id}/Report.ipynb`,
  error: null,
  outcome: 'succeeded',
  is_active: false,
  output_pruned_at: null,
  executor: 'local',
  is_manual: false,
  duration_seconds: 7,
  created_at: '2026-11-21T08:00:00Z',
  ...fields
});

describe('outputs', () => {
  it('names saved outputs after the job and the run', () => {
    expect(baseName('daily/data/run-7/Report.ipynb')).toBe('Report.ipynb');
    expect(outputPath('daily', 7, 'daily/data/run-7/Report.ipynb')).toBe(
      'atmo-lab-outputs/daily/Report-run-7.ipynb'
    );
    expect(outputPath('daily', '12', 'daily/data/Report')).toBe(
      'atmo-lab-outputs/daily/Report-run-12.ipynb'
    );
  });

  it('lists result files by their path below the folder', () => {
    expect(resultName('daily/data/run-7/Report.ipynb')).toBe(
      'run-7/Report.ipynb'
    );
    expect(resultName('daily/logs/run-7/daily.1.log')).toBe(
      'run-7/daily.1.log'
    );
    expect(resultName('daily/data/out.csv')).toBe('out.csv');
  });

  it('finds the run a result file belongs to', () => {
    expect(runIdOfKey('daily/data/run-7/Report.ipynb')).toBe('7');
    expect(runIdOfKey('daily/logs/run-12/daily.20261121.log')).toBe('12');
    expect(runIdOfKey('daily/data/Report.ipynb')).toBeNull();
    expect(runIdOfKey('daily/data/x/run-7/Report.ipynb')).toBeNull();
  });

  it("opens the run asked for, else the newest run's output", () => {
    const runs = [
      run(9, {
        is_active: true,
        outcome: 'running',
        output_notebook_key: null
      }),
      run(8, { output_pruned_at: null }),
      run(7),
      run(6, { output_pruned_at: '2026-11-22T00:00:00Z' })
    ];
    expect(outputRun(runs, 7)?.id).toBe(7);
    expect(outputRun(runs, '7')?.id).toBe(7);
    expect(outputRun(runs, null)?.id).toBe(8);
    expect(outputRun(runs, 5)).toBeNull();
    expect(runs.map(hasOutput)).toEqual([false, true, true, false]);
  });
});
