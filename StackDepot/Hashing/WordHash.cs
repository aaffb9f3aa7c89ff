using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StackDepot.Hashing;

/// <summary>
/// A seeded 64-bit hash of a sequence of 64-bit words, built for stacks of frame ids (8 to 64 words, typically). A
/// byte-oriented hash (XXH3, <c>HashCode.AddBytes</c>) spends much of its work on byte-level mixing and on length
/// classes that frame ids do not need; this one works on whole words.
/// </summary>
/// <remarks>
/// <para>
/// Keys. 72 64-bit keys are drawn from the seed by SplitMix64 when the hasher is made (once per depot), so two depots
/// with different seeds whiten every word differently: which stacks collide in one depot says nothing about another,
/// and the weak point of any multiply step (a word that whitens to zero zeroes its product) is at a secret place.
/// </para>
/// <para>
/// Words. Stacks of 8 to 64 words, on x64 with AVX2 (<see cref="HashVector"/>): eight words at a time, the last
/// eight always (overlapping, whitened again), each word
/// whitened by a key of its own position, the two 32-bit halves of each whitened word multiplied together into 64
/// bits and added to a lane, and the word itself added to the neighbouring lane (so that a product of zero loses
/// nothing), in two accumulators of four lanes. Other lengths or processors (<see cref="HashScalar"/>): four
/// scalar lanes, each step multiplying two whitened words into 128 bits and folding the halves (high XOR low).
/// </para>
/// <para>
/// Finish. The lanes are folded pairwise with keys into two words (the vector path first adds its two accumulators,
/// the second whitened), the two words multiplied into 128 bits, and the two halves of that product multiplied and
/// folded (as wyhash finishes), so that both 32-bit halves of the result
/// (the depot's bucket and its key check) depend on every input bit. Quality tests: <c>WordHashTests</c> (avalanche,
/// a million realistic stacks, seed independence), for both paths.
/// </para>
/// </remarks>
internal sealed class WordHash
{
    /// <summary>Most words the vector path takes: one key per position.</summary>
    private const int VectorMaxWords = 64;

    private readonly ulong _k0, _k1, _k2, _k3, _k4, _k5, _k6, _k7;
    private readonly ulong[] _positionKeys = new ulong[VectorMaxWords];
    private readonly Vector256<ulong> _evenStart, _oddStart, _oddWhitening, _lastWhitening;

    /// <summary>Draws the hash's keys from <paramref name="seed"/>.</summary>
    public WordHash(ulong seed)
    {
        ulong state = seed;
        _k0 = Next(ref state);
        _k1 = Next(ref state);
        _k2 = Next(ref state);
        _k3 = Next(ref state);
        _k4 = Next(ref state);
        _k5 = Next(ref state);
        _k6 = Next(ref state);
        _k7 = Next(ref state);
        for (int i = 0; i < _positionKeys.Length; i++)
        {
            _positionKeys[i] = Next(ref state);
        }

        _evenStart = Vector256.Create(_k0, _k1, _k2, _k3);
        _oddStart = Vector256.Create(_k4, _k5, _k6, _k7);
        _oddWhitening = Vector256.Create(_k3, _k7, _k4, _k0);
        _lastWhitening = Vector256.Create(_k6, _k2, _k5, _k1);
    }

    /// <summary>True when <see cref="Hash"/> takes the vector path for a stack of <paramref name="length"/> words.</summary>
    public static bool IsVectorLength(int length) => Avx2.IsSupported && length is >= 8 and <= VectorMaxWords;

    /// <summary>The 64-bit hash of <paramref name="words"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash(ReadOnlySpan<ulong> words) =>
        IsVectorLength(words.Length) ? HashVector(words) : HashScalar(words);

    /// <summary>The scalar path, for any length on any processor.</summary>
    public ulong HashScalar(ReadOnlySpan<ulong> words)
    {
        ref ulong w = ref MemoryMarshal.GetReference(words);
        nuint n = (nuint)words.Length;
        ulong a = _k0 ^ n, b = _k1, c = _k2, d = _k3;
        nuint i = 0;
        for (; n - i >= 8; i += 8)
        {
            a = Fold(Unsafe.Add(ref w, i) ^ _k4, Unsafe.Add(ref w, i + 1) ^ a);
            b = Fold(Unsafe.Add(ref w, i + 2) ^ _k5, Unsafe.Add(ref w, i + 3) ^ b);
            c = Fold(Unsafe.Add(ref w, i + 4) ^ _k6, Unsafe.Add(ref w, i + 5) ^ c);
            d = Fold(Unsafe.Add(ref w, i + 6) ^ _k7, Unsafe.Add(ref w, i + 7) ^ d);
        }

        if (n - i >= 4)
        {
            a = Fold(Unsafe.Add(ref w, i) ^ _k4, Unsafe.Add(ref w, i + 1) ^ a);
            b = Fold(Unsafe.Add(ref w, i + 2) ^ _k5, Unsafe.Add(ref w, i + 3) ^ b);
            i += 4;
        }

        if (n - i >= 2)
        {
            c = Fold(Unsafe.Add(ref w, i) ^ _k6, Unsafe.Add(ref w, i + 1) ^ c);
            i += 2;
        }

        if (n - i != 0)
        {
            d = Fold(Unsafe.Add(ref w, i) ^ _k7, d ^ _k0);
        }

        return Finish(Fold(a ^ _k1, c ^ _k5), Fold(b ^ _k2, d ^ _k6), n);
    }

    /// <summary>The AVX2 path, for 8 to 64 words (see <see cref="IsVectorLength"/>).</summary>
    /// <remarks>Blocks of eight words while more than eight are left, then always the last eight words of the stack
    /// (overlapping the last full block when the length is not a multiple of eight), whitened once more so that a
    /// word taken twice adds a different product. One loop whose exit is the only branch that depends on the length:
    /// no scalar tail, whose trip count a hit on stacks of mixed depths mispredicts.</remarks>
    public ulong HashVector(ReadOnlySpan<ulong> words)
    {
        ref ulong w = ref MemoryMarshal.GetReference(words);
        ref ulong key = ref MemoryMarshal.GetArrayDataReference(_positionKeys);
        nuint n = (nuint)words.Length;
        Vector256<ulong> even = _evenStart ^ Vector256.CreateScalar((ulong)n), odd = _oddStart;
        nuint i = 0;
        for (; n - i > 8; i += 8)
        {
            even = Accumulate(even, Vector256.LoadUnsafe(ref w, i), Vector256.LoadUnsafe(ref key, i));
            odd = Accumulate(odd, Vector256.LoadUnsafe(ref w, i + 4), Vector256.LoadUnsafe(ref key, i + 4));
        }

        nuint last = n - 8;
        even = Accumulate(even, Vector256.LoadUnsafe(ref w, last), Vector256.LoadUnsafe(ref key, last) ^ _lastWhitening);
        odd = Accumulate(odd, Vector256.LoadUnsafe(ref w, last + 4), Vector256.LoadUnsafe(ref key, last + 4) ^ _lastWhitening);

        // The two accumulators into one (the odd one whitened first), its four lanes folded pairwise into two words.
        Vector256<ulong> both = even + (odd ^ _oddWhitening);
        ulong u = Fold(both.GetElement(0) ^ _k1, both.GetElement(1) ^ _k5);
        ulong v = Fold(both.GetElement(2) ^ _k2, both.GetElement(3) ^ _k6);
        return Finish(u, v, n);
    }

    /// <summary>Adds four words to an accumulator: the product of the halves of each whitened word to its lane, the
    /// word itself to the neighbouring lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Accumulate(Vector256<ulong> accumulator, Vector256<ulong> data, Vector256<ulong> key)
    {
        Vector256<ulong> whitened = data ^ key;
        Vector256<ulong> product = Avx2.Multiply(whitened.AsUInt32(), Avx2.ShiftRightLogical(whitened, 32).AsUInt32());
        Vector256<ulong> swapped = Avx2.Permute4x64(data, 0b10_11_00_01);
        return accumulator + product + swapped;
    }

    /// <summary>Multiplies two words that depend on every input word into 128 bits, then the halves together.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Finish(ulong u, ulong v, nuint n)
    {
        ulong x = u ^ _k3, y = v ^ _k7 ^ n;
        ulong high, low;
        if (Bmi2.X64.IsSupported)
        {
            high = Bmi2.X64.MultiplyNoFlags(x, y);
            low = x * y;
        }
        else
        {
            high = Math.BigMul(x, y, out low);
        }

        return Fold(low ^ _k0, high ^ _k4);
    }

    /// <summary>The 128-bit product of <paramref name="x"/> and <paramref name="y"/>, high half XOR low half. With
    /// BMI2 the high half comes from <c>mulx</c> and the low half from a plain multiply, both in registers
    /// (<see cref="Math.BigMul(ulong, ulong, out ulong)"/> passes the low half through memory, which adds a
    /// store-to-load delay to every step of a lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Fold(ulong x, ulong y)
    {
        if (Bmi2.X64.IsSupported)
        {
            return Bmi2.X64.MultiplyNoFlags(x, y) ^ (x * y);
        }

        ulong high = Math.BigMul(x, y, out ulong low);
        return high ^ low;
    }

    /// <summary>SplitMix64: a bijective mix of a Weyl sequence; every seed gives a different, well-spread key set.</summary>
    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
