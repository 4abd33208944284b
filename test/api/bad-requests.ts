/**
 * A seeded generator of malformed HTTP requests for every route, each with the answer
 * docs/API.md documents for it. The same seed yields the same requests, so a failure replays.
 */
import { randomUuid, seededRandom } from '../../local/random.js';
import type { ApiRequest } from '../support/api-gateway-event.js';

export interface BadRequestCase {
  /** Which function serves the route. */
  target: 'api' | 'webhook';
  category: string;
  name: string;
  request: ApiRequest;
  status: number;
  /** The problem type slug. */
  type: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const NO_HEADERS: Record<string, string> = {};
const JSON_TYPE = { 'content-type': 'application/json' };

/** A small seeded toolkit: pick, integers, strings. */
function toolkit(seed: number) {
  const random = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const word = (length = int(3, 12)) =>
    Array.from({ length }, () => ALPHABET.charAt(int(0, ALPHABET.length - 1))).join('');
  return {
    random,
    int,
    pick,
    word,
    uuid: () => randomUuid(random),
    domain: () => `${word()}.${pick(['com', 'io', 'co.uk', 'de'])}`,
  };
}

type Kit = ReturnType<typeof toolkit>;

function validTrack(kit: Kit): Record<string, unknown> {
  return { job_id: kit.uuid(), label: `Batch ${kit.word()}`, metadata: { team: kit.word() } };
}

function validSubmit(kit: Kit): Record<string, unknown> {
  return { domains: Array.from({ length: kit.int(1, 5) }, () => kit.domain()), label: kit.word() };
}

const BODY_ROUTES = [
  { path: '/jobs', valid: validTrack, limit: 64 * 1024 },
  { path: '/jobs/bulk', valid: validSubmit, limit: 3 * 1024 * 1024 },
] as const;

function contentTypeCases(kit: Kit): BadRequestCase[] {
  const types = [
    undefined,
    '',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/jsonx',
    'application/json; charset=iso-8859-1',
    'application/json; charset=utf-16',
    'text/json',
    'application/json, text/plain',
    '*/*',
  ];
  return BODY_ROUTES.flatMap(({ path, valid }) => [
    ...types.map((type) => ({
      target: 'api' as const,
      category: 'content type',
      name: `POST ${path} with Content-Type ${JSON.stringify(type)}`,
      request: {
        method: 'POST',
        path,
        body: valid(kit),
        headers: type === undefined ? NO_HEADERS : { 'content-type': type },
      },
      status: 415,
      type: 'unsupported-media-type',
    })),
    ...['gzip', 'br', 'deflate'].map((encoding) => ({
      target: 'api' as const,
      category: 'content type',
      name: `POST ${path} with Content-Encoding ${encoding}`,
      request: {
        method: 'POST',
        path,
        body: valid(kit),
        headers: { ...JSON_TYPE, 'content-encoding': encoding },
      },
      status: 415,
      type: 'unsupported-media-type',
    })),
  ]);
}

function sizeCases(kit: Kit): BadRequestCase[] {
  return BODY_ROUTES.flatMap(({ path, valid, limit }) =>
    [1, kit.int(2, 1000), kit.int(1001, 100_000)].flatMap((excess) =>
      [false, true].map((base64) => {
        const body = valid(kit);
        const base = JSON.stringify({ ...body, label: '' });
        const padded = JSON.stringify({ ...body, label: 'x'.repeat(limit - base.length + excess) });
        return {
          target: 'api' as const,
          category: 'size',
          name: `POST ${path} ${excess} bytes over the limit${base64 ? ', base64' : ''}`,
          request: { method: 'POST', path, body: padded, base64, headers: JSON_TYPE },
          status: 413,
          type: 'payload-too-large',
        };
      }),
    ),
  );
}

function encodingCases(kit: Kit): BadRequestCase[] {
  const cases: BadRequestCase[] = [];
  for (const { path, valid } of BODY_ROUTES) {
    const text = JSON.stringify(valid(kit));
    const encoded = Buffer.from(text).toString('base64');
    const brokenBase64 = [
      `${encoded}!`,
      encoded.slice(0, -1),
      `${encoded.slice(0, 8)} ${encoded.slice(8)}`,
      `${encoded.replace(/=*$/, '')}A===`,
      '====',
      `${encoded}\n`,
    ];
    for (const [index, body] of brokenBase64.entries()) {
      cases.push(encodingCase(path, `broken base64 #${index}`, { body, rawBase64: true }));
    }
    for (let i = 0; i < 6; i += 1) {
      // Bytes that are not UTF-8: a lone continuation byte, an overlong form, a surrogate half.
      const bad = kit.pick([
        [0x80],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xff],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0xe2, 0x82],
      ]);
      const at = kit.int(1, text.length - 2);
      const bytes = Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from(bad),
        Buffer.from(text.slice(at)),
      ]);
      cases.push(
        encodingCase(path, `invalid UTF-8 (${bad.map((b) => b.toString(16)).join(' ')}) at ${at}`, {
          body: bytes,
        }),
      );
    }
    cases.push(encodingCase(path, 'a lone surrogate in a text body', { body: text.replace('"', '"\uD800') }));
    cases.push(
      encodingCase(path, 'a lone low surrogate in a text body', {
        body: `${text.slice(0, -1)},"x":"\uDC00"}`,
      }),
    );
    cases.push(encodingCase(path, 'an empty body', { body: '' }));
    cases.push(encodingCase(path, 'no body at all', {}));
  }
  return cases;
}

function encodingCase(
  path: string,
  name: string,
  body: { body?: string | Buffer; rawBase64?: boolean },
): BadRequestCase {
  const request: ApiRequest = { method: 'POST', path, headers: JSON_TYPE };
  if (body.body !== undefined) request.body = body.body;
  if (body.rawBase64) request.rawBase64 = true;
  return {
    target: 'api',
    category: 'encoding',
    name: `POST ${path}: ${name}`,
    request,
    status: 400,
    type: 'malformed-request',
  };
}

function syntaxCases(kit: Kit): BadRequestCase[] {
  return BODY_ROUTES.flatMap(({ path, valid }) => {
    const text = JSON.stringify(valid(kit));
    const broken = [
      ...Array.from({ length: 6 }, () => text.slice(0, kit.int(1, text.length - 1))),
      text.replace('}', ',}'),
      text.replaceAll('"', "'"),
      `${text}}`,
      `${text} ${text}`,
      text.replace(':', '='),
      `// comment\n${text}`,
      '{"label": NaN}',
      '{"label": undefined}',
      '   ',
      'null null',
      '\uFEFF\uFEFF{}',
      "{'job_id': 1}",
    ];
    return broken.map((body, index) => ({
      target: 'api' as const,
      category: 'json syntax',
      name: `POST ${path}: broken JSON #${index} ${JSON.stringify(body.slice(0, 30))}`,
      request: { method: 'POST', path, body, headers: JSON_TYPE },
      status: 400,
      type: 'malformed-request',
    }));
  });
}

function bodyCase(
  category: string,
  path: string,
  name: string,
  body: unknown,
  extra: Partial<BadRequestCase> = {},
): BadRequestCase {
  return {
    target: 'api',
    category,
    name: `POST ${path}: ${name}`,
    request: { method: 'POST', path, body, headers: JSON_TYPE },
    status: 422,
    type: 'validation-failed',
    ...extra,
  };
}

const NOT_OBJECTS: unknown[] = [[], 1, JSON.stringify('a JSON string'), null, true, false, 0, -1.5, [{}]];
const WRONG_TYPES: unknown[] = [1, null, true, [], {}, 1.5, ['x']];

function typeCases(kit: Kit): BadRequestCase[] {
  const cases: BadRequestCase[] = [];
  for (const { path, valid } of BODY_ROUTES) {
    for (const body of NOT_OBJECTS) cases.push(bodyCase('types', path, `body ${JSON.stringify(body)}`, body));
    for (const value of WRONG_TYPES.filter((v) => v !== null)) {
      cases.push(bodyCase('types', path, `label ${JSON.stringify(value)}`, { ...valid(kit), label: value }));
    }
    for (const value of [...WRONG_TYPES, 'text', { key: 1 }, { key: null }, { key: {} }, { key: ['v'] }]) {
      if (
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.keys(value).length === 0
      )
        continue;
      cases.push(
        bodyCase('types', path, `metadata ${JSON.stringify(value)}`, { ...valid(kit), metadata: value }),
      );
    }
  }
  for (const value of [...WRONG_TYPES, undefined]) {
    const body = { ...validTrack(kit), job_id: value };
    cases.push(
      bodyCase('types', '/jobs', `job_id ${value === undefined ? 'missing' : JSON.stringify(value)}`, body),
    );
  }
  for (const value of [
    ...WRONG_TYPES,
    'example.com',
    undefined,
    [1],
    [null],
    [{}],
    [['example.com']],
    ['example.com', 2],
  ]) {
    const body = { ...validSubmit(kit), domains: value };
    cases.push(
      bodyCase(
        'types',
        '/jobs/bulk',
        `domains ${value === undefined ? 'missing' : JSON.stringify(value)}`,
        body,
      ),
    );
  }
  return cases;
}

function valueCases(kit: Kit): BadRequestCase[] {
  const labels = ['x'.repeat(201), 'a\u0000b', 'line\nbreak', 'tab\there', '\u007f', 'bell\u0007'];
  const metadata: Record<string, unknown>[] = [
    { 'bad key': 'v' },
    { '': 'v' },
    { ['k'.repeat(65)]: 'v' },
    { clé: 'v' },
    { key: 'v'.repeat(257) },
    Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
  ];
  return BODY_ROUTES.flatMap(({ path, valid }) => [
    ...labels.map((label) =>
      bodyCase('values', path, `label ${JSON.stringify(label.slice(0, 20))}`, { ...valid(kit), label }),
    ),
    ...metadata.map((value) =>
      bodyCase('values', path, `metadata ${JSON.stringify(value).slice(0, 40)}`, {
        ...valid(kit),
        metadata: value,
      }),
    ),
  ]);
}

function unknownFieldCases(kit: Kit): BadRequestCase[] {
  const names = [
    'jobId',
    'JOB_ID',
    '__proto__',
    'constructor',
    'prototype',
    'webhook_url',
    'idempotency_key',
    'status',
    '',
  ];
  return BODY_ROUTES.flatMap(({ path, valid }) => {
    const other = path === '/jobs' ? 'domains' : 'job_id';
    return [...names, other, kit.word(), kit.word()].map((name) => {
      // JSON.parse makes "__proto__" an own field, as it would be from the wire.
      const body = `${JSON.stringify(valid(kit)).slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(kit.word())}}`;
      return bodyCase('unknown fields', path, `unknown field ${JSON.stringify(name)}`, body);
    });
  });
}

/** Strings that are not job ids: wrong length, alphabet, shape, or something else entirely. */
function badIds(kit: Kit): string[] {
  const id = kit.uuid();
  return [
    'abc',
    '123',
    `${id}0`,
    id.slice(1),
    id.replaceAll('-', ''),
    id.replace(/[0-9a-f]/, 'g'),
    `{${id}}`,
    `urn:uuid:${id}`,
    ` ${id}`,
    `${id} `,
    id.replace('-', '\u2010'),
    '../../etc/passwd',
    "' OR 1=1 --",
    'null',
    '%00',
    kit.word(36),
  ];
}

function idCases(kit: Kit): BadRequestCase[] {
  const cases: BadRequestCase[] = [];
  for (const bad of badIds(kit)) {
    cases.push(
      bodyCase('ids', '/jobs', `job_id ${JSON.stringify(bad)}`, { ...validTrack(kit), job_id: bad }),
    );
    for (const method of ['GET', 'DELETE']) {
      cases.push({
        target: 'api',
        category: 'ids',
        name: `${method} /jobs/${JSON.stringify(bad)}`,
        request: { method, path: `/jobs/${encodeURIComponent(bad)}` },
        status: 400,
        type: 'malformed-request',
      });
    }
  }
  return cases;
}

function domainCases(kit: Kit): BadRequestCase[] {
  const bad = [
    'http://example.com',
    'exa mple.com',
    'user@example.com',
    '*.example.com',
    'example.com:8080',
    '127.0.0.1',
    'localhost',
    '-example.com',
    'example-.com',
    'example..com',
    'exämple.com',
    `${'a'.repeat(64)}.com`,
    'example.com/path',
    '[::1]',
    'example.123',
    '',
    ' ',
    'x'.repeat(301),
    '.',
    'under_score.com',
  ];
  const cases = bad.map((entry) => {
    const domains = Array.from({ length: kit.int(1, 6) }, () => kit.domain());
    domains.splice(kit.int(0, domains.length), 0, entry);
    return bodyCase('domains', '/jobs/bulk', `domain ${JSON.stringify(entry.slice(0, 30))}`, { domains });
  });
  cases.push(bodyCase('domains', '/jobs/bulk', 'no domains', { domains: [] }));
  cases.push(
    bodyCase('domains', '/jobs/bulk', '20,001 entries', {
      domains: Array.from({ length: 20_001 }, () => 'example.com'),
    }),
  );
  cases.push(
    bodyCase('domains', '/jobs/bulk', '10,001 unique domains', {
      domains: Array.from({ length: 10_001 }, (_, i) => `d${i}.example.com`),
    }),
  );
  cases.push(
    bodyCase('domains', '/jobs/bulk', '60 bad entries', {
      domains: Array.from({ length: 60 }, (_, i) => `bad ${i}`),
    }),
  );
  return cases;
}

function headerCases(kit: Kit): BadRequestCase[] {
  const keys = [
    '',
    ' ',
    'a b',
    'k'.repeat(129),
    'clé',
    'a\tb',
    '\u0000',
    'ключ',
    'key\u{1F511}',
    ` ${kit.word()}`,
    `${kit.word()}\r\n`,
  ];
  return keys.map((key) => ({
    target: 'api',
    category: 'headers',
    name: `POST /jobs/bulk with Idempotency-Key ${JSON.stringify(key.slice(0, 20))}`,
    request: {
      method: 'POST',
      path: '/jobs/bulk',
      body: validSubmit(kit),
      headers: { ...JSON_TYPE, 'idempotency-key': key },
    },
    status: 400,
    type: 'malformed-request',
  }));
}

function queryCases(kit: Kit): BadRequestCase[] {
  const queries: Record<string, string>[] = [
    ...['0', '101', '-1', '1.5', 'abc', '', '01', '1e2', ' 5', '100000000000', '5,6', '0x10'].map(
      (limit) => ({ limit }),
    ),
    ...['PENDING', 'done', '', 'pending,failed', 'unknown', 'pending '].map((status) => ({ status })),
    ...['', 'a b', 'x'.repeat(2049), 'cursör', '\u0000'].map((cursor) => ({ cursor })),
    { page: '2' },
    { offset: '0' },
    { Limit: '5' },
    { sort: 'asc' },
    { [kit.word()]: kit.word() },
  ];
  return queries.map((query) => ({
    target: 'api',
    category: 'query',
    name: `GET /jobs?${new URLSearchParams(query).toString().slice(0, 40)}`,
    request: { method: 'GET', path: '/jobs', query },
    status: 400,
    type: 'malformed-request',
  }));
}

function routeCases(kit: Kit): BadRequestCase[] {
  const id = kit.uuid();
  const notAllowed = [
    ['PUT', '/jobs'],
    ['PATCH', '/jobs'],
    ['DELETE', '/jobs'],
    ['OPTIONS', '/jobs'],
    ['PUT', `/jobs/${id}`],
    ['POST', `/jobs/${id}`],
    ['HEAD', `/jobs/${id}`],
    ['PUT', '/jobs/bulk'],
  ];
  const missing = [
    ['GET', '/'],
    ['GET', '/job'],
    ['GET', `/jobs/${id}/history`],
    ['POST', '/jobs/bulk/extra'],
    ['GET', `/${kit.word()}`],
    ['POST', '/hooks'],
  ];
  return [
    ...notAllowed.map(([method = '', path = '']) => ({
      method,
      path,
      status: 405,
      type: 'method-not-allowed',
    })),
    ...missing.map(([method = '', path = '']) => ({ method, path, status: 404, type: 'not-found' })),
  ].map(({ method, path, status, type }) => ({
    target: 'api' as const,
    category: 'routes',
    name: `${method} ${path}`,
    request: { method, path, headers: JSON_TYPE, body: {} },
    status,
    type,
  }));
}

function webhookCases(kit: Kit): BadRequestCase[] {
  const token = Buffer.from(kit.word(32)).toString('base64url').slice(0, 43);
  const hook = (id: string, tok: string) =>
    `/hooks/companyenrich/${encodeURIComponent(id)}/${encodeURIComponent(tok)}`;
  const validPath = hook(kit.uuid(), token);
  const cases: BadRequestCase[] = [];
  for (const excess of [1, kit.int(2, 5000)]) {
    for (const base64 of [false, true]) {
      cases.push({
        target: 'webhook',
        category: 'webhook',
        name: `webhook body ${excess} bytes over 64 KiB${base64 ? ', base64' : ''}`,
        request: {
          method: 'POST',
          path: validPath,
          body: 'x'.repeat(64 * 1024 + excess),
          base64,
          headers: JSON_TYPE,
        },
        status: 413,
        type: 'payload-too-large',
      });
    }
  }
  for (const bad of badIds(kit)) {
    cases.push({
      target: 'webhook',
      category: 'webhook',
      name: `webhook job id ${JSON.stringify(bad)}`,
      request: { method: 'POST', path: hook(bad, token), body: '{}', headers: JSON_TYPE },
      status: 404,
      type: 'not-found',
    });
  }
  for (const bad of ['a b', 'x'.repeat(257), '<script>', 'tok\u0000', 'tok/en', 'tök']) {
    cases.push({
      target: 'webhook',
      category: 'webhook',
      name: `webhook token ${JSON.stringify(bad.slice(0, 20))}`,
      request: { method: 'POST', path: hook(kit.uuid(), bad), body: '{}', headers: JSON_TYPE },
      status: 404,
      type: 'not-found',
    });
  }
  for (const method of ['GET', 'PUT', 'DELETE']) {
    cases.push({
      target: 'webhook',
      category: 'webhook',
      name: `webhook ${method}`,
      request: { method, path: validPath },
      status: 405,
      type: 'method-not-allowed',
    });
  }
  return cases;
}

/** Every malformed request of the suite, generated from `seed`. */
export function generateBadRequests(seed: number): BadRequestCase[] {
  const kit = toolkit(seed);
  return [
    ...contentTypeCases(kit),
    ...sizeCases(kit),
    ...encodingCases(kit),
    ...syntaxCases(kit),
    ...typeCases(kit),
    ...valueCases(kit),
    ...unknownFieldCases(kit),
    ...idCases(kit),
    ...domainCases(kit),
    ...headerCases(kit),
    ...queryCases(kit),
    ...routeCases(kit),
    ...webhookCases(kit),
  ];
}
