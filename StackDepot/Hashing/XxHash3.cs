using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StackDepot.Hashing;

/// <summary>
/// XXH3-64 (xxHash 0.8 "XXH3_64bits_withSeed"), ported from the xxHash specification. Same signature and output as
/// <c>System.IO.Hashing.XxHash3.HashToUInt64</c>, so the depot can swap to it in <see cref="FrameHasher"/> alone.
/// </summary>
/// <remarks>
/// Length classes (each has its own code path, as in the reference): 0, 1-3, 4-8, 9-16, 17-128, 129-240 and
/// &gt;240 (stripes of 64 bytes, blocks of 16 stripes with a scramble after each, then the last stripe).
/// A seed only shifts the secret's words by +seed/-seed; the long path computes those shifted words in registers
/// as it reads them (see the &gt;240 section), so no per-seed secret is built, cached or stored.
/// The long path has an AVX2, an SSE2 and a scalar implementation; all three are tested against the vectors.
/// Reads are unaligned little-endian, so any slice of any buffer may be hashed. Nothing allocates.
/// </remarks>
[SkipLocalsInit]
internal static class XxHash3
{
    private const ulong Prime32_1 = 0x9E3779B1UL;
    private const ulong Prime32_2 = 0x85EBCA77UL;
    private const ulong Prime32_3 = 0xC2B2AE3DUL;
    private const ulong Prime64_1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime64_2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime64_3 = 0x165667B19E3779F9UL;
    private const ulong Prime64_4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime64_5 = 0x27D4EB2F165667C5UL;
    private const ulong PrimeMx1 = 0x165667919E3779F9UL;
    private const ulong PrimeMx2 = 0x9FB21C651E98DF25UL;

    private const int SecretSize = 192;
    private const int StripeLen = 64;
    private const int SecretConsumeRate = 8;
    private const int StripesPerBlock = (SecretSize - StripeLen) / SecretConsumeRate; // 16
    private const int BlockLen = StripeLen * StripesPerBlock;                         // 1024
    private const int MidSizeStartOffset = 3;
    private const int MidSizeLastOffset = 17;
    private const int SecretSizeMin = 136;

    /// <summary>The default 192-byte secret of XXH3 (kSecret).</summary>
    private static ReadOnlySpan<byte> DefaultSecret =>
    [
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
        0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
        0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
        0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
        0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
        0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
        0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
        0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
        0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
        0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
        0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ];

    /// <summary>Computes the XXH3-64 hash of <paramref name="source"/> with <paramref name="seed"/>.</summary>
    public static ulong HashToUInt64(ReadOnlySpan<byte> source, long seed = 0)
    {
        ref byte input = ref MemoryMarshal.GetReference(source);
        uint length = (uint)source.Length;
        ulong s = (ulong)seed;

        if (length <= 16)
        {
            return HashUpTo16(ref input, length, s);
        }
        if (length <= 128)
        {
            return Hash17To128(ref input, length, s);
        }
        if (length <= 240)
        {
            return Hash129To240(ref input, length, s);
        }
        return HashLong(ref input, length, s);
    }

    // ---------------------------------------------------------------- short inputs (0..16)

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HashUpTo16(ref byte input, uint length, ulong seed)
    {
        if (length > 8)
        {
            // 9..16: two overlapping 8-byte reads.
            ulong bitflip1 = (Secret64(24) ^ Secret64(32)) + seed;
            ulong bitflip2 = (Secret64(40) ^ Secret64(48)) - seed;
            ulong lo = ReadLE64(ref input) ^ bitflip1;
            ulong hi = ReadLE64(ref Unsafe.Add(ref input, length - 8)) ^ bitflip2;
            ulong acc = length + BinaryPrimitives.ReverseEndianness(lo) + hi + Mul128Fold64(lo, hi);
            return Avalanche(acc);
        }
        if (length >= 4)
        {
            // 4..8: two overlapping 4-byte reads.
            seed ^= (ulong)BinaryPrimitives.ReverseEndianness((uint)seed) << 32;
            uint first = ReadLE32(ref input);
            uint last = ReadLE32(ref Unsafe.Add(ref input, length - 4));
            ulong bitflip = (Secret64(8) ^ Secret64(16)) - seed;
            ulong combined = last + ((ulong)first << 32);
            return Rrmxmx(combined ^ bitflip, length);
        }
        if (length > 0)
        {
            // 1..3: first, middle and last byte plus the length.
            uint c1 = input;
            uint c2 = Unsafe.Add(ref input, length >> 1);
            uint c3 = Unsafe.Add(ref input, length - 1);
            uint combined = (c1 << 16) | (c2 << 24) | c3 | (length << 8);
            ulong bitflip = (ulong)(Secret32(0) ^ Secret32(4)) + seed;
            return Avalanche64(combined ^ bitflip);
        }
        return Avalanche64(seed ^ Secret64(56) ^ Secret64(64));
    }

    // ---------------------------------------------------------------- 17..128

    private static ulong Hash17To128(ref byte input, uint length, ulong seed)
    {
        ulong acc = length * Prime64_1;
        if (length > 32)
        {
            if (length > 64)
            {
                if (length > 96)
                {
                    acc += Mix16(ref Unsafe.Add(ref input, 48), 96, seed);
                    acc += Mix16(ref Unsafe.Add(ref input, length - 64), 112, seed);
                }
                acc += Mix16(ref Unsafe.Add(ref input, 32), 64, seed);
                acc += Mix16(ref Unsafe.Add(ref input, length - 48), 80, seed);
            }
            acc += Mix16(ref Unsafe.Add(ref input, 16), 32, seed);
            acc += Mix16(ref Unsafe.Add(ref input, length - 32), 48, seed);
        }
        acc += Mix16(ref input, 0, seed);
        acc += Mix16(ref Unsafe.Add(ref input, length - 16), 16, seed);
        return Avalanche(acc);
    }

    // ---------------------------------------------------------------- 129..240

    private static ulong Hash129To240(ref byte input, uint length, ulong seed)
    {
        ulong acc = length * Prime64_1;
        acc += Mix16(ref input, 0, seed);
        acc += Mix16(ref Unsafe.Add(ref input, 16), 16, seed);
        acc += Mix16(ref Unsafe.Add(ref input, 32), 32, seed);
        acc += Mix16(ref Unsafe.Add(ref input, 48), 48, seed);
        acc += Mix16(ref Unsafe.Add(ref input, 64), 64, seed);
        acc += Mix16(ref Unsafe.Add(ref input, 80), 80, seed);
        acc += Mix16(ref Unsafe.Add(ref input, 96), 96, seed);
        acc += Mix16(ref Unsafe.Add(ref input, 112), 112, seed);
        acc = Avalanche(acc);

        // Rounds 8..(length/16 - 1) read the secret from offset 3, 16 bytes per round.
        uint rounds = length / 16;
        for (uint i = 8; i < rounds; i++)
        {
            acc += Mix16(ref Unsafe.Add(ref input, 16 * i), (int)(16 * (i - 8)) + MidSizeStartOffset, seed);
        }
        acc += Mix16(ref Unsafe.Add(ref input, length - 16), SecretSizeMin - MidSizeLastOffset, seed);
        return Avalanche(acc);
    }

    /// <summary>mix16B over the default secret at <paramref name="secretOffset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix16(ref byte input, int secretOffset, ulong seed) =>
        Mul128Fold64(
            ReadLE64(ref input) ^ (Secret64(secretOffset) + seed),
            ReadLE64(ref Unsafe.Add(ref input, 8)) ^ (Secret64(secretOffset + 8) - seed));

    // ---------------------------------------------------------------- > 240
    //
    // For a non-zero seed the long path uses a "derived" secret: kSecret with +seed added to its even 8-byte words
    // and -seed to its odd ones. Rather than writing that secret to memory, each read of it is computed in
    // registers: stripe and scramble keys start on word boundaries, so they are kSecret words plus an alternating
    // (+seed, -seed) pattern; the last-stripe key (byte 121) and the merge key (byte 11) straddle two words and are
    // rebuilt with shifts. With seed 0 the pattern is zero and the same code reads kSecret itself, so seeded and
    // unseeded inputs share one path, and nothing is stored on the stack but the locals.

    private static ulong HashLong(ref byte input, nuint length, ulong seed)
    {
        if (Avx2.IsSupported && BitConverter.IsLittleEndian)
        {
            return HashLongAvx2(ref input, length, seed);
        }
        if (Sse2.IsSupported && BitConverter.IsLittleEndian)
        {
            return HashLongSse2(ref input, length, seed);
        }
        return HashLongScalar(ref input, length, seed);
    }

    /// <summary>Long path with the eight accumulators in two 256-bit registers (x86 with AVX2).</summary>
    private static ulong HashLongAvx2(ref byte input, nuint length, ulong seed)
    {
        ref byte secret = ref MemoryMarshal.GetReference(DefaultSecret);
        // The seed pattern of four derived-secret words that start at an even word, and at an odd one.
        Vector256<ulong> even = Vector256.Create(seed, 0UL - seed, seed, 0UL - seed);
        Vector256<ulong> odd = Vector256<ulong>.Zero - even;

        Vector256<ulong> acc0 = Vector256.Create(Prime32_3, Prime64_1, Prime64_2, Prime64_3);
        Vector256<ulong> acc1 = Vector256.Create(Prime64_4, Prime32_2, Prime64_5, Prime32_1);

        nuint blocks = (length - 1) / BlockLen;
        for (nuint b = 0; b < blocks; b++)
        {
            Avx2Stripes(ref acc0, ref acc1, ref Unsafe.Add(ref input, b * BlockLen), ref secret, StripesPerBlock, even);
            // Scramble key: derived words 16..23.
            acc0 = Avx2Scramble(acc0, LoadVector256(ref secret, 128) + even);
            acc1 = Avx2Scramble(acc1, LoadVector256(ref secret, 160) + even);
        }

        // Whole stripes of the last (partial) block, never including the final byte...
        nuint done = blocks * BlockLen;
        Avx2Stripes(ref acc0, ref acc1, ref Unsafe.Add(ref input, done), ref secret, (length - 1 - done) / StripeLen, even);

        // ...which the last 64 bytes always cover, keyed by derived bytes 121..184
        // (121 = 192 - 64 - 7, i.e. words 15..23, one byte in).
        ref byte last = ref Unsafe.Add(ref input, length - StripeLen);
        acc0 = Avx2Round(acc0, LoadVector256(ref last, 0), Avx2Straddle(ref secret, 15, 1, odd, even));
        acc1 = Avx2Round(acc1, LoadVector256(ref last, 32), Avx2Straddle(ref secret, 19, 1, odd, even));

        // Merge keyed by derived bytes 11..74 (words 1..9, three bytes in).
        Vector256<ulong> m0 = acc0 ^ Avx2Straddle(ref secret, 1, 3, odd, even);
        Vector256<ulong> m1 = acc1 ^ Avx2Straddle(ref secret, 5, 3, odd, even);
        ulong result = length * Prime64_1;
        result += Mul128Fold64(m0.GetElement(0), m0.GetElement(1));
        result += Mul128Fold64(m0.GetElement(2), m0.GetElement(3));
        result += Mul128Fold64(m1.GetElement(0), m1.GetElement(1));
        result += Mul128Fold64(m1.GetElement(2), m1.GetElement(3));
        return Avalanche(result);
    }

    /// <summary>Accumulates <paramref name="stripes"/> stripes; stripe n is keyed by derived words n..n+7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Avx2Stripes(ref Vector256<ulong> acc0, ref Vector256<ulong> acc1, ref byte input, ref byte secret,
        nuint stripes, Vector256<ulong> even)
    {
        Vector256<ulong> a0 = acc0, a1 = acc1, pattern = even;
        for (nuint n = 0; n < stripes; n++)
        {
            ref byte stripe = ref Unsafe.Add(ref input, n * StripeLen);
            ref byte key = ref Unsafe.Add(ref secret, n * SecretConsumeRate);
            a0 = Avx2Round(a0, LoadVector256(ref stripe, 0), LoadVector256(ref key, 0) + pattern);
            a1 = Avx2Round(a1, LoadVector256(ref stripe, 32), LoadVector256(ref key, 32) + pattern);
            pattern = Vector256<ulong>.Zero - pattern; // the next stripe starts one word further: flip the parity
        }
        acc0 = a0;
        acc1 = a1;
    }

    /// <summary>acc[i] += lo32(d^k) * hi32(d^k); acc[i ^ 1] += d, on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Avx2Round(Vector256<ulong> acc, Vector256<ulong> data, Vector256<ulong> key)
    {
        Vector256<ulong> mixed = data ^ key;
        // vpmuludq multiplies the low 32 bits of each 64-bit lane into a 64-bit product.
        Vector256<ulong> product = Avx2.Multiply(mixed.AsUInt32(), Avx2.ShiftRightLogical(mixed, 32).AsUInt32());
        // Swap the two 64-bit lanes of each 128-bit half.
        Vector256<ulong> swapped = Avx2.Shuffle(data.AsUInt32(), 0b01_00_11_10).AsUInt64();
        return acc + product + swapped;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Avx2Scramble(Vector256<ulong> acc, Vector256<ulong> key)
    {
        acc ^= Avx2.ShiftRightLogical(acc, 47);
        acc ^= key;
        // 64 x 32 -> 64-bit multiply by Prime32_1: lo32 * p + ((hi32 * p) << 32).
        Vector256<uint> prime = Vector256.Create(Prime32_1).AsUInt32();
        Vector256<ulong> lo = Avx2.Multiply(acc.AsUInt32(), prime);
        Vector256<ulong> hi = Avx2.Multiply(Avx2.ShiftRightLogical(acc, 32).AsUInt32(), prime);
        return lo + Avx2.ShiftLeftLogical(hi, 32);
    }

    /// <summary>
    /// Four derived-secret words read <paramref name="bytes"/> (1..7) bytes into word <paramref name="word"/>:
    /// lane j is (D[word + j] &gt;&gt; 8*bytes) | (D[word + j + 1] &lt;&lt; (64 - 8*bytes)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Avx2Straddle(ref byte secret, int word, int bytes,
        Vector256<ulong> patternLow, Vector256<ulong> patternHigh)
    {
        Vector256<ulong> low = LoadVector256(ref secret, (nuint)(8 * word)) + patternLow;
        Vector256<ulong> high = LoadVector256(ref secret, (nuint)(8 * word + 8)) + patternHigh;
        return Vector256.ShiftRightLogical(low, 8 * bytes) | Vector256.ShiftLeft(high, 64 - 8 * bytes);
    }

    /// <summary>Long path with the eight accumulators in four 128-bit registers (any x64).</summary>
    private static ulong HashLongSse2(ref byte input, nuint length, ulong seed)
    {
        ref byte secret = ref MemoryMarshal.GetReference(DefaultSecret);
        Vector128<ulong> even = Vector128.Create(seed, 0UL - seed);
        Vector128<ulong> odd = Vector128<ulong>.Zero - even;

        Vector128<ulong> acc0 = Vector128.Create(Prime32_3, Prime64_1);
        Vector128<ulong> acc1 = Vector128.Create(Prime64_2, Prime64_3);
        Vector128<ulong> acc2 = Vector128.Create(Prime64_4, Prime32_2);
        Vector128<ulong> acc3 = Vector128.Create(Prime64_5, Prime32_1);

        nuint blocks = (length - 1) / BlockLen;
        for (nuint b = 0; b < blocks; b++)
        {
            Sse2Stripes(ref acc0, ref acc1, ref acc2, ref acc3, ref Unsafe.Add(ref input, b * BlockLen), ref secret, StripesPerBlock, even);
            acc0 = Sse2Scramble(acc0, LoadVector128(ref secret, 128) + even);
            acc1 = Sse2Scramble(acc1, LoadVector128(ref secret, 144) + even);
            acc2 = Sse2Scramble(acc2, LoadVector128(ref secret, 160) + even);
            acc3 = Sse2Scramble(acc3, LoadVector128(ref secret, 176) + even);
        }

        nuint done = blocks * BlockLen;
        Sse2Stripes(ref acc0, ref acc1, ref acc2, ref acc3, ref Unsafe.Add(ref input, done), ref secret, (length - 1 - done) / StripeLen, even);

        ref byte last = ref Unsafe.Add(ref input, length - StripeLen);
        acc0 = Sse2Round(acc0, LoadVector128(ref last, 0), Sse2Straddle(ref secret, 15, 1, odd, even));
        acc1 = Sse2Round(acc1, LoadVector128(ref last, 16), Sse2Straddle(ref secret, 17, 1, odd, even));
        acc2 = Sse2Round(acc2, LoadVector128(ref last, 32), Sse2Straddle(ref secret, 19, 1, odd, even));
        acc3 = Sse2Round(acc3, LoadVector128(ref last, 48), Sse2Straddle(ref secret, 21, 1, odd, even));

        Vector128<ulong> m0 = acc0 ^ Sse2Straddle(ref secret, 1, 3, odd, even);
        Vector128<ulong> m1 = acc1 ^ Sse2Straddle(ref secret, 3, 3, odd, even);
        Vector128<ulong> m2 = acc2 ^ Sse2Straddle(ref secret, 5, 3, odd, even);
        Vector128<ulong> m3 = acc3 ^ Sse2Straddle(ref secret, 7, 3, odd, even);
        ulong result = length * Prime64_1;
        result += Mul128Fold64(m0.GetElement(0), m0.GetElement(1));
        result += Mul128Fold64(m1.GetElement(0), m1.GetElement(1));
        result += Mul128Fold64(m2.GetElement(0), m2.GetElement(1));
        result += Mul128Fold64(m3.GetElement(0), m3.GetElement(1));
        return Avalanche(result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sse2Stripes(ref Vector128<ulong> acc0, ref Vector128<ulong> acc1, ref Vector128<ulong> acc2,
        ref Vector128<ulong> acc3, ref byte input, ref byte secret, nuint stripes, Vector128<ulong> even)
    {
        Vector128<ulong> a0 = acc0, a1 = acc1, a2 = acc2, a3 = acc3, pattern = even;
        for (nuint n = 0; n < stripes; n++)
        {
            ref byte stripe = ref Unsafe.Add(ref input, n * StripeLen);
            ref byte key = ref Unsafe.Add(ref secret, n * SecretConsumeRate);
            a0 = Sse2Round(a0, LoadVector128(ref stripe, 0), LoadVector128(ref key, 0) + pattern);
            a1 = Sse2Round(a1, LoadVector128(ref stripe, 16), LoadVector128(ref key, 16) + pattern);
            a2 = Sse2Round(a2, LoadVector128(ref stripe, 32), LoadVector128(ref key, 32) + pattern);
            a3 = Sse2Round(a3, LoadVector128(ref stripe, 48), LoadVector128(ref key, 48) + pattern);
            pattern = Vector128<ulong>.Zero - pattern;
        }
        acc0 = a0;
        acc1 = a1;
        acc2 = a2;
        acc3 = a3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Sse2Round(Vector128<ulong> acc, Vector128<ulong> data, Vector128<ulong> key)
    {
        Vector128<ulong> mixed = data ^ key;
        Vector128<ulong> product = Sse2.Multiply(mixed.AsUInt32(), Sse2.ShiftRightLogical(mixed, 32).AsUInt32());
        Vector128<ulong> swapped = Sse2.Shuffle(data.AsUInt32(), 0b01_00_11_10).AsUInt64();
        return acc + product + swapped;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Sse2Scramble(Vector128<ulong> acc, Vector128<ulong> key)
    {
        acc ^= Sse2.ShiftRightLogical(acc, 47);
        acc ^= key;
        Vector128<uint> prime = Vector128.Create(Prime32_1).AsUInt32();
        Vector128<ulong> lo = Sse2.Multiply(acc.AsUInt32(), prime);
        Vector128<ulong> hi = Sse2.Multiply(Sse2.ShiftRightLogical(acc, 32).AsUInt32(), prime);
        return lo + Sse2.ShiftLeftLogical(hi, 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Sse2Straddle(ref byte secret, int word, int bytes,
        Vector128<ulong> patternLow, Vector128<ulong> patternHigh)
    {
        Vector128<ulong> low = LoadVector128(ref secret, (nuint)(8 * word)) + patternLow;
        Vector128<ulong> high = LoadVector128(ref secret, (nuint)(8 * word + 8)) + patternHigh;
        return Vector128.ShiftRightLogical(low, 8 * bytes) | Vector128.ShiftLeft(high, 64 - 8 * bytes);
    }

    /// <summary>Portable long path, one 64-bit lane at a time (any endianness).</summary>
    private static ulong HashLongScalar(ref byte input, nuint length, ulong seed)
    {
        Span<ulong> acc =
        [
            Prime32_3, Prime64_1, Prime64_2, Prime64_3, Prime64_4, Prime32_2, Prime64_5, Prime32_1,
        ];

        nuint blocks = (length - 1) / BlockLen;
        for (nuint b = 0; b < blocks; b++)
        {
            ScalarStripes(acc, ref Unsafe.Add(ref input, b * BlockLen), StripesPerBlock, seed);
            for (int i = 0; i < 8; i++)
            {
                ulong a = acc[i];
                a ^= a >> 47;
                a ^= DerivedSecretWord(16 + i, seed);
                acc[i] = a * Prime32_1;
            }
        }

        nuint done = blocks * BlockLen;
        ScalarStripes(acc, ref Unsafe.Add(ref input, done), (length - 1 - done) / StripeLen, seed);

        ref byte last = ref Unsafe.Add(ref input, length - StripeLen);
        for (int i = 0; i < 8; i++)
        {
            ScalarRound(acc, i, ReadLE64(ref Unsafe.Add(ref last, 8 * i)), DerivedSecretStraddle(15 + i, 1, seed));
        }

        ulong result = length * Prime64_1;
        for (int i = 0; i < 8; i += 2)
        {
            result += Mul128Fold64(acc[i] ^ DerivedSecretStraddle(1 + i, 3, seed), acc[i + 1] ^ DerivedSecretStraddle(2 + i, 3, seed));
        }
        return Avalanche(result);
    }

    private static void ScalarStripes(Span<ulong> acc, ref byte input, nuint stripes, ulong seed)
    {
        for (nuint n = 0; n < stripes; n++)
        {
            ref byte stripe = ref Unsafe.Add(ref input, n * StripeLen);
            for (int i = 0; i < 8; i++)
            {
                ScalarRound(acc, i, ReadLE64(ref Unsafe.Add(ref stripe, 8 * i)), DerivedSecretWord((int)n + i, seed));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScalarRound(Span<ulong> acc, int i, ulong data, ulong key)
    {
        ulong mixed = data ^ key;
        acc[i ^ 1] += data;
        acc[i] += (mixed & 0xFFFFFFFFUL) * (mixed >> 32);
    }

    /// <summary>Word <paramref name="word"/> of the derived secret: kSecret word + seed if even, - seed if odd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong DerivedSecretWord(int word, ulong seed) => Secret64(8 * word) + ((word & 1) == 0 ? seed : 0UL - seed);

    /// <summary>The derived secret's 8 bytes at byte offset 8*<paramref name="word"/> + <paramref name="bytes"/> (1..7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong DerivedSecretStraddle(int word, int bytes, ulong seed) =>
        (DerivedSecretWord(word, seed) >> (8 * bytes)) | (DerivedSecretWord(word + 1, seed) << (64 - 8 * bytes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> LoadVector256(ref byte source, nuint offset) =>
        Vector256.LoadUnsafe(ref Unsafe.Add(ref source, offset)).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> LoadVector128(ref byte source, nuint offset) =>
        Vector128.LoadUnsafe(ref Unsafe.Add(ref source, offset)).AsUInt64();

    // ---------------------------------------------------------------- test hook

    /// <summary>Which long-path (&gt;240 bytes) implementation <see cref="HashLongForTesting"/> runs.</summary>
    internal enum LongPath
    {
        /// <summary>The portable scalar loops.</summary>
        Scalar,
        /// <summary>The SSE2 loops.</summary>
        Sse2,
        /// <summary>The AVX2 loops.</summary>
        Avx2,
    }

    /// <summary>Whether <paramref name="path"/> can run on this machine.</summary>
    internal static bool IsSupported(LongPath path) => path switch
    {
        LongPath.Scalar => true,
        LongPath.Sse2 => Sse2.IsSupported && BitConverter.IsLittleEndian,
        LongPath.Avx2 => Avx2.IsSupported && BitConverter.IsLittleEndian,
        _ => false,
    };

    /// <summary>
    /// For tests only: hashes an input of more than 240 bytes with a chosen long-path implementation, so every
    /// implementation (not just the one this CPU would pick) is checked against the reference vectors.
    /// </summary>
    internal static ulong HashLongForTesting(ReadOnlySpan<byte> source, long seed, LongPath path)
    {
        if (source.Length <= 240)
        {
            throw new ArgumentOutOfRangeException(nameof(source), "The long path is for inputs of more than 240 bytes.");
        }
        if (!IsSupported(path))
        {
            throw new PlatformNotSupportedException($"{path} is not supported here.");
        }
        ref byte input = ref MemoryMarshal.GetReference(source);
        nuint length = (nuint)source.Length;
        return path switch
        {
            LongPath.Avx2 => HashLongAvx2(ref input, length, (ulong)seed),
            LongPath.Sse2 => HashLongSse2(ref input, length, (ulong)seed),
            _ => HashLongScalar(ref input, length, (ulong)seed),
        };
    }

    // ---------------------------------------------------------------- primitives

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Secret64(int offset) => ReadLE64(ref Unsafe.Add(ref MemoryMarshal.GetReference(DefaultSecret), offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Secret32(int offset) => ReadLE32(ref Unsafe.Add(ref MemoryMarshal.GetReference(DefaultSecret), offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadLE64(ref byte source)
    {
        ulong value = Unsafe.ReadUnaligned<ulong>(ref source);
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadLE32(ref byte source)
    {
        uint value = Unsafe.ReadUnaligned<uint>(ref source);
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    /// <summary>64x64->128 multiply, folded to 64 bits by XOR of the halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mul128Fold64(ulong left, ulong right)
    {
        ulong high = Math.BigMul(left, right, out ulong low);
        return high ^ low;
    }

    /// <summary>XXH3's final mix for most length classes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Avalanche(ulong hash)
    {
        hash ^= hash >> 37;
        hash *= PrimeMx1;
        return hash ^ (hash >> 32);
    }

    /// <summary>XXH64's avalanche, used by XXH3 for lengths 0..3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Avalanche64(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= Prime64_2;
        hash ^= hash >> 29;
        hash *= Prime64_3;
        return hash ^ (hash >> 32);
    }

    /// <summary>The stronger final mix of lengths 4..8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Rrmxmx(ulong hash, uint length)
    {
        hash ^= BitOperations.RotateLeft(hash, 49) ^ BitOperations.RotateLeft(hash, 24);
        hash *= PrimeMx2;
        hash ^= (hash >> 35) + length;
        hash *= PrimeMx2;
        return hash ^ (hash >> 28);
    }
}
