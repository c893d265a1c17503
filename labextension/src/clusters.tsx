/**
 * The Clusters section of the sidebar and the launch form.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { HTMLSelect, InputGroup } from '@jupyterlab/ui-components';
import * as React from 'react';

import {
  ClusterStatusFilter,
  ICluster,
  IConfig,
  IRelease,
  ObjectId
} from './api';
import {
  ErrorMessage,
  Field,
  FormButtons,
  StatusBadge,
  controlProps,
  focusFirstInvalid,
  requestErrors,
  useId,
  useNow,
  useSignal
} from './components';
import {
  FieldErrors,
  ILaunchValues,
  extendChoices,
  initialLaunchValues,
  launchBody,
  resizeProblem,
  validateLaunch
} from './forms';
import {
  dateTimeText,
  defaultRelease,
  expiryText,
  expiryTone,
  releaseLabel,
  sizeText,
  sizeTitle
} from './format';
import { AtmoModel } from './model';
import { showModal } from './modal';
import { SparkDetails } from './spark';
import { errorMessage } from './utils';

function filterOptions(
  trans: TranslationBundle
): Array<{ value: ClusterStatusFilter; label: string }> {
  return [
    { value: 'active', label: trans.__('Active') },
    { value: 'terminated', label: trans.__('Terminated') },
    { value: 'failed', label: trans.__('Failed') },
    { value: 'all', label: trans.__('All') }
  ];
}

/**
 * "owner: bob" on a row of someone else's (in the everyone's view).
 */
export function OwnerLabel(props: {
  owner: string;
  user: string | undefined;
  trans: TranslationBundle;
}): JSX.Element | null {
  if (!props.owner || props.owner === props.user) {
    return null;
  }
  return (
    <span
      className="atmo-Owner"
      title={props.trans.__('Belongs to %1', props.owner)}
    >
      {props.trans.__('owner: %1', props.owner)}
    </span>
  );
}

/**
 * The release select of the launch and schedule forms.
 */
export function ReleaseSelect(props: {
  id: string;
  releases: ReadonlyArray<IRelease>;
  value: string;
  errors: FieldErrors;
  onChange: (value: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  const selected = props.releases.find(r => r.version === props.value);
  const hint = selected ? (
    <>
      {selected.help_text}
      {selected.changelog_url ? (
        <>
          {' '}
          <a href={selected.changelog_url} target="_blank" rel="noreferrer">
            {trans.__('Changelog')}
          </a>
        </>
      ) : null}
    </>
  ) : null;
  return (
    <Field
      id={props.id}
      field="emr_release"
      label={trans.__('EMR release')}
      errors={props.errors}
      hint={hint}
    >
      <HTMLSelect
        {...controlProps(props.id, 'emr_release', props.errors, Boolean(hint))}
        className="atmo-Input"
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
        options={props.releases.map(r => ({
          value: r.version,
          label: releaseLabel(r, trans)
        }))}
      />
    </Field>
  );
}

const LAUNCH_FIELDS = [
  'identifier',
  'size',
  'lifetime_hours',
  'ssh_key_id',
  'emr_release'
];

/**
 * The launch form (in a modal).
 */
export function LaunchClusterForm(props: {
  model: AtmoModel;
  config: IConfig;
  onDone: (cluster: ICluster | null) => void;
  onAddKey: () => void;
}): JSX.Element {
  const { model, config } = props;
  const trans = model.trans;
  useSignal(model.changed);
  const [values, setValues] = React.useState<ILaunchValues>(() =>
    initialLaunchValues(config, model.keys, '', defaultRelease(model.releases))
  );
  const [errors, setErrors] = React.useState<FieldErrors>({});
  const [message, setMessage] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const touched = React.useRef(false);
  const formRef = React.useRef<HTMLFormElement>(null);
  const ids = {
    identifier: useId('atmo-launch-identifier'),
    size: useId('atmo-launch-size'),
    lifetime: useId('atmo-launch-lifetime'),
    key: useId('atmo-launch-key'),
    release: useId('atmo-launch-release')
  };

  React.useEffect(() => {
    let cancelled = false;
    model
      .suggestClusterIdentifier()
      .then(identifier => {
        if (!cancelled && !touched.current) {
          setValues(v => ({ ...v, identifier }));
        }
      })
      .catch(() => {
        // The server generates one when the field stays empty.
      });
    return () => {
      cancelled = true;
    };
  }, []);

  // Keys and releases may arrive after the form opened.
  React.useEffect(() => {
    if (values.ssh_key_id === '' && model.keys.length > 0) {
      setValues(v => ({ ...v, ssh_key_id: String(model.keys[0].id) }));
    }
    if (values.emr_release === '' && model.releases.length > 0) {
      setValues(v => ({ ...v, emr_release: defaultRelease(model.releases) }));
    }
  });

  const set = (field: keyof ILaunchValues) => (value: string) => {
    if (field === 'identifier') {
      touched.current = true;
    }
    setValues(v => ({ ...v, [field]: value }));
    if (errors[field]) {
      setErrors(e => {
        const copy = { ...e };
        delete copy[field];
        return copy;
      });
    }
  };

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    const found = validateLaunch(values, config, trans);
    setErrors(found);
    setMessage('');
    if (Object.keys(found).length > 0) {
      window.setTimeout(() => focusFirstInvalid(formRef.current), 0);
      return;
    }
    setBusy(true);
    try {
      const cluster = await model.launchCluster(launchBody(values, model.keys));
      props.onDone(cluster);
    } catch (reason) {
      const result = requestErrors(reason, LAUNCH_FIELDS);
      setErrors(result.errors);
      setMessage(result.message);
      setBusy(false);
      window.setTimeout(() => focusFirstInvalid(formRef.current), 0);
    }
  };

  const maxSize = config.max_cluster_size;
  const noKeys = model.keys.length === 0;
  return (
    <form
      ref={formRef}
      className="atmo-Form"
      aria-label={trans.__('Launch a cluster')}
      noValidate
      onSubmit={e => void submit(e)}
    >
      <div className="jp-Dialog-body">
        <Field
          id={ids.identifier}
          field="identifier"
          label={trans.__('Identifier')}
          errors={errors}
          hint={trans.__(
            'Lowercase letters, digits and dashes. Leave empty for a generated name.'
          )}
        >
          <InputGroup
            {...controlProps(ids.identifier, 'identifier', errors, true)}
            className="atmo-Input"
            type="text"
            autoComplete="off"
            spellCheck={false}
            maxLength={100}
            value={values.identifier}
            onChange={e => set('identifier')(e.target.value)}
          />
        </Field>
        <Field
          id={ids.size}
          field="size"
          label={trans.__('Size (nodes)')}
          errors={errors}
          hint={
            maxSize === null
              ? trans.__(
                  '1 = a master node only; N > 1 = a master and N core nodes.'
                )
              : trans.__(
                  '1 = a master node only; N > 1 = a master and N core nodes (at most %1).',
                  maxSize
                )
          }
        >
          <InputGroup
            {...controlProps(ids.size, 'size', errors, true)}
            className="atmo-Input"
            type="number"
            min={1}
            max={maxSize ?? undefined}
            step={1}
            value={values.size}
            onChange={e => set('size')(e.target.value)}
          />
        </Field>
        <Field
          id={ids.lifetime}
          field="lifetime_hours"
          label={trans.__('Lifetime (hours)')}
          errors={errors}
          hint={trans.__(
            'From %1 to %2 hours; you can extend it later.',
            config.min_cluster_lifetime,
            config.max_cluster_lifetime
          )}
        >
          <InputGroup
            {...controlProps(ids.lifetime, 'lifetime_hours', errors, true)}
            className="atmo-Input"
            type="number"
            min={config.min_cluster_lifetime}
            max={config.max_cluster_lifetime}
            step={1}
            value={values.lifetime_hours}
            onChange={e => set('lifetime_hours')(e.target.value)}
          />
        </Field>
        <Field
          id={ids.key}
          field="ssh_key_id"
          label={trans.__('SSH key')}
          errors={errors}
        >
          {noKeys ? (
            <div className="atmo-Notice" id={ids.key}>
              {trans.__('You have no SSH key yet; a cluster needs one.')}{' '}
              <button
                type="button"
                className="jp-Button jp-mod-styled jp-mod-accept atmo-SmallButton"
                onClick={props.onAddKey}
              >
                {trans.__('Add a key')}
              </button>
            </div>
          ) : (
            <HTMLSelect
              {...controlProps(ids.key, 'ssh_key_id', errors)}
              className="atmo-Input"
              value={values.ssh_key_id}
              onChange={e => set('ssh_key_id')(e.target.value)}
              options={model.keys.map(k => ({
                value: String(k.id),
                label: `${k.title} (${k.fingerprint_sha256.slice(0, 19)}…)`
              }))}
            />
          )}
        </Field>
        <ReleaseSelect
          id={ids.release}
          releases={model.releases}
          value={values.emr_release}
          errors={errors}
          onChange={set('emr_release')}
          trans={trans}
        />
        <ErrorMessage message={message} />
      </div>
      <FormButtons
        submitLabel={trans.__('Launch')}
        busyLabel={trans.__('Launching…')}
        trans={trans}
        busy={busy}
        disabled={noKeys}
        onCancel={() => props.onDone(null)}
      />
    </form>
  );
}

/**
 * Open the launch form; resolves with the launched cluster (or null).
 */
export function openLaunchDialog(
  model: AtmoModel,
  onAddKey: () => void
): Promise<ICluster | null> {
  const config = model.config;
  const trans = model.trans;
  if (!config) {
    Notification.error(
      trans.__(
        'atmo_lab is not reachable: %1',
        model.errors.config || trans.__('still loading')
      ),
      { autoClose: 5000 }
    );
    return Promise.resolve(null);
  }
  return showModal<ICluster>(trans.__('Launch a cluster'), done => (
    <LaunchClusterForm
      model={model}
      config={config}
      onDone={done}
      onAddKey={() => {
        done(null);
        onAddKey();
      }}
    />
  ));
}

/**
 * The actions of an active cluster: extend, resize, terminate.
 */
function ClusterActions(props: {
  model: AtmoModel;
  cluster: ICluster;
}): JSX.Element {
  const { model, cluster } = props;
  const config = model.config;
  const trans = model.trans;
  const [chosenHours, setHours] = React.useState('');
  // the shortest extension until one is chosen (config may arrive later)
  const hours = chosenHours || String(config?.min_cluster_lifetime ?? '');
  const [size, setSize] = React.useState(String(cluster.size));
  const [busy, setBusy] = React.useState<string | null>(null);
  const [error, setError] = React.useState('');
  const extendId = useId('atmo-extend');
  const resizeId = useId('atmo-resize');

  const run = async (
    name: string,
    action: () => Promise<ICluster>,
    success: (c: ICluster) => string
  ): Promise<void> => {
    setBusy(name);
    setError('');
    try {
      const updated = await action();
      Notification.success(success(updated), { autoClose: 4000 });
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(null);
    }
  };

  const terminate = async (): Promise<void> => {
    const result = await showDialog({
      title: trans.__('Terminate %1?', cluster.identifier),
      body: trans.__(
        'The cluster and everything stored on it (HDFS, local files) will be gone. Data on S3 is kept.'
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Terminate') })
      ]
    });
    if (result.button.accept) {
      await run(
        'terminate',
        () => model.terminateCluster(cluster.id),
        c => trans.__('Terminating cluster %1.', c.identifier)
      );
    }
  };

  // The bounds are the server's (GET /config); without them, nothing is sent.
  const resizeError = config
    ? resizeProblem(size, cluster.size, config, trans)
    : trans.__('Waiting for the server’s limits.');
  return (
    <div
      className="atmo-Actions"
      role="group"
      aria-label={trans.__('Actions for %1', cluster.identifier)}
    >
      <div className="atmo-ActionRow">
        <label htmlFor={extendId}>{trans.__('Extend by')}</label>
        <HTMLSelect
          id={extendId}
          className="atmo-Input atmo-mod-narrow"
          value={hours}
          onChange={e => setHours(e.target.value)}
          options={(config ? extendChoices(config) : []).map(h => ({
            value: String(h),
            label: trans.__('%1 h', h)
          }))}
        />
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-accept atmo-SmallButton"
          disabled={busy !== null || hours === ''}
          onClick={() =>
            void run(
              'extend',
              () => model.extendCluster(cluster.id, Number(hours)),
              c =>
                trans.__(
                  'Cluster %1 now %2.',
                  c.identifier,
                  expiryText(c, Date.now(), trans)
                )
            )
          }
        >
          {busy === 'extend' ? trans.__('Extending…') : trans.__('Extend')}
        </button>
      </div>
      {cluster.size > 1 ? (
        <div className="atmo-ActionRow">
          <label htmlFor={resizeId}>{trans.__('Core nodes')}</label>
          <InputGroup
            id={resizeId}
            className="atmo-Input atmo-mod-narrow"
            type="number"
            min={config?.min_resize_size}
            max={config?.max_cluster_size ?? undefined}
            value={size}
            aria-invalid={Boolean(resizeError) && size !== String(cluster.size)}
            onChange={e => setSize(e.target.value)}
          />
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-accept atmo-SmallButton"
            disabled={busy !== null || resizeError !== null}
            title={resizeError ?? undefined}
            onClick={() =>
              void run(
                'resize',
                () => model.resizeCluster(cluster.id, Number(size)),
                c =>
                  trans.__(
                    'Resizing cluster %1 to %2 nodes.',
                    c.identifier,
                    c.size
                  )
              )
            }
          >
            {busy === 'resize' ? trans.__('Resizing…') : trans.__('Resize')}
          </button>
        </div>
      ) : null}
      <div className="atmo-ActionRow">
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-warn atmo-SmallButton"
          disabled={busy !== null || cluster.status === 'TERMINATING'}
          onClick={() => void terminate()}
        >
          {busy === 'terminate'
            ? trans.__('Terminating…')
            : trans.__('Terminate')}
        </button>
      </div>
      <ErrorMessage message={error} />
    </div>
  );
}

/**
 * One cluster of the list, with its details when expanded.
 */
function ClusterItem(props: {
  model: AtmoModel;
  cluster: ICluster;
  expanded: boolean;
  onToggle: () => void;
  onConnect: (cluster: ICluster) => void;
  now: number;
}): JSX.Element {
  const { cluster, now, model } = props;
  const trans = model.trans;
  // The server lets only a cluster's owner change it (maintainers see it).
  const own = cluster.owner === model.config?.user;
  const detailsId = useId('atmo-cluster-details');
  const expiry = expiryText(cluster, now, trans);
  const tone = expiryTone(cluster, now);
  const extensions = cluster.lifetime_extension_count;
  return (
    <li
      className="atmo-Item"
      data-cluster-id={String(cluster.id)}
      data-identifier={cluster.identifier}
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
          <span className="atmo-Item-title">{cluster.identifier}</span>
        </button>
        <StatusBadge status={cluster.status} trans={trans} />
      </div>
      <div className="atmo-Item-meta">
        <span title={sizeTitle(cluster.size, trans)}>
          {sizeText(cluster.size, trans)}
        </span>
        <OwnerLabel
          owner={cluster.owner}
          user={model.config?.user}
          trans={trans}
        />
        <span>{trans.__('EMR %1', cluster.emr_release)}</span>
        {expiry ? (
          <span className={`atmo-Expiry atmo-mod-${tone}`}>{expiry}</span>
        ) : null}
        {extensions > 0 ? (
          <span title={trans.__('Lifetime extensions')}>
            {trans.__('extended %1×', extensions)}
          </span>
        ) : null}
      </div>
      {props.expanded ? (
        <div id={detailsId} className="atmo-Item-details">
          <dl className="atmo-Details">
            <dt>{trans.__('Master')}</dt>
            <dd>
              {cluster.master_address ? (
                <code>{cluster.master_address}</code>
              ) : (
                <span className="atmo-Muted">
                  {cluster.is_active ? trans.__('not known yet') : '—'}
                </span>
              )}
            </dd>
            <SparkDetails
              cluster={cluster}
              onConnect={own ? props.onConnect : undefined}
              trans={trans}
            />
            {cluster.status_reason ? (
              <>
                <dt>{trans.__('Reason')}</dt>
                <dd>{cluster.status_reason}</dd>
              </>
            ) : null}
            <dt>{trans.__('Created')}</dt>
            <dd>{dateTimeText(cluster.created_at)}</dd>
            {cluster.ready_at ? (
              <>
                <dt>{trans.__('Ready')}</dt>
                <dd>{dateTimeText(cluster.ready_at)}</dd>
              </>
            ) : null}
            {cluster.expires_at && cluster.is_active ? (
              <>
                <dt>{trans.__('Expires')}</dt>
                <dd>{dateTimeText(cluster.expires_at)}</dd>
              </>
            ) : null}
            {cluster.finished_at ? (
              <>
                <dt>{trans.__('Finished')}</dt>
                <dd>{dateTimeText(cluster.finished_at)}</dd>
              </>
            ) : null}
            {cluster.jobflow_id ? (
              <>
                <dt>{trans.__('Job flow')}</dt>
                <dd>
                  <code>{cluster.jobflow_id}</code>
                </dd>
              </>
            ) : null}
          </dl>
          {cluster.is_active && own ? (
            <ClusterActions model={model} cluster={cluster} />
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

/**
 * The Clusters section.
 */
export function ClustersSection(props: {
  model: AtmoModel;
  expanded: ReadonlySet<string>;
  onToggle: (id: ObjectId) => void;
  onLaunch: () => void;
  onConnect: (cluster: ICluster) => void;
}): JSX.Element {
  const { model } = props;
  const trans = model.trans;
  const now = useNow();
  const filterId = useId('atmo-cluster-filter');
  const clusters = model.clusters;
  const error = model.errors.clusters;
  return (
    <div className="atmo-Section" aria-label={trans.__('Clusters')}>
      <div className="atmo-Toolbar">
        <label htmlFor={filterId}>{trans.__('Show')}</label>
        <HTMLSelect
          id={filterId}
          className="atmo-Input atmo-mod-narrow"
          value={model.clusterFilter}
          onChange={e =>
            model.setClusterFilter(e.target.value as ClusterStatusFilter)
          }
          options={filterOptions(trans)}
        />
        <span className="atmo-Spacer" />
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-accept atmo-SmallButton"
          onClick={props.onLaunch}
        >
          {trans.__('Launch cluster…')}
        </button>
      </div>
      <ErrorMessage message={error} />
      {clusters.length === 0 && !error ? (
        <p className="atmo-Empty">
          {model.loading
            ? trans.__('Loading…')
            : model.clusterFilter === 'active'
              ? trans.__(
                  'No active clusters. Launch one to get a Spark cluster on EMR.'
                )
              : trans.__('No clusters to show.')}
        </p>
      ) : (
        <ul className="atmo-List" aria-label={trans.__('Clusters')}>
          {clusters.map(c => (
            <ClusterItem
              key={String(c.id)}
              model={model}
              cluster={c}
              now={now}
              expanded={props.expanded.has(String(c.id))}
              onToggle={() => props.onToggle(c.id)}
              onConnect={props.onConnect}
            />
          ))}
        </ul>
      )}
      {model.moreClusters ? (
        <button
          type="button"
          className="jp-Button jp-mod-minimal atmo-More"
          onClick={() => model.showMore('clusters')}
        >
          {trans.__('Show more')}
        </button>
      ) : null}
    </div>
  );
}
