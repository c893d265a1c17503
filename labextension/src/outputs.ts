/**
 * Open a job's executed notebook in JupyterLab.
 *
 * The run's output notebook is fetched through its download link (from
 * `GET jobs/{id}/results`), saved into the Jupyter files under
 * `atmo-lab-outputs/<identifier>/`, and opened. Other result files are
 * plain download links.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { Contents } from '@jupyterlab/services';

import {
  IJob,
  IResult,
  IRun,
  ObjectId,
  getJob,
  getJobResults,
  getRun,
  listRuns
} from './api';
import { AtmoModel } from './model';
import { errorMessage } from './utils';

/**
 * The folder (in the Jupyter files) that receives opened outputs.
 */
export const OUTPUT_FOLDER = 'atmo-lab-outputs';

/**
 * The last part of a key or path.
 */
export function baseName(key: string): string {
  return key.split('/').filter(Boolean).pop() ?? key;
}

/**
 * Where an opened output is saved:
 * `atmo-lab-outputs/<identifier>/<stem>-<YYYYMMDD-HHMMSS>.<ext>`, stamped
 * with the time (UTC) the output was written, so that the outputs of
 * several runs sit side by side.
 */
export function outputPath(
  identifier: string,
  key: string,
  lastModified: string | null
): string {
  const name = baseName(key);
  const ms = lastModified ? Date.parse(lastModified) : NaN;
  if (Number.isNaN(ms)) {
    return `${OUTPUT_FOLDER}/${identifier}/${name}`;
  }
  const stamp = new Date(ms)
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  const dot = name.lastIndexOf('.') > 0 ? name.lastIndexOf('.') : name.length;
  return `${OUTPUT_FOLDER}/${identifier}/${name.slice(0, dot)}-${stamp}${name.slice(dot)}`;
}

/**
 * The result file holding a run's executed notebook: the run's
 * `output_notebook_key`, else the newest `.ipynb` of the results.
 */
export function outputResult(
  results: ReadonlyArray<IResult>,
  run: Pick<IRun, 'output_notebook_key'> | null
): IResult | null {
  const key = run?.output_notebook_key;
  if (key) {
    const exact = results.find(r => r.key === key || r.key.endsWith(`/${key}`));
    if (exact) {
      return exact;
    }
  }
  const notebooks = results
    .filter(r => r.key.endsWith('.ipynb'))
    .sort((a, b) => Date.parse(b.last_modified) - Date.parse(a.last_modified));
  return notebooks[0] ?? null;
}

async function ensureFolder(
  contents: Contents.IManager,
  path: string
): Promise<void> {
  let current = '';
  for (const part of path.split('/')) {
    current = current ? `${current}/${part}` : part;
    try {
      await contents.get(current, { content: false });
    } catch {
      await contents.save(current, { type: 'directory' });
    }
  }
}

/**
 * Fetch a notebook from a download link.
 */
async function fetchNotebook(url: string): Promise<unknown> {
  const response = await fetch(url, { credentials: 'omit' });
  if (!response.ok) {
    throw new Error(`The download answered ${response.status}.`);
  }
  return response.json();
}

/**
 * Open the executed notebook of a job's run (its latest run with an output
 * when `runId` is null).
 *
 * @returns The path of the opened notebook, or null when there is none
 */
export async function openRunOutput(
  app: JupyterFrontEnd,
  model: AtmoModel,
  jobId: ObjectId | null,
  runId: ObjectId | null
): Promise<string | null> {
  const settings = model.serverSettings;
  let url = '';
  try {
    if (jobId === null && runId !== null) {
      jobId = (await getRun(settings, runId)).job_id ?? null;
    }
    if (jobId === null) {
      throw new Error('The job of this run is not known any more.');
    }
    const job: IJob =
      model.jobs.find(j => String(j.id) === String(jobId)) ??
      (await getJob(settings, jobId));
    const runs = model.runsOf(job.id) ?? (await listRuns(settings, job.id));
    const run =
      (runId !== null
        ? runs.find(r => String(r.id) === String(runId))
        : null) ??
      runs.find(r => r.output_notebook_key) ??
      job.latest_run;
    const results = await getJobResults(settings, job.id);
    const result = outputResult(results.data, run ?? null);
    if (!result) {
      Notification.warning(
        `Job ${job.identifier} has no executed notebook yet.`,
        { autoClose: 6000 }
      );
      return null;
    }
    url = result.url;
    const content = await fetchNotebook(result.url);
    const path = outputPath(job.identifier, result.key, result.last_modified);
    const contents = app.serviceManager.contents;
    await ensureFolder(contents, path.split('/').slice(0, -1).join('/'));
    await contents.save(path, { type: 'notebook', format: 'json', content });
    await app.commands.execute('docmanager:open', { path });
    return path;
  } catch (reason) {
    Notification.error(`Cannot open the output: ${errorMessage(reason)}`, {
      autoClose: false,
      actions: url
        ? [
            {
              label: 'Download',
              callback: () => {
                window.open(url, '_blank', 'noopener');
              }
            }
          ]
        : []
    });
    return null;
  }
}
