#ifndef ASL_PNG_CODEC_H
#define ASL_PNG_CODEC_H

#include <stddef.h>
#include <stdint.h>

/// A growable byte buffer owned by the caller; free `data` with `asl_png_buffer_free`.
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} asl_png_buffer;

/// Encodes 8-bit RGB pixels (row-major, `width*3` bytes a row) as a PNG into `out`.
/// `level` is the zlib level 0–9; `filter` 0 = none, 1 = sub, 2 = up, 3 = all adaptive filters;
/// `strategy` is zlib's (0 default, 1 filtered, 2 Huffman only, 3 RLE).
/// Returns 0 on success; on failure, a non-zero code and a message in `error` (NUL-terminated).
int asl_png_encode_rgb(const uint8_t *pixels, uint32_t width, uint32_t height,
                       int level, int filter, int strategy, asl_png_buffer *out,
                       char *error, size_t error_size);

/// Encodes 8-bit RGB pixels as a PNG, fast: Up filter and one dynamic Huffman block of
/// literals (no LZ77), for noisy images where match search gains nothing. On success
/// `out` receives a new buffer (free it with `asl_png_buffer_free`) and 0 is returned.
int asl_png_encode_rgb_fast(const uint8_t *pixels, uint32_t width, uint32_t height,
                            asl_png_buffer *out, char *error, size_t error_size);

/// Reads only the PNG header of `bytes`; returns 0 and sets width and height on success.
int asl_png_read_size(const uint8_t *bytes, size_t size, uint32_t *width, uint32_t *height,
                      char *error, size_t error_size);

/// Decodes any PNG (grey, palette, alpha, 16-bit) into 8-bit RGB in `pixels`, which must hold
/// `width*height*3` bytes for the size `asl_png_read_size` reported. Alpha is composited
/// over white so transparent pixels read as background. Returns 0 on success.
int asl_png_decode_rgb(const uint8_t *bytes, size_t size, uint8_t *pixels,
                       uint32_t width, uint32_t height, char *error, size_t error_size);

void asl_png_buffer_free(asl_png_buffer *buffer);

#endif
