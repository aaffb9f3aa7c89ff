using System.Runtime.CompilerServices;

namespace StackDepot.Storage;

/// <summary>
/// The three 64-bit header words in front of every record's frames (see docs/design.md, "Record layout").
/// <code>
/// word 0  key   = hash32 &lt;&lt; 32 | frame count           immutable while the record is linked
/// word 1  state = tag32  &lt;&lt; 32 | reference count       tag: bit 31 = handed out with Get, bits 0-30 = generation
/// word 2  link  = self32 &lt;&lt; 32 | next32                 next = handle value of the next record in the bucket
/// word 3.. frames
/// </code>
/// Generation and count share one word so that a single compare-and-swap both checks that a handle is current
/// and changes the count: a stale <c>Put</c> can never decrement a reused record's count.
/// </summary>
internal static unsafe class RecordHeader
{
    public const int HeaderWords = 3;

    /// <summary>Count of a record that is never freed (persistent or pinned), as the kernel's REFCOUNT_SATURATED.</summary>
    public const uint Saturated = uint.MaxValue;

    /// <summary>Tag flag of a record that is never freed (persistent, pinned, or stored pinned from the start): a
    /// <c>Save</c> with <c>Get</c> returned it at least once, so a <c>Put</c> of its handle is a legitimate no-op
    /// rather than a caller error. Bit 31, above every generation bit.</summary>
    public const uint FlagHandedOutWithGet = 1u << 31;

    /// <summary>The tag bits that hold a refcounted record's generation.</summary>
    public const uint GenerationTagMask = FlagHandedOutWithGet - 1;

    static RecordHeader()
    {
        // The 32-bit views below (count, next, self) assume little-endian word halves.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("StackDepot requires a little-endian platform.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref ulong Key(ulong* record) => ref record[0];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref long State(ulong* record) => ref *(long*)(record + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref uint Next(ulong* record) => ref *(uint*)(record + 2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref uint Self(ulong* record) => ref *((uint*)(record + 2) + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong* Frames(ulong* record) => record + HeaderWords;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MakeKey(uint hash32, int size) => ((ulong)hash32 << 32) | (uint)size;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOf(ulong key) => (int)(uint)key;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint CountOf(long state) => (uint)state;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint TagOf(long state) => (uint)((ulong)state >> 32);

    /// <summary>The generation a slot's next record gets when this one is freed (wraps within the generation bits
    /// of the tag, never into the flag).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint NextGeneration(uint tag) => (tag + 1) & GenerationTagMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MakeState(uint tag, uint count) => (long)(((ulong)tag << 32) | count);
}
