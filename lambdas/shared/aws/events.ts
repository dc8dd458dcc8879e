import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { log } from '../runtime';

export const EVENT_SOURCE = 'bluegreen.cutover';

export type ReleaseEventType =
  | 'Release Succeeded'
  | 'Release Failed'
  | 'Release Rolled Back'
  | 'Rollback Failed';

/**
 * Tells subscribers (chat, paging, dashboards) how a release ended. The release itself already
 * happened: a failure to publish is logged, not allowed to fail or roll back the release.
 */
export async function emitReleaseEvent(
  client: EventBridgeClient,
  busName: string,
  type: ReleaseEventType,
  detail: Record<string, unknown>,
): Promise<void> {
  try {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: busName, Source: EVENT_SOURCE, DetailType: type, Detail: JSON.stringify(detail) },
        ],
      }),
    );
    if (out.FailedEntryCount) log('warn', 'release event was not accepted', { type, entries: out.Entries });
  } catch (error) {
    log('warn', 'could not publish the release event', { type, error: String(error) });
  }
}
