/**
 * The benchmark driver's HTTP client: node:http with a keep-alive agent. The driver runs on the
 * same 2 cores as the service it measures, and undici's fetch() costs 0.4–1 ms of CPU more per
 * request (measured: 580–1,220 µs vs 145–250 µs per POST, client and server in one process); at
 * 200 requests/s that is a fifth of a core taken from the service and sipp.
 */
import { Agent, request } from 'node:http';

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

export class BenchHttpClient {
  private readonly agent = new Agent({ keepAlive: true });

  constructor(private readonly base: string) {}

  /** POST a JSON body; resolves with the status and the parsed JSON answer (undefined if not JSON). */
  postJson(path: string, body: unknown, headers: Record<string, string>): Promise<JsonResponse> {
    const text = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.base}${path}`,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('error', reject);
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
