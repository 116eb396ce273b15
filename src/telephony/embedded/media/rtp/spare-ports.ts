/**
 * A few RTP ports bound ahead of the next calls (issue 20): `take()` hands one out synchronously and
 * a replacement is reserved in the background, so a dial sends its INVITE without waiting for a
 * media worker. When none is ready (a burst larger than the spare count) the caller allocates as
 * before. Ports still come from the allocator: drawn at random, another process's ports skipped.
 */
import type { RtpPortAllocator } from './ports';
import type { PortReserver, RtpReservation } from './reservation';

export interface SparePort {
  readonly port: number;
  readonly reservation: RtpReservation;
}

export class SparePorts {
  private readonly ready: SparePort[] = [];
  private pending = 0;
  private stopped = false;

  constructor(
    private readonly ports: RtpPortAllocator<RtpReservation>,
    private readonly reserver: PortReserver,
    /** How many to keep bound. */
    readonly size: number,
  ) {}

  /** Ports bound and waiting for a call. */
  get available(): readonly number[] {
    return this.ready.map((s) => s.port);
  }

  /** A reserved port now, or undefined when none is ready; a replacement is reserved either way. */
  take(): SparePort | undefined {
    const spare = this.ready.shift();
    this.fill();
    return spare;
  }

  /** No spare was ready: reserve a port now (throws `PortExhausted` when none is free). */
  async reserveNow(): Promise<SparePort> {
    const { socket: reservation, port } = await this.ports.allocate();
    return { port, reservation };
  }

  /** Reserve up to `size` spare ports (in the background; failures only leave fewer spares). */
  fill(): void {
    while (!this.stopped && this.ready.length + this.pending < this.size) {
      this.pending++;
      this.ports.allocate().then(
        ({ socket: reservation, port }) => {
          this.pending--;
          if (this.stopped) this.discard({ port, reservation });
          else this.ready.push({ port, reservation });
        },
        () => {
          this.pending--;
        },
      );
    }
  }

  /** Close every spare (the backend stops); none is reserved after this. */
  stop(): void {
    this.stopped = true;
    for (const spare of this.ready.splice(0)) this.discard(spare);
  }

  private discard({ port, reservation }: SparePort): void {
    this.reserver.unreserve(reservation);
    this.ports.release(port);
  }
}
