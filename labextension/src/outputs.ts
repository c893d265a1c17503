/**
 * Open a run's executed notebook in JupyterLab.
 *
 * Each run keeps its own notebook. It is fetched from the server
 * (`GET runs/{id}/output`: no presigned link, so no CORS rule on the
 * buckets), saved into the Jupyter files as
 * `atmo-lab-outputs/<identifier>/<notebook>-run-<id>.ipynb` and opened, so
 * the outputs of several runs sit side by side in the file browser. Other
 * result files are plain download links.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { Contents } from '@jupyterlab/services';

import {
  IJob,
  IRun,
  ObjectId,
  getJob,
  getRun,
  getRunOutput,
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
 * How a result file is listed: its path below `<identifier>/<folder>/`
 * (`run-12/Report.ipynb`), so the files of several runs tell apart.
 */
export function resultName(key: string): string {
  return key.split('/').slice(2).filter(Boolean).join('/') || baseName(key);
}

/**
 * Where a run's opened output is saved:
 * `atmo-lab-outputs/<identifier>/<stem>-run-<id>.ipynb`.
 */
export function outputPath(
  identifier: string,
  runId: ObjectId,
  key: string
): string {
  const name = baseName(key);
  const ext = PathExt.extname(name) || '.ipynb';
  const stem = PathExt.basename(name, PathExt.extname(name));
  return `${OUTPUT_FOLDER}/${identifier}/${stem}-run-${runId}${ext}`;
}

/**
 * The run a result file belongs to (`<identifier>/data/run-<id>/…`), or null
 * for a file written outside a run's folder.
 */
export function runIdOfKey(key: string): string | null {
  const match = /^[^/]+\/[^/]+\/run-(\d+)\//.exec(key);
  return match ? match[1] : null;
}

/**
 * Whether a run's executed notebook can be opened: it ended, wrote one, and
 * the worker has not deleted it.
 */
export function hasOutput(run: IRun): boolean {
  return Boolean(
    run.output_notebook_key &&
    !run.is_active &&
    !run.output_pruned_at &&
    run.outcome !== 'running'
  );
}

/**
 * The run to open: `runId`, else the newest run with an output.
 */
export function outputRun(
  runs: ReadonlyArray<IRun>,
  runId: ObjectId | null
): IRun | null {
  if (runId !== null) {
    return runs.find(r => String(r.id) === String(runId)) ?? null;
  }
  return runs.find(hasOutput) ?? null;
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

async function exists(
  contents: Contents.IManager,
  path: string
): Promise<boolean> {
  try {
    await contents.get(path, { content: false });
    return true;
  } catch {
    return false;
  }
}

/**
 * Open the executed notebook of a job's run (its newest run with an output
 * when `runId` is null). A run's output never changes, so a copy saved
 * before (perhaps edited since) is opened as it is.
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
  const trans = model.trans;
  try {
    let run: IRun | null =
      runId !== null ? await getRun(settings, runId) : null;
    jobId = jobId ?? run?.job_id ?? null;
    if (jobId === null) {
      throw new Error(trans.__('The job of this run is not known any more.'));
    }
    const job: IJob =
      model.jobs.find(j => String(j.id) === String(jobId)) ??
      (await getJob(settings, jobId));
    if (run === null) {
      const runs = model.runsOf(job.id) ?? (await listRuns(settings, job.id));
      run = outputRun(runs, null);
    }
    if (!run || !run.output_notebook_key) {
      Notification.warning(
        trans.__('Job %1 has no executed notebook yet.', job.identifier),
        { autoClose: 6000 }
      );
      return null;
    }
    const path = outputPath(job.identifier, run.id, run.output_notebook_key);
    const contents = app.serviceManager.contents;
    if (!(await exists(contents, path))) {
      const content = await getRunOutput(settings, run.id);
      await ensureFolder(contents, PathExt.dirname(path));
      await contents.save(path, { type: 'notebook', format: 'json', content });
    }
    await app.commands.execute('docmanager:open', { path });
    return path;
  } catch (reason) {
    Notification.error(
      trans.__('Cannot open the output: %1', errorMessage(reason)),
      { autoClose: false }
    );
    return null;
  }
}
