/**
 * Reading the parameters cell and typed parameter values.
 */
import {
  findParametersSource,
  parseLiteral,
  parseParametersCell,
  pythonLiteral,
  valueFromInput,
  valueToInput,
  valueTypeLabel
} from '../params';

describe('parseLiteral', () => {
  it.each([
    ['3', 3],
    ['-2.5', -2.5],
    ['1e3', 1000],
    ['1_000', 1000],
    ["'text'", 'text'],
    ['"it\'s"', "it's"],
    ["'a\\nb'", 'a\nb'],
    ["'''triple'''", 'triple'],
    ['True', true],
    ['False', false],
    ['None', null],
    ['null', null],
    ['[1, "a", None]', [1, 'a', null]],
    ['(1, 2,)', [1, 2]],
    ['{"k": True, 2: [1]}', { k: true, '2': [1] }],
    ['[]', []]
  ])('reads %s', (text, value) => {
    expect(parseLiteral(text)).toEqual(value);
  });

  it.each(['foo', 'f(1)', '1 + 2', "'open", '[1, 2', '{1}', ''])(
    'refuses %p',
    text => {
      expect(() => parseLiteral(text)).toThrow();
    }
  );
});

describe('parseParametersCell', () => {
  it('reads simple assignments and reports the rest', () => {
    const source = [
      '# Parameters\n',
      'date = "2026-11-01"  # the day to process\n',
      'sample: float = 0.1\n',
      'countries = ["DE", "FR"]\n',
      'debug = False\n',
      'limit = None\n',
      'url = "http://x/#anchor"\n',
      'today = datetime.date.today()\n',
      'import os\n',
      'nested = {\n',
      '    "a": 1,\n',
      '}\n'
    ];
    const result = parseParametersCell(source);
    expect(result.parameters).toEqual({
      date: '2026-11-01',
      sample: 0.1,
      countries: ['DE', 'FR'],
      debug: false,
      limit: null,
      url: 'http://x/#anchor'
    });
    expect(Object.keys(result.parameters)).toEqual([
      'date',
      'sample',
      'countries',
      'debug',
      'limit',
      'url'
    ]);
    expect(result.skipped).toEqual([
      'today',
      'import os',
      'nested',
      '"a": 1,',
      '}'
    ]);
  });

  it('ignores comparisons and empty cells', () => {
    expect(parseParametersCell('a == 1\n').parameters).toEqual({});
    expect(parseParametersCell('')).toEqual({ parameters: {}, skipped: [] });
  });
});

describe('findParametersSource', () => {
  it('finds the first code cell tagged parameters', () => {
    const nb = {
      cells: [
        {
          cell_type: 'markdown',
          metadata: { tags: ['parameters'] },
          source: 'no'
        },
        { cell_type: 'code', metadata: {}, source: 'x = 0' },
        {
          cell_type: 'code',
          metadata: { tags: ['x', 'parameters'] },
          source: ['a = 1\n', 'b = 2']
        },
        {
          cell_type: 'code',
          metadata: { tags: ['parameters'] },
          source: 'c = 3'
        }
      ]
    };
    expect(findParametersSource(nb)).toBe('a = 1\nb = 2');
    expect(findParametersSource({ cells: [] })).toBeNull();
    expect(findParametersSource({})).toBeNull();
  });
});

describe('form values', () => {
  it('reads what people type', () => {
    expect(valueFromInput('3')).toBe(3);
    expect(valueFromInput('hello world')).toBe('hello world');
    expect(valueFromInput('"3"')).toBe('3');
    expect(valueFromInput('True')).toBe('True'); // JSON, not Python: text
    expect(valueFromInput('{"k": true}')).toEqual({ k: true });
    expect(valueFromInput('2026-11-01')).toBe('2026-11-01');
    expect(valueFromInput('[1, 2]')).toEqual([1, 2]);
    expect(valueFromInput('  ')).toBe('');
  });

  it('writes values back so they read the same', () => {
    for (const value of [
      'hello',
      '3',
      'True',
      3,
      0.5,
      true,
      null,
      [1, 'a'],
      { k: 'v' }
    ]) {
      expect(valueFromInput(valueToInput(value))).toEqual(value);
    }
    expect(valueToInput('hello')).toBe('hello');
    expect(valueToInput('3')).toBe('"3"');
    expect(valueToInput({ a: [true, null, "it's"] })).toBe(
      '{"a":[true,null,"it\'s"]}'
    );
  });

  it('shows values as the notebook receives them', () => {
    expect(pythonLiteral({ a: [true, null, "it's"] })).toBe(
      "{'a': [True, None, 'it\\'s']}"
    );
  });

  it('names types', () => {
    expect(valueTypeLabel(1)).toBe('int');
    expect(valueTypeLabel(1.5)).toBe('float');
    expect(valueTypeLabel('x')).toBe('str');
    expect(valueTypeLabel(false)).toBe('bool');
    expect(valueTypeLabel(null)).toBe('None');
    expect(valueTypeLabel([])).toBe('list');
    expect(valueTypeLabel({})).toBe('dict');
  });
});
