/* Fused, numerically stable softmax and log-softmax over the rows of a C-contiguous
 * (rows, cols) matrix: one thread block per row (a grid-stride loop over rows), three passes
 * over the row in registers and shared memory, one read of each input and one write of each
 * output instead of the five full-size temporaries of the composed version.
 *
 *   m = max_j x_j;  s = sum_j exp(x_j - m)
 *   softmax_j = exp(x_j - m) / s;   log_softmax_j = (x_j - m) - log s
 *
 * The max propagates NaN (as the composed max does). blockDim.x must be a power of two of at
 * most NM_MAX_THREADS. As philox.cu, the tests compile this text as plain C (one thread per
 * block) and compare it with the composed formula on the CPU. */

#ifndef NM_EXTERN_C
#define NM_EXTERN_C extern "C"
#endif

#define NM_MAX_THREADS 256
#define NM_NEG_INF_F __int_as_float(0xff800000)
#define NM_NEG_INF_D __longlong_as_double(0xfff0000000000000LL)

#define NM_ROW_SOFTMAX(NAME, T, NEG_INF, EXP, LOG, LOG_OUTPUT)                             \
NM_EXTERN_C __global__ void NAME(const T *x, T *y, long long rows, long long cols)          \
{                                                                                          \
    __shared__ T shared[NM_MAX_THREADS];                                                   \
    const int tid = threadIdx.x;                                                           \
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {                        \
        const T *xr = x + row * cols;                                                      \
        T *yr = y + row * cols;                                                            \
        T m = NEG_INF;                                                                     \
        for (long long c = tid; c < cols; c += blockDim.x) {                               \
            T v = xr[c];                                                                   \
            m = (v > m || v != v) ? v : m;                                                 \
        }                                                                                  \
        shared[tid] = m;                                                                   \
        __syncthreads();                                                                   \
        for (int half = blockDim.x / 2; half > 0; half /= 2) {                             \
            if (tid < half) {                                                              \
                T other = shared[tid + half];                                              \
                T mine = shared[tid];                                                      \
                shared[tid] = (other > mine || other != other) ? other : mine;             \
            }                                                                              \
            __syncthreads();                                                               \
        }                                                                                  \
        m = shared[0];                                                                     \
        __syncthreads();                                                                   \
        T s = 0;                                                                           \
        for (long long c = tid; c < cols; c += blockDim.x) s += EXP(xr[c] - m);            \
        shared[tid] = s;                                                                   \
        __syncthreads();                                                                   \
        for (int half = blockDim.x / 2; half > 0; half /= 2) {                             \
            if (tid < half) shared[tid] += shared[tid + half];                             \
            __syncthreads();                                                               \
        }                                                                                  \
        s = shared[0];                                                                     \
        __syncthreads();                                                                   \
        if (LOG_OUTPUT) {                                                                  \
            T log_s = LOG(s);                                                              \
            for (long long c = tid; c < cols; c += blockDim.x) yr[c] = (xr[c] - m) - log_s;\
        } else {                                                                           \
            for (long long c = tid; c < cols; c += blockDim.x) yr[c] = EXP(xr[c] - m) / s; \
        }                                                                                  \
    }                                                                                      \
}

NM_ROW_SOFTMAX(nm_softmax_f32, float, NM_NEG_INF_F, expf, logf, 0)
NM_ROW_SOFTMAX(nm_softmax_f64, double, NM_NEG_INF_D, exp, log, 0)
NM_ROW_SOFTMAX(nm_log_softmax_f32, float, NM_NEG_INF_F, expf, logf, 1)
NM_ROW_SOFTMAX(nm_log_softmax_f64, double, NM_NEG_INF_D, exp, log, 1)
