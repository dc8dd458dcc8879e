import { randomUUID } from 'node:crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { UpstreamResponse } from './http';

/**
 * The XML of AWS's Query protocol (ELBv2, CloudWatch, EC2...) as plain objects: every element is a
 * string or an object, list items (`member`) are always arrays, attributes are `@_name`.
 */
export type XmlValue = string | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

// Values stay strings: the proxy rewrites documents it does not fully know, and "0123" must survive.
const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'member',
});
const builder = new XMLBuilder({ ignoreAttributes: false });

export function parseXml(text: string): XmlNode {
  return parser.parse(text) as XmlNode;
}

export function buildXml(doc: XmlNode): string {
  return builder.build(doc) as string;
}

export function isNode(value: XmlValue | undefined): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text of a child element, if it is one. */
export function text(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The `member` items of a list element (empty when the list is empty or absent). */
export function members(list: XmlValue | undefined): XmlNode[] {
  if (!isNode(list)) return [];
  const items = list.member;
  return Array.isArray(items) ? items.filter(isNode) : [];
}

/** Calls `visit` for every element of the document, depth first. */
export function walkXml(value: XmlValue, visit: (node: XmlNode) => void): void {
  if (Array.isArray(value)) for (const item of value) walkXml(item, visit);
  else if (isNode(value)) {
    visit(value);
    for (const [key, child] of Object.entries(value)) if (!key.startsWith('@_')) walkXml(child, visit);
  }
}

/** A Query-protocol error, as the service of `namespace` answers it. */
export function queryError(namespace: string, code: string, message: string, status = 400): UpstreamResponse {
  const requestId = randomUUID();
  const body = Buffer.from(
    buildXml({
      ErrorResponse: {
        '@_xmlns': namespace,
        Error: { Type: 'Sender', Code: code, Message: message },
        RequestId: requestId,
      },
    }),
    'utf8',
  );
  return {
    status,
    headers: {
      'content-type': 'text/xml',
      'content-length': String(body.length),
      'x-amzn-requestid': requestId,
    },
    body,
  };
}
