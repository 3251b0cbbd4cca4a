// Compiled by `npm run typecheck` (tsc --noEmit): the guide's examples, written as the guide writes
// them, must type-check against index.d.ts. Never executed.
import {
  createCircuitBreaker,
  circuitBreakerRegistry,
  CircuitState,
  CircuitOpenError,
  ResilienceError,
  ManualClock,
} from 'bulwark';

declare const externalApi: { call(): Promise<string> };
declare const alertingService: { send(alert: { severity: string; message: string }): void };

export async function basicUsage(): Promise<void> {
  const breaker = createCircuitBreaker('external-api', {
    failureThreshold: 5, // Open after 5 consecutive failures
    failureRateThreshold: 0.5, // Open if 50% of requests fail
    resetTimeout: 60000, // Try half-open after 1 minute
    timeout: 3000, // Individual call timeout
    volumeThreshold: 10, // Min calls before checking thresholds
  });

  try {
    const result: string = await breaker.execute(async () => {
      return await externalApi.call();
    });
    void result;
  } catch (error: any) {
    if (error.code === 'CIRCUIT_OPEN') {
      // Circuit is open, use fallback
    }
  }
}

export function advancedConfiguration(): void {
  const breaker = createCircuitBreaker('ai-service', {
    failureThreshold: 3,
    failureRateThreshold: 0.5,
    successThreshold: 5, // Successes needed to close
    timeout: 120000, // 2 minute timeout for AI
    resetTimeout: 120000, // 2 minutes before retry
    volumeThreshold: 5,
    slowCallDurationThreshold: 5000, // Calls > 5s are "slow"
    slowCallRateThreshold: 0.3, // Open if 30% calls are slow
  });

  breaker.on('stateChange', ({ previousState, currentState }) => {
    console.log(`Circuit ${previousState} -> ${currentState}`);
  });

  breaker.on('call', ({ success, duration, error }) => {
    console.log(`Call completed: ${success ? 'success' : 'failure'} in ${duration}ms`, error);
  });
}

export function registryUsage(): void {
  const breaker = circuitBreakerRegistry.getOrCreate('my-service', () => ({
    failureThreshold: 5,
    resetTimeout: 60000,
  }));
  void breaker.state;

  const health = circuitBreakerRegistry.getHealthStatus();
  console.log(`Healthy: ${health.healthy}, Unhealthy: ${health.unhealthy}`);

  circuitBreakerRegistry.resetAll();
}

export function thresholds(): void {
  createCircuitBreaker('critical-api', {
    failureThreshold: 3, // Open quickly
    resetTimeout: 30000, // Reset quickly
    timeout: 5000, // Fail fast
  });
  createCircuitBreaker('reporting-api', {
    failureThreshold: 10, // More tolerant
    resetTimeout: 300000, // Longer reset
    timeout: 60000, // Allow more time
  });
}

export function monitorAndAlert(): void {
  circuitBreakerRegistry.on('stateChange', ({ name, currentState }) => {
    if (currentState === CircuitState.OPEN) {
      alertingService.send({
        severity: 'high',
        message: `Circuit breaker ${name} is OPEN`,
      });
    }
  });
}

export function testFailureScenarios(): void {
  if (process.env.NODE_ENV === 'test') {
    circuitBreakerRegistry.get('external-api')?.forceOpen();
  }
}

export async function troubleshooting(): Promise<void> {
  const breaker = createCircuitBreaker('x', { recoveryTimeoutMs: 1000, clock: new ManualClock() });
  breaker.reset();
  const m = breaker.getMetrics();
  const rate: number = m.failureRate;
  void rate;
  try {
    await breaker.execute((signal) => (signal ? 1 : 2));
  } catch (e) {
    if (e instanceof CircuitOpenError) {
      const wait: number = e.retryAfter;
      void wait;
    }
    if (e instanceof ResilienceError) void e.code;
  }
}

// ---------------------------------------------------------------- retry, timeout, bulkhead (guide)
import { RetryPolicies, executeWithRetry, withTimeout, TimeoutError, timeoutManager, createBulkhead, Bulkhead, withFallback } from 'bulwark';

declare function apiCall(): Promise<{ ok: boolean }>;
declare function networkCall(): Promise<string>;
declare function operation(): Promise<number>;
declare function slowOperation(): Promise<string>;
declare function fetchWeatherData(): Promise<object>;

export async function retryPolicies(): Promise<void> {
  await executeWithRetry(() => apiCall(), RetryPolicies.fixed(3, 1000));
  await executeWithRetry(() => apiCall(), RetryPolicies.exponential(5, 100, 30000));
  await executeWithRetry(() => apiCall(), RetryPolicies.apiRateLimit());
  await executeWithRetry(() => networkCall(), RetryPolicies.network());

  const retryConfig = {
    maxAttempts: 5,
    initialDelay: 1000,
    maxDelay: 30000,
    backoffMultiplier: 2,
    jitter: true,
    retryableErrors: ['TIMEOUT', 'NETWORK_ERROR', '503'],
    onRetry: (attempt: number, error: Error, delay: number) => {
      console.log(`Retry attempt ${attempt} after ${delay}ms due to: ${error.message}`);
    },
  };
  const n: number = await executeWithRetry(() => operation(), retryConfig);
  void n;

  const conditional = {
    maxAttempts: 3,
    initialDelay: 1000,
    retryableErrors: (error: any) => error.code === 'RATE_LIMIT' || error.message.includes('temporarily unavailable'),
  };
  await executeWithRetry(() => operation(), conditional);
}

export async function timeouts(): Promise<void> {
  try {
    const result: string = await withTimeout(() => slowOperation(), 5000);
    void result;
  } catch (error) {
    if (error instanceof TimeoutError) {
      console.log(`Operation timed out after ${error.duration}ms`);
    }
  }
  const result = await withTimeout(() => slowOperation(), {
    timeout: 5000,
    fallback: () => 'Default value',
    onTimeout: (duration) => {
      console.log(`Timed out after ${duration}ms, using fallback`);
    },
  });
  void result;
  timeoutManager.register('api.weather', { timeout: 10000 });
  timeoutManager.register('api.ai', { timeout: 120000 });
  await timeoutManager.execute('api.weather', async () => {
    return await fetchWeatherData();
  });
}

export async function bulkheads(): Promise<void> {
  const bulkhead = createBulkhead('api-calls', 10, 50);
  const shared = createBulkhead('api-calls-shared', 10, 50, { scope: 'process', timeout: 1000 });
  const sharedScope: 'thread' | 'process' = shared.scope;
  void sharedScope;
  try {
    const result = await bulkhead.execute(async () => {
      return await apiCall();
    });
    void result;
  } catch (error: any) {
    if (error.code === 'BULKHEAD_QUEUE_FULL') {
      // Too many requests, reject
    }
  }
  const advanced = new Bulkhead({
    name: 'database-queries',
    maxConcurrent: 20,
    maxQueueSize: 100,
    timeout: 30000,
    onReject: (reason) => {
      console.log(`Bulkhead rejected: ${reason}`);
    },
  });
  advanced.on('executionStarted', ({ active, queued }) => {
    console.log(`Active: ${active}, Queued: ${queued}`);
  });
  const metrics = advanced.getMetrics();
  console.log(`Completed: ${metrics.completed}, Rejected: ${metrics.rejected}`);
  const answer = await withFallback(() => apiCall(), { error: 'Service temporarily unavailable', retry_after: 60 });
  void answer;
}

// ---------------------------------------------------------------- rate limiting (seed 000/002)
import { createRateLimiter, createKeyedRateLimiter, rateLimitMiddleware, RateLimitedError } from 'bulwark';
import * as http from 'node:http';

export async function rateLimits(): Promise<void> {
  const limiter = createRateLimiter({ limit: 50, interval: 10000 }); // 50 requests per 10 seconds
  if (!limiter.tryAcquire()) {
    const wait: number = limiter.retryAfter();
    void wait;
  }
  await limiter.acquire(1, { maxWait: 5000 }).catch((e) => {
    if (e instanceof RateLimitedError) void e.retryAfter;
  });
  const perUser = createKeyedRateLimiter({ limit: 20, interval: 1000, maxKeys: 10000 });
  const { allowed, remaining, retryAfter, reset } = perUser.consume('user-42');
  void [allowed, remaining, retryAfter, reset];
  const limit = rateLimitMiddleware({ limiter: perUser, key: (req) => String(req.headers?.['x-api-key'] ?? 'anonymous') });
  http.createServer((req, res) => {
    if (!limit(req, res)) return;
    res.end('ok');
  });
}
