/**
 * The Jobs section of the sidebar: scheduled notebooks, their runs and
 * their results.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { Time } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IJob, IResult, IRun, ObjectId } from './api';
import { OwnerLabel } from './clusters';
import { ErrorMessage, ToolkitSwitch, useId, useNow } from './components';
import {
  bytesText,
  dateTimeText,
  durationText,
  failingCellText,
  nextRunText,
  outcomeText,
  outcomeTone,
  runSummary,
  scheduleText,
  statusLabel
} from './format';
import { AtmoModel } from './model';
import { pythonLiteral } from './params';
import { baseName, hasOutput, resultName, runIdOfKey } from './outputs';
import { errorMessage } from './utils';

/**
 * What the jobs list asks its host to do.
 */
export interface IJobActions {
  edit: (job: IJob) => void;
  openOutput: (jobId: ObjectId, runId: ObjectId | null) => Promise<unknown>;
}

/**
 * A run's outcome as the server words it ("succeeded", "timed out", …);
 * the EMR state is in the tooltip.
 */
function OutcomeBadge(props: {
  run: IRun | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { run, trans } = props;
  if (!run) {
    return (
      <span className="atmo-Badge atmo-mod-done">{trans.__('never ran')}</span>
    );
  }
  return (
    <span
      className={`atmo-Badge atmo-mod-${outcomeTone(run.outcome)}`}
      title={trans.__('EMR state: %1', statusLabel(run.status, trans))}
      data-status={run.status}
      data-outcome={run.outcome}
    >
      {outcomeText(run.outcome, trans)}
    </span>
  );
}

function RunRow(props: {
  run: IRun;
  now: number;
  onOpen: (run: IRun) => void;
  opening: boolean;
  trans: TranslationBundle;
}): JSX.Element {
  const { run, now, trans } = props;
  const failing = failingCellText(run.error, trans);
  return (
    <li
      className="atmo-Run"
      data-run-id={String(run.id)}
      data-status={run.status}
      data-outcome={run.outcome}
    >
      <div className="atmo-Run-line">
        <OutcomeBadge run={run} trans={trans} />
        <span
          title={
            run.started_at
              ? trans.__('started %1', dateTimeText(run.started_at))
              : undefined
          }
        >
          {dateTimeText(run.started_at ?? run.scheduled_at)}
        </span>
        <span className="atmo-Muted">
          {durationText(run.started_at, run.finished_at, now, trans)}
        </span>
        {run.is_manual ? (
          <span className="atmo-Muted">{trans.__('manual')}</span>
        ) : null}
        {run.output_pruned_at ? (
          <span
            className="atmo-Muted"
            title={trans.__(
              "Deleted %1: only a job's newest runs keep their output",
              dateTimeText(run.output_pruned_at)
            )}
          >
            {trans.__('output deleted')}
          </span>
        ) : hasOutput(run) ? (
          <button
            type="button"
            className="jp-Button jp-mod-minimal atmo-SmallButton"
            disabled={props.opening}
            onClick={() => props.onOpen(run)}
            aria-label={trans.__('Open the output of run %1', run.id)}
          >
            {props.opening ? trans.__('Opening…') : trans.__('Open output')}
          </button>
        ) : null}
      </div>
      {failing ? (
        <div className="atmo-Run-error">{trans.__('Failed: %1', failing)}</div>
      ) : run.status_reason && run.outcome !== 'succeeded' ? (
        <div className="atmo-Muted atmo-Run-reason">{run.status_reason}</div>
      ) : null}
    </li>
  );
}

function ResultList(props: {
  title: string;
  results: ReadonlyArray<IResult>;
  onOpen?: (result: IResult) => void;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { trans } = props;
  if (props.results.length === 0) {
    return null;
  }
  return (
    <div className="atmo-Results">
      <h4 className="atmo-Subheading">{props.title}</h4>
      <ul className="atmo-FileList">
        {props.results.map(r => (
          <li key={r.key}>
            <span className="atmo-FileName" title={r.key}>
              {resultName(r.key)}
            </span>
            <span className="atmo-Muted">{bytesText(r.size, trans)}</span>
            {/* as JupyterLab's file browser: "2 hours ago", the date in the tooltip */}
            <span className="atmo-Muted" title={Time.format(r.last_modified)}>
              {Time.formatHuman(r.last_modified)}
            </span>
            {props.onOpen && r.key.endsWith('.ipynb') ? (
              <button
                type="button"
                className="jp-Button jp-mod-minimal atmo-SmallButton"
                onClick={() => props.onOpen?.(r)}
              >
                {trans.__('Open')}
              </button>
            ) : null}
            <a
              className="atmo-Link"
              href={r.url}
              target="_blank"
              rel="noreferrer"
              download={baseName(r.key)}
            >
              {trans.__('Download')}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function JobDetails(props: {
  model: AtmoModel;
  job: IJob;
  actions: IJobActions;
  now: number;
}): JSX.Element {
  const { model, job, actions, now } = props;
  const trans = model.trans;
  // Maintainers may run anyone's job; only its owner may change it.
  const own = job.owner === model.config?.user;
  const [busy, setBusy] = React.useState<string | null>(null);
  const [error, setError] = React.useState('');
  const [opening, setOpening] = React.useState<string | null>(null);
  // The switch shows the requested state while the PATCH is on its way.
  const [requested, setRequested] = React.useState<boolean | null>(null);
  const enabled = requested ?? job.is_enabled;

  React.useEffect(() => {
    model.watchJob(job.id, true);
    return () => model.watchJob(job.id, false);
  }, [job.id]);

  const act = async (
    name: string,
    action: () => Promise<unknown>
  ): Promise<void> => {
    setBusy(name);
    setError('');
    try {
      await action();
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(null);
    }
  };

  const remove = async (): Promise<void> => {
    const result = await showDialog({
      title: trans.__('Delete the job %1?', job.identifier),
      body: trans.__(
        'It will not run again and its stored notebook is removed; a running run is stopped. Results already written are kept.'
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Delete') })
      ]
    });
    if (result.button.accept) {
      await act('delete', async () => {
        await model.deleteJob(job.id);
        Notification.success(trans.__('Deleted the job %1.', job.identifier), {
          autoClose: 4000
        });
      });
    }
  };

  const open = async (runId: ObjectId | null, key: string): Promise<void> => {
    setOpening(key);
    try {
      await actions.openOutput(job.id, runId);
    } finally {
      setOpening(null);
    }
  };

  const runs = model.runsOf(job.id);
  const results = model.resultsOf(job.id);
  const running =
    job.latest_run?.is_active ??
    ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'TERMINATING'].includes(
      job.latest_run?.status ?? ''
    );
  const parameters = Object.entries(job.parameters ?? {});
  return (
    <div className="atmo-Item-details">
      {job.description ? (
        <p className="atmo-Description">{job.description}</p>
      ) : null}
      <dl className="atmo-Details">
        <dt>{trans.__('Notebook')}</dt>
        <dd>{job.notebook_name}</dd>
        <dt>{trans.__('Schedule')}</dt>
        <dd>{scheduleText(job, trans)}</dd>
        {job.next_run_at && job.is_enabled && !job.expired_date ? (
          <>
            <dt>{trans.__('Next run')}</dt>
            <dd>
              {job.schedule
                ? `${dateTimeText(job.next_run_at, job.timezone || 'UTC')} (${job.timezone || 'UTC'})`
                : dateTimeText(job.next_run_at)}
            </dd>
          </>
        ) : null}
        <dt>{trans.__('Runs on')}</dt>
        <dd>
          {job.executor === 'local'
            ? trans.__('this machine (papermill)')
            : trans._n(
                'EMR %2, %1 node',
                'EMR %2, %1 nodes',
                job.size,
                job.emr_release
              )}
        </dd>
        <dt>{trans.__('Timeout')}</dt>
        <dd>{trans.__('%1 h', job.job_timeout_hours)}</dd>
        <dt>{trans.__('Results')}</dt>
        <dd>{job.result_visibility}</dd>
        <dt>{trans.__('Active')}</dt>
        <dd>
          {job.end_date
            ? trans.__(
                'from %1 until %2',
                dateTimeText(job.start_date),
                dateTimeText(job.end_date)
              )
            : trans.__('from %1', dateTimeText(job.start_date))}
        </dd>
        {parameters.length > 0 ? (
          <>
            <dt>{trans.__('Parameters')}</dt>
            <dd>
              <ul className="atmo-Params">
                {parameters.map(([name, value]) => (
                  <li key={name}>
                    <code>
                      {name} = {pythonLiteral(value)}
                    </code>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
      </dl>
      <div
        className="atmo-ActionRow"
        role="group"
        aria-label={trans.__('Actions for %1', job.identifier)}
      >
        {own ? (
          <ToolkitSwitch
            className="atmo-Switch"
            value={enabled}
            label={trans.__('Enabled')}
            caption={trans.__('Whether the job runs on its schedule')}
            disabled={busy !== null}
            onChange={wanted => {
              setRequested(wanted);
              void act('enable', () =>
                model.updateJob(job.id, { is_enabled: wanted })
              ).then(() => setRequested(null));
            }}
          />
        ) : null}
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-accept atmo-SmallButton"
          disabled={busy !== null || running}
          title={running ? trans.__('A run is still going') : undefined}
          onClick={() =>
            void act('run', async () => {
              await model.runJob(job.id);
              Notification.info(
                trans.__('Started a run of %1.', job.identifier),
                { autoClose: 4000 }
              );
            })
          }
        >
          {busy === 'run' ? trans.__('Starting…') : trans.__('Run now')}
        </button>
        {own ? (
          <>
            <button
              type="button"
              className="jp-Button jp-mod-styled atmo-SmallButton"
              disabled={busy !== null}
              onClick={() => actions.edit(job)}
            >
              {trans.__('Edit…')}
            </button>
            <button
              type="button"
              className="jp-Button jp-mod-styled jp-mod-warn atmo-SmallButton"
              disabled={busy !== null}
              onClick={() => void remove()}
            >
              {busy === 'delete' ? trans.__('Deleting…') : trans.__('Delete')}
            </button>
          </>
        ) : null}
      </div>
      <ErrorMessage message={error} />
      <h4 className="atmo-Subheading">{trans.__('Runs')}</h4>
      <ErrorMessage message={model.errors[`runs:${job.id}`]} />
      {runs === undefined ? (
        <p className="atmo-Muted">{trans.__('Loading runs…')}</p>
      ) : runs.length === 0 ? (
        <p className="atmo-Muted">{trans.__('No runs yet.')}</p>
      ) : (
        <ul
          className="atmo-Runs"
          aria-label={trans.__('Runs of %1', job.identifier)}
        >
          {runs.map(run => (
            <RunRow
              key={String(run.id)}
              run={run}
              now={now}
              trans={trans}
              opening={opening === `run:${run.id}`}
              onOpen={r => void open(r.id, `run:${r.id}`)}
            />
          ))}
        </ul>
      )}
      <ErrorMessage message={model.errors[`results:${job.id}`]} />
      {results ? (
        <>
          <ResultList
            title={trans.__('Result files')}
            results={results.data}
            onOpen={r => void open(runIdOfKey(r.key), `result:${r.key}`)}
            trans={trans}
          />
          <ResultList
            title={trans.__('Logs')}
            results={results.logs}
            trans={trans}
          />
        </>
      ) : null}
    </div>
  );
}

function JobItem(props: {
  model: AtmoModel;
  job: IJob;
  expanded: boolean;
  onToggle: () => void;
  actions: IJobActions;
  now: number;
}): JSX.Element {
  const { job, now, model } = props;
  const trans = model.trans;
  const detailsId = useId('atmo-job-details');
  return (
    <li
      className={`atmo-Item${job.is_enabled ? '' : ' atmo-mod-disabled'}`}
      data-job-id={String(job.id)}
      data-identifier={job.identifier}
    >
      <div className="atmo-Item-header">
        <button
          type="button"
          className="atmo-Item-toggle"
          aria-expanded={props.expanded}
          aria-controls={detailsId}
          onClick={props.onToggle}
        >
          <span className="atmo-Caret" aria-hidden="true">
            {props.expanded ? '▾' : '▸'}
          </span>
          <span className="atmo-Item-title">{job.identifier}</span>
        </button>
        <OutcomeBadge run={job.latest_run} trans={trans} />
      </div>
      <div className="atmo-Item-meta">
        <OwnerLabel owner={job.owner} user={model.config?.user} trans={trans} />
        <span>{scheduleText(job, trans)}</span>
        <span>{nextRunText(job, now, trans)}</span>
        <span>
          {trans.__('latest: %1', runSummary(job.latest_run, now, trans))}
        </span>
      </div>
      {props.expanded ? (
        <div id={detailsId}>
          <JobDetails
            model={props.model}
            job={job}
            actions={props.actions}
            now={now}
          />
        </div>
      ) : null}
    </li>
  );
}

/**
 * The Jobs section.
 */
export function JobsSection(props: {
  model: AtmoModel;
  expanded: ReadonlySet<string>;
  onToggle: (id: ObjectId) => void;
  actions: IJobActions;
}): JSX.Element {
  const { model } = props;
  const trans = model.trans;
  const now = useNow(10000);
  const error = model.errors.jobs;
  return (
    <div className="atmo-Section" aria-label={trans.__('Scheduled notebooks')}>
      <div className="atmo-Toolbar">
        <span className="atmo-Muted">
          {trans.__(
            'Schedule a notebook from its toolbar or the file browser.'
          )}
        </span>
      </div>
      <ErrorMessage message={error} />
      {model.jobs.length === 0 && !error ? (
        <p className="atmo-Empty">
          {model.loading
            ? trans.__('Loading…')
            : trans.__(
                'No scheduled notebooks. Open a notebook and press "Schedule" in its toolbar.'
              )}
        </p>
      ) : (
        <ul className="atmo-List" aria-label={trans.__('Scheduled notebooks')}>
          {model.jobs.map(job => (
            <JobItem
              key={String(job.id)}
              model={model}
              job={job}
              now={now}
              expanded={props.expanded.has(String(job.id))}
              onToggle={() => props.onToggle(job.id)}
              actions={props.actions}
            />
          ))}
        </ul>
      )}
      {model.moreJobs ? (
        <button
          type="button"
          className="jp-Button jp-mod-minimal atmo-More"
          onClick={() => model.showMore('jobs')}
        >
          {trans.__('Show more')}
        </button>
      ) : null}
    </div>
  );
}
