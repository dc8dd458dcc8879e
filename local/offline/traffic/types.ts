import type { MotoServer } from '../../moto';
import type { HonestAws } from '../../proxy/honest-aws';
import type { OfflineOptions } from '../environment';

export type Side = 'blue' | 'green';

/**
 * One router's offline world: the AWS resources it routes between (built in moto), the config
 * file's `traffic` block naming them, and the observer's view of what the router did.
 */
export interface TrafficFixture {
  readonly type: 'alb-listener' | 'lambda-alias' | 'route53-weighted';
  /** The config file's `traffic` block for these resources. */
  readonly traffic: Record<string, unknown>;
  /** Alarms created for the service (OK), configured in `alarms`. */
  readonly alarmNames: string[];
  /** Each side's share of traffic as the router holds it now (null: the side is not referenced). */
  weights(): Promise<Record<Side, number | null>>;
  /** Makes a side report healthy or unhealthy by the router's own health source. */
  setSideHealth(color: Side, state: 'healthy' | 'unhealthy'): void;
  /** Drops every health override set by setSideHealth. */
  clearSideHealth(): void;
  /** Router writes that gave weight to a side that was not fully healthy at the write. */
  violations(): string[];
  /** Every router write the proxy saw, in order, by side (for timelines and assertions). */
  writes(): SideWrite[];
  /**
   * Writes the router back as it is now, through the proxy, with the call the workflow's write
   * makes: the floor of a rollback (one router write), for the bench.
   */
  writeAsIs(): Promise<void>;
}

/** One router write, router-neutral. */
export interface SideWrite {
  /** Date.now() when the write reached the proxy. */
  readonly at: number;
  /** What was written, e.g. "listener", "rule /api/*", "alias live", "records api.example.com A". */
  readonly router: string;
  /** Each side's weight as the write sets it (null: not referenced). */
  readonly weights: Record<Side, number | null>;
  /** AWS (moto) accepted the write. */
  readonly accepted: boolean;
  /** Set when the write gave weight to a side that was not fully healthy. */
  readonly violation?: string;
}

/** What building a fixture may use: moto directly (before the proxy), then the proxy. */
export interface TrafficFixtureContext {
  readonly service: string;
  readonly moto: MotoServer;
  readonly opts: OfflineOptions;
  /** Starts the honest proxy; call it once the resources that count as long settled exist. */
  readonly startProxy: () => Promise<HonestAws>;
}
