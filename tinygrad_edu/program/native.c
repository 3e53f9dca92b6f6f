/* A graph's program, run natively: the tape of tinygrad_edu/program/tape.py read by one loop
 * (native.py packs it into the arrays of `tg_tape` and builds this file once per machine).
 *
 * Every step is one node: its op's code, its operands' slots (in the pool `args`, from
 * `start` for `count` entries; `isnode` says which are nodes, which get a gradient), and the
 * slot it writes. The forward loop computes each node's number and its local derivative
 * towards each operand, as the engine's rows do (tinygrad_edu/engine.py, safe_math.py,
 * sums.py), with the same float operations in the same order and the same libm functions
 * Python's math module calls; the backward loop, from the last step to the first, adds
 * local derivative x the node's gradient to each operand's gradient, in the order the
 * engine's backward() adds them.
 *
 * The ordinary numbers only: wherever the engine does something particular (an error to
 * raise, an infinite or NaN number, a sum that overflows half-way), the run stops and
 * returns the step's number + 1, and the caller runs the Python program for that call
 * instead, which computes what the engine computes there or raises the engine's error. So
 * every number that comes out of here is the engine's, bit for bit. That needs no fast-math
 * and no contraction of a * b + c into one rounding (built with -ffp-contract=off
 * -fno-fast-math; the pragma says it again to clang), and doubles computed
 * in double precision (FLT_EVAL_METHOD 0: SSE2, not the x87's 80 bits).
 *
 * MASKED: a local derivative that passes nothing back whatever arrives (relu at or below 0,
 * x ** 0, 0 ** y towards y): its share is 0.0, where 0.0 * inf would be NaN.
 */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

#if defined(__clang__)  /* (gcc takes the flag only, -ffp-contract=off) */
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(__FAST_MATH__)
#error "tinygrad_edu's native program must be built without -ffast-math (it changes the numbers)"
#endif
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "tinygrad_edu's native program needs doubles computed as doubles (FLT_EVAL_METHOD 0)"
#endif

/* The op codes; native.py reads this list (their order is their number). */
enum {
    ADD, SUB, MUL, DIV, POW, NEG, EXP, LOG, SQRT, TANH, SIGMOID, SIN, COS, RELU, ABS,
    LEAKY_RELU, VSUM, DOT, GIVEN,
    /* plain numbers computed from the data: no gradient */
    N_ADD, N_SUB, N_MUL, N_DIV, N_POW, N_NEG, N_ABS, N_MAX, N_MIN,
    N_LT, N_LE, N_GT, N_GE, N_EQ, N_NE,  /* a comparison as a number: 1.0 or 0.0 */
    N_COPY, N_FLOORDIV, N_MOD, N_ISINT, N_SUM,  /* x as it is; //, %; is_integer(); sum() */
    N_FSUM,  /* math.fsum(): correctly rounded */
    N_EXP, N_LOG, N_SQRT, N_TANH, N_SIN, N_COS, N_FABS,  /* math's functions */
    /* the guards of a captured program: comparisons that must come out as they did */
    G_LT, G_LE, G_GT, G_GE, G_EQ, G_NE, G_SAME
};

typedef struct {
    int32_t steps, size, leaves, root;  /* leaves: the slots 0 .. leaves-1 */
    const int32_t *op, *out, *start, *count, *first, *args;
    const uint8_t *isnode;
    double *v, *g, *d;  /* every slot's number and gradient; every operand's local derivative */
    uint8_t *masked;    /* per operand: its local derivative is MASKED */
    double *scratch;    /* 2 x the largest count of a step's operands, + 2 */
    int32_t backs, guards;
    const int32_t *back;  /* the steps the backward pass visits, in its order */
    const int32_t *guard_op, *guard_left, *guard_right;  /* (slots; a constant has one) */
    const uint8_t *guard_outcome;
    double seed;  /* the output's gradient */
} tg_tape;

static int ordinary(double x) { return isfinite(x); }

/* Sum of n numbers, correctly rounded, as Python's math.fsum computes it (CPython's
 * Modules/mathmodule.c, the same steps): the exact sum kept as partial sums that do not
 * overlap (Shewchuk's algorithm), a zero never kept (so a sum of -0.0 is 0.0, as fsum's),
 * then rounded once, half to even across partials. Returns 0 where a number is not finite or
 * a partial sum overflows: fsum then does something particular (safe_math.fsum sums exactly
 * with fractions), which the Python program does. `p` has room for n partials. */
static int exact_sum(const double *xs, int n, double *sum, double *p) {
    int m = 0;
    for (int k = 0; k < n; k++) {
        double x = xs[k];
        if (!ordinary(x)) return 0;
        int i = 0;
        for (int j = 0; j < m; j++) {
            double y = p[j];
            if (fabs(x) < fabs(y)) { double t = x; x = y; y = t; }
            double hi = x + y;
            double yr = hi - x;
            double lo = y - yr;
            if (lo != 0.0) p[i++] = lo;
            x = hi;
        }
        m = i;
        if (x != 0.0) {
            if (!ordinary(x)) return 0;  /* intermediate overflow */
            p[m++] = x;
        }
    }
    double hi = 0.0;
    if (m > 0) {
        double lo = 0.0;
        hi = p[--m];
        while (m > 0) {  /* from the top, until the sum becomes inexact */
            double x = hi, y = p[--m];
            hi = x + y;
            double yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) break;
        }
        if (m > 0 && ((lo < 0.0 && p[m - 1] < 0.0) || (lo > 0.0 && p[m - 1] > 0.0))) {
            double y = lo * 2.0;  /* half to even across partials */
            double x = hi + y;
            double yr = x - hi;
            if (y == yr) hi = x;
        }
    }
    *sum = hi;
    return 1;
}

/* a ** b as Python's float ** computes it (CPython's float_pow, the same steps): 1 for
 * b == 0; a base 0 gives 0 (its own sign to an odd integer power); a negative base only with
 * an integer exponent (its absolute value's power, negated for an odd one); else libm's
 * pow. Returns 1 for an ordinary result; -1 where Python raises OverflowError (the result is
 * too large); 0 for the other particular cases (a number not finite, 0 to a negative power,
 * a complex result, a result below the normal numbers, where Python reads errno). */
static int py_pow(double a, double b, double *y) {
    if (!ordinary(a) || !ordinary(b)) return 0;
    if (b == 0.0) { *y = 1.0; return 1; }
    int odd = fmod(fabs(b), 2.0) == 1.0;
    if (a == 0.0) {
        if (b < 0.0) return 0;  /* ZeroDivisionError */
        *y = odd ? a : 0.0;
        return 1;
    }
    int negate = 0;
    if (a < 0.0) {
        if (b != floor(b)) return 0;  /* a complex number: the engine's DomainError */
        a = -a;
        negate = odd;
    }
    double r = a == 1.0 ? 1.0 : pow(a, b);
    if (isinf(r)) return -1;
    if (!isnormal(r)) return 0;
    *y = negate ? -r : r;
    return 1;
}

/* a // b and a % b as Python's floats compute them (CPython's float_divmod, the same
 * steps): fmod, the remainder given the sign of b, the quotient snapped to the integer
 * nearest. Returns 0 where Python raises (b == 0: ZeroDivisionError). */
static int py_divmod(double a, double b, double *quotient, double *remainder) {
    if (b == 0.0) return 0;
    double mod = fmod(a, b), div = (a - mod) / b, floordiv;
    if (mod != 0.0) {
        if ((b < 0.0) != (mod < 0.0)) { mod += b; div -= 1.0; }
    } else {
        mod = copysign(0.0, b);
    }
    if (div != 0.0) {
        floordiv = floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
    } else {
        floordiv = copysign(0.0, a / b);
    }
    *quotient = floordiv;
    *remainder = mod;
    return 1;
}

/* sum(xs) of floats as Python computes it, from its start, the int 0 (0 + x0 first: a -0.0
 * is 0.0 there), or (mode & 2) from a float start, xs[0] (sum(xs, 0.5): as it is): one
 * addition after another, or from Python 3.12 on (mode & 1) Neumaier's compensated sum,
 * its compensation added at the end where it is not 0 and is finite (CPython's
 * builtin_sum_impl, the same steps). */
static double py_sum(const double *xs, int n, int mode) {
    int compensated = mode & 1;
    double sum = (mode & 2) ? xs[0] : 0.0 + xs[0], c = 0.0;
    for (int k = 1; k < n; k++) {
        double x = xs[k];
        if (compensated) {
            double t = sum + x;
            if (fabs(sum) >= fabs(x)) c += (sum - t) + x;
            else c += (x - t) + sum;
            sum = t;
        } else {
            sum += x;
        }
    }
    if (compensated && c != 0.0 && isfinite(c)) sum += c;
    return sum;
}

/* The forward pass. Returns 0 when every step ran, else the number + 1 of the first step
 * where the engine does something particular (see the top of the file). */
int tg_run(const tg_tape *t) {
    double *v = t->v, *scratch = t->scratch;
    feclearexcept(FE_UNDERFLOW);  /* (NumPy's steps: see NUMPY below) */
    for (int s = 0; s < t->steps; s++) {
        const int32_t *a = t->args + t->start[s];
        const uint8_t *node = t->isnode + t->start[s];
        double *ds = t->d + t->start[s];
        uint8_t *ms = t->masked + t->start[s];
        int n = t->count[s], code = t->op[s];
        double x = n > 0 ? v[a[0]] : 0.0, b = n > 1 ? v[a[1]] : 0.0, y = 0.0;
        if (code != VSUM && code != DOT && code != GIVEN && code != N_MAX && code != N_MIN
            && code != N_SUM && code != N_FSUM && (code < N_LT || code > N_NE) && (!ordinary(x) || !ordinary(b)))
            return s + 1;  /* an infinite or NaN operand (a comparison takes any: IEEE's) */
        switch (code) {
        case ADD: y = x + b; ds[0] = 1.0; ds[1] = 1.0; break;
        case SUB: y = x - b; ds[0] = 1.0; ds[1] = -1.0; break;
        case MUL: y = x * b; ds[0] = b; ds[1] = x; break;
        case DIV:
            if (b == 0.0) return s + 1;  /* ZeroDivisionError */
            y = x / b; ds[0] = 1.0 / b; ds[1] = -y / b; break;
        case POW:
            /* y = a ** b; d/da = b * a ** (b - 1) (safe_math.d_pow_base: MASKED for b == 0,
             * inf at a == 0 for b < 1, b * (y / a) where a ** (b - 1) overflows); d/db =
             * y * log(a) for a > 0, MASKED at 0 (safe_math.d_pow_edge; below 0 an error) */
            if (py_pow(x, b, &y) != 1) return s + 1;
            if (node[0]) {
                double lowered;
                ms[0] = b == 0.0;
                if (b == 0.0) ds[0] = 0.0;
                else if (x == 0.0 && b < 1.0) ds[0] = INFINITY;
                else {
                    int done = py_pow(x, b - 1.0, &lowered);
                    if (done == 0) return s + 1;
                    ds[0] = done == 1 ? b * lowered : b * (y / x);
                }
            }
            if (node[1]) {
                ms[1] = x == 0.0;
                if (x > 0.0) ds[1] = y * log(x);
                else if (x == 0.0) ds[1] = 0.0;
                else return s + 1;  /* DomainError: the base is negative */
            }
            break;
        case NEG: y = -x; ds[0] = -1.0; break;
        case EXP: y = exp(x); ds[0] = y; break;  /* (an overflow: inf, stopped below) */
        case LOG:
            if (!(x > 0.0)) return s + 1;  /* DomainError */
            y = log(x); ds[0] = 1.0 / x; break;
        case SQRT:
            if (x < 0.0) return s + 1;  /* DomainError */
            y = sqrt(x); ds[0] = y != 0.0 ? 0.5 / y : INFINITY; break;  /* (at 0: inf) */
        case TANH: y = tanh(x); ds[0] = 1.0 - y * y; break;
        case SIGMOID:
            if (x >= 0.0) y = 1.0 / (1.0 + exp(-x));
            else { double e = exp(x); y = e / (1.0 + e); }
            ds[0] = y * (1.0 - y); break;
        case SIN: y = sin(x); ds[0] = cos(x); break;
        case COS: y = cos(x); ds[0] = -sin(x); break;
        case RELU:
            if (x > 0.0) { y = x; ds[0] = 1.0; ms[0] = 0; }
            else { y = 0.0; ds[0] = 0.0; ms[0] = 1; }  /* MASKED */
            break;
        case ABS: y = fabs(x); ds[0] = x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0; break;
        case LEAKY_RELU:  /* b: alpha, a plain number */
            if (x > 0.0) { y = x; ds[0] = 1.0; } else { y = b * x; ds[0] = b; }
            break;
        case VSUM:
            for (int k = 0; k < n; k++) { scratch[k] = v[a[k]]; ds[k] = 1.0; }
            if (!exact_sum(scratch, n, &y, scratch + n)) return s + 1;
            break;
        case DOT: {  /* the products w * x as Python computes them, then their exact sum */
            int half = t->first[s];
            for (int k = 0; k < half; k++) {
                double w = v[a[k]], z = v[a[k + half]];
                scratch[k] = w * z;  /* (not finite: stopped in exact_sum) */
                ds[k] = z; ds[k + half] = w;
            }
            if (!exact_sum(scratch, half, &y, scratch + n)) return s + 1;
            break;
        }
        case GIVEN: {  /* made by hand: its children, then its number and local derivatives */
            int m = n / 2;
            v[t->out[s]] = v[a[m]];
            for (int k = 0; k < m; k++) { ds[k] = v[a[m + 1 + k]]; ms[k] = 0; }
            continue;  /* (whatever they are, as the engine keeps them) */
        }
        case N_ADD: y = x + b; break;
        case N_SUB: y = x - b; break;
        case N_MUL: y = x * b; break;
        case N_DIV: if (b == 0.0) return s + 1; y = x / b; break;
        case N_POW: if (py_pow(x, b, &y) != 1) return s + 1; break;
        case N_NEG: y = -x; break;
        case N_ABS: y = fabs(x); break;
        case N_LT: y = x < b ? 1.0 : 0.0; break;
        case N_LE: y = x <= b ? 1.0 : 0.0; break;
        case N_GT: y = x > b ? 1.0 : 0.0; break;
        case N_GE: y = x >= b ? 1.0 : 0.0; break;
        case N_EQ: y = x == b ? 1.0 : 0.0; break;
        case N_NE: y = x != b ? 1.0 : 0.0; break;
        case N_COPY: y = x; break;
        case N_FLOORDIV: case N_MOD: {
            double q, r;
            if (!py_divmod(x, b, &q, &r)) return s + 1;  /* ZeroDivisionError */
            y = code == N_FLOORDIV ? q : r; break;
        }
        case N_ISINT: y = floor(x) == x ? 1.0 : 0.0; break;
        case N_SUM:  /* first: 1 for Python's compensated sum (3.12 on), 2 from a start */
            for (int k = 0; k < n; k++) {
                scratch[k] = v[a[k]];
                if (!ordinary(scratch[k])) return s + 1;
            }
            y = py_sum(scratch, n, t->first[s]);
            break;
        case N_FSUM:  /* (a number not finite, a partial sum that overflows: Python) */
            for (int k = 0; k < n; k++) scratch[k] = v[a[k]];
            if (!exact_sum(scratch, n, &y, scratch + n)) return s + 1;
            break;
        case N_EXP: y = exp(x); break;  /* (an overflow: inf, stopped below) */
        case N_LOG: if (!(x > 0.0)) return s + 1; y = log(x); break;  /* ValueError */
        case N_SQRT: if (x < 0.0) return s + 1; y = sqrt(x); break;  /* ValueError */
        case N_TANH: y = tanh(x); break;
        case N_SIN: y = sin(x); break;
        case N_COS: y = cos(x); break;
        case N_FABS: y = fabs(x); break;
        case N_MAX: case N_MIN:  /* Python's max(a, b, ...): a later one where it is > */
            y = x;
            for (int k = 0; k < n; k++) {
                double z = v[a[k]];
                if (!ordinary(z)) return s + 1;
                if (code == N_MAX ? z > y : z < y) y = z;
            }
            break;
        default: return s + 1;
        }
        if (!ordinary(y)) return s + 1;
        if (code >= N_ADD && (t->first[s] & 8)) y += 0.0;  /* INT: an int's 0 has no sign
                                                            * (-0 is 0, 0 * -3 is 0) */
        v[t->out[s]] = y;
        /* NUMPY (first's 4): NumPy computes this step (an operator of its float64 numbers),
         * and reports an underflow as np.errstate asks: here or earlier, the Python program
         * runs the call (the flag is sticky: a step of Python's floats may have set it) */
        if (code >= N_ADD && (t->first[s] & 4) && fetestexcept(FE_UNDERFLOW)) return s + 1;
    }
    return 0;
}

/* The guards: 0 when every comparison comes out as it did when the program was captured,
 * else -(k + 1) for the first that does not (Python's comparisons of floats: false with a
 * NaN; "same": the very same number, NaN as NaN, -0.0 not 0.0). */
int tg_guards(const tg_tape *t) {
    for (int k = 0; k < t->guards; k++) {
        double a = t->v[t->guard_left[k]], b = t->v[t->guard_right[k]];
        int holds = 0;
        switch (t->guard_op[k]) {
        case G_LT: holds = a < b; break;
        case G_LE: holds = a <= b; break;
        case G_GT: holds = a > b; break;
        case G_GE: holds = a >= b; break;
        case G_EQ: holds = a == b; break;
        case G_NE: holds = a != b; break;
        case G_SAME: holds = (a == b && signbit(a) == signbit(b)) || (a != a && b != b); break;
        }
        if (holds != t->guard_outcome[k]) return -(k + 1);
    }
    return 0;
}

/* The backward pass: the leaves' gradients (slots 0 .. leaves-1) start at what they held,
 * every other at 0; the output's gets the seed; then, in the backward pass's order (the last
 * step first), each node passes its gradient on: operand's += local derivative x node's
 * (0.0 where MASKED). */
void tg_backward(const tg_tape *t) {
    double *g = t->g;
    const double *d = t->d;
    for (int i = t->leaves; i < t->size; i++) g[i] = 0.0;
    g[t->root] += t->seed;
    for (int b = 0; b < t->backs; b++) {
        int s = t->back[b], code = t->op[s];
        double gs = g[t->out[s]];
        int n = code == GIVEN ? t->count[s] / 2 : t->count[s];
        for (int j = t->start[s], end = j + n; j < end; j++) {
            if (!t->isnode[j]) continue;
            g[t->args[j]] += t->masked[j] ? 0.0 : d[j] * gs;
        }
    }
}

/* A whole run: the forward pass, the guards, then the backward pass. Returns 0 when it ran
 * to the end; the step's number + 1 where the forward pass stopped (see the top of the
 * file); -(k + 1) where guard k failed (the program does not fit these numbers). */
int tg_step(const tg_tape *t) {
    int stopped = tg_run(t);
    if (stopped == 0) stopped = tg_guards(t);
    if (stopped == 0) tg_backward(t);
    return stopped;
}
