#define _GNU_SOURCE
#include "FuzzSupport.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

// The allocation limit works by interposing malloc and friends: this executable defines them,
// so the dynamic linker binds every library's calls here, and each forwards to glibc's own
// implementation (__libc_*) after checking the size. Only the fuzz executable links this.
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static size_t allocation_limit = SIZE_MAX;
static size_t largest_allocation = 0;

static void write_text(const char *text) {
    size_t n = strlen(text);
    while (n > 0) {
        ssize_t w = write(2, text, n);
        if (w <= 0) return;
        text += w;
        n -= (size_t)w;
    }
}

// Decimal text of `value` into `buffer` (async-signal-safe: no allocation, no locale).
static const char *decimal(unsigned long long value, char buffer[24]) {
    char *p = buffer + 23;
    *p = 0;
    do { *--p = (char)('0' + value % 10); value /= 10; } while (value > 0);
    return p;
}

static void check_size(size_t size) {
    if (size > allocation_limit) {
        char a[24], b[24];
        write_text("asl-fuzz: an allocation of ");
        write_text(decimal(size, a));
        write_text(" bytes was asked for, above the limit of ");
        write_text(decimal(allocation_limit, b));
        write_text(" bytes\n");
        abort();
    }
    size_t seen = __atomic_load_n(&largest_allocation, __ATOMIC_RELAXED);
    while (size > seen && !__atomic_compare_exchange_n(&largest_allocation, &seen, size, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}

void *malloc(size_t size) { check_size(size); return __libc_malloc(size); }

void *calloc(size_t count, size_t size) {
    size_t total;
    check_size(__builtin_mul_overflow(count, size, &total) ? SIZE_MAX : total);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) { check_size(size); return __libc_realloc(pointer, size); }

void *memalign(size_t alignment, size_t size) { check_size(size); return __libc_memalign(alignment, size); }

void *aligned_alloc(size_t alignment, size_t size) { check_size(size); return __libc_memalign(alignment, size); }

void *valloc(size_t size) { check_size(size); return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    check_size(size);
    void *p = __libc_memalign(alignment, size);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void fuzz_set_allocation_limit(size_t bytes) { allocation_limit = bytes; }

size_t fuzz_largest_allocation(void) { return __atomic_load_n(&largest_allocation, __ATOMIC_RELAXED); }

int fuzz_limit_data(size_t bytes) {
    struct rlimit limit = { bytes, bytes };
    return setrlimit(RLIMIT_DATA, &limit);
}

static char crash_target[128];
static char crash_input_path[4096];
static unsigned long long crash_seed;
static const void *volatile current_bytes;
static volatile size_t current_count;
static volatile long current_run = -1;

static void on_crash(int signal_number) {
    int fd = open(crash_input_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        const char *p = (const char *)current_bytes;
        size_t left = current_count;
        while (left > 0) {
            ssize_t w = write(fd, p, left);
            if (w <= 0) break;
            p += w;
            left -= (size_t)w;
        }
        close(fd);
    }
    char a[24], b[24], c[24];
    write_text("asl-fuzz: target ");
    write_text(crash_target);
    write_text(", seed ");
    write_text(decimal(crash_seed, a));
    write_text(", run ");
    write_text(decimal((unsigned long long)current_run, b));
    write_text(": CRASHED with signal ");
    write_text(decimal((unsigned long long)signal_number, c));
    write_text("; the input is saved in ");
    write_text(crash_input_path);
    write_text("; replay it with: asl-fuzz replay ");
    write_text(crash_target);
    write_text(" ");
    write_text(crash_input_path);
    write_text("\n");
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

void fuzz_install_crash_handler(const char *target, unsigned long long seed, const char *input_path) {
    strncpy(crash_target, target, sizeof crash_target - 1);
    strncpy(crash_input_path, input_path, sizeof crash_input_path - 1);
    crash_seed = seed;
    static char alternate_stack[1 << 16];
    stack_t stack = { .ss_sp = alternate_stack, .ss_size = sizeof alternate_stack, .ss_flags = 0 };
    sigaltstack(&stack, NULL);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_crash;
    action.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaction(signals[i], &action, NULL);
}

void fuzz_set_current_input(const void *bytes, size_t count, long run) {
    current_bytes = bytes;
    current_count = count;
    current_run = run;
}
