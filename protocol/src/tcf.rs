//! IAB TCF v2.2 TC strings (the consent a shop's CMP records), decoded into typed fields.
//!
//! A TC string is dot-separated segments, each base64url (no padding) over a bit string read
//! most significant bit first. The first segment is the core (version 2: dates, CMP, purposes,
//! vendors, publisher restrictions); the others say their type in their first three bits:
//! 1 the disclosed vendors, 3 the publisher's own purposes and custom purposes. Type 2, the
//! allowed vendors of TCF v2.0 and v2.1 (gone in v2.2), is checked and dropped: it narrows what
//! out-of-band vendors may do, which the agent never is (docs/decisions.md).
//!
//! [`decode`] never panics and refuses a malformed string with a [`TcfError`] naming the field.
//! It is stricter than the reference library `@iabtcf/core` where that one reads nonsense
//! without complaint: vendor id 0, a range ending before it starts, a vendor above the
//! section's maximum id, a letter outside A-Z, restriction type 3, a repeated segment.
//!
//! [`TcString::to_json`] writes the decoded string with `@iabtcf/core`'s field names; it sits
//! apart from decoding so a Wasm that never calls it does not carry it.

use crate::{text, Value};
use std::collections::BTreeSet;

/// Vendor, purpose or feature ids, sorted.
pub type IdSet = BTreeSet<u16>;

/// A decoded TC string: the core segment and the optional segments that were present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcString {
    pub core: Core,
    /// The disclosed vendors segment (type 1), when the string has one.
    pub disclosed_vendors: Option<IdSet>,
    /// The publisher purposes segment (type 3), when the string has one.
    pub publisher_tc: Option<PublisherTc>,
}

/// The core segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Core {
    pub version: u8,
    /// Milliseconds since the epoch (the string holds deciseconds).
    pub created: i64,
    /// Milliseconds since the epoch.
    pub last_updated: i64,
    pub cmp_id: u16,
    pub cmp_version: u16,
    pub consent_screen: u8,
    /// Two capital letters, "EN".
    pub consent_language: String,
    pub vendor_list_version: u16,
    pub policy_version: u8,
    pub is_service_specific: bool,
    pub use_non_standard_texts: bool,
    pub purpose_one_treatment: bool,
    /// Two capital letters, "DE" ("AA" when unknown).
    pub publisher_country_code: String,
    pub special_feature_optins: IdSet,
    pub purpose_consents: IdSet,
    pub purpose_legitimate_interests: IdSet,
    pub vendor_consents: IdSet,
    pub vendor_legitimate_interests: IdSet,
    /// One entry per purpose and restriction type, sorted by both; entries the string repeats
    /// are merged, as `@iabtcf/core` merges them.
    pub publisher_restrictions: Vec<PublisherRestriction>,
}

/// The vendors a publisher restricts for one purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublisherRestriction {
    pub purpose_id: u8,
    pub restriction_type: RestrictionType,
    pub vendors: IdSet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RestrictionType {
    NotAllowed = 0,
    RequireConsent = 1,
    RequireLegitimateInterest = 2,
}

/// The publisher purposes segment: the publisher's own legal bases, and its custom purposes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublisherTc {
    pub purpose_consents: IdSet,
    pub purpose_legitimate_interests: IdSet,
    pub num_custom_purposes: u8,
    pub custom_purpose_consents: IdSet,
    pub custom_purpose_legitimate_interests: IdSet,
}

/// What is wrong with a TC string. Segments count from 1 (the core); fields are named as in
/// [`TcString::to_json`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcfError {
    /// The segment (the whole string, when it is empty) has no characters.
    EmptySegment {
        segment: usize,
    },
    /// The segment holds a character outside base64url's A-Z a-z 0-9 - _.
    BadBase64 {
        segment: usize,
    },
    /// The segment ends inside this field.
    Truncated {
        field: &'static str,
    },
    /// The core segment's version is not 2.
    UnsupportedVersion(u8),
    /// A segment type other than 1, 2 and 3 after the core.
    UnknownSegment(u8),
    /// A segment type given twice (0: a second core segment).
    RepeatedSegment(u8),
    /// A vendor id of 0 in a range entry (vendor ids start at 1).
    VendorIdZero {
        field: &'static str,
    },
    RangeEndsBeforeStart {
        field: &'static str,
        start: u16,
        end: u16,
    },
    /// A range entry above the section's own maximum vendor id.
    VendorIdAboveMax {
        field: &'static str,
        id: u16,
        max: u16,
    },
    /// A letter field (consent language, publisher country) with a value beyond Z.
    BadLetter {
        field: &'static str,
        value: u8,
    },
    /// A publisher restriction for purpose 0 (purposes start at 1).
    RestrictionPurposeZero,
    /// A publisher restriction of type 3, which the TCF leaves undefined.
    UndefinedRestrictionType {
        purpose_id: u8,
    },
}

impl TcfError {
    /// The error as a sentence, built without `core::fmt`.
    pub fn describe(&self) -> String {
        match self {
            TcfError::EmptySegment { segment } => {
                text!("segment ", *segment, " of the TC string is empty")
            }
            TcfError::BadBase64 { segment } => text!(
                "segment ",
                *segment,
                " of the TC string is not base64url (only A-Z a-z 0-9 - _, no padding)"
            ),
            TcfError::Truncated { field } => text!("the TC string ends inside ", *field),
            TcfError::UnsupportedVersion(version) => text!(
                "version ",
                *version,
                " of the TC string is not supported; only version 2 (TCF v2.0 to v2.2) is"
            ),
            TcfError::UnknownSegment(kind) => text!(
                "segment type ",
                *kind,
                " is unknown; the types after the core are 1 (disclosed vendors) and 3 (publisher TC)"
            ),
            TcfError::RepeatedSegment(0) => text!("the TC string has a second core segment"),
            TcfError::RepeatedSegment(kind) => {
                text!("segment type ", *kind, " appears twice in the TC string")
            }
            TcfError::VendorIdZero { field } => {
                text!(*field, ": vendor id 0 in a range entry; vendor ids start at 1")
            }
            TcfError::RangeEndsBeforeStart { field, start, end } => {
                text!(*field, ": the range ", *start, "-", *end, " ends before it starts")
            }
            TcfError::VendorIdAboveMax { field, id, max } => {
                text!(*field, ": vendor id ", *id, " is above the section's maximum id ", *max)
            }
            TcfError::BadLetter { field, value } => {
                text!(*field, ": letter value ", *value, " is beyond Z (0-25 are A-Z)")
            }
            TcfError::RestrictionPurposeZero => {
                text!("publisherRestrictions: purpose id 0; purposes start at 1")
            }
            TcfError::UndefinedRestrictionType { purpose_id } => text!(
                "publisherRestrictions: purpose ",
                *purpose_id,
                " has restriction type 3, which is undefined (0 not allowed, 1 require consent, 2 require legitimate interest)"
            ),
        }
    }
}

impl core::fmt::Display for TcfError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::error::Error for TcfError {}

/// Decodes a TC string: its core segment and any optional segments.
pub fn decode(tc_string: &str) -> Result<TcString, TcfError> {
    let mut segments = tc_string.as_bytes().split(|&byte| byte == b'.');
    let mut bits = Bits::new(segments.next().unwrap_or_default(), 1)?;
    let core = core(&mut bits)?;
    let mut decoded = TcString { core, disclosed_vendors: None, publisher_tc: None };
    let mut allowed_vendors_seen = false;
    for (index, segment) in segments.enumerate() {
        let mut bits = Bits::new(segment, index + 2)?;
        let kind = bits.read(3, "segmentType")? as u8;
        match kind {
            1 if decoded.disclosed_vendors.is_none() => {
                decoded.disclosed_vendors = Some(vendor_section(&mut bits, "vendorsDisclosed")?)
            }
            2 if !allowed_vendors_seen => {
                // Checked, then dropped (see the module's comment).
                vendor_section(&mut bits, "vendorsAllowed")?;
                allowed_vendors_seen = true;
            }
            3 if decoded.publisher_tc.is_none() => {
                decoded.publisher_tc = Some(publisher_tc(&mut bits)?)
            }
            0..=3 => return Err(TcfError::RepeatedSegment(kind)),
            _ => return Err(TcfError::UnknownSegment(kind)),
        }
    }
    Ok(decoded)
}

fn core(bits: &mut Bits) -> Result<Core, TcfError> {
    let version = bits.read(6, "version")? as u8;
    if version != 2 {
        return Err(TcfError::UnsupportedVersion(version));
    }
    Ok(Core {
        version,
        created: bits.read(36, "created")? as i64 * 100,
        last_updated: bits.read(36, "lastUpdated")? as i64 * 100,
        cmp_id: bits.read(12, "cmpId")? as u16,
        cmp_version: bits.read(12, "cmpVersion")? as u16,
        consent_screen: bits.read(6, "consentScreen")? as u8,
        consent_language: letters(bits, "consentLanguage")?,
        vendor_list_version: bits.read(12, "vendorListVersion")? as u16,
        policy_version: bits.read(6, "policyVersion")? as u8,
        is_service_specific: bits.flag("isServiceSpecific")?,
        use_non_standard_texts: bits.flag("useNonStandardStacks")?,
        special_feature_optins: fixed_ids(bits, 12, "specialFeatureOptins")?,
        purpose_consents: fixed_ids(bits, 24, "purposeConsents")?,
        purpose_legitimate_interests: fixed_ids(bits, 24, "purposeLegitimateInterests")?,
        purpose_one_treatment: bits.flag("purposeOneTreatment")?,
        publisher_country_code: letters(bits, "publisherCountryCode")?,
        vendor_consents: vendor_section(bits, "vendorConsents")?,
        vendor_legitimate_interests: vendor_section(bits, "vendorLegitimateInterests")?,
        publisher_restrictions: publisher_restrictions(bits)?,
    })
}

fn publisher_tc(bits: &mut Bits) -> Result<PublisherTc, TcfError> {
    let purpose_consents = fixed_ids(bits, 24, "publisherConsents")?;
    let purpose_legitimate_interests = fixed_ids(bits, 24, "publisherLegitimateInterests")?;
    let num_custom_purposes = bits.read(6, "numCustomPurposes")? as u8;
    let custom = usize::from(num_custom_purposes);
    Ok(PublisherTc {
        purpose_consents,
        purpose_legitimate_interests,
        num_custom_purposes,
        custom_purpose_consents: fixed_ids(bits, custom, "publisherCustomConsents")?,
        custom_purpose_legitimate_interests: fixed_ids(
            bits,
            custom,
            "publisherCustomLegitimateInterests",
        )?,
    })
}

/// Two letters of six bits each, 0 for A.
fn letters(bits: &mut Bits, field: &'static str) -> Result<String, TcfError> {
    let mut out = String::with_capacity(2);
    for _ in 0..2 {
        let value = bits.read(6, field)? as u8;
        if value > 25 {
            return Err(TcfError::BadLetter { field, value });
        }
        out.push(char::from(b'A' + value));
    }
    Ok(out)
}

/// A bit field of `count` bits, the first for id 1.
fn fixed_ids(bits: &mut Bits, count: usize, field: &'static str) -> Result<IdSet, TcfError> {
    let mut ids = IdSet::new();
    for id in 1..=count {
        if bits.flag(field)? {
            // `count` is at most 16 bits' worth: a section's maximum id.
            ids.insert(id as u16);
        }
    }
    Ok(ids)
}

/// A vendor section: a maximum id, then a bit field up to it or a list of ranges.
fn vendor_section(bits: &mut Bits, field: &'static str) -> Result<IdSet, TcfError> {
    let max = bits.read(16, field)? as u16;
    if !bits.flag(field)? {
        return fixed_ids(bits, usize::from(max), field);
    }
    let mut ids = IdMap::new();
    let count = bits.read(12, field)?;
    for _ in 0..count {
        let (start, end) = range_entry(bits, field)?;
        if end > max {
            return Err(TcfError::VendorIdAboveMax { field, id: end, max });
        }
        ids.insert_range(start, end);
    }
    Ok(ids.to_set())
}

/// One range entry: a single vendor id or a first and last, both at least 1.
fn range_entry(bits: &mut Bits, field: &'static str) -> Result<(u16, u16), TcfError> {
    let is_range = bits.flag(field)?;
    let start = bits.read(16, field)? as u16;
    let end = if is_range { bits.read(16, field)? as u16 } else { start };
    if start == 0 || end == 0 {
        return Err(TcfError::VendorIdZero { field });
    }
    if end < start {
        return Err(TcfError::RangeEndsBeforeStart { field, start, end });
    }
    Ok((start, end))
}

fn publisher_restrictions(bits: &mut Bits) -> Result<Vec<PublisherRestriction>, TcfError> {
    const FIELD: &str = "publisherRestrictions";
    let count = bits.read(12, FIELD)?;
    // At most 63 purposes times 3 types, so the vendors of each stay a fixed-size map however
    // many entries the string repeats.
    let mut restrictions: Vec<(u8, RestrictionType, IdMap)> = Vec::new();
    for _ in 0..count {
        let purpose_id = bits.read(6, FIELD)? as u8;
        let restriction_type = match bits.read(2, FIELD)? {
            0 => RestrictionType::NotAllowed,
            1 => RestrictionType::RequireConsent,
            2 => RestrictionType::RequireLegitimateInterest,
            _ => return Err(TcfError::UndefinedRestrictionType { purpose_id }),
        };
        if purpose_id == 0 {
            return Err(TcfError::RestrictionPurposeZero);
        }
        let at = match restrictions
            .iter()
            .position(|(id, kind, _)| *id == purpose_id && *kind == restriction_type)
        {
            Some(at) => at,
            None => {
                restrictions.push((purpose_id, restriction_type, IdMap::new()));
                restrictions.len() - 1
            }
        };
        let entries = bits.read(12, FIELD)?;
        for _ in 0..entries {
            let (start, end) = range_entry(bits, FIELD)?;
            if let Some((_, _, vendors)) = restrictions.get_mut(at) {
                vendors.insert_range(start, end);
            }
        }
    }
    restrictions.sort_unstable_by_key(|(id, kind, _)| (*id, *kind));
    Ok(restrictions
        .into_iter()
        .map(|(purpose_id, restriction_type, vendors)| PublisherRestriction {
            purpose_id,
            restriction_type,
            vendors: vendors.to_set(),
        })
        // A restriction naming no vendor restricts nothing; `@iabtcf/core` keeps none either.
        .filter(|restriction| !restriction.vendors.is_empty())
        .collect())
}

/// Ids 0-65535 as bits, so a range costs its length in words however often it is repeated.
struct IdMap(Vec<u64>);

impl IdMap {
    fn new() -> IdMap {
        IdMap(vec![0; 1024])
    }

    fn insert_range(&mut self, start: u16, end: u16) {
        for id in start..=end {
            if let Some(word) = self.0.get_mut(usize::from(id >> 6)) {
                *word |= 1 << (id & 63);
            }
        }
    }

    fn to_set(&self) -> IdSet {
        let mut ids = IdSet::new();
        for (index, &word) in self.0.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                let bit = rest.trailing_zeros();
                ids.insert((index as u16) << 6 | bit as u16);
                rest &= rest - 1;
            }
        }
        ids
    }
}

/// A segment's bits, read from the first character's highest bit on.
struct Bits {
    /// Each character's six bits.
    sextets: Vec<u8>,
    at: usize,
}

impl Bits {
    fn new(segment: &[u8], position: usize) -> Result<Bits, TcfError> {
        if segment.is_empty() {
            return Err(TcfError::EmptySegment { segment: position });
        }
        let mut sextets = Vec::with_capacity(segment.len());
        for &byte in segment {
            let sextet = match byte {
                b'A'..=b'Z' => byte - b'A',
                b'a'..=b'z' => byte - b'a' + 26,
                b'0'..=b'9' => byte - b'0' + 52,
                b'-' => 62,
                b'_' => 63,
                _ => return Err(TcfError::BadBase64 { segment: position }),
            };
            sextets.push(sextet);
        }
        Ok(Bits { sextets, at: 0 })
    }

    /// The next `count` bits (at most 36) as a number.
    fn read(&mut self, count: usize, field: &'static str) -> Result<u64, TcfError> {
        let mut value = 0u64;
        for _ in 0..count {
            value = value << 1 | u64::from(self.flag(field)?);
        }
        Ok(value)
    }

    fn flag(&mut self, field: &'static str) -> Result<bool, TcfError> {
        let sextet = self.sextets.get(self.at / 6).ok_or(TcfError::Truncated { field })?;
        let bit = sextet >> (5 - self.at % 6) & 1;
        self.at += 1;
        Ok(bit == 1)
    }
}

impl TcString {
    /// The decoded string as JSON, with the field names of `@iabtcf/core`'s `TCModel`: id sets
    /// as sorted arrays, dates as milliseconds since the epoch, `publisherRestrictions` as
    /// `[{"purposeId", "restrictionType", "vendors"}]`. The optional segments' fields are
    /// present only when the string has the segment (absent is not the same as empty).
    pub fn to_json(&self) -> Value {
        let core = &self.core;
        let mut fields = vec![
            ("version", number(core.version)),
            ("created", Value::Number(core.created as f64)),
            ("lastUpdated", Value::Number(core.last_updated as f64)),
            ("cmpId", number(core.cmp_id)),
            ("cmpVersion", number(core.cmp_version)),
            ("consentScreen", number(core.consent_screen)),
            ("consentLanguage", Value::from(core.consent_language.as_str())),
            ("vendorListVersion", number(core.vendor_list_version)),
            ("policyVersion", number(core.policy_version)),
            ("isServiceSpecific", Value::Bool(core.is_service_specific)),
            ("useNonStandardStacks", Value::Bool(core.use_non_standard_texts)),
            ("specialFeatureOptins", ids(&core.special_feature_optins)),
            ("purposeConsents", ids(&core.purpose_consents)),
            ("purposeLegitimateInterests", ids(&core.purpose_legitimate_interests)),
            ("purposeOneTreatment", Value::Bool(core.purpose_one_treatment)),
            ("publisherCountryCode", Value::from(core.publisher_country_code.as_str())),
            ("vendorConsents", ids(&core.vendor_consents)),
            ("vendorLegitimateInterests", ids(&core.vendor_legitimate_interests)),
            (
                "publisherRestrictions",
                Value::Array(
                    core.publisher_restrictions
                        .iter()
                        .map(|restriction| {
                            Value::object([
                                ("purposeId", number(restriction.purpose_id)),
                                ("restrictionType", number(restriction.restriction_type as u8)),
                                ("vendors", ids(&restriction.vendors)),
                            ])
                        })
                        .collect(),
                ),
            ),
        ];
        if let Some(disclosed) = &self.disclosed_vendors {
            fields.push(("vendorsDisclosed", ids(disclosed)));
        }
        if let Some(publisher) = &self.publisher_tc {
            fields.extend([
                ("publisherConsents", ids(&publisher.purpose_consents)),
                ("publisherLegitimateInterests", ids(&publisher.purpose_legitimate_interests)),
                ("numCustomPurposes", number(publisher.num_custom_purposes)),
                ("publisherCustomConsents", ids(&publisher.custom_purpose_consents)),
                (
                    "publisherCustomLegitimateInterests",
                    ids(&publisher.custom_purpose_legitimate_interests),
                ),
            ]);
        }
        Value::object(fields)
    }
}

fn number(n: impl Into<f64>) -> Value {
    Value::Number(n.into())
}

fn ids(set: &IdSet) -> Value {
    Value::Array(set.iter().map(|&id| number(id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a segment bit by bit, as a CMP's encoder does.
    #[derive(Clone, Default)]
    struct Writer(Vec<bool>);

    impl Writer {
        fn int(mut self, value: u64, width: usize) -> Writer {
            self.0.extend((0..width).rev().map(|shift| value >> shift & 1 == 1));
            self
        }

        fn bitfield(mut self, ids: &[u16], width: usize) -> Writer {
            self.0.extend((1..=width).map(|id| ids.contains(&(id as u16))));
            self
        }

        /// A range section's entries: `(start, end)`, a single id when both are equal.
        fn ranges(mut self, entries: &[(u16, u16)]) -> Writer {
            self = self.int(entries.len() as u64, 12);
            for &(start, end) in entries {
                self = self.int(u64::from(start != end), 1).int(start.into(), 16);
                if start != end {
                    self = self.int(end.into(), 16);
                }
            }
            self
        }

        fn encode(&self) -> String {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            self.0
                .chunks(6)
                .map(|chunk| {
                    let sextet =
                        (0..6).fold(0, |n, i| n << 1 | usize::from(chunk.get(i) == Some(&true)));
                    char::from(ALPHABET[sextet])
                })
                .collect()
        }
    }

    /// A core segment up to the vendor sections: every field a distinct value.
    fn core_head() -> Writer {
        Writer::default()
            .int(2, 6)
            .int(16_500_000_000, 36)
            .int(16_600_000_000, 36)
            .int(300, 12)
            .int(7, 12)
            .int(3, 6)
            .int(3, 6) // D
            .int(4, 6) // E
            .int(150, 12)
            .int(4, 6)
            .int(1, 1)
            .int(0, 1)
            .bitfield(&[1, 2], 12)
            .bitfield(&[1, 3, 24], 24)
            .bitfield(&[2, 7], 24)
            .int(1, 1)
            .int(5, 6) // F
            .int(17, 6) // R
    }

    fn no_vendors_no_restrictions(head: Writer) -> Writer {
        head.int(0, 16).int(0, 1).int(0, 16).int(0, 1).int(0, 12)
    }

    #[test]
    fn every_core_field_is_read_in_both_vendor_encodings() {
        let segment = core_head()
            .int(5, 16)
            .int(0, 1)
            .bitfield(&[1, 3, 5], 5)
            .int(9, 16)
            .int(1, 1)
            .ranges(&[(2, 4), (9, 9)])
            .int(2, 12)
            .int(2, 6)
            .int(1, 2)
            .ranges(&[(3, 5)])
            .int(2, 6)
            .int(0, 2)
            .ranges(&[(8, 8), (1, 1)]);
        let decoded = decode(&segment.encode()).expect("a valid core segment");
        let set = |ids: &[u16]| ids.iter().copied().collect::<IdSet>();
        let expected = Core {
            version: 2,
            created: 1_650_000_000_000,
            last_updated: 1_660_000_000_000,
            cmp_id: 300,
            cmp_version: 7,
            consent_screen: 3,
            consent_language: "DE".into(),
            vendor_list_version: 150,
            policy_version: 4,
            is_service_specific: true,
            use_non_standard_texts: false,
            purpose_one_treatment: true,
            publisher_country_code: "FR".into(),
            special_feature_optins: set(&[1, 2]),
            purpose_consents: set(&[1, 3, 24]),
            purpose_legitimate_interests: set(&[2, 7]),
            vendor_consents: set(&[1, 3, 5]),
            vendor_legitimate_interests: set(&[2, 3, 4, 9]),
            publisher_restrictions: vec![
                PublisherRestriction {
                    purpose_id: 2,
                    restriction_type: RestrictionType::NotAllowed,
                    vendors: set(&[1, 8]),
                },
                PublisherRestriction {
                    purpose_id: 2,
                    restriction_type: RestrictionType::RequireConsent,
                    vendors: set(&[3, 4, 5]),
                },
            ],
        };
        assert_eq!(
            decoded,
            TcString { core: expected, disclosed_vendors: None, publisher_tc: None }
        );
    }

    #[test]
    fn optional_segments_are_read_by_their_type() {
        let core = no_vendors_no_restrictions(core_head()).encode();
        let disclosed = Writer::default().int(1, 3).int(6, 16).int(0, 1).bitfield(&[2, 6], 6);
        let publisher = Writer::default()
            .int(3, 3)
            .bitfield(&[1], 24)
            .bitfield(&[2, 24], 24)
            .int(3, 6)
            .bitfield(&[3], 3)
            .bitfield(&[1, 2], 3);
        let text = [core, disclosed.encode(), publisher.encode()].join(".");
        let decoded = decode(&text).expect("valid segments");
        assert_eq!(decoded.disclosed_vendors, Some([2, 6].into()));
        assert_eq!(
            decoded.publisher_tc,
            Some(PublisherTc {
                purpose_consents: [1].into(),
                purpose_legitimate_interests: [2, 24].into(),
                num_custom_purposes: 3,
                custom_purpose_consents: [3].into(),
                custom_purpose_legitimate_interests: [1, 2].into(),
            })
        );
    }

    #[test]
    fn malformed_strings_are_refused_naming_what_is_wrong() {
        let valid = no_vendors_no_restrictions(core_head());
        let mut version_one = valid.clone();
        version_one.0[4] = false; // 000010 -> 000000
        version_one.0[5] = true; // -> 000001
        let vendor_zero = core_head().int(3, 16).int(1, 1).ranges(&[(0, 0)]);
        let backwards = core_head().int(9, 16).int(1, 1).ranges(&[(7, 4)]);
        let above_max = core_head().int(5, 16).int(1, 1).ranges(&[(4, 6)]);
        let unknown = Writer::default().int(5, 3).int(0, 21).encode();
        let cases = [
            (String::new(), TcfError::EmptySegment { segment: 1 }),
            (valid.encode() + ".", TcfError::EmptySegment { segment: 2 }),
            (valid.encode().replace('A', "+"), TcfError::BadBase64 { segment: 1 }),
            (valid.encode()[..20].to_owned(), TcfError::Truncated { field: "vendorListVersion" }),
            (version_one.encode(), TcfError::UnsupportedVersion(1)),
            (valid.encode() + "." + &unknown, TcfError::UnknownSegment(5)),
            (valid.encode() + "." + &valid.encode(), TcfError::RepeatedSegment(0)),
            (vendor_zero.encode(), TcfError::VendorIdZero { field: "vendorConsents" }),
            (
                backwards.encode(),
                TcfError::RangeEndsBeforeStart { field: "vendorConsents", start: 7, end: 4 },
            ),
            (
                above_max.encode(),
                TcfError::VendorIdAboveMax { field: "vendorConsents", id: 6, max: 5 },
            ),
        ];
        for (text, error) in cases {
            assert_eq!(decode(&text), Err(error), "{text}");
        }
    }

    #[test]
    fn errors_describe_themselves_with_the_field() {
        let error = TcfError::RangeEndsBeforeStart { field: "vendorConsents", start: 7, end: 4 };
        assert_eq!(error.describe(), "vendorConsents: the range 7-4 ends before it starts");
        assert_eq!(error.to_string(), error.describe());
    }

    /// tests/tcf/vectors.json, made by tests/tcf/generate.mjs with `@iabtcf/core`.
    fn vectors(list: &str) -> Vec<serde_json::Value> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/tcf/vectors.json");
        let text = std::fs::read_to_string(path).expect("tests/tcf/vectors.json is readable");
        let vectors: serde_json::Value = serde_json::from_str(&text).expect("vectors.json is JSON");
        let list = vectors[list].as_array().cloned().unwrap_or_default();
        assert!(list.len() >= 12, "the vectors are found: {}", list.len());
        list
    }

    fn text(vector: &serde_json::Value, key: &str) -> String {
        vector[key].as_str().unwrap_or_else(|| panic!("{key} in {vector}")).to_owned()
    }

    #[test]
    fn every_field_is_what_iabtcf_core_decodes() {
        for vector in vectors("valid") {
            let name = text(&vector, "name");
            let decoded = decode(&text(&vector, "tcString"))
                .unwrap_or_else(|error| panic!("{name}: {}", error.describe()));
            let ours: serde_json::Value =
                serde_json::from_str(&decoded.to_json().to_json()).unwrap();
            let (ours, reference) =
                (ours.as_object().unwrap(), vector["decoded"].as_object().unwrap());
            for (field, expected) in reference {
                assert_eq!(ours.get(field), Some(expected), "{name}: {field}");
            }
            let extra: Vec<_> =
                ours.keys().filter(|field| !reference.contains_key(*field)).collect();
            assert!(extra.is_empty(), "{name}: fields the reference does not have: {extra:?}");
        }
    }

    #[test]
    fn every_malformed_vector_gives_its_error() {
        for vector in vectors("invalid") {
            let name = text(&vector, "name");
            match decode(&text(&vector, "tcString")) {
                Err(error) => assert_eq!(format!("{error:?}"), text(&vector, "error"), "{name}"),
                Ok(decoded) => panic!("{name}: decoded as {:?}", decoded.to_json().to_json()),
            }
        }
    }

    /// A cut-short valid string reads as far as its bits go: whole, or `Truncated`, or an empty
    /// segment when cut right after a dot; what it does read is the original's.
    #[test]
    fn every_truncation_of_a_valid_string_is_refused_as_truncated_or_reads_the_same() {
        for vector in vectors("valid") {
            let (name, full) = (text(&vector, "name"), text(&vector, "tcString"));
            let original = decode(&full).unwrap_or_else(|error| panic!("{name}: {error}"));
            // The 11,000-character bit field is cut at every 61st character and near the end.
            let step = if full.len() > 1000 { 61 } else { 1 };
            let cuts =
                (0..full.len()).step_by(step).chain(full.len().saturating_sub(8)..full.len());
            for cut in cuts {
                match decode(&full[..cut]) {
                    Ok(decoded) => {
                        assert_eq!(decoded.core, original.core, "{name} cut at {cut}");
                        let disclosed = decoded.disclosed_vendors.is_none()
                            || decoded.disclosed_vendors == original.disclosed_vendors;
                        let publisher = decoded.publisher_tc.is_none()
                            || decoded.publisher_tc == original.publisher_tc;
                        assert!(disclosed && publisher, "{name} cut at {cut}");
                    }
                    Err(TcfError::Truncated { .. } | TcfError::EmptySegment { .. }) => {}
                    Err(other) => panic!("{name} cut at {cut}: {other:?}"),
                }
            }
        }
    }

    /// xorshift64: the same pseudo-random cases on every run.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Whatever comes in, `decode` answers: a string whose ids are all in range, or an error
    /// with a message. Random bytes rarely get past the version, so most cases are valid
    /// strings with characters changed, dots added and bits flipped.
    #[test]
    fn random_input_never_panics_and_ids_stay_in_range() {
        const ALPHABET: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        // Not the maximal sets: 65,535 ids a case would make this test take minutes.
        let seeds: Vec<String> = vectors("valid")
            .iter()
            .filter(|vector| vector["decoded"]["vendorConsents"].as_array().unwrap().len() < 2000)
            .map(|vector| text(vector, "tcString"))
            .collect();
        let mut random = Random(0x5eed_7cf2_2026_1205);
        let (mut decoded, mut refused) = (0, 0);
        for case in 0..30_000 {
            let input: Vec<u8> = if case % 10 == 0 {
                (0..random.below(80)).map(|_| random.next() as u8).collect()
            } else {
                let mut bytes = seeds[random.below(seeds.len())].clone().into_bytes();
                for _ in 0..=random.below(4) {
                    let at = random.below(bytes.len() + 1);
                    let with = ALPHABET[random.below(ALPHABET.len())];
                    match random.below(3) {
                        0 => bytes.insert(at, with),
                        _ if at < bytes.len() => bytes[at] = with,
                        _ => bytes.truncate(at),
                    }
                }
                bytes
            };
            let input = String::from_utf8_lossy(&input);
            match decode(&input) {
                Ok(string) => {
                    decoded += 1;
                    let core = &string.core;
                    assert!(core.purpose_consents.iter().all(|&id| (1..=24).contains(&id)));
                    assert!(core.special_feature_optins.iter().all(|&id| (1..=12).contains(&id)));
                    let vendors = [&core.vendor_consents, &core.vendor_legitimate_interests];
                    assert!(vendors.iter().all(|set| !set.contains(&0)), "{input}");
                    assert!(core.publisher_restrictions.iter().all(|r| !r.vendors.contains(&0)));
                    assert!(core.consent_language.bytes().all(|b| b.is_ascii_uppercase()));
                    assert!(string.to_json().is_object());
                }
                Err(error) => {
                    refused += 1;
                    assert!(!error.describe().is_empty());
                }
            }
        }
        // Both paths were taken many times: the mutations reach deep into the strings.
        assert!(decoded > 3_000 && refused > 3_000, "{decoded} decoded, {refused} refused");
    }
}
