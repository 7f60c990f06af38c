/** Facts read from a command document: its name, its collection, whether it is driver plumbing. */
import type { MongoCommand } from './types';

/**
 * Commands the driver sends on its own to open, authenticate and monitor connections. They never
 * belong to an application call, even when a connection happens to be opened during one.
 */
const DRIVER_COMMANDS: ReadonlySet<string> = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'saslStart',
  'saslContinue',
  'authenticate',
  'getnonce',
]);

/** The command's name: its first field (`find`, `getMore`, `commitTransaction`...). */
export function commandName(command: MongoCommand): string | undefined {
  for (const key in command) return key;
  return undefined;
}

export function isDriverCommand(name: string): boolean {
  return DRIVER_COMMANDS.has(name);
}

/**
 * The collection a command targets: the value of its name field when that is a string
 * (`{ find: 'users' }`, `{ killCursors: 'users' }`), and `collection` for `getMore`.
 * Database-level commands (`{ aggregate: 1 }`, `commitTransaction`) have none.
 */
export function collectionName(command: MongoCommand, name: string): string | undefined {
  const target = command[name];
  if (typeof target === 'string') return target === '' ? undefined : target;
  if (name === 'getMore') {
    const collection = command['collection'];
    if (typeof collection === 'string' && collection !== '') return collection;
  }
  return undefined;
}

/** Span name per the database conventions: `{operation} {collection}`, else `{operation} {database}`. */
export function spanName(name: string, collection: string | undefined, database: string | undefined): string {
  if (collection !== undefined) return `${name} ${collection}`;
  if (database !== undefined) return `${name} ${database}`;
  return name;
}
