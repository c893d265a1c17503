/**
 * The icons of atmo_lab (themed through the `jp-icon3` class, so they follow
 * the light and dark themes).
 */
import { LabIcon } from '@jupyterlab/ui-components';

/**
 * A cloud with a clock: on-demand clusters and scheduled notebooks.
 */
const ATMO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M18.5 9.2A6.5 6.5 0 0 0 6.1 7.6 5 5 0 0 0 6 17.6h5.2v-2H6a3 3 0 0 1-.2-6l.8-.1.3-.7a4.5 4.5 0 0 1 8.8 1.1l.1 1h1a2.6 2.6 0 0 1 2.7 2.2h2a4.7 4.7 0 0 0-3-3.9z"/>
    <path d="M17.5 12.5a5 5 0 1 0 0 10 5 5 0 0 0 0-10zm0 8.2a3.2 3.2 0 1 1 0-6.4 3.2 3.2 0 0 1 0 6.4z"/>
    <path d="M18.2 15h-1.4v2.8l2.3 1.4.7-1.1-1.6-1z"/>
  </g>
</svg>`;

/**
 * A calendar with a clock: "Schedule this notebook".
 */
const SCHEDULE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M19 4h-1V2h-2v2H8V2H6v2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h6v-2H5V9h14v2h2V6a2 2 0 0 0-2-2z"/>
    <path d="M17.5 12.5a5 5 0 1 0 0 10 5 5 0 0 0 0-10zm0 8.2a3.2 3.2 0 1 1 0-6.4 3.2 3.2 0 0 1 0 6.4z"/>
    <path d="M18.2 15h-1.4v2.8l2.3 1.4.7-1.1-1.6-1z"/>
  </g>
</svg>`;

export const atmoIcon = new LabIcon({
  name: 'atmo-lab:atmo',
  svgstr: ATMO_SVG
});

export const scheduleIcon = new LabIcon({
  name: 'atmo-lab:schedule',
  svgstr: SCHEDULE_SVG
});
