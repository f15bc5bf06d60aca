// The mutable state the routes read. The server owns it; the SeekSimulator control methods
// (setClientSecret, setTokenLifetime, setSchemaRevision, …) write to it.
import type { SimulatorWorld } from './seedData';
import type { TokenStore } from './tokens';

export interface SimulatorState {
  clientId: string;
  clientSecret: string;
  audience: string;
  partnerTokenLifetimeSeconds: number;
  browserTokenLifetimeSeconds: number;
  schemaRevision: number;
  tokens: TokenStore;
  world: SimulatorWorld;
}
