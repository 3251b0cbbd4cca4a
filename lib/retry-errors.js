'use strict';
/**
 * Which errors are worth retrying, and how long a server asked us to wait (`Retry-After`).
 * @module retry-errors
 */

/** Network error codes retried by `RetryPolicies.network()` (plus every `UND_ERR_*` of undici). */
const NETWORK_CODES = Object.freeze(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'TIMEOUT', 'NETWORK_ERROR']);

/** The HTTP status of an error, if it carries one (`status`, `statusCode`, `response.status`). */
function statusOf(error) {
  if (error === null || typeof error !== 'object') return undefined;
  const status = error.status ?? error.statusCode ?? (error.response != null ? error.response.status ?? error.response.statusCode : undefined);
  return status === undefined || status === null ? undefined : String(status);
}

/**
 * Whether `error` matches one entry of a `retryableErrors` list: its `code`, its HTTP status as a
 * string, its `name`, or a substring of its message (a string rejection is its own message).
 * @param {readonly string[]} list
 * @param {unknown} error
 */
function matchesAny(list, error) {
  const isObject = error !== null && typeof error === 'object';
  const code = isObject && error.code != null ? String(error.code) : undefined;
  const status = statusOf(error);
  const name = isObject && typeof error.name === 'string' ? error.name : undefined;
  const message = typeof error === 'string' ? error : isObject && typeof error.message === 'string' ? error.message : '';
  for (const entry of list) {
    if (entry === code || entry === status || entry === name || (entry !== '' && message.includes(entry))) return true;
  }
  return false;
}

/** Whether `error` is a network failure (`RetryPolicies.network()`). */
function isNetworkError(error) {
  if (error === null || typeof error !== 'object') return false;
  const codes = [error.code, error.cause && error.cause.code, error.errno];
  return codes.some((c) => typeof c === 'string' && (NETWORK_CODES.includes(c) || c.startsWith('UND_ERR_'))) || (error instanceof TypeError && error.message === 'fetch failed');
}

/** Whether `error` says "slow down" (`RetryPolicies.apiRateLimit()`): 429, 503, `RATE_LIMIT(ED)`. */
function isRateLimitError(error) {
  const status = statusOf(error);
  if (status === '429' || status === '503') return true;
  const code = error !== null && typeof error === 'object' ? error.code : undefined;
  return code === 'RATE_LIMIT' || code === 'RATE_LIMITED' || code === 'TOO_MANY_REQUESTS';
}

function headerOf(headers, name) {
  if (headers == null || typeof headers !== 'object') return undefined;
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

/**
 * Milliseconds a server asked us to wait, from `error.retryAfter` (ms, as on `RateLimitedError`),
 * or a `Retry-After` header (seconds or an HTTP date) on `error.headers` or `error.response.headers`
 * (a `Headers` object or a plain object). `undefined` when there is none.
 * @param {unknown} error
 * @param {() => number} [now] wall clock for HTTP dates
 * @returns {number | undefined}
 */
function retryAfterMs(error, now = Date.now) {
  if (error === null || typeof error !== 'object') return undefined;
  if (typeof error.retryAfter === 'number' && Number.isFinite(error.retryAfter) && error.retryAfter >= 0) return error.retryAfter;
  const raw = headerOf(error.headers, 'retry-after') ?? headerOf(error.response && error.response.headers, 'retry-after');
  if (raw === undefined) return undefined;
  const text = String(Array.isArray(raw) ? raw[0] : raw).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

module.exports = { NETWORK_CODES, matchesAny, isNetworkError, isRateLimitError, retryAfterMs, statusOf };
