/** One Server-Sent Event as received: its `event:` name (default `message`), `id:` and `data:` text. */
export interface ServerSentEvent {
  event: string;
  id: string;
  data: string;
}

/**
 * Parses a `text/event-stream` body (the WHATWG rules that concern a client that does not reconnect:
 * LF, CR or CRLF line ends, comment lines, multi-line `data:`, one optional space after the colon),
 * yielding each event once its blank line arrives. Works on any byte stream, e.g. a fetch body.
 * `onComment` hears comment lines (the server's keep-alives: a client may use them to tell a live
 * but idle stream from a dead connection).
 */
export async function* parseEventStream(body: AsyncIterable<Uint8Array>, onComment?: (text: string) => void): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = { event: '', id: '', data: [] as string[] };
  /** A blank line ends the event: it is dispatched if it has data. */
  const ended = (): ServerSentEvent | undefined => {
    const done = event.data.length ? { event: event.event || 'message', id: event.id, data: event.data.join('\n') } : undefined;
    event = { event: '', id: '', data: [] };
    return done;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    // A CR at the end may be the first half of a CRLF: hold it back with the unfinished last line.
    const held = buffer.endsWith('\r') ? '\r' : '';
    const lines = buffer.slice(0, buffer.length - held.length).split(/\r\n|\r|\n/);
    buffer = (lines.pop() ?? '') + held;
    for (const line of lines) {
      if (line === '') {
        const done = ended();
        if (done) yield done;
        continue;
      }
      if (line.startsWith(':')) {
        onComment?.(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.event = value;
      else if (field === 'id') event.id = value;
      else if (field === 'data') event.data.push(value);
    }
  }
  // The stream ended on a CR held back as a possible CRLF: it was the blank line of the last event.
  if (buffer === '\r') {
    const done = ended();
    if (done) yield done;
  }
}
