/**
 * Papermill parameter values in the schedule form: typed as JSON (`3`,
 * `"text"`, `true`, `[1, 2]`), anything else sent as text. The notebook's
 * own parameters come from the server (papermill's `inspect_notebook`,
 * `GET /jobs/notebook-facts`).
 */
import { JSONValue } from './api';

/**
 * A parameter value typed in the form: its JSON value when it is JSON,
 * otherwise the text itself as a string.
 */
export function valueFromInput(text: string): JSONValue {
  const trimmed = text.trim();
  if (trimmed === '') {
    return '';
  }
  try {
    return JSON.parse(trimmed) as JSONValue;
  } catch {
    return text;
  }
}

/**
 * A parameter value shown in the form: strings bare unless they would be
 * read back as another value, everything else as JSON.
 */
export function valueToInput(value: JSONValue): string {
  if (typeof value === 'string' && valueFromInput(value) === value) {
    return value;
  }
  return JSON.stringify(value);
}

/**
 * A JSON value written as the Python literal the notebook receives (for
 * showing a job's parameters).
 */
export function pythonLiteral(value: JSONValue): string {
  if (value === null) {
    return 'None';
  }
  if (value === true) {
    return 'True';
  }
  if (value === false) {
    return 'False';
  }
  if (typeof value === 'number') {
    return String(value);
  }
  if (typeof value === 'string') {
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  }
  if (Array.isArray(value)) {
    return `[${value.map(pythonLiteral).join(', ')}]`;
  }
  return `{${Object.entries(value)
    .map(([k, v]) => `${pythonLiteral(k)}: ${pythonLiteral(v)}`)
    .join(', ')}}`;
}

/**
 * The Python type the notebook receives for a parameter value, shown beside the input.
 */
export function valueTypeLabel(value: JSONValue): string {
  if (value === null) {
    return 'None';
  }
  if (Array.isArray(value)) {
    return 'list';
  }
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'string':
      return 'str';
    default:
      return 'dict';
  }
}
