/* Fused elementwise passes of the tanh layer jet, one pass over memory per layer and chunk.
 *
 * The caller (pinnkit/autodiff/native.py) keeps the matmuls and the sigmoid in torch and hands
 * these loops plain row pointers. A jet is K = 1 + D + Q rows (value, D first derivatives, Q
 * second derivatives for the pairs (pa[k], pb[k])); every row holds c points of w units,
 * contiguous; rows are `rs` elements apart. With s = tanh(z + b), d1 = 1 - s^2:
 *
 *   forward:   ds_i = d1 dz_i,    qs_k = d1 (qz_k - 2 s dz_a dz_b)
 *   backward:  g_r = d1 gout_r,   e = sum_{r >= 1} g_r z_r,
 *              gdz_a -= 2 s g_{1+D+k} dz_b,  gdz_b -= 2 s g_{1+D+k} dz_a   (each pair k = (a, b))
 *              gz = g_0 - 2 s e + 2 (3 s^2 - 1) sum_k g_{1+D+k} dz_a dz_b
 *
 * (see pinnkit/autodiff/fused.py for the derivation). Written for pinnkit; no code taken from
 * elsewhere. Built at first use by native.py with the system C compiler.
 */
#include <stddef.h>

#define PK_RESTRICT __restrict__

#define DEFINE_KERNELS(T, SUFFIX)                                                               \
/* out: K rows, row 0 holds sigmoid(2 (z + b)) on entry and s on return. dz: D rows (rs_dz      \
   apart; dz_const: each row is (1, w), the same for every point); qz: Q rows or NULL (zero).   \
   scratch: w elements. */                                                                      \
void pk_jet_forward_##SUFFIX(long c, long w, long d, long q, const long *pa, const long *pb,   \
                             T *out, long rs_out, const T *dz, long rs_dz, int dz_const,        \
                             const T *qz, long rs_qz, T *scratch)                               \
{                                                                                               \
    T *PK_RESTRICT d1 = scratch;                                                                \
    for (long p = 0; p < c; ++p) {                                                              \
        T *PK_RESTRICT s = out + p * w;                                                         \
        long pz = dz_const ? 0 : p * w;                                                         \
        _Pragma("omp simd")                                                                     \
        for (long j = 0; j < w; ++j) {                                                          \
            T sj = 2 * s[j] - 1;                                                                \
            s[j] = sj;                                                                          \
            d1[j] = 1 - sj * sj;                                                                \
        }                                                                                       \
        for (long i = 0; i < d; ++i) {                                                          \
            T *PK_RESTRICT ds = out + (1 + i) * rs_out + p * w;                                 \
            const T *PK_RESTRICT dzi = dz + i * rs_dz + pz;                                     \
            _Pragma("omp simd")                                                                 \
            for (long j = 0; j < w; ++j) ds[j] = d1[j] * dzi[j];                                \
        }                                                                                       \
        for (long k = 0; k < q; ++k) {                                                          \
            T *PK_RESTRICT qs = out + (1 + d + k) * rs_out + p * w;                             \
            const T *PK_RESTRICT da = dz + pa[k] * rs_dz + pz;                                  \
            const T *PK_RESTRICT db = dz + pb[k] * rs_dz + pz;                                  \
            if (qz) {                                                                           \
                const T *PK_RESTRICT qk = qz + k * rs_qz + p * w;                               \
                _Pragma("omp simd")                                                             \
                for (long j = 0; j < w; ++j) qs[j] = d1[j] * (qk[j] - 2 * s[j] * da[j] * db[j]); \
            } else {                                                                            \
                _Pragma("omp simd")                                                             \
                for (long j = 0; j < w; ++j) qs[j] = -2 * d1[j] * s[j] * da[j] * db[j];         \
            }                                                                                   \
        }                                                                                       \
    }                                                                                           \
}                                                                                               \
                                                                                                \
/* gz: K rows (rs_gz apart), written. gout: K rows; with wout (w,) given, gout is (K, c, 1):    \
   the gradient of the output layer's rows, the jet gradient being gout * wout. s: c x w.       \
   dz, qz as in the forward pass. scratch: 3 w elements. */                                     \
void pk_jet_backward_##SUFFIX(long c, long w, long d, long q, const long *pa, const long *pb,  \
                              T *gz, long rs_gz, const T *gout, long rs_gout, const T *wout,    \
                              const T *s_all, const T *dz, long rs_dz, int dz_const,            \
                              const T *qz, long rs_qz, T *scratch)                              \
{                                                                                               \
    long kk = 1 + d + q;                                                                        \
    T *PK_RESTRICT d1 = scratch, *PK_RESTRICT e = scratch + w, *PK_RESTRICT cc = scratch + 2 * w; \
    for (long p = 0; p < c; ++p) {                                                              \
        const T *PK_RESTRICT s = s_all + p * w;                                                 \
        long pz = dz_const ? 0 : p * w;                                                         \
        _Pragma("omp simd")                                                                     \
        for (long j = 0; j < w; ++j) {                                                          \
            d1[j] = 1 - s[j] * s[j];                                                            \
            e[j] = 0;                                                                           \
            cc[j] = 0;                                                                          \
        }                                                                                       \
        for (long r = 0; r < kk; ++r) {                                                         \
            T *PK_RESTRICT g = gz + r * rs_gz + p * w;                                          \
            if (wout) {                                                                         \
                T gr = gout[r * rs_gout + p];                                                   \
                _Pragma("omp simd")                                                             \
                for (long j = 0; j < w; ++j) g[j] = gr * wout[j] * d1[j];                       \
            } else {                                                                            \
                const T *PK_RESTRICT go = gout + r * rs_gout + p * w;                           \
                _Pragma("omp simd")                                                             \
                for (long j = 0; j < w; ++j) g[j] = go[j] * d1[j];                              \
            }                                                                                   \
            if (r >= 1 && r <= d) {                                                             \
                const T *PK_RESTRICT zr = dz + (r - 1) * rs_dz + pz;                            \
                _Pragma("omp simd")                                                             \
                for (long j = 0; j < w; ++j) e[j] += g[j] * zr[j];                              \
            } else if (r > d && qz) {                                                           \
                const T *PK_RESTRICT zr = qz + (r - 1 - d) * rs_qz + p * w;                     \
                _Pragma("omp simd")                                                             \
                for (long j = 0; j < w; ++j) e[j] += g[j] * zr[j];                              \
            }                                                                                   \
        }                                                                                       \
        for (long k = 0; k < q; ++k) {                                                          \
            const T *PK_RESTRICT gq = gz + (1 + d + k) * rs_gz + p * w;                         \
            const T *PK_RESTRICT da = dz + pa[k] * rs_dz + pz;                                  \
            const T *PK_RESTRICT db = dz + pb[k] * rs_dz + pz;                                  \
            T *ga = gz + (1 + pa[k]) * rs_gz + p * w; /* ga and gb alias when a == b */         \
            T *gb = gz + (1 + pb[k]) * rs_gz + p * w;                                           \
            _Pragma("omp simd")                                                                 \
            for (long j = 0; j < w; ++j) {                                                      \
                T u = gq[j] * db[j];                                                            \
                cc[j] += u * da[j];                                                             \
                ga[j] -= 2 * s[j] * u;                                                          \
            }                                                                                   \
            _Pragma("omp simd")                                                                 \
            for (long j = 0; j < w; ++j) gb[j] -= 2 * s[j] * gq[j] * da[j];                     \
        }                                                                                       \
        T *PK_RESTRICT g0 = gz + p * w;                                                         \
        _Pragma("omp simd")                                                                     \
        for (long j = 0; j < w; ++j)                                                            \
            g0[j] += -2 * s[j] * e[j] + 2 * cc[j] * (3 * s[j] * s[j] - 1);                      \
    }                                                                                           \
}

DEFINE_KERNELS(float, f32)
DEFINE_KERNELS(double, f64)
