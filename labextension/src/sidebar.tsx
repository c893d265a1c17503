/**
 * The atmo_lab sidebar: clusters, scheduled notebooks and SSH keys.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { ICluster, IJob, ObjectId } from './api';
import { ClustersSection } from './clusters';
import { ErrorMessage, useSignal } from './components';
import { listCountText } from './format';
import { atmoIcon } from './icons';
import { JobsSection } from './jobs';
import { KeysSection } from './keys';
import { AtmoModel, IRevealRequest, Section } from './model';

/**
 * What the sidebar asks the application to do.
 */
export interface ISidebarActions {
  launchCluster: () => void;
  /** insert the cell that connects the current notebook to the cluster's Spark */
  connectSpark: (cluster: ICluster) => void;
  addKey: () => void;
  editJob: (job: IJob) => void;
  openOutput: (jobId: ObjectId, runId: ObjectId | null) => Promise<unknown>;
}

const SECTIONS: Array<[Section, string]> = [
  ['clusters', 'Clusters'],
  ['jobs', 'Jobs'],
  ['keys', 'Keys']
];

function toggled(set: ReadonlySet<string>, id: ObjectId): Set<string> {
  const copy = new Set(set);
  const key = String(id);
  if (copy.has(key)) {
    copy.delete(key);
  } else {
    copy.add(key);
  }
  return copy;
}

function SidebarView(props: {
  model: AtmoModel;
  actions: ISidebarActions;
}): JSX.Element {
  const { model, actions } = props;
  useSignal(model.changed);
  const [section, setSection] = React.useState<Section>('clusters');
  const [expandedClusters, setExpandedClusters] = React.useState<
    ReadonlySet<string>
  >(new Set());
  const [expandedJobs, setExpandedJobs] = React.useState<ReadonlySet<string>>(
    new Set()
  );
  const tabRefs = React.useRef<{ [s: string]: HTMLButtonElement | null }>({});
  const panelRef = React.useRef<HTMLDivElement>(null);
  const pendingFocus = React.useRef<string | null>(null);

  React.useEffect(() => {
    const onReveal = (_: AtmoModel, request: IRevealRequest): void => {
      setSection(request.section);
      if (request.id !== undefined) {
        const key = String(request.id);
        if (request.section === 'jobs') {
          setExpandedJobs(s => new Set([...s, key]));
        } else if (request.section === 'clusters') {
          setExpandedClusters(s => new Set([...s, key]));
        }
        pendingFocus.current = `${request.section}:${key}`;
      }
    };
    model.revealRequested.connect(onReveal);
    return () => {
      model.revealRequested.disconnect(onReveal);
    };
  }, [model]);

  // Bring a revealed row into view once it is rendered.
  React.useEffect(() => {
    const pending = pendingFocus.current;
    if (!pending || !panelRef.current) {
      return;
    }
    const [kind, id] = pending.split(':');
    const attribute = kind === 'jobs' ? 'data-job-id' : 'data-cluster-id';
    const row = panelRef.current.querySelector<HTMLElement>(
      `[${attribute}="${CSS.escape(id)}"]`
    );
    if (row) {
      pendingFocus.current = null;
      row.scrollIntoView({ block: 'nearest' });
      row.querySelector<HTMLElement>('.atmo-Item-toggle')?.focus();
    }
  });

  const onTabKey = (event: React.KeyboardEvent): void => {
    const index = SECTIONS.findIndex(([s]) => s === section);
    let next = -1;
    if (event.key === 'ArrowRight') {
      next = (index + 1) % SECTIONS.length;
    } else if (event.key === 'ArrowLeft') {
      next = (index + SECTIONS.length - 1) % SECTIONS.length;
    } else if (event.key === 'Home') {
      next = 0;
    } else if (event.key === 'End') {
      next = SECTIONS.length - 1;
    }
    if (next !== -1) {
      event.preventDefault();
      const target = SECTIONS[next][0];
      setSection(target);
      tabRefs.current[target]?.focus();
    }
  };

  const config = model.config;
  const connection = model.errors.connection || model.errors.config;
  const counts: { [s: string]: string } = {
    // the badge counts active clusters only (a filter of all would count history)
    clusters:
      model.clusterFilter === 'active' && model.clusters.length > 0
        ? listCountText(
            model.clusters.length,
            model.moreClusters,
            model.clusterTotal
          )
        : '',
    jobs:
      model.jobs.length > 0
        ? listCountText(model.jobs.length, model.moreJobs, model.jobTotal)
        : '',
    keys: model.keys.length > 0 ? String(model.keys.length) : ''
  };
  return (
    <div className="atmo-Sidebar-content">
      <header className="atmo-Header">
        <h2 className="atmo-Title">
          <atmoIcon.react tag="span" className="atmo-Title-icon" />
          atmo_lab
        </h2>
        <button
          type="button"
          className="jp-Button jp-mod-minimal atmo-SmallButton"
          aria-label="Refresh"
          title="Refresh now"
          onClick={() => void model.refresh()}
        >
          ⟳
        </button>
      </header>
      {config ? (
        <p className="atmo-Muted atmo-Who">
          {config.user}
          {config.is_maintainer ? ' (maintainer)' : ''} · {config.region}
          {config.is_local_emulator ? (
            <span
              className="atmo-Badge atmo-Emulator"
              title={`AWS calls go to ${config.aws_endpoint ?? 'a local emulator'}: nothing runs on real AWS`}
            >
              AWS: local emulator
            </span>
          ) : null}
        </p>
      ) : null}
      <ErrorMessage
        message={
          connection
            ? `Cannot reach the atmo_lab server extension: ${connection}`
            : ''
        }
      />
      <div className="atmo-Tabs" role="tablist" aria-label="atmo_lab sections">
        {SECTIONS.map(([value, label]) => (
          <button
            key={value}
            ref={node => {
              tabRefs.current[value] = node;
            }}
            type="button"
            role="tab"
            id={`atmo-tab-${value}`}
            aria-selected={section === value}
            aria-controls={`atmo-panel-${value}`}
            tabIndex={section === value ? 0 : -1}
            className={`atmo-Tab${section === value ? ' atmo-mod-selected' : ''}`}
            onClick={() => setSection(value)}
            onKeyDown={onTabKey}
          >
            {label}
            {counts[value] ? (
              <span className="atmo-Count">{counts[value]}</span>
            ) : null}
          </button>
        ))}
      </div>
      <div
        ref={panelRef}
        className="atmo-Panel"
        role="tabpanel"
        id={`atmo-panel-${section}`}
        aria-labelledby={`atmo-tab-${section}`}
      >
        {section === 'clusters' ? (
          <ClustersSection
            model={model}
            expanded={expandedClusters}
            onToggle={id => setExpandedClusters(s => toggled(s, id))}
            onLaunch={actions.launchCluster}
            onConnect={actions.connectSpark}
          />
        ) : section === 'jobs' ? (
          <JobsSection
            model={model}
            expanded={expandedJobs}
            onToggle={id => setExpandedJobs(s => toggled(s, id))}
            actions={{ edit: actions.editJob, openOutput: actions.openOutput }}
          />
        ) : (
          <KeysSection model={model} onAddKey={actions.addKey} />
        )}
      </div>
    </div>
  );
}

/**
 * The sidebar widget (left area).
 */
export class AtmoSidebar extends ReactWidget {
  constructor(model: AtmoModel, actions: ISidebarActions) {
    super();
    this.model = model;
    this._actions = actions;
    this.id = 'atmo-lab-sidebar';
    this.addClass('atmo-Sidebar');
    this.title.icon = atmoIcon;
    this.title.caption = 'atmo_lab: clusters, scheduled notebooks and SSH keys';
  }

  readonly model: AtmoModel;

  protected render(): JSX.Element {
    return <SidebarView model={this.model} actions={this._actions} />;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.visible = true;
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.visible = false;
  }

  private _actions: ISidebarActions;
}
