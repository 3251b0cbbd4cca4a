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
