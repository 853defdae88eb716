import { claimRequestBody, text } from '../src/contracts';

describe('request strings PostgreSQL can store', () => {
  test.each([
    ['a lone high surrogate', 'x\ud800y'],
    ['a lone low surrogate', 'x\udc00y'],
    ['a surrogate pair in the wrong order', '\udc00\ud800'],
    ['a high surrogate at the end', 'x\udbff'],
  ])('%s is refused as not well-formed', (_, value) => {
    expect(text().safeParse(value).error?.issues.map((issue) => issue.message)).toEqual(['must be well-formed Unicode (no lone UTF-16 surrogate)']);
  });

  test('U+0000 is refused', () => {
    expect(text().safeParse('a\u0000b').error?.issues.map((issue) => issue.message)).toEqual(['must not contain U+0000']);
  });

  test.each(['', 'plain', '中文备注', 'emoji 😀 (a surrogate pair)', '\u{10ffff}'])('%j is accepted', (value) => {
    expect(text().parse(value)).toBe(value);
  });

  test('a callback URL that the URL parser accepts is refused when it carries a lone surrogate or U+0000', () => {
    for (const callbackUrl of ['https://hooks.example/x\ud800', 'https://hooks.example/x\u0000']) {
      expect(claimRequestBody.safeParse({ callback_url: callbackUrl }).error?.issues[0].path).toEqual(['callback_url']);
    }
    expect(claimRequestBody.parse({ callback_url: 'https://hooks.example/😀' })).toEqual({ callback_url: 'https://hooks.example/😀' });
  });
});
