import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type ReleaseEventType } from '../contract';
import { logger, traced } from '../observability';

let events: EventBridgeClient | undefined;

/**
 * Tells subscribers (chat, paging, dashboards) how a release ended. The release itself already
 * happened: a failure to publish is logged, not allowed to fail or roll back the release.
 */
export async function emitReleaseEvent(
  busName: string,
  type: ReleaseEventType,
  detail: Record<string, unknown>,
): Promise<void> {
  events ??= traced(new EventBridgeClient({}));
  try {
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: busName, Source: EVENT_SOURCE, DetailType: type, Detail: JSON.stringify(detail) },
        ],
      }),
    );
    if (out.FailedEntryCount) logger.warn('release event was not accepted', { type, entries: out.Entries });
  } catch (error) {
    logger.warn('could not publish the release event', { type, error: String(error) });
  }
}
