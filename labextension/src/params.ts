/**
 * Papermill parameter values in the schedule form: typed as JSON (`3`,
 * `"text"`, `true`, `[1, 2]`), anything else sent as text.
 *
 * The notebook's own parameters come from the server (papermill's
 * `inspect_notebook`, `GET /jobs/notebook-facts`). `parseParametersCell`
 * below is still called by index.ts (owned by another branch) and goes once
 * index.ts passes the schedule form only the notebook's path.
 */
import { JSONObject, JSONValue } from './api';

/**
 * Parameters read from a cell.
 */
export interface IParsedParameters {
  /** name → value, in source order */
  parameters: JSONObject;
  /** names (or lines) that were not simple literals */
  skipped: string[];
}

class LiteralError extends Error {}

/**
 * A recursive-descent parser for Python (and JSON) literals.
 */
class LiteralParser {
  constructor(private readonly text: string) {}

  parse(): JSONValue {
    const value = this.value();
    this.space();
    if (this.pos < this.text.length) {
      throw new LiteralError(`Unexpected "${this.text.slice(this.pos)}".`);
    }
    return value;
  }

  private pos = 0;

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) {
      this.pos++;
    }
  }

  private peek(): string {
    this.space();
    return this.text[this.pos] ?? '';
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) {
      throw new LiteralError(`Expected "${ch}".`);
    }
    this.pos++;
  }

  private value(): JSONValue {
    const ch = this.peek();
    if (ch === '[' || ch === '(') {
      return this.sequence(ch === '[' ? ']' : ')');
    }
    if (ch === '{') {
      return this.mapping();
    }
    if (ch === '"' || ch === "'") {
      return this.string();
    }
    const rest = this.text.slice(this.pos);
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      const words: { [w: string]: JSONValue } = {
        True: true,
        False: false,
        None: null,
        true: true,
        false: false,
        null: null
      };
      if (word[0] in words) {
        this.pos += word[0].length;
        return words[word[0]];
      }
      throw new LiteralError(`"${word[0]}" is not a literal.`);
    }
    const number = /^[-+]?(\d[\d_]*)?(\.\d[\d_]*)?([eE][-+]?\d+)?/.exec(rest);
    if (number && number[0] !== '' && /\d/.test(number[0])) {
      this.pos += number[0].length;
      const value = Number(number[0].replace(/_/g, ''));
      if (!Number.isFinite(value)) {
        throw new LiteralError('Number out of range.');
      }
      return value;
    }
    throw new LiteralError(ch ? `Unexpected "${ch}".` : 'Missing value.');
  }

  private sequence(close: string): JSONValue[] {
    this.pos++;
    const items: JSONValue[] = [];
    while (this.peek() !== close) {
      items.push(this.value());
      if (this.peek() === ',') {
        this.pos++;
      } else {
        break;
      }
    }
    this.expect(close);
    return items;
  }

  private mapping(): JSONObject {
    this.pos++;
    const result: JSONObject = {};
    while (this.peek() !== '}') {
      const key = this.value();
      if (typeof key !== 'string' && typeof key !== 'number') {
        throw new LiteralError('Dictionary keys must be strings or numbers.');
      }
      this.expect(':');
      result[String(key)] = this.value();
      if (this.peek() === ',') {
        this.pos++;
      } else {
        break;
      }
    }
    this.expect('}');
    return result;
  }

  private string(): string {
    const quote = this.text[this.pos];
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const delimiter = triple ? quote.repeat(3) : quote;
    this.pos += delimiter.length;
    let out = '';
    while (this.pos < this.text.length) {
      if (this.text.startsWith(delimiter, this.pos)) {
        this.pos += delimiter.length;
        return out;
      }
      const ch = this.text[this.pos];
      if (ch === '\\') {
        const next = this.text[this.pos + 1] ?? '';
        const escapes: { [c: string]: string } = {
          n: '\n',
          t: '\t',
          r: '\r',
          '\\': '\\',
          "'": "'",
          '"': '"',
          '0': '\0'
        };
        out += next in escapes ? escapes[next] : '\\' + next;
        this.pos += 2;
        continue;
      }
      if (ch === '\n' && !triple) {
        break;
      }
      out += ch;
      this.pos++;
    }
    throw new LiteralError('Unterminated string.');
  }
}

/**
 * Parse a Python or JSON literal.
 *
 * @param text The literal, e.g. `3`, `'a'`, `[1, 2]`, `{"k": True}`
 * @returns Its JSON value
 * @throws Error when `text` is not a simple literal
 */
export function parseLiteral(text: string): JSONValue {
  return new LiteralParser(text).parse();
}

/**
 * Strip a trailing `# comment` that is not inside a string.
 */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === '\\') {
        i++;
      } else if (ch === quote) {
        quote = null;
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#') {
      return line.slice(0, i);
    }
  }
  return line;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]+)?=(?!=)\s*(.*)$/;

/**
 * Read `name = value` lines of a parameters cell.
 *
 * @param source The cell source (a string or nbformat's list of lines)
 * @returns The parameters and what could not be read
 */
export function parseParametersCell(
  source: string | string[]
): IParsedParameters {
  const text = Array.isArray(source) ? source.join('') : source;
  const parameters: JSONObject = {};
  const skipped: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = stripComment(raw).trim();
    if (line === '' || raw.startsWith(' ') || raw.startsWith('\t')) {
      if (line !== '') {
        skipped.push(line);
      }
      continue;
    }
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      skipped.push(line);
      continue;
    }
    try {
      parameters[match[1]] = parseLiteral(match[2]);
    } catch {
      skipped.push(match[1]);
    }
  }
  return { parameters, skipped };
}

/**
 * A minimal view of a notebook's cells (nbformat 4).
 */
export interface INotebookLike {
  cells?: Array<{
    cell_type?: string;
    metadata?: { tags?: unknown };
    source?: string | string[];
  }>;
}

/**
 * The source of the first code cell tagged `parameters`, or null.
 */
export function findParametersSource(notebook: INotebookLike): string | null {
  for (const cell of notebook.cells ?? []) {
    const tags = cell.metadata?.tags;
    if (
      cell.cell_type === 'code' &&
      Array.isArray(tags) &&
      tags.includes('parameters')
    ) {
      const source = cell.source ?? '';
      return Array.isArray(source) ? source.join('') : source;
    }
  }
  return null;
}

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
