import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors.js';

/** One file of the built console, held in memory with its compressed forms. */
interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly br: Buffer | undefined;
  readonly gzip: Buffer | undefined;
  readonly etag: string;
  /** Vite names everything under assets/ by its content hash: it never changes. */
  readonly immutable: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = /^(text\/|application\/(json|manifest)|image\/svg)/;

/**
 * Paths the console never answers: the API and the server's own pages keep their 404s
 * (a problem document), whatever the console's router would make of them.
 */
const SERVER_PATHS = /^\/(v1|docs|openapi\.json|healthz|readyz|metrics|mqtt)(\/|$)/;

// The console calls only its own origin; uPlot sizes its canvas with inline styles.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Where the built console is when no directory is configured: `packages/console/dist`,
 * found from the server's sources (`src/`) or from the CLI's bundle (`dist/`, `dist/chunks/`).
 */
export function locateConsole(importerUrl: string): string {
  const candidates = ['../../console/dist/', '../../../console/dist/'].map((relative) =>
    fileURLToPath(new URL(relative, importerUrl)),
  );
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? (candidates[0] as string);
}

function readAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(file);
        continue;
      }
      if (!entry.isFile()) continue;
      const urlPath = `/${path.relative(root, file).split(path.sep).join('/')}`;
      const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      const body = readFileSync(file);
      const compress = COMPRESSIBLE.test(type) && body.length > 512;
      assets.set(urlPath, {
        type,
        body,
        br: compress ? brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }) : undefined,
        gzip: compress ? gzipSync(body, { level: 9 }) : undefined,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: urlPath.startsWith('/assets/'),
      });
    }
  };
  walk(root);
  return assets;
}

/** br, then gzip, as the client accepts them (a q=0 refuses). */
function pickEncoding(accept: string | undefined, asset: Asset): 'br' | 'gzip' | undefined {
  if (accept === undefined) return undefined;
  const accepted = new Set(
    accept
      .split(',')
      .map((part) => part.trim().toLowerCase())
      .filter((part) => !/;\s*q=0(\.0*)?$/.test(part))
      .map((part) => part.split(';')[0]),
  );
  if (asset.br && accepted.has('br')) return 'br';
  if (asset.gzip && accepted.has('gzip')) return 'gzip';
  return undefined;
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply
    .header('content-type', asset.type)
    .header('etag', asset.etag)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (asset.br || asset.gzip) reply.header('vary', 'accept-encoding');
  if (asset.type.startsWith('text/html')) {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('referrer-policy', 'no-referrer');
  }
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const encoding = pickEncoding(request.headers['accept-encoding'], asset);
  if (encoding === undefined) return reply.send(asset.body);
  reply.header('content-encoding', encoding);
  return reply.send(encoding === 'br' ? asset.br : asset.gzip);
}

export interface ConsoleOptions {
  /** The console's build output (index.html and assets/). */
  readonly root: string;
  readonly logger: FastifyBaseLogger | false;
}

/**
 * Serves the web console at `/`: its files from memory, and index.html for every other
 * path that is not the server's (the console routes in the browser). Without a build it
 * says so once in the log and the server runs without it.
 * @returns whether the console is served
 */
export function serveConsole(app: FastifyInstance, { root, logger }: ConsoleOptions): boolean {
  const assets = existsSync(path.join(root, 'index.html')) ? readAssets(root) : undefined;
  const index = assets?.get('/index.html');
  if (assets === undefined || index === undefined) {
    if (logger)
      logger.warn(
        { consoleDir: root },
        'the web console is not built, so / serves nothing: run `npm run build` (the API is not affected)',
      );
    return false;
  }
  app.get(
    '/*',
    { config: { public: true }, schema: { hide: true } },
    async function consoleFile(request, reply) {
      const pathname = request.url.split('?')[0] ?? '/';
      if (SERVER_PATHS.test(pathname))
        throw new AppError('route_not_found', `no route ${request.method} ${pathname}`);
      let decoded: string;
      try {
        decoded = decodeURIComponent(pathname);
      } catch {
        throw new AppError('route_not_found', `no route ${request.method} ${pathname}`);
      }
      const asset = assets.get(decoded);
      if (asset !== undefined) return sendAsset(request, reply, asset);
      // A missing file (it has an extension) is a 404; any other path is a console page.
      if (/\.[A-Za-z0-9]+$/.test(decoded))
        throw new AppError('route_not_found', `no route ${request.method} ${pathname}`);
      return sendAsset(request, reply, index);
    },
  );
  return true;
}
