import type {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
  TaskDefinition,
} from '@aws-sdk/client-ecs';

/**
 * `image` with its tag set to `tag`: `repo:old` and `repo@sha256:...` become `repo:tag`. A port in
 * the registry host (`host:5000/repo`) is not a tag: only a colon after the last slash is.
 */
export function withImageTag(image: string, tag: string): string {
  const untagged = image.split('@')[0] ?? image;
  const slash = untagged.lastIndexOf('/');
  const colon = untagged.lastIndexOf(':');
  const repository = colon > slash ? untagged.slice(0, colon) : untagged;
  return `${repository}:${tag}`;
}

/** What DescribeTaskDefinition answers but RegisterTaskDefinition does not take. */
const READ_ONLY_KEYS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
] as const;

/**
 * The RegisterTaskDefinition input of the idle side's new revision: the live task definition as
 * read (so the two sides stay identical), in the idle side's `family`, with `container`'s image
 * tag set to the release version. Undefined when the container is not in the task definition.
 */
export function nextRevision(
  live: TaskDefinition,
  family: string,
  container: string,
  version: string,
): RegisterTaskDefinitionCommandInput | undefined {
  const containers = live.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === container)) return undefined;
  const copy: Partial<TaskDefinition> = { ...live };
  for (const key of READ_ONLY_KEYS) delete copy[key];
  const containerDefinitions: ContainerDefinition[] = containers.map((c) =>
    c.name === container ? { ...c, image: withImageTag(c.image ?? '', version) } : c,
  );
  return { ...(copy as Omit<TaskDefinition, (typeof READ_ONLY_KEYS)[number]>), family, containerDefinitions };
}

/** The family of a task definition ARN (`...:task-definition/family:revision`) or `family:revision`. */
export function familyOf(taskDefinition: string): string {
  const tail = taskDefinition.split('/').at(-1) ?? taskDefinition;
  return tail.split(':')[0] ?? tail;
}
