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

/* Fused cross-entropy over the rows of a C-contiguous (rows, cols) matrix of logits (the class
 * axis moved last), with int64 targets, class weights w (all ones without weights) and label
 * smoothing eps; one thread block per row (a grid-stride loop over rows). One pass over the row
 * computes its online log-sum-exp (Milakov and Gimelshein, "Online normalizer calculation for
 * softmax", 2018): each thread keeps the running max m, s = sum exp(x_c - m),
 * t = sum w_c (x_c - m) and W = sum w_c, rescaled when m grows, and the threads' states merge
 * in a shared-memory tree. With log s (= lse - m) and the target k of the row:
 *
 *   loss = (1 - eps) w_k (log s - (x_k - m)) + (eps / C) (W log s - t)      0 if k == ignore
 *   wt   = w_k                                                                0 if k == ignore
 *   dx_c = g ((1 - eps) w_k + (eps / C) W) exp(x_c - m) / s
 *          - g (1 - eps) w_k [c == k] - g (eps / C) w_c                        0 if k == ignore
 *
 * where g = scale[row * scale_stride] is the incoming gradient (divided by sum wt on the host for
 * the mean). A target outside [0, cols) other than ignore_index gives NaN (numeru-dl checks
 * targets first). A merge skips the rescaling of a state whose max is already the merged max
 * (so a run of -inf logits does not make exp(-inf - -inf) = NaN) and of an empty state. */

#define NM_NAN_F __int_as_float(0x7fc00000)
#define NM_NAN_D __longlong_as_double(0x7ff8000000000000LL)

/* (m, s, t, w) <- merge of (m, s, t, w) and (M2, S2, T2, W2); NaN in either max propagates. */
#define NM_LSE_MERGE(T, EXP, m, s, t, w, M2, S2, T2, W2)                                   \
    do {                                                                                   \
        const T nm_m2 = (M2), nm_s2 = (S2), nm_t2 = (T2), nm_w2 = (W2);                    \
        const T nm_mm = (nm_m2 > m || nm_m2 != nm_m2) ? nm_m2 : m;                         \
        s = (m == nm_mm ? s : s * EXP(m - nm_mm))                                          \
            + (nm_m2 == nm_mm ? nm_s2 : nm_s2 * EXP(nm_m2 - nm_mm));                       \
        t = t + ((m == nm_mm || w == 0) ? (T)0 : (m - nm_mm) * w)                          \
            + nm_t2 + ((nm_m2 == nm_mm || nm_w2 == 0) ? (T)0 : (nm_m2 - nm_mm) * nm_w2);   \
        w = w + nm_w2;                                                                     \
        m = nm_mm;                                                                         \
    } while (0)

/* The block's partial (m, s, t, W) of NM_ROW_LSE, one per thread. */
#define NM_ROW_LSE_SHARED(T)                                                               \
    __shared__ T sm[NM_MAX_THREADS];                                                       \
    __shared__ T ss[NM_MAX_THREADS];                                                       \
    __shared__ T st[NM_MAX_THREADS];                                                       \
    __shared__ T sw[NM_MAX_THREADS]

/* One pass over row xr: every thread of the block ends with the row's (m, s, t, W). */
#define NM_ROW_LSE(T, NEG_INF, EXP, xr, weight, cols, m, s, t, W)                          \
    m = NEG_INF; s = 0; t = 0; W = 0;                                                      \
    for (long long c = tid; c < cols; c += blockDim.x)                                     \
        NM_LSE_MERGE(T, EXP, m, s, t, W, xr[c], (T)1, (T)0, weight[c]);                    \
    sm[tid] = m; ss[tid] = s; st[tid] = t; sw[tid] = W;                                    \
    __syncthreads();                                                                       \
    for (int half = blockDim.x / 2; half > 0; half /= 2) {                                 \
        if (tid < half) {                                                                  \
            T m_ = sm[tid], s_ = ss[tid], t_ = st[tid], w_ = sw[tid];                      \
            NM_LSE_MERGE(T, EXP, m_, s_, t_, w_, sm[tid + half], ss[tid + half],           \
                         st[tid + half], sw[tid + half]);                                  \
            sm[tid] = m_; ss[tid] = s_; st[tid] = t_; sw[tid] = w_;                        \
        }                                                                                  \
        __syncthreads();                                                                   \
    }                                                                                      \
    m = sm[0]; s = ss[0]; t = st[0]; W = sw[0];                                            \
    __syncthreads()

#define NM_CROSS_ENTROPY(NAME, T, NEG_INF, QNAN, EXP, LOG)                                 \
NM_EXTERN_C __global__ void NAME(const T *x, const long long *target, const T *weight,     \
                                 T *loss, T *target_weight, long long rows, long long cols, \
                                 long long ignore_index, T eps)                            \
{                                                                                          \
    NM_ROW_LSE_SHARED(T);                                                                  \
    const int tid = threadIdx.x;                                                           \
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {                       \
        const T *xr = x + row * cols;                                                      \
        T m, s, t, W;                                                                      \
        NM_ROW_LSE(T, NEG_INF, EXP, xr, weight, cols, m, s, t, W);                         \
        if (tid == 0) {                                                                    \
            const long long k = target[row];                                               \
            T value = 0, wk = 0;                                                           \
            if (k != ignore_index) {                                                       \
                if (k < 0 || k >= cols) {                                                  \
                    value = QNAN; wk = QNAN;                                               \
                } else {                                                                   \
                    const T log_s = LOG(s);                                                \
                    wk = weight[k];                                                        \
                    value = (1 - eps) * wk * (log_s - (xr[k] - m));                        \
                    if (eps != 0) value += eps / (T)cols * (W * log_s - t);                \
                }                                                                          \
            }                                                                              \
            loss[row] = value;                                                             \
            target_weight[row] = wk;                                                       \
        }                                                                                  \
    }                                                                                      \
}

#define NM_CROSS_ENTROPY_BACKWARD(NAME, T, NEG_INF, QNAN, EXP)                             \
NM_EXTERN_C __global__ void NAME(const T *x, const long long *target, const T *weight,     \
                                 const T *scale, long long scale_stride, T *dx,            \
                                 long long rows, long long cols, long long ignore_index,   \
                                 T eps)                                                    \
{                                                                                          \
    NM_ROW_LSE_SHARED(T);                                                                  \
    const int tid = threadIdx.x;                                                           \
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {                       \
        const T *xr = x + row * cols;                                                      \
        T *dr = dx + row * cols;                                                           \
        const long long k = target[row];                                                   \
        if (k == ignore_index || k < 0 || k >= cols) {                                     \
            /* 0 for an ignored row even where a mean over no target made scale inf */  \
            const T fill = k == ignore_index ? (T)0 : QNAN;                                \
            for (long long c = tid; c < cols; c += blockDim.x) dr[c] = fill;               \
            continue;                                                                      \
        }                                                                                  \
        T m, s, t, W;                                                                      \
        NM_ROW_LSE(T, NEG_INF, EXP, xr, weight, cols, m, s, t, W);                         \
        (void)t;                                                                           \
        const T g = scale[row * scale_stride];                                             \
        const T hit = g * ((1 - eps) * weight[k]);                                         \
        const T spread = g * (eps / (T)cols);                                              \
        const T coef = (hit + spread * W) / s;                                             \
        for (long long c = tid; c < cols; c += blockDim.x)                                 \
            dr[c] = coef * EXP(xr[c] - m) - (c == k ? hit : (T)0) - spread * weight[c];    \
    }                                                                                      \
}

NM_CROSS_ENTROPY(nm_cross_entropy_f32, float, NM_NEG_INF_F, NM_NAN_F, expf, logf)
NM_CROSS_ENTROPY(nm_cross_entropy_f64, double, NM_NEG_INF_D, NM_NAN_D, exp, log)
NM_CROSS_ENTROPY_BACKWARD(nm_cross_entropy_backward_f32, float, NM_NEG_INF_F, NM_NAN_F, expf)
NM_CROSS_ENTROPY_BACKWARD(nm_cross_entropy_backward_f64, double, NM_NEG_INF_D, NM_NAN_D, exp)
