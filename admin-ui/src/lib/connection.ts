/** Whether the live connection and the network are up, for the offline banner. */
export type ConnectionState = 'online' | 'reconnecting' | 'offline';

type Listener = (state: ConnectionState) => void;

class ConnectionStore {
  private state: ConnectionState = 'online';
  private listeners = new Set<Listener>();

  get(): ConnectionState {
    return this.state;
  }

  set(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The page's connection state. */
export const connection = new ConnectionStore();

if (typeof window !== 'undefined') {
  window.addEventListener('offline', () => connection.set('offline'));
  window.addEventListener('online', () => connection.set('reconnecting'));
}
