/**
 * The "Schedule this notebook" form, also used to edit a job.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { HTMLSelect, InputGroup } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IConfig, IJob, INotebookFacts, ISchedulePreview } from './api';
import { ReleaseSelect } from './clusters';
import {
  ErrorMessage,
  Field,
  FormButtons,
  controlProps,
  focusFirstInvalid,
  requestErrors,
  useId,
  useSignal
} from './components';
import {
  FieldErrors,
  IParameterRow,
  browserTimeZone,
  IScheduleValues,
  identifierProblem,
  initialScheduleValues,
  jobChanges,
  newJobBody,
  previewQuery,
  scheduleValuesOfJob,
  validateSchedule
} from './forms';
import { dateTimeText, defaultRelease, intervalLabel } from './format';
import { AtmoModel } from './model';
import { showModal } from './modal';
import { valueFromInput, valueTypeLabel } from './params';
import { errorMessage } from './utils';

/**
 * What the form schedules or edits.
 */
export type ScheduleTarget =
  | {
      kind: 'create';
      /** the notebook's path in the Jupyter files */
      notebookPath: string;
      /** run before the job is sent (saves the open notebook) */
      beforeSubmit?: () => Promise<void>;
    }
  | { kind: 'edit'; job: IJob };

const SCHEDULE_FIELDS = [
  'identifier',
  'description',
  'interval_in_hours',
  'schedule',
  'timezone',
  'start_date',
  'end_date',
  'job_timeout_hours',
  'size',
  'emr_release',
  'result_visibility',
  'executor',
  'parameters'
];

/**
 * The IANA zones the browser knows, for the time zone suggestions.
 */
function timeZones(): string[] {
  const intl = Intl as unknown as {
    supportedValuesOf?: (key: string) => string[];
  };
  try {
    return intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  } catch {
    return [];
  }
}

type Availability =
  | { state: 'idle' | 'checking' }
  | {
      state: 'available' | 'taken' | 'invalid' | 'unknown';
      identifier: string;
    };

/**
 * Check a job identifier against the server while it is typed.
 */
function useIdentifierCheck(
  model: AtmoModel,
  identifier: string,
  enabled: boolean
): Availability {
  const [result, setResult] = React.useState<Availability>({ state: 'idle' });
  React.useEffect(() => {
    if (!enabled) {
      return;
    }
    if (identifierProblem(identifier)) {
      setResult({ state: 'invalid', identifier });
      return;
    }
    setResult({ state: 'checking' });
    let cancelled = false;
    const timer = window.setTimeout(() => {
      model
        .checkJobIdentifier(identifier)
        .then(answer => {
          if (!cancelled) {
            setResult({
              state: !answer.valid
                ? 'invalid'
                : answer.available
                  ? 'available'
                  : 'taken',
              identifier
            });
          }
        })
        .catch(() => {
          if (!cancelled) {
            setResult({ state: 'unknown', identifier });
          }
        });
    }, 300);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [identifier, enabled]);
  return result;
}

/**
 * The next runs of the schedule in the form, as the server computes them
 * (a moment after the last change), or why there are none.
 */
function useSchedulePreview(
  model: AtmoModel,
  values: IScheduleValues
): { preview: ISchedulePreview | null; problem: string } {
  const query = JSON.stringify(previewQuery(values));
  const [state, setState] = React.useState<{
    preview: ISchedulePreview | null;
    problem: string;
  }>({ preview: null, problem: '' });
  React.useEffect(() => {
    let cancelled = false;
    const timer = window.setTimeout(() => {
      model
        .previewSchedule(JSON.parse(query))
        .then(preview => {
          if (!cancelled) {
            const problem =
              preview.runs.length === 0
                ? model.trans.__('This schedule never runs.')
                : '';
            setState({ preview, problem });
          }
        })
        .catch(reason => {
          if (!cancelled) {
            const found = requestErrors(reason, PREVIEW_FIELDS);
            const problem =
              Object.values(found.errors)[0] ?? found.message ?? '';
            setState({
              preview: null,
              problem: problem || errorMessage(reason)
            });
          }
        });
    }, 300);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [query]);
  return state;
}

const PREVIEW_FIELDS = [
  'interval_in_hours',
  'schedule',
  'timezone',
  'start_date',
  'end_date'
];

/**
 * What the server read from the notebook to be scheduled (null until then,
 * and when editing).
 */
function useNotebookFacts(
  model: AtmoModel,
  notebookPath: string | null
): INotebookFacts | null {
  const [facts, setFacts] = React.useState<INotebookFacts | null>(null);
  React.useEffect(() => {
    if (notebookPath === null) {
      return;
    }
    let cancelled = false;
    model
      .notebookFacts(notebookPath)
      .then(found => {
        if (!cancelled) {
          setFacts(found);
        }
      })
      .catch(reason => {
        console.warn(
          `atmo-lab: cannot read ${notebookPath}: ${errorMessage(reason)}`
        );
      });
    return () => {
      cancelled = true;
    };
  }, [notebookPath]);
  return facts;
}

function ParameterRows(props: {
  rows: IParameterRow[];
  errors: FieldErrors;
  onChange: (rows: IParameterRow[]) => void;
  skipped: string[];
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  const legendId = useId('atmo-params');
  const update = (index: number, row: Partial<IParameterRow>): void => {
    const copy = props.rows.map((r, i) => (i === index ? { ...r, ...row } : r));
    props.onChange(copy);
  };
  return (
    <fieldset
      className={`atmo-Fieldset${props.errors.parameters ? ' atmo-mod-invalid' : ''}`}
      aria-describedby={
        props.errors.parameters ? `${legendId}-error` : undefined
      }
      data-field="parameters"
    >
      <legend id={legendId}>{trans.__('Parameters')}</legend>
      <p className="atmo-Field-hint">
        {trans.__(
          'Passed to papermill; prefilled from the cell tagged "parameters". Values are JSON (3, "text", true, [1, 2]); anything else is sent as text.'
        )}
      </p>
      {props.rows.map((row, index) => (
        <div className="atmo-ParamRow" key={index}>
          <InputGroup
            className="atmo-Input"
            type="text"
            aria-label={trans.__('Name of parameter %1', index + 1)}
            placeholder={trans.__('name')}
            spellCheck={false}
            value={row.name}
            onChange={e => update(index, { name: e.target.value })}
          />
          <span aria-hidden="true">=</span>
          <InputGroup
            className="atmo-Input"
            type="text"
            aria-label={trans.__(
              'Value of parameter %1',
              row.name || index + 1
            )}
            placeholder={trans.__('value')}
            spellCheck={false}
            value={row.value}
            onChange={e => update(index, { value: e.target.value })}
          />
          <span className="atmo-Muted atmo-ParamType">
            {row.value.trim() ? valueTypeLabel(valueFromInput(row.value)) : ''}
          </span>
          <button
            type="button"
            className="jp-Button jp-mod-minimal atmo-SmallButton"
            aria-label={trans.__('Remove parameter %1', row.name || index + 1)}
            onClick={() =>
              props.onChange(props.rows.filter((_, i) => i !== index))
            }
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        className="jp-Button jp-mod-minimal atmo-SmallButton"
        onClick={() => props.onChange([...props.rows, { name: '', value: '' }])}
      >
        {trans.__('Add parameter')}
      </button>
      {props.skipped.length > 0 ? (
        <p className="atmo-Field-hint">
          {trans.__(
            'Not offered from the parameters cell (not a plain value, or set by atmo_lab): %1.',
            props.skipped.join(', ')
          )}
        </p>
      ) : null}
      {props.errors.parameters ? (
        <div id={`${legendId}-error`} className="atmo-Field-error">
          {props.errors.parameters}
        </div>
      ) : null}
    </fieldset>
  );
}

/**
 * The schedule / edit form (in a modal).
 */
export function ScheduleForm(props: {
  model: AtmoModel;
  config: IConfig;
  target: ScheduleTarget;
  onDone: (job: IJob | null) => void;
}): JSX.Element {
  const { model, config, target } = props;
  const trans = model.trans;
  const taken = trans.__('This identifier is taken: choose another.');
  useSignal(model.changed);
  const editing = target.kind === 'edit';
  const [values, setValues] = React.useState<IScheduleValues>(() =>
    target.kind === 'edit'
      ? scheduleValuesOfJob(target.job, config)
      : {
          ...initialScheduleValues(config, null),
          emr_release: defaultRelease(model.releases)
        }
  );
  const facts = useNotebookFacts(
    model,
    target.kind === 'create' ? target.notebookPath : null
  );
  React.useEffect(() => {
    if (facts === null) {
      return;
    }
    // What the notebook gives fills the fields not typed in yet.
    const found = initialScheduleValues(config, facts);
    setValues(v => ({
      ...v,
      identifier: v.identifier || found.identifier,
      description: v.description || found.description,
      parameters: v.parameters.length > 0 ? v.parameters : found.parameters
    }));
  }, [facts]);
  const [errors, setErrors] = React.useState<FieldErrors>({});
  const [message, setMessage] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const formRef = React.useRef<HTMLFormElement>(null);
  const zones = React.useMemo(timeZones, []);
  const availability = useIdentifierCheck(model, values.identifier, !editing);
  const ids = {
    identifier: useId('atmo-job-identifier'),
    description: useId('atmo-job-description'),
    interval: useId('atmo-job-interval'),
    cron: useId('atmo-job-cron'),
    timezone: useId('atmo-job-timezone'),
    zones: useId('atmo-job-zones'),
    start: useId('atmo-job-start'),
    end: useId('atmo-job-end'),
    timeout: useId('atmo-job-timeout'),
    executor: useId('atmo-job-executor'),
    size: useId('atmo-job-size'),
    release: useId('atmo-job-release'),
    kind: useId('atmo-job-kind'),
    visibility: useId('atmo-job-visibility'),
    preview: useId('atmo-job-preview')
  };

  React.useEffect(() => {
    if (values.emr_release === '' && model.releases.length > 0) {
      setValues(v => ({ ...v, emr_release: defaultRelease(model.releases) }));
    }
  });

  const set = <K extends keyof IScheduleValues>(
    field: K,
    value: IScheduleValues[K]
  ): void => {
    setValues(v => ({ ...v, [field]: value }));
    if (errors[field]) {
      setErrors(e => {
        const copy = { ...e };
        delete copy[field];
        return copy;
      });
    }
  };

  // Checked while typing: the format at once, whether it is free a moment later.
  const identifierError = editing
    ? undefined
    : (errors.identifier ??
      (values.identifier !== ''
        ? identifierProblem(values.identifier, trans)
        : null) ??
      (availability.state === 'taken' &&
      availability.identifier === values.identifier
        ? taken
        : undefined));
  const shownErrors: FieldErrors = identifierError
    ? { ...errors, identifier: identifierError }
    : errors;

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    const found = validateSchedule(
      values,
      config,
      { editing },
      Date.now(),
      trans
    );
    if (
      !editing &&
      availability.state === 'taken' &&
      availability.identifier === values.identifier
    ) {
      found.identifier = taken;
    }
    setErrors(found);
    setMessage('');
    if (Object.keys(found).length > 0) {
      window.setTimeout(() => focusFirstInvalid(formRef.current), 0);
      return;
    }
    setBusy(true);
    try {
      let job: IJob;
      if (target.kind === 'edit') {
        const changes = jobChanges(values, target.job);
        job =
          Object.keys(changes).length > 0
            ? await model.updateJob(target.job.id, changes)
            : target.job;
      } else {
        if (target.beforeSubmit) {
          await target.beforeSubmit();
        }
        job = await model.createJob(newJobBody(values, target.notebookPath));
      }
      props.onDone(job);
    } catch (reason) {
      const result = requestErrors(reason, SCHEDULE_FIELDS);
      setErrors(result.errors);
      setMessage(result.message);
      setBusy(false);
      window.setTimeout(() => focusFirstInvalid(formRef.current), 0);
    }
  };

  const previewNow = Date.now();
  const { preview, problem: previewProblem } = useSchedulePreview(
    model,
    values
  );
  const availabilityText: { [state: string]: string } = {
    checking: trans.__('Checking…'),
    available: trans.__('Available.'),
    unknown: trans.__('Could not check whether it is free.')
  };
  return (
    <form
      ref={formRef}
      className="atmo-Form atmo-ScheduleForm"
      aria-label={
        editing
          ? trans.__('Edit the scheduled notebook')
          : trans.__('Schedule this notebook')
      }
      noValidate
      onSubmit={e => void submit(e)}
    >
      <div className="jp-Dialog-body">
        {target.kind === 'create' ? (
          <p className="atmo-Muted">
            {trans.__('Notebook:')} <code>{target.notebookPath}</code>{' '}
            {trans.__('(the saved version is uploaded).')}
          </p>
        ) : (
          <p className="atmo-Muted">
            {trans.__('Job')} <strong>{target.job.identifier}</strong> (
            {target.job.notebook_name})
          </p>
        )}
        {editing ? null : (
          <Field
            id={ids.identifier}
            field="identifier"
            label={trans.__('Identifier')}
            errors={shownErrors}
            hint={
              <span aria-live="polite">
                {identifierError
                  ? ''
                  : (availabilityText[availability.state] ?? '')}{' '}
                {trans.__(
                  'Unique across all users; lowercase letters, digits and dashes.'
                )}
              </span>
            }
          >
            <InputGroup
              {...controlProps(ids.identifier, 'identifier', shownErrors, true)}
              className="atmo-Input"
              type="text"
              autoComplete="off"
              spellCheck={false}
              maxLength={100}
              value={values.identifier}
              onChange={e => set('identifier', e.target.value)}
            />
          </Field>
        )}
        <Field
          id={ids.description}
          field="description"
          label={trans.__('Description')}
          errors={errors}
        >
          <textarea
            {...controlProps(ids.description, 'description', errors)}
            className="jp-mod-styled atmo-Input atmo-Textarea"
            rows={2}
            data-autofocus={editing ? true : undefined}
            value={values.description}
            onChange={e => set('description', e.target.value)}
          />
        </Field>
        <fieldset className="atmo-Fieldset">
          <legend>{trans.__('Schedule')}</legend>
          <div
            className="atmo-Radios"
            role="radiogroup"
            aria-label={trans.__('Kind of schedule')}
          >
            <label>
              <input
                type="radio"
                name={ids.kind}
                checked={values.kind === 'interval'}
                onChange={() => set('kind', 'interval')}
              />{' '}
              {trans.__('Interval')}
            </label>
            <label>
              <input
                type="radio"
                name={ids.kind}
                checked={values.kind === 'cron'}
                onChange={() => set('kind', 'cron')}
              />{' '}
              {trans.__('Cron expression')}
            </label>
          </div>
          {values.kind === 'interval' ? (
            <Field
              id={ids.interval}
              field="interval_in_hours"
              label={trans.__('Runs')}
              errors={errors}
            >
              <HTMLSelect
                {...controlProps(ids.interval, 'interval_in_hours', errors)}
                className="atmo-Input"
                value={values.interval_in_hours}
                onChange={e => set('interval_in_hours', e.target.value)}
                options={config.job_intervals.map(h => ({
                  value: String(h),
                  label: intervalLabel(h, trans)
                }))}
              />
            </Field>
          ) : (
            <>
              <Field
                id={ids.cron}
                field="schedule"
                label={trans.__('Cron expression')}
                errors={errors}
                hint={trans.__(
                  'minute hour day-of-month month day-of-week, e.g. 0 6 * * 1 = Mondays at 06:00'
                )}
              >
                <InputGroup
                  {...controlProps(ids.cron, 'schedule', errors, true)}
                  className="atmo-Input atmo-Mono"
                  type="text"
                  spellCheck={false}
                  value={values.schedule}
                  onChange={e => set('schedule', e.target.value)}
                />
              </Field>
              <Field
                id={ids.timezone}
                field="timezone"
                label={trans.__('Time zone')}
                errors={errors}
              >
                <InputGroup
                  {...controlProps(ids.timezone, 'timezone', errors)}
                  className="atmo-Input"
                  type="text"
                  list={ids.zones}
                  spellCheck={false}
                  value={values.timezone}
                  onChange={e => set('timezone', e.target.value)}
                />
                <datalist id={ids.zones}>
                  {zones.map(z => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </Field>
            </>
          )}
          <div className="atmo-Preview" id={ids.preview} aria-live="polite">
            {previewProblem ? (
              <span className="atmo-Muted">{previewProblem}</span>
            ) : preview === null ? null : (
              <>
                <span>
                  {trans.__('Next runs (%1):', previewZone(values, preview))}
                </span>
                <ol>
                  {preview.runs.map(run => (
                    <li key={run}>
                      {dateTimeText(
                        new Date(run),
                        previewZone(values, preview)
                      )}
                      {Date.parse(run) <= previewNow + 60000
                        ? ' ' + trans.__('(now)')
                        : ''}
                    </li>
                  ))}
                </ol>
              </>
            )}
          </div>
          <div className="atmo-Row">
            <Field
              id={ids.start}
              field="start_date"
              label={trans.__('Start')}
              errors={errors}
              hint={editing ? undefined : trans.__('Empty: now.')}
            >
              <InputGroup
                {...controlProps(ids.start, 'start_date', errors, !editing)}
                className="atmo-Input"
                type="datetime-local"
                value={values.start_date}
                onChange={e => set('start_date', e.target.value)}
              />
            </Field>
            <Field
              id={ids.end}
              field="end_date"
              label={trans.__('End')}
              errors={errors}
              hint={trans.__('Empty: never.')}
            >
              <InputGroup
                {...controlProps(ids.end, 'end_date', errors, true)}
                className="atmo-Input"
                type="datetime-local"
                value={values.end_date}
                onChange={e => set('end_date', e.target.value)}
              />
            </Field>
          </div>
        </fieldset>
        <fieldset className="atmo-Fieldset">
          <legend>{trans.__('Execution')}</legend>
          <div className="atmo-Row">
            <Field
              id={ids.executor}
              field="executor"
              label={trans.__('Runs on')}
              errors={errors}
            >
              <HTMLSelect
                {...controlProps(ids.executor, 'executor', errors)}
                className="atmo-Input"
                value={values.executor}
                onChange={e =>
                  set('executor', e.target.value as IScheduleValues['executor'])
                }
                options={[
                  {
                    value: 'emr',
                    label: trans.__('a new EMR cluster per run')
                  },
                  {
                    value: 'local',
                    label: trans.__('this machine (papermill)')
                  }
                ]}
              />
            </Field>
            <Field
              id={ids.timeout}
              field="job_timeout_hours"
              label={trans.__('Timeout (hours)')}
              errors={errors}
              hint={trans.__('1–24; a run is stopped after it.')}
            >
              <InputGroup
                {...controlProps(
                  ids.timeout,
                  'job_timeout_hours',
                  errors,
                  true
                )}
                className="atmo-Input"
                type="number"
                min={1}
                max={24}
                value={values.job_timeout_hours}
                onChange={e => set('job_timeout_hours', e.target.value)}
              />
            </Field>
          </div>
          {values.executor === 'emr' ? (
            <div className="atmo-Row">
              <Field
                id={ids.size}
                field="size"
                label={trans.__('Cluster size')}
                errors={errors}
                hint={
                  config.max_cluster_size === null
                    ? trans.__('Nodes.')
                    : trans.__('Nodes, at most %1.', config.max_cluster_size)
                }
              >
                <InputGroup
                  {...controlProps(ids.size, 'size', errors, true)}
                  className="atmo-Input"
                  type="number"
                  min={1}
                  max={config.max_cluster_size ?? undefined}
                  value={values.size}
                  onChange={e => set('size', e.target.value)}
                />
              </Field>
              <ReleaseSelect
                id={ids.release}
                releases={model.releases}
                value={values.emr_release}
                errors={errors}
                onChange={v => set('emr_release', v)}
                trans={trans}
              />
            </div>
          ) : null}
          <div
            className="atmo-Radios"
            role="radiogroup"
            aria-label={trans.__('Result visibility')}
          >
            <span className="atmo-Field-label">{trans.__('Results')}</span>
            <label>
              <input
                type="radio"
                name={ids.visibility}
                checked={values.result_visibility === 'private'}
                onChange={() => set('result_visibility', 'private')}
              />{' '}
              {trans.__('private')}
            </label>
            <label>
              <input
                type="radio"
                name={ids.visibility}
                checked={values.result_visibility === 'public'}
                onChange={() => set('result_visibility', 'public')}
              />{' '}
              {trans.__('public')}
            </label>
          </div>
          {errors.result_visibility ? (
            <div className="atmo-Field-error">{errors.result_visibility}</div>
          ) : null}
        </fieldset>
        <ParameterRows
          rows={values.parameters}
          errors={errors}
          skipped={facts?.skipped ?? []}
          onChange={rows => set('parameters', rows)}
          trans={trans}
        />
        <ErrorMessage message={message} />
      </div>
      <FormButtons
        submitLabel={editing ? trans.__('Save') : trans.__('Schedule')}
        busyLabel={editing ? trans.__('Saving…') : trans.__('Scheduling…')}
        trans={trans}
        busy={busy}
        onCancel={() => props.onDone(null)}
      />
    </form>
  );
}

/**
 * The zone the preview's times are shown in: the cron schedule's, or the
 * browser's for an interval.
 */
function previewZone(
  values: IScheduleValues,
  preview: ISchedulePreview
): string {
  return values.kind === 'cron' ? preview.timezone : browserTimeZone();
}

/**
 * Open the schedule (or edit) form; resolves with the job (or null).
 */
export function openScheduleDialog(
  model: AtmoModel,
  config: IConfig,
  target: ScheduleTarget
): Promise<IJob | null> {
  const title =
    target.kind === 'edit'
      ? model.trans.__('Edit %1', target.job.identifier)
      : model.trans.__('Schedule this notebook');
  return showModal<IJob>(
    title,
    done => (
      <ScheduleForm
        model={model}
        config={config}
        target={target}
        onDone={done}
      />
    ),
    'atmo-mod-wide'
  );
}
