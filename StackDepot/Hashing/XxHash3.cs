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
/// Inputs up to 240 bytes use only the default secret plus the seed; longer inputs with a non-zero seed use a
/// secret derived from the seed, built on the stack per call (192 bytes, a handful of vector adds).
/// The long path has an AVX2, an SSE2 and a scalar accumulate loop; all three are tested against the vectors.
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
    private const int SecretLastAccStart = 7;
    private const int SecretMergeAccsStart = 11;
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

    private static ulong HashLong(ref byte input, uint length, ulong seed)
    {
        if (Avx2.IsSupported && BitConverter.IsLittleEndian)
        {
            return HashLong<Avx2Ops>(ref input, length, seed);
        }
        if (Sse2.IsSupported && BitConverter.IsLittleEndian)
        {
            return HashLong<Sse2Ops>(ref input, length, seed);
        }
        return HashLong<ScalarOps>(ref input, length, seed);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HashLong<TOps>(ref byte input, nuint length, ulong seed) where TOps : struct, IStripeOps
    {
        if (seed == 0)
        {
            return HashLongWithSecret<TOps>(ref input, length, ref MemoryMarshal.GetReference(DefaultSecret));
        }

        // Custom secret: kSecret with +seed on even 8-byte words and -seed on odd ones (uninitialised stack, no zeroing).
        Span<byte> secret = stackalloc byte[SecretSize];
        ref byte derived = ref MemoryMarshal.GetReference(secret);
        TOps.DeriveSecret(ref derived, seed);
        return HashLongWithSecret<TOps>(ref input, length, ref derived);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HashLongWithSecret<TOps>(ref byte input, nuint length, ref byte secret)
        where TOps : struct, IStripeOps
    {
        Accumulators accs = default;
        accs[0] = Prime32_3;
        accs[1] = Prime64_1;
        accs[2] = Prime64_2;
        accs[3] = Prime64_3;
        accs[4] = Prime64_4;
        accs[5] = Prime32_2;
        accs[6] = Prime64_5;
        accs[7] = Prime32_1;
        ref ulong acc = ref accs[0];

        nuint blocks = (length - 1) / BlockLen;
        for (nuint b = 0; b < blocks; b++)
        {
            TOps.Accumulate(ref acc, ref Unsafe.Add(ref input, b * BlockLen), ref secret, StripesPerBlock);
            TOps.Scramble(ref acc, ref Unsafe.Add(ref secret, SecretSize - StripeLen));
        }

        // Last partial block: whole stripes, never including the final byte...
        nuint done = blocks * BlockLen;
        nuint stripes = (length - 1 - done) / StripeLen;
        TOps.Accumulate(ref acc, ref Unsafe.Add(ref input, done), ref secret, stripes);

        // ...which is always covered by the last 64 bytes, at a fixed secret offset.
        TOps.Accumulate(ref acc, ref Unsafe.Add(ref input, length - StripeLen),
            ref Unsafe.Add(ref secret, SecretSize - StripeLen - SecretLastAccStart), 1);

        ref byte mergeSecret = ref Unsafe.Add(ref secret, SecretMergeAccsStart);
        ulong result = length * Prime64_1;
        result += Mul128Fold64(accs[0] ^ ReadLE64(ref mergeSecret), accs[1] ^ ReadLE64(ref Unsafe.Add(ref mergeSecret, 8)));
        result += Mul128Fold64(accs[2] ^ ReadLE64(ref Unsafe.Add(ref mergeSecret, 16)), accs[3] ^ ReadLE64(ref Unsafe.Add(ref mergeSecret, 24)));
        result += Mul128Fold64(accs[4] ^ ReadLE64(ref Unsafe.Add(ref mergeSecret, 32)), accs[5] ^ ReadLE64(ref Unsafe.Add(ref mergeSecret, 40)));
        result += Mul128Fold64(accs[6] ^ ReadLE64(ref Unsafe.Add(ref mergeSecret, 48)), accs[7] ^ ReadLE64(ref Unsafe.Add(ref mergeSecret, 56)));
        return Avalanche(result);
    }

    /// <summary>The eight 64-bit accumulators of the long path.</summary>
    [InlineArray(8)]
    private struct Accumulators
    {
        private ulong _element0;
    }

    /// <summary>One implementation of the long path's inner loops (specialised per struct by the JIT).</summary>
    private interface IStripeOps
    {
        /// <summary>Runs <paramref name="stripes"/> 64-byte stripes into the accumulators, the secret advancing 8 bytes per stripe.</summary>
        static abstract void Accumulate(ref ulong acc, ref byte input, ref byte secret, nuint stripes);

        /// <summary>Scrambles the accumulators with the 64 bytes of secret at <paramref name="secret"/>.</summary>
        static abstract void Scramble(ref ulong acc, ref byte secret);

        /// <summary>Writes the 192-byte secret derived from <paramref name="seed"/> to <paramref name="destination"/>.</summary>
        static abstract void DeriveSecret(ref byte destination, ulong seed);
    }

    /// <summary>Portable one-lane-at-a-time loops (any endianness).</summary>
    private struct ScalarOps : IStripeOps
    {
        public static void Accumulate(ref ulong acc, ref byte input, ref byte secret, nuint stripes)
        {
            for (nuint n = 0; n < stripes; n++)
            {
                ref byte stripe = ref Unsafe.Add(ref input, n * StripeLen);
                ref byte key = ref Unsafe.Add(ref secret, n * SecretConsumeRate);
                for (int i = 0; i < 8; i++)
                {
                    ulong data = ReadLE64(ref Unsafe.Add(ref stripe, 8 * i));
                    ulong mixed = data ^ ReadLE64(ref Unsafe.Add(ref key, 8 * i));
                    Unsafe.Add(ref acc, i ^ 1) += data;
                    Unsafe.Add(ref acc, i) += (mixed & 0xFFFFFFFFUL) * (mixed >> 32);
                }
            }
        }

        public static void Scramble(ref ulong acc, ref byte secret)
        {
            for (int i = 0; i < 8; i++)
            {
                ref ulong a = ref Unsafe.Add(ref acc, i);
                ulong v = a;
                v ^= v >> 47;
                v ^= ReadLE64(ref Unsafe.Add(ref secret, 8 * i));
                a = v * Prime32_1;
            }
        }

        public static void DeriveSecret(ref byte destination, ulong seed)
        {
            ref byte source = ref MemoryMarshal.GetReference(DefaultSecret);
            for (int i = 0; i < SecretSize; i += 16)
            {
                WriteLE64(ref Unsafe.Add(ref destination, i), ReadLE64(ref Unsafe.Add(ref source, i)) + seed);
                WriteLE64(ref Unsafe.Add(ref destination, i + 8), ReadLE64(ref Unsafe.Add(ref source, i + 8)) - seed);
            }
        }
    }

    /// <summary>Two 256-bit registers hold the eight accumulators (x86 with AVX2; little-endian only).</summary>
    private struct Avx2Ops : IStripeOps
    {
        public static void Accumulate(ref ulong acc, ref byte input, ref byte secret, nuint stripes)
        {
            Vector256<ulong> acc0 = Vector256.LoadUnsafe(ref acc);
            Vector256<ulong> acc1 = Vector256.LoadUnsafe(ref acc, 4);
            for (nuint n = 0; n < stripes; n++)
            {
                ref byte stripe = ref Unsafe.Add(ref input, n * StripeLen);
                ref byte key = ref Unsafe.Add(ref secret, n * SecretConsumeRate);
                acc0 = Round(acc0, Vector256.LoadUnsafe(ref stripe).AsUInt64(), Vector256.LoadUnsafe(ref key).AsUInt64());
                acc1 = Round(acc1, Vector256.LoadUnsafe(ref stripe, 32).AsUInt64(), Vector256.LoadUnsafe(ref key, 32).AsUInt64());
            }
            acc0.StoreUnsafe(ref acc);
            acc1.StoreUnsafe(ref acc, 4);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<ulong> Round(Vector256<ulong> acc, Vector256<ulong> data, Vector256<ulong> key)
        {
            Vector256<ulong> mixed = data ^ key;
            // lo32(mixed) * hi32(mixed) in every 64-bit lane (vpmuludq reads the low half of each lane).
            Vector256<ulong> product = Avx2.Multiply(mixed.AsUInt32(), Avx2.ShiftRightLogical(mixed, 32).AsUInt32());
            // acc[i ^ 1] += data[i]: swap the two 64-bit lanes of each 128-bit half.
            Vector256<ulong> swapped = Avx2.Shuffle(data.AsUInt32(), 0b01_00_11_10).AsUInt64();
            return acc + product + swapped;
        }

        public static void Scramble(ref ulong acc, ref byte secret)
        {
            Vector256<uint> prime = Vector256.Create(Prime32_1).AsUInt32();
            for (nuint i = 0; i < 8; i += 4)
            {
                Vector256<ulong> a = Vector256.LoadUnsafe(ref acc, i);
                a ^= Avx2.ShiftRightLogical(a, 47);
                a ^= Vector256.LoadUnsafe(ref secret, i * 8).AsUInt64();
                // 64 x 32 -> 64 bit multiply: lo32 * p + ((hi32 * p) << 32).
                Vector256<ulong> lo = Avx2.Multiply(a.AsUInt32(), prime);
                Vector256<ulong> hi = Avx2.Multiply(Avx2.ShiftRightLogical(a, 32).AsUInt32(), prime);
                (lo + Avx2.ShiftLeftLogical(hi, 32)).StoreUnsafe(ref acc, i);
            }
        }

        public static void DeriveSecret(ref byte destination, ulong seed)
        {
            ref byte source = ref MemoryMarshal.GetReference(DefaultSecret);
            Vector256<ulong> add = Vector256.Create(seed, 0UL - seed, seed, 0UL - seed);
            for (nuint i = 0; i < SecretSize; i += 32)
            {
                (Vector256.LoadUnsafe(ref source, i).AsUInt64() + add).AsByte().StoreUnsafe(ref destination, i);
            }
        }
    }

    /// <summary>Four 128-bit registers hold the eight accumulators (any x64; little-endian only).</summary>
    private struct Sse2Ops : IStripeOps
    {
        public static void Accumulate(ref ulong acc, ref byte input, ref byte secret, nuint stripes)
        {
            Vector128<ulong> acc0 = Vector128.LoadUnsafe(ref acc);
            Vector128<ulong> acc1 = Vector128.LoadUnsafe(ref acc, 2);
            Vector128<ulong> acc2 = Vector128.LoadUnsafe(ref acc, 4);
            Vector128<ulong> acc3 = Vector128.LoadUnsafe(ref acc, 6);
            for (nuint n = 0; n < stripes; n++)
            {
                ref byte stripe = ref Unsafe.Add(ref input, n * StripeLen);
                ref byte key = ref Unsafe.Add(ref secret, n * SecretConsumeRate);
                acc0 = Round(acc0, Vector128.LoadUnsafe(ref stripe).AsUInt64(), Vector128.LoadUnsafe(ref key).AsUInt64());
                acc1 = Round(acc1, Vector128.LoadUnsafe(ref stripe, 16).AsUInt64(), Vector128.LoadUnsafe(ref key, 16).AsUInt64());
                acc2 = Round(acc2, Vector128.LoadUnsafe(ref stripe, 32).AsUInt64(), Vector128.LoadUnsafe(ref key, 32).AsUInt64());
                acc3 = Round(acc3, Vector128.LoadUnsafe(ref stripe, 48).AsUInt64(), Vector128.LoadUnsafe(ref key, 48).AsUInt64());
            }
            acc0.StoreUnsafe(ref acc);
            acc1.StoreUnsafe(ref acc, 2);
            acc2.StoreUnsafe(ref acc, 4);
            acc3.StoreUnsafe(ref acc, 6);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<ulong> Round(Vector128<ulong> acc, Vector128<ulong> data, Vector128<ulong> key)
        {
            Vector128<ulong> mixed = data ^ key;
            Vector128<ulong> product = Sse2.Multiply(mixed.AsUInt32(), Sse2.ShiftRightLogical(mixed, 32).AsUInt32());
            Vector128<ulong> swapped = Sse2.Shuffle(data.AsUInt32(), 0b01_00_11_10).AsUInt64();
            return acc + product + swapped;
        }

        public static void Scramble(ref ulong acc, ref byte secret)
        {
            Vector128<uint> prime = Vector128.Create(Prime32_1).AsUInt32();
            for (nuint i = 0; i < 8; i += 2)
            {
                Vector128<ulong> a = Vector128.LoadUnsafe(ref acc, i);
                a ^= Sse2.ShiftRightLogical(a, 47);
                a ^= Vector128.LoadUnsafe(ref secret, i * 8).AsUInt64();
                Vector128<ulong> lo = Sse2.Multiply(a.AsUInt32(), prime);
                Vector128<ulong> hi = Sse2.Multiply(Sse2.ShiftRightLogical(a, 32).AsUInt32(), prime);
                (lo + Sse2.ShiftLeftLogical(hi, 32)).StoreUnsafe(ref acc, i);
            }
        }

        public static void DeriveSecret(ref byte destination, ulong seed)
        {
            ref byte source = ref MemoryMarshal.GetReference(DefaultSecret);
            Vector128<ulong> add = Vector128.Create(seed, 0UL - seed);
            for (nuint i = 0; i < SecretSize; i += 16)
            {
                (Vector128.LoadUnsafe(ref source, i).AsUInt64() + add).AsByte().StoreUnsafe(ref destination, i);
            }
        }
    }

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
            LongPath.Avx2 => HashLong<Avx2Ops>(ref input, length, (ulong)seed),
            LongPath.Sse2 => HashLong<Sse2Ops>(ref input, length, (ulong)seed),
            _ => HashLong<ScalarOps>(ref input, length, (ulong)seed),
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteLE64(ref byte destination, ulong value) =>
        Unsafe.WriteUnaligned(ref destination, BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));

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
