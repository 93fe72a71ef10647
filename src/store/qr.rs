//! The PNG image of a QR code, for a qr identifier's number (a UUID).
//!
//! Pure, but encoding: it lives beside its one user, the store's GetQr
//! answer, rather than in `domain`.

use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the QR standard requires.
pub const QUIET_ZONE: usize = 4;

/// Pixels per module, across and down.
pub const MODULE_PIXELS: usize = 8;

/// An 8-bit grayscale PNG of a QR code (error correction level M) of
/// `text`: dark modules 0, light 255, a quiet zone of [`QUIET_ZONE`]
/// modules and [`MODULE_PIXELS`] pixels per module. The image is square,
/// `(modules + 2 * QUIET_ZONE) * MODULE_PIXELS` pixels across.
///
/// An error (the text too long for any QR version; never for a UUID) is
/// returned as its message.
pub fn qr_png(text: &str) -> Result<Vec<u8>, String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| format!("QR code of {} bytes: {e}", text.len()))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * MODULE_PIXELS;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
        for row in y * MODULE_PIXELS..(y + 1) * MODULE_PIXELS {
            let start = row * side + x * MODULE_PIXELS;
            pixels[start..start + MODULE_PIXELS].fill(0);
        }
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn a_uuid_is_a_grayscale_png_of_the_expected_size() {
        let uuid = "123e4567-e89b-12d3-a456-426614174000";
        let bytes = qr_png(uuid).unwrap();
        assert_eq!(bytes[..8], SIGNATURE);
        // 36 bytes at level M: version 3, 29 modules.
        let modules = QrCode::with_error_correction_level(uuid, EcLevel::M)
            .unwrap()
            .width();
        assert_eq!(modules, 29);
        let side = (29 + 2 * QUIET_ZONE) * MODULE_PIXELS;
        let (info, pixels) = decode(&bytes);
        assert_eq!((info.width, info.height), (side as u32, side as u32));
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        assert!(pixels.iter().all(|&p| p == 0 || p == 255));
        // The quiet zone is light; the top-left finder pattern's corner dark.
        let q = QUIET_ZONE * MODULE_PIXELS;
        assert!(pixels[..q * side].iter().all(|&p| p == 255));
        assert_eq!(pixels[q * side + q], 0);
        assert_eq!(pixels[q * side + q - 1], 255);
    }

    #[test]
    fn text_too_long_is_an_error() {
        assert!(qr_png(&"x".repeat(10_000)).is_err());
    }
}
