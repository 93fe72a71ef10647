//! How large anything a caller sends may be, and so how large anything
//! latchd stores, logs, signals or replies can become. A D-Bus message is at
//! most 32 MiB on the system bus, and a reply or signal larger than that
//! takes latchd's connection down, so every size is bounded by design: the
//! inputs here, and from them every item, page, event and log line.

/// A Create or Update body, in bytes. The largest valid body holds a face_id
/// vector of 4096 values: 21,848 characters of Base64.
pub const MAX_BODY: usize = 64 * 1024;

/// An Import or DeleteMany body, in bytes.
pub const MAX_BULK_BODY: usize = 16 * 1024 * 1024;

/// Items of one Import or DeleteMany.
pub const MAX_BULK_ITEMS: usize = 100_000;

/// An owner name, in characters.
pub const MAX_OWNER_NAME: usize = 128;

/// A List or ListEvents query, in bytes.
pub const MAX_QUERY: usize = 64 * 1024;

/// A List `filter_value`, in bytes (enough for a face_id number; it is
/// echoed in the reply).
pub const MAX_FILTER_VALUE: usize = 32 * 1024;

/// A page of List, in bytes: far below the bus's 32 MiB. Only pages of
/// many large face_id identifiers come near it; they are refused with
/// [`super::identifier::BodyError::ReplyTooLarge`], so the caller asks for
/// a smaller `limit` and nothing is skipped.
pub const MAX_PAGE: usize = 16 * 1024 * 1024;

/// An access event, in bytes, as recorded and signalled. Events are built
/// from bounded parts (a masked number of at most 512 characters, a source,
/// a reason); a longer line in `events.toml` (written by an older latchd, or
/// by hand) is skipped when the log is read, so it is never replied.
pub const MAX_EVENT: usize = 4096;

/// Values of a face_id vector, at most (`[panel] face_dimensions`).
pub const MAX_FACE_DIMENSIONS: usize = 4096;

/// Characters of Base64 for the largest face_id vector.
pub const MAX_FACE_BASE64: usize = (MAX_FACE_DIMENSIONS * 4).div_ceil(3) * 4;

/// Time profiles, at most: each is evaluated on the door path for the
/// identifiers that have it, so they are few by design.
pub const MAX_TIME_PROFILES: usize = 1000;

/// Time profiles one identifier may have attached, at most (a door
/// decision looks at each of them).
pub const MAX_ATTACHED_PROFILES: usize = 32;

/// Apartments, at most.
pub const MAX_APARTMENTS: usize = 100_000;

/// Whether `number` can be a credential of `kind` at all. What cannot is
/// refused before it is decided, logged or recorded.
pub fn credential_ok(kind: super::identifier::IdentifierType, number: &str) -> bool {
    use super::identifier::IdentifierType;
    match kind {
        IdentifierType::FaceId => !number.is_empty() && number.len() <= MAX_FACE_BASE64,
        other => other.accepts(number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifier::IdentifierType;

    #[test]
    fn face_bound_holds_the_largest_vector() {
        use base64::Engine;
        let largest = base64::engine::general_purpose::STANDARD.encode(vec![0u8; 4096 * 4]);
        assert!(largest.len() <= MAX_FACE_BASE64, "{}", largest.len());
        assert!(credential_ok(IdentifierType::FaceId, &largest));
        assert!(!credential_ok(
            IdentifierType::FaceId,
            &"A".repeat(MAX_FACE_BASE64 + 1)
        ));
        assert!(credential_ok(IdentifierType::Card, "12:34:56:78"));
        assert!(!credential_ok(IdentifierType::Qr, &"x".repeat(1 << 20)));
        assert!(!credential_ok(IdentifierType::InputCode, "12345678901"));
    }
}
