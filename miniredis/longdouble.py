"""Redis' long double arithmetic (INCRBYFLOAT, HINCRBYFLOAT), exactly.

Owns: reading a number as strtold does, rounding to an x87 80-bit long
double, and writing it as Redis' LD_STR_HUMAN ("%.17Lf" without trailing
zeros). Must not touch: commands, the keyspace.
"""

from fractions import Fraction

from . import errors
from .datatypes import FLOAT_DEC_RE, FLOAT_HEX_RE, FLOAT_INF_RE
from .errors import CommandError

# Redis computes in C long double (x87 80-bit: 64-bit mantissa) and
# prints "%.17Lf" with trailing zeros removed. Python floats would answer
# 0.30000000000000004 where Redis answers 0.3, so the arithmetic is done
# exactly on Fractions and rounded to that format after each step.
_LD_MANT = 64
_LD_EMIN = -16445            # exponent of the smallest subnormal (2**-16445)
_LD_LIMIT = 1 << 16384       # the first magnitude that overflows to infinity
_LD_MAX_TEXT = 5 * 1024      # Redis' MAX_LONG_DOUBLE_CHARS
_DIGITS_CHUNK = 4000         # below Python's int/str conversion limit


def ld_round(x):
    """x (a Fraction) rounded to the nearest long double; None when it overflows."""
    if not x:
        return x
    n, d = abs(x.numerator), x.denominator
    # Choose e so that the mantissa n/d/2**e lands in [2**63, 2**64).
    e = n.bit_length() - d.bit_length() - _LD_MANT
    if (n << max(0, -e)) >= (d << max(0, e)) << _LD_MANT:
        e += 1
    e = max(e, _LD_EMIN)
    num, den = (n, d << e) if e >= 0 else (n << -e, d)
    m, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and m & 1):   # round half to even, as the FPU
        m += 1
    v = Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e)
    if v >= _LD_LIMIT:
        return None
    return v if x > 0 else -v


def _int_from_digits(digits):
    v = 0
    for i in range(0, len(digits), _DIGITS_CHUNK):
        chunk = digits[i:i + _DIGITS_CHUNK]
        v = v * 10 ** len(chunk) + int(chunk)
    return v


def _digits_of(n):
    if n < 10 ** _DIGITS_CHUNK:
        return b"%d" % n
    hi, lo = divmod(n, 10 ** _DIGITS_CHUNK)
    return _digits_of(hi) + (b"%d" % lo).rjust(_DIGITS_CHUNK, b"0")


def _exponent(exp):
    if not exp:
        return 0
    # Past nine digits any exponent is out of a long double's range; cap it so
    # that a hostile "1e999999999999" costs nothing.
    digits = exp.lstrip(b"+-").lstrip(b"0") or b"0"
    if len(digits) > 9:
        return -10 ** 10 if exp[:1] == b"-" else 10 ** 10
    return -int(digits) if exp[:1] == b"-" else int(digits)


def ld_parse(text):
    """A long double as Redis' string2ld reads it (strtold): a Fraction, or a float infinity.

    strtold reports ERANGE for overflow and for a non-zero text that
    underflows to zero; Redis refuses both, as it refuses nan.
    """
    if len(text) >= _LD_MAX_TEXT:
        raise CommandError(errors.NOT_FLOAT)
    m = FLOAT_DEC_RE.match(text)
    hexa = m is None
    if hexa:
        m = FLOAT_HEX_RE.match(text)
        if m is None:
            if FLOAT_INF_RE.match(text):
                return float(text)
            raise CommandError(errors.NOT_FLOAT)
    sign, ipart, fpart, exp = m.groups()
    fpart = fpart or b""
    digits = (ipart + fpart).lstrip(b"0")
    if not digits:
        return Fraction(0)
    v = ld_round(_hex_value(digits, fpart, exp) if hexa else _decimal_value(digits, fpart, exp))
    if not v:
        raise CommandError(errors.NOT_FLOAT)
    return -v if sign == b"-" else v


def _decimal_value(digits, fpart, exp):
    exp10 = _exponent(exp) - len(fpart)
    magnitude = len(digits) + exp10   # the value is below 10**magnitude
    # Far out of range either way: refuse before building a huge Fraction.
    if magnitude > 4933 or magnitude <= -4951:
        raise CommandError(errors.NOT_FLOAT)
    return Fraction(_int_from_digits(digits)) * Fraction(10) ** exp10


def _hex_value(digits, fpart, exp):
    """"0x<digits>p<exp>": hex digits, each fraction digit worth 4 bits, a power-of-two exponent."""
    mantissa = int(digits, 16)
    exp2 = _exponent(exp) - 4 * len(fpart)
    top = mantissa.bit_length() + exp2   # the value is below 2**top
    if top > 16385 or top <= _LD_EMIN - 1:
        raise CommandError(errors.NOT_FLOAT)
    return Fraction(mantissa) * Fraction(2) ** exp2


def ld_format(x):
    """'%.17Lf' without trailing zeros (Redis' LD_STR_HUMAN)."""
    n, d = abs(x.numerator), x.denominator
    q, r = divmod(n * 10 ** 17, d)
    if 2 * r > d or (2 * r == d and q & 1):
        q += 1
    s = _digits_of(q).rjust(18, b"0")
    whole, frac = s[:-17], s[-17:].rstrip(b"0")
    out = whole + b"." + frac if frac else whole
    return b"-" + out if x < 0 and out != b"0" else out
