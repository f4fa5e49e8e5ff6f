/* Philox4x32-10 and numeru's exact bits-to-floats transforms, as CUDA C.
 *
 * The one copy of this code: numeru.cuda._kernels.philox compiles it with NVRTC (through
 * cupy.RawModule, with --fmad=false), and the test suite compiles the same text as plain C
 * (cc -ffp-contract=off, with #define shims for __device__, __global__, threadIdx, ...) and
 * compares its bits with numeru.core.random on a machine without a GPU.
 *
 * Every formula repeats numeru/core/random/{philox,transforms}.py and _numba_philox.py
 * operation for operation, on the same types and in the same order; only + - * / and sqrt,
 * which IEEE 754 rounds exactly, touch floating-point values, and nothing may be contracted
 * into a fused multiply-add (NVRTC --fmad=false; C -ffp-contract=off). One GPU thread computes
 * whole Philox blocks (a grid-stride loop), so the result does not depend on the launch shape.
 *
 * Constants are the shortest decimal strings that round-trip to the doubles of
 * transforms.py (a test checks each one against the Python value).
 */

#ifndef NM_EXTERN_C
#define NM_EXTERN_C extern "C"
#endif

typedef unsigned int nm_u32;
typedef unsigned long long nm_u64;
typedef long long nm_i64;

#define NM_M0 0xD2511F53ULL
#define NM_M1 0xCD9E8D57ULL
#define NM_W0 0x9E3779B9U
#define NM_W1 0xBB67AE85U
#define NM_MASK32 0xFFFFFFFFULL

#define NM_LN2_HI 0.6931471803691238
#define NM_LN2_LO 1.9082149292705877e-10
#define NM_SQRT2 1.4142135623730951
#define NM_PI_2 1.5707963267948966
#define NM_TWO_M51 4.440892098500626e-16
#define NM_TWO_M22 2.384185791015625e-07
#define NM_TWO_M52 2.220446049250313e-16
#define NM_TWO_M53 1.1102230246251565e-16
#define NM_TWO_M24_F 5.960464477539063e-08f

/* log m = s * sum 2 / (2n + 1) s**(2n), n = 0..10 */
#define NM_L0 2.0
#define NM_L1 0.6666666666666666
#define NM_L2 0.4
#define NM_L3 0.2857142857142857
#define NM_L4 0.2222222222222222
#define NM_L5 0.18181818181818182
#define NM_L6 0.15384615384615385
#define NM_L7 0.13333333333333333
#define NM_L8 0.11764705882352941
#define NM_L9 0.10526315789473684
#define NM_L10 0.09523809523809523
/* cos a = sum (-1)**n a**(2n) / (2n)!, n = 0..8 */
#define NM_C0 1.0
#define NM_C1 (-0.5)
#define NM_C2 0.041666666666666664
#define NM_C3 (-0.001388888888888889)
#define NM_C4 2.48015873015873e-05
#define NM_C5 (-2.755731922398589e-07)
#define NM_C6 2.08767569878681e-09
#define NM_C7 (-1.1470745597729725e-11)
#define NM_C8 4.779477332387385e-14
/* sin a = a * sum (-1)**n a**(2n) / (2n + 1)!, n = 0..8 */
#define NM_S0 1.0
#define NM_S1 (-0.16666666666666666)
#define NM_S2 0.008333333333333333
#define NM_S3 (-0.0001984126984126984)
#define NM_S4 2.7557319223985893e-06
#define NM_S5 (-2.505210838544172e-08)
#define NM_S6 1.6059043836821613e-10
#define NM_S7 (-7.647163731819816e-13)
#define NM_S8 2.8114572543455206e-15

/* The four words of Philox block ``block`` of the stream that starts at the 128-bit counter
 * (c_lo, c_hi), encrypted with key (k0, k1). Word 0 is the least significant (Random123). */
__device__ void nm_philox_block(nm_u64 block, nm_u64 c_lo, nm_u64 c_hi, nm_u32 k0, nm_u32 k1,
                                nm_u64 x[4])
{
    nm_u64 lo = c_lo + block;                       /* wraps mod 2**64 */
    nm_u64 hi = c_hi + (lo < c_lo ? 1ULL : 0ULL);   /* the carry into the high 64 bits */
    nm_u64 x0 = lo & NM_MASK32, x1 = lo >> 32, x2 = hi & NM_MASK32, x3 = hi >> 32;
    nm_u64 key0 = k0, key1 = k1;
    int r;
    for (r = 0; r < 10; ++r) {
        nm_u64 p0 = x0 * NM_M0;                     /* 32 x 32 -> 64 bits, exact */
        nm_u64 p1 = x2 * NM_M1;
        nm_u64 y1 = x1, y3 = x3;
        x0 = ((p1 >> 32) ^ y1) ^ key0;
        x1 = p1 & NM_MASK32;
        x2 = ((p0 >> 32) ^ y3) ^ key1;
        x3 = p0 & NM_MASK32;
        key0 = (key0 + NM_W0) & NM_MASK32;
        key1 = (key1 + NM_W1) & NM_MASK32;
    }
    x[0] = x0; x[1] = x1; x[2] = x2; x[3] = x3;
}

/* Horner's rule, highest coefficient first, as transforms._poly. */
__device__ double nm_log_poly(double z)
{
    double p = z * NM_L10 + NM_L9;
    p = p * z + NM_L8; p = p * z + NM_L7; p = p * z + NM_L6; p = p * z + NM_L5;
    p = p * z + NM_L4; p = p * z + NM_L3; p = p * z + NM_L2; p = p * z + NM_L1;
    return p * z + NM_L0;
}

__device__ double nm_cos_poly(double z)
{
    double p = z * NM_C8 + NM_C7;
    p = p * z + NM_C6; p = p * z + NM_C5; p = p * z + NM_C4; p = p * z + NM_C3;
    p = p * z + NM_C2; p = p * z + NM_C1;
    return p * z + NM_C0;
}

__device__ double nm_sin_poly(double z)
{
    double p = z * NM_S8 + NM_S7;
    p = p * z + NM_S6; p = p * z + NM_S5; p = p * z + NM_S4; p = p * z + NM_S3;
    p = p * z + NM_S2; p = p * z + NM_S1;
    return p * z + NM_S0;
}

/* sqrt(-2 log(k 2**-bits)) for an integer k in [1, 2**bits] (transforms.log_scaled). */
__device__ double nm_radius(nm_u64 k, int bits)
{
    nm_u64 e = 0, trial;
    nm_i64 e_int;
    nm_u64 left, right;
    double m, exponent, s, log_m;
    int above;
    trial = e + 32; if ((k >> trial) != 0) e = trial;
    trial = e + 16; if ((k >> trial) != 0) e = trial;
    trial = e + 8; if ((k >> trial) != 0) e = trial;
    trial = e + 4; if ((k >> trial) != 0) e = trial;
    trial = e + 2; if ((k >> trial) != 0) e = trial;
    trial = e + 1; if ((k >> trial) != 0) e = trial;
    e_int = (nm_i64)e;
    left = e_int <= 52 ? (nm_u64)(52 - e_int) : 0ULL;
    right = e_int > 52 ? (nm_u64)(e_int - 52) : 0ULL;
    m = (double)((k << left) >> right) * NM_TWO_M52;   /* in [1, 2), exactly */
    above = m > NM_SQRT2;
    if (above) m = m * 0.5;
    exponent = ((double)e_int + (above ? 1.0 : 0.0)) - (double)bits;
    s = (m - 1.0) / (m + 1.0);
    log_m = s * nm_log_poly(s * s);
    return sqrt(-2.0 * (exponent * NM_LN2_HI + (exponent * NM_LN2_LO + log_m)));
}

/* cos and sin of 2 pi j 2**-bits, j an integer in [0, 2**bits) (transforms.cos_sin_2pi). */
__device__ void nm_cos_sin(nm_u64 j, int bits, double *cos_out, double *sin_out)
{
    int shift = bits - 2;
    nm_u64 q = (j + (1ULL << (shift - 1))) >> shift;     /* the nearest quarter turn, 0..4 */
    double f = (double)((nm_i64)j - (nm_i64)(q << shift));
    double a = (f * (bits == 53 ? NM_TWO_M51 : NM_TWO_M22)) * NM_PI_2;
    double z = a * a;
    double c = nm_cos_poly(z);
    double s = a * nm_sin_poly(z);
    nm_u64 quadrant = q & 3ULL;
    *cos_out = quadrant == 0 ? c : (quadrant == 1 ? -s : (quadrant == 2 ? -c : s));
    *sin_out = quadrant == 0 ? s : (quadrant == 1 ? c : (quadrant == 2 ? -s : -c));
}

__device__ double nm_u53(nm_u64 low_word, nm_u64 high_word)
{
    return (double)((low_word | (high_word << 32)) >> 11) * NM_TWO_M53;
}

__device__ float nm_u24(nm_u64 word)
{
    return (float)(word >> 8) * NM_TWO_M24_F;
}

#define NM_FOR_EACH_BLOCK(i, n_blocks) \
    for (nm_u64 i = (nm_u64)blockIdx.x * blockDim.x + threadIdx.x; i < (n_blocks); \
         i += (nm_u64)blockDim.x * gridDim.x)

/* random_bits: 4 * n_blocks uint32 words, block b giving words 4b .. 4b + 3. */
NM_EXTERN_C __global__ void nm_random_bits(nm_u32 *out, nm_u64 n_blocks, nm_u64 c_lo,
                                           nm_u64 c_hi, nm_u32 k0, nm_u32 k1)
{
    NM_FOR_EACH_BLOCK(b, n_blocks) {
        nm_u64 x[4];
        nm_philox_block(b, c_lo, c_hi, k0, k1, x);
        out[4 * b] = (nm_u32)x[0];
        out[4 * b + 1] = (nm_u32)x[1];
        out[4 * b + 2] = (nm_u32)x[2];
        out[4 * b + 3] = (nm_u32)x[3];
    }
}

/* random_uniform, float64: two values per block, low + scale * u53. */
NM_EXTERN_C __global__ void nm_uniform64(double *out, nm_u64 n, nm_u64 c_lo, nm_u64 c_hi,
                                         nm_u32 k0, nm_u32 k1, double low, double scale)
{
    NM_FOR_EACH_BLOCK(b, (n + 1) / 2) {
        nm_u64 x[4];
        nm_philox_block(b, c_lo, c_hi, k0, k1, x);
        out[2 * b] = low + scale * nm_u53(x[0], x[1]);
        if (2 * b + 1 < n) out[2 * b + 1] = low + scale * nm_u53(x[2], x[3]);
    }
}

/* random_uniform, float32: four values per block, in float32 arithmetic. */
NM_EXTERN_C __global__ void nm_uniform32(float *out, nm_u64 n, nm_u64 c_lo, nm_u64 c_hi,
                                         nm_u32 k0, nm_u32 k1, float low, float scale)
{
    NM_FOR_EACH_BLOCK(b, (n + 3) / 4) {
        nm_u64 x[4];
        int w;
        nm_philox_block(b, c_lo, c_hi, k0, k1, x);
        for (w = 0; w < 4; ++w)
            if (4 * b + w < n) out[4 * b + w] = low + scale * nm_u24(x[w]);
    }
}

/* random_normal, float64: Box-Muller on one pair of 53-bit uniforms per block. */
NM_EXTERN_C __global__ void nm_normal64(double *out, nm_u64 n, nm_u64 c_lo, nm_u64 c_hi,
                                        nm_u32 k0, nm_u32 k1, double loc, double scale)
{
    NM_FOR_EACH_BLOCK(b, (n + 1) / 2) {
        nm_u64 x[4];
        double r, c, s;
        nm_philox_block(b, c_lo, c_hi, k0, k1, x);
        r = nm_radius(((x[0] | (x[1] << 32)) >> 11) + 1ULL, 53);
        nm_cos_sin((x[2] | (x[3] << 32)) >> 11, 53, &c, &s);
        out[2 * b] = loc + scale * (r * c);
        if (2 * b + 1 < n) out[2 * b + 1] = loc + scale * (r * s);
    }
}

/* random_normal, float32: two Box-Muller pairs of 24-bit uniforms per block, computed in
 * float64, rounded to float32, then loc + scale * z in float32. */
NM_EXTERN_C __global__ void nm_normal32(float *out, nm_u64 n, nm_u64 c_lo, nm_u64 c_hi,
                                        nm_u32 k0, nm_u32 k1, float loc, float scale)
{
    NM_FOR_EACH_BLOCK(b, (n + 3) / 4) {
        nm_u64 x[4];
        double ra, rb, ca, sa, cb, sb;
        float z[4];
        int w;
        nm_philox_block(b, c_lo, c_hi, k0, k1, x);
        ra = nm_radius((x[0] >> 8) + 1ULL, 24);
        rb = nm_radius((x[2] >> 8) + 1ULL, 24);
        nm_cos_sin(x[1] >> 8, 24, &ca, &sa);
        nm_cos_sin(x[3] >> 8, 24, &cb, &sb);
        z[0] = (float)(ra * ca);
        z[1] = (float)(ra * sa);
        z[2] = (float)(rb * cb);
        z[3] = (float)(rb * sb);
        for (w = 0; w < 4; ++w)
            if (4 * b + w < n) out[4 * b + w] = loc + scale * z[w];
    }
}

/* random_lemire: Lemire's multiply-shift on each 32-bit word, (offset + value, accepted). */
NM_EXTERN_C __global__ void nm_lemire(nm_u64 *values, unsigned char *accepted, nm_u64 n,
                                      nm_u64 c_lo, nm_u64 c_hi, nm_u32 k0, nm_u32 k1,
                                      nm_u64 span, nm_u64 threshold, nm_u64 offset)
{
    NM_FOR_EACH_BLOCK(b, (n + 3) / 4) {
        nm_u64 x[4];
        int w;
        nm_philox_block(b, c_lo, c_hi, k0, k1, x);
        for (w = 0; w < 4; ++w) {
            if (4 * b + w < n) {
                nm_u64 product = x[w] * span;          /* < 2**64: span <= 2**32 */
                values[4 * b + w] = (product >> 32) + offset;
                accepted[4 * b + w] = (product & NM_MASK32) >= threshold ? 1 : 0;
            }
        }
    }
}
