/** Releases a lease; safe to call twice. */
export type AuditLockRelease = () => Promise<void>;

/** The writer lease of one chain: while a writer holds it, nobody else appends. With controller replicas
 *  this must be a distributed lock (NATS KV); the writer re-reads the head after every acquisition, so a
 *  lease that changes hands never forks the chain. */
export interface AuditLock {
  acquire(): Promise<AuditLockRelease>;
}

/** A lock for writers in one process: FIFO, no timeout. Not enough for several replicas. */
export function createInProcessAuditLock(): AuditLock {
  let tail: Promise<void> = Promise.resolve();
  return {
    async acquire() {
      let free!: () => void;
      const held = new Promise<void>((resolve) => {
        free = resolve;
      });
      const before = tail;
      tail = before.then(() => held);
      await before;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        free();
      };
    },
  };
}
