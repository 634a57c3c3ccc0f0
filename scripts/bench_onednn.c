// Times Debian's oneDNN (libdnnl-dev) on SmallCNN's three convolutions, batch 32, for the
// comparison with asl-lab's own kernels (`asl-lab bench train --profile`): forward with the
// ReLU fused (inference and training), backward data and backward weights + bias, in fp32 and
// bf16, with oneDNN's preferred (blocked) layouts and no reorders timed: its best case.
//
//   cc -O2 scripts/bench_onednn.c -ldnnl -o /tmp/bench_onednn
//   OMP_NUM_THREADS=2 /tmp/bench_onednn          (ms per batch, median of 7 after 3 warm-ups)
//   OMP_NUM_THREADS=2 /tmp/bench_onednn winograd (oneDNN's Winograd where it has one: fp32
//                                                 F(4×4, 3×3) on avx512_core; others say so)
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(x) do { dnnl_status_t s_ = (x); if (s_ != dnnl_success) { fprintf(stderr, "%s: %d (line %d)\n", #x, s_, __LINE__); exit(1); } } while (0)

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static dnnl_engine_t engine;
static dnnl_alg_kind_t algorithm = dnnl_convolution_direct;
static dnnl_stream_t stream;

static dnnl_memory_t make(const dnnl_primitive_desc_t pd, dnnl_query_t what) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what, 0);
    dnnl_memory_t m;
    CHECK(dnnl_memory_create(&m, md, engine, DNNL_MEMORY_ALLOCATE));
    void *p; CHECK(dnnl_memory_get_data_handle(m, &p));
    memset(p, 0, dnnl_memory_desc_get_size(md));
    return m;
}

static double time_ms(dnnl_primitive_t prim, int nargs, const dnnl_exec_arg_t *args) {
    double t[7];
    for (int i = 0; i < 3; i++) CHECK(dnnl_primitive_execute(prim, stream, nargs, args));
    CHECK(dnnl_stream_wait(stream));
    for (int i = 0; i < 7; i++) {
        double s = now();
        CHECK(dnnl_primitive_execute(prim, stream, nargs, args));
        CHECK(dnnl_stream_wait(stream));
        t[i] = 1000 * (now() - s);
    }
    qsort(t, 7, sizeof(double), cmp);
    return t[3];
}

static void layer(const char *name, int c, int k, int hw, dnnl_data_type_t dt) {
    const int n = 32;
    dnnl_dims_t src = {n, c, hw, hw}, wei = {k, c, 3, 3}, bias = {k}, dst = {n, k, hw, hw}, strides = {1, 1}, pad = {1, 1};
    dnnl_memory_desc_t src_md, wei_md, bias_md, dst_md, dwei_md, dbias_md;
    CHECK(dnnl_memory_desc_init_by_tag(&src_md, 4, src, dt, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&wei_md, 4, wei, dt, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&bias_md, 1, bias, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst, dt, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&dwei_md, 4, wei, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&dbias_md, 1, bias, dnnl_f32, dnnl_format_tag_any));

    dnnl_post_ops_t ops; dnnl_primitive_attr_t attr;
    CHECK(dnnl_post_ops_create(&ops));
    CHECK(dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0, 0));
    CHECK(dnnl_primitive_attr_create(&attr));
    CHECK(dnnl_primitive_attr_set_post_ops(attr, ops));

    double ms[4];
    const char *impl[4];
    dnnl_primitive_desc_t fwd_pd = NULL;
    for (int training = 0; training < 2; training++) {
        dnnl_convolution_desc_t d;
        CHECK(dnnl_convolution_forward_desc_init(&d, training ? dnnl_forward_training : dnnl_forward_inference, algorithm,
                                                 &src_md, &wei_md, &bias_md, &dst_md, strides, pad, pad));
        dnnl_primitive_desc_t pd;
        if (algorithm != dnnl_convolution_direct && dnnl_primitive_desc_create(&pd, &d, attr, engine, NULL) != dnnl_success) {
            printf("%-10s %-4s no Winograd implementation for this shape and data type\n", name, dt == dnnl_f32 ? "fp32" : "bf16");
            return;
        }
        if (algorithm == dnnl_convolution_direct) CHECK(dnnl_primitive_desc_create(&pd, &d, attr, engine, NULL));
        dnnl_primitive_t p; CHECK(dnnl_primitive_create(&p, pd));
        dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, make(pd, dnnl_query_src_md)}, {DNNL_ARG_WEIGHTS, make(pd, dnnl_query_weights_md)},
                                  {DNNL_ARG_BIAS, make(pd, dnnl_query_weights_md + 0)}, {DNNL_ARG_DST, make(pd, dnnl_query_dst_md)}};
        { dnnl_memory_t b; const dnnl_memory_desc_t *bmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1);
          CHECK(dnnl_memory_create(&b, bmd, engine, DNNL_MEMORY_ALLOCATE)); args[2].memory = b; }
        ms[training] = time_ms(p, 4, args);
        CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl[training]));
        if (training) fwd_pd = pd;
    }
    {   // backward data
        dnnl_convolution_desc_t d;
        CHECK(dnnl_convolution_backward_data_desc_init(&d, algorithm, &src_md, &wei_md, &dst_md, strides, pad, pad));
        dnnl_primitive_desc_t pd; CHECK(dnnl_primitive_desc_create(&pd, &d, NULL, engine, fwd_pd));
        dnnl_primitive_t p; CHECK(dnnl_primitive_create(&p, pd));
        dnnl_exec_arg_t args[] = {{DNNL_ARG_DIFF_SRC, make(pd, dnnl_query_diff_src_md)}, {DNNL_ARG_WEIGHTS, make(pd, dnnl_query_weights_md)},
                                  {DNNL_ARG_DIFF_DST, make(pd, dnnl_query_diff_dst_md)}};
        ms[2] = time_ms(p, 3, args);
        CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl[2]));
    }
    {   // backward weights and bias
        dnnl_convolution_desc_t d;
        CHECK(dnnl_convolution_backward_weights_desc_init(&d, algorithm, &src_md, &dwei_md, &dbias_md, &dst_md, strides, pad, pad));
        dnnl_primitive_desc_t pd; CHECK(dnnl_primitive_desc_create(&pd, &d, NULL, engine, fwd_pd));
        dnnl_primitive_t p; CHECK(dnnl_primitive_create(&p, pd));
        dnnl_memory_t dbias; const dnnl_memory_desc_t *bmd = dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 1);
        CHECK(dnnl_memory_create(&dbias, bmd, engine, DNNL_MEMORY_ALLOCATE));
        dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, make(pd, dnnl_query_src_md)}, {DNNL_ARG_DIFF_WEIGHTS, make(pd, dnnl_query_diff_weights_md)},
                                  {DNNL_ARG_DIFF_BIAS, dbias}, {DNNL_ARG_DIFF_DST, make(pd, dnnl_query_diff_dst_md)}};
        ms[3] = time_ms(p, 4, args);
        CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl[3]));
    }
    const double flops = 2.0 * n * k * c * 9 * hw * hw / 1e6; // MFLOP per direction
    printf("%-10s %-4s fwd-infer %7.2f ms (%4.0f GFLOP/s, %s)  fwd-train %7.2f  bwd-data %7.2f (%s)  bwd-weights %7.2f ms (%4.0f GFLOP/s, %s)\n",
           name, dt == dnnl_f32 ? "fp32" : "bf16", ms[0], flops / ms[0], impl[0], ms[1], ms[2], impl[2], ms[3], flops / ms[3], impl[3]);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "winograd") == 0) algorithm = dnnl_convolution_winograd;
    else if (argc > 1) { fprintf(stderr, "usage: %s [winograd]\n", argv[0]); return 2; }
    const dnnl_version_t *v = dnnl_version();
    printf("oneDNN %d.%d.%d, CPU runtime %s, max ISA %d\n", v->major, v->minor, v->patch, v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other",
           (int)dnnl_get_effective_cpu_isa());
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    for (int bf = 0; bf < 2; bf++) {
        const dnnl_data_type_t dt = bf ? dnnl_bf16 : dnnl_f32;
        layer("features.0", 3, 32, 128, dt);
        layer("features.3", 32, 64, 64, dt);
        layer("features.6", 64, 128, 32, dt);
    }
    return 0;
}
