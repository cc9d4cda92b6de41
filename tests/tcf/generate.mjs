//! Generates tests/tcf/vectors.json: TC strings encoded by the reference library @iabtcf/core
//! (pinned in package-lock.json), each with what @iabtcf/core decodes from it, and malformed
//! strings (some crafted bit by bit here) with the error the Rust decoder must give.
//!
//! Run: cd tests/tcf && npm ci && node generate.mjs
//!
//! The decoded JSON has the shape `concierge-cli tcf` prints (protocol/src/tcf.rs, to_json):
//! TCModel's field names, id sets as sorted arrays, dates in milliseconds since the epoch,
//! publisherRestrictions as [{purposeId, restrictionType, vendors}] sorted by purpose then
//! type, and the optional segments' fields only when the string has the segment.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  Base64Url, GVL, PurposeRestriction, RestrictionType, Segment, TCModel, TCString,
} from '@iabtcf/core';

const LIBRARY = '@iabtcf/core 1.5.6';

// ---------------------------------------------------------------------------------------------
// A made-up Global Vendor List: the encoder drops any vendor signal the list does not back.

/** A vendor list holding `vendorIds`, every vendor declaring every purpose on both bases. */
function vendorList(vendorIds, { vendorListVersion = 150, tcfPolicyVersion = 4 } = {}) {
  const purposeIds = Array.from({ length: 11 }, (_, i) => i + 1);
  const named = (ids) => Object.fromEntries(ids.map((id) => [id, { id, name: `n${id}`, description: '' }]));
  const vendors = {};
  for (const id of vendorIds) {
    vendors[id] = {
      id, name: `Vendor ${id}`, purposes: purposeIds, legIntPurposes: purposeIds.slice(1),
      flexiblePurposes: purposeIds.slice(1), specialPurposes: [1], features: [], specialFeatures: [1, 2],
      policyUrl: 'https://vendor.example/privacy',
    };
  }
  return new GVL({
    gvlSpecificationVersion: 3, vendorListVersion, tcfPolicyVersion, lastUpdated: '2024-01-01T00:00:00Z',
    purposes: named(purposeIds), specialPurposes: named([1, 2]), features: named([1, 2, 3]),
    specialFeatures: named([1, 2]), stacks: {}, vendors,
  });
}

const range = (first, last, step = 1) => {
  const ids = [];
  for (let id = first; id <= last; id += step) ids.push(id);
  return ids;
};

/**
 * Encodes a TC string with @iabtcf/core from a description of the model.
 * `segments` picks the segments as a CMP would for its purpose (default: the core alone).
 */
function encode(spec) {
  const gvl = vendorList(spec.gvlVendors ?? [], spec.gvlOptions);
  if (spec.language) {
    // The translations come from a fetch, unless cached: none are needed for encoding.
    GVL.LANGUAGE_CACHE.set(spec.language, {});
    gvl.changeLanguage(spec.language);
  }
  const model = new TCModel(gvl);
  model.created = new Date(spec.created ?? Date.UTC(2024, 4, 17));
  model.lastUpdated = new Date(spec.lastUpdated ?? Date.UTC(2024, 4, 18));
  model.cmpId = spec.cmpId ?? 300;
  model.cmpVersion = spec.cmpVersion ?? 2;
  model.consentScreen = spec.consentScreen ?? 1;
  model.publisherCountryCode = spec.publisherCountryCode ?? 'DE';
  model.isServiceSpecific = spec.isServiceSpecific ?? false;
  model.useNonStandardStacks = spec.useNonStandardStacks ?? false;
  model.purposeOneTreatment = spec.purposeOneTreatment ?? false;
  model.specialFeatureOptins.set(spec.specialFeatureOptins ?? []);
  model.purposeConsents.set(spec.purposeConsents ?? []);
  model.purposeLegitimateInterests.set(spec.purposeLegitimateInterests ?? []);
  model.vendorConsents.set(spec.vendorConsents ?? []);
  model.vendorLegitimateInterests.set(spec.vendorLegitimateInterests ?? []);
  for (const [purposeId, restrictionType, vendors] of spec.publisherRestrictions ?? []) {
    const restriction = new PurposeRestriction(purposeId, restrictionType);
    for (const vendor of vendors) model.publisherRestrictions.add(vendor, restriction);
  }
  model.publisherConsents.set(spec.publisherConsents ?? []);
  model.publisherLegitimateInterests.set(spec.publisherLegitimateInterests ?? []);
  if (spec.numCustomPurposes) model.numCustomPurposes = spec.numCustomPurposes;
  model.publisherCustomConsents.set(spec.publisherCustomConsents ?? []);
  model.publisherCustomLegitimateInterests.set(spec.publisherCustomLegitimateInterests ?? []);
  const options = { segments: spec.segments ?? [Segment.CORE] };
  if (spec.version) options.version = spec.version;
  return TCString.encode(model, options);
}

// ---------------------------------------------------------------------------------------------
// What the reference decodes, in the JSON shape of `concierge-cli tcf`.

const ids = (vector) => {
  const out = [];
  vector.forEach((has, id) => { if (has) out.push(id); });
  return out;
};

/** The segment types after the core, read from each segment's first character. */
const segmentTypes = (tcString) =>
  tcString.split('.').slice(1).map((segment) => parseInt(Base64Url.decode(segment).slice(0, 3), 2));

function referenceJson(tcString) {
  const model = TCString.decode(tcString);
  const restrictions = [];
  for (const [hash, tree] of model.publisherRestrictions.map) {
    const { purposeId, restrictionType } = PurposeRestriction.unHash(hash);
    restrictions.push({ purposeId, restrictionType, vendors: tree.get().slice().sort((a, b) => a - b) });
  }
  restrictions.sort((a, b) => a.purposeId - b.purposeId || a.restrictionType - b.restrictionType);
  const json = {
    version: model.version,
    created: model.created.getTime(),
    lastUpdated: model.lastUpdated.getTime(),
    cmpId: model.cmpId,
    cmpVersion: model.cmpVersion,
    consentScreen: model.consentScreen,
    consentLanguage: model.consentLanguage,
    vendorListVersion: model.vendorListVersion,
    policyVersion: model.policyVersion,
    isServiceSpecific: model.isServiceSpecific,
    useNonStandardStacks: model.useNonStandardStacks,
    specialFeatureOptins: ids(model.specialFeatureOptins),
    purposeConsents: ids(model.purposeConsents),
    purposeLegitimateInterests: ids(model.purposeLegitimateInterests),
    purposeOneTreatment: model.purposeOneTreatment,
    publisherCountryCode: model.publisherCountryCode,
    vendorConsents: ids(model.vendorConsents),
    vendorLegitimateInterests: ids(model.vendorLegitimateInterests),
    publisherRestrictions: restrictions,
  };
  const types = segmentTypes(tcString);
  if (types.includes(1)) json.vendorsDisclosed = ids(model.vendorsDisclosed);
  // Type 2 (allowed vendors, TCF v2.0/2.1 only) is checked and dropped by the Rust decoder.
  if (types.includes(3)) {
    Object.assign(json, {
      publisherConsents: ids(model.publisherConsents),
      publisherLegitimateInterests: ids(model.publisherLegitimateInterests),
      numCustomPurposes: model.numCustomPurposes,
      publisherCustomConsents: ids(model.publisherCustomConsents),
      publisherCustomLegitimateInterests: ids(model.publisherCustomLegitimateInterests),
    });
  }
  return json;
}

/** What the reference makes of a string the Rust decoder refuses: its error, or its reading. */
function referenceOutcome(tcString) {
  try {
    return { accepts: referenceJson(tcString) };
  } catch (error) {
    return { throws: `${error.name}: ${error.message}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Bit-level crafting, for what no encoder writes.

const bitsOf = (segment) => Base64Url.decode(segment);
const int = (value, width) => value.toString(2).padStart(width, '0');
const field = (ids, width) => range(1, width).map((id) => (ids.includes(id) ? '1' : '0')).join('');
/** A range section body: NumEntries, then each entry [start, end] (a single id when equal). */
const entries = (list) =>
  int(list.length, 12) + list.map(([start, end]) =>
    start === end ? '0' + int(start, 16) : '1' + int(start, 16) + int(end, 16)).join('');
const rangeSection = (maxId, list) => int(maxId, 16) + '1' + entries(list);
const emptySection = int(0, 16) + '0';
const noRestrictions = int(0, 12);
/**
 * Base64url of a bit string, zero-padded to whole characters only (Base64Url.encode pads to
 * 24 bits, which would hide a field cut short behind zeros).
 */
const craft = (bits) => {
  let out = '';
  for (let at = 0; at < bits.length; at += 6) out += Base64Url.DICT[parseInt(bits.slice(at, at + 6).padEnd(6, '0'), 2)];
  return out;
};

/** The bits of the core up to its first vendor section (213 bits), from a real string. */
const HEAD_BITS = 213;
const HEAD_FIELDS = [
  ['version', 6], ['created', 36], ['lastUpdated', 36], ['cmpId', 12], ['cmpVersion', 12],
  ['consentScreen', 6], ['consentLanguage', 12], ['vendorListVersion', 12], ['policyVersion', 6],
  ['isServiceSpecific', 1], ['useNonStandardStacks', 1], ['specialFeatureOptins', 12],
  ['purposeConsents', 24], ['purposeLegitimateInterests', 24], ['purposeOneTreatment', 1],
  ['publisherCountryCode', 12],
];
if (HEAD_FIELDS.reduce((sum, [, width]) => sum + width, 0) !== HEAD_BITS) throw new Error('head layout');

/** The core field holding bit `bit` (for the expected Truncated error of a cut string). */
function fieldAt(bit) {
  let start = 0;
  for (const [name, width] of HEAD_FIELDS) {
    if (bit < start + width) return name;
    start += width;
  }
  throw new Error(`bit ${bit} is past the head`);
}

// ---------------------------------------------------------------------------------------------
// The vectors.

const purposes = { purposeConsents: [1, 2, 3, 4, 7, 9, 10], purposeLegitimateInterests: [2, 7, 8, 9, 10, 11] };

const valid = [
  {
    name: 'core only, a few vendors in bit fields',
    spec: {
      gvlVendors: range(1, 40), ...purposes, specialFeatureOptins: [1],
      vendorConsents: [1, 2, 5, 8, 13, 21], vendorLegitimateInterests: [2, 3, 5, 34],
    },
    expect: { vendorConsents: 'bitfield', vendorLegitimateInterests: 'bitfield' },
  },
  {
    name: 'core only, vendors in range entries (runs and single ids)',
    spec: {
      gvlVendors: range(1, 1000), ...purposes,
      vendorConsents: [...range(1, 400), ...range(600, 650), 900],
      vendorLegitimateInterests: [...range(10, 20), 777, ...range(800, 1000)],
    },
    expect: { vendorConsents: 'range', vendorLegitimateInterests: 'range' },
  },
  {
    name: 'no vendors at all, no purposes (everything refused)',
    spec: { gvlVendors: range(1, 10) },
    expect: { vendorConsents: 'bitfield', vendorLegitimateInterests: 'bitfield' },
  },
  {
    name: 'every vendor id 1-65535 (maximal set, as one range)',
    spec: {
      gvlVendors: range(1, 65535), ...purposes, specialFeatureOptins: [1, 2],
      vendorConsents: range(1, 65535), vendorLegitimateInterests: [1, 65535],
      purposeConsents: range(1, 11), purposeLegitimateInterests: range(2, 11),
    },
    expect: { vendorConsents: 'range', vendorLegitimateInterests: 'range' },
  },
  {
    // Every 8th: 8192 single-id entries would take more bits than the bit field.
    name: 'every 8th vendor and 65535 (a bit field of 65535 bits)',
    spec: {
      gvlVendors: range(1, 65535), ...purposes,
      vendorConsents: [...range(8, 65535, 8), 65535], vendorLegitimateInterests: [65535],
    },
    expect: { vendorConsents: 'bitfield', vendorLegitimateInterests: 'range' },
  },
  {
    name: 'publisher restrictions of each type, service-specific, with the publisher TC segment',
    spec: {
      gvlVendors: range(1, 30), ...purposes, isServiceSpecific: true, purposeOneTreatment: true,
      publisherCountryCode: 'NL', vendorConsents: range(1, 30, 3), vendorLegitimateInterests: range(2, 30, 4),
      publisherRestrictions: [
        [2, RestrictionType.NOT_ALLOWED, range(1, 10)],
        [7, RestrictionType.REQUIRE_CONSENT, [3, 5, 6, 7, 20]],
        [3, RestrictionType.REQUIRE_LI, [4]],
        [7, RestrictionType.NOT_ALLOWED, [30]],
      ],
      segments: [Segment.CORE, Segment.PUBLISHER_TC],
    },
  },
  {
    name: 'disclosed vendors segment',
    spec: {
      gvlVendors: [...range(1, 20), 77, 1024], ...purposes, vendorConsents: [1, 77],
      segments: [Segment.CORE, Segment.VENDORS_DISCLOSED],
    },
  },
  {
    name: 'publisher TC segment with custom purposes',
    spec: {
      gvlVendors: range(1, 5), ...purposes, isServiceSpecific: true, vendorConsents: [1, 2],
      publisherConsents: [1, 3, 24], publisherLegitimateInterests: [2, 4], numCustomPurposes: 5,
      publisherCustomConsents: [1, 4], publisherCustomLegitimateInterests: [2, 5],
      segments: [Segment.CORE, Segment.PUBLISHER_TC],
    },
  },
  {
    name: 'publisher TC segment without custom purposes',
    spec: {
      gvlVendors: range(1, 5), ...purposes, isServiceSpecific: true,
      publisherConsents: [1], segments: [Segment.CORE, Segment.PUBLISHER_TC],
    },
  },
  {
    name: 'all three segments: core, disclosed vendors, publisher TC',
    spec: {
      gvlVendors: range(1, 60, 2), ...purposes, vendorConsents: range(1, 60, 4), vendorLegitimateInterests: [3],
      publisherRestrictions: [[4, RestrictionType.NOT_ALLOWED, [1, 3, 5]]],
      publisherConsents: [1, 2], numCustomPurposes: 2, publisherCustomConsents: [2],
      segments: [Segment.CORE, Segment.VENDORS_DISCLOSED, Segment.PUBLISHER_TC],
    },
  },
  {
    name: 'allowed vendors segment of TCF v2.0 (read and dropped)',
    spec: {
      gvlVendors: range(1, 8), ...purposes, vendorConsents: [4],
      segments: [Segment.CORE, Segment.VENDORS_ALLOWED],
    },
  },
  {
    name: 'TCF v2.0 policy, French, times to the decisecond, every flag and count at its widest',
    spec: {
      gvlVendors: [4095], gvlOptions: { vendorListVersion: 4095, tcfPolicyVersion: 2 }, language: 'FR',
      created: Date.UTC(2020, 0, 1, 12, 34, 56, 700), lastUpdated: Date.UTC(2151, 0, 1, 0, 0, 0, 0),
      cmpId: 4095, cmpVersion: 4095, consentScreen: 63, publisherCountryCode: 'ZZ',
      useNonStandardStacks: true, purposeOneTreatment: true, specialFeatureOptins: range(1, 12),
      purposeConsents: range(1, 24), purposeLegitimateInterests: range(2, 24), vendorConsents: [4095],
    },
  },
];

const vectors = { generator: `tests/tcf/generate.mjs with ${LIBRARY}`, valid: [], invalid: [] };

/** The section's encoding, read from the string: the vendor consents start at bit 213. */
function encodings(tcString) {
  const bits = bitsOf(tcString.split('.')[0]);
  const consentsMax = parseInt(bits.slice(HEAD_BITS, HEAD_BITS + 16), 2);
  const consentsRange = bits[HEAD_BITS + 16] === '1';
  let at = HEAD_BITS + 17;
  if (consentsRange) {
    const count = parseInt(bits.slice(at, at + 12), 2);
    at += 12;
    for (let i = 0; i < count; i++) at += bits[at] === '1' ? 33 : 17;
  } else {
    at += consentsMax;
  }
  return {
    vendorConsents: consentsRange ? 'range' : 'bitfield',
    vendorLegitimateInterests: bits[at + 16] === '1' ? 'range' : 'bitfield',
  };
}

const strings = {};
for (const { name, spec, expect } of valid) {
  const tcString = encode(spec);
  if (expect) {
    const found = encodings(tcString);
    for (const [section, encoding] of Object.entries(expect)) {
      if (found[section] !== encoding) throw new Error(`${name}: ${section} is ${found[section]}, expected ${encoding}`);
    }
  }
  strings[name] = tcString;
  vectors.valid.push({ name, tcString, decoded: referenceJson(tcString) });
}

// A plain core with no vendors, to graft crafted sections on.
const plain = strings['core only, a few vendors in bit fields'];
const head = bitsOf(plain).slice(0, HEAD_BITS);
const withSections = (consents, interests, restrictions = noRestrictions) =>
  craft(head + consents + interests + restrictions);
const plainCore = withSections(emptySection, emptySection);
const restrictionsString = strings['publisher restrictions of each type, service-specific, with the publisher TC segment'];
const threeSegments = strings['all three segments: core, disclosed vendors, publisher TC'];
const bigBitfield = strings['every 8th vendor and 65535 (a bit field of 65535 bits)'];

const invalid = [
  ['empty string', '', 'EmptySegment { segment: 1 }'],
  ['a trailing dot (empty second segment)', plain + '.', 'EmptySegment { segment: 2 }'],
  ['standard base64 "+" in the core', plain.slice(0, 10) + '+' + plain.slice(11), 'BadBase64 { segment: 1 }'],
  ['base64 padding "="', plain + '==', 'BadBase64 { segment: 1 }'],
  ['"/" in the disclosed vendors segment', threeSegments.split('.').map((s, i) => (i === 1 ? s.slice(0, 3) + '/' + s.slice(4) : s)).join('.'), 'BadBase64 { segment: 2 }'],
  ['a space after the string', plain + ' ', 'BadBase64 { segment: 1 }'],
  ...[1, 5, 11, 20, 30].map((chars) => [
    `truncated to ${chars} characters (inside ${fieldAt(chars * 6)})`,
    plain.slice(0, chars),
    `Truncated { field: "${fieldAt(chars * 6)}" }`,
  ]),
  ['truncated inside the vendor consents bit field', bigBitfield.slice(0, 2000), 'Truncated { field: "vendorConsents" }'],
  ['core ending before the publisher restrictions', craft(head + emptySection + emptySection), 'Truncated { field: "publisherRestrictions" }'],
  ['truncated inside the publisher restrictions', restrictionsString.split('.')[0].slice(0, -8), 'Truncated { field: "publisherRestrictions" }'],
  ['truncated publisher TC segment', threeSegments.split('.').map((s, i) => (i === 2 ? s.slice(0, 5) : s)).join('.'), 'Truncated { field: "publisherLegitimateInterests" }'],
  ['a TCF v1 string (version 1)', encode({ gvlVendors: range(1, 5), vendorConsents: [1, 2], version: 1 }), 'UnsupportedVersion(1)'],
  ['version 3', craft(int(3, 6) + head.slice(6) + emptySection + emptySection + noRestrictions), 'UnsupportedVersion(3)'],
  ['version 0', craft(int(0, 6) + head.slice(6) + emptySection + emptySection + noRestrictions), 'UnsupportedVersion(0)'],
  ['unknown segment type 5', plainCore + '.' + craft(int(5, 3) + int(0, 21)), 'UnknownSegment(5)'],
  ['unknown segment type 7', plainCore + '.' + craft(int(7, 3) + emptySection), 'UnknownSegment(7)'],
  ['a second core segment', plainCore + '.' + plainCore, 'RepeatedSegment(0)'],
  ['the disclosed vendors segment twice', [threeSegments.split('.')[0], threeSegments.split('.')[1], threeSegments.split('.')[1]].join('.'), 'RepeatedSegment(1)'],
  ['vendor id 0 as a single id in the vendor consents', withSections(rangeSection(5, [[0, 0]]), emptySection), 'VendorIdZero { field: "vendorConsents" }'],
  ['vendor id 0 starting a range in the vendor legitimate interests', withSections(emptySection, rangeSection(5, [[0, 5]])), 'VendorIdZero { field: "vendorLegitimateInterests" }'],
  ['vendor id 0 in a publisher restriction', withSections(emptySection, emptySection, int(1, 12) + int(2, 6) + int(0, 2) + entries([[0, 0]])), 'VendorIdZero { field: "publisherRestrictions" }'],
  ['vendor id 0 in the disclosed vendors', plainCore + '.' + craft(int(1, 3) + rangeSection(3, [[0, 3]])), 'VendorIdZero { field: "vendorsDisclosed" }'],
  ['a vendor range 9-3', withSections(rangeSection(9, [[1, 1], [9, 3]]), emptySection), 'RangeEndsBeforeStart { field: "vendorConsents", start: 9, end: 3 }'],
  ['a vendor legitimate interest range 200-100', withSections(emptySection, rangeSection(200, [[200, 100]])), 'RangeEndsBeforeStart { field: "vendorLegitimateInterests", start: 200, end: 100 }'],
  ['a publisher restriction range 8-2', withSections(emptySection, emptySection, int(1, 12) + int(2, 6) + int(1, 2) + entries([[8, 2]])), 'RangeEndsBeforeStart { field: "publisherRestrictions", start: 8, end: 2 }'],
  ['a range past the section\'s maximum vendor id', withSections(rangeSection(10, [[5, 11]]), emptySection), 'VendorIdAboveMax { field: "vendorConsents", id: 11, max: 10 }'],
  ['restriction type 3', withSections(emptySection, emptySection, int(1, 12) + int(2, 6) + int(3, 2) + entries([[1, 1]])), 'UndefinedRestrictionType { purpose_id: 2 }'],
  ['a restriction for purpose 0', withSections(emptySection, emptySection, int(1, 12) + int(0, 6) + int(1, 2) + entries([[1, 1]])), 'RestrictionPurposeZero'],
  ['a consent language letter beyond Z', craft(head.slice(0, 120 - 12) + int(26, 6) + int(4, 6) + head.slice(120) + emptySection + emptySection + noRestrictions), 'BadLetter { field: "consentLanguage", value: 26 }'],
  ['a publisher country letter beyond Z', craft(head.slice(0, HEAD_BITS - 6) + int(63, 6) + emptySection + emptySection + noRestrictions), 'BadLetter { field: "publisherCountryCode", value: 63 }'],
];

for (const [name, tcString, error] of invalid) {
  vectors.invalid.push({ name, tcString, error, reference: referenceOutcome(tcString) });
}

// Crafted strings no encoder writes but the TCF allows, decoded as the reference decodes them.
const craftedValid = [
  ['crafted core with empty sections (the base of the crafted invalid ones)', plainCore],
  ['a publisher restriction with no vendors (dropped), one repeated (merged)', withSections(emptySection, emptySection,
    int(4, 12) + int(3, 6) + int(0, 2) + entries([]) + int(5, 6) + int(2, 2) + entries([[4, 4]])
    + int(1, 6) + int(1, 2) + entries([[7, 9]]) + int(5, 6) + int(2, 2) + entries([[2, 4], [9, 9]]))],
  ['overlapping vendor ranges, padding to whole bytes', craft(head + rangeSection(40, [[5, 20], [10, 30], [40, 40], [7, 7]])
    + int(12, 16) + '0' + field([1, 12], 12) + noRestrictions + '0'.repeat(19))],
];
for (const [name, tcString] of craftedValid) vectors.valid.push({ name, tcString, decoded: referenceJson(tcString) });

const out = fileURLToPath(new URL('vectors.json', import.meta.url));
// One vector a line: diffs stay readable and the long id arrays take no line each.
const lines = (list) => list.map((vector) => ' ' + JSON.stringify(vector)).join(',\n');
writeFileSync(out, `{"generator": ${JSON.stringify(vectors.generator)},\n"valid": [\n${lines(vectors.valid)}\n],\n"invalid": [\n${lines(vectors.invalid)}\n]}\n`);
console.log(`${out}: ${vectors.valid.length} valid, ${vectors.invalid.length} invalid`);
