import { describe, expect, it } from 'vitest';
import { normalizeSql } from '../../src/pg/index.js';
import { operationName } from '../../src/pg/normalize-sql.js';

describe('normalizeSql', () => {
  it('replaces string and number literals and keeps placeholders, identifiers and keywords', () => {
    expect(normalizeSql("SELECT * FROM readings WHERE id = 42 AND owner = 'ann' AND score > 1.5e3 AND tag = $1")).toBe(
      'SELECT * FROM readings WHERE id = ? AND owner = ? AND score > ? AND tag = $1',
    );
  });

  it('replaces escaped, E-, bit, hex and dollar-quoted strings whole', () => {
    expect(normalizeSql("INSERT INTO t VALUES ('it''s', E'a\\'b', B'101', X'1F', $$body $1 'x'$$, $fn$y$fn$)")).toBe(
      'INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)',
    );
  });

  it('keeps digits that are part of identifiers and quoted identifiers as written', () => {
    expect(normalizeSql('SELECT col1, "Table 2".x FROM t2 WHERE v = -7')).toBe(
      'SELECT col1, "Table 2".x FROM t2 WHERE v = -?',
    );
  });

  it('removes comments (SQL commenter tags) and collapses whitespace', () => {
    expect(normalizeSql("SELECT 1 /* traceparent='00-abc' */\n  FROM   t -- user=ann\nWHERE x = 'y'")).toBe(
      'SELECT ? FROM t WHERE x = ?',
    );
  });

  it('cuts very long statements and marks the cut', () => {
    const long = `SELECT ${'a, '.repeat(2000)}b FROM t`;
    const normalized = normalizeSql(long);
    expect(normalized.length).toBeLessThanOrEqual(2049);
    expect(normalized.endsWith('…')).toBe(true);
  });

  it('never lets an unterminated string leak its content', () => {
    expect(normalizeSql("SELECT 'secret-without-end")).toBe('SELECT ?');
  });
});

describe('operationName', () => {
  it('is the first keyword in upper case after comments and parentheses', () => {
    expect(operationName('select 1')).toBe('SELECT');
    expect(operationName('  /* c */ -- x\n (SELECT 1) UNION (SELECT 2)')).toBe('SELECT');
    expect(operationName('COMMIT;')).toBe('COMMIT');
    expect(operationName('with x as (select 1) select * from x')).toBe('WITH');
  });

  it('is undefined when the text does not start with a keyword', () => {
    expect(operationName('42')).toBeUndefined();
    expect(operationName('')).toBeUndefined();
    expect(operationName('a'.repeat(40))).toBeUndefined();
  });
});
