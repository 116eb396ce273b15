import { RowChecksum, renderPgText, renderSqliteValue } from '../../src/store/pg/migrate-copy-checksum';

const sum = (rows: (string | null)[][]) => {
  const c = new RowChecksum();
  for (const r of rows) c.add(r);
  return c.hex;
};

describe('copy checksum', () => {
  const rows = [
    ['a', '1', null],
    ['b', '2', 'true'],
    ['c', '3', 'false'],
  ];

  it('does not depend on row order, but on every value, null and row', () => {
    expect(sum([...rows].reverse())).toBe(sum(rows));
    expect(sum([rows[0]!, rows[1]!, ['c', '3', 'true']])).not.toBe(sum(rows));
    expect(sum([rows[0]!, rows[1]!, ['c', '3', null]])).not.toBe(sum(rows));
    expect(sum(rows.slice(0, 2))).not.toBe(sum(rows));
    expect(sum([...rows, rows[0]!])).not.toBe(sum(rows));
  });

  it('renders SQLite values as PostgreSQL shows the copied ones', () => {
    expect(renderSqliteValue(1, 'boolean')).toBe('true');
    expect(renderSqliteValue(0, 'boolean')).toBe('false');
    expect(renderSqliteValue(Buffer.from([0, 255]), 'bytes')).toBe('\\x00ff');
    expect(renderSqliteValue(1733400000123, 'integer')).toBe('1733400000123');
    expect(renderSqliteValue('{"a": 1}', 'text')).toBe('{"a": 1}');
    expect(renderSqliteValue(null, 'text')).toBeNull();
    expect(renderPgText('1.50', 'real')).toBe(renderSqliteValue(1.5, 'real'));
  });
});
