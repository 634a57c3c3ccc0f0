// A scratch buffer that belongs to one thread and grows on demand: the kernels keep one per
// thread that runs them (a `static _Thread_local asl_thread_buffer`), taken at the first call
// and reused, rather than arrays in every thread's static storage or an allocation per call.
#ifndef ASL_THREAD_BUFFER_H
#define ASL_THREAD_BUFFER_H

#include <stddef.h>
#include <stdlib.h>

typedef struct {
    void *data;
    size_t bytes;
} asl_thread_buffer;

/// `buffer`'s memory, 64-byte aligned, at least `bytes` long (grown when shorter: the old
/// contents are not kept); NULL when it cannot be had.
static inline void *asl_thread_buffer_reserve(asl_thread_buffer *buffer, size_t bytes) {
    if (bytes > buffer->bytes) {
        free(buffer->data);
        const size_t rounded = (bytes + 63) / 64 * 64;
        buffer->data = aligned_alloc(64, rounded);
        buffer->bytes = buffer->data ? rounded : 0;
    }
    return buffer->data;
}

#endif
