// The guide's decorator and composition examples, compiled by `npm run typecheck` twice: with
// standard (TC39) decorators (tsconfig.json) and with experimentalDecorators (tsconfig.legacy.json).
import {
  WithResilience,
  WithCircuitBreaker,
  WithRetry,
  WithTimeout,
  WithBulkhead,
  WithFallback,
  RetryPolicies,
  ResiliencePolicies,
  resilienceManager,
  wrap,
  createCircuitBreaker,
  createBulkhead,
  RetryPolicy,
  Timeout,
  Fallback,
} from 'bulwark';

declare const database: { query(sql: string, args: unknown[]): Promise<unknown[]> };
declare const externalApi: { getData(id: string): Promise<{ id: string }> };
declare function riskyOperation(): Promise<number>;
declare function fetchExternalData(id: string): Promise<object>;
declare function processWithAI(data: object): Promise<object>;
declare function storeInDatabase(data: object): Promise<object>;
declare const NextResponse: { json(body: unknown, init?: { status: number }): Response };
declare function operation(): Promise<string>;

export class MyService {
  @WithResilience('fetch-data', ResiliencePolicies.database())
  async fetchData(id: string) {
    return await database.query(`SELECT * FROM data WHERE id = ?`, [id]);
  }
}

export class DataService {
  @WithCircuitBreaker('data-fetch', { failureThreshold: 5 })
  @WithRetry(RetryPolicies.exponential())
  @WithTimeout(30000)
  async fetchData(id: string) {
    return await externalApi.getData(id);
  }

  @WithResilience('process-batch', {
    bulkhead: { maxConcurrent: 5 },
    retry: { maxAttempts: 2 },
    timeout: 60000,
  })
  async processBatch(items: any[]) {
    return await Promise.all(items.map((item) => this.processItem(item)));
  }

  @WithBulkhead('items', 10, 100)
  @WithFallback(() => null)
  async processItem(item: unknown) {
    return item;
  }
}

export async function quickStart(): Promise<number> {
  const result = await resilienceManager.execute(
    'my-operation',
    async () => {
      return await riskyOperation();
    },
    ResiliencePolicies.api(),
  );
  return result as number;
}

export const POST = async (request: Request) => {
  const body = (await request.json()) as { id: string };
  return resilienceManager.execute(
    'api.process',
    async () => {
      const external = await fetchExternalData(body.id);
      const analysis = await processWithAI(external);
      const stored = await storeInDatabase(analysis);
      return NextResponse.json({ success: true, data: stored });
    },
    {
      ...ResiliencePolicies.api(),
      fallback: () => NextResponse.json({ success: false, message: 'Service temporarily unavailable' }, { status: 503 }),
    },
  );
};

export const GET = async () => {
  const health = resilienceManager.getHealthStatus();
  return NextResponse.json(
    {
      status: health.summary.healthy ? 'healthy' : 'degraded',
      circuitBreakers: {
        total: health.circuitBreakers.total,
        open: health.circuitBreakers.byState.OPEN,
        halfOpen: health.circuitBreakers.byState.HALF_OPEN,
      },
      bulkheads: health.bulkheads.map((b) => ({
        name: b.name,
        utilization: (b.state.active / (b.state.active + b.state.available)) * 100,
      })),
      issues: health.summary.issues,
    },
    {
      status: health.summary.healthy ? 200 : 503,
    },
  );
};

export async function customPolicy(): Promise<void> {
  const custom = {
    circuitBreaker: { failureThreshold: 10, resetTimeout: 300000 },
    retry: { maxAttempts: 5, initialDelay: 2000, maxDelay: 60000, backoffMultiplier: 3 },
    timeout: 120000,
    bulkhead: { maxConcurrent: 3, maxQueueSize: 10 },
    fallback: () => ({ success: false, data: 'Service unavailable' }),
  };
  await resilienceManager.execute('custom-op', operation, custom);
  const policy = {
    retry: RetryPolicies.exponential(3),
    circuitBreaker: { failureThreshold: 5 },
    timeout: 10000,
    bulkhead: { maxConcurrent: 20 },
  };
  await resilienceManager.execute('combined', operation, policy);
  const stack = wrap(new Fallback('x'), new RetryPolicy({ maxAttempts: 3 }), createCircuitBreaker('w', {}), createBulkhead('w', 10, 100), new Timeout(1000));
  const s: string = await stack.execute(() => operation());
  void s;
}
