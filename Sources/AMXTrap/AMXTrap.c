#if defined(__x86_64__) && defined(__linux__)
#define _GNU_SOURCE
#endif
#include "AMXTrap.h"

#if defined(__x86_64__) && defined(__linux__)
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

// Palette 1 (the only one the SDM defines): 8 tiles of at most 16 rows × 64 bytes.
enum { TILES = 8, ROWS = 16, ROW_BYTES = 64 };

typedef struct {
    uint8_t palette;
    uint8_t rows[TILES];
    uint16_t colsb[TILES];
    uint8_t data[TILES][ROWS][ROW_BYTES];
} tile_file;

// Each thread has its own tile registers, as on the hardware.
static _Thread_local tile_file tiles;
static atomic_ulong emulated, faults;
static struct sigaction previous;
static int installed;

unsigned long asl_amx_trap_emulated(void) { return atomic_load(&emulated); }
unsigned long asl_amx_trap_faults(void) { return atomic_load(&faults); }

/// The ucontext slot of general register `number` in the instruction encoding (rax = 0 … r15 = 15).
static greg_t register_value(const greg_t *g, int number) {
    static const int slot[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                 REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    return g[slot[number & 15]];
}

static int32_t read32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

// ---- The instructions, as the SDM states them ---------------------------------------------------

static int load_config(const uint8_t *config) {
    const uint8_t palette = config[0];
    if (palette == 0) {
        memset(&tiles, 0, sizeof tiles);
        return 1;
    }
    if (palette != 1 || config[1] != 0) return 0; // start_row is only for restarts after a fault
    for (int i = 2; i < 16; i++)
        if (config[i]) return 0;
    tile_file next;
    memset(&next, 0, sizeof next);
    next.palette = 1;
    for (int t = 0; t < 16; t++) {
        const uint16_t colsb = (uint16_t)(config[16 + 2 * t] | config[17 + 2 * t] << 8);
        const uint8_t rows = config[48 + t];
        if (t >= TILES) {
            if (colsb || rows) return 0;
            continue;
        }
        if (colsb > ROW_BYTES || rows > ROWS || (colsb == 0) != (rows == 0)) return 0;
        next.colsb[t] = colsb;
        next.rows[t] = rows;
    }
    tiles = next;
    return 1;
}

static void store_config(uint8_t *config) {
    memset(config, 0, 64);
    config[0] = tiles.palette;
    for (int t = 0; t < TILES; t++) {
        config[16 + 2 * t] = (uint8_t)(tiles.colsb[t] & 0xFF);
        config[17 + 2 * t] = (uint8_t)(tiles.colsb[t] >> 8);
        config[48 + t] = tiles.rows[t];
    }
}

static int usable(int t) { return tiles.palette == 1 && t < TILES && tiles.rows[t] > 0; }

static int tile_zero(int t) {
    if (!usable(t)) return 0;
    memset(tiles.data[t], 0, sizeof tiles.data[t]);
    return 1;
}

/// TILELOADD: row r from start + r·stride, colsb bytes; the rest of the register zeroed.
static int tile_load(int t, uintptr_t start, intptr_t stride) {
    if (!usable(t)) return 0;
    memset(tiles.data[t], 0, sizeof tiles.data[t]);
    for (int r = 0; r < tiles.rows[t]; r++) memcpy(tiles.data[t][r], (const void *)(start + (uintptr_t)(r * stride)), tiles.colsb[t]);
    return 1;
}

static int tile_store(int t, uintptr_t start, intptr_t stride) {
    if (!usable(t)) return 0;
    for (int r = 0; r < tiles.rows[t]; r++) memcpy((void *)(start + (uintptr_t)(r * stride)), tiles.data[t][r], tiles.colsb[t]);
    return 1;
}

/// make_fp32 of the SDM, with denormal inputs read as zero.
static float bf16_value(uint16_t bits) {
    if ((bits & 0x7F80) == 0) bits &= 0x8000;
    const uint32_t wide = (uint32_t)bits << 16;
    float f;
    memcpy(&f, &wide, 4);
    return f;
}

/// Denormal results flushed to zero (the instruction ignores MXCSR: FTZ, DAZ, round to nearest even).
static float flushed(float x) { return fpclassify(x) == FP_SUBNORMAL ? copysignf(0, x) : x; }

/// TDPBF16PS dst, a, b: for each row m of dst, pair k of a's row and column n of dst,
///   dst[m][n] += a[m].bf16[2k] · b[k].bf16[2n], then += a[m].bf16[2k+1] · b[k].bf16[2n+1],
/// each addition rounded (the products of two bf16 values are exact in float32).
static int dot_bf16(int dst, int a, int b) {
    if (!usable(dst) || !usable(a) || !usable(b) || dst == a || dst == b || a == b) return 0;
    const int m_rows = tiles.rows[dst], pairs = tiles.colsb[a] / 4, columns = tiles.colsb[dst] / 4;
    if (tiles.colsb[dst] % 4 || tiles.colsb[a] % 4 || tiles.colsb[b] % 4) return 0;
    if (tiles.rows[a] != m_rows || tiles.rows[b] != pairs || tiles.colsb[b] != tiles.colsb[dst]) return 0;
    for (int m = 0; m < m_rows; m++) {
        float row[ROW_BYTES / 4];
        memcpy(row, tiles.data[dst][m], sizeof row);
        for (int k = 0; k < pairs; k++) {
            uint16_t av[2], bv[ROW_BYTES / 2];
            memcpy(av, tiles.data[a][m] + 4 * k, sizeof av);
            memcpy(bv, tiles.data[b][k], sizeof bv);
            for (int n = 0; n < columns; n++) {
                row[n] = flushed(fmaf(bf16_value(av[0]), bf16_value(bv[2 * n]), row[n]));
                row[n] = flushed(fmaf(bf16_value(av[1]), bf16_value(bv[2 * n + 1]), row[n]));
            }
        }
        memset(tiles.data[dst][m], 0, ROW_BYTES);
        memcpy(tiles.data[dst][m], row, (size_t)columns * 4);
    }
    for (int m = m_rows; m < ROWS; m++) memset(tiles.data[dst][m], 0, ROW_BYTES);
    return 1;
}

// ---- Decoding ---------------------------------------------------------------------------------

/// What one instruction at `p` is, as far as these eight need: a 3-byte VEX prefix (map 0F38,
/// W0, L0), the opcode, ModRM and, for memory forms, SIB and displacement.
typedef struct {
    int pp, opcode, mod, reg, rm, vvvv;
    uintptr_t address;  // the memory operand: base + index·scale + disp (LDTILECFG, STTILECFG)
    uintptr_t start;    // sibmem: base + disp
    intptr_t stride;    // sibmem: index · scale (0 without an index)
    int has_sib;
    size_t length;
} instruction;

static int decode(const uint8_t *p, const greg_t *g, instruction *in) {
    if (p[0] != 0xC4 || (p[1] & 0x1F) != 2) return 0;
    const int r = !(p[1] & 0x80), x = !(p[1] & 0x40), b = !(p[1] & 0x20);
    if (p[2] & 0x80 || p[2] & 0x04) return 0; // W1 or L1: not an AMX instruction
    in->pp = p[2] & 3;
    in->vvvv = (~p[2] >> 3) & 15;
    in->opcode = p[3];
    const uint8_t modrm = p[4];
    in->mod = modrm >> 6;
    in->reg = ((modrm >> 3) & 7) | r << 3;
    in->rm = (modrm & 7) | b << 3;
    in->has_sib = 0;
    in->address = in->start = 0;
    in->stride = 0;
    size_t length = 5;
    if (in->mod != 3) {
        int base = in->rm, index = -1, scale = 0, has_base = 1, rip_relative = 0;
        int32_t disp = 0;
        if ((modrm & 7) == 4) {
            const uint8_t sib = p[length++];
            in->has_sib = 1;
            scale = sib >> 6;
            index = ((sib >> 3) & 7) | x << 3;
            if (index == 4) index = -1; // rsp cannot be an index: none
            base = (sib & 7) | b << 3;
            if ((sib & 7) == 5 && in->mod == 0) {
                has_base = 0;
                disp = read32(p + length);
                length += 4;
            }
        } else if ((modrm & 7) == 5 && in->mod == 0) {
            has_base = 0;
            rip_relative = 1;
            disp = read32(p + length);
            length += 4;
        }
        if (in->mod == 1) disp = (int8_t)p[length++];
        else if (in->mod == 2) {
            disp = read32(p + length);
            length += 4;
        }
        const uintptr_t base_value = rip_relative ? (uintptr_t)p + length : has_base ? (uintptr_t)register_value(g, base) : 0;
        const intptr_t scaled = index < 0 ? 0 : (intptr_t)register_value(g, index) << scale;
        in->start = base_value + (uintptr_t)(intptr_t)disp;
        in->stride = scaled;
        in->address = in->start + (uintptr_t)scaled;
    }
    in->length = length;
    return 1;
}

/// 1: carried out; 0: refused as the hardware would (#UD, #GP); -1: not one of ours.
static int execute(const instruction *in) {
    const int pp = in->pp, mod = in->mod;
    if (in->opcode == 0x49) {
        if (pp == 0 && mod == 3 && in->reg == 0 && in->rm == 0 && in->vvvv == 0) { // TILERELEASE
            memset(&tiles, 0, sizeof tiles);
            return 1;
        }
        if (pp == 0 && mod != 3 && in->reg == 0 && in->vvvv == 0) return load_config((const uint8_t *)in->address); // LDTILECFG
        if (pp == 1 && mod != 3 && in->reg == 0 && in->vvvv == 0) {                                                 // STTILECFG
            store_config((uint8_t *)in->address);
            return 1;
        }
        if (pp == 3 && mod == 3 && (in->rm & 7) == 0 && in->vvvv == 0) return tile_zero(in->reg); // TILEZERO
        return -1;
    }
    if (in->opcode == 0x4B && mod != 3 && in->has_sib && in->vvvv == 0) {
        if (pp == 3 || pp == 1) return tile_load(in->reg, in->start, in->stride); // TILELOADD, TILELOADDT1
        if (pp == 2) return tile_store(in->reg, in->start, in->stride);           // TILESTORED
        return -1;
    }
    if (in->opcode == 0x5C && pp == 2 && mod == 3) return dot_bf16(in->reg, in->rm, in->vvvv); // TDPBF16PS
    return -1;
}

static void on_illegal_instruction(int signal, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    greg_t *g = uc->uc_mcontext.gregs;
    instruction in;
    const int done = decode((const uint8_t *)g[REG_RIP], g, &in) ? execute(&in) : -1;
    if (done < 0) {
        // Not ours: give the instruction to the handler that was there before, or crash as without us.
        if (previous.sa_flags & SA_SIGINFO && previous.sa_sigaction) {
            previous.sa_sigaction(signal, info, context);
            return;
        }
        if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN && previous.sa_handler) {
            previous.sa_handler(signal);
            return;
        }
        struct sigaction fallback;
        memset(&fallback, 0, sizeof fallback);
        fallback.sa_handler = SIG_DFL;
        sigaction(SIGILL, &fallback, NULL);
        return; // re-executes and dies of SIGILL
    }
    atomic_fetch_add(done ? &emulated : &faults, 1);
    g[REG_RIP] += (greg_t)in.length;
}

int asl_amx_trap_install(void) {
    if (installed) return 1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_illegal_instruction;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGILL, &action, &previous) != 0) return 0;
    installed = 1;
    return 1;
}

void asl_amx_trap_remove(void) {
    if (!installed) return;
    sigaction(SIGILL, &previous, NULL);
    installed = 0;
}

#else

int asl_amx_trap_install(void) { return 0; }
void asl_amx_trap_remove(void) {}
unsigned long asl_amx_trap_emulated(void) { return 0; }
unsigned long asl_amx_trap_faults(void) { return 0; }

#endif
