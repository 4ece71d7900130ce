import { textFromHtml } from '@telltale/notify';
import { describe, expect, it } from 'vitest';

describe('textFromHtml', () => {
  it('turns blocks, breaks, list items and links into text and drops scripts and styles', () => {
    const markup =
      '<html><head><title>x</title></head><body><h1>Hello</h1><p>Line one<br>line   two</p>' +
      '<ul><li>a &amp; b</li><LI class="x">c</LI></ul><script>alert(1)</script><STYLE>p{}</STYLE>' +
      '<p>See <a class="btn" href="https://example.com/r?a=1&amp;b=2"><b>the page</b></a> or ' +
      "<a href='https://example.com/same'>https://example.com/same</a>.</p></body></html>";
    expect(textFromHtml(markup)).toBe(
      'Hello\n\nLine one\nline two\n\n- a & b\n- c\n\nSee the page (https://example.com/r?a=1&b=2) or https://example.com/same.',
    );
  });

  it('decodes character references, invalid ones to U+FFFD, and keeps unknown names', () => {
    expect(textFromHtml('&#65;&#x42;&#X43;&#39;&quot;&nbsp;&lt;&GT;')).toBe(`ABC'" <>`);
    expect(textFromHtml('a&#99999999;b&#x110000;c&#0;d&#xD800;e')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe');
    expect(textFromHtml('&#1234567890123456789;')).toBe('\uFFFD');
    expect(textFromHtml('&bogus; &constructor; &__proto__; & ;')).toBe('&bogus; &constructor; &__proto__; & ;');
  });

  it('keeps stray brackets that open no tag as text', () => {
    expect(textFromHtml('1 < 2 and <> and a <b')).toBe('1 < 2 and <> and a <b');
    expect(textFromHtml('<a href="x">unclosed link')).toBe('unclosed link');
  });

  it('returns promptly on hostile input (no backtracking)', () => {
    // Each of these took seconds to minutes with the old chain of regular expressions.
    const hostile = [
      '<a href="x"'.repeat(20_000),
      '<a href="x">'.repeat(20_000),
      '<script>'.repeat(30_000),
      `<p>${' '.repeat(200_000)}x</p>`,
      '&#'.repeat(100_000),
      '<li'.repeat(70_000),
    ];
    for (const markup of hostile) expect(typeof textFromHtml(markup)).toBe('string');
    // No `>` anywhere: nothing is a tag, the text comes back as it was.
    expect(textFromHtml('<a href="x"'.repeat(20_000))).toBe('<a href="x"'.repeat(20_000));
  });
});
