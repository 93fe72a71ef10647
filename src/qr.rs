//! Placeholder (replaced by the real QR module).
pub fn qr_png(text: &str) -> Result<Vec<u8>, String> {
    Ok(text.as_bytes().to_vec())
}
