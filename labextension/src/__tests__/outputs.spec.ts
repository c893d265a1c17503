/**
 * Where opened outputs go and which result holds a run's notebook.
 */
import { baseName, outputPath, outputResult } from '../outputs';

const result = (key: string, last_modified: string) => ({
  key,
  size: 10,
  last_modified,
  url: `http://s3/${key}`
});

describe('outputs', () => {
  it('names saved outputs after the job and the time they were written', () => {
    expect(baseName('daily/data/Report.ipynb')).toBe('Report.ipynb');
    expect(
      outputPath(
        'daily',
        'daily/data/Report.ipynb',
        '2026-11-21T08:05:09+00:00'
      )
    ).toBe('atmo-lab-outputs/daily/Report-20261121-080509.ipynb');
    expect(
      outputPath('daily', 'daily/data/out.csv', '2026-11-21T08:05:09Z')
    ).toBe('atmo-lab-outputs/daily/out-20261121-080509.csv');
    expect(
      outputPath('daily', 'daily/data/README', '2026-11-21T08:05:09Z')
    ).toBe('atmo-lab-outputs/daily/README-20261121-080509');
    expect(outputPath('daily', 'daily/data/Report.ipynb', null)).toBe(
      'atmo-lab-outputs/daily/Report.ipynb'
    );
  });

  it("finds the run's notebook, else the newest one", () => {
    const results = [
      result('daily/data/old.ipynb', '2026-11-20T08:00:00Z'),
      result('daily/data/Report.ipynb', '2026-11-19T08:00:00Z'),
      result('daily/data/table.csv', '2026-11-21T08:00:00Z')
    ];
    expect(
      outputResult(results, { output_notebook_key: 'daily/data/Report.ipynb' })
        ?.key
    ).toBe('daily/data/Report.ipynb');
    expect(outputResult(results, { output_notebook_key: null })?.key).toBe(
      'daily/data/old.ipynb'
    );
    expect(outputResult(results, null)?.key).toBe('daily/data/old.ipynb');
    expect(outputResult([results[2]], null)).toBeNull();
  });
});
