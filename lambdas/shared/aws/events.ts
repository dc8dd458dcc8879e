import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type ReleaseEventDetail, type ReleaseEventType } from '../contract';
import { logger, traced } from '../observability';

let events: EventBridgeClient | undefined;

/**
 * Tells subscribers (chat, paging, dashboards) where a release is: started, traffic switched, and
 * how it ended. Publishing never decides the release: a failure to publish is logged, not allowed
 * to fail or roll back the release. Delivery is at least once (a retried step may put its event again).
 */
export async function emitReleaseEvent(
  busName: string,
  type: ReleaseEventType,
  detail: ReleaseEventDetail,
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
