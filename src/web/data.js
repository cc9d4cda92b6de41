//! Page values read as plain data, the way the engine expects them: what is not data is
//! skipped or refused by name, and nothing a hostile value does escapes into the agent.
//!
//! Only own enumerable properties are read (`Object.keys`), for arrays too: a polluted
//! `Object.prototype` or `Array.prototype` adds nothing. Every read is caught, so a Proxy trap
//! or getter that throws makes the value unreadable instead of escaping.

/** Deeper nesting than this is not GA4 data; it also stops a cyclic object from recursing. */
const MAX_DEPTH = 16;

/** Why a page value could not be read as data; `skippable` for functions inside objects. */
class Unreadable {
  constructor(reason, skippable) {
    this.reason = reason;
    this.skippable = skippable;
  }
}

/** The value as plain data, or `{ problem }` saying why it is not. */
export function readData(value) {
  try {
    return { data: read(value, 0) };
  } catch (error) {
    return { problem: error instanceof Unreadable ? error.reason : "it could not be read" };
  }
}

function read(value, depth) {
  if (depth > MAX_DEPTH) throw new Unreadable("it is nested more than " + MAX_DEPTH + " levels deep");
  if (value === null || value === undefined) return null;
  const type = typeof value;
  if (type === "boolean" || type === "number" || type === "string") return value;
  if (type === "function") throw new Unreadable("it is a function, not data", true);
  if (type !== "object") throw new Unreadable("it is a symbol or a bigint, not data", true);
  let keys, isArray;
  try {
    keys = Object.keys(value);
    isArray = Array.isArray(value);
  } catch (error) {
    throw new Unreadable("listing its fields threw");
  }
  // A null prototype: a key named "__proto__" is an ordinary field, never a prototype.
  const out = isArray ? [] : Object.create(null);
  for (const key of keys) {
    // An array's other own properties (a regex match's `index`) are not items.
    if (isArray && !/^\d+$/.test(key)) continue;
    let field;
    try {
      field = value[key];
    } catch (error) {
      throw new Unreadable('reading its field "' + key + '" threw');
    }
    try {
      const data = read(field, depth + 1);
      if (isArray) out.push(data);
      else out[key] = data;
    } catch (error) {
      // Callbacks ride along in GA4 pushes (`eventCallback`); they are not the agent's business.
      if (isArray || !error.skippable) throw error;
    }
  }
  return out;
}

/** What a thrown value says about itself, for a console message; reading it cannot throw. */
export function describeThrown(thrown) {
  try {
    if (typeof thrown === "string") return thrown;
    if (thrown && typeof thrown === "object" && typeof thrown.message === "string") return thrown.message;
    if (typeof thrown === "number") return String(thrown);
    if (thrown === null) return "null";
    if (thrown === undefined) return "undefined";
  } catch (error) {}
  return "a value that is not an Error";
}
