import { parseEventStream } from '../src/event-stream';

const encoder = new TextEncoder();

/** Feeds the chunks as a byte stream; returns the events and comments parsed. */
async function parse(chunks: string[]) {
  const comments: string[] = [];
  const events = [];
  async function* body() {
    for (const chunk of chunks) yield encoder.encode(chunk);
  }
  for await (const event of parseEventStream(body(), (comment) => comments.push(comment))) events.push(event);
  return { events, comments };
}

describe('parseEventStream', () => {
  test('events, ids, comments and multi-line data, however the bytes are split', async () => {
    const text = 'retry: 3000\n: connected\n\nevent: task.claimed\nid: 7-task.claimed\ndata: {"a":1}\n\n: keep-alive\n\ndata: line one\ndata: line two\n\n';
    const whole = await parse([text]);
    expect(whole.events).toEqual([
      { event: 'task.claimed', id: '7-task.claimed', data: '{"a":1}' },
      { event: 'message', id: '', data: 'line one\nline two' },
    ]);
    expect(whole.comments).toEqual(['connected', 'keep-alive']);
    expect(await parse(text.split(''))).toEqual(whole);
  });

  test('CRLF and CR line ends, a CRLF split between chunks, and no space after the colon', async () => {
    const { events } = await parse(['event:a\r', '\ndata:x\r\n\r', '\nevent: b\rdata: y\r\r']);
    expect(events).toEqual([
      { event: 'a', id: '', data: 'x' },
      { event: 'b', id: '', data: 'y' },
    ]);
  });

  test('an event without data is not dispatched; an unfinished one at the end is dropped', async () => {
    expect((await parse(['event: empty\n\nevent: cut\ndata: half'])).events).toEqual([]);
  });
});
