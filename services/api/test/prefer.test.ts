import { parsePrefer } from '../src/http/prefer';
import { HttpProblem } from '../src/http/problem';

function problemOf(header: string | string[]): HttpProblem {
  try {
    parsePrefer(header);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    return error as HttpProblem;
  }
  throw new Error(`parsePrefer accepted ${JSON.stringify(header)}`);
}

describe('parsePrefer', () => {
  test('no header: no wait', () => {
    expect(parsePrefer(undefined)).toEqual({ waitSeconds: 0 });
    expect(parsePrefer('')).toEqual({ waitSeconds: 0 });
    expect(parsePrefer([])).toEqual({ waitSeconds: 0 });
  });

  test('wait=5', () => {
    expect(parsePrefer('wait=5')).toEqual({ waitSeconds: 5 });
  });

  test('respond-async, wait=10: wait up to 10 s, then 202 (RFC 7240 §4.3)', () => {
    expect(parsePrefer('respond-async, wait=10')).toEqual({ waitSeconds: 10 });
    expect(parsePrefer('wait=10, Respond-Async')).toEqual({ waitSeconds: 10 });
  });

  test('respond-async alone: no wait', () => {
    expect(parsePrefer('respond-async')).toEqual({ waitSeconds: 0 });
  });

  test('a quoted value: wait="7"', () => {
    expect(parsePrefer('wait="7"').waitSeconds).toBe(7);
  });

  test.each(['WAIT=5', 'Wait=5', 'wAiT=5'])('the name is case-insensitive: %s', (header) => {
    expect(parsePrefer(header).waitSeconds).toBe(5);
  });

  test('whitespace around names and values is tolerated', () => {
    expect(parsePrefer('  respond-async ,  wait = 12 ')).toEqual({ waitSeconds: 12 });
  });

  test('unknown preferences are ignored', () => {
    expect(parsePrefer('handling=lenient, return=minimal, foo, wait=3')).toEqual({ waitSeconds: 3 });
    expect(parsePrefer('return=representation')).toEqual({ waitSeconds: 0 });
  });

  test('preference parameters after ";" are ignored', () => {
    expect(parsePrefer('wait=4; foo=bar').waitSeconds).toBe(4);
  });

  test('several header lines are combined', () => {
    expect(parsePrefer(['respond-async', 'wait=9'])).toEqual({ waitSeconds: 9 });
  });

  test('the bounds 0 and 30 are accepted', () => {
    expect(parsePrefer('wait=0').waitSeconds).toBe(0);
    expect(parsePrefer('wait=30').waitSeconds).toBe(30);
  });

  test.each(['wait=31', 'wait=-1', 'wait=abc', 'wait=', 'wait', 'wait=1.5', 'wait=1e1', 'wait=9999999', 'wait=""', 'respond-async, wait=45'])(
    '%s is a 400 validation_error',
    (header) => {
      const problem = problemOf(header);
      expect(problem.status).toBe(400);
      expect(problem.code).toBe('validation_error');
      expect(problem.detail.en).toMatch(/wait/i);
    },
  );

  test('the problem points at the Prefer header', () => {
    const problem = problemOf('wait=31');
    expect(problem.extra).toMatchObject({ errors: [expect.objectContaining({ path: 'header.prefer' })] });
  });
});
