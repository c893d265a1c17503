/**
 * Typed parameter values in the schedule form.
 */
import {
  pythonLiteral,
  valueFromInput,
  valueToInput,
  valueTypeLabel
} from '../params';

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
