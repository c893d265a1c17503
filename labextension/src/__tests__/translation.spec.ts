/**
 * Text built outside React goes through the translation bundle it is given:
 * a real gettext catalog (French) in the atmo_lab domain.
 */
import { Gettext } from '@jupyterlab/translation';

import { INotification } from '../api';
import {
  DOMAIN,
  durationText,
  expiryText,
  nextRunText,
  outcomeText,
  runSummary,
  scheduleText,
  sizeText,
  sizeTitle,
  statusLabel
} from '../format';
import { resizeProblem, validateKey } from '../forms';
import { notificationView } from '../state';

import plugin from '../../schema/plugin.json';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const HOUR = 3600 * 1000;

function french(): Gettext {
  const fr = new Gettext({ domain: DOMAIN, locale: 'fr' });
  fr.loadJSON(
    {
      '': {
        language: 'fr',
        domain: DOMAIN,
        pluralForms: 'nplurals=2; plural=(n > 1);'
      },
      'every day': ['chaque jour'],
      'every %1 h': ['toutes les %1 h'],
      'expires in %1': ['expire dans %1'],
      'expired %1 ago': ['expiré il y a %1'],
      '%1 h %2 min': ['%1 h %2 min'],
      '%1 min %2 s': ['%1 min %2 s'],
      'next run in %1': ['prochaine exécution dans %1'],
      '1 node': ['1 nœud'],
      '1 + %1 node': ['1 + %1 nœud', '1 + %1 nœuds'],
      'a master and %1 core node': [
        'un maître et %1 nœud de calcul',
        'un maître et %1 nœuds de calcul'
      ],
      'timed out': ['délai dépassé'],
      'terminated with errors': ['terminé avec des erreurs'],
      'cell %1': ['cellule %1'],
      'Extend %1 h': ['Prolonger de %1 h'],
      'Open output': ['Ouvrir le résultat'],
      'Use a number from %1 to %2.': ['Un nombre de %1 à %2.'],
      'The cluster already has %1 node.': [
        'Le cluster a déjà %1 nœud.',
        'Le cluster a déjà %1 nœuds.'
      ],
      'This is too long for a public key.': [
        'C’est trop long pour une clé publique.'
      ]
    },
    DOMAIN
  );
  return fr;
}

describe('translated text', () => {
  const fr = french();

  it('translates schedules, times and durations', () => {
    const job = { schedule: null, timezone: null };
    expect(scheduleText({ ...job, interval_in_hours: 24 }, fr)).toBe(
      'chaque jour'
    );
    expect(scheduleText({ ...job, interval_in_hours: 6 }, fr)).toBe(
      'toutes les 6 h'
    );
    const cluster = { is_active: true };
    const at = (ms: number) => new Date(NOW + ms).toISOString();
    expect(
      expiryText({ ...cluster, expires_at: at(3 * HOUR + 720000) }, NOW, fr)
    ).toBe('expire dans 3 h 12 min');
    expect(
      expiryText({ ...cluster, expires_at: at(-HOUR - 60000) }, NOW, fr)
    ).toBe('expiré il y a 1 h 1 min');
    expect(durationText(at(0), at(65000), NOW, fr)).toBe('1 min 5 s');
    expect(
      nextRunText(
        { expired_date: null, is_enabled: true, next_run_at: at(HOUR + 60000) },
        NOW,
        fr
      )
    ).toBe('prochaine exécution dans 1 h 1 min');
  });

  it('uses the plural forms of the catalog', () => {
    expect(sizeText(1, fr)).toBe('1 nœud');
    expect(sizeText(3, fr)).toBe('1 + 3 nœuds');
    expect(sizeTitle(4, fr)).toBe('un maître et 4 nœuds de calcul');
  });

  it('translates outcomes, states and run summaries', () => {
    expect(outcomeText('timed out', fr)).toBe('délai dépassé');
    expect(statusLabel('TERMINATED_WITH_ERRORS', fr)).toBe(
      'terminé avec des erreurs'
    );
    const run = {
      outcome: 'timed out' as const,
      started_at: null,
      finished_at: null,
      error: { cell_index: 3, ename: 'ValueError', evalue: '' }
    };
    expect(runSummary(run, NOW, fr)).toBe(
      'délai dépassé · cellule 4: ValueError'
    );
  });

  it('translates the actions of notification toasts', () => {
    const note = (kind: INotification['kind'], type: 'cluster' | 'run') =>
      ({
        id: 1,
        kind,
        subject: '[atmo_lab] x',
        body: '',
        created_at: '2026-11-21T12:00:00Z',
        read: false,
        object: { type, id: 5 }
      }) satisfies INotification;
    expect(
      notificationView(note('cluster_expiring', 'cluster'), () => null, fr)
        .actions[0].label
    ).toBe('Prolonger de 2 h');
    expect(
      notificationView(note('run_failed', 'run'), () => 7, fr).actions[0]
    ).toMatchObject({ label: 'Ouvrir le résultat', jobId: 7, runId: 5 });
  });

  it('translates the messages of form checks', () => {
    const limits = { min_resize_size: 2, max_cluster_size: 10 };
    expect(resizeProblem('11', 3, limits, fr)).toBe('Un nombre de 2 à 10.');
    expect(resizeProblem('3', 3, limits, fr)).toBe(
      'Le cluster a déjà 3 nœuds.'
    );
    expect(
      validateKey({ title: 'laptop', key: 'x'.repeat(100001) }, fr).key
    ).toBe('C’est trop long pour une clé publique.');
  });

  it('has JupyterLab translate the settings schema in the same domain', () => {
    expect(plugin['jupyter.lab.internationalization'].domain).toBe(DOMAIN);
  });
});
