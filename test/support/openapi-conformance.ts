import Ajv2020 from 'ajv/dist/2020';

/**
 * Checks real responses against the OpenAPI document the API serves: the status must be documented
 * for the operation, and the body must match the schema of its content type (JSON Schema 2020-12,
 * with ajv). A response the document does not describe fails the test that made it.
 */
export interface OpenApiDocumentLike {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
}

export interface CheckedResponse {
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

const pointer = (...segments: string[]) =>
  segments.map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export function makeResponseChecker(document: OpenApiDocumentLike): (response: CheckedResponse) => void {
  // strict: false, because the document is not itself a schema; formats are descriptive here.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(document as object, 'openapi.json');
  // Literal paths before templated ones: /workorder-tasks/claimable/ is not /workorder-tasks/{id}/.
  const templates = Object.keys(document.paths)
    .sort((a, b) => a.split('{').length - b.split('{').length)
    .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`) }));

  return ({ method, url, status, contentType, body }) => {
    const path = new URL(url).pathname;
    const where = `${method} ${path} → ${status}`;
    const template = templates.find(({ pattern }) => pattern.test(path))?.template;
    if (!template) throw new Error(`${where}: no path of the OpenAPI document matches`);
    const operation = document.paths[template][method.toLowerCase()];
    if (!operation) throw new Error(`${where}: ${method} ${template} is not in the OpenAPI document`);
    const response = operation.responses?.[String(status)] ?? operation.responses?.default;
    if (!response) throw new Error(`${where}: status ${status} is not documented for ${method} ${template}`);
    if (body === undefined || body === '') {
      if (response.content && status !== 204) throw new Error(`${where}: documented with a body, answered without one`);
      return;
    }
    const mediaType = (contentType ?? '').split(';')[0].trim();
    if (!response.content?.[mediaType]) {
      throw new Error(`${where}: content type ${mediaType} is not documented (${Object.keys(response.content ?? {}).join(', ') || 'none'})`);
    }
    const ref = `openapi.json#/${pointer('paths', template, method.toLowerCase(), 'responses', String(status), 'content', mediaType, 'schema')}`;
    const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
    if (!validate(body)) {
      throw new Error(`${where}: body does not match the OpenAPI schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body, null, 2)}`);
    }
  };
}

/** A fetch that checks every response against the document before handing it on. */
export function makeConformingFetch(document: OpenApiDocumentLike, checked: CheckedResponse[] = []): typeof fetch {
  const check = makeResponseChecker(document);
  return async (input, init) => {
    const response = await fetch(input, init);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = input instanceof Request ? input.url : String(input);
    const text = await response.clone().text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: checked as text
    }
    const result = { method, url, status: response.status, contentType: response.headers.get('content-type'), body };
    check(result);
    checked.push(result);
    return response;
  };
}
