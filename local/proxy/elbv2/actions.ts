import type { ForwardAction } from '../../common/forward-weights';
import { isNode, members, text, walkXml, type XmlNode } from '../query-xml';
import type { TargetHealthView } from './target-health';

export const ELBV2_VERSION = '2015-12-01';
export const ELBV2_NAMESPACE = `http://elasticloadbalancing.amazonaws.com/doc/${ELBV2_VERSION}/`;

/** Reads `<prefix>.member.N.*` Query-protocol parameters back into actions (the forward parts). */
export function actionsFromParams(params: URLSearchParams, prefix: string): ForwardAction[] {
  type Mutable = {
    Type?: string;
    TargetGroupArn?: string;
    tuples: Array<{ TargetGroupArn?: string; Weight?: number }>;
  };
  const actions = new Map<number, Mutable>();
  const memberRe = new RegExp(`^${prefix}\\.member\\.(\\d+)\\.(.+)$`);
  for (const [key, value] of params) {
    const m = memberRe.exec(key);
    if (!m) continue;
    const n = Number(m[1]);
    const action = actions.get(n) ?? { tuples: [] };
    actions.set(n, action);
    const field = m[2] ?? '';
    if (field === 'Type') action.Type = value;
    else if (field === 'TargetGroupArn') action.TargetGroupArn = value;
    else {
      const t = /^ForwardConfig\.TargetGroups\.member\.(\d+)\.(TargetGroupArn|Weight)$/.exec(field);
      if (!t) continue;
      const i = Number(t[1]) - 1;
      action.tuples[i] ??= {};
      const tuple = action.tuples[i];
      if (t[2] === 'TargetGroupArn') tuple.TargetGroupArn = value;
      else tuple.Weight = Number(value);
    }
  }
  return [...actions.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, { tuples, ...action }]) => {
      const groups = tuples.filter((t) => t !== undefined);
      return groups.length > 0 ? { ...action, ForwardConfig: { TargetGroups: groups } } : action;
    });
}

/**
 * Gives every plain forward in a response the ForwardConfig AWS describes it with (one group,
 * weight 1, stickiness off); moto returns only the ARN. Returns whether anything changed.
 */
export function addForwardConfig(doc: XmlNode): boolean {
  let changed = false;
  walkXml(doc, (node) => {
    if (text(node, 'Type') !== 'forward' || node.ForwardConfig !== undefined) return;
    const arn = text(node, 'TargetGroupArn');
    if (!arn) return;
    node.ForwardConfig = {
      TargetGroups: { member: [{ TargetGroupArn: arn, Weight: '1' }] },
      TargetGroupStickinessConfig: { Enabled: 'false' },
    };
    changed = true;
  });
  return changed;
}

/** The TargetHealthDescriptions of a DescribeTargetHealth response, as elements of the document. */
export function targetHealthDescriptions(doc: XmlNode): XmlNode[] {
  const response = doc.DescribeTargetHealthResponse;
  const result = isNode(response) ? response.DescribeTargetHealthResult : undefined;
  return isNode(result) ? members(result.TargetHealthDescriptions) : [];
}

export function readDescription(member: XmlNode): TargetHealthView {
  const target = isNode(member.Target) ? member.Target : undefined;
  const health = isNode(member.TargetHealth) ? member.TargetHealth : undefined;
  const port = text(target, 'Port');
  const reason = text(health, 'Reason');
  const description = text(health, 'Description');
  return {
    id: text(target, 'Id') ?? '',
    ...(port !== undefined ? { port: Number(port) } : {}),
    state: text(health, 'State') ?? 'unavailable',
    ...(reason ? { reason } : {}),
    ...(description ? { description } : {}),
  };
}

export function writeTargetHealth(member: XmlNode, t: TargetHealthView): void {
  member.TargetHealth = {
    State: t.state,
    ...(t.reason ? { Reason: t.reason } : {}),
    ...(t.description ? { Description: t.description } : {}),
  };
}
