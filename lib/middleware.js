'use strict';
/**
 * `rateLimitMiddleware`: rate limiting for `node:http` servers and Express-style apps. Admitted
 * requests get `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` and `RateLimit-Policy`
 * headers (IETF draft "RateLimit header fields for HTTP"); refused ones get `429 Too Many
 * Requests` with `Retry-After` (seconds) as well.
 * @module middleware
 */
const { RateLimiter } = require('./rate-limiter');
const { KeyedRateLimiter } = require('./keyed-rate-limiter');
const v = require('./validate');

const WHERE = 'rateLimitMiddleware()';

/** The client address of a request (Express's `req.ip`, else the socket's). */
function clientAddress(req) {
  return req.ip || (req.socket && req.socket.remoteAddress) || 'unknown';
}

/**
 * @param {{ limiter: RateLimiter | KeyedRateLimiter, key?: (req: any) => string, cost?: (req: any) => number, headers?: boolean, onLimited?: (req: any, res: any, result: object) => void }} options
 *   `key` picks the bucket of a keyed limiter (default: the client address); `cost` the units a
 *   request takes (default 1); `onLimited` replaces the default 429 answer.
 * @returns {(req: any, res: any, next?: (error?: unknown) => void) => boolean} returns whether the
 *   request may go on (calls `next()` then, when given)
 */
function rateLimitMiddleware(options) {
  const o = v.options(WHERE, options, ['limiter', 'key', 'cost', 'headers', 'onLimited']);
  const limiter = o.limiter;
  const keyed = limiter instanceof KeyedRateLimiter;
  if (!keyed && !(limiter instanceof RateLimiter)) v.fail(TypeError, WHERE, 'limiter', 'a RateLimiter or a KeyedRateLimiter', limiter);
  const key = o.key === undefined ? clientAddress : v.func(WHERE, 'key', o.key);
  const cost = o.cost === undefined ? undefined : v.func(WHERE, 'cost', o.cost);
  const onLimited = o.onLimited === undefined ? undefined : v.func(WHERE, 'onLimited', o.onLimited);
  const headers = o.headers !== false;
  const policy = `${limiter.limit};w=${Math.ceil(limiter.interval / 1000)}${limiter.burst !== limiter.limit ? `;burst=${limiter.burst}` : ''}`;

  return function rateLimit(req, res, next) {
    let result;
    try {
      const n = cost === undefined ? undefined : cost(req);
      result = keyed ? limiter.consume(key(req), n) : limiter.consume(n);
    } catch (error) {
      if (typeof next === 'function') {
        next(error);
        return false;
      }
      throw error;
    }
    if (headers && !res.headersSent) {
      res.setHeader('RateLimit-Limit', String(limiter.limit));
      res.setHeader('RateLimit-Remaining', String(result.remaining));
      res.setHeader('RateLimit-Reset', String(Math.ceil(result.reset / 1000)));
      res.setHeader('RateLimit-Policy', policy);
    }
    if (result.allowed) {
      if (typeof next === 'function') next();
      return true;
    }
    if (onLimited !== undefined) {
      onLimited(req, res, result);
      return false;
    }
    const seconds = Math.max(1, Math.ceil(result.retryAfter / 1000));
    res.statusCode = 429;
    res.setHeader('Retry-After', String(seconds));
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ error: 'Too Many Requests', retryAfter: seconds }));
    return false;
  };
}

module.exports = { rateLimitMiddleware };
