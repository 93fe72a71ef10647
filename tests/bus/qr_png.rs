//! The PNG of `latchd::store::qr::qr_png` is read back by a real QR decoder,
//! `zbarimg` (Debian package zbar-tools), as exactly the text encoded.
//!
//! `Identifiers.GetQr` over a real bus answers that PNG for a qr
//! identifier, and clear errors for others.
//!
//! Says it is skipped when zbarimg is not installed.

use crate::common;
use common::*;
use std::io::Write;
use std::process::{Command, Stdio};

const INSTALL: &str = "apt-get install zbar-tools";

/// What zbarimg reads from the PNG of `text`; None when it is not installed.
fn zbar_reads(text: &str) -> Option<String> {
    zbar_decode(&latchd::store::qr::qr_png(text).unwrap(), text)
}

/// What zbarimg reads from `png` (which should hold `text`); None when it
/// is not installed.
fn zbar_decode(png: &[u8], text: &str) -> Option<String> {
    let mut file = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    file.write_all(png).unwrap();
    file.flush().unwrap();
    let out = match Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(file.path())
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("zbarimg: {e}"),
    };
    assert!(
        out.status.success(),
        "zbarimg read no code in the PNG of {text}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let read = String::from_utf8(out.stdout).unwrap();
    // --raw ends the data with a newline.
    Some(read.strip_suffix('\n').unwrap_or(&read).to_string())
}

#[test]
fn zbarimg_reads_back_the_uuid() {
    let uuid = "123e4567-e89b-12d3-a456-426614174000";
    let Some(read) = zbar_reads(uuid) else {
        eprintln!("skipped: zbarimg is not installed ({INSTALL})");
        return;
    };
    assert_eq!(read, uuid);
}

#[test]
fn zbarimg_reads_back_other_uuids() {
    for uuid in [
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "F47AC10B-58CC-4372-A567-0E02B2C3D479",
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
    ] {
        let Some(read) = zbar_reads(uuid) else {
            eprintln!("skipped: zbarimg is not installed ({INSTALL})");
            return;
        };
        assert_eq!(read, uuid);
    }
}

#[tokio::test]
async fn get_qr_answers_the_png_of_the_number() {
    let s = Setup::start("").await;
    let ids = s.identifiers().await;
    let number = "F47AC10B-58CC-4372-A567-0E02B2C3D479";
    let body = serde_json::json!({
        "identifier_owner": {"name": "Courier", "type": "guest"},
        "identifier_type": "qr",
        "identifier_number": number,
        "lock": "first",
    });
    let qr = ids.create(&body.to_string()).await.unwrap();
    let card_uid = ids.create(&card("42", "Alice")).await.unwrap();
    let png = ids.get_qr(qr).await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let bad = |m: &str| (BAD_REQUEST.to_string(), m.to_string());
    assert_eq!(
        error_of(ids.get_qr(card_uid).await),
        bad("A QR image is only made for identifiers of type qr")
    );
    for uid in [0, 99] {
        assert_eq!(error_of(ids.get_qr(uid).await), bad("Wrong Identifier uid"));
    }
    // The number as it was sent.
    let Some(read) = zbar_decode(&png, number) else {
        eprintln!("skipped: zbarimg is not installed ({INSTALL})");
        return;
    };
    assert_eq!(read, number);
}
