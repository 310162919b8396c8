/**
 * Reading the plain-object records the parties keep their state in (`Record<string, T>`), safely:
 * only own properties count, so an id such as `"constructor"` or `"__proto__"` can never reach
 * `Object.prototype`.
 *
 * @since 0.1.0
 */

/** The value under `key`, if the record has it as its own property. @since 0.1.0 */
export const getOwn = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined
