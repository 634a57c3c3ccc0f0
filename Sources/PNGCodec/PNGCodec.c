#include "PNGCodec.h"
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

// libpng signals errors by longjmp out of its callbacks. Everything that can jump stays in
// this file, so Swift only ever sees a return code and a message.

typedef struct {
    char *message;
    size_t size;
} error_sink;

static void on_error(png_structp png, png_const_charp msg) {
    error_sink *sink = (error_sink *)png_get_error_ptr(png);
    if (sink && sink->message && sink->size > 0) {
        snprintf(sink->message, sink->size, "%s", msg);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    (void)png; (void)msg; // warnings (e.g. unknown chunks) are not errors for our purposes
}

static void write_to_buffer(png_structp png, png_bytep data, png_size_t length) {
    asl_png_buffer *out = (asl_png_buffer *)png_get_io_ptr(png);
    if (out->size + length > out->capacity) {
        size_t capacity = out->capacity ? out->capacity : 4096;
        while (capacity < out->size + length) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(out->data, capacity);
        if (!grown) png_error(png, "out of memory while encoding PNG");
        out->data = grown;
        out->capacity = capacity;
    }
    memcpy(out->data + out->size, data, length);
    out->size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

int asl_png_encode_rgb(const uint8_t *pixels, uint32_t width, uint32_t height,
                       int level, int filter, int strategy, asl_png_buffer *out,
                       char *error, size_t error_size) {
    error_sink sink = { error, error_size };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    if (!png) { snprintf(error, error_size, "cannot create PNG writer"); return 1; }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(error, error_size, "cannot create PNG info");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return 2;
    }
    png_set_write_fn(png, out, write_to_buffer, flush_nothing);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, level);
    png_set_compression_strategy(png, strategy);
    static const int filters[] = { PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP, PNG_ALL_FILTERS };
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters[filter < 0 || filter > 3 ? 3 : filter]);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * 3));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

typedef struct {
    const uint8_t *bytes;
    size_t size;
    size_t offset;
} read_source;

static void read_from_memory(png_structp png, png_bytep data, png_size_t length) {
    read_source *src = (read_source *)png_get_io_ptr(png);
    if (length > src->size - src->offset) png_error(png, "file is truncated");
    memcpy(data, src->bytes + src->offset, length);
    src->offset += length;
}

static int open_reader(const uint8_t *bytes, size_t size, png_structp *png, png_infop *info,
                       error_sink *sink, read_source *src) {
    if (size < 8 || png_sig_cmp((png_const_bytep)bytes, 0, 8) != 0) {
        snprintf(sink->message, sink->size, "not a PNG file (bad signature)");
        return 1;
    }
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, sink, on_error, on_warning);
    if (!*png) { snprintf(sink->message, sink->size, "cannot create PNG reader"); return 1; }
    *info = png_create_info_struct(*png);
    if (!*info) {
        png_destroy_read_struct(png, NULL, NULL);
        snprintf(sink->message, sink->size, "cannot create PNG info");
        return 1;
    }
    src->bytes = bytes; src->size = size; src->offset = 0;
    png_set_read_fn(*png, src, read_from_memory);
    // Refuse absurd sizes before allocating for them (a hostile header is not a crash).
    png_set_user_limits(*png, 16384, 16384);
    return 0;
}

int asl_png_read_size(const uint8_t *bytes, size_t size, uint32_t *width, uint32_t *height,
                      char *error, size_t error_size) {
    error_sink sink = { error, error_size };
    read_source src;
    png_structp png = NULL; png_infop info = NULL;
    if (open_reader(bytes, size, &png, &info, &sink, &src)) return 1;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return 2;
    }
    png_read_info(png, info);
    *width = png_get_image_width(png, info);
    *height = png_get_image_height(png, info);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

int asl_png_decode_rgb(const uint8_t *bytes, size_t size, uint8_t *pixels,
                       uint32_t width, uint32_t height, char *error, size_t error_size) {
    error_sink sink = { error, error_size };
    read_source src;
    png_structp png = NULL; png_infop info = NULL;
    uint8_t *volatile scratch = NULL; // freed on every path, including a longjmp
    if (open_reader(bytes, size, &png, &info, &sink, &src)) return 1;
    if (setjmp(png_jmpbuf(png))) {
        free(scratch);
        png_destroy_read_struct(&png, &info, NULL);
        return 2;
    }
    png_read_info(png, info);
    if (png_get_image_width(png, info) != width || png_get_image_height(png, info) != height) {
        png_error(png, "image size changed between reads");
    }
    png_byte color = png_get_color_type(png, info);
    if (png_get_bit_depth(png, info) == 16) png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    if (channels == 3) {
        png_bytep *rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
        if (!rows) png_error(png, "out of memory");
        for (uint32_t y = 0; y < height; y++) rows[y] = pixels + (size_t)y * width * 3;
        scratch = (uint8_t *)rows;
        png_read_image(png, rows);
    } else {
        // RGBA: read whole image then composite over white.
        uint8_t *rgba = (uint8_t *)malloc((size_t)width * height * 4 + sizeof(png_bytep) * height);
        if (!rgba) png_error(png, "out of memory");
        scratch = rgba;
        png_bytep *rows = (png_bytep *)(rgba + (size_t)width * height * 4);
        for (uint32_t y = 0; y < height; y++) rows[y] = rgba + (size_t)y * width * 4;
        png_read_image(png, rows);
        for (size_t i = 0; i < (size_t)width * height; i++) {
            unsigned a = rgba[i * 4 + 3];
            for (int c = 0; c < 3; c++) {
                pixels[i * 3 + c] = (uint8_t)((rgba[i * 4 + c] * a + 255 * (255 - a) + 127) / 255);
            }
        }
    }
    png_read_end(png, NULL);
    free(scratch);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

void asl_png_buffer_free(asl_png_buffer *buffer) {
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = buffer->capacity = 0;
}
