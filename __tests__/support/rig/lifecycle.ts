// Everything the rig started and not yet stopped, so stopAll() can stop what a test forgot.
const open = new Set<() => Promise<void>>();

/**
 * Registers a stop function for stopAll() and returns a version of it that runs at most once (concurrent and
 * repeated calls share the first call's promise) and unregisters itself.
 */
export function own(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () => {
    open.delete(once);
    done ??= stop();
    return done;
  };
  open.add(once);
  return once;
}

/** Stops every registry, containerd and issuer the rig started that is still running (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...open].map((stop) => stop()));
}
