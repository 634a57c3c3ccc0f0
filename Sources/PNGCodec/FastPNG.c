#include "PNGCodec.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

// A PNG encoder for noisy 8-bit RGB images, several times faster than libpng + zlib.
//
// Synthetic samples carry Gaussian pixel noise, so LZ77 finds almost nothing to match and
// zlib spends its time searching in vain. This encoder applies the Up filter, then codes the
// residual bytes with one dynamic Huffman block (literals only): the same output size as
// zlib's Huffman-only strategy, without its per-block machinery. The result is a standard
// PNG that any decoder reads.

typedef struct {
    uint8_t *out;
    size_t pos;
    uint64_t bits;
    int count;
} bit_writer;

static inline void put_bits(bit_writer *w, uint32_t value, int n) {
    w->bits |= (uint64_t)value << w->count;
    w->count += n;
    if (w->count >= 32) {
        uint32_t low = (uint32_t)w->bits;
        memcpy(w->out + w->pos, &low, 4); // little-endian, as deflate packs bits
        w->pos += 4;
        w->bits >>= 32;
        w->count -= 32;
    }
}

static void flush_bits(bit_writer *w) {
    while (w->count > 0) {
        w->out[w->pos++] = (uint8_t)w->bits;
        w->bits >>= 8;
        w->count -= 8;
    }
    w->count = 0;
    w->bits = 0;
}

typedef struct { uint32_t weight; int symbol; } leaf;

static int by_weight(const void *a, const void *b) {
    const leaf *x = (const leaf *)a, *y = (const leaf *)b;
    if (x->weight != y->weight) return x->weight < y->weight ? -1 : 1;
    return x->symbol - y->symbol; // ties by symbol: the same histogram always gives the same code
}

// Huffman code lengths for `n` ≤ 288 symbols with frequencies `freq`, none longer than
// `limit`; zero-frequency symbols get length 0. Leaves are sorted once, then merged with the
// two-queue method (internal nodes are created in non-decreasing weight order). If the code
// is too deep, frequencies are flattened (halved, kept ≥ 1) until it fits: a few bits worse
// at most, and rare.
static void code_lengths(const uint32_t *freq, int n, int limit, uint8_t *lengths) {
    for (int shift = 0;; shift++) {
        leaf leaves[288];
        int count = 0;
        for (int i = 0; i < n; i++) {
            lengths[i] = 0;
            if (freq[i]) leaves[count++] = (leaf){ shift ? ((freq[i] >> shift) | 1) : freq[i], i };
        }
        if (count == 0) return;
        if (count == 1) { lengths[leaves[0].symbol] = 1; return; }
        qsort(leaves, (size_t)count, sizeof(leaf), by_weight);

        // Nodes 0..count-1 are the sorted leaves, count.. the internal nodes.
        uint64_t weight[576];
        int parent[576];
        for (int i = 0; i < count; i++) weight[i] = leaves[i].weight;
        int next_leaf = 0, next_internal = count, created = count;
        for (int merge = 0; merge < count - 1; merge++) {
            int pick[2];
            for (int k = 0; k < 2; k++) {
                if (next_leaf < count && (next_internal >= created || weight[next_leaf] <= weight[next_internal])) {
                    pick[k] = next_leaf++;
                } else {
                    pick[k] = next_internal++;
                }
            }
            weight[created] = weight[pick[0]] + weight[pick[1]];
            parent[pick[0]] = parent[pick[1]] = created;
            created++;
        }
        // Depths from the root (the last node) down: parents always come after children.
        int depth[576];
        depth[created - 1] = 0;
        int deepest = 0;
        for (int i = created - 2; i >= 0; i--) {
            depth[i] = depth[parent[i]] + 1;
            if (i < count) {
                lengths[leaves[i].symbol] = (uint8_t)depth[i];
                if (depth[i] > deepest) deepest = depth[i];
            }
        }
        if (deepest <= limit) return;
    }
}

// Canonical deflate codes for `lengths`, bit-reversed for LSB-first packing.
static void canonical_codes(const uint8_t *lengths, int n, uint16_t *codes) {
    int count[16] = {0};
    int next[16] = {0};
    for (int i = 0; i < n; i++) count[lengths[i]]++;
    count[0] = 0;
    int code = 0;
    for (int bits = 1; bits < 16; bits++) {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    for (int i = 0; i < n; i++) {
        int len = lengths[i];
        if (!len) { codes[i] = 0; continue; }
        int c = next[len]++;
        int reversed = 0;
        for (int b = 0; b < len; b++) { reversed = (reversed << 1) | (c & 1); c >>= 1; }
        codes[i] = (uint16_t)reversed;
    }
}

static void put_u32be(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

// Appends a chunk whose data is already at out[pos+8 ...]: writes length, type and CRC.
static size_t finish_chunk(uint8_t *out, size_t pos, const char *type, size_t length) {
    put_u32be(out + pos, (uint32_t)length);
    memcpy(out + pos + 4, type, 4);
    uint32_t crc = (uint32_t)crc32(0L, out + pos + 4, (uInt)(length + 4));
    put_u32be(out + pos + 8 + length, crc);
    return pos + 12 + length;
}

int asl_png_encode_rgb_fast(const uint8_t *pixels, uint32_t width, uint32_t height,
                            asl_png_buffer *out, char *error, size_t error_size) {
    const size_t stride = (size_t)width * 3;
    const size_t raw_size = (stride + 1) * height;
    uint8_t *filtered = (uint8_t *)malloc(raw_size);
    // Worst case: every symbol 15 bits, plus headers.
    size_t capacity = raw_size * 2 + 1024;
    uint8_t *png = (uint8_t *)malloc(capacity);
    if (!filtered || !png) {
        free(filtered); free(png);
        snprintf(error, error_size, "out of memory");
        return 1;
    }

    // Up filter (type 2) on every row; the first row's "up" is zero, i.e. unfiltered values.
    // Four histograms break the store-to-load chains of runs of equal bytes.
    uint32_t hist[4][256];
    memset(hist, 0, sizeof hist);
    for (uint32_t y = 0; y < height; y++) {
        uint8_t *dst = filtered + y * (stride + 1);
        const uint8_t *row = pixels + y * stride;
        dst[0] = 2;
        hist[0][2]++;
        if (y == 0) {
            for (size_t i = 0; i < stride; i++) dst[i + 1] = row[i];
        } else {
            const uint8_t *up = row - stride;
            for (size_t i = 0; i < stride; i++) dst[i + 1] = (uint8_t)(row[i] - up[i]);
        }
        const uint8_t *f = dst + 1;
        size_t i = 0;
        for (; i + 4 <= stride; i += 4) {
            hist[0][f[i]]++; hist[1][f[i + 1]]++; hist[2][f[i + 2]]++; hist[3][f[i + 3]]++;
        }
        for (; i < stride; i++) hist[0][f[i]]++;
    }
    uint32_t freq[286] = {0};
    for (int v = 0; v < 256; v++) freq[v] = hist[0][v] + hist[1][v] + hist[2][v] + hist[3][v];
    freq[256] = 1; // end of block

    uint8_t lit_len[286];
    uint16_t lit_code[286];
    code_lengths(freq, 257, 15, lit_len);
    canonical_codes(lit_len, 257, lit_code);

    // Code lengths of the 257 literal/length codes and 1 distance code (length 0: none
    // used), coded with the code-length alphabet; only symbols 0–15, no run-length codes.
    uint8_t all_len[258];
    memcpy(all_len, lit_len, 257);
    all_len[257] = 0;
    uint32_t cl_freq[19] = {0};
    for (int i = 0; i < 258; i++) cl_freq[all_len[i]]++;
    uint8_t cl_len[19];
    uint16_t cl_code[19];
    code_lengths(cl_freq, 19, 7, cl_len);
    canonical_codes(cl_len, 19, cl_code);
    static const int order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    int hclen = 19;
    while (hclen > 4 && cl_len[order[hclen - 1]] == 0) hclen--;

    size_t pos = 0;
    static const uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    memcpy(png, signature, 8);
    pos = 8;
    uint8_t *ihdr = png + pos + 8;
    put_u32be(ihdr, width);
    put_u32be(ihdr + 4, height);
    ihdr[8] = 8;  // bit depth
    ihdr[9] = 2;  // colour type RGB
    ihdr[10] = 0; // deflate
    ihdr[11] = 0; // adaptive filtering (per-row filter bytes)
    ihdr[12] = 0; // no interlace
    pos = finish_chunk(png, pos, "IHDR", 13);

    size_t idat = pos;
    bit_writer w = { png + idat + 8, 0, 0, 0 };
    w.out[w.pos++] = 0x78; // zlib header: deflate, 32K window
    w.out[w.pos++] = 0x01; // fastest-compression flag; (0x7801 % 31 == 0)
    put_bits(&w, 1, 1);    // BFINAL
    put_bits(&w, 2, 2);    // BTYPE = dynamic Huffman
    put_bits(&w, 257 - 257, 5);
    put_bits(&w, 1 - 1, 5);
    put_bits(&w, (uint32_t)(hclen - 4), 4);
    for (int i = 0; i < hclen; i++) put_bits(&w, cl_len[order[i]], 3);
    for (int i = 0; i < 258; i++) put_bits(&w, cl_code[all_len[i]], cl_len[all_len[i]]);
    // The hot loop: code and length packed in one table entry, two symbols (≤ 30 bits) per
    // flush check; before the pair fewer than 32 bits are pending, so 64 bits always suffice.
    uint32_t entry[256];
    for (int v = 0; v < 256; v++) entry[v] = (uint32_t)lit_code[v] | ((uint32_t)lit_len[v] << 16);
    {
        uint64_t bits = w.bits;
        int count = w.count;
        uint8_t *dst = w.out + w.pos;
        size_t i = 0;
        for (; i + 2 <= raw_size; i += 2) {
            uint32_t e0 = entry[filtered[i]], e1 = entry[filtered[i + 1]];
            bits |= (uint64_t)(e0 & 0xFFFF) << count;
            count += (int)(e0 >> 16);
            bits |= (uint64_t)(e1 & 0xFFFF) << count;
            count += (int)(e1 >> 16);
            if (count >= 32) {
                uint32_t low = (uint32_t)bits;
                memcpy(dst, &low, 4);
                dst += 4;
                bits >>= 32;
                count -= 32;
            }
        }
        w.bits = bits;
        w.count = count;
        w.pos = (size_t)(dst - w.out);
        for (; i < raw_size; i++) put_bits(&w, lit_code[filtered[i]], lit_len[filtered[i]]);
    }
    put_bits(&w, lit_code[256], lit_len[256]);
    flush_bits(&w);
    uint32_t adler = (uint32_t)adler32(1L, filtered, (uInt)raw_size);
    put_u32be(w.out + w.pos, adler);
    w.pos += 4;
    pos = finish_chunk(png, idat, "IDAT", w.pos);
    pos = finish_chunk(png, pos, "IEND", 0);
    free(filtered);

    out->data = png;
    out->size = pos;
    out->capacity = capacity;
    return 0;
}
